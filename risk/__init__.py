"""The conventional risk model: LLM features in, a scorecard a model-risk team can read out.

The LLM only produces features (ProfileScores); PD, grade and approve/refer/decline come from a
WoE-binned logistic scorecard saved as reviewable JSON, plus explicit knock-out policy rules.
"""

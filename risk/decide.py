"""One credit decision: calibrated PD, points, grade, knock-outs and reason codes with evidence.

`decide` is a pure function of its inputs (no clock, no randomness, no I/O), so the same row,
evidence, model and policy always give the same Decision. `eprof decide ENTERPRISE_ID` will build
the row with `risk.features.build_feature_row` and the evidence with `risk.features.evidence_map`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eprof.agent.schema import Evidence
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy
from eprof.risk.schema import ACTION_SEVERITY, Decision, FeatureRow, ReasonCode


def decide(
    features_row: FeatureRow,
    evidence_map: Mapping[str, Sequence[Evidence]] | None,
    model: ScorecardModel,
    policy: Policy,
) -> Decision:
    """Score one applicant and apply policy.

    Reason codes are the model features whose points fall furthest below the best points that
    feature earned in training (the "points below max" convention), at most `policy.max_reasons`,
    each with the caller's evidence for that feature. The final decision is the most severe of
    the PD thresholds and the knock-out rules that fired.
    """
    values = features_row.values
    pd_value = float(model.predict_pd(values)[0])
    score = float(model.score(values)[0])
    model_decision = policy.thresholds.action(pd_value)
    knockouts = policy.knockouts(values)
    decision = max([model_decision, *(k.action for k in knockouts)], key=ACTION_SEVERITY.__getitem__)

    adverse = [c for c in model.contributions(values) if c["points_below_max"] > 0]
    adverse.sort(key=lambda c: (-c["points_below_max"], c["feature"]))
    evidence_map = evidence_map or {}
    reasons = [
        ReasonCode(rank=i, evidence=list(evidence_map.get(c["feature"], [])), **c)
        for i, c in enumerate(adverse[: policy.max_reasons], start=1)
    ]
    return Decision(
        enterprise_id=features_row.enterprise_id,
        model_version=model.version,
        policy_version=policy.label,
        pd=pd_value,
        score=score,
        grade=model.grade(pd_value),
        model_decision=model_decision,
        decision=decision,
        knockouts=knockouts,
        reasons=reasons,
    )

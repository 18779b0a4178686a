"""Contracts of the risk step: the feature row it consumes and the decision it returns.

Both are frozen and closed (`extra="forbid"`) and carry a schema version; a change to either is a
new version. The model artifact's own contract lives in `risk.artifact`.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator

from eprof.kernel.contract import Contract

from eprof.agent.schema import Evidence, RedFlagType, Severity

FEATURE_SCHEMA_VERSION = "features/1"
DECISION_SCHEMA_VERSION = "decision/4"

Action = Literal["approve", "refer", "decline"]
ACTION_SEVERITY: dict[str, int] = {"approve": 0, "refer": 1, "decline": 2}
"""Order used to combine the model's decision with knock-outs: the most severe one wins."""


class FeatureRow(Contract):
    """One applicant's model inputs; None means missing and is scored in the missing bin."""

    schema_version: Literal["features/1"] = FEATURE_SCHEMA_VERSION
    enterprise_id: str
    values: dict[str, float | None]

    @field_validator("values")
    @classmethod
    def _finite(cls, values: dict[str, float | None]) -> dict[str, float | None]:
        for name, value in values.items():
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number or None; got {value}")
        return values


class Bilingual(Contract):
    zh: str
    en: str


class KnockoutHit(Contract):
    """A policy rule that fired: policy, not model, and always shown to the reviewer with its evidence."""

    rule_id: str
    description: str
    description_zh: str | None = None
    action: Action
    features: dict[str, float | None] = Field(description="the inputs the rule looked at")
    evidence: list[Evidence] = Field(default_factory=list, description="quotes and pages behind the inputs")
    replaces_model: bool = Field(False, description="the scorecard does not apply to this applicant (e.g. a bank)")
    pd_floor: float | None = Field(None, description="the PD this rule does not let the decision go below")


class FlagItem(Contract):
    """A verified red flag as the decision lists it: every one, not only those the model weighs."""

    type: RedFlagType
    severity: Severity
    label: Bilingual
    explanation: str
    evidence: list[Evidence] = Field(min_length=1)


class OverlayTerm(Contract):
    """A verified red flag the scorecard does not weigh, added to its log-odds (risk/overlay.py)."""

    type: RedFlagType
    severity: Severity
    label: Bilingual
    log_odds: float = Field(ge=0, description="added to the scorecard's log-odds; exp(log_odds) multiplies the odds")
    evidence: list[Evidence] = Field(min_length=1)


class LimitStep(Contract):
    """One line of the limit arithmetic, e.g. 'revenue x share = 12,000,000 x 10% = 1,200,000'."""

    name: str
    formula: str
    value: float

    @field_validator("value")
    @classmethod
    def _cents(cls, value: float) -> float:
        return round(value, 2)


class Condition(Contract):
    """A condition of the facility and the red flag (or figure) that triggered it."""

    id: str
    text: Bilingual
    triggered_by: list[str]


class CreditLimit(Contract):
    """A recommended amount with its arithmetic; zero for a decline, None-amount when figures are missing."""

    amount: float | None = Field(description="recommended limit in currency units; None when it cannot be computed")
    currency: str = "CNY"
    steps: list[LimitStep]
    conditions: list[Condition]
    note: str = Field(description="why the amount is what it is (decline, missing figure, refer: committee decides)")


class ReasonCode(Contract):
    """An adverse contribution: how many points the applicant's bin is below the feature's best bin."""

    rank: int = Field(ge=1)
    feature: str
    label: Bilingual
    value: float | None
    value_text: str = Field(description="the value as people read it, e.g. '−19.0%'")
    bin: str
    points: float
    max_points: float
    points_below_max: float = Field(gt=0)
    evidence: list[Evidence] = Field(default_factory=list)


class Decision(Contract):
    schema_version: Literal["decision/4"] = DECISION_SCHEMA_VERSION
    enterprise_id: str
    model_version: str
    policy_version: str
    pd: float = Field(ge=0, le=1, description="the PD the decision uses: the model's, raised to any policy floor that fired")
    pd_model: float = Field(ge=0, le=1, description="the model's PD: the scorecard's moved by the flag overlay")
    pd_scorecard: float = Field(ge=0, le=1, description="the scorecard's calibrated PD before the flag overlay")
    floored_by: list[str] = Field(default_factory=list, description="rules whose PD floor set `pd` above `pd_model`")
    overlay: list[OverlayTerm] = Field(default_factory=list, description="verified flags the scorecard does not weigh")
    score: float = Field(description="scorecard points; higher is better")
    grade: str = Field(description="master-scale grade of the PD")
    model_decision: Action = Field(description="from the PD thresholds alone")
    decision: Action = Field(description="final: the most severe of model_decision and knock-outs")
    knockouts: list[KnockoutHit]
    precedence: Bilingual = Field(description="how the model's decision and the policy rules combined")
    red_flags: list[FlagItem] = Field(default_factory=list, description="every verified red flag")
    reasons: list[ReasonCode]
    limit: CreditLimit | None = None
    explanation: Bilingual = Field(description="the decision in one or two sentences")

"""Credit policy: PD thresholds, master scale and knock-out rules, read from TOML.

Policy is not model. Knock-outs are explicit data (feature, comparison, action), evaluated
without executing anything from the file, and every rule that fires is listed in the decision.
"""

from __future__ import annotations

import bisect
import operator
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from eprof.agent.schema import Evidence, RedFlag, RedFlagType, Severity
from eprof.kernel.errors import ConfigError, InputError, NotFoundError
from eprof.kernel.contract import Contract
from eprof.risk.schema import Action, KnockoutHit
from eprof.kernel.validation import first_error

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.toml")

SEVERITY_ORDER: dict[Severity, int] = {Severity.low: 0, Severity.medium: 1, Severity.high: 2, Severity.critical: 3}
_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


class GradeBand(Contract):
    grade: str
    pd_max: float = Field(gt=0, le=1, description="inclusive upper PD bound of the grade")


class MasterScale(Contract):
    """PD -> grade: the first band whose pd_max holds the PD."""

    bands: list[GradeBand] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> MasterScale:
        bounds = [b.pd_max for b in self.bands]
        if any(a >= b for a, b in zip(bounds, bounds[1:], strict=False)):
            raise ValueError(f"pd_max must increase strictly from band to band; got {bounds}")
        if bounds[-1] != 1.0:
            raise ValueError(f"the last band must end at pd_max = 1.0; got {bounds[-1]}")
        grades = [b.grade for b in self.bands]
        if len(set(grades)) != len(grades):
            raise ValueError(f"grades must be unique; got {grades}")
        return self

    def grade(self, pd: float) -> str:
        bounds = [b.pd_max for b in self.bands]
        return self.bands[min(bisect.bisect_left(bounds, pd), len(bounds) - 1)].grade


class Thresholds(Contract):
    approve_max_pd: float = Field(gt=0, lt=1)
    decline_min_pd: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.approve_max_pd >= self.decline_min_pd:
            raise ValueError(
                f"approve_max_pd must be < decline_min_pd; got {self.approve_max_pd} >= {self.decline_min_pd}"
            )
        return self

    def action(self, pd: float) -> Action:
        if pd <= self.approve_max_pd:
            return "approve"
        return "decline" if pd >= self.decline_min_pd else "refer"


class _Rule(Contract):
    """What every knock-out rule carries: its id, text in both languages, action, and whether the
    model's own decision is set aside when it fires."""

    id: str
    description: str
    description_zh: str | None = None
    action: Action
    replaces_model: bool = Field(False, description="the model does not apply when this fires: its PD decision is set aside")
    pd_floor: float | None = Field(None, gt=0, lt=1, description="when it fires, the decision's PD is at least this")

    @model_validator(mode="after")
    def _floor_needs_model(self) -> _Rule:
        if self.pd_floor is not None and self.replaces_model:
            raise ValueError(f"rule {self.id}: a rule that replaces the model cannot floor its PD")
        return self


class ThresholdRule(_Rule):
    """Fires when `feature op value`; a missing feature value never fires it."""

    kind: Literal["threshold"]
    feature: str
    op: Literal[">=", ">", "<=", "<", "=="]
    value: float

    @property
    def features(self) -> list[str]:
        return [self.feature]

    def fires(self, values: Mapping[str, float | None]) -> bool:
        v = values[self.feature]
        return v is not None and _OPS[self.op](v, self.value)


class MissingRule(_Rule):
    """Fires when at least `at_least` of `features` are missing (too little evidence to score)."""

    kind: Literal["missing"]
    features: list[str] = Field(min_length=1)
    at_least: int = Field(ge=1)

    def fires(self, values: Mapping[str, float | None]) -> bool:
        return sum(values[f] is None for f in self.features) >= self.at_least


class FlagRule(_Rule):
    """Fires on a verified red flag of one of `flags` at `min_severity` or worse; its evidence is the flag's."""

    kind: Literal["flag"]
    flags: list[RedFlagType] = Field(min_length=1)
    min_severity: Severity = Severity.low

    @property
    def features(self) -> list[str]:
        return [f"flag_{t.value}" for t in self.flags]

    def matching(self, red_flags: list[RedFlag]) -> list[RedFlag]:
        floor = SEVERITY_ORDER[self.min_severity]
        return [f for f in red_flags if f.type in self.flags and SEVERITY_ORDER[f.severity] >= floor]


KnockoutRule = Annotated[ThresholdRule | MissingRule | FlagRule, Field(discriminator="kind")]


class ConditionRule(Contract):
    """A facility condition triggered by verified red flags of the listed types."""

    id: str
    flags: list[RedFlagType] = Field(min_length=1)
    text_en: str
    text_zh: str


class LimitPolicy(Contract):
    """Recommended limit = min(revenue x revenue_share, operating cash flow x ocf_multiple)
    x grade factor x leverage factor, rounded down to `round_to` and capped at `max_amount`."""

    currency: str = "CNY"
    revenue_share: float = Field(gt=0, le=1)
    ocf_multiple: float = Field(gt=0)
    non_positive_ocf_factor: float = Field(ge=0, le=1, description="applied to the revenue base when OCF <= 0")
    leverage_threshold: float = Field(gt=0, description="debt/assets above which leverage_factor applies")
    leverage_factor: float = Field(ge=0, le=1)
    refer_factor: float = Field(ge=0, le=1, description="a refer gets this share of the amount, pending the committee")
    max_amount: float = Field(gt=0)
    round_to: float = Field(gt=0)
    grade_factor: dict[str, float]
    conditions: list[ConditionRule] = Field(default_factory=list)


class FlagOverlay(Contract):
    """Log odds ratio per red-flag type at high severity, scaled by severity (risk/overlay.py)."""

    log_odds: dict[RedFlagType, float]
    severity_scale: dict[Severity, float]

    @model_validator(mode="after")
    def _checks(self) -> FlagOverlay:
        if set(self.severity_scale) != set(Severity):
            raise ValueError(f"flag_overlay.severity_scale must give every severity a factor; got {sorted(self.severity_scale)}")
        negative = [k for k, v in [*self.log_odds.items(), *self.severity_scale.items()] if v < 0]
        if negative:
            raise ValueError(f"flag_overlay values must be >= 0 (an overlay never lowers a PD); got negative {negative}")
        return self


class Policy(Contract):
    id: str
    version: str
    max_reasons: int = Field(4, ge=0)
    thresholds: Thresholds
    master_scale: list[GradeBand]
    knockout: list[KnockoutRule] = Field(default_factory=list)
    limit: LimitPolicy | None = None
    flag_overlay: FlagOverlay | None = None

    @model_validator(mode="after")
    def _checks(self) -> Policy:
        MasterScale(bands=self.master_scale)
        if self.limit is not None:
            absent = sorted({b.grade for b in self.master_scale} - set(self.limit.grade_factor))
            if absent:
                raise ValueError(f"limit.grade_factor must give every master-scale grade a factor; missing {absent}")
        ids = [r.id for r in self.knockout]
        if len(set(ids)) != len(ids):
            raise ValueError(f"knockout ids must be unique; got {ids}")
        return self

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def knockouts(
        self,
        values: Mapping[str, float | None],
        red_flags: Sequence[RedFlag] = (),
        evidence: Mapping[str, Sequence[Evidence]] | None = None,
    ) -> list[KnockoutHit]:
        """The rules that fire for one applicant, in file order, each with the evidence behind it.

        A flag rule reads the verified red flags themselves (type and severity) and cites their
        quotes; a threshold or missing rule cites the evidence the caller links to its features.
        """
        hits = []
        evidence = evidence or {}
        for rule in self.knockout:
            absent = [f for f in rule.features if f not in values]
            if absent:
                raise InputError(f"policy rule {rule.id} needs {absent}, which the feature row does not have")
            if isinstance(rule, FlagRule):
                matched = rule.matching(list(red_flags))
                if not matched:
                    continue
                quotes = [e for f in matched for e in f.evidence]
            elif rule.fires(values):
                quotes = [e for f in rule.features for e in evidence.get(f, [])]
            else:
                continue
            hits.append(
                KnockoutHit(
                    rule_id=rule.id,
                    description=rule.description,
                    description_zh=rule.description_zh,
                    action=rule.action,
                    features={f: values[f] for f in rule.features},
                    evidence=quotes,
                    replaces_model=rule.replaces_model,
                    pd_floor=rule.pd_floor,
                )
            )
        return hits


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate a policy TOML file (default: the one shipped in risk/)."""
    path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    if not path.is_file():
        raise NotFoundError(f"policy {path}: no such file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"policy {path.name}: expected valid TOML; {exc}") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"policy {path.name}: {first_error(exc)}") from exc

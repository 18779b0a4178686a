"""Credit policy: PD thresholds, master scale and knock-out rules, read from TOML.

Policy is not model. Knock-outs are explicit data (feature, comparison, action), evaluated
without executing anything from the file, and every rule that fires is listed in the decision.
"""

from __future__ import annotations

import bisect
import operator
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from eprof.kernel.errors import ConfigError, InputError, NotFoundError
from eprof.kernel.contract import Contract
from eprof.risk.schema import Action, KnockoutHit
from eprof.kernel.validation import first_error

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.toml")

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


class ThresholdRule(Contract):
    """Fires when `feature op value`; a missing feature value never fires it."""

    kind: Literal["threshold"]
    id: str
    description: str
    action: Action
    feature: str
    op: Literal[">=", ">", "<=", "<", "=="]
    value: float

    @property
    def features(self) -> list[str]:
        return [self.feature]

    def fires(self, values: Mapping[str, float | None]) -> bool:
        v = values[self.feature]
        return v is not None and _OPS[self.op](v, self.value)


class MissingRule(Contract):
    """Fires when at least `at_least` of `features` are missing (too little evidence to score)."""

    kind: Literal["missing"]
    id: str
    description: str
    action: Action
    features: list[str] = Field(min_length=1)
    at_least: int = Field(ge=1)

    def fires(self, values: Mapping[str, float | None]) -> bool:
        return sum(values[f] is None for f in self.features) >= self.at_least


KnockoutRule = Annotated[ThresholdRule | MissingRule, Field(discriminator="kind")]


class Policy(Contract):
    id: str
    version: str
    max_reasons: int = Field(4, ge=0)
    thresholds: Thresholds
    master_scale: list[GradeBand]
    knockout: list[KnockoutRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _checks(self) -> Policy:
        MasterScale(bands=self.master_scale)
        ids = [r.id for r in self.knockout]
        if len(set(ids)) != len(ids):
            raise ValueError(f"knockout ids must be unique; got {ids}")
        return self

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def knockouts(self, values: Mapping[str, float | None]) -> list[KnockoutHit]:
        """The rules that fire for one applicant, in file order."""
        hits = []
        for rule in self.knockout:
            absent = [f for f in rule.features if f not in values]
            if absent:
                raise InputError(f"policy rule {rule.id} needs {absent}, which the feature row does not have")
            if rule.fires(values):
                hits.append(
                    KnockoutHit(
                        rule_id=rule.id,
                        description=rule.description,
                        action=rule.action,
                        features={f: values[f] for f in rule.features},
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

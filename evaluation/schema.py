"""The contract of an evaluation run: `results.json`, written by `eprof eval run`.

Frozen and closed like every eprof contract; a change is a new EVAL_SCHEMA_VERSION. The file holds
everything the reports are drawn from (per-enterprise scores included), so `eprof eval compare`
and the web service read runs without re-running anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from eprof.agent.profile import Extractor
from eprof.agent.schema import FigureName, RedFlagType, RejectedClaim, Severity
from eprof.agent.pricing import Prices
from eprof.kernel.contract import Contract
from eprof.evaluation.downstream import Downstream, FeatureShift, Scored
from eprof.evaluation.flag_metrics import Counts
from eprof.evaluation.scoring import EnterpriseScore, FigureCounts
from eprof.evaluation.stats import Difference, Interval
from eprof.risk.schema import Action

EVAL_SCHEMA_VERSION = "eval-run/1"
Verdict = Literal["better", "worse", "no clear difference", "not measured"]


class DatasetInfo(Contract):
    path: str
    name: str
    sha256: str
    enterprises: int


class CodeVersion(Contract):
    eprof: str = Field(description="package version")
    git: str | None = Field(description="`git describe --always --dirty`, None outside a checkout")
    evaluation_sha256: str = Field(description="digest of the evaluation code (evaluation/*.py) that ran")


class RunSettings(Contract):
    repeats: int = Field(ge=1, description="runs of each LLM contender (the offline extractor runs once)")
    resamples: int = Field(ge=100)
    seed: int
    level: float
    prices: Prices
    risk_model: str = Field(description="scorecard version used with the extractor's features")
    ratios_only_model: str = Field(description="scorecard version used without them")
    policy: str


class CitedFlag(Contract):
    type: RedFlagType
    severity: Severity
    source: str
    page: int
    quote: str
    matched: bool = Field(description="matches a planted flag (type and page)")


class EnterpriseOutcome(Contract):
    """What one contender concluded about one enterprise (first repeat), for the side-by-side view."""

    enterprise_id: str
    name: str
    error: str | None = None
    flags: list[CitedFlag] = Field(default_factory=list)
    missed: list[CitedFlag] = Field(default_factory=list, description="planted flags not reported")
    rejected: list[RejectedClaim] = Field(default_factory=list)
    scored: Scored | None = None
    decisions_by_repeat: list[Action | None] = Field(default_factory=list)


class Latency(Contract):
    profile_p50_ms: float | None = Field(description="wall time of a profile in this run")
    profile_p95_ms: float | None
    llm_p50_ms: float | None = Field(None, description="model time it took to produce an extraction (call log)")
    llm_p95_ms: float | None = None


class UsageSummary(Contract):
    requests: int = Field(0, description="requests sent to the endpoint in this run")
    cache_hits: int = 0
    prompt_tokens: int = Field(0, description="tokens it took to produce the extractions (cached ones included)")
    completion_tokens: int = 0
    tokens_this_run: int = Field(0, description="tokens of the requests sent in this run")
    cost_estimate: float = Field(0.0, description="prompt + completion tokens at the run's prices")
    cost_this_run: float = 0.0


class ContenderResult(Contract):
    label: str = Field(description='"offline" or the prompt reference, e.g. "profile@v2"')
    extractor: Extractor
    prompt: str | None = None
    prompt_hash: str | None = None
    changelog: str | None = None
    model: str | None = None
    repeats: int
    metrics: dict[str, Interval]
    per_type: dict[RedFlagType, Counts]
    figures: dict[FigureName, FigureCounts]
    latency: Latency
    usage: UsageSummary
    repeat_f1: list[float | None] = Field(description="red-flag F1 of each repeat")
    decision_stability: float | None = Field(description="enterprises whose decision is the same in every repeat")
    downstream: Downstream
    scores: list[EnterpriseScore]
    outcomes: list[EnterpriseOutcome]


class MetricComparison(Contract):
    metric: str
    a: float | None
    b: float | None
    difference: Difference
    verdict: Verdict


class DecisionChange(Contract):
    enterprise_id: str
    a: Action
    b: Action


class Comparison(Contract):
    """B against A on the enterprises both profiled, paired over the same bootstrap draws."""

    a: str
    b: str
    n: int
    metrics: list[MetricComparison]
    decision_agreement: float | None
    decision_changes: list[DecisionChange]
    feature_shifts: list[FeatureShift]


class EvalRun(Contract):
    schema_version: Literal["eval-run/1"] = EVAL_SCHEMA_VERSION
    run_id: str
    created_at: dt.datetime
    seconds: float
    dataset: DatasetInfo
    code: CodeVersion
    model: str | None = Field(description="LLM model of the LLM contenders")
    prompts: dict[str, str] = Field(description="prompt reference -> sha256 of the prompt file")
    settings: RunSettings
    contenders: list[ContenderResult]
    comparisons: list[Comparison]

    def contender(self, label: str) -> ContenderResult | None:
        return next((c for c in self.contenders if c.label == label), None)

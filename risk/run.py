"""The decide step for an enterprise: its verified profile in, a Decision with evidence out.

Reason codes cite evidence: a dimension score its own quotes, a ratio the table rows of the
figures it was computed from, a red-flag count the quotes of those flags.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from eprof.agent.ratios import RATIO_INPUTS
from eprof.agent.schema import Evidence, OperatingProfile
from eprof.agent.staleness import Staleness
from eprof.kernel.contract import Contract
from eprof.kernel.errors import NotFoundError
from eprof.risk.artifact import ScorecardModel, load_model
from eprof.risk.decide import decide
from eprof.risk.features import build_feature_row, evidence_map
from eprof.risk.policy import Policy, load_policy
from eprof.risk.schema import Decision, KnockoutHit

DEFAULT_MODEL_DIR = Path(__file__).with_name("default_model")
LIMIT_FIGURES = ("revenue", "operating_cash_flow")
CONTRADICTION_RULE = "KO-MODEL-CONTRADICTS-EVIDENCE"


class DecisionRecord(Contract):
    """A decision together with what produced its inputs, so it can be reproduced and audited."""

    decision: Decision
    profile_schema_version: str
    extractor: str
    prompt: str | None
    prompt_hash: str | None
    fiscal_year: str | None
    staleness: Staleness | None = Field(None, description="the profile's age and the documents ingested after it (decide only)")


def profile_evidence(profile: OperatingProfile) -> dict[str, list[Evidence]]:
    """Feature name -> evidence, for ratio and red-flag features (dimensions carry their own)."""
    year = profile.fiscal_year
    by_name = {f.name: f for f in profile.figures if f.period == year and f.value is not None}
    links: dict[str, list[Evidence]] = {}
    for ratio, inputs in RATIO_INPUTS.items():
        items = [e for name in inputs if name in by_name for e in by_name[name].evidence]
        if items:
            links[ratio] = items
    for flag in profile.red_flags:
        links.setdefault(f"flag_{flag.type.value}", []).extend(flag.evidence)
        links.setdefault(f"severity_{flag.severity.value}", []).extend(flag.evidence)
    return links


def load_default_model(model_dir: Path | None = None) -> ScorecardModel:
    path = (model_dir or DEFAULT_MODEL_DIR) / "model.json"
    if not path.exists():
        raise NotFoundError(f"no risk model at {path}; train one with `eprof risk train`")
    return load_model(path)


def contradiction_hits(profile: OperatingProfile) -> list[KnockoutHit]:
    """A model profile the verified evidence contradicts goes to a person: one refer hit, or none."""
    if not profile.contradictions:
        return []
    return [KnockoutHit(rule_id=CONTRADICTION_RULE, description="; ".join(c.reason for c in profile.contradictions[:3]),
                        description_zh="模型的结论与已核实的证据相矛盾，转人工审查", action="refer", features={})]


def decide_profile(profile: OperatingProfile, model: ScorecardModel, policy: Policy | None = None) -> DecisionRecord:
    row = build_feature_row(profile.scores, profile.ratios)
    year = profile.fiscal_year
    figures = {f.name: f.value for f in profile.figures if f.period == year and f.name in LIMIT_FIGURES}
    decision = decide(row, evidence_map(profile.scores, profile_evidence(profile)), model, policy or load_policy(),
                      red_flags=profile.red_flags, figures=figures, extra_knockouts=contradiction_hits(profile))
    return DecisionRecord(
        decision=decision,
        profile_schema_version=profile.schema_version,
        extractor=profile.extractor if profile.extractor == "offline" else f"llm:{profile.model}",
        prompt=profile.prompt,
        prompt_hash=profile.prompt_hash,
        fiscal_year=profile.fiscal_year,
    )

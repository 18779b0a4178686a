"""Scores are earned: what a model may change in a profile, and what it may not.

The code's own reading of the same evidence (the offline extractor, the statement figures and
the injection scan) is the verified floor of an LLM profile:
- a dimension score needs verified evidence (agent/verify.py drops one without); a model score
  above the code's score for that dimension is capped at it, and above it by more than
  CONTRADICTION_MARGIN it is a contradiction; where the model has no accepted score the code's
  stands (it cites the statement rows it is computed from);
- red flags are the union: every code-verified flag stays, a model flag joins it (same event: its
  quotes join that flag, its severity counts if higher);
- a model that reports none of a verified high or critical flag's type contradicts the evidence.
A profile with contradictions is referred at decision time (risk/run.py), so a model, hallucinating
or steered by a document, can make a decision worse or send it to a person, never better.
"""

from __future__ import annotations

from eprof.agent.extraction import Extraction
from eprof.agent.ratios import RATIO_INPUTS
from eprof.agent.schema import DimensionScore, DimensionScores, Evidence, Figure, FigureName, RedFlag, RejectedClaim, Severity

CONTRADICTION_MARGIN = 15
"""Points by which a model's dimension score may exceed the code's before it is a contradiction."""
SCORE_RATIOS: dict[str, tuple[str, ...]] = {
    "business_stability": ("revenue_growth", "net_margin", "receivable_days"),
    "financial_health": ("debt_to_assets", "current_ratio", "net_margin", "ocf_to_liabilities", "interest_coverage"),
}
"""The ratios a code score is computed from (agent/offline.score_dimensions): it cites their rows."""
MAX_CITED = 6
_RANK = {s: i for i, s in enumerate(Severity)}


def cite_figures(extraction: Extraction, figures: dict[tuple[FigureName, str], Figure], year: str | None) -> Extraction:
    """The code extraction with each ratio-based score that cites nothing citing its statement rows."""
    updates: dict[str, DimensionScore] = {}
    for field, ratios in SCORE_RATIOS.items():
        score: DimensionScore | None = getattr(extraction.scores, field)
        if score is None or score.evidence or year is None:
            continue
        seen: dict[str, Evidence] = {}
        for name in (n for r in ratios for n in RATIO_INPUTS[r]):
            for item in figures[(name, year)].evidence if (name, year) in figures else []:
                seen.setdefault(item.quote, item)
        if seen:
            updates[field] = score.model_copy(update={"evidence": list(seen.values())[:MAX_CITED]})
    if not updates:
        return extraction
    return extraction.model_copy(update={"scores": extraction.scores.model_copy(update=updates)})


def _same_event(a: RedFlag, b: RedFlag) -> bool:
    return a.type == b.type and bool({e.chunk_id for e in a.evidence} & {e.chunk_id for e in b.evidence})


def union_flags(code: list[RedFlag], model: list[RedFlag]) -> list[RedFlag]:
    """Every code flag, each model flag of another event added, same-event quotes merged."""
    merged = list(code)
    for flag in model:
        i = next((i for i, f in enumerate(merged) if _same_event(f, flag)), None)
        if i is None:
            merged.append(flag)
            continue
        kept = merged[i]
        quotes = {e.quote for e in kept.evidence}
        severity = max(kept.severity, flag.severity, key=_RANK.__getitem__)
        merged[i] = kept.model_copy(update={"severity": severity, "evidence": kept.evidence + [e for e in flag.evidence if e.quote not in quotes]})
    return merged


def earn(model: Extraction, code: Extraction) -> tuple[Extraction, list[RejectedClaim]]:
    """The verified model extraction bounded by the verified code extraction, and its contradictions."""
    contradictions: list[RejectedClaim] = []
    scores: dict[str, DimensionScore | None] = {}
    for field in DimensionScores.model_fields:
        said: DimensionScore | None = getattr(model.scores, field)
        computed: DimensionScore | None = getattr(code.scores, field)
        if said is None or computed is None:
            scores[field] = said or computed
            continue
        scores[field] = said if said.score <= computed.score else computed
        if said.score > computed.score + CONTRADICTION_MARGIN:
            contradictions.append(RejectedClaim(
                field=f"scores.{field}",
                reason=f"model score {said.score} exceeds the {computed.score} computed from verified evidence; capped",
            ))
    reported = {f.type for f in model.red_flags}
    for flag in code.red_flags:
        if flag.type not in reported and _RANK[flag.severity] >= _RANK[Severity.high]:
            reported.add(flag.type)  # one contradiction per type
            contradictions.append(RejectedClaim(
                field=f"red_flags.{flag.type.value}",
                reason=f"model reported no {flag.type.value} flag; a verified {flag.severity.value} one stands",
                chunk_id=flag.evidence[0].chunk_id,
                quote=flag.evidence[0].quote,
            ))
    bounded = model.model_copy(update={
        "scores": DimensionScores(**scores),
        "red_flags": union_flags(code.red_flags, model.red_flags),
    })
    return bounded, contradictions

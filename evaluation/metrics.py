"""The metrics of an evaluation run, each a ratio of per-enterprise sums (see evaluation/scoring.py).

A metric names its numerator and denominator per enterprise, so one definition gives the point
estimate, the bootstrap interval and the paired comparison (evaluation/stats.py). Repeats of an
LLM contender pool into their enterprise: an enterprise is resampled with all its repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from eprof.evaluation.scoring import EnterpriseScore

Unit = Literal["share", "count", "tokens"]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    numerator: Callable[[EnterpriseScore], float]
    denominator: Callable[[EnterpriseScore], float]
    higher_is_better: bool
    unit: Unit
    description: str


def _llm(s: EnterpriseScore) -> float:
    return 1.0 if s.llm is not None and s.llm.attempts else 0.0


METRICS: tuple[Metric, ...] = (
    Metric("flag_f1", "red-flag F1", lambda s: 2 * s.flag_total.tp, lambda s: 2 * s.flag_total.tp + s.flag_total.fp + s.flag_total.fn,
           True, "share", "2 TP / (2 TP + FP + FN) over planted red flags, matched by type and page"),
    Metric("flag_precision", "red-flag precision", lambda s: s.flag_total.tp, lambda s: s.flag_total.tp + s.flag_total.fp,
           True, "share", "reported flags that match a planted one"),
    Metric("flag_recall", "red-flag recall", lambda s: s.flag_total.tp, lambda s: s.flag_total.tp + s.flag_total.fn,
           True, "share", "planted flags that were reported"),
    Metric("severity_agreement", "severity agreement", lambda s: s.severity_agreed, lambda s: s.severity_matched,
           True, "share", "matched flags whose severity equals the truth's"),
    Metric("decoys_flagged", "decoys flagged", lambda s: s.decoys_flagged, lambda s: s.decoys,
           False, "share", "look-alike sentences (negations, withdrawn suits, other firms) reported as flags"),
    Metric("figures_exact", "figures exact", lambda s: s.figure_total.exact, lambda s: s.figure_total.total,
           True, "share", "statement figures read to the cent"),
    Metric("figures_within", "figures within 1%", lambda s: s.figure_total.within, lambda s: s.figure_total.total,
           True, "share", "statement figures within 1% of the truth"),
    Metric("text_fields", "auditor and shareholder", lambda s: s.text_correct, lambda s: s.text_total,
           True, "share", "auditor and controlling shareholder named as in the truth"),
    Metric("claims_verified", "evidence verification rate", lambda s: s.claims_kept, lambda s: s.claims_kept + s.claims_rejected,
           True, "share", "claims whose every quote was found in the cited chunk, of all claims made"),
    Metric("rejected_claims", "rejected claims per enterprise", lambda s: s.claims_rejected, lambda s: 1.0,
           False, "count", "claims dropped by verification (invented or misquoted evidence)"),
    Metric("evidence_recheck", "kept evidence re-verified", lambda s: s.evidence_verified, lambda s: s.evidence_total,
           True, "share", "quotes in the final profile found again in the stored chunks (must be 100%)"),
    Metric("qa_correct", "Q&A answered correctly", lambda s: s.qa.correct, lambda s: s.qa.answerable,
           True, "share", "answerable questions answered with every part of the truth's answer"),
    Metric("qa_abstention", "Q&A correct abstention", lambda s: s.qa.abstained_ok, lambda s: s.qa.unanswerable,
           True, "share", "unanswerable questions answered 'not in the documents'"),
    Metric("json_valid", "valid output", lambda s: float(s.error is None), lambda s: 1.0,
           True, "share", "enterprises with a schema-valid extraction after at most two re-asks"),
    Metric("json_valid_first", "valid on first reply", lambda s: s.llm.first_valid if s.llm else 0.0, _llm,
           True, "share", "LLM extractions whose first reply was already valid"),
    Metric("retries", "retries per extraction", lambda s: max(s.llm.attempts - 1, 0) if s.llm else 0.0, _llm,
           False, "count", "transport retries and re-asks per LLM extraction"),
    Metric("tokens", "tokens per enterprise", lambda s: s.llm.prompt_tokens + s.llm.completion_tokens if s.llm else 0.0,
           lambda s: 1.0, False, "tokens", "prompt + completion tokens it took to produce the extraction"),
)
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
GATE_METRICS: tuple[str, ...] = ("flag_f1", "claims_verified", "qa_correct", "qa_abstention", "json_valid")
"""What `eprof eval compare --fail-on-regression` checks unless --metric names others."""


def enterprise_ids(scores: Sequence[EnterpriseScore]) -> list[str]:
    return sorted({s.enterprise_id for s in scores})


def arrays(metric: Metric, scores: Sequence[EnterpriseScore], ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(numerator, denominator) per enterprise in `ids`, repeats summed."""
    position = {eid: i for i, eid in enumerate(ids)}
    num, den = np.zeros(len(ids)), np.zeros(len(ids))
    for s in scores:
        if s.enterprise_id in position:
            num[position[s.enterprise_id]] += metric.numerator(s)
            den[position[s.enterprise_id]] += metric.denominator(s)
    return num, den

"""Score one enterprise's profile (and its Q&A answers) against the labelled truth.

Everything is counted per enterprise (EnterpriseScore), so a metric over a dataset is a ratio of
sums and can be bootstrapped over enterprises (evaluation/stats.py):

- red flags: per-type tp/fp/fn with the page-level matching of evaluation/flag_metrics.py;
  severity agreement on matched pairs; decoys flagged;
- figures: per statement line, read exactly (to the cent, after unit normalisation) and within
  FIGURE_TOLERANCE (relative);
- text fields: auditor and controlling shareholder named as in the truth;
- claims: kept (verified) against rejected by verification, and every kept quote re-checked
  against the stored chunk it cites;
- Q&A: answerable questions answered correctly, unanswerable ones correctly abstained (see
  `judge_answer`), counted separately.

An enterprise whose extraction failed (invalid output after the re-asks, endpoint down) scores
zero on everything that needs a profile: its planted flags are misses, its figures unread, its
questions unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field

from eprof.agent.qa import QAResult
from eprof.agent.schema import Evidence, FigureName, OperatingProfile, RedFlag, RedFlagType
from eprof.agent.verify import check_evidence, normalise
from eprof.kernel.contract import Contract
from eprof.evaluation.corpus.truth import EnterpriseTruth, TruthQA
from eprof.evaluation.flag_metrics import Counts, Decoy, flag_metrics, match_flags
from eprof.retrieval.schema import Chunk
from eprof.risk.features import DIMENSIONS

FIGURE_TOLERANCE = 0.01
"""A figure within 1% of the truth counts as 'within tolerance' (exact means to the cent)."""
_UNIT = re.compile(r"\s*(万元|亿元|千元|元|RMB thousand|RMB million|RMB)$")


class FigureCounts(Contract):
    total: int = 0
    exact: int = 0
    within: int = 0

    def __add__(self, other: FigureCounts) -> FigureCounts:
        return FigureCounts(total=self.total + other.total, exact=self.exact + other.exact, within=self.within + other.within)


class QACounts(Contract):
    answerable: int = 0
    correct: int = 0
    wrongly_abstained: int = 0
    page_ok: int = Field(0, description="first citation on the truth's document and page")
    unanswerable: int = 0
    abstained_ok: int = 0

    def __add__(self, other: QACounts) -> QACounts:
        return QACounts(**{k: getattr(self, k) + getattr(other, k) for k in QACounts.model_fields})


class LLMCounts(Contract):
    """One enterprise's model calls, read from the call log. Tokens, attempts and latency are those
    of the request that produced the answer, also when this run was served from the cache."""

    requests: int = Field(0, description="requests sent in this run (0 when every answer came from the cache)")
    cache_hits: int = 0
    attempts: int = Field(0, description="requests it took to produce the answer: 1 + transport retries + re-asks")
    first_valid: int = Field(0, description="1 when the first reply was valid JSON for the schema")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    sent_prompt_tokens: int = Field(0, description="tokens of the requests sent in this run")
    sent_completion_tokens: int = 0


class EnterpriseScore(Contract):
    enterprise_id: str
    repeat: int = 0
    error: str | None = Field(None, description="why no profile was produced")
    flags: dict[RedFlagType, Counts] = Field(default_factory=dict)
    severity_matched: int = 0
    severity_agreed: int = 0
    decoys: int = 0
    decoys_flagged: int = 0
    figures: dict[FigureName, FigureCounts] = Field(default_factory=dict)
    text_total: int = 0
    text_correct: int = 0
    claims_kept: int = 0
    claims_rejected: int = 0
    evidence_total: int = 0
    evidence_verified: int = 0
    qa: QACounts = Field(default_factory=QACounts)
    llm: LLMCounts | None = Field(None, description="None for the offline extractor")
    seconds: float = Field(0.0, description="wall time of the profile in this run")

    @property
    def flag_total(self) -> Counts:
        return sum(self.flags.values(), Counts())

    @property
    def figure_total(self) -> FigureCounts:
        return sum(self.figures.values(), FigureCounts())


def truth_flags(truth: EnterpriseTruth) -> list[RedFlag]:
    """The planted flags as RedFlag, so predicted and expected are compared in one type."""
    return [
        RedFlag(type=f.type, severity=f.severity, date=f.date, explanation="planted",
                evidence=[Evidence(chunk_id="truth", source=f.source, page=f.page, quote=f.quote)])
        for f in truth.flags
    ]


def truth_decoys(truth: EnterpriseTruth) -> list[Decoy]:
    return [Decoy(enterprise_id=truth.enterprise_id, looks_like=d.looks_like, source=d.source, quote=d.quote, kind=d.kind)
            for d in truth.decoys]


def all_evidence(profile: OperatingProfile) -> list[Evidence]:
    """Every quote the profile passes on: text claims, red flags, parties and figures."""
    evidence = [e for c in profile.text_claims() for e in c.evidence] + [e for f in profile.red_flags for e in f.evidence]
    return evidence + [e for p in profile.parties for e in p.evidence] + [e for f in profile.figures for e in f.evidence]


def answer_parts(answer: str) -> list[str]:
    """The parts of a truth answer that must all appear: split at ", " and "、", units dropped."""
    return [_UNIT.sub("", part).strip() for part in re.split(r", |、", answer) if part.strip()]


def judge_answer(qa: TruthQA, result: QAResult) -> QACounts:
    """One question. Answerable: correct when the answer does not abstain and every part of the
    truth's answer (width and whitespace normalised) appears in the answer or a cited quote.
    Unanswerable: correct when the answer abstains."""
    if not qa.answerable:
        return QACounts(unanswerable=1, abstained_ok=int(result.abstained))
    if result.abstained:
        return QACounts(answerable=1, wrongly_abstained=1)
    haystack = normalise(result.answer + " ".join(c.quote for c in result.citations))
    correct = bool(qa.answer) and all(normalise(part) in haystack for part in answer_parts(qa.answer or ""))
    first = result.citations[0] if result.citations else None
    page_ok = bool(first and qa.evidence and (first.source, first.page) == (qa.evidence.source, qa.evidence.page))
    return QACounts(answerable=1, correct=int(correct), page_ok=int(page_ok))


def _figures(truth: EnterpriseTruth, profile: OperatingProfile | None) -> dict[FigureName, FigureCounts]:
    read = {(f.name, f.period): f.value for f in profile.figures} if profile else {}
    out: dict[FigureName, FigureCounts] = {}
    for f in truth.figures:
        value = read.get((f.name, f.period))
        exact = value is not None and abs(value - f.value) < 0.005
        within = value is not None and abs(value - f.value) <= FIGURE_TOLERANCE * abs(f.value)
        out[f.name] = out.get(f.name, FigureCounts()) + FigureCounts(total=1, exact=int(exact), within=int(within))
    return out


def _named(expected: str, claim_value: str | None) -> bool:
    if not claim_value:
        return False
    a, b = normalise(expected).casefold(), normalise(claim_value).casefold()
    return a in b or b in a


def _claims(profile: OperatingProfile) -> int:
    scores = sum(getattr(profile.scores, name) is not None for name in DIMENSIONS)
    return len(profile.text_claims()) + scores + len(profile.parties) + len(profile.red_flags)


def _qa_unanswered(truth: EnterpriseTruth) -> QACounts:
    answerable = sum(q.answerable for q in truth.qa)
    return QACounts(answerable=answerable, unanswerable=len(truth.qa) - answerable)


def score_enterprise(
    truth: EnterpriseTruth,
    profile: OperatingProfile | None,
    chunks: Mapping[str, Chunk],
    qa: QACounts | None = None,
    *,
    error: str | None = None,
    llm: LLMCounts | None = None,
    seconds: float = 0.0,
    repeat: int = 0,
) -> EnterpriseScore:
    """Count everything for one enterprise; `profile=None` (with `error`) scores a failed extraction,
    `qa=None` means no questions were asked."""
    eid = truth.enterprise_id
    predicted, expected = profile.red_flags if profile else [], truth_flags(truth)
    flags = flag_metrics({eid: predicted}, {eid: expected}, "page", truth_decoys(truth))
    pairs = match_flags(predicted, expected, "page")
    evidence = all_evidence(profile) if profile else []
    return EnterpriseScore(
        enterprise_id=eid,
        repeat=repeat,
        error=error,
        flags=flags.per_type,
        severity_matched=len(pairs),
        severity_agreed=sum(expected[t].severity == predicted[p].severity for t, p in pairs),
        decoys=flags.decoys,
        decoys_flagged=flags.decoys_flagged,
        figures=_figures(truth, profile),
        text_total=bool(truth.auditor) + bool(truth.controlling_shareholder),  # a news dataset labels neither
        text_correct=int(profile is not None and bool(truth.auditor) and _named(truth.auditor, profile.auditor and profile.auditor.value))
        + int(profile is not None and bool(truth.controlling_shareholder) and _named(
            truth.controlling_shareholder, profile.controlling_shareholder and profile.controlling_shareholder.value)),
        claims_kept=_claims(profile) if profile else 0,
        claims_rejected=len(profile.rejected) if profile else 0,
        evidence_total=len(evidence),
        evidence_verified=sum(check_evidence(e, chunks, eid) is None for e in evidence),
        qa=_qa_unanswered(truth) if profile is None else qa or QACounts(),
        llm=llm,
        seconds=seconds,
    )

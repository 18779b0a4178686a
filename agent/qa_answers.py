"""Offline answers (pure): from the verified profile, or the best verbatim sentences of the hits,
or an abstention that says what was searched. Nothing is generated."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from eprof.agent.qa import MAX_PASSAGES, MIN_COVERAGE, NOT_IN_DOCUMENTS, Basis, Route, Topic
from eprof.agent.qa_terms import bilingual_coverage
from eprof.agent.schema import Evidence, OperatingProfile, RedFlagType, RejectedClaim, TextClaim
from eprof.agent.verify import MIN_QUOTE_CHARS, check_evidence, normalise
from eprof.retrieval.schema import Chunk, Hit

def cite(evidence: Evidence) -> str:
    """The inline citation an answer prints after a quote or figure."""
    return f"[{evidence.source} p.{evidence.page}]"


def _claim_line(label: str, claim: TextClaim) -> str:
    return f"{label}: {claim.value} {cite(claim.evidence[0])}"


ProfileAnswer = tuple[str, list[Evidence], Basis]


def _evidence(claims: Iterable[TextClaim]) -> list[Evidence]:
    return [e for c in claims for e in c.evidence]


def _claims_answer(*labelled: tuple[str, TextClaim | None]) -> ProfileAnswer | None:
    claims = [(label, c) for label, c in labelled if c]
    if not claims:
        return None
    return "\n".join(_claim_line(label, c) for label, c in claims), _evidence(c for _, c in claims), "profile"


ASKS_OPINION = re.compile(r"opinion|qualified|意见|保留", re.I)


def _audit_answer(route: Route, profile: OperatingProfile) -> ProfileAnswer | None:
    """The auditor and the opinion, the one asked about first (its citation leads)."""
    parts = [("Auditor", profile.auditor), ("Audit opinion", profile.audit_opinion)]
    return _claims_answer(*(parts[::-1] if ASKS_OPINION.search(route.query) else parts))


def _business_answer(route: Route, profile: OperatingProfile) -> ProfileAnswer | None:
    return _claims_answer(("Main business", profile.main_business), ("Industry", profile.industry))


def _shareholder_answer(route: Route, profile: OperatingProfile) -> ProfileAnswer | None:
    if profile.controlling_shareholder:
        return _claims_answer(("Controlling shareholder", profile.controlling_shareholder))
    holder = next((p for p in profile.parties if p.role == "controlling_shareholder" and p.evidence), None)
    if holder is None:
        return None
    return f"Controlling shareholder: {holder.name} {cite(holder.evidence[0])}", list(holder.evidence), "profile"


def _parties_answer(route: Route, profile: OperatingProfile) -> ProfileAnswer | None:
    role = "customer" if route.topic == "customers" else "supplier"
    parties = [p for p in profile.parties if p.role == role and p.evidence]
    lines = [f"- {p.name}" + (f": {p.share:.1%}" if p.share is not None else "") + f" {cite(p.evidence[0])}" for p in parties]
    cited = [p.evidence[0] for p in parties]
    if role == "customer":
        for flag in (f for f in profile.red_flags if f.type == RedFlagType.customer_concentration):
            lines += [f"- concentration ({flag.severity.value}): \"{e.quote}\" {cite(e)}" for e in flag.evidence]
            cited += flag.evidence
    if not lines:
        return None
    return f"Main {role}s:\n" + "\n".join(lines), cited, "profile"


def _flags_answer(route: Route, profile: OperatingProfile) -> ProfileAnswer | None:
    flags = [f for f in profile.red_flags if not route.flag_types or f.type in route.flag_types]
    if not flags:
        return None
    lines = [f"{len(flags)} red flag(s) found in the documents:"]
    for f in flags:
        when = f", {f.date.isoformat()}" if f.date else ""
        lines += [f"- {f.type.value} ({f.severity.value}{when}): \"{e.quote}\" {cite(e)}" for e in f.evidence]
    return "\n".join(lines), [e for f in flags for e in f.evidence], "profile"


PROFILE_ANSWERS: dict[Topic, Callable[[Route, OperatingProfile], ProfileAnswer | None]] = {
    "audit": _audit_answer,
    "controlling_shareholder": _shareholder_answer,
    "customers": _parties_answer,
    "suppliers": _parties_answer,
    "red_flags": _flags_answer,
    "business": _business_answer,
}
"""One handler per routed topic; 'figure' (`agent.qa_figures`, which reads the statement rows too) and
'decision' are answered by the session."""


def answer_from_profile(route: Route, profile: OperatingProfile) -> ProfileAnswer | None:
    """The answer from the verified profile for a routed question, or None when it has none."""
    handler = PROFILE_ANSWERS.get(route.topic) if route.topic else None
    return handler(route, profile) if handler else None


_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
"""Sentences end at full stops only: a clause cut at a semicolon can drop its resolution ("…; the suit was withdrawn")."""
_EN_STOP = re.compile(r"(?<=[a-z0-9)%])\.\s+(?=[A-Z0-9\"“(])")


def _sentences(chunk_text: str, table: bool) -> list[str]:
    """Quotable units: table rows, or sentences (cut on CJK and English full stops)."""
    if table:
        return [line.strip() for line in chunk_text.splitlines() if line.strip()]
    out = []
    for piece in _EN_STOP.sub(".\n", re.sub(r"\s*\n\s*", " ", chunk_text)).splitlines():
        out += [s.strip() for s in _SENTENCE.findall(piece) if s.strip()]
    return out


def extractive_answer(terms: Sequence[str], hits: Sequence[Hit]) -> tuple[list[Evidence], float]:
    """The best sentences of the hits (coverage >= MIN_COVERAGE, best first) and the best coverage seen."""
    scored = []
    for rank, hit in enumerate(hits):
        for sentence in _sentences(hit.text, hit.kind == "table"):
            if len(normalise(sentence)) >= MIN_QUOTE_CHARS:
                scored.append((bilingual_coverage(terms, sentence), rank, sentence, hit))
    best = max((s[0] for s in scored), default=0.0)
    chosen = sorted((s for s in scored if s[0] >= MIN_COVERAGE), key=lambda s: (-s[0], s[1]))[:MAX_PASSAGES]
    return [Evidence(chunk_id=h.chunk_id, source=h.source, page=h.page, quote=q) for _, _, q, h in chosen], best


def verify_citations(
    citations: Sequence[Evidence], chunks: Mapping[str, Chunk], enterprise_id: str
) -> tuple[list[Evidence], list[RejectedClaim]]:
    """Citations whose quote is in the cited chunk of this enterprise, and the rest with the reason."""
    kept: list[Evidence] = []
    rejected: list[RejectedClaim] = []
    for i, citation in enumerate(citations):
        reason = check_evidence(citation, chunks, enterprise_id)
        if reason:
            rejected.append(RejectedClaim(field=f"citations[{i}]", reason=reason, chunk_id=citation.chunk_id, quote=citation.quote))
        elif citation not in kept:
            kept.append(citation)
    return kept, rejected


def abstention(searched: Sequence[str], terms: Sequence[str], best: float) -> str:
    """The abstention text: what was searched, and how close the best passage came."""
    queries = "; ".join(f'"{q}"' for q in searched) or "nothing (the question has no searchable terms)"
    detail = f" The best passage matched {best:.0%} of the question's terms ({', '.join(terms)}); {MIN_COVERAGE:.0%} is needed." if terms else ""
    return f"{NOT_IN_DOCUMENTS}. Searched: {queries}.{detail}"

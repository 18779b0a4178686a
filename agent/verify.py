"""Evidence is verified, not trusted: every quote must be found in the chunk it cites.

Matching normalises Unicode width (NFKC: full-width ＡＢＣ１２３ and half-width are equal) and
ignores whitespace, because PDF extraction breaks lines and spaces arbitrarily; nothing else is
forgiven. A claim with any unverifiable evidence, or none (a dimension score included: a score
is earned by its quotes), is dropped and recorded with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from eprof.agent.extraction import Extraction
from eprof.agent.schema import DimensionScore, DimensionScores, Evidence, Party, RedFlag, RejectedClaim, TextClaim
from eprof.retrieval.schema import Chunk

MIN_QUOTE_CHARS = 4
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def check_evidence(evidence: Evidence, chunks: Mapping[str, Chunk], enterprise_id: str) -> str | None:
    """None if the evidence holds, else the reason it does not."""
    chunk = chunks.get(evidence.chunk_id)
    if chunk is None:
        return "cited chunk is not among this enterprise's retrieved chunks"
    if chunk.enterprise_id != enterprise_id:
        return "cited chunk belongs to another enterprise"
    if evidence.source != chunk.source:
        return f"source {evidence.source!r} does not match the chunk's {chunk.source!r}"
    if not chunk.page <= evidence.page <= chunk.page_end:
        return f"page {evidence.page} is not the chunk's page {chunk.page}"
    quote = normalise(evidence.quote)
    if len(quote) < MIN_QUOTE_CHARS:
        return "quote too short to verify"
    if quote not in normalise(chunk.text):
        return "quote not found in the cited chunk"
    return None


def verify_extraction(extraction: Extraction, chunks: Mapping[str, Chunk], enterprise_id: str) -> tuple[Extraction, list[RejectedClaim]]:
    """The extraction with every unsupported claim removed, and the list of what was removed."""
    rejected: list[RejectedClaim] = []

    def supported(field: str, evidence: list[Evidence]) -> bool:
        if not evidence:
            rejected.append(RejectedClaim(field=field, reason="no evidence"))
            return False
        for item in evidence:
            reason = check_evidence(item, chunks, enterprise_id)
            if reason:
                rejected.append(RejectedClaim(field=field, reason=reason, chunk_id=item.chunk_id, quote=item.quote))
                return False
        return True

    def claim(field: str, value: TextClaim | None) -> TextClaim | None:
        return value if value is not None and supported(field, value.evidence) else None

    def score(field: str, value: DimensionScore | None) -> DimensionScore | None:
        return value if value is not None and supported(f"scores.{field}", value.evidence) else None

    parties: list[Party] = [p for i, p in enumerate(extraction.parties) if supported(f"parties[{i}]", p.evidence)]
    flags: list[RedFlag] = [f for i, f in enumerate(extraction.red_flags) if supported(f"red_flags[{i}].{f.type.value}", f.evidence)]
    scores = DimensionScores(**{name: score(name, getattr(extraction.scores, name)) for name in DimensionScores.model_fields})
    verified = Extraction(
        industry=claim("industry", extraction.industry),
        main_business=claim("main_business", extraction.main_business),
        upstream=claim("upstream", extraction.upstream),
        downstream=claim("downstream", extraction.downstream),
        parties=parties,
        auditor=claim("auditor", extraction.auditor),
        audit_opinion=claim("audit_opinion", extraction.audit_opinion),
        controlling_shareholder=claim("controlling_shareholder", extraction.controlling_shareholder),
        scores=scores,
        red_flags=flags,
    )
    return verified, rejected

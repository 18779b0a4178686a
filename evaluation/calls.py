"""What each extraction cost, read from the gateway's call log (eprof.kernel.calllog).

A run tags its calls with its own run id per contender and repeat. When the answer came from the
cache, the tokens, attempts and latency are those of the call that first produced it (same cache
key), so a re-run reports the same cost and quality as the original run, while `requests` and
`sent_*_tokens` say what this run itself sent (zero on a full cache hit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from eprof.kernel.calllog import CallRecord
from eprof.evaluation.scoring import LLMCounts

def _producing(rows: Sequence[CallRecord], log: Sequence[CallRecord]) -> list[CallRecord]:
    """The attempts of the call that produced this answer: this run's own, or the cached call's."""
    sent = [r for r in rows if not r.cache_hit]
    if sent:
        return sent
    key = rows[0].cache_key
    origin = next((r.call_id for r in log if r.cache_key == key and not r.cache_hit and r.parsed_json is not None), None)
    return [r for r in log if r.call_id == origin]


def llm_counts(log: Sequence[CallRecord], run_id: str) -> dict[str, LLMCounts]:
    """enterprise id -> its model calls under `run_id`, from every row of the log."""
    by_enterprise: dict[str, list[CallRecord]] = defaultdict(list)
    for row in log:
        if row.run_id == run_id:
            by_enterprise[row.enterprise_id].append(row)
    out = {}
    for eid, rows in by_enterprise.items():
        producing = sorted(_producing(rows, log), key=lambda r: (r.id or 0))
        replies = [r for r in producing if r.error_type in (None, "ValidationError")]  # not transport failures
        sent = [r for r in rows if not r.cache_hit]
        out[eid] = LLMCounts(
            requests=len(sent),
            cache_hits=sum(r.cache_hit for r in rows),
            attempts=len(producing),
            first_valid=int(bool(replies) and replies[0].parsed_json is not None),
            prompt_tokens=sum(r.prompt_tokens or 0 for r in producing),
            completion_tokens=sum(r.completion_tokens or 0 for r in producing),
            latency_ms=sum(r.duration_ms for r in producing),
            sent_prompt_tokens=sum(r.prompt_tokens or 0 for r in sent),
            sent_completion_tokens=sum(r.completion_tokens or 0 for r in sent),
        )
    return out

"""Counterparty events: what the enterprise's news says happened to a firm tied to it.

A story about the enterprise often names its customer, supplier, guarantor, the party it
guarantees, its subsidiary or its parent, and the risk event may be theirs ("远山科技的主要客户华北
重工被裁定破产"). That event is not the enterprise's red flag (agent/subjects.py keeps it out of the
enterprise's stretches), but a credit analyst needs it: the profile records it here, with the
sentence that states it, the tied firm's role and its name where the same words give one.
"""

from __future__ import annotations

from collections.abc import Sequence

from eprof.agent.flag_rules import reading_order
from eprof.agent.news_events import counterparty_events
from eprof.agent.schema import CounterpartyEvent
from eprof.agent.sentence_units import WS, units_of
from eprof.agent.subject_rules import negated, short_names
from eprof.retrieval.schema import Chunk, DocType

__all__ = ["MAX_EVIDENCE", "find_counterparty_events"]

MAX_EVIDENCE = 3
"""Quotes kept per event (one firm, role and event type); the rest repeat it."""


def find_counterparty_events(name: str | None, chunks: Sequence[Chunk], aliases: Sequence[str] = ()) -> list[CounterpartyEvent]:
    """Counterparty events in the news chunks, one per (firm, role, type), in reading order."""
    names = short_names(name, chunks, aliases)
    found: dict[tuple[str, str, str], CounterpartyEvent] = {}
    for chunk in reading_order(chunks):
        if chunk.doc_type != DocType.news:
            continue
        for unit in units_of(chunk):
            for event in counterparty_events(unit.text, names):
                if negated(unit, event.hit.start):
                    continue
                key = (WS.sub("", event.party or ""), event.role, event.hit.flag.value)
                evidence = unit.evidence()
                if key in found:
                    kept = found[key].evidence
                    if len(kept) < MAX_EVIDENCE and all(e.quote != evidence.quote for e in kept):
                        found[key] = found[key].model_copy(update={"evidence": [*kept, evidence]})
                    continue
                found[key] = CounterpartyEvent(party=event.party, role=event.role, type=event.hit.flag,  # type: ignore[arg-type]
                                               severity=event.hit.severity, event=event.hit.label, evidence=[evidence])
    return list(found.values())

"""Whose event is it, and did it happen: the enterprise's names, the subject of a clause, negation,
hypotheticals and resolution (rules 2-4 of `agent.offline`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from eprof.agent import lexicon as lx
from eprof.agent.news_events import SEGMENT_LEFT
from eprof.agent.sentence_units import Unit
from eprof.agent.subjects import enterprise_names, names_listed_company, related, segments
from eprof.retrieval.schema import Chunk, DocType

_CLAUSE_ZH = re.compile(r"[，,；;：:]")
_CLAUSE_EN = re.compile(r";|:|,\s+(?:and|but|while|whereas|although)\s")


def short_names(name: str | None, chunks: Sequence[Chunk], aliases: Sequence[str] = ()) -> tuple[str, ...]:
    """The enterprise's names as the chunks give them (agent/subjects.py `enterprise_names`, the one
    home of names): short names its annual reports declare, aliases its news declares."""
    reports = [c.text for c in chunks if c.doc_type == DocType.annual_report]
    news = [c.text for c in chunks if c.doc_type == DocType.news]
    return enterprise_names(name, aliases, news, reports)


def _name_spans(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    lower = text.lower()
    for n in names:
        for m in re.finditer(re.escape(n.lower()), lower):
            spans.append((m.start(), m.end()))
    return spans


def _inside(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)


def parties_in(text: str, names: Sequence[str]) -> tuple[bool, bool, bool]:
    """(names this enterprise, refers to it or its insiders, names another organisation)."""
    lowered = tuple(n.lower() for n in names if len(n) >= 4)
    foreign = [
        m.span() for pattern in (lx.ZH_ORG, lx.EN_ORG) for m in pattern.finditer(text)
        if not lx.CORPORATE_SUFFIXES.sub("", m.group()).strip(" ,").lower().endswith(lowered)
    ]
    named = any(not _inside(s, foreign) for s in _name_spans(text, names))
    self_ref = named or any(
        not _inside(m.span(), foreign) for pattern in (lx.ZH_SELF, lx.EN_SELF, lx.INSIDERS) for m in pattern.finditer(text)
    )
    return named, self_ref, bool(foreign)


def _clause(text: str, pos: int, zh: bool) -> tuple[int, int]:
    splitter = _CLAUSE_ZH if zh else _CLAUSE_EN
    start, end = 0, len(text)
    for m in splitter.finditer(text):
        if m.end() <= pos:
            start = m.end()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


def about_enterprise(unit: Unit, pos: int, names: Sequence[str]) -> bool:
    if unit.chunk.doc_type == DocType.news:
        if any(a <= pos < b for _, a, b in related(unit.text, names)):
            return False  # '远山科技的客户华北重工破产': the customer's event (a counterparty event)
        if spans := segments(unit.text, names, left=SEGMENT_LEFT):
            return any(a <= pos < b for a, b in spans)  # a news sentence naming us: only its stretch about us counts
        if names_listed_company(unit.text):
            return False  # it names another listed company and not us
    a, b = _clause(unit.text, pos, unit.zh)
    _, self_ref, foreign = parties_in(unit.text[a:b], names)
    if self_ref:
        return True
    if foreign:
        return False
    _, self_ref, foreign = parties_in(unit.text, names)
    return self_ref or not foreign


def negated(unit: Unit, pos: int) -> bool:
    a, _ = _clause(unit.text, pos, unit.zh)
    return any(m.start() < pos for m in lx.NEGATION.finditer(unit.text, a))


def hypothetical(unit: Unit, pos: int) -> bool:
    return bool(lx.HYPOTHETICAL.search(unit.text[:pos]))


def resolved(pattern: re.Pattern[str], text: str) -> bool:
    for m in pattern.finditer(text):
        before = text[max(0, m.start() - 14):m.start()]
        if not lx.UNRESOLVED.search(before + m.group()):
            return True
    return False



"""Red-flag rules of the offline extractor: triggers, materiality and severity, one flag per event
(rules 1 and 5-6 of `agent.offline`, and its severity table)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from eprof.agent import lexicon as lx
from eprof.agent.injection import is_injection
from eprof.agent.news_events import SEGMENT_LEFT, denied, news_events
from eprof.agent.news_gate import NewsGate, gate_event, packaged_gate
from eprof.agent.news_gate_features import candidate, gate_features
from eprof.agent.reportrules import mask_templates
from eprof.agent.schema import RED_FLAG_NAMES_ZH, Evidence, RedFlag, RedFlagType, Severity
from eprof.agent.sentence_units import WS, Unit, date_in, fold, percent_in, stated_amount, units_of
from eprof.agent.subject_rules import about_enterprise, hypothetical, negated, parties_in, resolved, short_names
from eprof.retrieval.schema import Chunk, DocType

T = RedFlagType
S = Severity

CONCENTRATION_TOP1 = 0.40
"""Largest customer's share of revenue at or above which concentration is a red flag."""
CONCENTRATION_TOP5 = 0.60
"""Top five customers' share of revenue at or above which concentration is a red flag."""
CONCENTRATION_HIGH_TOP1 = 0.70
EARNINGS_DROP_FLAG = 0.20
"""A stated year-on-year fall in profit or revenue at or above this is a red flag."""
EARNINGS_DROP_HIGH = 0.50
LITIGATION_HIGH_SHARE = 0.05
"""Claim amount / stated revenue at or above which a lawsuit is high severity."""
PENALTY_HIGH_SHARE = 0.05
IMPAIRMENT_HIGH_SHARE = 0.10
PLEDGE_HIGH_SHARE = 0.80
MAX_EVIDENCE = 3
MAX_QUOTE_CHARS = 400

SINGLETON_TYPES = frozenset({T.going_concern, T.audit_opinion, T.customer_concentration, T.earnings_decline, T.control_change})
"""Types that describe the enterprise's year as a whole: every mention is the same event."""


SEVERITY_ORDER = (S.low, S.medium, S.high, S.critical)


def step_severity(severity: Severity, by: int) -> Severity:
    return SEVERITY_ORDER[max(0, min(len(SEVERITY_ORDER) - 1, SEVERITY_ORDER.index(severity) + by))]


@dataclass(frozen=True)
class _Hit:
    type: RedFlagType
    severity: Severity
    unit: Unit
    strong: bool = True


def _first_trigger(unit: Unit, t: RedFlagType, names: Sequence[str] | None = None) -> tuple[lx.Trigger, int] | None:
    """The first trigger of type t in the sentence that is neither negated nor hypothetical (in
    news, given the names: the first in a stretch about the enterprise)."""
    for trigger in lx.TRIGGERS[t]:
        for m in trigger.pattern.finditer(unit.text):
            if names is not None and unit.chunk.doc_type == DocType.news and not about_enterprise(unit, m.start(), names):
                continue
            if negated(unit, m.start()):
                continue
            if t not in lx.MODAL_TYPES and hypothetical(unit, m.start()):
                continue
            return trigger, m.start()
    return None


def _severity(t: RedFlagType, base: Severity, text: str, revenue: float | None) -> Severity | None:
    """Type-specific materiality and severity; None when the sentence is not a red flag after all."""
    amount = stated_amount(text)
    share = amount / revenue if amount is not None and revenue else None
    if t == T.litigation:
        if lx.COURT_ENFORCEMENT.search(text) or (share is not None and share >= LITIGATION_HIGH_SHARE):
            return S.high
        return S.medium
    if t == T.regulatory_penalty:
        if lx.CSRC.search(text) or (share is not None and share >= PENALTY_HIGH_SHARE):
            return S.high
        return base
    if t == T.audit_opinion:
        return S.critical if lx.DISCLAIMER.search(text) else base
    if t == T.asset_impairment:
        if amount is None or lx.IMMATERIAL.search(text):
            return None
        return S.high if share is not None and share >= IMPAIRMENT_HIGH_SHARE else S.medium
    if t == T.equity_pledge_or_freeze:
        ratio = percent_in(lx.PLEDGE_RATIO, text)
        return S.high if lx.FREEZE.search(text) or (ratio is not None and ratio >= PLEDGE_HIGH_SHARE) else S.medium
    if t == T.shareholder_selldown:
        return S.medium if lx.CONTROLLER.search(text) else S.low
    if t == T.product_or_safety:
        return S.critical if lx.FATALITIES.search(text) else S.high
    if t == T.consumer_complaints:
        return S.medium if lx.MASS.search(text) else S.low
    return base


def _earnings_drop(unit: Unit) -> Severity | None:
    drops = []
    for pattern in lx.EARNINGS_DROP:
        for m in pattern.finditer(unit.text):
            if not negated(unit, m.start()) and not hypothetical(unit, m.start()):
                drops.append(float(m.group(1)) / 100)
    worst = max(drops, default=0.0)
    if worst >= EARNINGS_DROP_HIGH:
        return S.high
    return S.medium if worst >= EARNINGS_DROP_FLAG else None


def _concentration(unit: Unit) -> Severity | None:
    top1 = percent_in(lx.TOP1_SHARE, unit.text)
    top5 = percent_in(lx.TOP5_SHARE, unit.text)
    if (top1 is not None and top1 >= CONCENTRATION_TOP1) or (top5 is not None and top5 >= CONCENTRATION_TOP5):
        return S.high if top1 is not None and top1 >= CONCENTRATION_HIGH_TOP1 else S.medium
    return None


def _sentence_hits(unit: Unit, following: Unit | None, names: Sequence[str], revenue: float | None) -> list[_Hit]:
    text = unit.text
    if is_injection(text):
        return [_Hit(T.document_manipulation, S.high, unit)]
    hits: list[_Hit] = []
    for t in lx.TRIGGERS:
        found = _first_trigger(unit, t, names)
        severity: Severity | None
        if t == T.earnings_decline:
            severity = found[0].severity if found else _earnings_drop(unit)
            pos = found[1] if found else 0
        elif t == T.customer_concentration:
            severity = _concentration(unit) or (found[0].severity if found else None)
            pos = found[1] if found else 0
        elif found is None:
            continue
        else:
            severity = _severity(t, found[0].severity, text, revenue)
            pos = found[1]
        # The organisation named in a concentration sentence is the customer, not the subject.
        if severity is None or (t != T.customer_concentration and not about_enterprise(unit, pos, names)):
            continue
        # The next sentence may resolve this event, unless it starts an event of its own.
        window = text if following is None or _first_trigger(following, t) else text + " " + following.text
        if t in lx.RESOLUTION and resolved(lx.RESOLUTION[t], window):
            continue
        if t in lx.MITIGATION and resolved(lx.MITIGATION[t], window):
            severity = step_severity(severity, -1)
        hits.append(_Hit(t, severity, unit, found[0].strong if found else True))
    types = {h.type for h in hits}
    fined = bool(re.search(r"罚款|罚金|fined|fine of|penalt", text, re.I))
    drop: set[RedFlagType] = set()
    if T.executive_risk in types and not fined:
        drop.add(T.regulatory_penalty)
    if types & {T.regulatory_penalty, T.consumer_complaints}:
        hits = [h for h in hits if not (h.type == T.product_or_safety and not h.strong)]
    if T.bankruptcy_or_closure in types:
        drop.add(T.debt_default)
    return [h for h in hits if h.type not in drop]


def table_concentration(chunk: Chunk) -> tuple[_Hit | None, list[tuple[Unit, str, float | None]]]:
    """Rows of a top-customers table: a concentration hit (top-1 or total share) and the parties."""
    units = units_of(chunk)
    rows: list[tuple[Unit, str, float | None]] = []
    total: tuple[Unit, float] | None = None
    for unit in units:
        cells = [c for c in re.split(r"\s{2,}|\t", unit.text.strip()) if c]
        shares = [float(c.rstrip("%")) / 100 for c in cells if re.fullmatch(r"\d{1,3}(\.\d+)?%", c)]
        share = shares[-1] if shares else None
        if lx.TOTAL_ROW.match(unit.text):
            if share is not None:
                total = (unit, share)
            continue
        names = [c for c in cells if re.search(r"[\u4e00-\u9fffA-Za-z]{2,}", c) and not re.fullmatch(r"[\d,.%()（）-]+", c)]
        if share is None or not names:
            continue
        rows.append((unit, names[0], share))
    hit = None
    if rows:
        top_unit, _, top = rows[0]
        if top is not None and top >= CONCENTRATION_TOP1:
            hit = _Hit(T.customer_concentration, S.high if top >= CONCENTRATION_HIGH_TOP1 else S.medium, top_unit)
        elif total is not None and total[1] >= CONCENTRATION_TOP5:
            hit = _Hit(T.customer_concentration, S.medium, total[0])
    return hit, rows


def table_kind(chunk: Chunk) -> str | None:
    head = fold("\n".join(chunk.text.split("\n")[:2]))
    if lx.CUSTOMER_TABLE.search(head):
        return "customer"
    if lx.SUPPLIER_TABLE.search(head):
        return "supplier"
    return None


def _stated_revenue(chunks: Sequence[Chunk]) -> float | None:
    for chunk in chunks:
        if chunk.kind != "text":
            continue
        text = fold(chunk.text)
        for pattern in lx.REVENUE_STATED:
            m = pattern.search(text)
            if m:
                return stated_amount(m.group(0))
    return None


def _explanation(t: RedFlagType, unit: Unit) -> str:
    excerpt = WS.sub(" ", unit.quote)
    excerpt = excerpt if len(excerpt) <= 60 else excerpt[:60] + "…"
    if unit.zh:
        return f"{unit.chunk.source}第{unit.chunk.page}页载明{RED_FLAG_NAMES_ZH[t]}事项：“{excerpt}”。"
    return f"{unit.chunk.source} (p. {unit.chunk.page}) reports a red flag of type {t.value.replace('_', ' ')}: \"{excerpt}\"."


def _event_key(hit: _Hit) -> tuple[str, ...]:
    if hit.type in SINGLETON_TYPES:
        return (hit.type.value,)
    if hit.unit.chunk.doc_type == DocType.news and hit.type != T.document_manipulation:
        return (hit.type.value, hit.unit.chunk.source)  # a news article's headline and body tell one event
    date = date_in(hit.unit.text)
    if date is not None and hit.type != T.document_manipulation:
        return (hit.type.value, date.isoformat())
    return (hit.type.value, WS.sub("", hit.unit.text).lower())


def _merge(hits: Sequence[_Hit]) -> list[RedFlag]:
    groups: dict[tuple[str, ...], list[_Hit]] = {}
    for hit in hits:
        groups.setdefault(_event_key(hit), []).append(hit)
    flags = []
    for group in groups.values():
        first = group[0]
        evidence: dict[tuple[str, str], Evidence] = {}
        for hit in group:
            item = hit.unit.evidence()
            evidence.setdefault((item.chunk_id, WS.sub("", item.quote)), item)
        dates = [d for d in (date_in(h.unit.text) for h in group) if d is not None]
        flags.append(RedFlag(
            type=first.type,
            severity=max((h.severity for h in group), key=SEVERITY_ORDER.index),
            date=dates[0] if dates else None,
            explanation=_explanation(first.type, first.unit),
            evidence=list(evidence.values())[:MAX_EVIDENCE],
        ))
    return sorted(flags, key=lambda f: (list(T).index(f.type), f.evidence[0].source, f.evidence[0].page, f.evidence[0].quote))


def reading_order(chunks: Sequence[Chunk]) -> list[Chunk]:
    return sorted(chunks, key=lambda c: (c.doc_type != DocType.annual_report, c.source, c.ordinal, c.page, c.chunk_id))


def mentions(chunk: Chunk, names: Sequence[str]) -> bool:
    named, _, _ = parties_in(fold(chunk.text), names)
    return named


def _news_hits(unit: Unit, names: Sequence[str], found: list[_Hit]) -> list[_Hit]:
    """A news sentence naming us reports, per stretch about us, the one event the press words
    (agent/news_events.py); the other triggers in it are that event's circumstances."""
    events = [e for e in news_events(unit.text, tuple(names), left=SEGMENT_LEFT) if not negated(unit, e.start)]
    if not events:
        refuted = denied(unit.text, tuple(names), left=SEGMENT_LEFT)
        return [h for h in found if h.type not in refuted]
    flags = {e.flag for e in events}
    kept = [h for h in found if h.type in flags or h.type == T.document_manipulation]
    for event in events:
        if event.flag not in {h.type for h in kept}:
            kept.append(_Hit(event.flag, event.severity, unit))
    return kept


def _gated(hits: list[_Hit], chunks: Sequence[Chunk], name: str | None, names: Sequence[str], gate: NewsGate) -> list[_Hit]:
    """The attribution gate's word on each news document (agent/news_gate.py): its risk flags are
    kept or dropped together, and where it is about the enterprise but the rules found no event,
    the press's event is read from its sentences, unless every mention of the enterprise is part
    of another firm's longer registered name (明川物流 in 明川物流贸易有限公司: a similar name, another
    firm). Other documents' flags pass untouched."""
    documents: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.doc_type == DocType.news and chunk.kind == "text":
            documents.setdefault(chunk.doc_id, []).append(chunk)
    dropped: set[str] = set()
    added: list[_Hit] = []
    for doc_id, parts in documents.items():
        own = any(h.unit.chunk.doc_id == doc_id and h.type != T.document_manipulation for h in hits)
        features = gate_features("\n".join(fold(c.text) for c in parts), name or "", names, own)
        if not candidate(features):
            continue
        if not gate.about(features):
            dropped.add(doc_id)
        elif not own and features["nested"] < 1:  # every mention inside another firm's registered name: a similar name
            units = [u for c in parts for u in units_of(c)]
            found = gate_event([u.text for u in units], names)
            if found is not None and not negated(units[found[0]], found[1].start):
                added.append(_Hit(found[1].flag, found[1].severity, units[found[0]]))
    return [h for h in hits if h.unit.chunk.doc_id not in dropped or h.type == T.document_manipulation] + added


def find_red_flags(name: str | None, chunks: Sequence[Chunk], aliases: Sequence[str] = (),
                   gate: NewsGate | Literal["packaged"] | None = "packaged") -> list[RedFlag]:
    """Red flags stated in the text of the chunks, after the subject, negation and resolution rules
    and, for news, the attribution gate (`gate`: the packaged one by default; None: rules only)."""
    ordered = reading_order(chunks)
    names = short_names(name, ordered, aliases)
    revenue = _stated_revenue(ordered)
    hits: list[_Hit] = []
    for chunk in ordered:
        if chunk.kind == "table":
            if table_kind(chunk) == "customer":
                hit, _ = table_concentration(chunk)
                hits += [hit] if hit else []
            continue
        raw = units_of(chunk)  # check boxes, titles, row labels and boilerplate blanked (agent/reportrules.py)
        units = raw if chunk.doc_type == DocType.news else [  # a report's forms and titles; news has none
            Unit(u.chunk, u.start, u.end, mask_templates(u.text, raw[i + 1].text if i + 1 < len(raw) else "")) for i, u in enumerate(raw)]
        on_topic = chunk.doc_type != DocType.news or mentions(chunk, names)
        for i, unit in enumerate(units):
            following = units[i + 1] if i + 1 < len(units) else None
            found = _sentence_hits(unit, following, names, revenue)
            found = _news_hits(unit, names, found) if chunk.doc_type == DocType.news else found
            hits += [h for h in found if on_topic or h.type == T.document_manipulation]
    gate = packaged_gate() if gate == "packaged" else gate
    return _merge(_gated(hits, ordered, name, names, gate) if isinstance(gate, NewsGate) else hits)



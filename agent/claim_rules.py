"""Profile claims of the offline extractor: auditor, audit opinion, parties (customers, suppliers,
controlling shareholder, core enterprise) and first-match narrative claims, each a verbatim quote."""

from __future__ import annotations

import re
from collections.abc import Sequence

from eprof.agent import lexicon as lx
from eprof.agent.flag_rules import table_concentration, table_kind
from eprof.agent.schema import Party, TextClaim
from eprof.agent.sentence_units import WS, Unit, percent_in
from eprof.agent.subject_rules import hypothetical, negated
from eprof.retrieval.schema import Chunk


def claim_from(unit: Unit, span: tuple[int, int]) -> TextClaim | None:
    """A claim whose value is the original (unfolded) text of `span` within the unit."""
    value = WS.sub(" ", unit.quote[span[0]:span[1]]).strip(" ，,。.;；:：、")
    return TextClaim(value=value, evidence=[unit.evidence()]) if len(value) >= 2 else None


def first_claim(units: Sequence[Unit], patterns: Sequence[re.Pattern[str]]) -> TextClaim | None:
    for pattern in patterns:
        for unit in units:
            m = pattern.search(unit.text)
            if m:
                claim = claim_from(unit, m.span(1))
                if claim:
                    return claim
    return None


def find_opinion(units: Sequence[Unit]) -> TextClaim | None:
    for pattern, value in lx.OPINIONS:
        for unit in units:
            m = pattern.search(unit.text)
            if m and not negated(unit, m.start()) and not hypothetical(unit, m.start()):
                return TextClaim(value=value, evidence=[unit.evidence()])
    return None


def find_auditor(units: Sequence[Unit]) -> TextClaim | None:
    rows = [u for u in units if u.chunk.kind == "table" and re.match(r"\s*(会计师事务所|审计机构|Auditor)\b", u.text, re.I)]
    for unit in rows:
        cells = [c for c in re.split(r"\s{2,}|\t", unit.text.strip()) if c]
        if len(cells) >= 2:
            start = unit.text.rindex(cells[-1])
            return claim_from(unit, (start, start + len(cells[-1])))
    return first_claim([u for u in units if u.chunk.kind == "text"], lx.AUDITOR)


def find_parties(units: Sequence[Unit], chunks: Sequence[Chunk]) -> list[Party]:
    parties: dict[tuple[str, str], Party] = {}
    for chunk in chunks:
        kind = table_kind(chunk) if chunk.kind == "table" else None
        if kind is None:
            continue
        _, rows = table_concentration(chunk)
        for unit, party, share in rows:
            parties.setdefault((kind, party), Party(name=party, role=kind, share=share, evidence=[unit.evidence()]))
    for role, patterns in (("controlling_shareholder", lx.CONTROLLING), ("core_enterprise", lx.CORE_SUPPLIER)):
        for pattern in patterns:
            for unit in units:
                if unit.chunk.kind != "text":
                    continue
                m = pattern.search(unit.text)
                if not m:
                    continue
                party = unit.quote[m.start(1):m.end(1)].strip(" ,，")
                share = percent_in(lx.TOP1_SHARE[2:], unit.text) if role == "core_enterprise" else None
                if len(party) >= 2:
                    parties.setdefault((role, party), Party(name=party, role=role, share=share, evidence=[unit.evidence()]))
    order = ("controlling_shareholder", "core_enterprise", "customer", "supplier", "related_party")
    return sorted(parties.values(), key=lambda p: (order.index(p.role), -(p.share or 0.0), p.name))



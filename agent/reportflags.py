"""Red flags an annual report states in its fixed places, typed and weighted in code.

- The audit: a non-standard opinion (read by agent/reportfacts.py), and a change of auditor
  ('是否改聘会计师事务所 √是').
- Whose event it is: a bankruptcy or liquidation of another organisation that owes the company
  money (a debtor, a customer) is a counterparty exposure, not the company's own bankruptcy;
  its severity is the amount at stake against the company's net assets.
- Supplier concentration from the top-suppliers table (share of annual purchases).
- A bank, insurer or broker: its loans, deposits and borrowers' defaults are its business, so
  borrower-type flags from its text are not flags about the institution (BORROWER_TYPES).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from eprof.agent import lexicon as lx
from eprof.agent.reportfacts import ReportFacts
from eprof.agent.schema import Evidence, Figure, FigureName, RedFlag, RedFlagType, Severity
from eprof.retrieval.schema import Chunk, DocType

T = RedFlagType
S = Severity
AUDITOR_CHANGED = re.compile(r"是否改聘会计师事务所\s*[√☑■]\s*是")
COUNTERPARTY_EVENT = re.compile(r"破产(清算|重整|程序)?|清算|重整")
CREDITOR_CONTEXT = re.compile(r"欠|应收|货款|债务人|坏账|款项|诉讼|借款")
ORGANISATION = re.compile(r"[\u4e00-\u9fff（）()]{2,30}?(?:股份有限公司|有限责任公司|有限公司)")
AMOUNT = re.compile(r"([\d,]+(?:\.\d+)?)\s*(亿元|万元|元)")
FACTORS = {"亿元": 1e8, "万元": 1e4, "元": 1.0}
MATERIAL_HIGH = 0.05
"""Amount at stake / net assets at or above which a counterparty exposure is high severity."""
MATERIAL_MEDIUM = 0.01
SUPPLIER_TOP1 = 0.25
"""Largest supplier's share of annual purchases at or above which dependence is a red flag."""
SUPPLIER_TOP1_HIGH = 0.50
NON_STANDARD: dict[str, Severity] = {
    "保留意见": S.high, "否定意见": S.critical, "无法表示意见": S.critical,
    "带强调事项段的无保留意见": S.medium,
}
BORROWER_TYPES = frozenset({T.debt_default, T.bankruptcy_or_closure, T.asset_impairment, T.receivables_anomaly,
                            T.customer_concentration, T.counterparty_exposure, T.litigation})
"""For a financial institution these describe its borrowers and loan book, not itself."""


def _evidence(chunk: Chunk, quote: str) -> Evidence:
    return Evidence(chunk_id=chunk.chunk_id, source=chunk.source, page=chunk.page, quote=quote.strip())


def _sentences(chunk: Chunk) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？；])|\n", chunk.text) if s.strip()]


def audit_flags(facts: ReportFacts, chunks: Sequence[Chunk]) -> list[RedFlag]:
    flags = []
    opinion = facts.audit_opinion
    if opinion is not None and "持续经营" in opinion.value:
        flags.append(RedFlag(type=T.going_concern, severity=S.critical, explanation=f"The auditor's report carries a going-concern paragraph ({opinion.value}).", evidence=opinion.evidence))
    elif opinion is not None and opinion.value in NON_STANDARD:
        flags.append(RedFlag(type=T.audit_opinion, severity=NON_STANDARD[opinion.value], explanation=f"Non-standard audit opinion: {opinion.value}.", evidence=opinion.evidence))
    for chunk in chunks:
        if chunk.doc_type != DocType.annual_report:
            continue
        folded = unicodedata.normalize("NFKC", chunk.text)
        m = AUDITOR_CHANGED.search(folded)
        if m:
            line = next(line for line in chunk.text.split("\n") if "改聘" in line or "√" in line)
            flags.append(RedFlag(type=T.audit_opinion, severity=S.medium, explanation="The company changed its auditor this year (是否改聘会计师事务所: 是).", evidence=[_evidence(chunk, line)]))
            break
    return flags


def counterparty_flags(chunks: Sequence[Chunk], names: Sequence[str], net_assets: float | None) -> list[RedFlag]:
    """One flag per other organisation in bankruptcy or liquidation that owes the company money."""
    found: dict[str, RedFlag] = {}
    own = tuple(n for n in names if len(n) >= 2)
    for chunk in chunks:
        if chunk.doc_type != DocType.annual_report or chunk.kind != "text":
            continue
        for sentence in _sentences(chunk):
            text = unicodedata.normalize("NFKC", sentence)
            if not COUNTERPARTY_EVENT.search(text) or not CREDITOR_CONTEXT.search(text) or lx.HYPOTHETICAL.search(text):
                continue
            others = [o for o in ORGANISATION.findall(text) if not any(n in o for n in own)]
            if not others:
                continue
            same = next((k for k in found if k.endswith(others[0][-6:]) or others[0].endswith(k[-6:])), None)
            if same is not None:  # the same debtor again (a table cell may run into its name)
                if len(found[same].evidence) < 3:
                    found[same] = found[same].model_copy(update={"evidence": found[same].evidence + [_evidence(chunk, sentence)]})
                continue
            amounts = [float(a.replace(",", "")) * FACTORS[u] for a, u in AMOUNT.findall(text)]
            share = max(amounts) / net_assets if amounts and net_assets else None
            severity = S.low if share is None or share < MATERIAL_MEDIUM else S.medium if share < MATERIAL_HIGH else S.high
            at_stake = f" ({share:.1%} of net assets)" if share is not None else ""
            found[others[0]] = RedFlag(
                type=T.counterparty_exposure, severity=severity,
                explanation=f"{others[0]}, which owes the company money, is in bankruptcy or liquidation{at_stake}: a counterparty exposure, not the company's own.",
                evidence=[_evidence(chunk, sentence)],
            )
    return list(found.values())


def reassign_to_counterparty(flags: list[RedFlag]) -> list[RedFlag]:
    """Whose event it is: a bankruptcy or default stated within a page of a debtor's bankruptcy
    is that debtor's (already a counterparty exposure), not the company's own."""
    near = {(e.source, page) for f in flags if f.type == T.counterparty_exposure for e in f.evidence
            for page in (e.page - 1, e.page, e.page + 1)}
    return [f for f in flags if f.type not in (T.bankruptcy_or_closure, T.debt_default)
            or not all((e.source, e.page) in near for e in f.evidence)]


def supplier_flags(chunks: Sequence[Chunk]) -> list[RedFlag]:
    """The largest supplier's share of purchases, from a table headed with 采购 (purchases)."""
    for chunk in chunks:
        if chunk.doc_type != DocType.annual_report or chunk.kind != "table":
            continue
        lines = chunk.text.split("\n")
        if not any("采购" in line for line in lines[:3]):
            continue
        for line in lines:
            cells = re.split(r"\s{2,}", line.strip())
            if len(cells) >= 3 and cells[0] in ("1", "第一名", "供应商一") or (len(cells) >= 3 and cells[1] == "第一名"):
                share = _share(cells[-1])
                if share is not None and share >= SUPPLIER_TOP1:
                    return [RedFlag(type=T.supplier_concentration, severity=S.high if share >= SUPPLIER_TOP1_HIGH else S.medium,
                                    explanation=f"The largest supplier provides {share:.1%} of annual purchases.", evidence=[_evidence(chunk, line)])]
                break
    return []


def _share(cell: str) -> float | None:
    m = re.fullmatch(r"(\d{1,3}(?:\.\d+)?)%?", cell.strip())
    value = float(m.group(1)) / 100 if m else None
    return value if value is not None and value <= 1 else None


def report_flags(chunks: Sequence[Chunk], names: Sequence[str], facts: ReportFacts,
                 figures: Mapping[tuple[FigureName, str], Figure], year: str | None) -> list[RedFlag]:
    equity = figures.get(("total_equity", year or ""))
    ordered = sorted(chunks, key=lambda c: (c.source, c.ordinal))
    return (audit_flags(facts, ordered) + counterparty_flags(ordered, names, equity.value if equity else None)
            + supplier_flags(ordered))

"""Financial figures read from table chunks, in code: labels, units and periods normalised.

A figure is taken only from a table whose unit line states the unit (`单位：万元`,
`Unit: RMB thousand`); without one the number is not used, because guessing a unit is inventing
a figure. Statement tables (balance sheet, income statement, cash flow) win over other tables
that repeat a line. Accounting identities are checked and reported, never papered over.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from eprof.agent.schema import Evidence, Figure, FigureName, IdentityCheck
from eprof.retrieval.layout import YEAR_CELL, cells
from eprof.retrieval.schema import Chunk

LABELS: dict[FigureName, tuple[str, ...]] = {
    "revenue": ("营业收入", "营业总收入", "营业收入合计", "revenue", "operating revenue", "total revenue"),
    "cost_of_sales": ("营业成本", "cost of sales", "cost of revenue", "operating costs"),
    "gross_profit": ("毛利", "gross profit"),
    "net_profit": ("净利润", "net profit", "net income", "profit for the year"),
    "total_assets": ("资产总计", "资产合计", "total assets"),
    "total_liabilities": ("负债合计", "负债总计", "total liabilities"),
    "total_equity": ("所有者权益合计", "股东权益合计", "所有者权益（或股东权益）合计", "total owners' equity", "total equity", "total shareholders' equity"),
    "current_assets": ("流动资产合计", "total current assets"),
    "current_liabilities": ("流动负债合计", "total current liabilities"),
    "cash": ("货币资金", "cash and bank balances", "cash and cash equivalents"),
    "accounts_receivable": ("应收账款", "accounts receivable", "trade receivables"),
    "inventory": ("存货", "inventories", "inventory"),
    "short_term_borrowings": ("短期借款", "short-term borrowings", "short-term loans"),
    "long_term_borrowings": ("长期借款", "long-term borrowings", "long-term loans"),
    "operating_cash_flow": ("经营活动产生的现金流量净额", "net cash from operating activities", "net cash generated from operating activities"),
    "finance_costs": ("财务费用", "finance costs", "financial expenses"),
}
_LABEL_INDEX = {label: name for name, labels in LABELS.items() for label in labels}

UNITS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"亿元"), 1e8),
    (re.compile(r"百万元|rmb\s*(in\s*)?millions?|rmb\s*million|in\s*millions|rmb\s*'?m\b"), 1e6),
    (re.compile(r"万元"), 1e4),
    (re.compile(r"千元|rmb\s*(in\s*)?thousands?|rmb\s*'?000|in\s*thousands"), 1e3),
    (re.compile(r"单位\s*[:：]\s*(人民币)?\s*元|unit\s*:\s*(rmb|yuan|cny)\b|\byuan\b"), 1.0),  # after the larger units
)
UNIT_NAMES = {1e8: "亿元", 1e6: "百万元", 1e4: "万元", 1e3: "千元", 1.0: "元"}
STATEMENT_CAPTION = re.compile(r"资产负债表|利润表|现金流量表|balance sheet|income statement|profit or loss|cash flow", re.I)
LABEL_PREFIX = re.compile(r"^([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|减[:：]|加[:：]|其中[:：]|\d+[.、])\s*")
ALWAYS_POSITIVE: frozenset[FigureName] = frozenset({"cost_of_sales"})
"""Lines printed as deductions in some layouts ('(41,000.00)') whose amount is never negative."""
NUMBER = re.compile(r"^[(（]?-?[\d,]+(\.\d+)?[)）]?$")


def normalise_label(label: str) -> str:
    text = unicodedata.normalize("NFKC", label).strip().lower()
    text = LABEL_PREFIX.sub("", text)
    return re.sub(r"\s+", " ", text).rstrip(":：")


def parse_amount(cell: str) -> float | None:
    text = unicodedata.normalize("NFKC", cell).replace(" ", "")
    if not NUMBER.match(text):
        return None
    negative = text.startswith("(") or text.startswith("-")
    value = float(text.strip("()-").replace(",", ""))
    return -value if negative else value


def table_unit(lines: Iterable[str]) -> float | None:
    for line in lines:
        text = unicodedata.normalize("NFKC", line).lower()
        if "单位" in text or "unit" in text or "rmb" in text or "in thousands" in text or "in millions" in text:
            for pattern, factor in UNITS:
                if pattern.search(text):
                    return factor
    return None


def _periods(header: list[str]) -> list[str | None]:
    out: list[str | None] = []
    for cell in header:
        match = re.search(r"(19|20)\d{2}", cell)
        out.append(match.group(0) if match and YEAR_CELL.match(cell) else None)
    return out


def line_pages(chunk: Chunk) -> list[int]:
    """The page each line of a chunk is on. A table that crosses a page break prints its column
    header again on the next page (spaced anew): a line of two or more cells and no amount that
    repeats an earlier line of the chunk cell for cell starts the next page."""
    lines = chunk.text.split("\n")
    if chunk.page == chunk.page_end:
        return [chunk.page] * len(lines)
    seen: set[tuple[str, ...]] = set()
    page, out = chunk.page, []
    for line in lines:
        parts = tuple(cells(line))
        if len(parts) >= 2 and not any(parse_amount(c) is not None and not YEAR_CELL.match(c) for c in parts):
            if parts in seen:
                page = min(page + 1, chunk.page_end)
            seen.add(parts)
        out.append(page)
    return out


def figures_from_chunk(chunk: Chunk) -> list[Figure]:
    """Every recognised statement line of one table chunk, one Figure per line and period."""
    if chunk.kind != "table":
        return []
    lines = chunk.text.splitlines()
    unit = table_unit(lines[:4])
    if unit is None:
        return []
    header_index = next((i for i, line in enumerate(lines) if sum(p is not None for p in _periods(cells(line)[1:])) >= 1), None)
    if header_index is None:
        return []
    periods = _periods(cells(lines[header_index])[1:])
    found: list[Figure] = []
    pages = line_pages(chunk)
    for line, page in zip(lines[header_index + 1 :], pages[header_index + 1 :], strict=True):
        parts = cells(line)
        name = _LABEL_INDEX.get(normalise_label(parts[0])) if parts else None
        if name is None:
            continue
        for period, cell in zip(periods, parts[1:], strict=False):
            value = parse_amount(cell)
            if period is None or value is None:
                continue
            if name in ALWAYS_POSITIVE:
                value = abs(value)
            found.append(
                Figure(
                    name=name,
                    period=period,
                    value=round(value * unit, 2),
                    as_printed=f"{cell} {UNIT_NAMES[unit]}",
                    evidence=[Evidence(chunk_id=chunk.chunk_id, source=chunk.source, page=page, quote="  ".join(parts))],
                )
            )
    return found


def read_figures(chunks: Iterable[Chunk]) -> dict[tuple[FigureName, str], Figure]:
    """The best reading of each (figure, period): statement tables first, then document order."""
    ranked = sorted(chunks, key=lambda c: (not STATEMENT_CAPTION.search(c.text.split("\n", 2)[0]), c.doc_type != "annual_report", c.source, c.ordinal))
    best: dict[tuple[FigureName, str], Figure] = {}
    for chunk in ranked:
        for figure in figures_from_chunk(chunk):
            best.setdefault((figure.name, figure.period), figure)
    return best


def identity_checks(figures: dict[tuple[FigureName, str], Figure], periods: Iterable[str]) -> list[IdentityCheck]:
    """Accounting identities per period; a check with missing inputs is not run (and says so)."""
    checks: list[IdentityCheck] = []

    def value(name: FigureName, period: str) -> float | None:
        figure = figures.get((name, period))
        return figure.value if figure else None

    for period in periods:
        rules = [
            ("assets = liabilities + equity", value("total_assets", period), [value("total_liabilities", period), value("total_equity", period)]),
            ("gross profit = revenue - cost of sales", value("gross_profit", period), [value("revenue", period), None if value("cost_of_sales", period) is None else -value("cost_of_sales", period)]),
        ]
        for name, total, parts in rules:
            if total is None or any(p is None for p in parts):
                continue
            expected = sum(parts)  # type: ignore[arg-type]
            tolerance = max(1.0, abs(total) * 1e-6)
            passed = abs(total - expected) <= tolerance
            checks.append(IdentityCheck(rule=name, period=period, passed=passed, detail=f"{total:,.2f} vs {expected:,.2f}"))
    return checks

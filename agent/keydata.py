"""The 主要会计数据和财务指标 table, read to cross-check the statements.

Every CSRC-format annual report repeats its headline figures early on (第2号准则): revenue, net
profit attributable to shareholders, operating cash flow, total assets, with the fiscal year in
the first amount column. The statements are the source of the figures; this table is a second,
independent reading, so a disagreement is reported as a failed check (and lowers the profile's
figure confidence) instead of passing silently. Net profit is not compared: the table states the
share attributable to the parent's shareholders, which differs from consolidated net profit
wherever there are minority interests.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from eprof.agent.financials import parse_amount, table_unit
from eprof.agent.schema import Figure, FigureName, IdentityCheck
from eprof.retrieval.schema import Chunk, DocType

TITLE = re.compile(r"主要会计数据和财务指标|主要会计数据")
ROWS: dict[FigureName, re.Pattern[str]] = {
    "revenue": re.compile(r"(?:^|\s)(?:营业收入|营业总收入)(\s*[(（]元[)）])?\s+(-?[\d,]+(?:\.\d+)?)(?=\s|$)"),
    "operating_cash_flow": re.compile(r"(?:^|\s)经营活动产生的现金(?:流量净额)?(\s*[(（]元[)）])?\s+(-?[\d,]+(?:\.\d+)?)(?=\s|$)"),
    "total_assets": re.compile(r"(?:^|\s)(?:总资产|资产总额|资产总计)(\s*[(（]元[)）])?\s+(-?[\d,]+(?:\.\d+)?)(?=\s|$)"),
}
"""A row's label (its '（元）' maybe printed under it) and the first amount: the fiscal year's."""
QUARTERLY = re.compile(r"分季度|第一季度")
"""The quarterly table that follows: its rows repeat the labels with a quarter's amounts."""
WINDOW = 70
"""Lines after the title within which the table's rows are looked for."""


def key_figures(chunks: Sequence[Chunk]) -> dict[FigureName, tuple[float, str]]:
    """Fiscal-year value and row text of each compared line, from the first such table."""
    ordered = sorted((c for c in chunks if c.doc_type == DocType.annual_report), key=lambda c: (c.source, c.ordinal))
    lines: list[str] = []
    start: int | None = None
    for chunk in ordered:  # the title is a heading (the chunk's section) or a short line of its own
        if start is None and TITLE.search(chunk.section or ""):
            start = len(lines)
        for line in chunk.text.split("\n"):
            if start is None and TITLE.search(line) and len(line.strip()) < 40:
                start = len(lines)
            lines.append(line)
    if start is None:
        return {}
    found: dict[FigureName, tuple[float, str]] = {}
    unit: float | None = None
    window = lines[start : start + WINDOW]
    for i, line in enumerate(window):
        folded = unicodedata.normalize("NFKC", line)
        if QUARTERLY.search(folded):
            break
        if "单位" in folded:
            unit = table_unit([folded]) or unit
        for name, pattern in ROWS.items():
            m = pattern.search(folded)
            if name in found or m is None:
                continue
            value = parse_amount(m.group(2))
            wrapped = window[i + 1].strip() if i + 1 < len(window) else ""  # '（元）' printed under the label
            row_unit = 1.0 if m.group(1) or re.match(r"[(（]元[)）]", wrapped) else unit
            if value is not None and row_unit is not None:
                found[name] = (round(value * row_unit, 2), line.strip())
    return found


def cross_checks(figures: Mapping[tuple[FigureName, str], Figure], keyed: Mapping[FigureName, tuple[float, str]], year: str | None) -> list[IdentityCheck]:
    """One check per line both the statements and the key-data table state for the fiscal year."""
    checks = []
    for name, (value, row) in keyed.items():
        figure = figures.get((name, year or ""))
        if figure is None or figure.value is None:
            continue
        tolerance = max(1.0, abs(value) * 5e-4)  # the table may round (百万元 to one unit)
        passed = abs(figure.value - value) <= tolerance
        checks.append(IdentityCheck(rule=f"{name} agrees with 主要会计数据和财务指标", period=year or "", passed=passed,
                                    detail=f"statement {figure.value:,.2f} vs table {value:,.2f} ({row[:60]})"))
    return checks

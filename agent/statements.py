"""Financial statements read the way CSRC-format annual reports (第2号准则) print them.

An annual report's 财务报告 holds the consolidated statements (合并资产负债表, 合并利润表,
合并现金流量表), each followed by its parent-company twin (母公司…); a company without
subsidiaries prints them unprefixed. This module walks one report's chunks in document order and
tracks which statement it is in (the caption), the unit (a `单位：元` line, or the report's
"金额单位均为人民币百万元"), and the columns (a header of periods: '2019年12月 31日', '2019 年度',
'本期发生额', '期末余额', maybe a 附注 column). A row's amounts are matched to the columns by
count, or, when a row prints fewer amounts than there are columns (an empty current or prior
year), by where they stand on the line, measured against the nearest full row.

Consolidated figures are the answer; parent-company figures are kept apart, labelled, and never
fill a consolidated gap. A line is read only inside the statement it belongs to (net profit from
the income statement, not from the cash-flow supplement), and the first reading wins, so notes
that repeat a line later do not override it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from eprof.agent.financials import LABELS, UNIT_NAMES, line_pages, parse_amount, table_unit
from eprof.agent.schema import Evidence, Figure, FigureName
from eprof.retrieval.schema import Chunk, DocType

Scope = Literal["consolidated", "parent", "single"]
Kind = Literal["balance", "income", "cash_flow", "equity"]

CAPTION = re.compile(
    r"^\s*(?:[\d一二三四五六七八九十]+\s*[、.．)）]\s*|[(（][\d一二三四五六七八九十]+[)）]\s*)?"
    r"(合并|母公司|公司|本行|本集团)?\s*(资产负债表|利润表|损益表|现金流量表|所有者权益变动表|股东权益变动表)"
    r"\s*(?:[(（]续[)）])?(?=\s|$|[(（]|\d)"
    r"|^\s*(consolidated |company |parent company )?(balance sheet|statement of financial position|income statement|"
    r"statement of profit or loss|cash flow statement|statement of cash flows|statement of changes in equity)\b",
    re.I,
)
KINDS = {"资产负债表": "balance", "利润表": "income", "损益表": "income", "现金流量表": "cash_flow",
         "所有者权益变动表": "equity", "股东权益变动表": "equity", "balance sheet": "balance",
         "statement of financial position": "balance", "income statement": "income",
         "statement of profit or loss": "income", "cash flow statement": "cash_flow",
         "statement of cash flows": "cash_flow", "statement of changes in equity": "equity"}
STATEMENT_OF: dict[FigureName, Kind] = {
    "revenue": "income", "cost_of_sales": "income", "gross_profit": "income", "net_profit": "income",
    "finance_costs": "income", "operating_cash_flow": "cash_flow",
    **{name: "balance" for name in ("total_assets", "total_liabilities", "total_equity", "current_assets",
                                     "current_liabilities", "cash", "accounts_receivable", "inventory",
                                     "short_term_borrowings", "long_term_borrowings")},
}
PERIOD = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(?:\d{1,2}\s*月\s*\d{1,2}\s*日|年?\s*度|末|初)?"
    r"|(本期|本年|期末|年末|上期|上年|期初|年初)[^\s\d]{0,5}"
    r"|(?:(?:31\s+)?december\s+31,?\s*|fy\s*)?((?:19|20)\d{2})\b",
    re.I,
)
CURRENT_WORDS = ("本期", "本年", "期末", "年末")
NOTE_HEADER = re.compile(r"附注|notes?\b", re.I)
NOTE_CELL = re.compile(r"^(附注)?[一二三四五六七八九十]+[、.．]?[(（]?\d*[)）]?[\d.]*$|^[五六七八九十]?[(（]\d+[)）]\d*$|^note\s*\d+", re.I)
REPORT_UNIT = re.compile(r"报表.{0,8}单位|单位.{0,8}报表|除特别注明外|unless otherwise stated", re.I)
CELL = re.compile(r"\S+(?: \S+)*")
NIL = re.compile(r"^[-—–－]+$")
PARENS = re.compile(r"[(（][^()（）]*[)）]")
PREFIX = re.compile(r"^([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．]|其中[:：]|加[:：]|减[:：])\s*")
FISCAL_YEAR = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:年度报告|年报|年度财务报告|annual report)|((?:19|20)\d{2})\s*annual report", re.I)
ENTITY_LINES: dict[str, Scope] = {"本集团": "consolidated", "合并": "consolidated", "本行": "parent", "本公司": "parent", "母公司": "parent"}
"""A line naming whose columns follow, printed above a statement's header."""
POSITION_SLACK = 14
"""Characters a lone amount's right edge may stand from a column's and still belong to it."""


def _label_key(label: str) -> str:
    text = unicodedata.normalize("NFKC", label).lower()
    text = PARENS.sub("", re.sub(r"\s+", "", text) if re.search(r"[\u4e00-\u9fff]", text) else text.strip())
    text = re.sub(r"[(（][^()（）]*$", "", text)  # '（净亏损以“－”号' whose '填列）' wrapped to the next line
    while PREFIX.match(text):
        text = PREFIX.sub("", text, count=1)
    return re.sub(r"\s+", " ", text).strip(" :：")


_LABEL_RANK: dict[str, tuple[FigureName, int]] = {}
for _name, _labels in LABELS.items():
    for _rank, _label in enumerate(_labels):
        _LABEL_RANK.setdefault(_label_key(_label), (_name, _rank))


@dataclass
class _Cell:
    text: str
    end: int
    value: float | None
    nil: bool = False


@dataclass
class Reading:
    """The statements of one report: consolidated (or single-entity) figures and parent ones."""

    fiscal_year: str | None
    primary: dict[tuple[FigureName, str], Figure] = field(default_factory=dict)
    parent: dict[tuple[FigureName, str], Figure] = field(default_factory=dict)
    statements: list[str] = field(default_factory=list)
    """Captions found, in order, e.g. ['合并资产负债表', '母公司资产负债表', ...]."""


@dataclass
class _State:
    scope: Scope | None = None
    kind: Kind | None = None
    unit: float | None = None
    columns: list[tuple[int, str | None]] = field(default_factory=list)
    """(right edge, period) per amount column; period None for a column to skip (a twin's)."""
    note_end: int | None = None


def fiscal_year(chunks: Sequence[Chunk]) -> str | None:
    """The year the report covers, from its cover or title ('2019年年度报告', '2024 Annual Report')."""
    for chunk in chunks[:12]:
        m = FISCAL_YEAR.search(unicodedata.normalize("NFKC", chunk.text))
        if m:
            return m.group(1) or m.group(2)
    return None


def _cells(line: str) -> list[_Cell]:
    out = []
    for m in CELL.finditer(line):
        text = m.group()
        compact = unicodedata.normalize("NFKC", text).replace(" ", "")
        nil = bool(NIL.match(compact))
        out.append(_Cell(text, m.end(), None if nil else parse_amount(compact), nil))
    return out


def _period(match: re.Match[str], year: str | None) -> str | None:
    if match.group(1) or match.group(3):
        return match.group(1) or match.group(3)
    if year is None:
        return None
    return year if match.group(2) in CURRENT_WORDS else str(int(year) - 1)


def _header(line: str, year: str | None) -> tuple[list[tuple[int, str | None]], int | None] | None:
    """Column right edges and periods of a header line; None when the line is not a header."""
    text = unicodedata.normalize("NFKC", line)
    if any(c.value is not None and ("," in c.text or "." in c.text) for c in _cells(text)):
        return None
    found = [(m.end(), _period(m, year)) for m in PERIOD.finditer(text)]
    found = [(end, period) for end, period in found if period is not None]
    if not found or len(text.strip()) > 120:
        return None
    seen: set[str] = set()
    columns: list[tuple[int, str | None]] = []
    for end, period in found:  # a second 本集团/本行 pair repeats the years: the twin's columns
        columns.append((end, None if period in seen else period))
        seen.add(period or "")
    note = NOTE_HEADER.search(text)
    return columns, note.end() if note else None


def _amounts(cells: list[_Cell], columns: int, note_end: int | None) -> list[_Cell]:
    """The amount cells of a row, 附注 references dropped (e.g. '七、5', or a bare '37' under 附注)."""
    amounts = [c for c in cells[1:] if (c.value is not None or c.nil) and not NOTE_CELL.match(c.text.replace(" ", ""))]
    while len(amounts) > columns and _note_like(amounts[0]):
        amounts.pop(0)
    if note_end is not None and len(amounts) > 1 and _note_like(amounts[0]) and abs(amounts[0].end - note_end) < POSITION_SLACK:
        amounts.pop(0)
    return amounts


def _note_like(cell: _Cell) -> bool:
    """A short bare number ('37', '5.1') is a note reference, never a statement amount."""
    return bool(re.fullmatch(r"\d{1,2}(\.\d{1,2})?", cell.text))


def _assign(amounts: list[_Cell], edges: list[int]) -> list[int | None]:
    """Column index per amount: in order when the row is full, else by nearest right edge."""
    if len(amounts) == len(edges):
        return list(range(len(edges)))
    out: list[int | None] = []
    for cell in amounts:
        best = min(range(len(edges)), key=lambda i: abs(edges[i] - cell.end))
        out.append(best if abs(edges[best] - cell.end) <= POSITION_SLACK else None)
    return out


def _row_edges(lines: list[list[_Cell]], index: int, count: int, fallback: list[int]) -> list[int]:
    """Right edges of the columns taken from the nearest row that fills them all (same page)."""
    for distance in range(1, 40):
        for k in (index - distance, index + distance):
            if 0 <= k < len(lines) and len(lines[k]) == count:
                return [c.end for c in lines[k]]
    return fallback


def read_statements(chunks: Iterable[Chunk]) -> Reading:
    """Figures of every annual report's statements, in document order (first reading wins)."""
    reports = sorted((c for c in chunks if c.doc_type == DocType.annual_report), key=lambda c: (c.source, c.ordinal))
    by_source: dict[str, list[Chunk]] = {}
    for chunk in reports:
        by_source.setdefault(chunk.source, []).append(chunk)
    reading = Reading(fiscal_year=None)
    years = {source: fiscal_year(found) for source, found in by_source.items()}
    for source in sorted(by_source, key=lambda s: years[s] or "", reverse=True):  # the latest report's reading wins
        _read_report(by_source[source], years[source], reading)
        if reading.fiscal_year is None and reading.primary:
            reading.fiscal_year = years[source] or max(p for _, p in reading.primary)
    return reading


def _read_report(chunks: list[Chunk], year: str | None, reading: Reading) -> None:
    state = _State()
    report_unit: float | None = None
    has_consolidated = any(re.search(r"^\s*\S{0,4}合并(资产负债表|利润表)", c.text, re.M) for c in chunks)
    for chunk in chunks:
        raw_lines = chunk.text.split("\n")
        pages = line_pages(chunk)
        parsed: list[list[_Cell]] = []
        rows: list[tuple[int, int, str, str, list[_Cell], _State]] = []
        for j, line in enumerate(raw_lines):
            folded = unicodedata.normalize("NFKC", line)
            caption = CAPTION.match(folded.strip())
            caption = caption if caption and not re.search(r"[\d,]{5,}", folded) else None
            if caption:
                state = _State(unit=report_unit)
                prefix = (caption.group(1) or caption.group(3) or "").strip().lower()
                kind = KINDS[(caption.group(2) or caption.group(4)).lower()]
                if prefix in ("母公司", "公司", "本行", "company", "parent company"):
                    state.scope = "parent"
                elif prefix in ("合并", "本集团", "consolidated"):
                    state.scope = "consolidated"
                else:
                    state.scope = "parent" if has_consolidated else "single"
                state.kind = kind  # type: ignore[assignment]
                reading.statements.append(caption.group().strip())
            if "单位" in folded or "unit" in folded.lower():
                unit = table_unit([folded])
                if unit is not None:
                    if state.kind is None and REPORT_UNIT.search(folded):
                        report_unit = unit
                    state.unit = unit if state.kind is not None else state.unit
            entity = folded.strip()
            if state.kind is not None and entity in ENTITY_LINES:  # a bank prints 本集团 / 本行 above the columns
                state.scope = ENTITY_LINES[entity] if state.scope != "single" else "single"
            header = _header(line, year) if state.kind is not None else None  # a caption run into its header
            if header is not None and header[0]:
                state.columns, state.note_end = header
            if caption or entity in ENTITY_LINES or header is not None:
                parsed.append([])
                continue
            cells = _cells(line)
            amounts = _amounts(cells, len(state.columns), state.note_end) if state.columns and cells else []
            parsed.append(amounts if len(amounts) == len(state.columns) else [])
            if amounts and cells[0].value is None and not cells[0].nil:
                label = cells[0].text
                after = raw_lines[j + 1].strip() if j + 1 < len(raw_lines) else ""
                if label.count("（") + label.count("(") > label.count("）") + label.count(")") and after and not re.search(r"\d", after):
                    label += after  # '所有者权益（或股东权' + '益）合计' on the next line
                rows.append((len(parsed) - 1, pages[j], line, label, amounts, replace(state)))
        for index, page, line, label, amounts, at in rows:  # edges need the rows below too, so record after the chunk
            _record(chunk, page, at, line, label, amounts, _row_edges(parsed, index, len(at.columns), [e for e, _ in at.columns]), reading)


def _record(chunk: Chunk, page: int, state: _State, line: str, label: str, amounts: list[_Cell], edges: list[int], reading: Reading) -> None:
    if state.scope is None or state.kind is None or state.unit is None or not state.columns:
        return
    match = _LABEL_RANK.get(_label_key(label))
    if match is None or STATEMENT_OF[match[0]] != state.kind:
        return
    name = match[0]
    target = reading.parent if state.scope == "parent" else reading.primary
    for cell, column in zip(amounts, _assign(amounts, edges), strict=True):
        if column is None or cell.value is None:
            continue
        period = state.columns[column][1]
        if period is None:
            continue
        value = abs(cell.value) if name == "cost_of_sales" else cell.value
        key = (name, period)
        existing = target.get(key)
        if existing is not None and _rank(existing) <= match[1]:
            continue
        target[key] = Figure(
            name=name,
            period=period,
            value=round(value * state.unit, 2),
            as_printed=f"{cell.text} {UNIT_NAMES[state.unit]}",
            evidence=[Evidence(chunk_id=chunk.chunk_id, source=chunk.source, page=page, quote=row_quote(line))],  # the row's own page
        )


def row_quote(line: str) -> str:
    """A table row as a quote: its cells two spaces apart (the verifier ignores whitespace)."""
    return "  ".join(c for c in re.split(r"\s{2,}", line.strip()) if c)


def _rank(figure: Figure) -> int:
    """The preference of the label a figure was read from (营业收入 before 营业总收入)."""
    quote = figure.evidence[0].quote if figure.evidence else ""
    match = _LABEL_RANK.get(_label_key(_cells(quote)[0].text)) if quote else None
    return match[1] if match else 99

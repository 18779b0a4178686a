"""Page text -> typed blocks (heading, paragraph, table), with running headers and footers removed.

Works on the text that readers produce; PDF pages come from pypdf's layout mode, where table
cells are separated by runs of spaces, so a table is a run of lines with two or more cells and
numbers in them. A table keeps its caption and unit line (e.g. `单位：万元`), and a table that
continues at the top of the next page is the same table.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

CELL_GAP = re.compile(r"\s{2,}|\t")
NUMBER_CELL = re.compile(r"^[(（\-−–]?[¥$]?\d[\d,，]*(\.\d+)?%?[)）]?$|^[-—–]+$")
YEAR_CELL = re.compile(
    r"^(19|20)\d{2}(年|年度|年末|年初)?(\d{1,2}月\d{1,2}日)?$|^(本期|上期|期末|期初|本年|上年)"
    r"|^(\d{1,2}\s+[A-Za-z]+\s+|[A-Za-z]+\s+\d{1,2},\s*|FY\s?)(19|20)\d{2}$",
    re.I,
)
UNIT_LINE = re.compile(r"(单位|币种)\s*[:：]|^\s*[(（]?\s*(金额)?单位|\b(unit|in (rmb|usd|cny|thousands|millions))\b|rmb\s*'?000", re.I)
SENTENCE_END = re.compile(r"[。！？；.!?;:：]$")
PAGE_NUMBER = re.compile(r"^[-–—\s]*(第\s*)?\d+\s*(页|/\s*\d+)?[-–—\s]*$|^page\s+\d+(\s+of\s+\d+)?$", re.I)
HEADING = re.compile(
    r"^(第[一二三四五六七八九十百零\d]+[节章部分篇]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]"
    r"|(section|chapter|part|note|item)\s+\d+|\d+(\.\d+){0,2}[.、．]?\s+\S|#{1,6}\s+\S)",
    re.I,
)


@dataclass
class Block:
    kind: Literal["heading", "paragraph", "table"]
    lines: list[str]
    page: int
    page_end: int = 0
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.page_end = self.page_end or self.page

    @property
    def text(self) -> str:
        if self.kind == "table":
            return "\n".join(self.lines)
        return join_lines(self.lines)


def cells(line: str) -> list[str]:
    return [c for c in CELL_GAP.split(line.strip()) if c]


def is_table_row(line: str) -> bool:
    parts = cells(line)
    if len(parts) < 2:
        return False
    numeric = sum(1 for c in parts[1:] if NUMBER_CELL.match(c.replace(" ", "")) or YEAR_CELL.match(c.replace(" ", "")))
    return numeric >= 1 and numeric >= (len(parts) - 1) / 2


def is_heading(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= 40 and bool(HEADING.match(text)) and not SENTENCE_END.search(text.rstrip("#"))


def _cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between CJK characters, one space otherwise."""
    out = ""
    for raw in lines:
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            continue
        if out and not (_cjk(out[-1]) and _cjk(line[0])):
            out += " "
        out += line
    return out


def _boilerplate_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip().lower()))


def strip_running_lines(pages: list[list[str]], edge: int = 3) -> list[list[str]]:
    """Drop lines repeated at the top or bottom of most pages (headers, footers, page numbers)."""
    def edges(lines: list[str]) -> list[int]:
        idx = [i for i, line in enumerate(lines) if line.strip() and not is_table_row(line) and not UNIT_LINE.search(line)]
        return sorted(set(idx[:edge] + idx[-edge:]))

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_boilerplate_key(lines[i]) for i in edges(lines)})
    threshold = max(2, (len(pages) + 1) // 2)
    repeated = {k for k, n in counts.items() if n >= threshold} if len(pages) >= 2 else set()
    cleaned = []
    for lines in pages:
        drop = {i for i in edges(lines) if _boilerplate_key(lines[i]) in repeated or PAGE_NUMBER.match(lines[i].strip())}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def page_blocks(lines: list[str], page: int) -> list[Block]:
    """Segment one page's lines into headings, paragraphs and tables."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", para.copy(), page))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        if is_table_row(line):
            j, rows = _table_rows(lines, i)
            if len(rows) >= 2:
                prefix = _take_caption(para)
                # caption and unit line may stand apart from the table (and each other) by blank lines
                while not para and len(prefix) < 2 and blocks and blocks[-1].kind == "paragraph":
                    taken = _take_caption(blocks[-1].lines, want_unit=not prefix)
                    if not taken:
                        break
                    prefix = taken + prefix
                    if not blocks[-1].lines:
                        blocks.pop()
                flush()
                blocks.append(Block("table", prefix + rows, page))
                i = j
                continue
        if _header_row(lines, i):
            flush()
            j, rows = _table_rows(lines, i)
            if len(rows) >= 3:
                blocks.append(Block("table", rows, page))
                i = j
                continue
        if is_heading(line):
            flush()
            blocks.append(Block("heading", [line.strip().lstrip("#").strip()], page))
        else:
            para.append(line)
            if SENTENCE_END.search(line.strip()) and len(line.strip()) < 30:
                flush()
        i += 1
    flush()
    return blocks


def _table_rows(lines: list[str], i: int) -> tuple[int, list[str]]:
    """The rows of the table starting at line i, and the index after it. Rows keep their spacing
    (less the table's common indent), so a cell's column can still be told from its position: a
    statement row with one amount may hold the prior year's, and a 附注 cell may be empty."""
    j = i
    taken: list[str] = []
    while j < len(lines):
        if not lines[j].strip():
            nxt = next((k for k in range(j + 1, len(lines)) if lines[k].strip()), None)
            if nxt is None or not _continues_table(lines, nxt):
                break  # rows printed with a blank line between them are still one table
            j = nxt
            continue
        if not _continues_table(lines, j):
            break
        taken.append(lines[j].rstrip())
        j += 1
    indent = min((len(r) - len(r.lstrip()) for r in taken), default=0)
    return j, [r[indent:] for r in taken]


LABEL_LOOKAHEAD = 8
"""Non-blank lines a label-only row (a statement line with no amount this year) may precede a data row by."""


def _continues_table(lines: list[str], j: int) -> bool:
    """A data row, a column-header row, or a label row (e.g. '流动资产：', or a statement line left
    empty this year) followed, within a few label rows, by a data row."""
    if is_table_row(lines[j]) or _header_row(lines, j):
        return True
    seen = 0
    for k in range(j, len(lines)):
        label = lines[k].strip()
        if not label:
            continue
        if is_table_row(lines[k]):
            return seen > 0
        if len(label) > 40 or len(cells(label)) != 1 or is_heading(label) or label[-1] in "。！？；.!?;" or UNIT_LINE.search(label):
            return False
        seen += 1
        if seen > LABEL_LOOKAHEAD:
            return False
    return False


def _header_row(lines: list[str], i: int) -> bool:
    """A column-header row (e.g. 'Item  2024  2023') directly above table rows."""
    parts = cells(lines[i])
    if len(parts) < 2 or i + 1 >= len(lines):
        return False
    if not all(YEAR_CELL.match(c.replace(" ", "")) or len(c) <= 12 for c in parts[1:]):
        return False
    following = [line for line in lines[i + 1 : i + 6] if line.strip()][:2]  # data, or a label row ('Current assets:') then data
    if not following:
        return False
    return is_table_row(following[0]) or (len(following) == 2 and len(cells(following[0])) == 1 and is_table_row(following[1]))


def _take_caption(para: list[str], want_unit: bool = True) -> list[str]:
    """Move a trailing unit line and the caption above it from the paragraph into the table."""
    taken: list[str] = []
    if want_unit and para and UNIT_LINE.search(para[-1]) and len(para[-1].strip()) <= 60:
        taken.insert(0, re.sub(r"\s+", " ", para.pop().strip()))
    if para and len(para[-1].strip()) <= 60 and not SENTENCE_END.search(para[-1].strip()):
        taken.insert(0, re.sub(r"\s+", " ", para.pop().strip()))
    return taken


def document_blocks(pages: list[tuple[int, str]]) -> list[Block]:
    """All blocks of a document in reading order, tables continued across pages merged."""
    texts = [[line.rstrip() for line in text.splitlines()] for _, text in pages]
    cleaned = strip_running_lines(texts)
    blocks: list[Block] = []
    for (number, _), lines in zip(pages, cleaned, strict=True):
        for block in page_blocks(lines, number):
            prev = blocks[-1] if blocks else None
            if (
                prev is not None
                and block.kind == "table"
                and prev.kind == "table"
                and block.page == prev.page_end + 1
                and not _has_caption(block)
            ):
                prev.lines.extend(block.lines)
                prev.page_end = block.page
                continue
            blocks.append(block)
    return blocks


def _has_caption(block: Block) -> bool:
    return bool(block.lines) and not is_table_row(block.lines[0]) and not _looks_like_header(block.lines[0])


def _looks_like_header(line: str) -> bool:
    parts = cells(line)
    return len(parts) >= 2 and all(YEAR_CELL.match(c.replace(" ", "")) or len(c) <= 12 for c in parts[1:])

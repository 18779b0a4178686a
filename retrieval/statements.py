"""Which primary statement each page belongs to, and which statements a question asks for.

A figure question ("FY2019 COGS", "合并利润表中2024年度的营业收入") is answered by one page: the
statement's. BM25 over pages ranks the notes and the MD&A, which print the same line items, as
high or higher; knowing which pages ARE the statement lets the search rank those pages on their own.

A page belongs to a statement when the statement's title heads it: the name near the start of
the page as a title, not in a sentence ("the related consolidated statements of income" in an
auditor's report, "受影响的合并资产负债表项目" in a note). A Chinese report also starts a statement
in mid-page, its title followed by the unit line (单位：元). A statement runs on over the pages that
follow (a Chinese balance sheet takes three) until its end: the signatures (法定代表人) or the
"accompanying notes" line, another statement's title, or `CARRY` pages. The consolidated and the
parent company's statements (母公司, a bank's 银行资产负债表) are told apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eprof.retrieval.synonyms import STATEMENTS, statement_names

HEAD_CHARS = 200
"""How far into a page a title may start: past a running head and the company's name."""
CARRY = 2
"""How many pages a statement may run on without a title: a Chinese balance sheet's liabilities
and equity pages. US statements fit one page and end with their 'accompanying notes' line."""

CONTENTS = 3
"""A page naming three statements or more as titles lists them (contents), it is none of them."""

_CJK = re.compile(r"[\u4e00-\u9fff]")
_END = re.compile(r"accompanying\s+notes|integral\s+part\s+of\s+th|法定代表人|单位负责人", re.IGNORECASE)
_PARENT = re.compile(r"(公司|银行|本行|parent\s+company)\W{0,3}$", re.IGNORECASE)
"""The parent company's own statements: 母公司 / 公司 / 银行 (a bank's) 资产负债表, "parent company"."""
_CJK_AFTER = re.compile(r"\s*($|单位|编制单位|[（(\d])")
_CJK_BEFORE = re.compile(r"(^|[\s\d、.．）)]|公司)(合并|母公司|公司|银行|本行)?$")
_UNIT_LINE = re.compile(r"\s*(单位|编制单位|\d{4}\s*年)")


def _pattern(name: str) -> re.Pattern[str]:
    if _CJK.search(name):
        return re.compile(r"\s*".join(map(re.escape, name)))
    return re.compile(r"\b" + r"\W+".join(re.escape(word) + "s?" for word in name.split()) + r"\b", re.IGNORECASE)


_NAMES = [(group, _pattern(name), _CJK.search(name) is not None) for group, names in enumerate(STATEMENTS) for name in names]


def _is_title(text: str, start: int, end: int, cjk: bool) -> bool:
    """A title, not a mention in a sentence: in English the word before it is not a lowercase
    word ('the related', 'in our'); in Chinese it stands alone, followed by nothing, a unit or a date."""
    if cjk:
        return _CJK_BEFORE.search(text[max(0, start - 4) : start]) is not None and _CJK_AFTER.match(text[end : end + 6]) is not None
    before = re.findall(r"[^\W\d_]+", text[max(0, start - 40) : start])
    while before and before[-1].lower() in ("consolidated", "combined"):
        before.pop()
    return not before or not before[-1].islower()


def titles(text: str) -> list[tuple[int, int, int]]:
    """(start, end, key) of each statement title on a page, in order; key = 2 * group + parent."""
    found = []
    for group, pattern, cjk in _NAMES:
        for match in pattern.finditer(text):
            start, end = match.span()
            heads_page = start < HEAD_CHARS
            if not (heads_page or (cjk and _UNIT_LINE.match(text[end : end + 12]))) or not _is_title(text, start, end, cjk):
                continue
            parent = _PARENT.search(text[max(0, start - 20) : start]) is not None
            found.append((start, end, 2 * group + parent))
    return sorted(set(found))


def page_statements(pages: Sequence[str]) -> list[int]:
    """For each page of one document, in order, a bit mask of the statements it belongs to (0: none)."""
    out = []
    carry, left = None, 0
    for text in pages:
        found = titles(text)
        if len({key >> 1 for _, _, key in found}) >= CONTENTS:
            found = []  # a table of contents or an index to the financial statements
        mask = 0
        for _, _, key in found:
            mask |= 1 << key
        before = text[: found[0][0]] if found else text
        ends = _END.search(before) is not None
        if carry is not None and left > 0 and (ends or not found):  # the statement runs on to this page
            mask |= 1 << carry
            left -= 1
        if ends or found:
            carry, left = None, 0
        if found:
            _, end, key = found[-1]
            carry, left = (None, 0) if _END.search(text[end:]) else (key, CARRY)
        out.append(mask)
    return out


def asked_statements(query: str) -> int:
    """Bit mask of the statements the query names or whose line items its metric needs (0: none)."""
    asked = f"{query}\n{statement_names(query)}"
    parent = re.search(r"母公司|本行|parent\s+company", asked, re.IGNORECASE) is not None
    mask = 0
    for group, pattern, _ in _NAMES:
        if pattern.search(asked):
            mask |= 1 << (2 * group + parent)
    return mask

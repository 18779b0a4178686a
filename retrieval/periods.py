"""Filing type and fiscal period: read from a document's first pages, asked of a question.

A company's filings repeat each other (every 10-K prints the prior years as comparatives), so
which filing a question needs is mostly said by the period it names: the filing for the LATEST
period named ("FY2017 to FY2019" -> the FY2019 10-K, which holds all three). A document's
period is what its cover says ("for the fiscal year ended May 31, 2019", "2019年年度报告").

Periods are strings a person reads: "FY2019", "Q1 2021", "H1 2019", or a date "2022-05-18"
(an 8-K's event, a news item). `period_key` orders them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

FILINGS = ("10-K", "10-Q", "8-K", "annual report", "年度报告", "半年度报告", "季度报告", "news", "research")
COVER_CHARS = 6000
"""How much of the document's start is read: the cover page and, at most, the next one."""

MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december)"
_DATE = _MONTH + r"\s+(\d{1,2}),?\s+((?:19|20)\d\d)"
# a cover's layout can put other words between "ended" and its date ("ended OR December 31, 2020")
FISCAL_YEAR_ENDED = re.compile(r"(?:fiscal\s+)?years?\s+ended\b.{0,40}?" + _DATE)
QUARTER_ENDED = re.compile(r"quarterly\s+period\s+ended\b.{0,40}?" + _DATE)
EVENT_DATE = re.compile(r"date\s+of\s+report[^:]{0,80}:?\s*" + _DATE)
SELF_REFERENCE = re.compile(r"\bthis\s+(?:annual\s+report\s+on\s+|quarterly\s+report\s+on\s+|current\s+report\s+on\s+|report\s+on\s+)?form\s+(10-k|10-q|8-k)\b")
CN_REPORT = re.compile(r"((?:19|20)\d\d)\s*年\s*(年度报告|半年度报告|第([一二三四1-4])季度报告)")
CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class DocumentPeriod:
    filing: str | None
    period: str | None


def detect(text: str, fallback_filing: str | None = None) -> DocumentPeriod:
    """Filing type and period from a document's text: its cover (the first pages) first, else
    what the whole text says most (a filing without its cover page still calls itself "this
    Form 10-K" and heads its statements "years ended May 29, 2022", more often than any other
    year); None where nothing says."""
    head = " ".join(text[:COVER_CHARS].split())
    lower = head.lower()
    cn = CN_REPORT.search(head.replace(" ", ""))
    if cn:
        year, kind, quarter = int(cn.group(1)), cn.group(2), cn.group(3)
        if kind == "年度报告":
            return DocumentPeriod("年度报告", f"FY{year}")
        if kind == "半年度报告":
            return DocumentPeriod("半年度报告", f"H1 {year}")
        return DocumentPeriod("季度报告", f"Q{CN_QUARTER[quarter]} {year}")
    form = re.search(r"form\s+(10-k|10-q|8-k)\b", lower)
    whole = " ".join(text.split()).lower()
    if form is None:
        said = Counter(m.group(1) for m in SELF_REFERENCE.finditer(whole)).most_common(1)
        form = said[0][0] if said else None
    else:
        form = form.group(1)
    filing = form.upper() if form else ("annual report" if "annual report" in lower else fallback_filing)
    if filing == "10-Q" and (end := _first(QUARTER_ENDED, lower, whole)):
        return DocumentPeriod(filing, f"Q{(end.month - 1) // 3 + 1} {end.year}")
    if filing == "8-K" and (end := _first(EVENT_DATE, lower, whole)):
        return DocumentPeriod(filing, end.isoformat())
    if filing in ("10-K", "annual report"):
        if m := FISCAL_YEAR_ENDED.search(lower):
            return DocumentPeriod(filing, f"FY{_date(m).year}")
        years = Counter(_date(m).year for m in FISCAL_YEAR_ENDED.finditer(whole)).most_common(1)
        return DocumentPeriod(filing, f"FY{years[0][0]}" if years and years[0][1] >= 2 else None)
    return DocumentPeriod(filing, None)


def _first(pattern: re.Pattern, cover: str, whole: str) -> dt.date | None:
    m = pattern.search(cover) or pattern.search(whole)
    return _date(m) if m else None


def _date(match: re.Match) -> dt.date:
    return dt.date(int(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))


PERIOD = re.compile(r"^(?:FY(\d{4})|([QH])([1-4]) (\d{4})|(\d{4})-(\d\d)-\d\d)$")


def period_key(period: str | None) -> tuple[int, int] | None:
    """(year, quarter) for ordering, a fiscal year counting as its 4th quarter; None if unreadable."""
    m = PERIOD.match(period or "")
    if not m:
        return None
    if m.group(1):
        return int(m.group(1)), 4
    if m.group(2):
        quarter = int(m.group(3)) * (2 if m.group(2) == "H" else 1)
        return int(m.group(4)), quarter
    return int(m.group(5)), (int(m.group(6)) - 1) // 3 + 1


def is_valid_period(period: str) -> bool:
    return PERIOD.match(period) is not None


# ------------------------------------------------------------------ questions

_YEAR = r"((?:19|20)\d\d)"
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
Q_QUARTER = [
    re.compile(r"\bq([1-4])\s*(?:fy)?\s*'?" + _YEAR + r"\b"),
    re.compile(r"\b" + _YEAR + r"\s*q([1-4])\b"),
    re.compile(r"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+(?:of\s+)?(?:fiscal\s+)?(?:year\s+)?" + _YEAR),
    re.compile(_YEAR + r"\s*年\s*第?\s*([一二三四1-4])\s*季度"),
]
Q_YEAR = re.compile(r"(?:\bfy\s*'?|\bfiscal\s+(?:year\s+)?)" + _YEAR + r"\b|\bfy(\d\d)\b|" + _YEAR + r"\s*(?:年|财年)|\b" + _YEAR + r"\b")
RELATIVE = {"上年": -1, "去年": -1, "上一年": -1, "上年度": -1, "前年": -2, "本年": 0, "今年": 0, "本年度": 0}


@dataclass(frozen=True)
class QueryPeriod:
    year: int
    quarter: int | None = None


def query_period(question: str, latest_year: int | None = None) -> QueryPeriod | None:
    """The latest period a question names (its filing holds the earlier ones as comparatives);
    a relative one (上年, 今年) counts from `latest_year`, the enterprise's latest fiscal year."""
    text = question.lower()
    quarters = []
    for pattern in Q_QUARTER:
        for m in pattern.finditer(text):
            a, b = m.group(1), m.group(2)
            if a.isdigit() and len(a) == 4:
                year, q = int(a), b
            else:
                year, q = int(b), a
            quarters.append((year, int(_ORDINAL.get(q) or CN_QUARTER.get(q) or q)))
    years = []
    for m in Q_YEAR.finditer(text):
        if m.group(2):
            years.append(2000 + int(m.group(2)))
        else:
            years.append(int(m.group(1) or m.group(3) or m.group(4)))
    if latest_year is not None:
        years += [latest_year + offset for word, offset in RELATIVE.items() if word in question]
    if quarters and max(quarters)[0] >= max(years, default=0):
        year, quarter = max(quarters)
        return QueryPeriod(year, quarter)
    return QueryPeriod(max(years)) if years else None

"""Which fiscal years a question asks about: one year, the year before a known one, or two years
to compare ("比上年", "change from 2023 to 2024", "revenue in 2024 and the year before").

Pure functions over the question's text and the previous turn's periods, so a follow-up
("那前一年呢？", "and the year before?") moves the conversation's period instead of repeating it.
No period in the question and none in the conversation means the current fiscal year, which the
answer states.
"""

from __future__ import annotations

import re
from typing import NamedTuple

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
COMPARE = re.compile(
    r"比上年|比去年|较上年|较去年|同比|与上年相比|和上年相比|增减|变化|变动|增长|下降|减少|增加|增幅|降幅|两年|"
    r"\bchanges?\b|\bchanged\b|compar|\bvs\.?\b|\bversus\b|\bgrow|\bgrew\b|increase|decrease|decline|\bfell\b|\brose\b|"
    r"and (?:in )?the (?:year|period) before|and (?:the )?(?:prior|previous) year|both years",
    re.I,
)
PRIOR = re.compile(r"前一年|上一年|上年|去年|上期|(?:the )?year before|prior year|previous year|last year", re.I)
PERIOD_ONLY = re.compile(
    r"^[\s,，。？?!！]*(?:那么?|那|还有|and|what about|how about)?[\s,，]*(?:in|for)?\s*"
    r"(?:前一年|上一年|上年|去年|上期|(?:the )?year before|(?:the )?period before|(?:the )?prior year|(?:the )?previous year|(?:19|20)\d{2}年?(?:度|末)?)\s*(?:呢|的呢|？|\?)*[\s。？?!！]*$",
    re.I,
)
"""A turn that only names a period ("那前一年呢？", "and 2023?"): a follow-up by itself."""


class Periods(NamedTuple):
    period: str | None
    """the year asked about; None: the current fiscal year (the default)"""
    compare_to: str | None
    """the year to compare with, or None"""


def resolve_periods(question: str, previous: Periods | None, fiscal_year: str | None) -> Periods:
    """The periods a question asks about, relative ones resolved against `previous` or the fiscal year."""
    years = sorted(set(YEAR.findall(question)), reverse=True)
    compare = bool(COMPARE.search(question)) and not PERIOD_ONLY.match(question.strip())  # "and the year before?" alone moves the year
    base = years[0] if years else None
    if len(years) >= 2:
        return Periods(years[0], years[-1])
    if compare:
        current = base or (previous.period if previous else None) or fiscal_year
        return Periods(base or (previous.period if previous else None), _minus_one(current))
    if PRIOR.search(question) and base is None:
        known = (previous.period if previous else None) or fiscal_year
        return Periods(_minus_one(known), None)
    return Periods(base, None)


def mentions_period(question: str) -> bool:
    """Whether the question names a year, a relative year or a comparison."""
    return bool(YEAR.search(question) or COMPARE.search(question) or PRIOR.search(question))


def is_period_follow_up(question: str) -> bool:
    """A turn that only names a period or asks for the change: it continues the last subject."""
    text = question.strip()
    return bool(PERIOD_ONLY.match(text)) or (bool(COMPARE.search(text)) and len(_content(text)) <= 8)


def _content(text: str) -> str:
    return re.sub(r"[\s\W]|比上年|同比|变化|变动|增减|多少|了|是|呢|吗|how|did|does|it|change|from|to|the|what|was|\d", "", text, flags=re.I)


def _minus_one(year: str | None) -> str | None:
    return str(int(year) - 1) if year and year.isdigit() else None

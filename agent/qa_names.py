"""Trade names an analyst uses for an enterprise that its registered name does not spell out.

Listed and NEEQ companies are called by a short name: the core of the registered name plus
股份 / 集团 / 公司 ("襄阳新程食品加工股份有限公司" is "新程股份"), or, in English, the core word
("Xiangyang Mingchuan Auto Parts Co., Ltd." is "Mingchuan"). Q&A uses them to notice a question
about another indexed enterprise. Only these compound forms are produced: the bare two-character
core is too common a word to stand for a company.
"""

from __future__ import annotations

import re

_SUFFIX = re.compile(r"(?:股份)?有限(?:责任)?公司$")
PROVINCES = frozenset("北京 天津 上海 重庆 河北 山西 辽宁 吉林 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 广西 西藏 宁夏 新疆 香港 澳门".split())
REGION_MIN_REST = 6
"""A leading two characters are a place (a city) when at least this many characters follow them."""
_EN_NAME = re.compile(r"^([A-Z][a-z]+) ([A-Z][a-z]{3,})\b.*\b(?:Co\.|Company|Corporation|Group|Ltd\.?)", re.S)


def trade_names(name: str | None) -> tuple[str, ...]:
    """Short names formed from the registered name (see the module docstring); () when it has no such form."""
    if not name:
        return ()
    name = name.strip()
    core = _SUFFIX.sub("", name)
    if core != name and re.fullmatch(r"[\u4e00-\u9fff]{4,}", core):
        start = 2 if core[:2] in PROVINCES or len(core) - 2 >= REGION_MIN_REST else 0
        return (f"{core[start:start + 2]}股份", f"{core[start:start + 2]}集团", f"{core[start:start + 2]}公司")
    english = _EN_NAME.match(name)
    return (english.group(2),) if english else ()

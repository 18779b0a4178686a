"""Whose news is it: the enterprise's names, and the stretch of a news text that is about it.

Real financial news is not one article about one firm: a portal page runs headlines together
("金一文化违规减持…雅虎承认…科远股份(002380)股东减持…"), a story names a platform, its parent
and its bank, and firms go by short names (简称) more than by registered ones. A red flag is the
enterprise's only when the words that state it are about the enterprise, so this module gives

- `enterprise_names`: registered name, the name without its legal suffix or region, aliases the
  user gave (manifest `aliases` column, `eprof ingest --alias`) and short names a document
  declares right after one of those names ("上海XX股份有限公司（以下简称“XX”）");
- `mentions`: where the text names the enterprise, leaving out a name that only appears inside a
  longer one (钱宝 in 钱宝网, 时贷 in 沃时贷 are other firms);
- `segments`: the stretches of text about the enterprise: from each mention to the end of its
  sentence, cut where a headline about another listed company (a name with a stock code) starts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from eprof.agent import lexicon as lx
from eprof.agent.sentence_units import CJK

__all__ = ["ROLES", "declared_aliases", "enterprise_names", "mentions", "names_listed_company", "related", "segments"]

REGIONS = re.compile(
    r"^(北京|上海|天津|重庆|深圳|广州|杭州|南京|武汉|成都|西安|苏州|宁波|厦门|青岛|大连|中国|"
    r"河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|"
    r"内蒙古|广西|西藏|宁夏|新疆|香港)(市|省|自治区)?"
)
"""A region prefix that registered Chinese names carry and short names drop (上海XX -> XX)."""

DECLARATION = re.compile(
    r"[（(]\s*(?:以下)?(?:简称|下称|以下简称)\s*[:：]?\s*[“\"「]?([\u4e00-\u9fffA-Za-z0-9*]{2,12}?)[”\"」]?\s*[)），,]"
)
"""'（以下简称“金一文化”）', '(以下简称：万家乐)': a short name declared for the name before it."""
BRACKET_ALIAS = re.compile(r"[（(]\s*[“\"「《]?([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]{1,11}?)[”\"」》]?(?:网贷平台|理财平台|P2P平台|平台)?\s*[)）]")
"""'资易贷(北京)金融信息服务有限公司(小资钱包网贷平台)': the other name of the firm named just before."""
OPERATES = re.compile(r"旗下(?:的)?(?:P2P|网贷|理财|互金)?(?:平台|APP|App)\s*[“\"《]?([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]{1,11})[”\"》]?")
"""'XX公司旗下P2P平台“小资钱包”': the platform a firm runs goes by its own name."""

STOCK_CODE = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z])[(（]\s*\d{6}(?:\.(?:SZ|SH|BJ))?\s*[)）]")
"""'科远股份(002380)': a stock code after a listed company's name; in a run of headlines it starts one."""
OTHER_NAME_CHARS = 4
"""A listed company's short name is four characters as a rule (科远股份): where another one starts."""

EXTENSION = re.compile(r"^(网(?![站页址络上友民贷])|贷(?!款)|宝|在线|金服|钱包|商城)")
"""Characters that, glued after a short name, make another firm's name (钱宝 -> 钱宝网; not 钱宝网站, nor 华融信托贷款)."""

BUSINESS_SCOPE = re.compile(
    r"(金融信息服务|信息服务|信息技术|网络科技|网络技术|金融服务|投资管理|资产管理|投资咨询|电子商务|文化传媒)$"
)
"""The business-scope words a registered name ends with; the brand before them is what news says
(上海夸客金融信息服务有限公司 -> 夸客)."""
BRACKETED = re.compile(r"[(（]([^()（）]{2,20})[)）]")
GENERIC_BRACKETED = re.compile(r"^(集团|控股|特殊普通合伙|有限合伙|普通合伙|中国)$")
NOT_NAME = re.compile(r"^[?？#@\s]+|[?？#@\s]+$")
OWN_SUFFIX = re.compile(r"^(股份|有限|集团|公司|\(\d{6}\)|（\d{6}）)")
SENTENCE_END = re.compile(r"[。！？!?\n]|\s{2,}|\u3000")
CLAUSE_START = re.compile(r"[。！？!?\n，,；;：:]|\s{2,}|\u3000")
RELATION = re.compile(
    r"(?:公司)?的?(?:主要|最大|第一大|重要|核心|前五大)?(?:(?:全资|控股|参股)?(?P<subsidiary>子公司|孙公司)|(?P<parent>母公司)|(?P<customer>大?客户)|(?P<supplier>供应商)|"
    r"(?P<guaranteed>被担保(?:方|人|企业|公司))|(?P<guarantor>担保(?:方|人|公司))|(?P<subsidiary_>旗下(?:的)?(?:全资|控股)?(?:子公司|公司)))"
    r"[:：]?\s*[“\"「《]?"
)
"""'金一文化的子公司XX', 'XX旗下公司Y', 'XX的客户Y': right after the enterprise's name, a word for another firm
tied to it; what that firm does is a counterparty event, not the enterprise's. A shareholder or officer is
still the enterprise's own, a branch (分公司) is the firm itself, and a platform it runs (旗下平台) is its brand."""
ROLES = ("subsidiary", "parent", "customer", "supplier", "guaranteed", "guarantor")
LATIN_GLUE = re.compile(r"[A-Za-z0-9]")
MIN_ALIAS = 2
LIST_MARKS = "、"
LIST_REACH = 80
"""How far back the sentence of a listed name may start and still be read with it."""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _usable(alias: str) -> bool:
    return (len(alias) >= MIN_ALIAS and alias.lower() not in lx.GENERIC_ALIASES and not REGIONS.fullmatch(alias)
            and not GENERIC_BRACKETED.match(alias) and not alias.startswith(("简称", "下称", "以下", "原", "现")))


def declared_aliases(text: str, names: Sequence[str]) -> list[str]:
    """Other names the text gives one of `names`: a declared short name ('XX股份有限公司（以下简称
    “XX”）'), a name in brackets right after it or the firm's name right before it in brackets
    ('上海金庞金融信息服务有限公司(禧龙来理财平台)' either way), and the platform it runs ('旗下平台“Y”')."""
    found = []
    for pattern in (DECLARATION, BRACKET_ALIAS, OPERATES):
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 40):m.start()].rstrip("“\"")
            alias = m.group(1).strip()
            if any(n and before.endswith(n) for n in names) and _usable(alias):
                found.append(alias)
    for m in BRACKET_ALIAS.finditer(text):  # '上海易贷网金融信息公司（宜贷网）' when 宜贷网 is ours
        if any(m.group(1) == n for n in names):
            owner = [o.group() for o in lx.ZH_ORG.finditer(text, max(0, m.start() - 40), m.start()) if o.end() == m.start()]
            found += [lx.CORPORATE_SUFFIXES.sub("", o).strip() for o in owner if _usable(o)]
    return found


def _region_dropped(stripped: str) -> str | None:
    """The name without a leading place of any kind: a CJK name of six or more characters loses its
    first two (常州XX精工 -> XX精工), an English one of three or more words its first (Ningbo Hengda
    Auto Parts -> Hengda Auto Parts)."""
    if CJK.match(stripped) and len(stripped) >= 6:
        return stripped[2:]
    if " " in stripped and len(stripped.split()) >= 3:
        return stripped.split(" ", 1)[1]
    return None


def enterprise_names(name: str | None, aliases: Iterable[str] = (), texts: Iterable[str] = (),
                     reports: Iterable[str] = ()) -> tuple[str, ...]:
    """All the names the enterprise goes by, longest first: registered, stripped of legal suffix,
    place and business scope, given aliases, aliases news `texts` declare for any of those, and
    short names its own `reports` declare (证券简称：XX, Short name: XX)."""
    names: list[str] = []
    if name:
        full = NOT_NAME.sub("", _fold(name))
        names.append(full)
        inner = [b for b in BRACKETED.findall(full) if not REGIONS.fullmatch(b) and not GENERIC_BRACKETED.match(b)]
        whole = lx.CORPORATE_SUFFIXES.sub("", full).strip(" ,")
        names += [whole, _region_dropped(whole) or ""]
        for part in (BRACKETED.sub("", full), *inner):  # 宜贷网(上海易贷网), 资易贷(北京)…
            stripped = lx.CORPORATE_SUFFIXES.sub("", part.strip()).strip(" ,")
            unregioned = REGIONS.sub("", stripped)
            names += [stripped, unregioned, BUSINESS_SCOPE.sub("", unregioned)]
    names += [_fold(a).strip() for a in aliases if a and a.strip()]
    for report in reports:
        for match in lx.ALIAS_DECLARATION.finditer(_fold(report)):
            alias = next(g for g in match.groups() if g).strip()
            names += [alias] if alias.lower() not in lx.GENERIC_ALIASES else []
    for text in texts:
        names += declared_aliases(_fold(text), names)
    unique = dict.fromkeys(n for n in names if len(n) >= MIN_ALIAS)
    return tuple(sorted(unique, key=lambda n: (-len(n), n)))


def mentions(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    """Spans where the (folded) text names the enterprise; a longer name wins over a shorter one
    at the same place, and a short name glued into another firm's name (钱宝网, "Hengda Auto Parts
    Trading Co., Ltd." for Hengda Auto Parts) is not a mention."""
    lower = text.lower()
    owned = tuple(n.lower() for n in names)
    others = [m.span() for m in lx.EN_ORG.finditer(text)
              if not lx.CORPORATE_SUFFIXES.sub("", m.group()).strip(" ,").lower().endswith(owned)]
    taken: list[tuple[int, int]] = []
    for n in names:  # longest first
        for m in re.finditer(re.escape(n.lower()), lower):
            span = (m.start(), m.end())
            if any(a < span[1] and span[0] < b for a, b in taken) or any(a <= span[0] and span[1] <= b for a, b in others):
                continue
            if LATIN_GLUE.match(text[span[0] - 1:span[0]] if span[0] else "") and LATIN_GLUE.match(n[0]) or (
                    LATIN_GLUE.match(text[span[1]:span[1] + 1]) and LATIN_GLUE.match(n[-1])):
                continue  # 'bc' in 'bca39b…', 'TP' in 'TPS': part of a longer Latin word
            after = text[span[1]:span[1] + 4]
            if EXTENSION.match(after) and not OWN_SUFFIX.match(after) and not any(
                    text[span[0]:].lower().startswith(other.lower()) for other in names if len(other) > len(n)):
                continue
            taken.append(span)
    return sorted(taken)


def related(text: str, names: Sequence[str]) -> list[tuple[str, int, int]]:
    """(role, start, end): where a mention of the enterprise is followed by a word for a tied firm
    (`RELATION`), the stretch about that firm, from after the word to the end of its sentence."""
    found = []
    for _, b in mentions(text, names):
        m = RELATION.match(text, b)
        if m is None:
            continue
        role = next(k.rstrip("_") for k, v in m.groupdict().items() if v)
        end_match = SENTENCE_END.search(text, m.end())
        found.append((role, m.end(), end_match.start() if end_match else len(text)))
    return found


def _listed(text: str, a: int, b: int) -> bool:
    """The mention is one item of an enumeration of names ('快易借、速贷宝、小肥羊')."""
    return (a > 0 and text[a - 1] in LIST_MARKS) or (b < len(text) and text[b] in LIST_MARKS)


def segments(text: str, names: Sequence[str], left: int = 0) -> list[tuple[int, int]]:
    """The stretches about the enterprise: each mention (from the start of its clause, when that is
    at most `left` characters before it) to the end of the sentence or the start of another listed company's
    headline, whichever comes first. Overlapping stretches are joined."""
    spans: list[tuple[int, int]] = []
    for a, b in mentions(text, names):
        if RELATION.match(text, b):
            continue  # '金一文化的子公司…': the words that follow are about the tied firm (`related`)
        end_match = SENTENCE_END.search(text, b)
        end = end_match.start() if end_match else len(text)
        for other in STOCK_CODE.finditer(text, b, end):
            name_start = max(b, other.start() - OTHER_NAME_CHARS - (3 if text[:other.start()].endswith(("*ST", "ST")) else 0))
            if name_start > b and not any(text[name_start:other.start()].lower().endswith(n.lower()) for n in names):
                end = name_start
                break
        start = a
        if left and _listed(text, a, b):  # 'A、B、C均涉嫌…', '央视点名了A、B、C': the list shares its predicate
            start = max((m.end() for m in SENTENCE_END.finditer(text, max(0, a - LIST_REACH), a)), default=max(0, a - LIST_REACH))
        elif left:  # back to the clause's start, when one is that close (a headline run has none)
            start = max((m.end() for m in CLAUSE_START.finditer(text, max(0, a - left), a)), default=a)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


def names_listed_company(text: str) -> bool:
    """The text names a listed company by its stock code ('北海股份(600002)…'): in a sentence that
    does not name the enterprise, that company is the subject."""
    return bool(STOCK_CODE.search(text))

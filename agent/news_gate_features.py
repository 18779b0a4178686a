"""What a news text says about one enterprise's part in it: the features of the attribution gate.

A negative story names several firms; finnsp-style labels say whose story it is. The rules of
agent/subjects.py read the stretch after each mention; these features describe the pair
(text, enterprise names) more widely, so a small learned model (agent/news_gate.py) can tell the
firm the story is about from the ones it only names. Everything here is computed at run time from
the text and the enterprise's own names: no list of the other entities is given, so other
organisations are found in the text (registered names, quoted names, declared short names, names
with a stock code, hashtags, `X平台`, items of a 、-list).

The features, each a float (`FEATURES` order):
- rules: the rules raised a news flag for the enterprise from this text.
- mentions, raw: log(1+n) of mentions (agent/subjects.py `mentions`) and of plain occurrences of its names.
- glued: share of occurrences that are not mentions (钱宝 in 钱宝网).
- nested: share of mentions inside a longer organisation name that is not its own (资易贷 in
  资易贷（北京）金融信息服务有限公司, 华融信 in 华融信托): finnsp labels the longest name, and a longer
  distinct name is usually another entity (a subsidiary).
- extended: every occurrence (two or more) is followed by the same CJK character that is not a particle (华融信托).
- first, head: where the first mention starts (share of the text) and whether it is in the first 30
  characters (the title).
- full: the name given is a registered name (…公司). (Its length is not a feature: in the training
  data a two-character entity is mostly a fragment (返利, 期权), in the product a real name: 华为.)
- hashtag: every mention is inside #…#.
- risk_gap: characters from the nearest mention to the nearest risk phrase (agent/news_events.py
  `EVENTS`), over 200, capped at 1; 1 where there is none.
- risk_after: a risk phrase follows a mention in the same clause (the firm is the clause's subject).
- risk_sentence: a sentence with a mention holds a risk phrase.
- other_closer: another organisation stands nearer the nearest risk phrase than any mention.
- others: log(1+n) distinct other organisation names.
- relation: a word for a tied firm or party (子公司, 股东, 客户, 供应商, 担保, 旗下, 合作…) between a
  mention and the next risk phrase in its sentence.
- listed: a mention is one item of a list (、 or 等 after it).
- quoted: a mention is in quotes or book-title marks.
- declared: the text declares another name for it (以下简称…).
- risk_any: the text states a risk phrase anywhere.
- left_glue, right_glue: share of occurrences with a CJK character right before them, or right after
  them that is not a particle (旺|旺贷, 金贝|猫, 深圳南山|警方): a fragment of a longer word or name;
  inside: share with both (中|云动|力, 高额|返利|平台).
- dominance: its occurrences over its own plus those of the most written other name (the story's
  main firm is written most).
- word_start, word_end, word_both: share of occurrences that start, end, or both, where jieba's
  dictionary words do (retrieval/segment.py `word_bounds`): a fragment cuts a word (壹佰金 in 壹佰金融,
  旺贷 in 旺旺贷), which the particle list of left_glue/right_glue cannot tell.
- addressed: share of occurrences right after "@" (a weibo post calling on a bank, a regulator or a
  medium: addressed, not reported on).
"""

from __future__ import annotations

import math
from collections import Counter
import re
import unicodedata
from collections.abc import Sequence

from eprof.agent import lexicon as lx
from eprof.agent.news_events import EVENTS
from eprof.agent.subjects import declared_aliases, mentions
from eprof.retrieval.segment import word_bounds

__all__ = ["FEATURES", "candidate", "gate_features", "occurrences", "other_names"]

FEATURES = ("rules", "mentions", "raw", "glued", "nested", "extended", "first", "head", "full", "hashtag",
            "risk_gap", "risk_after", "risk_sentence", "other_closer", "others", "relation", "listed", "quoted", "declared", "risk_any",
            "left_glue", "right_glue", "inside", "dominance", "word_start", "word_end", "word_both", "addressed")

HEAD_CHARS = 30
RISK_REACH = 200
PARTICLES = set("的在涉被遭等与和及、是已将于因称也又均都了对向为从由把让给之")
CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
SENTENCE = re.compile(r"[。！？!?\n]|\s{2,}|\u3000")
CLAUSE = re.compile(r"[。！？!?\n，,；;：:]|\s{2,}|\u3000")
TIED = re.compile(r"子公司|孙公司|母公司|股东|客户|供应商|担保|旗下|合作|控股|参股|关联|存管|代销|收购|投资了|入股|托管|银行")
QUOTES = "“”\"「」《》'‘’"
OTHER_NAMES = (  # each names its organisation in group "name"
    re.compile(rf"(?P<name>{lx.ZH_ORG.pattern})", lx.ZH_ORG.flags),
    re.compile(r"[“\"「《](?P<name>[\u4e00-\u9fffA-Za-z0-9]{2,12})[”\"」》]"),
    re.compile(r"(?P<name>[\u4e00-\u9fffA-Za-z*]{2,4})(?=[(（]\s*\d{6}(?:\.(?:SZ|SH|BJ))?\s*[)）])"),
    re.compile(r"#(?P<name>[^#\s]{2,20}?)(?:\[超话\])?#"),
    re.compile(r"(?P<name>[\u4e00-\u9fffA-Za-z0-9]{2,8}?)(?:P2P|网贷|理财)?平台"),
    re.compile(r"(?P<name>(?<=、)[\u4e00-\u9fffA-Za-z0-9]{2,10}?(?=[、，,。；;]|等)|[\u4e00-\u9fffA-Za-z0-9]{2,10}(?=、))"),
    re.compile(r"(?:简称|下称)\s*[:：]?\s*[“\"「]?(?P<name>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)[”\"」]?\s*[)），,]"),
)


def candidate(features: dict[str, float]) -> bool:
    """The gate speaks where the text holds one of the enterprise's names, even glued into a longer
    one (the rules' clause reading counts those); elsewhere the rules decide alone."""
    return features["raw"] > 0


def occurrences(text: str, names: Sequence[str]) -> list[tuple[int, int]]:
    """Spans where the text writes one of the names, glued into a longer word or not (a shorter
    name inside a longer one's occurrence is that occurrence)."""
    lower = text.lower()
    spans: list[tuple[int, int]] = []
    for n in names:  # longest first: a shorter name inside a longer occurrence is the same one
        for m in re.finditer(re.escape(n.lower()), lower):
            if not any(a <= m.start() and m.end() <= b for a, b in spans):
                spans.append(m.span())
    return sorted(spans)


def other_names(text: str, names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Organisation names in the text that are not one of the enterprise's names (start, end, name)."""
    own = {n.lower() for n in names}
    found = []
    for pattern in OTHER_NAMES:
        for m in pattern.finditer(text):
            name = m.group("name")
            core = lx.CORPORATE_SUFFIXES.sub("", name).strip(" ,").lower()
            if len(core) >= 2 and core not in own and name.lower() not in own:
                found.append(name)
    lower = text.lower()  # a name found once stands wherever it is written again
    return [(m.start(), m.end(), name) for name in dict.fromkeys(found) for m in re.finditer(re.escape(name.lower()), lower)]


def _risk_spans(text: str) -> list[int]:
    return sorted({m.start() for event in EVENTS for m in event.pattern.finditer(text)})


def _extended(text: str, spans: Sequence[tuple[int, int]]) -> bool:
    nexts = {text[b:b + 1] for _, b in spans}
    return len(spans) >= 2 and len(nexts) == 1 and bool(CJK_CHAR.match(next(iter(nexts)))) and next(iter(nexts)) not in PARTICLES


def _bounds(pattern: re.Pattern[str], text: str, pos: int) -> tuple[int, int]:
    start = max((m.end() for m in pattern.finditer(text, 0, pos)), default=0)
    end_match = pattern.search(text, pos)
    return start, end_match.start() if end_match else len(text)


def gate_features(text: str, name: str, names: Sequence[str], rules: bool) -> dict[str, float]:
    """The gate's features for the enterprise called `name` (all its names: `names`) in one news text."""
    text = unicodedata.normalize("NFKC", text)
    spans = mentions(text, names)
    raw = occurrences(text, names)
    others = other_names(text, names)
    risks = _risk_spans(text)
    n = max(len(text), 1)
    f = dict.fromkeys(FEATURES, 0.0)
    f["rules"] = float(rules)
    f["mentions"] = math.log1p(len(spans))
    f["raw"] = math.log1p(len(raw))
    f["glued"] = 1 - len(spans) / len(raw) if raw else 0.0
    f["extended"] = float(bool(raw) and _extended(text, raw))
    f["full"] = float(bool(lx.CORPORATE_SUFFIXES.search(name)))
    f["declared"] = float(bool(declared_aliases(text, names)))
    f["others"] = math.log1p(len({o[2] for o in others}))
    f["risk_gap"] = 1.0
    f["risk_any"] = float(bool(risks))
    if raw:
        counts = Counter(o[2] for o in others if not any(a <= o[0] and o[1] <= b for a, b in raw))
        f["dominance"] = len(raw) / (len(raw) + max(counts.values(), default=0))
        left = [bool(s) and bool(CJK_CHAR.match(text[s - 1])) for s, _ in raw]
        right = [e < len(text) and bool(CJK_CHAR.match(text[e])) and text[e] not in PARTICLES for _, e in raw]
        f["left_glue"], f["right_glue"] = sum(left) / len(raw), sum(right) / len(raw)
        f["inside"] = sum(a and b for a, b in zip(left, right, strict=True)) / len(raw)
        bounds = word_bounds(text)
        starts, ends = [s in bounds for s, _ in raw], [e in bounds for _, e in raw]
        f["word_start"], f["word_end"] = sum(starts) / len(raw), sum(ends) / len(raw)
        f["word_both"] = sum(a and b for a, b in zip(starts, ends, strict=True)) / len(raw)
        f["addressed"] = sum(s > 0 and text[s - 1] == "@" for s, _ in raw) / len(raw)
    if not spans:
        return f
    f["nested"] = sum(any(a <= s and e <= b and (a, b) != (s, e) for a, b, _ in others) for s, e in spans) / len(spans)
    f["first"] = spans[0][0] / n
    f["head"] = float(spans[0][0] < HEAD_CHARS)
    f["hashtag"] = float(all(text[:s].count("#") % 2 == 1 for s, _ in spans))
    f["listed"] = float(any((s > 0 and text[s - 1] == "、") or text[e:e + 1] in ("、", "等") for s, e in spans))
    f["quoted"] = float(any(s > 0 and text[s - 1] in QUOTES for s, _ in spans))
    if risks:
        gap, at = min((min(abs(r - s), abs(r - e)), r) for s, e in spans for r in risks)
        f["risk_gap"] = min(gap, RISK_REACH) / RISK_REACH
        ours = min(min(abs(at - s), abs(at - e)) for s, e in spans)
        f["other_closer"] = float(any(min(abs(at - a), abs(at - b)) < ours for a, b, _ in others if not any(
            a <= s and e <= b for s, e in spans)))
    for s, e in spans:
        c_start, c_end = _bounds(CLAUSE, text, e)
        s_start, s_end = _bounds(SENTENCE, text, e)
        after = [r for r in risks if e <= r < c_end]
        f["risk_after"] = max(f["risk_after"], float(bool(after) and c_start <= s))
        f["risk_sentence"] = max(f["risk_sentence"], float(any(s_start <= r < s_end for r in risks)))
        nxt = next((r for r in risks if e <= r < s_end), None)
        if nxt is not None and TIED.search(text, e, nxt):
            f["relation"] = 1.0
    return f

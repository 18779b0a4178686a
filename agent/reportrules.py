"""How annual reports are written, so their templates are not read as events.

A CSRC-format report answers its questions with check boxes ('□适用 √不适用', '□是 √否',
'□本年度公司有重大诉讼 √本年度公司无重大诉讼'), labels statement rows with sign conventions
('净利润（净亏损以“－”号填列）'), and from the auditor's report on prints standard text: the
auditor's responsibilities ('可能导致对持续经营能力产生重大疑虑的事项'), accounting policies
(expected-credit-loss stages, '逾期'), and note templates, many of them empty. None of that is
an event of the company's year.

- `mask_templates` blanks check-box questions and row labels in a sentence, keeping its length
  (offsets into the chunk still hold), and keeps only a ticked option that is itself a statement.
- `financial_report_start` finds where the auditor's report begins, per document: text from
  there on is read for figures and a few typed facts (opinion, a debtor's bankruptcy), not for
  narrative red flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from eprof.retrieval.schema import Chunk, DocType

BOX = "□☐√☑■✓"
OPTION = re.compile(rf"([{BOX}])\s*(不适用|适用|是|否|[^{BOX}\s。；;]{{1,24}})")
NEGATIVE_ANSWER = re.compile(r"^(不适用|否|无|没有)$|无|未|不存在|没有|不适用")
BARE_ANSWER = re.compile(r"^(适用|不适用|是|否|有|无|没有)$")
QUESTION_START = re.compile(r"[。；;\n]|\s{2,}")
SIGN_LABEL = re.compile(r"[(（][^()（）]{0,16}以\s*[“\"]?\s*[-－—–]\s*[”\"]?\s*号?\s*(填列|列示)?[)）]?|[(（]?[^()（）\s]{0,12}以\s*[“\"]\s*[-－—–]\s*[”\"]\s*号填列[)）]?")
AUDIT_START = re.compile(r"我们审计了|we have audited", re.I)
TITLE = re.compile(r"^\s*(\d+(\.\d+)*\s*|[(（]?[一二三四五六七八九十\d]+[)）、.．]\s*)?[^。！？!?]{0,70}(情况|事项|说明|程序|比例达|情形|期限)(\s*[(（][^()（）]{0,12}[)）])?\s*$")
"""A section title or form question ('6.2控股股东及其关联方对上市公司的非经营性占用资金情况'): it names a topic, states nothing."""
QUESTION = re.compile(r"是否")
TABLE_DUMP_TOKENS = 8
"""A sentence of this many space-separated cells and no full stop is a table's header or a roster run
together. Commas do not save it: sentences arrive NFKC-folded (，→,), and when commas counted, a
committee roster in the real bank report read as a consumer-complaint flag."""
BOILERPLATE = re.compile(
    r"独立董事.{0,120}(发表|出具)了?.{0,8}意见|(重大|重要)缺陷|定性标准|定量标准|缺陷认定"
    r"|收取的资金占用费|承诺.{0,10}(不|将)|本人将|投诉(占比|合计|业务类别|量)|受理[^。；]{0,30}投诉|"
    r"(防范|预防|杜绝|避免|降低|消灭|减少|为零|不造成|保障|加强|完善|提升|确保|健全|强化|优化|深化|聚焦)[^。；]{0,24}(安全|事故|隐患|污染|投诉|质量问题|资金占用)"
    r"|(安全|事故|隐患|污染|投诉)[^。；]{0,12}(防范|预防|杜绝|为零|萌芽|管理|机制|效率|渠道|系统|制度|能力)")
"""Sentences a report prints whatever the year held: directors' standard opinions, internal-control
defect criteria, commitments, complaint statistics, and safety or complaint-handling aspirations."""
EVENT = re.compile(r"发生了?[^。；]{0,12}(事故|泄漏|爆炸|火灾)|死亡|伤亡|被处以|罚款")
"""Words that make a sentence an event even when it also speaks of prevention."""


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def mask_templates(text: str, following: str = "") -> str:
    """The sentence with check-box questions, their options and sign-convention labels blanked;
    blank altogether when it is a title, a form question, a table header run together or
    boilerplate. `following` is the next sentence: a question may end in its check boxes."""
    stripped = text.strip()
    cells = stripped.split()
    if (
        (TITLE.match(stripped) or (QUESTION.search(stripped) and not stripped.endswith("。")))
        or (len(cells) >= TABLE_DUMP_TOKENS and re.search(r"[\u4e00-\u9fff]", stripped) and "。" not in stripped)
        or (BOILERPLATE.search(stripped) and not EVENT.search(stripped))
        or (following.strip() and following.strip()[0] in BOX and not stripped.endswith(("。", "！", "？")))
    ):
        return " " * len(text)
    for m in SIGN_LABEL.finditer(text):
        text = _blank(text, m.start(), m.end())
    options = list(OPTION.finditer(text))
    i = 0
    while i < len(options):
        run = [options[i]]
        while i + 1 < len(options) and options[i + 1].start() - run[-1].end() <= 4:
            i += 1
            run.append(options[i])
        i += 1
        before = text[: run[0].start()]
        starts = [q.end() for q in QUESTION_START.finditer(before)]
        question = starts[-1] if starts else 0
        text = _blank(text, question, run[0].start())
        for option in run:
            ticked = option.group(1) not in "□☐"
            answer = option.group(2)
            if ticked and not BARE_ANSWER.match(answer) and not NEGATIVE_ANSWER.search(answer):
                text = _blank(text, option.start(), option.start(2))  # a ticked statement stands
            else:
                text = _blank(text, option.start(), option.end())
    return text


def financial_report_start(chunks: Iterable[Chunk]) -> dict[str, int]:
    """Per annual report, the ordinal of the chunk where the auditor's report begins."""
    starts: dict[str, int] = {}
    for chunk in chunks:
        if chunk.doc_type == DocType.annual_report and AUDIT_START.search(chunk.text):
            starts[chunk.source] = min(starts.get(chunk.source, chunk.ordinal), chunk.ordinal)
    return starts


def in_financial_report(chunk: Chunk, starts: dict[str, int]) -> bool:
    start = starts.get(chunk.source)
    return start is not None and chunk.ordinal >= start

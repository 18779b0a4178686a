"""The language of a question, and answers worded in it while quotes stay as the document prints them.

Offline answers are assembled from fixed English frames ("Auditor: ", "not in the documents").
`localise` rewords those frames for a Chinese question and leaves everything quoted ("…"),
every citation ([source p.N]) and every value untouched: a quote is evidence and is never
translated. `answer_language` is the check the benchmark and tests use: the language of an
answer's own words once quotes, citations and the values copied from cited quotes are removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Language = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_PROTECTED = re.compile(r"(\"[^\"\n]*\"|“[^”\n]*”|「[^」\n]*」|\[[^\]\n]*\bp\.\d+\])")

PHRASES_ZH: tuple[tuple[str, str], ...] = (
    ("Extractive answer (the passages that best match the question, quoted; nothing generated):", "摘录式回答（与问题最相符的原文段落，逐字引用，未生成任何内容）："),
    ("No verified red flag of this kind; what the documents say:", "文件中没有经核验的此类风险信号；文件的相关表述如下："),
    ("From the table (rows quoted):", "表格中的相关行（原文引用）："),
    ("Other matching passage (not a red flag): ", "其他相关段落（不构成风险信号）："),
    ("I cannot support an answer with the documents: none of the cited evidence could be verified.", "无法以文件支持回答：引用的证据均未通过核验。"),
    ("red flag(s) found in the documents:", "项风险信号（见文件）："),
    ("No credit decision is available: ", "暂无授信决策："),
    ("Controlling shareholder", "控股股东"),
    ("Audit opinion", "审计意见"),
    ("Auditor", "审计机构"),
    ("Main business", "主营业务"),
    ("Industry", "所属行业"),
    ("Main customers:", "主要客户："),
    ("Main suppliers:", "主要供应商："),
    ("concentration", "集中度"),
    ("Decision: ", "决策："),
    ("Knock-out", "否决规则"),
    ("Reason", "原因"),
    ("points below the best bin", "分（低于最优分箱）"),
    ("the model alone said", "模型单独给出"),
    ("Searched: ", "已检索："),
    ("The best passage matched", "最相符的段落覆盖了问题关键词的"),
    ("of the question's terms", ""),
    ("is needed.", "为最低要求。"),
    ("nothing (the question has no searchable terms)", "无（问题中没有可检索的关键词）"),
    ("Out of scope: this session answers questions about ", "超出范围：本会话只回答关于"),
    (" only; the question is about ", "的问题；该问题涉及"),
    ("Start a session for ", "。请为其另开会话："),
    (" instead.", "。"),
    (": ", "："),
)
"""English frame -> Chinese, longest and most specific first; applied outside quotes and citations only."""


def question_language(text: str) -> Language:
    """Chinese when the question has more CJK characters than English words."""
    return "zh" if len(_CJK.findall(text)) > len(_WORD.findall(text)) else "en"


def localise(text: str, language: Language) -> str:
    """The answer with its English frames in `language`; quotes and citations are left as they are."""
    if language == "en":
        return text
    parts = _PROTECTED.split(text)
    for i in range(0, len(parts), 2):  # even parts lie outside quotes and citations
        for english, chinese in PHRASES_ZH:
            parts[i] = parts[i].replace(english, chinese)
    return "".join(parts)


def answer_language(answer: str, quotes: Sequence[str]) -> Language:
    """The language of the answer's own words: quotes, citations and values copied from cited quotes removed."""
    own = _PROTECTED.sub(" ", answer)
    quoted = " ".join(quotes)
    for run in sorted(set(_CJK_RUN.findall(own) + _LATIN_RUN.findall(own)), key=len, reverse=True):
        if run in quoted:
            own = own.replace(run, " ")
    return question_language(own)


_CJK_RUN = re.compile(r"[\u3400-\u9fff（）()·]+")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z .,&'()-]*[A-Za-z.)]")

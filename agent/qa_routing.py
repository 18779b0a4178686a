"""Question routing (pure): which profile topic, figure, period or red-flag types a question asks
about, its content terms, and whether it names another enterprise. See `agent.qa` for the rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from eprof.agent.financials import LABELS
from eprof.agent.subject_rules import short_names
from eprof.agent.qa import Route, Topic
from eprof.agent.qa_names import trade_names
from eprof.agent.qa_periods import Periods, is_period_follow_up, mentions_period, resolve_periods
from eprof.agent.qa_tables import TABLE_DETAIL
from eprof.agent.schema import FigureName, RedFlagType
from eprof.retrieval.schema import EnterpriseInfo
from eprof.retrieval.tokenize import words as tokens

QUESTION_WORDS = frozenset(
    "what when where which who whom whose why how much many is are was were does do did has have had any there "
    "tell me please can could would should will you your my our we the a an company company's enterprise firm it its this that "
    "they them those these and also then about show give list describe explain year amount value "
    "什么 为什么 多少 哪些 哪个 哪家 谁 是否 是不是 有没有 有无 如何 怎么 怎样 吗 呢 请问 请 公司 企业 "
    "情况 一下 哪里 几 它 其 该 这 那 还 那么 以及 没有".split()
)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


T = RedFlagType
FLAG_WORDS: tuple[tuple[RedFlagType, re.Pattern[str]], ...] = (
    (T.litigation, _re(r"litigat|lawsuit|\bsued?\b|\bsuits?\b|court|arbitrat|legal (case|action|proceeding)|诉讼|仲裁|起诉|官司|被执行|纠纷")),
    (T.regulatory_penalty, _re(r"penalt|\bfined?\b|sanction|regulator|investigat|处罚|罚款|立案|监管|警示函")),
    (T.equity_pledge_or_freeze, _re(r"pledge|frozen|freez|质押|冻结")),
    (T.debt_default, _re(r"default|overdue|逾期|违约|兑付")),
    (T.financial_fraud, _re(r"fraud|造假|虚增")),
    (T.going_concern, _re(r"going concern|持续经营")),
    (T.related_party, _re(r"related.part|guarantee|关联|担保|资金占用|占用.{0,6}资金|use (of )?(the company's )?funds|occup")),
    (T.document_manipulation, _re(r"inject|manipulat|instruction|注入|指令")),
    (T.executive_risk, _re(r"executive|\bceo\b.*(detain|investigat|resign)|高管.*(调查|失联|辞职)")),
    (T.product_or_safety, _re(r"accident|recall|environmental|安全事故|环保|召回")),
    (T.audit_opinion, _re(r"(更换|变更|改聘|换了|解聘).{0,6}(会计师|审计机构|审计师)|(会计师|审计机构).{0,8}(更换|变更|改聘|辞任|解聘)|"
                          r"\b(chang|replac|switch|dismiss)\w*\b.{0,25}\baudit(or|ing firm)|\bauditors?\b.{0,25}\b(chang|replac|resign|switch)|new auditor")),
)
"""Red-flag questions. The audit_opinion entry is a change of auditor, which the reports flag; "what is the opinion?" stays an audit question."""
ANY_FLAG = _re(r"red.?flags?|risks?\b|negative|adverse|风险|负面")
TOPICS: tuple[tuple[Topic, re.Pattern[str]], ...] = (
    ("decision", _re(r"\bwhy\b.*\b(refer|declin|approv|reject)|\bdecision\b|为什么.*(转|拒|批|否|通过)|审批|决策|授信结论|转人工")),
    ("customers", _re(r"customer|client|客户")),
    ("suppliers", _re(r"supplier|vendor|供应商")),
    ("controlling_shareholder", _re(r"controlling (shareholder|holder)|actual controller|who (owns|controls)|\bowners?\b|控股股东|实际控制人|实控人")),
    ("audit", _re(r"audit|会计师|审计")),
)
BUSINESS = _re(r"main business|principal (business|activit)|what does .* do\b|business scope|主营|主要业务|主要产品|经营范围")
FIGURE_SYNONYMS: dict[str, FigureName] = {
    "sales": "revenue", "turnover": "revenue", "营收": "revenue", "收入": "revenue", "销售额": "revenue",
    "profit": "net_profit", "净利": "net_profit", "利润": "net_profit", "earnings": "net_profit",
    "assets": "total_assets", "总资产": "total_assets", "liabilities": "total_liabilities", "总负债": "total_liabilities",
    "current assets": "current_assets", "流动资产": "current_assets", "current liabilities": "current_liabilities",
    "流动负债": "current_liabilities", "equity": "total_equity", "净资产": "total_equity", "现金": "cash", "cash": "cash", "receivables": "accounts_receivable",
    "应收": "accounts_receivable", "operating cash flow": "operating_cash_flow", "经营现金流": "operating_cash_flow",
    "经营活动现金流": "operating_cash_flow", "毛利润": "gross_profit",
}
FIGURE_TERMS: tuple[tuple[str, FigureName], ...] = tuple(
    sorted(
        {**FIGURE_SYNONYMS, **{label: name for name, labels in LABELS.items() for label in labels}}.items(),
        key=lambda item: (-len(item[0]), item[0]),
    )
)
"""Longest term first, so 'total current assets' wins over 'total assets' and 'assets'."""
YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")
FOLLOW_UP = _re(r"^\s*(and|also|what about|how about|same|那么?|还有|而|以及|另外)|\b(it|its|that|this|they|them|those|then)\b|它|其|该|这|那")
FOLLOW_UP_MAX_TERMS = 3


def fold_question(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _stem(term: str) -> str:
    return term[:-1] if term.isascii() and len(term) > 3 and term.endswith("s") and not term.endswith("ss") else term


def content_terms(question: str, names: Sequence[str] = ()) -> tuple[str, ...]:
    """The question's terms that a passage must contain to answer it (see the module docstring)."""
    own = {_stem(t) for name in names for t in tokens(name)}
    out: dict[str, None] = {}
    for token in tokens(question):
        term = _stem(token)
        if term in QUESTION_WORDS or token in QUESTION_WORDS or term in own or (len(term) < 2 and not term.isdigit()):
            continue
        out.setdefault(term)
    # jieba's search mode also yields the parts of a long word (董事 in 董事长): count the word once
    return tuple(t for t in out if t.isascii() or not any(t != o and t in o for o in out))


def coverage(terms: Sequence[str], text: str) -> float:
    """Share of `terms` found among the text's own (stemmed) tokens; 0 when there are no terms."""
    if not terms:
        return 0.0
    have = {_stem(t) for t in tokens(text)}
    return sum(term in have for term in terms) / len(terms)


def _topic(text: str) -> tuple[Topic | None, FigureName | None, tuple[RedFlagType, ...]]:
    flags = tuple(t for t, pattern in FLAG_WORDS if pattern.search(text))
    for topic, pattern in TOPICS:
        if pattern.search(text) and not _asks_a_flag(topic, flags):
            return topic, None, ()
    if flags:
        return "red_flags", None, flags
    for term, name in () if TABLE_DETAIL.search(text) else FIGURE_TERMS:
        if re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", text):
            return "figure", name, ()
    if ANY_FLAG.search(text):
        return "red_flags", None, ()
    if BUSINESS.search(text):
        return "business", None, ()
    return None, None, ()


def _asks_a_flag(topic: Topic, flags: tuple[RedFlagType, ...]) -> bool:
    """A topic question about a flag is a flag question: "does the controlling shareholder use funds?", "did the auditor change?"."""
    return bool(flags) and (topic == "controlling_shareholder" or (topic == "audit" and T.audit_opinion in flags))


def route_question(question: str, previous: Route | None = None, names: Sequence[str] = (), fiscal_year: str | None = None) -> Route:
    """Map a question to a profile topic, or to None (extractive); follow-ups reuse `previous`.

    Periods (one year, the year before, two years to compare) come from `agent.qa_periods`; a
    follow-up that names no period keeps the previous one.
    """
    text = fold_question(question)
    before = Periods(previous.period, previous.compare_to) if previous else None
    period, compare_to = resolve_periods(text, before, fiscal_year)
    terms = content_terms(question, names)
    topic, figure, flags = _topic(text)
    if topic is None and previous is not None and (_is_follow_up(text, terms) or is_period_follow_up(text)):
        merged = tuple(dict.fromkeys((*previous.terms, *(t for t in terms if not YEAR.fullmatch(t)))))
        moved = {"period": period, "compare_to": compare_to} if mentions_period(text) else {}
        return previous.model_copy(update={**moved, "query": f"{previous.query} {question}", "terms": merged})
    if topic == "figure" and previous is not None and previous.topic == "figure" and FOLLOW_UP.match(text) and not mentions_period(text):
        period, compare_to = previous.period, previous.compare_to  # "and net profit?" keeps the years asked
    return Route(topic=topic, figure=figure, period=period, compare_to=compare_to, flag_types=flags, query=question, terms=terms)


def _is_follow_up(text: str, terms: Sequence[str]) -> bool:
    return len(terms) <= FOLLOW_UP_MAX_TERMS and (bool(FOLLOW_UP.search(text)) or all(YEAR.fullmatch(t) for t in terms))


def out_of_scope(question: str, this: EnterpriseInfo, others: Sequence[EnterpriseInfo]) -> EnterpriseInfo | None:
    """The other indexed enterprise the question names, when it does not also name this one."""
    text = fold_question(question)
    if _names_in(text, this):
        return None
    return next((other for other in others if _names_in(text, other)), None)


def names_of(info: EnterpriseInfo) -> tuple[str, ...]:
    return (*short_names(info.name, ()), *trade_names(info.name), info.enterprise_id)


def _names_in(text: str, info: EnterpriseInfo) -> bool:
    for name in names_of(info):
        name = fold_question(name).strip()
        if name.isascii():
            if len(name) >= 3 and re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", text):
                return True
        elif len(name) >= 2 and name in text:
            return True
    return False

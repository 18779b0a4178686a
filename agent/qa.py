"""Analyst Q&A about one enterprise: direct answers from the verified profile, cited passages, or
a tool-calling model; and "not in the documents" when the evidence is weak.

Every answer is scoped to one enterprise by construction: the session holds its id, searches
take it as a required argument, and the model's tools close over it (it is never a tool
argument). A question that names another indexed enterprise and not this one is refused
before anything is searched.

Offline mode (the default with no endpoint), in this order:

1. Route. `route_question` maps the question to a profile topic with bilingual keyword rules:
   the decision ("why referred", "为什么拒绝"), customers, suppliers, controlling shareholder,
   audit, red flags by type, a statement figure (`agent.financials.LABELS` plus common
   synonyms; a year in the question picks the period), main business. A question with no
   topic of its own that reads as a follow-up ("and in 2023?", "when was it filed?") reuses
   the previous question's route.
2. Answer from the profile: figures as printed with their table row, claims and red flags with
   their quotes, the decision's knock-outs and reason codes with their evidence.
3. Otherwise (no topic, or the profile is empty there) answer extractively: the best sentences
   of the top hits, quoted verbatim and marked as extractive; nothing is generated.

The weak-evidence rule (deterministic, measured in the issue 6 report): the question's
content terms are `retrieval.tokenize.tokens` of the question minus question words
(QUESTION_WORDS), the enterprise's own name and one-character tokens, with a trailing English
plural "s" dropped. A sentence's coverage is the share of those terms that occur among its own
tokens. An extractive answer quotes only sentences with coverage >= MIN_COVERAGE; when none
reaches it, or the question has no content terms, the answer abstains with "not in the
documents" and lists what was searched.

LLM mode: `answer_llm` runs a tool-calling loop through `Gateway.chat` (the one place that
talks to a model) with LangChain tools `search_documents(query)`, `read_profile()` and
`read_decision()`, at most MAX_STEPS model turns, and takes the final `Answer` JSON. Every
citation is verified against the enterprise's stored chunks (`agent.verify.check_evidence`);
unverifiable ones are dropped and recorded, and an answer left without a verified citation
abstains: the documents do not support it.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from langchain_core.tools import BaseTool, tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, Field, ValidationError

from agent.extractors import run_profile
from agent.financials import LABELS
from agent.llm import Gateway
from agent.offline import short_names
from agent.profile import load_profile
from agent.schema import Evidence, FigureName, OperatingProfile, RedFlagType, RejectedClaim, TextClaim
from agent.verify import MIN_QUOTE_CHARS, check_evidence, normalise
from eprof.config import Settings
from eprof.contract import Contract
from eprof.errors import ConfigError, EprofError, NotFoundError
from prompts import Passage, Prompt, format_documents, load_prompt
from retrieval.schema import Chunk, EnterpriseInfo, Hit
from retrieval.search import Searcher
from retrieval.tokenize import tokens
from risk.artifact import ScorecardModel
from risk.policy import Policy
from risk.run import DecisionRecord, decide_profile, load_default_model

__all__ = [
    "DEFAULT_PROMPT",
    "MIN_COVERAGE",
    "NOT_IN_DOCUMENTS",
    "Answer",
    "Mode",
    "QAResult",
    "QASession",
    "QAUsage",
    "Route",
    "answer_from_profile",
    "answer_llm",
    "content_terms",
    "coverage",
    "extractive_answer",
    "make_tools",
    "out_of_scope",
    "route_question",
    "verify_citations",
]

Mode = Literal["offline", "llm"]
Topic = Literal["figure", "audit", "controlling_shareholder", "customers", "suppliers", "red_flags", "decision", "business"]
Basis = Literal["profile", "decision", "extractive", "llm", "none"]

DEFAULT_PROMPT = "answer@v2"
NOT_IN_DOCUMENTS = "not in the documents"
MIN_COVERAGE = 0.6
"""Share of the question's content terms a quoted sentence must contain (see the module docstring)."""
SEARCH_K = 5
MAX_PASSAGES = 2
MAX_STEPS = 5
HISTORY_TURNS = 6
"""Earlier question/answer pairs sent with an LLM question, so follow-ups keep their context."""

QUESTION_WORDS = frozenset(
    "what when where which who whom whose why how much many is are was were does do did has have had any there "
    "tell me please can could would should will you your my our we the a an company company's enterprise firm it its this that "
    "they them those these and also then about show give list describe explain year amount value "
    "什么 为什么 多少 哪些 哪个 哪家 谁 是否 是不是 有没有 有无 如何 怎么 怎样 吗 呢 请问 请 公司 企业 "
    "情况 一下 哪里 几 它 其 该 这 那 还 那么 以及 没有".split()
)


class Answer(Contract):
    """The model's final reply under prompts answer@v1 and answer@v2."""

    answer: str
    found: bool = Field(description="false when the documents do not contain the answer")
    citations: list[Evidence] = Field(description="one per supporting quote; empty when found is false")


class QAUsage(Contract):
    """What one answer cost: model requests (attempts), tokens, and wall time of the whole answer."""

    calls: int = 0
    tokens: int = 0
    latency_ms: int = 0


class QAResult(Contract):
    """One answer as `eprof ask --json` prints it."""

    schema_version: Literal["qa/1"] = "qa/1"
    enterprise_id: str
    question: str
    answer: str
    citations: list[Evidence]
    abstained: bool
    mode: Mode
    basis: Basis = Field(description="profile field, decision, extractive passages, llm, or none (abstained)")
    searched: list[str] = Field(description="queries run against the enterprise's documents")
    rejected: list[RejectedClaim] = Field(default_factory=list, description="citations dropped as unverifiable")
    usage: QAUsage


class Route(Contract):
    """Where an offline answer comes from; `query` and `terms` drive the extractive fallback."""

    topic: Topic | None
    figure: FigureName | None = None
    period: str | None = None
    flag_types: tuple[RedFlagType, ...] = Field((), description="empty: every red flag")
    query: str
    terms: tuple[str, ...]


# ---------------------------------------------------------------- routing (pure)


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
    (T.related_party, _re(r"related.part|guarantee|关联|担保|资金占用")),
    (T.document_manipulation, _re(r"inject|manipulat|instruction|注入|指令")),
    (T.executive_risk, _re(r"executive|\bceo\b.*(detain|investigat|resign)|高管.*(调查|失联|辞职)")),
    (T.product_or_safety, _re(r"accident|recall|environmental|安全事故|环保|召回")),
)
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


def _fold(text: str) -> str:
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
    return tuple(out)


def coverage(terms: Sequence[str], text: str) -> float:
    """Share of `terms` found among the text's own (stemmed) tokens; 0 when there are no terms."""
    if not terms:
        return 0.0
    have = {_stem(t) for t in tokens(text)}
    return sum(term in have for term in terms) / len(terms)


def _topic(text: str) -> tuple[Topic | None, FigureName | None, tuple[RedFlagType, ...]]:
    for topic, pattern in TOPICS:
        if pattern.search(text):
            return topic, None, ()
    flags = tuple(t for t, pattern in FLAG_WORDS if pattern.search(text))
    if flags:
        return "red_flags", None, flags
    for term, name in FIGURE_TERMS:
        if re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", text):
            return "figure", name, ()
    if ANY_FLAG.search(text):
        return "red_flags", None, ()
    if BUSINESS.search(text):
        return "business", None, ()
    return None, None, ()


def route_question(question: str, previous: Route | None = None, names: Sequence[str] = ()) -> Route:
    """Map a question to a profile topic, or to None (extractive); follow-ups reuse `previous`."""
    text = _fold(question)
    year = YEAR.search(text)
    period = year.group() if year else None
    terms = content_terms(question, names)
    topic, figure, flags = _topic(text)
    if topic is None and previous is not None and _is_follow_up(text, terms):
        merged = tuple(dict.fromkeys((*previous.terms, *(t for t in terms if t != period))))
        return previous.model_copy(update={"period": period or previous.period, "query": f"{previous.query} {question}", "terms": merged})
    return Route(topic=topic, figure=figure, period=period, flag_types=flags, query=question, terms=terms)


def _is_follow_up(text: str, terms: Sequence[str]) -> bool:
    return len(terms) <= FOLLOW_UP_MAX_TERMS and (bool(FOLLOW_UP.search(text)) or all(YEAR.fullmatch(t) for t in terms))


def out_of_scope(question: str, this: EnterpriseInfo, others: Sequence[EnterpriseInfo]) -> EnterpriseInfo | None:
    """The other indexed enterprise the question names, when it does not also name this one."""
    text = _fold(question)
    if _names_in(text, this):
        return None
    return next((other for other in others if _names_in(text, other)), None)


def _names(info: EnterpriseInfo) -> tuple[str, ...]:
    return (*short_names(info.name, ()), info.enterprise_id)


def _names_in(text: str, info: EnterpriseInfo) -> bool:
    for name in _names(info):
        name = _fold(name).strip()
        if name.isascii():
            if len(name) >= 3 and re.search(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])", text):
                return True
        elif len(name) >= 2 and name in text:
            return True
    return False


# ---------------------------------------------------------------- offline answers (pure)


def _cite(evidence: Evidence) -> str:
    return f"[{evidence.source} p.{evidence.page}]"


def _claim_line(label: str, claim: TextClaim) -> str:
    return f"{label}: {claim.value} {_cite(claim.evidence[0])}"


def _money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}" if abs(value) < 100 else f"{value:,.0f} {currency}"


def answer_from_profile(
    route: Route, profile: OperatingProfile, decision: DecisionRecord | None, decision_note: str | None
) -> tuple[str, list[Evidence], Basis] | None:
    """The answer from the profile (or decision) for a routed question, or None when it has none.

    `decision` is None when there is no risk model yet; `decision_note` says so.
    """
    if route.topic == "figure" and route.figure:
        period = route.period or profile.fiscal_year
        figure = next((f for f in profile.figures if f.name == route.figure and f.period == period and f.value is not None), None)
        if figure is None or not figure.evidence:
            return None
        label = route.figure.replace("_", " ").capitalize()
        text = (f"{label} ({period}): {figure.as_printed} (= {_money(figure.value, figure.currency)}), "
                f"read from the statement table {_cite(figure.evidence[0])}")
        return text, list(figure.evidence), "profile"
    if route.topic == "audit":
        claims = [(label, c) for label, c in (("Auditor", profile.auditor), ("Audit opinion", profile.audit_opinion)) if c]
        if not claims:
            return None
        return "\n".join(_claim_line(label, c) for label, c in claims), _evidence(c for _, c in claims), "profile"
    if route.topic == "controlling_shareholder":
        claim = profile.controlling_shareholder
        holders = [p for p in profile.parties if p.role == "controlling_shareholder" and p.evidence]
        if claim:
            return _claim_line("Controlling shareholder", claim), list(claim.evidence), "profile"
        if holders:
            return f"Controlling shareholder: {holders[0].name} {_cite(holders[0].evidence[0])}", list(holders[0].evidence), "profile"
        return None
    if route.topic in ("customers", "suppliers"):
        return _parties_answer(route.topic, profile)
    if route.topic == "red_flags":
        flags = [f for f in profile.red_flags if not route.flag_types or f.type in route.flag_types]
        if not flags:
            return None
        lines = [f"{len(flags)} red flag(s) found in the documents:"]
        for f in flags:
            when = f", {f.date.isoformat()}" if f.date else ""
            lines += [f"- {f.type.value} ({f.severity.value}{when}): \"{e.quote}\" {_cite(e)}" for e in f.evidence]
        return "\n".join(lines), [e for f in flags for e in f.evidence], "profile"
    if route.topic == "decision":
        if decision is None:
            return f"No credit decision is available: {decision_note}", [], "none"
        return _decision_answer(decision)
    if route.topic == "business":
        claims = [(label, c) for label, c in (("Main business", profile.main_business), ("Industry", profile.industry)) if c]
        if not claims:
            return None
        return "\n".join(_claim_line(label, c) for label, c in claims), _evidence(c for _, c in claims), "profile"
    return None


def _evidence(claims: Iterable[TextClaim]) -> list[Evidence]:
    return [e for c in claims for e in c.evidence]


def _parties_answer(topic: Topic, profile: OperatingProfile) -> tuple[str, list[Evidence], Basis] | None:
    role = "customer" if topic == "customers" else "supplier"
    parties = [p for p in profile.parties if p.role == role and p.evidence]
    lines = [f"- {p.name}" + (f": {p.share:.1%}" if p.share is not None else "") + f" {_cite(p.evidence[0])}" for p in parties]
    cited = [p.evidence[0] for p in parties]
    if role == "customer":
        for flag in (f for f in profile.red_flags if f.type == RedFlagType.customer_concentration):
            lines += [f"- concentration ({flag.severity.value}): \"{e.quote}\" {_cite(e)}" for e in flag.evidence]
            cited += flag.evidence
    if not lines:
        return None
    return f"Main {role}s:\n" + "\n".join(lines), cited, "profile"


def _decision_answer(record: DecisionRecord) -> tuple[str, list[Evidence], Basis]:
    d = record.decision
    head = f"Decision: {d.decision.upper()} (PD {d.pd:.2%}, grade {d.grade}, {d.score:.0f} points"
    head += f"; the model alone said {d.model_decision})." if d.model_decision != d.decision else ")."
    lines = [head]
    lines += [f"Knock-out {k.rule_id} ({k.action}): {k.description}" for k in d.knockouts]
    cited: list[Evidence] = []
    for reason in d.reasons:
        value = "missing" if reason.value is None else f"{reason.value:g}"
        where = f" {_cite(reason.evidence[0])}" if reason.evidence else ""
        lines.append(f"Reason {reason.rank}: {reason.feature} = {value} ({reason.points_below_max:.1f} points below the best bin){where}")
        cited += reason.evidence[:1]
    return "\n".join(lines), cited, "decision"


_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]?")
_EN_STOP = re.compile(r"(?<=[a-z0-9)%])\.\s+(?=[A-Z0-9\"“(])")


def _sentences(chunk_text: str, table: bool) -> list[str]:
    """Quotable units: table rows, or sentences (cut on CJK and English full stops)."""
    if table:
        return [line.strip() for line in chunk_text.splitlines() if line.strip()]
    out = []
    for piece in _EN_STOP.sub(".\n", re.sub(r"\s*\n\s*", " ", chunk_text)).splitlines():
        out += [s.strip() for s in _SENTENCE.findall(piece) if s.strip()]
    return out


def extractive_answer(terms: Sequence[str], hits: Sequence[Hit]) -> tuple[list[Evidence], float]:
    """The best sentences of the hits (coverage >= MIN_COVERAGE, best first) and the best coverage seen."""
    scored = []
    for rank, hit in enumerate(hits):
        for sentence in _sentences(hit.text, hit.kind == "table"):
            if len(normalise(sentence)) >= MIN_QUOTE_CHARS:
                scored.append((coverage(terms, sentence), rank, sentence, hit))
    best = max((s[0] for s in scored), default=0.0)
    chosen = sorted((s for s in scored if s[0] >= MIN_COVERAGE), key=lambda s: (-s[0], s[1]))[:MAX_PASSAGES]
    return [Evidence(chunk_id=h.chunk_id, source=h.source, page=h.page, quote=q) for _, _, q, h in chosen], best


def verify_citations(
    citations: Sequence[Evidence], chunks: Mapping[str, Chunk], enterprise_id: str
) -> tuple[list[Evidence], list[RejectedClaim]]:
    """Citations whose quote is in the cited chunk of this enterprise, and the rest with the reason."""
    kept: list[Evidence] = []
    rejected: list[RejectedClaim] = []
    for i, citation in enumerate(citations):
        reason = check_evidence(citation, chunks, enterprise_id)
        if reason:
            rejected.append(RejectedClaim(field=f"citations[{i}]", reason=reason, chunk_id=citation.chunk_id, quote=citation.quote))
        elif citation not in kept:
            kept.append(citation)
    return kept, rejected


def abstention(searched: Sequence[str], terms: Sequence[str], best: float) -> str:
    """The abstention text: what was searched, and how close the best passage came."""
    queries = "; ".join(f'"{q}"' for q in searched) or "nothing (the question has no searchable terms)"
    detail = f" The best passage matched {best:.0%} of the question's terms ({', '.join(terms)}); {MIN_COVERAGE:.0%} is needed." if terms else ""
    return f"{NOT_IN_DOCUMENTS}. Searched: {queries}.{detail}"


# ---------------------------------------------------------------- LLM agent


class _Query(BaseModel):
    query: str = Field(min_length=1, description="what to look for, in Chinese or English")


def make_tools(
    search: Callable[[str], list[Hit]], profile: OperatingProfile, decision_json: str, searched: list[str]
) -> list[BaseTool]:
    """The agent's tools, each closed over one enterprise: none of them takes an enterprise id.

    `search` is already bound to the enterprise; each query it runs is appended to `searched`.
    """

    @tool(args_schema=_Query)
    def search_documents(query: str) -> str:
        """Search this enterprise's documents; returns the best passages with chunk_id, source and page."""
        searched.append(query)
        hits = search(query)
        return format_documents(Passage(chunk_id=h.chunk_id, source=h.source, page=h.page, text=h.text) for h in hits)

    @tool
    def read_profile() -> str:
        """Read this enterprise's verified profile: table-read figures, auditor, shareholder, parties, red flags."""
        return profile_digest(profile)

    @tool
    def read_decision() -> str:
        """Read this enterprise's credit decision with reason codes and knock-outs, or why there is none."""
        return decision_json

    return [search_documents, read_profile, read_decision]


def profile_digest(profile: OperatingProfile) -> str:
    """The profile as the model reads it: the read figures and the verified claims, with evidence."""
    data = profile.model_dump(
        mode="json",
        include={"name", "fiscal_year", "industry", "main_business", "upstream", "downstream", "parties", "auditor",
                 "audit_opinion", "controlling_shareholder", "ratios", "red_flags"},
        exclude_none=True,
    )
    data["figures"] = [
        f.model_dump(mode="json", include={"name", "period", "as_printed", "value", "currency", "evidence"})
        for f in profile.figures
        if f.value is not None
    ]
    return json.dumps(data, ensure_ascii=False)


def _run_tool(tools: Mapping[str, BaseTool], name: str, arguments: str) -> str:
    """A tool's result, or an error the model can act on (unknown tool, bad arguments, failed search)."""
    if name not in tools:
        return f"error: unknown tool {name!r}; available: {', '.join(tools)}"
    try:
        return str(tools[name].invoke(json.loads(arguments or "{}")))
    except json.JSONDecodeError as exc:
        return f"error: arguments are not JSON: {exc}"
    except ValidationError as exc:
        return "error: invalid arguments: " + json.dumps(exc.errors(include_url=False, include_context=False), ensure_ascii=False, default=str)
    except EprofError as exc:
        return f"error: {exc}"


def answer_llm(
    question: str,
    *,
    gateway: Gateway,
    prompt: Prompt,
    enterprise_id: str,
    enterprise_name: str,
    tools: Sequence[BaseTool],
    history: Sequence[tuple[str, str]] = (),
    run_id: str | None = None,
) -> tuple[Answer | None, QAUsage]:
    """Run the tool-calling loop; the final Answer (None if MAX_STEPS turns all called tools) and its cost."""
    system, user = (m.model_dump() for m in prompt.render(enterprise_name=enterprise_name, question=question))
    past = [m for q, a in history[-HISTORY_TURNS:] for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]
    messages: list[dict[str, Any]] = [system, *past, user]
    schemas = [convert_to_openai_tool(t) for t in tools]
    by_name = {t.name: t for t in tools}
    calls = tokens_used = 0
    for _ in range(MAX_STEPS):
        turn = gateway.chat(prompt, messages, schemas, Answer, enterprise_id=enterprise_id, run_id=run_id)
        calls, tokens_used = calls + turn.attempts, tokens_used + turn.usage.total_tokens
        if turn.parsed is not None:
            return turn.parsed, QAUsage(calls=calls, tokens=tokens_used)
        results = [{"role": "tool", "tool_call_id": c.id, "content": _run_tool(by_name, c.name, c.arguments)} for c in turn.tool_calls]
        messages = [*turn.messages, *results]
    return None, QAUsage(calls=calls, tokens=tokens_used)


# ---------------------------------------------------------------- the session (I/O shell)


class QASession:
    """An analyst's conversation about one enterprise: history, profile, decision and store.

    The profile is the one given (evaluation asks over each contender's profile), else the saved
    one (`eprof profile`), or an offline one built on the spot when none was saved; the decision
    uses the given risk model and policy (the service's, an evaluation's), else the default ones,
    and is None, with a note, without a model.
    """

    def __init__(
        self,
        settings: Settings,
        enterprise_id: str,
        mode: Mode | None = None,
        *,
        searcher: Searcher | None = None,
        gateway: Gateway | None = None,
        prompt_ref: str = DEFAULT_PROMPT,
        profile: OperatingProfile | None = None,
        model: ScorecardModel | None = None,
        policy: Policy | None = None,
    ):
        self.mode: Mode = mode or ("llm" if settings.llm_configured else "offline")
        if self.mode == "llm" and not settings.llm_configured:
            raise ConfigError("--mode llm needs OPENAI_BASE_URL or OPENAI_API_KEY, and EPROF_MODEL")
        self.searcher = searcher or Searcher.open(settings)
        info = self.info = self.searcher.enterprise(enterprise_id)
        self.others = [e for e in self.searcher.store.enterprises() if e.enterprise_id != enterprise_id]
        self.chunks = {c.chunk_id: c for c in self.searcher.store.chunks(info)}
        self.profile = profile or _load_or_build_profile(settings, self.searcher, enterprise_id)
        self.decision, self.decision_note = _decision(self.profile, model, policy)
        self._llm = (gateway or Gateway(settings), load_prompt(prompt_ref)) if self.mode == "llm" else None
        self.names = _names(info)
        self.turns: list[tuple[Route, QAResult]] = []

    @property
    def enterprise_id(self) -> str:
        return self.info.enterprise_id

    def ask(self, question: str) -> QAResult:
        """Answer one question, remembering it for follow-ups."""
        started = time.monotonic()
        previous = self.turns[-1][0] if self.turns else None
        route = route_question(question, previous, self.names)
        other = out_of_scope(question, self.info, self.others)
        if other is not None:
            text = (f"Out of scope: this session answers questions about {self.info.name or self.enterprise_id} "
                    f"({self.enterprise_id}) only; the question is about {other.name or other.enterprise_id}. "
                    f"Start a session for {other.enterprise_id} instead.")
            result = self._result(question, text, [], "none", [], QAUsage(), started)
        elif self._llm is not None:
            result = self._ask_llm(*self._llm, question, started)
        else:
            result = self._ask_offline(route, question, started)
        self.turns.append((route, result))
        return result

    def chunk(self, citation: Evidence) -> Chunk | None:
        """The stored chunk a citation points at (for `/open N`)."""
        return self.chunks.get(citation.chunk_id)

    def _ask_offline(self, route: Route, question: str, started: float) -> QAResult:
        direct = answer_from_profile(route, self.profile, self.decision, self.decision_note)
        if direct is not None and route.topic != "red_flags":
            text, citations, basis = direct
            return self._result(question, text, citations, basis, [], QAUsage(), started)
        hits = self.searcher.search(self.enterprise_id, route.query, k=SEARCH_K)
        if direct is not None:  # red flags: the profile keeps open matters only; show what else matches the question
            text, citations, basis = direct
            others = [c for c in extractive_answer(route.terms, hits)[0] if normalise(c.quote) not in {normalise(e.quote) for e in citations}]
            text += "".join(f"\nOther matching passage (not a red flag): \"{c.quote}\" {_cite(c)}" for c in others)
            return self._result(question, text, [*citations, *others], basis, [route.query], QAUsage(), started)
        citations, best = extractive_answer(route.terms, hits)
        if not citations:
            return self._result(question, abstention([route.query], route.terms, best), [], "none", [route.query], QAUsage(), started)
        lines = ["Extractive answer (the passages that best match the question, quoted; nothing generated):"]
        lines += [f"- \"{c.quote}\" {_cite(c)}" for c in citations]
        return self._result(question, "\n".join(lines), citations, "extractive", [route.query], QAUsage(), started)

    def _ask_llm(self, gateway: Gateway, prompt: Prompt, question: str, started: float) -> QAResult:
        searched: list[str] = []
        decision_json = self.decision.model_dump_json() if self.decision else json.dumps({"decision": None, "why": self.decision_note})
        tools = make_tools(lambda q: self.searcher.search(self.enterprise_id, q, k=SEARCH_K), self.profile, decision_json, searched)
        history = [(r.question, r.answer) for _, r in self.turns[-HISTORY_TURNS:]]
        answer, usage = answer_llm(
            question,
            gateway=gateway,
            prompt=prompt,
            enterprise_id=self.enterprise_id,
            enterprise_name=self.info.name or self.enterprise_id,
            tools=tools,
            history=history,
        )
        if answer is None:
            text = f"{NOT_IN_DOCUMENTS}: no answer within {MAX_STEPS} model turns. Searched: {'; '.join(searched) or 'nothing'}."
            return self._result(question, text, [], "none", searched, usage, started)
        text = answer.answer if answer.found else f"{answer.answer} Searched: {'; '.join(searched) or 'nothing'}."
        return self._result(question, text, answer.citations, "llm", searched, usage, started, found=answer.found)

    def _result(
        self,
        question: str,
        text: str,
        citations: Sequence[Evidence],
        basis: Basis,
        searched: list[str],
        usage: QAUsage,
        started: float,
        *,
        found: bool = True,
    ) -> QAResult:
        """Assemble the answer; every citation is verified, and an answer left without one abstains."""
        kept, rejected = verify_citations(citations, self.chunks, self.enterprise_id)
        unsupported = found and not kept and basis not in ("none", "decision")  # a decision record stands on its own
        abstained = basis == "none" or not found or unsupported
        if unsupported:
            text = "I cannot support an answer with the documents: none of the cited evidence could be verified."
        return QAResult(
            enterprise_id=self.enterprise_id,
            question=question,
            answer=text,
            citations=[] if abstained else kept,
            abstained=abstained,
            mode=self.mode,
            basis="none" if abstained else basis,
            searched=searched,
            rejected=rejected,
            usage=usage.model_copy(update={"latency_ms": round((time.monotonic() - started) * 1000)}),
        )


def _load_or_build_profile(settings: Settings, searcher: Searcher, enterprise_id: str) -> OperatingProfile:
    try:
        return load_profile(settings, enterprise_id)
    except NotFoundError:
        return run_profile(settings, enterprise_id, "offline", searcher=searcher)


def _decision(profile: OperatingProfile, model: ScorecardModel | None, policy: Policy | None) -> tuple[DecisionRecord | None, str | None]:
    """The decision record (default model unless one is given), or None and why (no model trained yet)."""
    try:
        return decide_profile(profile, model or load_default_model(), policy), None
    except NotFoundError as exc:
        return None, str(exc)

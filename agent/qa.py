"""Analyst Q&A about one enterprise, its contracts and constants: direct answers from the verified profile, cited passages, or
a tool-calling model; and "not in the documents" when the evidence is weak.

Every answer is scoped to one enterprise by construction: the session (`eprof.workflows.qa_session`) holds its id, searches
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
2. Answer from the profile: figures as printed with their table row, for the year asked or two
   years with the change computed in code (`agent.qa_figures`, periods from `agent.qa_periods`),
   claims and red flags with their quotes, the decision's knock-outs and reason codes with their
   evidence; a question asking for table rows is answered from the rows (`agent.qa_tables`).
   Answers are worded in the question's language (`agent.qa_language`); English terms match
   Chinese passages and the reverse through `agent.qa_terms`.
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

Where each part lives: routing in `agent.qa_routing`, offline answers in `agent.qa_answers`, the
tool-calling loop in `agent.qa_llm`, and the session that also needs a credit decision in
`eprof.workflows.qa_session` (a decision is made above this layer).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from eprof.agent.schema import Evidence, FigureName, RedFlagType, RejectedClaim
from eprof.kernel.contract import Contract

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
    compare_to: str | None = Field(None, description="the year to compare `period` with (both values and the change are answered)")
    flag_types: tuple[RedFlagType, ...] = Field((), description="empty: every red flag")
    query: str
    terms: tuple[str, ...]

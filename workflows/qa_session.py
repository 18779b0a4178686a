"""An analyst's Q&A session about one enterprise: the I/O shell over routing, offline answers and
the tool-calling loop, plus the credit decision the questions may ask about (which is why it
sits above risk/)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from eprof.agent.extractors import choose_extractor, run_profile
from eprof.agent.profile import load_profile, statement_figures
from eprof.agent.qa import DEFAULT_PROMPT, MAX_STEPS, NOT_IN_DOCUMENTS, SEARCH_K, HISTORY_TURNS, Basis, Mode, QAResult, QAUsage, Route
from eprof.agent.qa_answers import abstention, answer_from_profile, cite, extractive_answer, verify_citations
from eprof.agent.qa_figures import ASKS_PARENT, figure_answer
from eprof.agent.qa_language import Language, localise, question_language
from eprof.agent.qa_routing import fold_question, names_of, out_of_scope, route_question
from eprof.agent.qa_tables import TABLE_DETAIL, table_answer
from eprof.agent.qa_terms import expanded_query
from eprof.agent.schema import Evidence, Figure, OperatingProfile
from eprof.agent.verify import normalise
from eprof.kernel.config import Settings
from eprof.kernel.errors import NotFoundError
from eprof.retrieval.schema import Chunk, Hit
from eprof.retrieval.search import Searcher

if TYPE_CHECKING:  # the model client, the tool loop and the risk model load when a question needs them (cold `eprof ask`)
    from eprof.agent.llm import Gateway
    from eprof.prompts import Prompt
    from eprof.risk.artifact import ScorecardModel
    from eprof.risk.policy import Policy
    from eprof.risk.run import DecisionRecord

class QASession:
    """An analyst's conversation about one enterprise: history, profile, decision and store.

    The profile is the one given (evaluation asks over each contender's profile), else the saved
    one (`eprof profile`), or an offline one built when a question first needs it and none was
    saved (a figure question does not: the statement figures are read from the tables, the same
    code reading a profile holds, without its searches and so without loading the embedder). The
    decision is made on first use, with the given risk model and policy (the service's, an
    evaluation's), else the default ones, and is None, with a note, without a model.
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
        self.mode: Mode = choose_extractor(settings, mode)
        self.searcher = searcher or Searcher.open(settings)
        info = self.info = self.searcher.enterprise(enterprise_id)
        self.others = [e for e in self.searcher.store.enterprises() if e.enterprise_id != enterprise_id]
        self.chunks = {c.chunk_id: c for c in self.searcher.store.chunks(info)}
        self._settings = settings
        self._saved = profile or _saved_profile(settings, enterprise_id)
        self._risk = (model, policy)
        self._llm = _llm_parts(settings, gateway, prompt_ref) if self.mode == "llm" else None
        self.names = names_of(info)
        self.turns: list[tuple[Route, QAResult]] = []

    @property
    def enterprise_id(self) -> str:
        return self.info.enterprise_id

    @cached_property
    def profile(self) -> OperatingProfile:
        """The given or saved profile, else an offline one built now (its searches load the embedder)."""
        return self._saved or run_profile(self._settings, self.enterprise_id, "offline", searcher=self.searcher)

    @cached_property
    def _statements(self) -> tuple[list[Figure], list[Figure], str | None]:
        """The profile's figures, the parent company's and the fiscal year; read from the tables when no profile is at hand yet."""
        known = self._saved or self.__dict__.get("profile")
        return (known.figures, known.parent_figures, known.fiscal_year) if known else statement_figures(list(self.chunks.values()))

    @cached_property
    def _decided(self) -> tuple[DecisionRecord | None, str | None]:
        return _decision(self.profile, *self._risk)

    @property
    def decision(self) -> DecisionRecord | None:
        """The credit decision on this profile, made on first use (most questions never need it)."""
        return self._decided[0]

    @property
    def decision_note(self) -> str | None:
        """Why there is no decision (no risk model trained yet), else None."""
        return self._decided[1]

    def ask(self, question: str) -> QAResult:
        """Answer one question, remembering it for follow-ups."""
        started = time.monotonic()
        previous = self.turns[-1][0] if self.turns else None
        route = route_question(question, previous, self.names, self._statements[2])
        other = out_of_scope(question, self.info, self.others)
        if other is not None:
            text = (f"Out of scope: this session answers questions about {self.info.name or self.enterprise_id} "
                    f"({self.enterprise_id}) only; the question is about {other.name or other.enterprise_id}. "
                    f"Start a session for {other.enterprise_id} instead.")
            result = self._result(question, localise(text, question_language(question)), [], "none", [], QAUsage(), started)
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
        language = question_language(question)
        result = self._ask_offline_en(route, question, started, language)
        return result.model_copy(update={"answer": localise(result.answer, language)})

    def _ask_offline_en(self, route: Route, question: str, started: float, language: Language) -> QAResult:
        """The offline answer; its frames are English (localised by the caller) except figure answers, worded in `language`."""
        if route.topic == "figure" and route.figure:
            parent = bool(ASKS_PARENT.search(route.query))  # a follow-up's query holds the question it follows
            figure = figure_answer(route.figure, route.period, route.compare_to, self._statements, self.chunks, language, parent)
            if figure is not None:
                text, citations, found = figure
                return self._result(question, text, citations, "profile", [], QAUsage(), started, found=found)
            route = route.model_copy(update={"topic": None})  # no consolidated value read: quote the documents instead
        detail = bool(TABLE_DETAIL.search(fold_question(question)))  # "前五名客户", "aged over 3 years": the table's rows answer it
        direct = None
        if route.topic is not None:  # a question with no topic is answered from the passages: no profile needed
            direct = self._decision_answer() if route.topic == "decision" else answer_from_profile(route, self.profile)
        role = {"customers": "customer", "suppliers": "supplier"}.get(route.topic or "")
        if detail and not (role and any(p.role == role for p in self.profile.parties)):  # the profile lists no such parties: read the table
            direct = None
        if direct is not None and route.topic != "red_flags":
            text, citations, basis = direct
            return self._result(question, text, citations, basis, [], QAUsage(), started)
        query = expanded_query(route.query, route.terms)
        hits = self.searcher.search(self.enterprise_id, query, k=SEARCH_K)
        if direct is None and detail:
            rows = table_answer(route.terms, self._tables(hits), self.chunks)
            if rows:
                text = "From the table (rows quoted):\n" + "\n".join(f"- \"{c.quote}\" {cite(c)}" for c in rows)
                return self._result(question, text, rows, "extractive", [query], QAUsage(), started)
        if direct is not None:  # red flags: the profile keeps open matters only; show what else matches the question
            text, citations, basis = direct
            others = [c for c in extractive_answer(route.terms, hits)[0] if normalise(c.quote) not in {normalise(e.quote) for e in citations}]
            text += "".join(f"\nOther matching passage (not a red flag): \"{c.quote}\" {cite(c)}" for c in others)
            return self._result(question, text, [*citations, *others], basis, [route.query], QAUsage(), started)
        citations, best = extractive_answer(route.terms, hits)
        if not citations:
            return self._result(question, abstention([query], route.terms, best), [], "none", [query], QAUsage(), started)
        lines = ["No verified red flag of this kind; what the documents say:"] if route.topic == "red_flags" else []
        lines += ["Extractive answer (the passages that best match the question, quoted; nothing generated):"]
        lines += [f"- \"{c.quote}\" {cite(c)}" for c in citations]
        return self._result(question, "\n".join(lines), citations, "extractive", [query], QAUsage(), started)

    def _tables(self, hits: Sequence[Hit]) -> list[Chunk]:
        """The table chunks among the hits, and the table right after a hit (its caption may sit in that hit)."""
        by_place = {(c.doc_id, c.ordinal): c for c in self.chunks.values()}
        out: list[Chunk] = []
        for hit in hits:
            chunk = self.chunks.get(hit.chunk_id)
            candidates = (chunk, by_place.get((chunk.doc_id, chunk.ordinal + 1))) if chunk else ()
            out += [c for c in candidates if c is not None and c.kind == "table" and c not in out]
        return out

    def _decision_answer(self) -> tuple[str, list[Evidence], Basis]:
        if self.decision is None:
            return f"No credit decision is available: {self.decision_note}", [], "none"
        return decision_answer(self.decision)

    def _ask_llm(self, gateway: Gateway, prompt: Prompt, question: str, started: float) -> QAResult:
        from eprof.agent.qa_llm import answer_llm, make_tools

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


def _saved_profile(settings: Settings, enterprise_id: str) -> OperatingProfile | None:
    try:
        return load_profile(settings, enterprise_id)
    except NotFoundError:
        return None


def _llm_parts(settings: Settings, gateway: Gateway | None, prompt_ref: str) -> tuple[Gateway, Prompt]:
    from eprof.agent.llm import Gateway
    from eprof.prompts import load_prompt

    return gateway or Gateway(settings), load_prompt(prompt_ref)


def _decision(profile: OperatingProfile, model: ScorecardModel | None, policy: Policy | None) -> tuple[DecisionRecord | None, str | None]:
    """The decision record (default model unless one is given), or None and why (no model trained yet)."""
    from eprof.risk.run import decide_profile, load_default_model

    try:
        return decide_profile(profile, model or load_default_model(), policy), None
    except NotFoundError as exc:
        return None, str(exc)


def decision_answer(record: DecisionRecord) -> tuple[str, list[Evidence], Basis]:
    """Why the decision is what it is: knock-outs and the largest adverse reasons, with evidence."""
    d = record.decision
    head = f"Decision: {d.decision.upper()} (PD {d.pd:.2%}, grade {d.grade}, {d.score:.0f} points"
    head += f"; the model alone said {d.model_decision})." if d.model_decision != d.decision else ")."
    lines = [head]
    lines += [f"Knock-out {k.rule_id} ({k.action}): {k.description}" for k in d.knockouts]
    cited: list[Evidence] = []
    for reason in d.reasons:
        value = "missing" if reason.value is None else f"{reason.value:g}"
        where = f" {cite(reason.evidence[0])}" if reason.evidence else ""
        lines.append(f"Reason {reason.rank}: {reason.feature} = {value} ({reason.points_below_max:.1f} points below the best bin){where}")
        cited += reason.evidence[:1]
    return "\n".join(lines), cited, "decision"

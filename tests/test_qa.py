"""Analyst Q&A end to end: real PDFs ingested and profiled offline, questions answered offline and
through the scripted OpenAI-protocol server, and the `eprof ask` / `eprof chat` commands."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.agent.extractors import run_profile
from eprof.agent.llm import Gateway, GatewayConfig
from eprof.agent.profile import profile_path, save_profile
from eprof.agent.qa import NOT_IN_DOCUMENTS, QAResult
from eprof.agent.qa_routing import content_terms, coverage, route_question
from eprof.workflows.qa_session import QASession
from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.retrieval.ingest import IngestJob, ingest_file
from eprof.retrieval.schema import Chunk, DocType
from eprof.retrieval.search import Searcher
from tests.documents import chinese_report, statement_report
from tests.openai_server import OpenAIServer, Reply

runner = CliRunner()
NAME = "Acme Brakes Co., Ltd."
OTHER = "Bolt Motors Co., Ltd."
FAST = GatewayConfig(backoff_base_s=0.01, backoff_max_s=0.05)


def ingest_and_profile(searcher: Searcher, tmp_path: Path, enterprise_id: str, name: str, build=statement_report) -> None:
    pdf = build(tmp_path / f"{enterprise_id.lower()}-2024.pdf", name)
    ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id=enterprise_id, name=name, path=pdf, doc_type=DocType.annual_report))
    settings = load_settings()
    save_profile(run_profile(settings, enterprise_id, "offline", searcher=searcher), profile_path(settings, enterprise_id))


@pytest.fixture
def indexed(tmp_path: Path, clean_environ: Path) -> Searcher:
    searcher = Searcher.open(load_settings())
    ingest_and_profile(searcher, tmp_path, "ACME", NAME)
    return searcher


def chunk_with(searcher: Searcher, text: str) -> Chunk:
    return next(c for c in searcher.store.chunks(searcher.store.enterprise("ACME")) if text in c.text)


def test_offline_answers_figures_auditor_and_litigation_from_the_profile_with_page_citations(indexed: Searcher) -> None:
    session = QASession(load_settings(), "ACME", searcher=indexed)
    assert session.mode == "offline"
    revenue = session.ask("What was revenue in 2024?")
    assert "61,000.00 千元" in revenue.answer and not revenue.abstained and revenue.basis == "profile"
    assert [(c.source, c.page, c.quote) for c in revenue.citations] == [("acme-2024.pdf", 1, "Revenue  61,000.00  58,000.00")]
    assert "3,900.00 千元" in session.ask("净利润2023年是多少？").answer
    auditor = session.ask("Who is the auditor?")
    assert "Grant Thornton" in auditor.answer and {c.page for c in auditor.citations} == {2}
    litigation = session.ask("Is there any litigation?")
    flags, _, others = litigation.answer.partition("Other matching passage (not a red flag)")
    assert "Steelco" in flags and "Delta Logistics" not in flags and "Delta Logistics" in others  # the withdrawn suit is shown, as no flag
    assert {c.page for c in litigation.citations} == {2} and litigation.usage.calls == 0


def test_unanswerable_question_abstains_and_says_what_was_searched(indexed: Searcher) -> None:
    result = QASession(load_settings(), "ACME", searcher=indexed).ask("What is the CEO's salary?")
    assert result.abstained and result.basis == "none" and result.citations == []
    assert result.answer.startswith(NOT_IN_DOCUMENTS) and result.searched == ["What is the CEO's salary?"]
    assert "ceo, salary" in result.answer


def test_extractive_answer_quotes_the_best_sentence_and_says_so(indexed: Searcher) -> None:
    result = QASession(load_settings(), "ACME", searcher=indexed).ask("What does the company manufacture?")
    assert result.basis == "extractive" and result.answer.startswith("Extractive answer")
    assert result.citations[0].quote.endswith("brake systems for passenger vehicles.") and result.citations[0].page == 1


def test_a_question_about_another_indexed_enterprise_is_refused(indexed: Searcher, tmp_path: Path) -> None:
    ingest_and_profile(indexed, tmp_path, "BOLT", OTHER)
    session = QASession(load_settings(), "ACME", searcher=indexed)
    refused = session.ask("What was Bolt Motors' revenue in 2024?")
    assert refused.abstained and refused.answer.startswith("Out of scope") and "BOLT" in refused.answer
    assert refused.searched == [] and refused.citations == []
    assert not session.ask("What was Acme Brakes' revenue compared with Bolt Motors?").abstained  # names this one too


def test_chinese_report_answers_shareholder_customers_and_pledge(tmp_path: Path, clean_environ: Path) -> None:
    searcher = Searcher.open(load_settings())
    ingest_and_profile(searcher, tmp_path, "HXDC", "浙江华星电池科技股份有限公司", build=chinese_report)
    session = QASession(load_settings(), "HXDC", searcher=searcher)
    assert "华夏投资集团有限公司" in session.ask("控股股东是谁？").answer
    customers = session.ask("前五名客户销售占比是多少？")
    assert "比亚迪股份有限公司：27.0%" in customers.answer and "62.3%" in customers.answer
    pledge = session.ask("有没有股权质押？")
    assert "3,000万股" in pledge.answer and pledge.citations[0].page == 2
    assert session.ask("营业收入是多少").answer.startswith("营业收入（合并报表，默认为本期）：2024年：45,600.00 万元")
    assert session.ask("董事长的薪酬是多少？").abstained


@pytest.mark.parametrize(
    ("previous", "question", "topic", "period"),
    [
        (None, "What share of revenue comes from the top five customers?", "customers", None),
        (None, "Why was this case referred?", "decision", None),
        (None, "What was total current assets in 2023?", "figure", "2023"),
        ("What was net profit?", "and in 2023?", "figure", "2023"),
        ("Is there any litigation?", "when was it filed?", "red_flags", None),
        ("Is there any litigation?", "What is the CEO's salary?", None, None),
    ],
)
def test_routing_and_follow_ups(previous: str | None, question: str, topic: str | None, period: str | None) -> None:
    route = route_question(question, route_question(previous) if previous else None)
    assert (route.topic, route.period) == (topic, period)


def test_weak_evidence_rule_counts_content_terms_only() -> None:
    terms = content_terms("What is Acme Brakes' CEO salary?", names=[NAME])
    assert terms == ("ceo", "salary")  # question words, the enterprise's own name and "s" are not evidence
    assert coverage(terms, "The CEO salary was RMB 1.2 million.") == 1.0
    assert coverage(terms, "Acme Brakes Co., Ltd. makes brake systems.") == 0.0


def llm_env(monkeypatch: pytest.MonkeyPatch, server: OpenAIServer) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-qa-secret")
    monkeypatch.setenv("EPROF_MODEL", "scripted-model")


def cite(chunk: Chunk, quote: str) -> dict:
    return {"chunk_id": chunk.chunk_id, "source": chunk.source, "page": chunk.page, "quote": quote}


def test_llm_agent_searches_through_the_gateway_and_drops_an_invented_citation(
    indexed: Searcher, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env(monkeypatch, openai_server)
    lawsuit = chunk_with(indexed, "Steelco")
    answer = {
        "answer": "Steelco Trading sued the company for RMB 3.2 million; the case is pending.",
        "found": True,
        "citations": [cite(lawsuit, "Steelco Trading Ltd. sued the Company for unpaid invoices"), cite(lawsuit, "the Company won the case")],
    }
    openai_server.script([Reply.status(500), Reply.tool_calls([("search_documents", {"query": "lawsuit litigation"})]), Reply.json(answer)])
    settings = load_settings()
    session = QASession(settings, "ACME", searcher=indexed, gateway=Gateway(settings, FAST))
    result = session.ask("Is there any litigation?")
    assert result.mode == "llm" and result.basis == "llm" and not result.abstained
    assert [c.quote for c in result.citations] == ["Steelco Trading Ltd. sued the Company for unpaid invoices"]
    assert [r.reason for r in result.rejected] == ["quote not found in the cited chunk"]
    assert result.searched == ["lawsuit litigation"] and result.usage.calls == 3 and result.usage.tokens == 140

    first, _, second = (r.json for r in openai_server.chat_requests)
    tools = {t["function"]["name"]: t["function"]["parameters"] for t in first["tools"]}
    assert set(tools) == {"search_documents", "read_profile", "read_decision"}
    assert list(tools["search_documents"]["properties"]) == ["query"]  # the enterprise is bound, never an argument
    assert first["response_format"]["json_schema"]["name"] == "Answer"
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_0"
    assert tool_message["content"].startswith("<documents>") and "Steelco" in tool_message["content"]
    assert second["messages"][-2]["tool_calls"][0]["function"]["name"] == "search_documents"

    with sqlite3.connect(settings.home / "logs.db") as db:
        rows = db.execute("select prompt_id, prompt_version, attempt, error_type, enterprise_id, messages_json from calls order by id").fetchall()
    assert [r[:5] for r in rows] == [("answer", 2, 1, "InternalServerError", "ACME"), ("answer", 2, 2, None, "ACME"), ("answer", 2, 1, None, "ACME")]
    assert "sk-test-qa-secret" not in json.dumps(rows)


def test_llm_answer_whose_only_citation_is_invented_abstains(
    indexed: Searcher, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_env(monkeypatch, openai_server)
    overview = chunk_with(indexed, "principally engaged")
    invented = {"answer": "The CEO earns RMB 2 million.", "found": True, "citations": [cite(overview, "the CEO earns RMB 2 million")]}
    openai_server.script([Reply.tool_calls([("read_profile", {}), ("read_decision", {})]), Reply.json(invented)])
    result = QASession(load_settings(), "ACME", searcher=indexed).ask("What is the CEO's salary?")
    assert result.abstained and result.citations == [] and result.basis == "none"
    assert result.answer.startswith("I cannot support an answer") and len(result.rejected) == 1
    profile_reply, decision_reply = openai_server.chat_requests[1].json["messages"][-2:]
    assert '"figures"' in profile_reply["content"] and "61,000.00 千元" in profile_reply["content"]
    assert '"model_version":"scorecard-' in decision_reply["content"]  # the shipped default model decides


def test_chat_keeps_context_opens_a_citation_and_quits(indexed: Searcher) -> None:
    result = runner.invoke(app, ["chat", "ACME"], input="Is there any litigation?\nwhen was it filed?\n/open 1\n/quit\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("2024-03-05") == 2  # the follow-up reuses the litigation topic
    assert "[1] [acme-2024.pdf p.2]" in result.output
    assert "A lawsuit filed by Delta Logistics in 2023 was withdrawn" in result.output  # /open prints the whole chunk
    eof = runner.invoke(app, ["chat", "ACME"], input="What is the CEO's salary?\n")
    assert eof.exit_code == 0 and NOT_IN_DOCUMENTS in eof.output


def test_ask_json_shape(indexed: Searcher) -> None:
    result = runner.invoke(app, ["ask", "ACME", "What was net profit?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"schema_version", "enterprise_id", "question", "answer", "citations", "abstained", "mode", "basis", "searched", "rejected", "usage"}
    assert set(data["citations"][0]) == {"source", "page", "quote", "chunk_id"} and set(data["usage"]) == {"calls", "tokens", "latency_ms"}
    assert QAResult.model_validate(data).answer.startswith("Net profit (consolidated statements, current fiscal year by default): 2024: 4,210.00 千元")
    bad = runner.invoke(app, ["ask", "ACME", "x", "--mode", "gpt"])
    assert bad.exit_code == 2 and "expected offline or llm" in bad.output
    unknown = runner.invoke(app, ["ask", "NOPE", "x"])
    assert unknown.exit_code == 1 and "is not indexed" in unknown.output

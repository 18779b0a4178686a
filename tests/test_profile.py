"""`eprof profile` end to end: ingest a real PDF, extract offline or through the OpenAI protocol,
verify every quote against the store, write the profile JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.agent.extractors import run_profile
from eprof.agent.profile import load_profile
from eprof.agent.schema import OperatingProfile, RedFlagType
from eprof.agent.verify import check_evidence
from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.retrieval.ingest import IngestJob, ingest_file
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher
from tests.documents import statement_report
from tests.openai_server import OpenAIServer, Reply

runner = CliRunner()
NAME = "Acme Brakes Co., Ltd."


@pytest.fixture
def indexed(tmp_path: Path, clean_environ: Path) -> Searcher:
    searcher = Searcher.open(load_settings())
    pdf = statement_report(tmp_path / "acme-2024.pdf", NAME)
    ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id="ACME", name=NAME, path=pdf, doc_type=DocType.annual_report))
    return searcher


def all_evidence(profile: OperatingProfile) -> list:
    claims = [profile.industry, profile.main_business, profile.auditor, profile.audit_opinion, profile.controlling_shareholder]
    items = [e for c in claims if c for e in c.evidence]
    items += [e for f in profile.red_flags for e in f.evidence] + [e for p in profile.parties for e in p.evidence]
    return items + [e for f in profile.figures for e in f.evidence]


def test_offline_profile_reads_figures_exactly_and_every_quote_is_verified(indexed: Searcher) -> None:
    profile = run_profile(load_settings(), "ACME", searcher=indexed)
    assert profile.extractor == "offline" and profile.fiscal_year == "2024" and profile.usage.calls == 0
    figures = {(f.name, f.period): f for f in profile.figures}
    assert figures[("revenue", "2024")].value == pytest.approx(61_000_000) and figures[("revenue", "2024")].as_printed == "61,000.00 千元"
    assert figures[("net_profit", "2023")].value == pytest.approx(3_900_000)
    assert figures[("operating_cash_flow", "2024")].value is None and figures[("operating_cash_flow", "2024")].missing_reason
    assert profile.ratios["debt_to_assets"] == pytest.approx(30_000 / 52_000)
    assert [(c.rule, c.period, c.passed) for c in profile.checks] == [("assets = liabilities + equity", y, True) for y in ("2024", "2023")]
    types = {f.type for f in profile.red_flags}
    assert {RedFlagType.litigation, RedFlagType.document_manipulation, RedFlagType.customer_concentration, RedFlagType.receivables_anomaly} <= types
    assert not any("Delta Logistics" in e.quote for f in profile.red_flags for e in f.evidence)  # withdrawn lawsuit
    assert profile.auditor and profile.auditor.value == "Grant Thornton"
    chunks = {c.chunk_id: c for c in indexed.store.chunks(indexed.store.enterprise("ACME"))}
    evidence = all_evidence(profile)
    assert len(evidence) > 10 and all(check_evidence(e, chunks, "ACME") is None for e in evidence)
    assert profile.scores.red_flag_counts[RedFlagType.litigation] == 1


def _llm_extraction(searcher: Searcher) -> dict:
    chunks = searcher.store.chunks(searcher.store.enterprise("ACME"))
    lawsuit = next(c for c in chunks if "Steelco" in c.text)
    overview = next(c for c in chunks if "principally engaged" in c.text)
    cite = lambda chunk, quote: {"chunk_id": chunk.chunk_id, "source": chunk.source, "page": chunk.page, "quote": quote}  # noqa: E731
    return {
        "industry": {"value": "auto parts", "evidence": [cite(overview, "brake systems for passenger vehicles")]},
        "main_business": {"value": "brake systems", "evidence": [cite(overview, "principally engaged in the design and manufacture of brake systems")]},
        "upstream": None, "downstream": None,
        "parties": [{"name": "BYD Company Limited", "role": "customer", "share": 0.485, "evidence": [cite(overview, "accounted for 48.5% of revenue")]}],
        "auditor": {"value": "Ernst & Young", "evidence": [cite(lawsuit, "Ernst & Young audited the statements")]},
        "audit_opinion": None, "controlling_shareholder": None,
        "scores": {"business_stability": {"score": 70, "rationale": "steady growth", "evidence": []},
                   "industry_chain_position": None, "financial_health": None, "governance": None, "external_risk": None},
        "red_flags": [{"type": "litigation", "severity": "medium", "date": "2024-03-05", "explanation": "Steelco sued for unpaid invoices.",
                       "evidence": [cite(lawsuit, "Steelco Trading Ltd. sued the Company for unpaid invoices of RMB 3.2 million")]}],
    }


def test_llm_profile_keeps_verified_claims_rejects_invented_quotes_and_records_the_prompt(
    indexed: Searcher, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-key")
    monkeypatch.setenv("EPROF_MODEL", "scripted-model")
    openai_server.script([Reply.status(500), Reply.json(_llm_extraction(indexed))])
    result = runner.invoke(app, ["profile", "ACME", "--json"])
    assert result.exit_code == 0, result.output
    profile = OperatingProfile.model_validate_json(result.stdout)
    assert (profile.extractor, profile.model, profile.prompt) == ("llm", "scripted-model", "profile@v1")
    assert profile.prompt_hash and profile.prompt_hash.startswith("sha256:")
    # The model's business_stability score cites nothing: rejected, the code's score stands instead.
    assert profile.auditor is None and [r.field for r in profile.rejected] == ["scores.business_stability", "auditor"]
    assert [p.name for p in profile.parties] == ["BYD Company Limited"] and profile.red_flags[0].type is RedFlagType.litigation
    offline = run_profile(load_settings(), "ACME", extractor="offline", searcher=indexed)
    assert profile.scores.business_stability == offline.scores.business_stability and offline.scores.business_stability.evidence
    assert profile.usage.calls == 1 and profile.usage.prompt_tokens > 0
    sent = json.dumps(openai_server.chat_requests[-1].json["messages"], ensure_ascii=False)
    assert "<documents>" in sent and "Steelco" in sent and "sk-test-secret-key" not in sent
    assert load_profile(load_settings(), "ACME") == profile  # written under the store


def test_llm_failures_are_one_line_errors(indexed: Searcher, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("EPROF_MODEL", "scripted-model")
    openai_server.script([Reply.text("not json at all")] * 3)
    result = runner.invoke(app, ["profile", "ACME"])
    assert result.exit_code == 1 and result.output.startswith("error:")
    assert "3 attempt" in result.output and len(result.output.strip().splitlines()) <= 3  # one wrapped line, no traceback
    missing = runner.invoke(app, ["profile", "ACME", "--extractor", "llm"], env={"EPROF_MODEL": "", "OPENAI_BASE_URL": ""})
    assert missing.exit_code == 1 and "needs an endpoint" in missing.output


def test_unknown_enterprise_and_bad_extractor(clean_environ: Path) -> None:
    assert "is not indexed" in runner.invoke(app, ["profile", "NOPE"]).output
    bad = runner.invoke(app, ["profile", "NOPE", "--extractor", "gpt"])
    assert bad.exit_code == 2 and "expected offline or llm" in bad.output

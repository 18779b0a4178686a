"""Filing type and period (detected, overridden, shown), period-aware search, bilingual keyword
tokens, page-level keyword ranking, and the keyword index a new process loads instead of building."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.retrieval.ingest import IngestJob, ingest_all, read_manifest
from eprof.retrieval.keyword import EnterpriseIndex
from eprof.retrieval.periods import QueryPeriod, detect, query_period
from eprof.retrieval.schema import Chunk, DocType
from eprof.retrieval.search import Searcher
from eprof.retrieval.store import Store
from eprof.retrieval.synonyms import statement_names
from eprof.retrieval.tokenize import tokens

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "filing", "period"),
    [
        ("FORM 10-K ANNUAL REPORT For the fiscal year ended OR December 31, 2020 TRANSITION REPORT", "10-K", "FY2020"),
        ("FORM 10-K (Mark One) For the fiscal year ended May 31, 2019", "10-K", "FY2019"),
        ("FORM 10-Q For the quarterly period ended Commission file March 31, 2021 number 1-5805", "10-Q", "Q1 2021"),
        ("FORM 8-K CURRENT REPORT Date of Report (Date of earliest event reported): May 18, 2022", "8-K", "2022-05-18"),
        ("常柴股份有限公司\n2019 年年度报告\n2020 年 04 月", "年度报告", "FY2019"),
        ("某某股份有限公司 2023年半年度报告", "半年度报告", "H1 2023"),
        ("某某股份有限公司 2024年第三季度报告", "季度报告", "Q3 2024"),
        ("Quarterly letter to shareholders, nothing about forms.", None, None),
    ],
)
def test_filing_and_period_are_read_from_the_cover(text: str, filing: str | None, period: str | None) -> None:
    found = detect(text)
    assert (found.filing, found.period) == (filing, period)


def test_a_filing_without_its_cover_is_known_by_what_it_says_most() -> None:
    body = "Table of contents. " + "x " * 4000 + (
        "This Annual Report on Form 10-K discusses. Consolidated statements of earnings, fiscal years ended May 29, 2022 "
        "and May 30, 2021. Balance sheets, years ended May 29, 2022. Notes for the year ended May 30, 2021."
    )
    found = detect(body)
    assert (found.filing, found.period) == ("10-K", "FY2022")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is the FY2017 - FY2019 3 year average of capex as a % of revenue?", QueryPeriod(2019)),
        ("Which segment had the lowest net revenue in 2021 Q1?", QueryPeriod(2021, 1)),
        ("Did VaR decrease in the second fiscal quarter of 2023 compared to the first?", QueryPeriod(2023, 2)),
        ("What was revenue in fiscal 2022 and FY21?", QueryPeriod(2022)),
        ("2023年第三季度营业收入是多少？", QueryPeriod(2023, 3)),
        ("合并利润表中2019年度的营业收入是多少？", QueryPeriod(2019)),
        ("上年的营业收入是多少？", QueryPeriod(2023)),
        ("Who is the chief executive officer?", None),
    ],
)
def test_the_question_names_its_latest_period(question: str, expected: QueryPeriod | None) -> None:
    assert query_period(question, latest_year=2024) == expected


def test_keyword_tokens_stem_english_drop_stop_words_keep_numbers_whole_and_segment_chinese() -> None:
    assert tokens("The Consolidated Balance Sheets of the company") == tokens("consolidated balance sheet company")
    assert tokens("Total assets were $12,345.67 million, up 12.5%") == ["total", "asset", "12345.67", "million", "12.5%"]
    chinese = tokens("营业收入增长")
    assert "收入" in chinese and "增长" in chinese


def _chunk(i: int, doc: str, page: int, text: str) -> tuple[Chunk, list[str]]:
    chunk = Chunk(chunk_id=f"c{i}", enterprise_id="E", doc_id=doc, doc_sha="0" * 64, source=f"{doc}.pdf",
                  doc_type=DocType.annual_report, page=page, page_end=page, ordinal=i, text=text)
    return chunk, tokens(text)


def test_page_ranking_puts_forward_the_page_whose_chunks_together_match() -> None:
    records = [
        _chunk(0, "a", 1, "inventories net 1,200"),
        _chunk(1, "a", 1, "total current assets 9,000"),
        _chunk(2, "a", 1, "consolidated balance sheets"),
        _chunk(3, "a", 2, "inventories were managed carefully through the year; inventories inventories"),
        _chunk(4, "b", 1, "consolidated balance sheets inventories total current assets"),
    ]
    index = EnterpriseIndex.from_records(records)
    query = tokens("consolidated balance sheets inventories total current assets")
    keyword, pages, titles, _ = index.rank(query, n=5)
    assert pages[0] == "c4" and pages[1] in {"c0", "c1", "c2"} and pages[2] == "c3" and len(pages) == 3
    assert titles[0] == "c4" and "c3" in titles
    keyword, pages, titles, _ = index.rank(query, n=5, scope={"a"})
    assert set(keyword) <= {"c0", "c1", "c2", "c3"} and pages[0] in {"c0", "c1", "c2"} and "c4" not in titles
    assert index.doc_of("c4") == "b" and index.doc_of("nope") is None


def _filing(folder: Path, year: int) -> Path:
    path = folder / f"acme-{year}.md"
    path.write_text(
        f"# Acme annual report {year}\n\nConsolidated statement of operations for fiscal {year} and {year - 1}. "
        "Net revenue grew as the widget segment expanded; operating income improved.\n",
        encoding="utf-8",
    )
    return path


def test_search_keeps_to_the_period_the_question_names_and_else_puts_the_latest_first(tmp_path: Path) -> None:
    searcher = Searcher.open(load_settings(home=tmp_path / "store"))
    jobs = [IngestJob(enterprise_id="ACME", path=_filing(tmp_path, year), doc_type=DocType.annual_report, filing="10-K", period=f"FY{year}")
            for year in (2018, 2019, 2020)]
    ingest_all(searcher.store, searcher.embedder, jobs)
    hits = searcher.search("ACME", "What was net revenue in FY2019?", k=3)
    assert [h.period for h in hits] == ["FY2019"] and hits[0].filing == "10-K" and hits[0].source == "acme-2019.md"
    assert {h.source for h in searcher.search("ACME", "operating income in fiscal 2017", k=3)} == {"acme-2018.md"}
    assert searcher.search("ACME", "How did net revenue develop?", k=3)[0].period == "FY2020"


def test_keyword_index_is_saved_at_ingest_and_loaded_by_a_new_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    _filing(tmp_path, 2020)
    result = runner.invoke(app, ["ingest", str(tmp_path / "acme-2020.md"), "-e", "ACME", "--period", "FY2020", "--filing", "10-K", "--store", str(store)])
    assert result.exit_code == 0, result.output
    saved = list((store / "keyword").glob("*.npz"))
    assert len(saved) == 1

    def no_rebuild(*_args: object) -> None:
        raise AssertionError("the keyword index was rebuilt from the store")

    monkeypatch.setattr(Store, "records", no_rebuild)
    fresh = Searcher.open(load_settings(home=store))
    assert fresh.search("ACME", "widget segment revenue", k=1)[0].source == "acme-2020.md"
    listed = json.loads(runner.invoke(app, ["enterprises", "--json", "--store", str(store)]).stdout)
    assert [(d["filing"], d["period"]) for d in listed[0]["documents"]] == [("10-K", "FY2020")]
    shown = runner.invoke(app, ["enterprises", "--store", str(store)], terminal_width=200).stdout
    assert "10-K FY2020" in shown


def test_manifest_columns_override_filing_and_period_and_a_bad_period_is_a_row_error(tmp_path: Path) -> None:
    _filing(tmp_path, 2021)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "enterprise_id,name,path,doc_type,published,filing,period\n"
        "ACME,Acme,acme-2021.md,annual_report,,10-K,FY2021\n"
        "ACME,Acme,acme-2021.md,annual_report,,10-K,last year\n",
        encoding="utf-8",
    )
    jobs, errors = read_manifest(manifest)
    assert [(j.filing, j.period) for j in jobs] == [("10-K", "FY2021")]
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [(3, "period")]


def test_a_statement_is_asked_for_by_its_other_names_in_the_query_language() -> None:
    english = statement_names("Using the balance sheet and the income statement, what is ROA?")
    assert "statement of financial position" in english and "statement of operations" in english
    assert "资产负债表" not in english and "cash" not in english
    assert statement_names("合并利润表中的营业收入") == "损益表"
    assert statement_names("Who is the auditor?") == ""

"""The analyst workbench on the demo corpus: year-aware and follow-up questions answered in the
question's language, table rows with their caption, flag questions, other-company refusals; the
financial spread; the credit memo rendered and read back (PDF to PNG with pdftoppm, text with
pypdf, xlsx with openpyxl); the portfolio and its watch-list."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from eprof.agent.profile import load_profile, statement_figures
from eprof.agent.qa_figures import ASKS_PARENT, figure_answer
from eprof.agent.qa_routing import route_question
from eprof.agent.schema import Evidence, Figure, RedFlagType
from eprof.kernel.errors import NotFoundError
from eprof.workflows.qa_session import QASession
from eprof.agent.qa_language import answer_language, localise, question_language
from eprof.agent.qa_names import trade_names
from eprof.agent.spread import build_spread
from eprof.cli import app
from eprof.kernel.config import Settings
from eprof.retrieval.search import Searcher
from eprof.risk.run import decide_profile, load_default_model
from tests.test_service import build_demo_store, demo_settings

runner = CliRunner()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = demo_settings(tmp_path_factory.mktemp("workbench") / "store")
    build_demo_store(settings, ("e001", "e008"))
    return settings


@pytest.fixture(scope="module")
def searcher(settings: Settings) -> Searcher:
    return Searcher.open(settings)


def test_periods_follow_the_conversation() -> None:
    first = route_question("公司2024年营业收入是多少？", None, (), "2024")
    change = route_question("比上年变化多少？", first, (), "2024")
    before = route_question("那前一年呢？", change, (), "2024")
    assert (first.figure, first.period, first.compare_to) == ("revenue", "2024", None)
    assert (change.figure, change.period, change.compare_to) == ("revenue", "2024", "2023")
    assert (before.figure, before.period, before.compare_to) == ("revenue", "2023", None)
    en = route_question("How did it change from 2023 to 2024?", route_question("What was revenue?", None, (), "2024"), (), "2024")
    assert (en.figure, en.period, en.compare_to) == ("revenue", "2024", "2023")
    assert route_question("And net profit?", en, (), "2024").model_dump(include={"figure", "period", "compare_to"}) == {
        "figure": "net_profit", "period": "2024", "compare_to": "2023"}
    assert route_question("控股股东是否占用公司资金？").topic == "red_flags"  # a flag question, not "who is the shareholder"
    assert route_question("账龄3年以上的应收账款有多少？").topic is None  # a note table's row, not the balance-sheet line


def test_language_frames_are_localised_and_quotes_kept() -> None:
    text = 'Auditor: 立信 [a.pdf p.2]\nOther matching passage (not a red flag): "Auditor: Grant Thornton" [a.pdf p.3]'
    out = localise(text, "zh")
    assert out.startswith("审计机构：立信 [a.pdf p.2]") and '"Auditor: Grant Thornton" [a.pdf p.3]' in out
    assert question_language("What was revenue in 2024?") == "en" and question_language("营业收入是多少？") == "zh"
    assert answer_language('Main customers:\n- 台州长宁开发建设有限公司 [a.pdf p.4]', ["1 台州长宁开发建设有限公司 81,982,600.00"]) == "en"
    assert trade_names("襄阳新程食品加工股份有限公司")[0] == "新程股份" and trade_names("河北建新化工股份有限公司")[0] == "建新股份"
    assert trade_names("Xiangyang Mingchuan Auto Parts Co., Ltd.") == ("Mingchuan",) and trade_names("常柴股份有限公司") == ()


def test_chinese_conversation_with_years_tables_and_cross_language(settings: Settings, searcher: Searcher) -> None:
    s = QASession(settings, "e001", "offline", searcher=searcher)
    revenue = s.ask("公司2024年营业收入是多少？")
    assert "473,887,754.32" in revenue.answer and "默认" not in revenue.answer and revenue.answer.startswith("营业收入")
    change = s.ask("比上年变化多少？")
    assert all(v in change.answer for v in ("473,887,754.32", "584,860,844.31", "-110,973,089.99", "-18.97%")), change.answer
    cited = " ".join(c.quote for c in change.citations)  # each value cited (here both sit on one table row)
    assert "473,887,754.32" in cited and "584,860,844.31" in cited and {c.page for c in change.citations} <= {3, 7}
    assert "584,860,844.31" in s.ask("那前一年呢？").answer
    default = s.ask("净利润是多少？")
    assert "-17,515,548.67" in default.answer and "默认为本期" in default.answer
    customers = s.ask("前五名客户是谁？")
    quotes = [c.quote for c in customers.citations]
    assert any("台州长宁开发建设有限公司" in q for q in quotes) and any("南通凯旋城市建设投资有限公司" in q for q in quotes)
    assert {c.page for c in customers.citations} == {4}
    ageing = s.ask("账龄3年以上的应收账款有多少？")
    assert [" ".join(c.quote.split()) for c in ageing.citations] == ["3年以上 4,782,664.36 6,770,658.17"]  # the row, verbatim
    guarantees = s.ask("Does the company provide any external guarantees?")
    assert not guarantees.abstained and any("违规对外担保" in c.quote for c in guarantees.citations)
    assert answer_language(guarantees.answer, [c.quote for c in guarantees.citations]) == "en"
    assert s.ask("What was Hongtuo's revenue?").abstained  # another indexed enterprise, named by its trade name


def test_english_report_flag_question_in_chinese_and_a_year_not_given(settings: Settings, searcher: Searcher) -> None:
    s = QASession(settings, "e008", "offline", searcher=searcher)
    funds = s.ask("控股股东是否占用公司资金？")
    assert funds.basis == "profile" and "133.45 million" in funds.answer and "风险信号" in funds.answer
    assert answer_language(funds.answer, [c.quote for c in funds.citations]) == "zh"
    assert "1,197,165,404.68" in s.ask("What was revenue in 2023?").answer
    gone = s.ask("And the year before?")
    assert gone.abstained and "2022" in gone.answer


def test_auditor_change_is_a_flag_question_and_the_part_asked_leads(settings: Settings, searcher: Searcher) -> None:
    for question in ("公司是否更换了会计师事务所？", "Has the company changed its auditor?", "Did the auditor resign?"):
        route = route_question(question)
        assert (route.topic, route.flag_types) == ("red_flags", (RedFlagType.audit_opinion,)), question
    assert route_question("审计意见是什么类型？").topic == "audit" and route_question("会计师事务所是哪家？").topic == "audit"
    s = QASession(settings, "e008", "offline", searcher=searcher)
    opinion, auditor = s.ask("What is the audit opinion?"), s.ask("Who is the auditor?")
    assert [line.split(":")[0] for line in opinion.answer.splitlines()] == ["Audit opinion", "Auditor"]  # its citation leads
    assert [line.split(":")[0] for line in auditor.answer.splitlines()] == ["Auditor", "Audit opinion"]


def _figure(name: str, value: float, page: int) -> Figure:
    return Figure(name=name, period="2019", value=value, as_printed=f"{value:,.2f} 元",  # type: ignore[arg-type]
                  evidence=[Evidence(chunk_id=f"c{page}", source="r.pdf", page=page, quote=f"{value:,.2f}")])


def test_the_parent_company_is_answered_from_its_own_statements_and_consolidated_by_default() -> None:
    statements = ([_figure("revenue", 1_175.0, 63), _figure("net_profit", 129.0, 64)], [_figure("revenue", 421.0, 65)], "2019")
    consolidated = figure_answer("revenue", None, None, statements, {}, "zh")
    parent = figure_answer("revenue", None, None, statements, {}, "en", parent=True)
    assert consolidated and "合并报表" in consolidated[0] and consolidated[1][0].page == 63
    assert parent and "parent-company statements" in parent[0] and "421.00" in parent[0] and parent[1][0].page == 65
    assert figure_answer("net_profit", None, None, statements, {}, "zh", parent=True) is None  # not the consolidated line instead
    assert ASKS_PARENT.search("母公司的营业收入是多少？") and ASKS_PARENT.search("What was the parent company's revenue?")
    assert not ASKS_PARENT.search("归属于母公司股东的净利润是多少？") and not ASKS_PARENT.search("net profit attributable to owners of the parent")


def test_a_figure_question_needs_neither_the_profile_nor_the_embedder(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold `eprof ask` with no saved profile: the figure is read from the statement tables, the same
    reading the profile holds, so the profile's searches (and the embedding model) wait for a question that needs them."""
    def none_saved(*_: object) -> None:
        raise NotFoundError("no profile saved")

    monkeypatch.setattr("eprof.workflows.qa_session.load_profile", none_saved)
    searcher = Searcher.open(settings)
    embedded: list[list[str]] = []
    embedder = searcher.embedder
    monkeypatch.setattr(searcher, "embedder", type("Watching", (), {"name": embedder.name, "embed": lambda _, texts: embedded.append(texts) or embedder.embed(texts)})())
    s = QASession(settings, "e001", "offline", searcher=searcher)
    total = s.ask("公司2024年末资产总计是多少？")
    assert "806,127,185.89" in total.answer and total.citations[0].page == 7  # the statement crosses pages 6-7; the row is on 7
    assert embedded == [] and "profile" not in vars(s) and "_decided" not in vars(s)
    figures, _, year = statement_figures(list(s.chunks.values()))
    assert [f for f in s.profile.figures if f.value is not None] == figures and s.profile.fiscal_year == year  # built now, same reading
    assert embedded  # the profile's topic searches


def test_spread_has_both_years_ratios_and_change(settings: Settings) -> None:
    spread = build_spread(load_profile(settings, "e001"))
    assert spread.years == ["2023", "2024"]
    lines = {line.name: line for line in spread.lines}
    assert lines["revenue"].cells["2024"].value == pytest.approx(473_887_754.32)
    assert lines["revenue"].yoy["2024"] == pytest.approx(473_887_754.32 / 584_860_844.31 - 1)
    assert lines["revenue"].cells["2024"].evidence.page in (3, 7)
    assert lines["debt_to_assets"].cells["2024"].value == pytest.approx(467_742_317.05 / 806_127_185.89)
    assert lines["net_profit"].yoy["2024"] is not None and lines["net_profit"].cells["2024"].value < 0


def test_memo_in_three_formats_opened_and_read(settings: Settings, tmp_path: Path) -> None:
    store = ["--store", str(settings.home)]
    for fmt in ("pdf", "xlsx", "md"):
        result = runner.invoke(app, ["memo", "e001", "--format", fmt, "--out", str(tmp_path / f"memo.{fmt}"), *store])
        assert result.exit_code == 0, result.output
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "memo.pdf").pages)
    assert "襄阳天祺建筑工程股份有限公司" in text and "Financial spread" in text and "executive_risk" in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(tmp_path / "memo.pdf"), str(tmp_path / "memo")], check=True)
    png = next(tmp_path.glob("memo*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    book = load_workbook(tmp_path / "memo.xlsx")
    assert book.sheetnames == ["Memo", "Spread", "Flags", "Citations"]
    assert "襄阳天祺建筑工程股份有限公司" in book["Memo"]["A1"].value
    assert [c.value for c in book["Spread"][1]] == ["line", "2023", "2024", "yoy 2024"]
    flags = list(book["Flags"].iter_rows(min_row=2, values_only=True))
    assert any(row[1] == "executive_risk" and "周立新" in row[3] and row[5] == 5 for row in flags)
    md = (tmp_path / "memo.md").read_text(encoding="utf-8")
    assert "## Decision" in md and "| revenue |" in md and "[annual-report.pdf p.5]" in md
    limit = decide_profile(load_profile(settings, "e001"), load_default_model()).decision.limit
    assert limit is not None and limit.amount is not None
    assert f"Limit: {limit.amount:,.0f} CNY" in md and "'steps'" not in md and "Limit step" in md  # read as an amount and its arithmetic
    assert runner.invoke(app, ["memo", "e001", "--format", "docx", *store]).exit_code != 0


def test_portfolio_lists_decisions_and_keeps_the_watch_list(settings: Settings) -> None:
    store = ["--store", str(settings.home)]
    rows = json.loads(runner.invoke(app, ["portfolio", "--json", "--sort", "pd", *store]).stdout)
    assert [r["enterprise_id"] for r in rows] == sorted((r["enterprise_id"] for r in rows), key=lambda e: e != "e001")
    e008 = next(r for r in rows if r["enterprise_id"] == "e008")
    assert e008["status"] == "ok" and e008["decision"] in ("refer", "decline") and e008["worst_severity"] == "critical"
    assert e008["flags"] >= 5 and e008["last_document"] and e008["grade"] and 0 <= e008["pd"] <= 1
    limit = decide_profile(load_profile(settings, "e008"), load_default_model()).decision.limit
    assert limit is not None and limit.amount is not None and e008["limit"] == limit.amount  # the decision's amount, not dropped
    assert runner.invoke(app, ["portfolio", "--watch", "e008", *store]).exit_code == 0
    watched = json.loads(runner.invoke(app, ["portfolio", "--json", "--watched", *store]).stdout)
    assert [r["enterprise_id"] for r in watched] == ["e008"] and watched[0]["watched"]
    assert json.loads((settings.home / "watchlist.json").read_text()) == ["e008"]
    runner.invoke(app, ["portfolio", "--unwatch", "e008", *store])
    assert json.loads(runner.invoke(app, ["portfolio", "--json", "--watched", *store]).stdout) == []

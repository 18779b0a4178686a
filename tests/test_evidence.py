"""Figures read from tables in code, accounting identities, numeric red flags, quote verification."""

from __future__ import annotations

import pytest

from eprof.agent.extraction import Extraction
from eprof.agent.financials import figures_from_chunk, identity_checks, parse_amount, read_figures, table_unit
from eprof.agent.ratios import compute_ratios
from eprof.agent.schema import DimensionScore, DimensionScores, Evidence, Party, RedFlag, RedFlagType, Severity, TextClaim
from eprof.agent.signals import numeric_flags
from eprof.agent.verify import check_evidence, verify_extraction
from eprof.agent.statements import read_statements
from eprof.retrieval.chunking import chunk_document
from eprof.retrieval.layout import page_blocks
from eprof.retrieval.schema import Chunk, DocType, Document, Page

BALANCE = """合并资产负债表
单位：万元
项目  2024年12月31日  2023年12月31日
流动资产：
货币资金  12,345.67  11,000.00
应收账款  8,765.43  4,000.00
资产总计  22,111.10  17,332.10
负债合计  12,111.10  7,332.10
所有者权益合计  10,000.00  10,000.00"""
INCOME = """Consolidated income statement
Unit: RMB thousand
Item  2024  2023
Revenue  50,000.00  48,000.00
Cost of sales  (41,000.00)  (39,000.00)
Net profit  -1,250.50  800.00"""


def chunk(text: str, *, chunk_id: str = "c1", kind: str = "table", page: int = 7, enterprise: str = "E1", source: str = "r.pdf") -> Chunk:
    return Chunk(chunk_id=chunk_id, enterprise_id=enterprise, doc_id="d", doc_sha="s", source=source, doc_type=DocType.annual_report,
                 page=page, page_end=page, kind=kind, ordinal=0, text=text)


def test_table_with_section_rows_is_one_block() -> None:
    blocks = page_blocks(BALANCE.splitlines() + ["", "董事会认为上述报表公允反映了财务状况。"], page=3)
    assert [b.kind for b in blocks] == ["table", "paragraph"]
    assert blocks[0].lines[0] == "合并资产负债表" and "流动资产：" in blocks[0].lines


def test_figures_are_normalised_to_yuan_with_period_unit_and_row_quote() -> None:
    figures = {(f.name, f.period): f for f in figures_from_chunk(chunk(BALANCE))}
    cash = figures[("cash", "2024")]
    assert cash.value == pytest.approx(123_456_700.0) and cash.as_printed == "12,345.67 万元"
    assert cash.evidence[0].quote == "货币资金  12,345.67  11,000.00" and cash.evidence[0].page == 7
    assert figures[("accounts_receivable", "2023")].value == pytest.approx(40_000_000.0)
    income = {(f.name, f.period): f.value for f in figures_from_chunk(chunk(INCOME))}
    assert income[("revenue", "2024")] == pytest.approx(50_000_000.0)
    assert income[("cost_of_sales", "2023")] == pytest.approx(39_000_000.0)  # a deduction, printed in brackets
    assert income[("net_profit", "2024")] == pytest.approx(-1_250_500.0)


@pytest.mark.parametrize(
    ("line", "factor"),
    [("单位：元", 1.0), ("单位：万元", 1e4), ("单位：亿元", 1e8), ("金额单位：人民币千元", 1e3), ("Unit: RMB thousand", 1e3),
     ("Unit: RMB million", 1e6), ("(In RMB thousands)", 1e3), ("Unit: RMB", 1.0), ("Consolidated balance sheet", None)],
)
def test_unit_lines(line: str, factor: float | None) -> None:
    assert table_unit([line]) == factor


def test_no_unit_line_means_no_figure() -> None:
    assert figures_from_chunk(chunk("资产负债表\n项目  2024年  2023年\n货币资金  1,000.00  900.00\n应收账款  10.00  9.00")) == []


@pytest.mark.parametrize(("cell", "value"), [("1,234.50", 1234.5), ("(1,234.50)", -1234.5), ("-7.00", -7.0), ("—", None), ("12%", None)])
def test_amounts(cell: str, value: float | None) -> None:
    assert parse_amount(cell) == value


def test_statement_tables_win_over_other_tables_and_identities_are_checked() -> None:
    summary = chunk("主要会计数据\n单位：万元\n项目  2024年  2023年\n应收账款  9,999.99  4,000.00", chunk_id="c0")
    figures = read_figures([summary, chunk(BALANCE)])
    assert figures[("accounts_receivable", "2024")].value == pytest.approx(87_654_300.0)
    checks = identity_checks(figures, ["2024", "2023"])
    assert [(c.rule, c.period, c.passed) for c in checks] == [("assets = liabilities + equity", "2024", True), ("assets = liabilities + equity", "2023", True)]
    broken = read_figures([chunk(BALANCE.replace("10,000.00  10,000.00", "9,000.00  10,000.00"))])
    assert [c.passed for c in identity_checks(broken, ["2024"])] == [False]


def test_numeric_flags_from_receivables_and_losses() -> None:
    figures = read_figures([chunk(BALANCE), chunk(INCOME, chunk_id="c2", page=9)])
    current = {n: f.value for (n, p), f in figures.items() if p == "2024"}
    prior = {n: f.value for (n, p), f in figures.items() if p == "2023"}
    ratios = compute_ratios(current, prior)
    flags = {f.type: f for f in numeric_flags(figures, ratios, "2024")}
    assert flags[RedFlagType.receivables_anomaly].severity is Severity.high  # AR +119% vs revenue +4%
    loss = flags[RedFlagType.earnings_decline]
    assert loss.severity is Severity.high and loss.evidence[0].quote == "Net profit  -1,250.50  800.00" and loss.evidence[0].page == 9


def _ev(quote: str, chunk_id: str = "t1", page: int = 3, source: str = "r.pdf") -> Evidence:
    return Evidence(chunk_id=chunk_id, source=source, page=page, quote=quote)


def test_quote_matching_ignores_whitespace_and_width_only() -> None:
    text = chunk("报告期内，公司与华润钢铁的买卖合同纠纷\n诉讼涉案金额１,２00万元。", chunk_id="t1", kind="text", page=3)
    chunks = {"t1": text}
    assert check_evidence(_ev("买卖合同纠纷 诉讼涉案金额1,200万元"), chunks, "E1") is None
    assert check_evidence(_ev("买卖合同纠纷诉讼涉案金额1,300万元"), chunks, "E1") == "quote not found in the cited chunk"
    assert check_evidence(_ev("买卖合同纠纷", page=4), chunks, "E1").startswith("page 4")
    assert check_evidence(_ev("买卖合同纠纷", source="x.pdf"), chunks, "E1").startswith("source")
    assert check_evidence(_ev("买卖合同纠纷", chunk_id="zz"), chunks, "E1").startswith("cited chunk is not")
    assert check_evidence(_ev("买卖合同纠纷"), chunks, "E2") == "cited chunk belongs to another enterprise"
    assert check_evidence(_ev("诉讼"), chunks, "E1") == "quote too short to verify"


def test_verification_drops_unsupported_claims_and_records_why() -> None:
    chunks = {"t1": chunk("公司主营业务为汽车制动系统的研发与制造。公司最大客户比亚迪销售占比45%。", chunk_id="t1", kind="text", page=3)}
    good = _ev("公司主营业务为汽车制动系统的研发与制造")
    extraction = Extraction(
        main_business=TextClaim(value="汽车制动系统", evidence=[good]),
        auditor=TextClaim(value="天健会计师事务所", evidence=[_ev("天健会计师事务所出具标准无保留意见")]),
        parties=[Party(name="比亚迪", role="customer", share=0.45, evidence=[_ev("公司最大客户比亚迪销售占比45%")]),
                 Party(name="吉利", role="customer", evidence=[_ev("吉利汽车为第二大客户")])],
        scores=DimensionScores(governance=DimensionScore(score=80, rationale="x", evidence=[_ev("内部控制有效")])),
        red_flags=[RedFlag(type=RedFlagType.litigation, severity=Severity.high, explanation="invented", evidence=[_ev("公司被起诉")])],
    )
    verified, rejected = verify_extraction(extraction, chunks, "E1")
    assert verified.main_business is not None and verified.auditor is None
    assert [p.name for p in verified.parties] == ["比亚迪"] and verified.red_flags == [] and verified.scores.governance is None
    assert sorted(r.field for r in rejected) == ["auditor", "parties[1]", "red_flags[0].litigation", "scores.governance"]
    assert {r.reason for r in rejected} == {"quote not found in the cited chunk"}


def test_a_row_after_the_repeated_header_cites_the_continuation_page() -> None:
    text = BALANCE.replace("资产总计", "项目  2024年12月31日  2023年12月31日\n资产总计")
    crossing = Chunk(chunk_id="x", enterprise_id="E1", doc_id="d", doc_sha="s", source="r.pdf", doc_type=DocType.annual_report,
                     page=7, page_end=8, kind="table", ordinal=0, text=text)
    pages = {(f.name, f.period): f.evidence[0].page for f in figures_from_chunk(crossing)}
    assert pages[("cash", "2024")] == 7 and pages[("total_assets", "2024")] == 8 and pages[("total_equity", "2023")] == 8


def test_a_header_repeated_with_other_spacing_still_marks_the_continuation_page() -> None:
    """PDF text keeps each page's own column spacing, so the repeated header is matched by its cells."""
    text = BALANCE.replace("资产总计", "      项目            2024年12月31日        2023年12月31日\n资产总计")
    crossing = Chunk(chunk_id="x", enterprise_id="E1", doc_id="d", doc_sha="s", source="r.pdf", doc_type=DocType.annual_report,
                     page=6, page_end=7, kind="table", ordinal=0, text=text)
    pages = {(f.name, f.period): f.evidence[0].page for f in figures_from_chunk(crossing)}
    assert pages[("cash", "2024")] == 6 and pages[("total_assets", "2024")] == 7


def test_a_statement_crossing_a_page_cites_each_row_on_its_own_page() -> None:
    """The statement reader (consolidated vs parent) cites the page a row is printed on, not the page the table starts on."""
    first = "合并资产负债表\n单位：元\n项目        2024年12月31日        2023年12月31日\n货币资金        1,000.00        900.00\n应收账款        10.00        9.00"
    second = "   项目                 2024年12月31日                2023年12月31日\n资产总计        1,010.00        909.00\n负债合计        500.00        400.00"
    document = Document(path="r.pdf", source="r.pdf", sha256="0" * 64, format="pdf", pages=[Page(number=6, text=first), Page(number=7, text=second)])
    chunks = chunk_document(document, "E1", DocType.annual_report)
    assert [(c.kind, c.page, c.page_end) for c in chunks] == [("table", 6, 7)]
    primary = read_statements(chunks).primary
    assert primary[("cash", "2024")].evidence[0].page == 6
    assert primary[("total_assets", "2024")].evidence[0].page == 7 and primary[("total_liabilities", "2023")].evidence[0].page == 7


def test_published_json_schemas_match_the_models() -> None:
    """A contract change must be deliberate: bump SCHEMA_VERSION and re-export with `python -m eprof.agent.schema`."""
    import json

    from eprof.agent.schema import EXPORTED, SCHEMA_DIR

    for name, model in EXPORTED.items():
        assert json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")) == model.model_json_schema(), name

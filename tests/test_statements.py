"""Statement pages: which pages a primary statement heads or runs on to, which statements a
question asks for, and the keyword index ranking those pages on their own."""

from __future__ import annotations

from eprof.retrieval.keyword import EnterpriseIndex
from eprof.retrieval.schema import Chunk, DocType
from eprof.retrieval.statements import asked_statements, page_statements, titles
from eprof.retrieval.tokenize import tokens

INCOME, BALANCE, CASH = 1 << 0, 1 << 2, 1 << 4
PARENT_INCOME, PARENT_BALANCE = 1 << 1, 1 << 3


def test_a_title_heads_its_page_and_a_mention_in_a_sentence_is_not_one() -> None:
    assert titles("ACME, INC.\nCONSOLIDATED STATEMENTS OF OPERATIONS\n(In millions)")
    assert titles("Walmart Inc.\nConsolidated Balance Sheets")
    assert not titles("We have audited the accompanying consolidated balance sheets and the related consolidated statements of income")
    assert not titles("Amounts recognised in our Consolidated Statements of Income were as follows")
    assert titles("3、合并利润表 单位：元 项目 2019年度")
    assert not titles("受影响的合并资产负债表项目 调整数")


def test_a_statement_runs_on_until_its_end_and_the_parent_company_one_is_told_apart() -> None:
    pages = [
        "审计报告 我们审计了财务报表",
        "1、合并资产负债表 单位：元 流动资产： 货币资金 1,000",
        "非流动资产： 长期股权投资 流动负债合计",
        "负债合计 所有者权益合计 法定代表人：张三 2、母公司资产负债表 单位：元 货币资金",
        "十、财务报表附注 货币资金 1,000 存货",
    ]
    assert page_statements(pages) == [0, BALANCE, BALANCE, BALANCE | PARENT_BALANCE, PARENT_BALANCE]
    bank = ["合并利润表 (除特别注明外，金额单位均为人民币百万元) 利息收入", "银行利润表 (除特别注明外，金额单位均为人民币百万元) 利息收入"]
    assert page_statements(bank) == [INCOME, PARENT_INCOME]
    contents = "目录 合并资产负债表 7-8 合并利润表 11-12 合并现金流量表 19-21"
    assert page_statements([contents.replace(" ", "\n")]) == [0]
    english = ["ACME CORP\nCONSOLIDATED STATEMENTS OF CASH FLOWS\n(In millions) ... See accompanying notes.", "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS"]
    assert page_statements(english) == [CASH, 0]


def test_a_question_asks_for_the_statement_it_names_or_whose_line_items_its_metric_needs() -> None:
    assert asked_statements("合并利润表中2019年度的营业收入是多少？") == INCOME
    assert asked_statements("母公司资产负债表中的货币资金") == PARENT_BALANCE
    assert asked_statements("What is the FY2018 DPO for Walmart?") & BALANCE
    assert asked_statements("What is the capex of Adobe?") & CASH
    assert asked_statements("Who is the chief executive officer?") == 0


def _chunk(i: int, page: int, text: str) -> tuple[Chunk, list[str]]:
    chunk = Chunk(chunk_id=f"c{i}", enterprise_id="E", doc_id="a", doc_sha="0" * 64, source="a.pdf",
                  doc_type=DocType.annual_report, page=page, page_end=page, ordinal=i, text=text)
    return chunk, tokens(text)


def test_the_index_ranks_the_pages_of_the_statement_asked_and_saves_them(tmp_path) -> None:  # noqa: ANN001
    records = [
        _chunk(0, 1, "Net sales grew; cost of sales and net sales are discussed in our consolidated statements of income."),
        _chunk(1, 2, "ACME, INC."),
        _chunk(2, 2, "CONSOLIDATED STATEMENTS OF INCOME (In millions) Net sales 1,000 Cost of sales 600"),
        _chunk(3, 3, "ACME, INC. CONSOLIDATED BALANCE SHEETS Inventories 50"),
    ]
    index = EnterpriseIndex.from_records(records)
    query = tokens("What were net sales and cost of sales in the income statement?")
    ranked = index.rank(query, n=5, statements=asked_statements("net sales in the income statement"))
    assert ranked.statements == ["c2"]
    assert index.rank(query, n=5).statements == []
    index.save(tmp_path / "i.npz")
    assert EnterpriseIndex.load(tmp_path / "i.npz").statements.tolist() == index.statements.tolist() == [0, INCOME, BALANCE]

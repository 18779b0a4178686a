"""The names statements and metrics go by, for keyword queries.

A question says "income statement" or "balance sheet"; a US filing heads the page "Consolidated
Statements of Operations" (or of Earnings, of Income) and "Statements of Financial Position"; a
Chinese report says 利润表 or 损益表. A question asks for a metric ("operating margin", "DPO",
"free cash flow") that no page prints: the page holds the line items it is computed from. BM25
only matches words, so a query naming a statement also asks for the words of its other names, and
one naming a metric for its statement and line items. These are the formats' and the textbook's names, not any
one company's.
"""

from __future__ import annotations

import re

STATEMENTS = [
    ("income statement", "statement of operations", "statement of earnings", "statement of income", "利润表", "损益表"),
    ("balance sheet", "statement of financial position", "statement of financial condition", "资产负债表"),
    ("cash flow statement", "statement of cash flows", "现金流量表"),
    ("statement of shareholders equity", "statement of stockholders equity", "statement of changes in equity", "所有者权益变动表", "股东权益变动表"),
]
METRICS = {
    "operating margin": "income statement operating income total revenue net sales",
    "gross margin": "income statement gross profit total revenue cost of revenue cost of sales",
    "net margin": "income statement net income total revenue",
    "ebitda": "income statement operating income depreciation amortization",
    "free cash flow": "cash flow statement net cash provided by operating activities purchases of property and equipment capital expenditures",
    "fcf": "cash flow statement net cash provided by operating activities purchases of property and equipment capital expenditures",
    "capex": "cash flow statement capital expenditures purchases of property and equipment",
    "capital expenditure": "cash flow statement purchases of property and equipment",
    "cogs": "income statement cost of sales cost of revenue cost of goods sold",
    "pp&e": "balance sheet property and equipment net",
    "fixed asset": "balance sheet property and equipment net",
    "working capital": "balance sheet total current assets total current liabilities",
    "current ratio": "balance sheet total current assets total current liabilities",
    "quick ratio": "balance sheet cash and cash equivalents accounts receivable total current liabilities",
    "return on assets": "balance sheet net income total assets",
    "roa": "balance sheet net income total assets",
    "return on equity": "balance sheet net income total equity",
    "roe": "balance sheet net income total equity",
    "days payable": "balance sheet accounts payable cost of sales inventories",
    "dpo": "balance sheet accounts payable cost of sales inventories",
    "days sales": "balance sheet accounts receivable total revenue",
    "dso": "balance sheet accounts receivable total revenue",
    "inventory turnover": "balance sheet inventories cost of sales",
    "dio": "balance sheet inventories cost of sales",
    "cash conversion cycle": "balance sheet accounts payable accounts receivable inventories cost of sales",
    "effective tax rate": "income statement provision for income taxes income before income taxes",
    "dividend": "cash flow statement cash dividends paid financing activities",
    "debt": "balance sheet long-term debt short-term borrowings",
    "revenue": "income statement total revenue net sales",
    "毛利率": "利润表 营业收入 营业成本",
    "净利率": "利润表 净利润 营业收入",
    "资产负债率": "资产负债表 负债合计 资产总计",
    "流动比率": "资产负债表 流动资产合计 流动负债合计",
    "速动比率": "资产负债表 流动资产合计 存货 流动负债合计",
    "净资产收益率": "利润表 净利润 所有者权益合计",
    "应收账款周转": "资产负债表 应收账款 营业收入",
    "存货周转": "资产负债表 存货 营业成本",
    "自由现金流": "现金流量表 经营活动产生的现金流量净额 购建固定资产",
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PLURAL = re.compile(r"\b(statement|sheet|flow)s\b")
_FILLER = re.compile(r"[’'`]s?\b|\b(consolidated|the)\b")


def _fold(text: str) -> str:
    return " ".join(_FILLER.sub(" ", _PLURAL.sub(r"\1", text.lower())).split())


def statement_names(query: str) -> str:
    """The other names, in the query's language, of the statements the query names (empty when
    it names none)."""
    folded = _fold(query)
    chinese = _CJK.search(query) is not None
    extra = [items for metric, items in METRICS.items() if _names(metric, folded)]
    asked = folded + " " + " ".join(extra)
    extra += [
        name
        for names in STATEMENTS
        if any(n in asked for n in names)
        for name in names
        if name not in asked and (_CJK.search(name) is not None) == chinese
    ]
    return " ".join(extra)


def _names(term: str, folded: str) -> bool:
    """Whether the query names `term` as a word (an abbreviation must not match inside a word)."""
    if _CJK.search(term):
        return term in folded
    return re.search(r"(?<![a-z])" + re.escape(term) + r"(?![a-z])", folded.replace("cashflow", "cash flow")) is not None

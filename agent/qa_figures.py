"""Figure answers: the value of one statement line for the year asked, or two years with the change
computed here in code, each value cited to its table row.

The profile's figures are read from the statement tables (agent.statements, agent.financials);
this module only chooses and words them. The default is the consolidated value; a question that
asks for the parent company (母公司) is answered from the parent's statements, which the reader
keeps apart. The answer says which statement the value comes from (consolidated, parent company,
or the company's own statements when the report has no group) and whether the year was asked or
is the default current fiscal year. A year the documents do not give is
answered "not in the documents", with the years they do give.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from eprof.agent.qa_language import Language
from eprof.agent.qa_tables import caption
from eprof.agent.schema import Evidence, Figure, FigureName
from eprof.retrieval.schema import Chunk

ASKS_PARENT = re.compile(
    r"(?<!归属于)母公司(?!所有者|股东|普通股)|(?<!owners of the )(?<!holders of the )\bparent\b(?! company'?s? (?:owners|shareholders))", re.I
)
"""A question about the parent company's own statements; "归属于母公司股东的净利润" (attributable to the parent's owners) is a consolidated line."""

NAMES_ZH: dict[str, str] = {
    "revenue": "营业收入", "cost_of_sales": "营业成本", "gross_profit": "毛利", "net_profit": "净利润", "total_assets": "资产总计",
    "total_liabilities": "负债合计", "total_equity": "所有者权益合计", "current_assets": "流动资产合计",
    "current_liabilities": "流动负债合计", "cash": "货币资金", "accounts_receivable": "应收账款", "inventory": "存货",
    "short_term_borrowings": "短期借款", "long_term_borrowings": "长期借款", "operating_cash_flow": "经营活动产生的现金流量净额",
    "finance_costs": "财务费用",
}


def figure_label(name: FigureName, language: Language) -> str:
    return NAMES_ZH.get(name, name) if language == "zh" else name.replace("_", " ").capitalize()


def statement_scope(figure: Figure, chunks: Mapping[str, Chunk]) -> str | None:
    """'parent' or 'consolidated' when the cited table's caption says so, else None (one entity's statements)."""
    chunk = chunks.get(figure.evidence[0].chunk_id) if figure.evidence else None
    if chunk is None:
        return None
    head = " ".join([chunk.section or "", caption(chunk, chunks)]).lower()
    if "母公司" in head or "parent" in head:
        return "parent"
    if "合并" in head or "consolidated" in head:
        return "consolidated"
    return None


def _cite(e: Evidence) -> str:
    return f"[{e.source} p.{e.page}]"


def _value(f: Figure) -> str:
    return f.as_printed or f"{f.value:,.2f} {f.currency}"


def _scope_words(scope: str | None, language: Language) -> str:
    if language == "zh":
        return {"consolidated": "合并报表", "parent": "母公司报表"}.get(scope or "", "公司财务报表")
    return {"consolidated": "consolidated statements", "parent": "parent-company statements"}.get(scope or "", "the company's statements")


def _find(figures: Sequence[Figure], name: FigureName, period: str | None) -> Figure | None:
    return next((f for f in figures if f.name == name and f.period == period and f.value is not None and f.evidence), None)


def figure_answer(
    name: FigureName,
    period: str | None,
    compare_to: str | None,
    statements: tuple[Sequence[Figure], Sequence[Figure], str | None],
    chunks: Mapping[str, Chunk],
    language: Language,
    parent: bool = False,
) -> tuple[str, list[Evidence], bool] | None:
    """(text, citations, found) for a figure question from the profile's `statements`: its figures,
    the parent company's and the fiscal year (`agent.profile.statement_figures`). None when there is
    no value of it at all; when `parent` was asked and the report's group statements have no parent
    line for it; or when only a parent-company value was read while `parent` was not asked for.

    `period` None means the current fiscal year. found is False when the year asked is not given.
    """
    primary, parents, fiscal_year = statements
    if parent and parents and not any(f.name == name for f in parents):
        return None
    figures = parents if parent and parents else primary
    label = figure_label(name, language)
    year = period or fiscal_year
    main = _find(figures, name, year)
    other = _find(figures, name, compare_to) if compare_to else None
    given = sorted({f.period for f in figures if f.name == name and f.value is not None and f.evidence}, reverse=True)
    if not given:
        return None
    if main is None and other is None:
        if language == "zh":
            return f"not in the documents：文件中没有{year}年的{label}；文件给出的年份：{'、'.join(given)}。", [], False
        return f"not in the documents: {label.lower()} for {year} is not given; the documents give {', '.join(given)}.", [], False
    kind = "parent" if figures is parents else statement_scope(main or other, chunks) or ("consolidated" if parents else None)  # type: ignore[arg-type]
    if kind == "parent" and not parent:
        return None
    scope = _scope_words(kind, language)
    default = period is None and compare_to is None
    lines = []
    for f, y in ((main, year), (other, compare_to)):
        if y is None:
            continue
        if f is None:
            lines.append(f"{y}年：文件中没有该数值" if language == "zh" else f"{y}: not in the documents")
        else:
            lines.append(f"{y}年：{_value(f)} {_cite(f.evidence[0])}" if language == "zh" else f"{y}: {_value(f)} {_cite(f.evidence[0])}")
    if language == "zh":
        head = f"{label}（{scope}" + ("，默认为本期" if default else "") + "）："
    else:
        head = f"{label} ({scope}" + (", current fiscal year by default" if default else "") + "): "
    text = head + ("；" if language == "zh" else "; ").join(lines)
    if main is not None and other is not None and main.value is not None and other.value is not None:
        change = main.value - other.value
        unit = main.currency
        pct = f" ({change / abs(other.value):+.2%})" if other.value else ""
        if language == "zh":
            text += f"；变动 {change:+,.2f} {unit}{pct.replace('(', '（').replace(')', '）')}，由两期数值计算得出。"
        else:
            text += f"; change {change:+,.2f} {unit}{pct}, computed from the two values."
    cited = [f.evidence[0] for f in (main, other) if f is not None]
    return text, cited, True

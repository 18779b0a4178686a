"""Financial ratios, computed in code from table-read figures (never by an LLM).

A ratio whose inputs are missing, or whose denominator is zero, is None: missing stays missing.
"""

from __future__ import annotations

from collections.abc import Mapping

from eprof.agent.schema import FigureName

RATIO_NAMES: tuple[str, ...] = (
    "debt_to_assets",
    "current_ratio",
    "gross_margin",
    "net_margin",
    "return_on_assets",
    "revenue_growth",
    "receivable_days",
    "inventory_days",
    "ocf_to_liabilities",
    "interest_coverage",
    "receivables_growth_gap",
)
"""Every ratio the risk model may use; compute_ratios returns exactly these keys."""

RATIO_INPUTS: dict[str, tuple[FigureName, ...]] = {
    "debt_to_assets": ("total_liabilities", "total_assets"),
    "current_ratio": ("current_assets", "current_liabilities"),
    "gross_margin": ("revenue", "cost_of_sales"),
    "net_margin": ("net_profit", "revenue"),
    "return_on_assets": ("net_profit", "total_assets"),
    "revenue_growth": ("revenue",),
    "receivable_days": ("accounts_receivable", "revenue"),
    "inventory_days": ("inventory", "cost_of_sales"),
    "ocf_to_liabilities": ("operating_cash_flow", "total_liabilities"),
    "interest_coverage": ("net_profit", "finance_costs"),
    "receivables_growth_gap": ("accounts_receivable", "revenue"),
}
"""The figures each ratio is computed from: a reason code on a ratio cites their table rows."""

Figures = Mapping[FigureName, float | None]


def _div(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _growth(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before <= 0:
        return None
    return now / before - 1.0


def compute_ratios(current: Figures, prior: Figures | None = None) -> dict[str, float | None]:
    """Ratios for one fiscal year; `prior` (the year before) enables growth ratios.

    receivables_growth_gap is receivables growth minus revenue growth: receivables growing far
    faster than sales is a classic sign of channel stuffing or collection trouble.
    """
    prior = prior or {}
    g = current.get
    revenue, cost = g("revenue"), g("cost_of_sales")
    gross = g("gross_profit")
    if gross is None and revenue is not None and cost is not None:
        gross = revenue - cost
    profit_before_interest = None
    if g("net_profit") is not None and g("finance_costs") is not None:
        profit_before_interest = g("net_profit") + g("finance_costs")
    revenue_growth = _growth(revenue, prior.get("revenue"))
    receivables_growth = _growth(g("accounts_receivable"), prior.get("accounts_receivable"))
    gap = None
    if revenue_growth is not None and receivables_growth is not None:
        gap = receivables_growth - revenue_growth
    receivable_days = _div(g("accounts_receivable"), revenue)
    inventory_days = _div(g("inventory"), cost)
    return {
        "debt_to_assets": _div(g("total_liabilities"), g("total_assets")),
        "current_ratio": _div(g("current_assets"), g("current_liabilities")),
        "gross_margin": _div(gross, revenue),
        "net_margin": _div(g("net_profit"), revenue),
        "return_on_assets": _div(g("net_profit"), g("total_assets")),
        "revenue_growth": revenue_growth,
        "receivable_days": None if receivable_days is None else receivable_days * 365,
        "inventory_days": None if inventory_days is None else inventory_days * 365,
        "ocf_to_liabilities": _div(g("operating_cash_flow"), g("total_liabilities")),
        "interest_coverage": _div(profit_before_interest, g("finance_costs")),
        "receivables_growth_gap": gap,
    }

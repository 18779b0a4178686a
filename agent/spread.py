"""The financial spread: every fiscal year the profile's figures give, key statement lines side by
side, ratios per year (agent.ratios, the same code the risk model uses) and year-on-year change.

Built only from the profile's table-read figures, so every cell has a table row behind it (the
citation travels with the cell); a line or year the documents do not give stays None. Growth is
computed only against a positive base (a change from a loss is shown as an amount, not a %).
"""

from __future__ import annotations

import itertools

from eprof.agent.ratios import compute_ratios
from eprof.agent.schema import Evidence, FigureName, OperatingProfile
from eprof.kernel.contract import Contract

SPREAD_LINES: tuple[FigureName, ...] = (
    "revenue", "cost_of_sales", "gross_profit", "net_profit", "operating_cash_flow", "cash", "accounts_receivable", "inventory",
    "current_assets", "total_assets", "short_term_borrowings", "long_term_borrowings", "current_liabilities",
    "total_liabilities", "total_equity", "finance_costs",
)
SPREAD_RATIOS: tuple[str, ...] = ("gross_margin", "net_margin", "debt_to_assets", "current_ratio", "return_on_assets",
                                  "receivable_days", "inventory_days", "ocf_to_liabilities", "interest_coverage")


class SpreadCell(Contract):
    value: float | None
    as_printed: str | None = None
    evidence: Evidence | None = None


class SpreadLine(Contract):
    name: str
    kind: str  # "figure" | "ratio"
    cells: dict[str, SpreadCell]
    yoy: dict[str, float | None] = {}
    """year -> change against the year before: relative for figures (None when the base is not positive), difference for ratios"""


class Spread(Contract):
    schema_version: str = "spread/1"
    enterprise_id: str
    currency: str = "CNY"
    years: list[str]
    """oldest first"""
    lines: list[SpreadLine]


def build_spread(profile: OperatingProfile) -> Spread:
    """The spread of one profile (see the module docstring)."""
    found = {(f.name, f.period): f for f in profile.figures if f.value is not None}
    years = sorted({period for _, period in found})
    lines: list[SpreadLine] = []
    for name in SPREAD_LINES:
        cells = {y: SpreadCell(value=f.value, as_printed=f.as_printed, evidence=f.evidence[0] if f.evidence else None)
                 for y in years if (f := found.get((name, y))) is not None}
        if cells:
            lines.append(SpreadLine(name=name, kind="figure", cells=cells, yoy=_yoy({y: c.value for y, c in cells.items()}, years, relative=True)))
    by_year = {y: {name: f.value for (name, period), f in found.items() if period == y} for y in years}
    ratios = {y: compute_ratios(by_year[y], by_year.get(str(int(y) - 1)) if y.isdigit() else None) for y in years}
    for name in SPREAD_RATIOS:
        values = {y: ratios[y][name] for y in years if ratios[y][name] is not None}
        if values:
            lines.append(SpreadLine(name=name, kind="ratio", cells={y: SpreadCell(value=v) for y, v in values.items()},
                                    yoy=_yoy(values, years, relative=False)))
    return Spread(enterprise_id=profile.enterprise_id, years=years, lines=lines)


def _yoy(values: dict[str, float | None], years: list[str], *, relative: bool) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for before, year in itertools.pairwise(years):
        now, base = values.get(year), values.get(before)
        if now is None or base is None or not (year.isdigit() and before.isdigit() and int(year) - int(before) == 1):
            continue
        out[year] = (now / base - 1.0 if base > 0 else None) if relative else now - base
    return out


def spread_rows(spread: Spread) -> list[list[str]]:
    """The spread as text rows: line, each year, then each year-on-year change."""
    header = ["line", *spread.years, *(f"yoy {y}" for y in spread.years[1:])]
    rows = [header]
    for line in spread.lines:
        cells = [_fmt(line.cells[y].value if y in line.cells else None, line.kind) for y in spread.years]
        yoy = [("—" if line.yoy.get(y) is None else (f"{line.yoy[y]:+.1%}" if line.kind == "figure" else f"{line.yoy[y]:+.3f}")) for y in spread.years[1:]]
        rows.append([line.name, *cells, *yoy])
    return rows


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if kind == "figure" else f"{value:.3f}"

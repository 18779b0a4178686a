"""Red flags implied by the numbers, computed in code from table-read figures.

These need no language model: receivables growing far faster than revenue, a net loss, or a
steep fall in revenue are arithmetic. The evidence is the table rows the figures came from.
"""

from __future__ import annotations

from eprof.agent.schema import Evidence, Figure, FigureName, RedFlag, RedFlagType, Severity

RECEIVABLES_GAP_MEDIUM = 0.30
"""Receivables growth minus revenue growth above which receivables look anomalous."""
RECEIVABLES_GAP_HIGH = 0.60
REVENUE_DROP = -0.20
"""Revenue growth below which the decline is a red flag even without a loss."""
PROFIT_DROP = -0.20
"""Net profit growth (both years read from the statements) below which earnings declined."""
PROFIT_DROP_HIGH = -0.50
RECEIVABLES_UP = 0.05
"""Receivables growth above which, while revenue fell, receivables are outgrowing sales."""
CASH_BURN_HIGH = 0.05
"""Operating cash outflow / revenue beyond which cash flow turning negative is high severity."""

Figures = dict[tuple[FigureName, str], Figure]


def _evidence(figures: Figures, *keys: tuple[FigureName, str]) -> list[Evidence]:
    seen: dict[str, Evidence] = {}
    for key in keys:
        figure = figures.get(key)
        for item in figure.evidence if figure else []:
            seen.setdefault(item.quote, item)
    return list(seen.values())


def numeric_flags(figures: Figures, ratios: dict[str, float | None], year: str | None) -> list[RedFlag]:
    if year is None:
        return []
    prior = str(int(year) - 1)
    flags: list[RedFlag] = []
    gap = ratios.get("receivables_growth_gap")
    growth = ratios.get("revenue_growth")
    receivables_growth = _growth(figures, "accounts_receivable", year, prior)
    if gap is not None and gap <= RECEIVABLES_GAP_MEDIUM and growth is not None and growth < 0 and (receivables_growth or 0) > RECEIVABLES_UP:
        flags.append(RedFlag(
            type=RedFlagType.receivables_anomaly,
            severity=Severity.medium,
            explanation=f"In {year} accounts receivable grew {receivables_growth:.1%} while revenue fell {-growth:.1%} (computed from the statements).",
            evidence=_evidence(figures, ("accounts_receivable", year), ("accounts_receivable", prior), ("revenue", year), ("revenue", prior)),
        ))
    if gap is not None and gap > RECEIVABLES_GAP_MEDIUM:
        evidence = _evidence(figures, ("accounts_receivable", year), ("revenue", year))
        if evidence:
            flags.append(RedFlag(
                type=RedFlagType.receivables_anomaly,
                severity=Severity.high if gap > RECEIVABLES_GAP_HIGH else Severity.medium,
                explanation=f"In {year} accounts receivable grew {gap * 100:.0f} percentage points faster than revenue (computed from the statements).",
                evidence=evidence,
            ))
    net = figures.get(("net_profit", year))
    profit_growth = _growth(figures, "net_profit", year, prior)
    if net is not None and net.value is not None and net.value >= 0 and profit_growth is not None and profit_growth < PROFIT_DROP:
        flags.append(RedFlag(
            type=RedFlagType.earnings_decline,
            severity=Severity.high if profit_growth < PROFIT_DROP_HIGH else Severity.medium,
            explanation=f"Net profit fell {-profit_growth:.0%} in {year} (computed from the statements, both years).",
            evidence=_evidence(figures, ("net_profit", year), ("net_profit", prior)),
        ))
    elif net is not None and net.value is not None and net.value < 0:
        flags.append(RedFlag(
            type=RedFlagType.earnings_decline,
            severity=Severity.high,
            explanation=f"Net loss of {net.as_printed} in {year}.",
            evidence=_evidence(figures, ("net_profit", year)),
        ))
    elif growth is not None and growth < REVENUE_DROP:
        evidence = _evidence(figures, ("revenue", year), ("revenue", prior))
        if evidence:
            flags.append(RedFlag(
                type=RedFlagType.earnings_decline,
                severity=Severity.medium,
                explanation=f"Revenue fell {growth:.0%} in {year} (computed from the statements).",
                evidence=evidence,
            ))
    ocf = figures.get(("operating_cash_flow", year))
    before = figures.get(("operating_cash_flow", prior))
    revenue = figures.get(("revenue", year))
    turned = ocf is not None and before is not None and ocf.value is not None and before.value is not None and ocf.value < 0 < before.value
    if turned:  # a change of state; a business that always burns cash shows it in its ratios instead
        burn = -ocf.value / revenue.value if revenue is not None and revenue.value else None
        flags.append(RedFlag(
            type=RedFlagType.negative_operating_cash_flow,
            severity=Severity.high if burn is None or burn >= CASH_BURN_HIGH else Severity.medium,
            explanation=f"Operating cash flow turned negative in {year}: {ocf.as_printed}, after {before.as_printed} the year before.",
            evidence=_evidence(figures, ("operating_cash_flow", year), ("operating_cash_flow", prior)),
        ))
    return flags


def _growth(figures: Figures, name: FigureName, year: str, prior: str) -> float | None:
    now, before = figures.get((name, year)), figures.get((name, prior))
    if now is None or before is None or now.value is None or before.value is None or before.value <= 0:
        return None
    return now.value / before.value - 1.0

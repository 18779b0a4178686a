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
    growth = ratios.get("revenue_growth")
    if net is not None and net.value is not None and net.value < 0:
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
    return flags

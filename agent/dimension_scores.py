"""Dimension scores (0-100, 100 best) as a transparent rule set: each starts from what the ratios
say and loses points per red flag of its kind; a dimension with neither ratios nor quotes stays None."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence

from eprof.agent.flag_rules import MAX_EVIDENCE
from eprof.agent.schema import DimensionScore, DimensionScores, Evidence, Party, RedFlag, RedFlagType, Severity, TextClaim

T = RedFlagType
S = Severity


def _ratio(ratios: Mapping[str, float | None], key: str) -> float | None:
    value = ratios.get(key)
    return None if value is None else float(value)


def _band(value: float, points: Sequence[tuple[float, float]]) -> float:
    """Piecewise-linear score through (value, score) points sorted by value; flat outside them."""
    if value <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if value <= x1:
            return y0 + (y1 - y0) * (value - x0) / (x1 - x0)
    return points[-1][1]


RATIO_BANDS: dict[str, tuple[tuple[float, float], ...]] = {
    "debt_to_assets": ((0.3, 90.0), (0.55, 65.0), (0.8, 25.0), (1.0, 5.0)),
    "current_ratio": ((0.6, 15.0), (1.0, 40.0), (1.5, 70.0), (2.5, 90.0)),
    "net_margin": ((-0.1, 10.0), (0.0, 35.0), (0.05, 60.0), (0.15, 90.0)),
    "ocf_to_liabilities": ((-0.2, 15.0), (0.0, 40.0), (0.15, 70.0), (0.4, 90.0)),
    "interest_coverage": ((0.0, 10.0), (1.5, 40.0), (4.0, 70.0), (10.0, 90.0)),
    "revenue_growth": ((-0.3, 15.0), (-0.05, 45.0), (0.05, 65.0), (0.25, 85.0)),
    "receivable_days": ((45.0, 85.0), (90.0, 65.0), (180.0, 35.0), (365.0, 10.0)),
}
"""Where each ratio scores on 0-100: e.g. debt/assets 0.55 scores 65, 0.8 scores 25."""

FLAG_PENALTY: dict[Severity, int] = {S.low: 5, S.medium: 12, S.high: 22, S.critical: 35}
GOVERNANCE_FLAGS = frozenset({T.audit_opinion, T.related_party, T.executive_risk, T.control_change, T.equity_pledge_or_freeze,
                              T.financial_fraud, T.document_manipulation, T.going_concern, T.shareholder_selldown})
EXTERNAL_FLAGS = frozenset({T.litigation, T.regulatory_penalty, T.product_or_safety, T.consumer_complaints, T.debt_default,
                            T.bankruptcy_or_closure, T.rating_downgrade, T.illegal_fundraising})
BUSINESS_FLAGS = frozenset({T.earnings_decline, T.customer_concentration, T.asset_impairment, T.restructuring_failure,
                            T.receivables_anomaly})
CLEAN_STATEMENT = re.compile(r"(不存在|未受到|没有|无)(重大)?(诉讼|仲裁|行政处罚|处罚|违约|逾期)|"
                             r"\bno (material )?(litigation|arbitration|overdue|penalt)|neither .{0,80}(penalty|investigation)", re.I)
"""Sentences that state the absence of external trouble: evidence for the external-risk score."""


def _ratio_score(ratios: Mapping[str, float | None], keys: Sequence[str]) -> tuple[float, list[str]] | None:
    parts = [(k, v) for k in keys if (v := _ratio(ratios, k)) is not None]
    if not parts:
        return None
    score = sum(_band(v, RATIO_BANDS[k]) for k, v in parts) / len(parts)
    return score, [f"{k}={v:.2f}" for k, v in parts]


def _flag_penalty(flags: Sequence[RedFlag], types: frozenset[RedFlagType]) -> tuple[int, list[RedFlag]]:
    chosen = [f for f in flags if f.type in types]
    return sum(FLAG_PENALTY[f.severity] for f in chosen), chosen


def _dimension(base: float, flags: Sequence[RedFlag], types: frozenset[RedFlagType], basis: str,
               evidence: Sequence[Evidence]) -> DimensionScore:
    penalty, chosen = _flag_penalty(flags, types)
    score = int(round(min(100.0, max(0.0, base - penalty))))
    named = ", ".join(sorted({f.type.value for f in chosen}))
    rationale = f"{basis}" + (f"; minus {penalty} points for red flags ({named})." if chosen else "; no red flags of this kind found.")
    cited = [e for f in chosen for e in f.evidence[:1]] + list(evidence)
    return DimensionScore(score=score, rationale=rationale, evidence=cited[:MAX_EVIDENCE])


def score_dimensions(ratios: Mapping[str, float | None], flags: Sequence[RedFlag], parties: Sequence[Party],
                     opinion: TextClaim | None, chain: Sequence[TextClaim], clean: Sequence[Evidence]) -> DimensionScores:
    """Five 0-100 scores from ratios, flags and stated facts; None where nothing supports one.

    business_stability       mean band score of revenue_growth, net_margin, receivable_days; minus business flags
    industry_chain_position  60, +15 when the enterprise supplies a named core enterprise; minus concentration
    financial_health         mean band score of debt_to_assets, current_ratio, net_margin, ocf_to_liabilities,
                             interest_coverage (ratios from the statements); flags are not counted twice here
    governance               85 with a stated standard unqualified opinion, else 75; minus governance flags
    external_risk            90; minus litigation, penalties, safety, complaints, default and the like
    """
    out: dict[str, DimensionScore | None] = {}
    business = _ratio_score(ratios, ("revenue_growth", "net_margin", "receivable_days"))
    has_business_flags = any(f.type in BUSINESS_FLAGS for f in flags)
    if business or has_business_flags:
        base, parts = business or (65.0, [])
        basis = f"Ratios {', '.join(parts)}" if parts else "No growth or margin ratios; stated facts only"
        out["business_stability"] = _dimension(base, flags, BUSINESS_FLAGS, basis, [])
    core = [p for p in parties if p.role == "core_enterprise"]
    concentration = [f for f in flags if f.type == T.customer_concentration]
    if core or chain or concentration:
        base = 60.0 + (15.0 if any(p.share is not None for p in core) else 5.0 if core else 0.0)
        basis = "Stated chain position" + (f" as supplier to {core[0].name}" if core else "")
        evidence = [e for p in core[:1] for e in p.evidence] + [c.evidence[0] for c in chain[:1]]
        out["industry_chain_position"] = _dimension(base, flags, frozenset({T.customer_concentration}), basis, evidence)
    financial = _ratio_score(ratios, ("debt_to_assets", "current_ratio", "net_margin", "ocf_to_liabilities", "interest_coverage"))
    if financial:
        score, parts = financial
        out["financial_health"] = DimensionScore(score=int(round(score)), rationale=f"Mean band score of ratios {', '.join(parts)}.")
    governance_flags = any(f.type in GOVERNANCE_FLAGS for f in flags)
    if opinion or governance_flags:
        clean_opinion = opinion is not None and opinion.value in ("标准无保留意见", "unqualified opinion")
        basis = f"Audit opinion: {opinion.value}" if opinion else "No audit opinion found"
        out["governance"] = _dimension(85.0 if clean_opinion else 75.0, flags, GOVERNANCE_FLAGS, basis,
                                       opinion.evidence if opinion else [])
    external = any(f.type in EXTERNAL_FLAGS for f in flags)
    if external or clean:
        basis = "Documents state the absence of litigation, penalties or default" if clean else "External events found"
        out["external_risk"] = _dimension(90.0, flags, EXTERNAL_FLAGS, basis, clean[:1])
    return DimensionScores(**out)



"""The data-generating process for default: what truly drives a firm's probability of default.

    logit(PD) = intercept + sum_k coef_k * x_k

    x_k                          definition (ratios from agent.ratios.compute_ratios)    coef
    debt_to_assets               total liabilities / total assets - 0.55                 +3.0
    current_ratio                min(current ratio, 3) - 1.3                              -0.6
    net_margin                   net profit / revenue, clipped to [-0.3, 0.3]             -6.0
    ocf_to_liabilities           operating cash flow / liabilities, clipped [-0.5, 0.5]   -2.0
    interest_coverage            (net profit + finance costs) / finance costs, [-5, 10]   -0.08
    revenue_growth               clipped to [-0.5, 0.5]                                  -1.0
    receivables_growth_gap       receivables growth - revenue growth, clipped [0, 1]      +0.8
    red_flag_odds                sum over planted flags of FLAG_LOG_ODDS[type] times      +1.0
                                 SEVERITY_SCALE[severity] (see below; document_manipulation
                                 weighs 0: it is about the file, not the firm)
    operating_quality            latent management/operating quality, N(0, 1)             -0.7

The intercept is not a constant: it is solved so that the mean PD over a fixed reference
population equals the requested default rate (3% by default), see world.intercept_for_rate.
A missing ratio contributes 0 (its neutral value), as a scorecard would treat it.

Qualitative events carry the weight credit research gives them: each one multiplies the odds of
default several-fold at high severity (exp(FLAG_LOG_ODDS)), on top of what the ratios already say.
The odds ratios are set by judgement, informed by (not estimated from) these sources:

- modified (non-standard) audit opinions precede distress and ST designation: Chen, Chen & Su
  (2001), "Profitability regulation, earnings management, and modified audit opinions: evidence
  from China", Auditing: A Journal of Practice & Theory 20(2); going-concern opinions and
  bankruptcy: Hopwood, McKeown & Mutchler (1989), The Accounting Review 64(1);
- fund occupation / tunnelling by controlling shareholders: Jiang, Lee & Yue (2010), "Tunneling
  through intercorporate loans: the China experience", Journal of Financial Economics 98(1);
- controlling-shareholder share pledges and forced-sale pressure: Chan, Chen, Hu & Liu (2018),
  "Share pledges and margin call pressure", Journal of Corporate Finance 52;
- regulatory enforcement: Chen, Firth, Gao & Rui (2005), "Is China's securities regulatory agency
  a toothless tiger? Evidence from enforcement actions", Journal of Accounting and Public Policy 24(6);
- overdue debt as the strongest single signal of default, and its regulatory treatment: the
  2023 《商业银行金融资产风险分类办法》 (NFRA & PBoC Order 2023 No. 1: 90 days overdue is non-performing);
- executives detained or missing, material litigation: key-person and legal risk signals listed in
  CBRC's 《商业银行授信工作尽职指引》 (2004) due-diligence guideline; their weights are practice, not a
  published estimate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from eprof.agent.schema import RedFlagType, Severity

COEFFICIENTS: dict[str, float] = {
    "debt_to_assets": 3.0,
    "current_ratio": -0.6,
    "net_margin": -6.0,
    "ocf_to_liabilities": -2.0,
    "interest_coverage": -0.08,
    "revenue_growth": -1.0,
    "receivables_growth_gap": 0.8,
    "red_flag_odds": 1.0,
    "operating_quality": -0.7,
}

FLAG_LOG_ODDS: dict[RedFlagType, float] = {
    RedFlagType.debt_default: 1.8,            # odds x6: overdue debt
    RedFlagType.going_concern: 2.0,           # x7.4
    RedFlagType.bankruptcy_or_closure: 2.5,   # x12
    RedFlagType.financial_fraud: 1.8,         # x6
    RedFlagType.illegal_fundraising: 1.8,     # x6
    RedFlagType.audit_opinion: 1.6,           # x5: non-standard audit opinion
    RedFlagType.executive_risk: 1.5,          # x4.5: executive detained, investigated or missing
    RedFlagType.related_party: 1.3,           # x3.7: shareholder fund occupation, illicit guarantees
    RedFlagType.equity_pledge_or_freeze: 1.1, # x3: frozen or pledged control stake
    RedFlagType.regulatory_penalty: 1.1,      # x3
    RedFlagType.litigation: 1.0,              # x2.7: material litigation
    RedFlagType.rating_downgrade: 1.0,
    RedFlagType.product_or_safety: 0.7,
    RedFlagType.restructuring_failure: 0.7,
    RedFlagType.control_change: 0.6,
    RedFlagType.earnings_decline: 0.5,        # mostly already in the ratios
    RedFlagType.asset_impairment: 0.5,
    RedFlagType.customer_concentration: 0.4,
    RedFlagType.receivables_anomaly: 0.4,
    RedFlagType.shareholder_selldown: 0.3,
    RedFlagType.consumer_complaints: 0.3,
    RedFlagType.document_manipulation: 0.0,
}
"""Log odds ratio of default per flag type at high severity (see the module docstring for sources)."""

SEVERITY_SCALE: dict[Severity, float] = {
    Severity.low: 0.3,
    Severity.medium: 0.6,
    Severity.high: 1.0,
    Severity.critical: 1.25,
}

GOVERNANCE_FLAGS = frozenset({
    RedFlagType.audit_opinion, RedFlagType.related_party, RedFlagType.executive_risk,
    RedFlagType.equity_pledge_or_freeze, RedFlagType.document_manipulation, RedFlagType.going_concern,
})
EXTERNAL_FLAGS = frozenset({
    RedFlagType.litigation, RedFlagType.regulatory_penalty, RedFlagType.product_or_safety,
    RedFlagType.consumer_complaints, RedFlagType.debt_default,
})


def _clip(x: float | None, lo: float, hi: float, neutral: float) -> float:
    return neutral if x is None else min(max(x, lo), hi)


def driver_values(ratios: Mapping[str, float | None], flags: Iterable[tuple[RedFlagType, Severity]],
                  quality: float) -> dict[str, float]:
    """The x_k of the module docstring, centred so that 0 is an unremarkable firm."""
    load = sum(FLAG_LOG_ODDS[t] * SEVERITY_SCALE[s] for t, s in flags)
    return {
        "debt_to_assets": _clip(ratios.get("debt_to_assets"), 0.0, 1.5, 0.55) - 0.55,
        "current_ratio": _clip(ratios.get("current_ratio"), 0.0, 3.0, 1.3) - 1.3,
        "net_margin": _clip(ratios.get("net_margin"), -0.3, 0.3, 0.0),
        "ocf_to_liabilities": _clip(ratios.get("ocf_to_liabilities"), -0.5, 0.5, 0.0),
        "interest_coverage": _clip(ratios.get("interest_coverage"), -5.0, 10.0, 0.0),
        "revenue_growth": _clip(ratios.get("revenue_growth"), -0.5, 0.5, 0.0),
        "receivables_growth_gap": _clip(ratios.get("receivables_growth_gap"), 0.0, 1.0, 0.0),
        "red_flag_odds": load,
        "operating_quality": quality,
    }


def contributions(drivers: Mapping[str, float]) -> dict[str, float]:
    """coef_k * x_k per driver: the reason codes of the true model."""
    return {k: COEFFICIENTS[k] * drivers[k] for k in COEFFICIENTS}


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def solve_intercept(linear_predictors: list[float], rate: float) -> float:
    """Intercept whose mean PD over `linear_predictors` is `rate` (bisection; PD is monotone in it)."""
    if not 0.0 < rate < 1.0:
        raise ValueError(f"default rate must be in (0, 1); got {rate}")
    lo, hi = -30.0, 30.0
    for _ in range(80):
        mid = (lo + hi) / 2
        mean = sum(sigmoid(mid + z) for z in linear_predictors) / len(linear_predictors)
        lo, hi = (mid, hi) if mean < rate else (lo, mid)
    return (lo + hi) / 2


def dimension_scores(drivers: Mapping[str, float], flag_types: Iterable[RedFlagType], noise: Mapping[str, float],
                     top_customer_share: float, serves_core: bool) -> dict[str, int]:
    """Five 0-100 scores (100 = best) that a perfect analyst would give; `noise` is N(0,1) per score.

    business_stability       quality, growth, dependence on the largest customer
    industry_chain_position  quality and whether the firm supplies a named core enterprise
    financial_health         minus the financial part of the true linear predictor
    governance               quality, minus governance flags (audit, related party, pledges, ...)
    external_risk            minus litigation, penalties, safety, complaints, default (100 = calm)
    """
    types = list(flag_types)
    gov = sum(t in GOVERNANCE_FLAGS for t in types)
    ext = sum(t in EXTERNAL_FLAGS for t in types)
    c = contributions(drivers)
    financial = sum(v for k, v in c.items() if k not in ("red_flag_odds", "operating_quality"))
    q = drivers["operating_quality"]
    raw = {
        "business_stability": 0.7 * q + 2.0 * drivers["revenue_growth"] - 2.0 * (top_customer_share - 0.25),
        "industry_chain_position": 0.6 * q + (0.6 if serves_core else -0.2),
        "financial_health": -financial / 1.2,
        "governance": 0.4 * q + 0.6 - 1.1 * gov,
        "external_risk": 0.3 * q + 0.7 - 1.0 * ext,
    }
    return {k: int(min(max(round(55 + 16 * (v + 0.35 * noise[k])), 0), 100)) for k, v in raw.items()}

"""A recommended credit limit and its conditions, from policy parameters a bank edits.

    base   = revenue x revenue_share
    cap    = operating cash flow x ocf_multiple        (OCF <= 0: base x non_positive_ocf_factor)
    amount = min(base, cap) x grade factor x leverage factor [x refer_factor], capped, rounded down

Every step is returned with its formula, so the reviewer sees the arithmetic, not only the result.
Conditions come from the verified red flags that trigger them. A decline gets zero and no
conditions; a missing revenue figure gets no amount (None) and says so: missing stays missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from eprof.agent.schema import RedFlag
from eprof.risk.labels import FLAG_LABELS
from eprof.risk.policy import LimitPolicy
from eprof.risk.schema import Action, Bilingual, Condition, CreditLimit, LimitStep


def _money(x: float) -> str:
    return f"{x:,.0f}"


def conditions_for(policy: LimitPolicy, red_flags: Sequence[RedFlag]) -> list[Condition]:
    """Each condition whose flag types occur among the verified flags, naming those flags."""
    out = []
    for rule in policy.conditions:
        hit = sorted({f.type for f in red_flags if f.type in rule.flags}, key=lambda t: rule.flags.index(t))
        if hit:
            out.append(Condition(id=rule.id, text=Bilingual(zh=rule.text_zh, en=rule.text_en),
                                 triggered_by=[f"{t.value} ({FLAG_LABELS[t][1]})" for t in hit]))
    return out


def recommend_limit(
    policy: LimitPolicy,
    *,
    decision: Action,
    grade: str,
    revenue: float | None,
    operating_cash_flow: float | None,
    debt_to_assets: float | None,
    red_flags: Sequence[RedFlag] = (),
    decided_by: Sequence[str] = (),
) -> CreditLimit:
    """The limit for the final action; `decided_by` names the rules that set it over the model's PD."""
    by = f" by {', '.join(decided_by)}" if decided_by else ""
    if decision == "decline":
        return CreditLimit(amount=0.0, currency=policy.currency, steps=[], conditions=[], note=f"declined{by}: no limit")
    conditions = conditions_for(policy, red_flags)

    def result(amount: float | None, steps: list[LimitStep], note: str) -> CreditLimit:
        return CreditLimit(amount=amount, currency=policy.currency, steps=steps, conditions=conditions, note=note)

    if revenue is None or revenue <= 0:
        return result(None, [], "no limit computed: the year's revenue is missing or not positive in the documents")
    steps = [LimitStep(name="revenue base", formula=f"{_money(revenue)} × {policy.revenue_share:.0%}",
                       value=revenue * policy.revenue_share)]
    amount = steps[0].value
    if operating_cash_flow is not None and operating_cash_flow > 0:
        cap = operating_cash_flow * policy.ocf_multiple
        steps.append(LimitStep(name="cash-flow cap", formula=f"{_money(operating_cash_flow)} × {policy.ocf_multiple:g}",
                               value=cap))
        amount = min(amount, cap)
        steps.append(LimitStep(name="lower of base and cap", formula=f"min({_money(steps[0].value)}, {_money(cap)})",
                               value=amount))
    else:
        why = "missing" if operating_cash_flow is None else f"{_money(operating_cash_flow)} ≤ 0"
        amount *= policy.non_positive_ocf_factor
        steps.append(LimitStep(name=f"operating cash flow {why}",
                               formula=f"{_money(steps[0].value)} × {policy.non_positive_ocf_factor:g}", value=amount))
    factor = policy.grade_factor[grade]
    amount *= factor
    steps.append(LimitStep(name=f"grade {grade} factor", formula=f"× {factor:g}", value=amount))
    if debt_to_assets is not None and debt_to_assets > policy.leverage_threshold:
        amount *= policy.leverage_factor
        steps.append(LimitStep(name=f"leverage: debt/assets {debt_to_assets:.1%} > {policy.leverage_threshold:.0%}",
                               formula=f"× {policy.leverage_factor:g}", value=amount))
    if decision == "refer":
        amount *= policy.refer_factor
        steps.append(LimitStep(name="referred: proposed pending the committee", formula=f"× {policy.refer_factor:g}",
                               value=amount))
    if amount > policy.max_amount:
        amount = policy.max_amount
        steps.append(LimitStep(name="policy maximum", formula=f"min(…, {_money(policy.max_amount)})", value=amount))
    rounded = math.floor(amount / policy.round_to) * policy.round_to
    steps.append(LimitStep(name=f"rounded down to a multiple of {_money(policy.round_to)}",
                           formula=f"floor({_money(amount)} / {_money(policy.round_to)}) × {_money(policy.round_to)}",
                           value=rounded))
    note = f"referred{by}: proposed to the credit committee with the rules above" if decision == "refer" else "within policy"
    return result(rounded, steps, note)

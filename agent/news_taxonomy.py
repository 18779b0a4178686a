"""News risk-event labels (CCKS-2019 style, as Chinese financial news data sets name them) -> red-flag codes.

One table, used by the offline news-event typer, the news evaluation format and the benchmark,
so all three judge with the same mapping. 其他 ("none of these") and any label not listed map to
no flag.
"""

from __future__ import annotations

from eprof.agent.schema import RedFlagType

T = RedFlagType

EVENT_FLAGS: dict[str, RedFlagType | None] = {
    "信批违规": T.regulatory_penalty,
    "交易违规": T.regulatory_penalty,
    "涉嫌违法": T.regulatory_penalty,
    "实控人股东变更": T.control_change,
    "涉嫌非法集资": T.illegal_fundraising,
    "涉嫌传销": T.illegal_fundraising,
    "涉嫌欺诈": T.illegal_fundraising,
    "不能履职": T.executive_risk,
    "高管负面": T.executive_risk,
    "重组失败": T.restructuring_failure,
    "评级调整": T.rating_downgrade,
    "业绩下滑": T.earnings_decline,
    "财务造假": T.financial_fraud,
    "资金账户风险": T.debt_default,
    "提现困难": T.debt_default,
    "失联跑路": T.bankruptcy_or_closure,
    "歇业停业": T.bankruptcy_or_closure,
    "资产负面": T.asset_impairment,
    "产品违规": T.product_or_safety,
    "投诉维权": T.consumer_complaints,
    "其他": None,
}
"""Event label -> the red-flag code it raises (None: no flag)."""


def flag_for(label: str) -> RedFlagType | None:
    """The code an event label raises; None for 其他 and for labels outside the table."""
    return EVENT_FLAGS.get(label.strip())

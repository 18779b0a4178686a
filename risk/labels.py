"""Names people read: Chinese and English labels for every feature and red flag, and value formats.

A reason code reads "营收同比 −19.0% / revenue growth −19.0%", not "revenue_growth = -0.189743";
a PD below 0.01% reads "<0.01%", not "0.00%". One table for the CLI, the JSON and the web card.
"""

from __future__ import annotations

from typing import Literal

from eprof.agent.schema import RedFlagType, Severity

Kind = Literal["score", "percent", "times", "days", "count"]

FEATURE_LABELS: dict[str, tuple[str, str, Kind]] = {
    "business_stability": ("经营稳定性评分", "business stability score", "score"),
    "industry_chain_position": ("产业链地位评分", "industry-chain position score", "score"),
    "financial_health": ("财务健康评分", "financial health score", "score"),
    "governance": ("公司治理评分", "governance score", "score"),
    "external_risk": ("外部风险评分", "external risk score", "score"),
    "financial_institution": ("金融机构（公司评分卡不适用）", "financial institution (corporate scorecard does not apply)", "count"),
    "debt_to_assets": ("资产负债率", "debt to assets", "percent"),
    "current_ratio": ("流动比率", "current ratio", "times"),
    "gross_margin": ("毛利率", "gross margin", "percent"),
    "net_margin": ("净利率", "net margin", "percent"),
    "return_on_assets": ("总资产收益率", "return on assets", "percent"),
    "revenue_growth": ("营收同比", "revenue growth", "percent"),
    "receivable_days": ("应收账款周转天数", "receivable days", "days"),
    "inventory_days": ("存货周转天数", "inventory days", "days"),
    "ocf_to_liabilities": ("经营现金流/负债", "operating cash flow to liabilities", "percent"),
    "interest_coverage": ("利息保障倍数", "interest coverage", "times"),
    "receivables_growth_gap": ("应收增速超营收增速", "receivables growth above revenue growth", "percent"),
}

FLAG_LABELS: dict[RedFlagType, tuple[str, str]] = {
    RedFlagType.litigation: ("重大诉讼/被执行", "material litigation or enforcement"),
    RedFlagType.negative_operating_cash_flow: ("经营活动现金流量净额转负", "operating cash flow turned negative"),
    RedFlagType.supplier_concentration: ("供应商集中度高", "supplier concentration"),
    RedFlagType.counterparty_exposure: ("交易对手风险（债务人/客户破产、违约）", "counterparty exposure (a debtor or customer in default)"),
    RedFlagType.regulatory_penalty: ("监管处罚/立案调查", "regulatory penalty or investigation"),
    RedFlagType.financial_fraud: ("财务造假", "financial fraud"),
    RedFlagType.illegal_fundraising: ("非法集资/欺诈", "illegal fundraising or fraud"),
    RedFlagType.audit_opinion: ("非标审计意见", "non-standard audit opinion"),
    RedFlagType.going_concern: ("持续经营重大不确定性", "going-concern uncertainty"),
    RedFlagType.debt_default: ("债务逾期/违约", "overdue debt or default"),
    RedFlagType.bankruptcy_or_closure: ("破产重整/停业/失联", "bankruptcy, closure or absconded management"),
    RedFlagType.earnings_decline: ("业绩下滑/亏损", "earnings decline or loss"),
    RedFlagType.rating_downgrade: ("评级下调", "rating downgrade"),
    RedFlagType.equity_pledge_or_freeze: ("控股股权质押/冻结", "pledged or frozen control stake"),
    RedFlagType.shareholder_selldown: ("股东减持", "shareholder sell-down"),
    RedFlagType.control_change: ("实际控制人变更", "change of control"),
    RedFlagType.executive_risk: ("高管被调查/留置/失联", "executive investigated, detained or missing"),
    RedFlagType.restructuring_failure: ("重组失败", "failed restructuring"),
    RedFlagType.related_party: ("关联交易/股东资金占用", "related-party dealings or shareholder fund occupation"),
    RedFlagType.customer_concentration: ("客户集中度高", "customer concentration"),
    RedFlagType.receivables_anomaly: ("应收账款异常", "receivables anomaly"),
    RedFlagType.asset_impairment: ("资产减值/受限", "asset impairment or restriction"),
    RedFlagType.product_or_safety: ("产品/安全环保事故", "product, safety or environmental incident"),
    RedFlagType.consumer_complaints: ("投诉维权", "consumer complaints"),
    RedFlagType.document_manipulation: ("文档内含指令/提示注入", "instructions or prompt injection in the documents"),
}

SEVERITY_LABELS: dict[Severity, tuple[str, str]] = {
    Severity.low: ("低", "low"),
    Severity.medium: ("中", "medium"),
    Severity.high: ("高", "high"),
    Severity.critical: ("严重", "critical"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "approve": ("批准", "approve"),
    "refer": ("转人工审查", "refer to a credit officer"),
    "decline": ("拒绝", "decline"),
}

for _flag in RedFlagType:
    FEATURE_LABELS[f"flag_{_flag.value}"] = (f"{FLAG_LABELS[_flag][0]}（条数）", f"{FLAG_LABELS[_flag][1]} (count)", "count")
for _sev in Severity:
    FEATURE_LABELS[f"severity_{_sev.value}"] = (
        f"{SEVERITY_LABELS[_sev][0]}风险信号（条数）", f"{SEVERITY_LABELS[_sev][1]}-severity red flags (count)", "count",
    )


def _signed(number: float, digits: int) -> str:
    text = f"{abs(number):,.{digits}f}"
    return ("−" + text) if number < 0 and float(text.replace(",", "")) != 0 else text


def format_value(feature: str, value: float | None) -> str:
    """A feature value as people write it: percentages as percentages, a true minus sign."""
    if value is None:
        return "missing / 缺失"
    kind = FEATURE_LABELS[feature][2] if feature in FEATURE_LABELS else "times"
    if kind == "percent":
        return _signed(value * 100, 1) + "%"
    if kind == "days":
        return _signed(value, 0) + " d"
    if kind == "times":
        return _signed(value, 2) + "×"
    return _signed(value, 0)


def feature_label(feature: str) -> tuple[str, str]:
    """(Chinese, English) name of a feature; an unknown feature (e.g. Attr27) keeps its name."""
    zh, en, _ = FEATURE_LABELS.get(feature, (feature, feature, "times"))
    return zh, en


def format_pd(pd: float) -> str:
    """A PD as a percentage with two decimals; below 0.01% it reads '<0.01%' (never '0.00%')."""
    return "<0.01%" if pd < 0.0001 else f"{pd:.2%}"


def format_amount(amount: float, currency: str = "CNY") -> str:
    """An amount in 万元 and in full: '200.00 万元 (CNY 2,000,000)'."""
    return f"{amount / 10_000:,.2f} 万元 ({currency} {amount:,.0f})"

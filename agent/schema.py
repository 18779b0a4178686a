"""The extraction contract: what eprof claims about an enterprise, and the evidence for it.

These models are the only thing the risk model sees from the LLM side, and the corpus truth is
written in them too, so evaluation compares like with like. They are frozen and closed
(`extra="forbid"`); a change to them is a new SCHEMA_VERSION.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field

from eprof.kernel.contract import Contract

SCHEMA_VERSION = "profile/1"


class RedFlagType(StrEnum):
    """Red-flag taxonomy; RED_FLAG_NAMES_ZH gives the Chinese terms each code covers."""

    litigation = "litigation"
    regulatory_penalty = "regulatory_penalty"
    financial_fraud = "financial_fraud"
    illegal_fundraising = "illegal_fundraising"
    audit_opinion = "audit_opinion"
    going_concern = "going_concern"
    debt_default = "debt_default"
    bankruptcy_or_closure = "bankruptcy_or_closure"
    earnings_decline = "earnings_decline"
    rating_downgrade = "rating_downgrade"
    equity_pledge_or_freeze = "equity_pledge_or_freeze"
    shareholder_selldown = "shareholder_selldown"
    control_change = "control_change"
    executive_risk = "executive_risk"
    restructuring_failure = "restructuring_failure"
    related_party = "related_party"
    customer_concentration = "customer_concentration"
    receivables_anomaly = "receivables_anomaly"
    asset_impairment = "asset_impairment"
    product_or_safety = "product_or_safety"
    consumer_complaints = "consumer_complaints"
    document_manipulation = "document_manipulation"
    counterparty_exposure = "counterparty_exposure"
    negative_operating_cash_flow = "negative_operating_cash_flow"
    supplier_concentration = "supplier_concentration"


RED_FLAG_NAMES_ZH: dict[RedFlagType, str] = {
    RedFlagType.litigation: "诉讼仲裁/被执行",
    RedFlagType.regulatory_penalty: "监管处罚/立案调查/被约谈/信批违规/交易违规",
    RedFlagType.financial_fraud: "财务造假",
    RedFlagType.illegal_fundraising: "非法集资/传销/欺诈",
    RedFlagType.audit_opinion: "非标审计意见/更换审计师",
    RedFlagType.going_concern: "持续经营重大不确定性",
    RedFlagType.debt_default: "债务违约/逾期/兑付困难/资金链紧张",
    RedFlagType.bankruptcy_or_closure: "破产重整/停业/失联跑路",
    RedFlagType.earnings_decline: "业绩下滑/亏损",
    RedFlagType.rating_downgrade: "评级下调",
    RedFlagType.equity_pledge_or_freeze: "股权质押/冻结",
    RedFlagType.shareholder_selldown: "股东减持",
    RedFlagType.control_change: "实际控制人/控股股东变更",
    RedFlagType.executive_risk: "高管被调查/失联/不能履职/频繁变动",
    RedFlagType.restructuring_failure: "重组失败/终止",
    RedFlagType.related_party: "关联交易/资金占用/违规担保",
    RedFlagType.customer_concentration: "客户集中度高",
    RedFlagType.receivables_anomaly: "应收账款异常",
    RedFlagType.asset_impairment: "资产减值/资产受限",
    RedFlagType.product_or_safety: "产品违规/安全环保事故",
    RedFlagType.consumer_complaints: "投诉维权",
    RedFlagType.document_manipulation: "文档内含指令/提示注入",
    RedFlagType.counterparty_exposure: "交易对手风险（债务人/客户破产、违约）",
    RedFlagType.negative_operating_cash_flow: "经营活动现金流量净额转负",
    RedFlagType.supplier_concentration: "供应商集中度高",
}


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class Evidence(Contract):
    """Where a claim comes from: a verbatim quote on a page of one indexed chunk."""

    chunk_id: str
    source: str = Field(description="file name of the document")
    page: int = Field(ge=1, description="1-based page as a PDF viewer shows it")
    quote: str = Field(min_length=1, description="verbatim text from the chunk")


FigureName = Literal[
    "revenue",
    "cost_of_sales",
    "gross_profit",
    "net_profit",
    "total_assets",
    "total_liabilities",
    "total_equity",
    "current_assets",
    "current_liabilities",
    "cash",
    "accounts_receivable",
    "inventory",
    "short_term_borrowings",
    "long_term_borrowings",
    "operating_cash_flow",
    "finance_costs",
]
"""Statement lines eprof reads from tables. Values are normalised to currency units (元)."""


class Figure(Contract):
    """A number read from a table in code; value None means 'not in the documents' (see reason)."""

    name: FigureName
    period: str = Field(description="fiscal year, e.g. '2024'")
    value: float | None = Field(description="normalised to currency units, e.g. 元")
    currency: str = "CNY"
    as_printed: str | None = Field(None, description="the cell text and unit as printed, e.g. '12,345.67 万元'")
    evidence: list[Evidence] = Field(default_factory=list)
    missing_reason: str | None = None


class IdentityCheck(Contract):
    """An accounting identity checked in code on the figures as read."""

    rule: str
    period: str
    passed: bool
    detail: str


class Party(Contract):
    """A counterparty in the industry chain."""

    name: str
    role: Literal["customer", "supplier", "core_enterprise", "controlling_shareholder", "related_party"]
    share: float | None = Field(None, ge=0, le=1, description="share of revenue or purchases where stated")
    evidence: list[Evidence] = Field(default_factory=list)


class RedFlag(Contract):
    type: RedFlagType
    severity: Severity
    date: dt.date | None = None
    explanation: str = Field(description="one sentence")
    evidence: list[Evidence] = Field(min_length=1)


class CounterpartyEvent(Contract):
    """A risk event of a firm tied to the enterprise, told in the enterprise's news ('XX的客户Y被裁定破产'):
    a credit analyst wants to know it, but it is not a red flag of the enterprise."""

    party: str | None = Field(None, description="the tied firm's name as the news gives it; None where the same words do not name it")
    role: Literal["customer", "supplier", "guarantor", "guaranteed", "subsidiary", "parent"]
    type: RedFlagType = Field(description="the red-flag code the event would raise for the firm it is about")
    severity: Severity
    event: str = Field(description="the news event label, e.g. 歇业停业 (agent/news_taxonomy.py)")
    evidence: list[Evidence] = Field(min_length=1)


class DimensionScore(Contract):
    score: int = Field(ge=0, le=100, description="0 = worst, 100 = best")
    rationale: str
    evidence: list[Evidence] = Field(default_factory=list)


class TextClaim(Contract):
    """A short statement (a name, an opinion, a description) and the quotes that support it."""

    value: str = Field(min_length=1)
    evidence: list[Evidence] = Field(min_length=1)


class DimensionScores(Contract):
    business_stability: DimensionScore | None = None
    industry_chain_position: DimensionScore | None = None
    financial_health: DimensionScore | None = None
    governance: DimensionScore | None = None
    external_risk: DimensionScore | None = None


class RejectedClaim(Contract):
    """A claim that failed verification: dropped, and kept on record with the reason."""

    field: str
    reason: str
    chunk_id: str | None = None
    quote: str | None = None


class ProfileScores(Contract):
    """The features the risk model consumes from extraction, and nothing else."""

    schema_version: Literal["profile/1"] = SCHEMA_VERSION
    enterprise_id: str
    business_stability: DimensionScore | None
    industry_chain_position: DimensionScore | None
    financial_health: DimensionScore | None
    governance: DimensionScore | None
    external_risk: DimensionScore | None
    red_flag_counts: dict[RedFlagType, int] = Field(default_factory=dict)
    red_flag_severity_counts: dict[Severity, int] = Field(default_factory=dict)
    financial_institution: Literal["bank", "insurer", "broker"] | None = Field(
        None, description="a bank, insurer or broker: the corporate scorecard does not apply (policy refers it)")


class Usage(Contract):
    """What producing a profile cost; zero for the offline extractor."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0


class OperatingProfile(Contract):
    """The verified profile of one enterprise: what `eprof profile` writes.

    Figures and ratios are read and computed in code; text claims, red flags and dimension
    scores come from an extractor and passed evidence verification; `rejected` lists what did not.
    """

    schema_version: Literal["profile/1"] = SCHEMA_VERSION
    enterprise_id: str
    name: str | None
    extractor: Literal["offline", "llm"]
    model: str | None = None
    prompt: str | None = Field(None, description="prompt reference, e.g. profile@v1")
    prompt_hash: str | None = None
    fiscal_year: str | None = None
    industry: TextClaim | None = None
    main_business: TextClaim | None = None
    upstream: TextClaim | None = None
    downstream: TextClaim | None = None
    parties: list[Party] = Field(default_factory=list)
    auditor: TextClaim | None = None
    audit_opinion: TextClaim | None = None
    controlling_shareholder: TextClaim | None = None
    financial_institution: TextClaim | None = Field(
        None, description="'bank', 'insurer' or 'broker', citing a statement line only such an institution fills")
    figures: list[Figure] = Field(default_factory=list, description="every figure read, missing ones with a reason; consolidated where the report has both")
    parent_figures: list[Figure] = Field(default_factory=list, description="the parent company's own statements (母公司), kept apart; never used for ratios")
    figures_confidence: Literal["high", "low"] | None = Field(
        None, description="high: every identity and cross-check passed; low: one failed; None: none could run")
    ratios: dict[str, float | None] = Field(default_factory=dict)
    checks: list[IdentityCheck] = Field(default_factory=list)
    red_flags: list[RedFlag] = Field(default_factory=list)
    counterparty_events: list[CounterpartyEvent] = Field(
        default_factory=list, description="risk events of its customers, suppliers, guarantors, guaranteed parties, subsidiaries or parent in its news; not its red flags")
    scores: ProfileScores
    rejected: list[RejectedClaim] = Field(default_factory=list)
    contradictions: list[RejectedClaim] = Field(
        default_factory=list, description="model claims the verified evidence contradicts (agent/earned.py): the decision is referred"
    )
    evidence_chunks: int = Field(0, description="chunks the extractor was given")
    usage: Usage = Field(default_factory=Usage)

    def text_claims(self) -> list[TextClaim]:
        """The narrative claims that are present, in field order."""
        claims = (self.industry, self.main_business, self.upstream, self.downstream, self.auditor,
                  self.audit_opinion, self.controlling_shareholder)
        return [c for c in claims if c is not None]


SCHEMA_DIR = Path(__file__).with_name("schemas")
EXPORTED: dict[str, type[Contract]] = {"profile-1.json": OperatingProfile, "profile-scores-1.json": ProfileScores}
"""JSON Schemas published for consumers (the risk system, a bank's own tools), one file per version."""


def export_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write the JSON Schemas; `python -m eprof.agent.schema` refreshes them after a (versioned) change."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, model in EXPORTED.items():
        path = folder / name
        path.write_text(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in export_schemas():
        print(written)

"""The three financial statements: line layout, and numbers that add up as printed.

Amounts are drawn in 元 as floats, then rounded to hundredths of the printed unit (ints) and
every subtotal is recomputed from the rounded lines, so each printed table foots exactly
and the truth values are exactly what the PDF shows.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Literal

from eprof.agent.schema import FigureName
from eprof.evaluation.corpus.vocab import Industry

RowKind = Literal["section", "item", "total"]


@dataclass(frozen=True)
class Line:
    key: str
    zh: str
    en: str
    kind: RowKind = "item"
    figure: FigureName | None = None


BALANCE: tuple[Line, ...] = (
    Line("h_ca", "流动资产：", "Current assets:", "section"),
    Line("cash", "货币资金", "Cash and bank balances", figure="cash"),
    Line("notes_rec", "应收票据", "Notes receivable"),
    Line("ar", "应收账款", "Accounts receivable", figure="accounts_receivable"),
    Line("prepay", "预付款项", "Prepayments"),
    Line("other_rec", "其他应收款", "Other receivables"),
    Line("inventory", "存货", "Inventories", figure="inventory"),
    Line("other_ca", "其他流动资产", "Other current assets"),
    Line("ca", "流动资产合计", "Total current assets", "total", "current_assets"),
    Line("h_nca", "非流动资产：", "Non-current assets:", "section"),
    Line("fixed", "固定资产", "Property, plant and equipment"),
    Line("cip", "在建工程", "Construction in progress"),
    Line("intangible", "无形资产", "Intangible assets"),
    Line("dta", "递延所得税资产", "Deferred tax assets"),
    Line("other_nca", "其他非流动资产", "Other non-current assets"),
    Line("nca", "非流动资产合计", "Total non-current assets", "total"),
    Line("ta", "资产总计", "Total assets", "total", "total_assets"),
    Line("h_cl", "流动负债：", "Current liabilities:", "section"),
    Line("stb", "短期借款", "Short-term borrowings", figure="short_term_borrowings"),
    Line("notes_pay", "应付票据", "Notes payable"),
    Line("ap", "应付账款", "Accounts payable"),
    Line("contract_liab", "合同负债", "Contract liabilities"),
    Line("staff_pay", "应付职工薪酬", "Employee benefits payable"),
    Line("tax_pay", "应交税费", "Taxes payable"),
    Line("other_pay", "其他应付款", "Other payables"),
    Line("cur_ncl", "一年内到期的非流动负债", "Non-current liabilities due within one year"),
    Line("cl", "流动负债合计", "Total current liabilities", "total", "current_liabilities"),
    Line("h_ncl", "非流动负债：", "Non-current liabilities:", "section"),
    Line("ltb", "长期借款", "Long-term borrowings", figure="long_term_borrowings"),
    Line("deferred_income", "递延收益", "Deferred income"),
    Line("ncl", "非流动负债合计", "Total non-current liabilities", "total"),
    Line("tl", "负债合计", "Total liabilities", "total", "total_liabilities"),
    Line("h_eq", "所有者权益：", "Owners' equity:", "section"),
    Line("capital", "实收资本（或股本）", "Share capital"),
    Line("cap_reserve", "资本公积", "Capital reserve"),
    Line("surplus", "盈余公积", "Surplus reserve"),
    Line("retained", "未分配利润", "Retained earnings"),
    Line("equity", "所有者权益合计", "Total owners' equity", "total", "total_equity"),
    Line("tle", "负债和所有者权益总计", "Total liabilities and owners' equity", "total"),
)

INCOME: tuple[Line, ...] = (
    Line("revenue", "一、营业收入", "Revenue", "total", "revenue"),
    Line("cost", "减：营业成本", "Cost of sales", figure="cost_of_sales"),
    Line("gross", "", "Gross profit", "total", "gross_profit"),
    Line("surcharges", "税金及附加", "Taxes and surcharges"),
    Line("selling", "销售费用", "Selling expenses"),
    Line("admin", "管理费用", "Administrative expenses"),
    Line("rnd", "研发费用", "Research and development expenses"),
    Line("finance", "财务费用", "Finance costs", figure="finance_costs"),
    Line("interest", "其中：利息费用", "Including: interest expense"),
    Line("other_income", "加：其他收益", "Other income"),
    Line("credit_loss", "信用减值损失（损失以“-”号填列）", "Credit impairment losses"),
    Line("asset_loss", "资产减值损失（损失以“-”号填列）", "Asset impairment losses"),
    Line("op_profit", "二、营业利润", "Operating profit", "total"),
    Line("nonop_income", "加：营业外收入", "Non-operating income"),
    Line("nonop_exp", "减：营业外支出", "Non-operating expenses"),
    Line("pbt", "三、利润总额", "Profit before tax", "total"),
    Line("tax", "减：所得税费用", "Income tax expense"),
    Line("np", "四、净利润", "Net profit", "total", "net_profit"),
)

CASHFLOW: tuple[Line, ...] = (
    Line("h_op", "一、经营活动产生的现金流量：", "Cash flows from operating activities:", "section"),
    Line("cf_sales", "销售商品、提供劳务收到的现金", "Cash received from sales of goods and services"),
    Line("cf_refund", "收到的税费返还", "Tax refunds received"),
    Line("cf_other_in", "收到其他与经营活动有关的现金", "Other cash received from operating activities"),
    Line("cf_op_in", "经营活动现金流入小计", "Subtotal of operating cash inflows", "total"),
    Line("cf_purchase", "购买商品、接受劳务支付的现金", "Cash paid for goods and services"),
    Line("cf_staff", "支付给职工以及为职工支付的现金", "Cash paid to and for employees"),
    Line("cf_taxes", "支付的各项税费", "Taxes paid"),
    Line("cf_other_out", "支付其他与经营活动有关的现金", "Other cash paid for operating activities"),
    Line("cf_op_out", "经营活动现金流出小计", "Subtotal of operating cash outflows", "total"),
    Line("ocf", "经营活动产生的现金流量净额", "Net cash from operating activities", "total", "operating_cash_flow"),
    Line("h_inv", "二、投资活动产生的现金流量：", "Cash flows from investing activities:", "section"),
    Line("cf_disposal", "处置固定资产收回的现金净额", "Proceeds from disposal of fixed assets"),
    Line("cf_capex", "购建固定资产、无形资产支付的现金", "Purchase of fixed and intangible assets"),
    Line("icf", "投资活动产生的现金流量净额", "Net cash from investing activities", "total"),
    Line("h_fin", "三、筹资活动产生的现金流量：", "Cash flows from financing activities:", "section"),
    Line("cf_borrow", "取得借款收到的现金", "Proceeds from borrowings"),
    Line("cf_repay", "偿还债务支付的现金", "Repayment of borrowings"),
    Line("cf_interest", "分配股利、利润或偿付利息支付的现金", "Interest and dividends paid"),
    Line("fcf", "筹资活动产生的现金流量净额", "Net cash from financing activities", "total"),
    Line("cf_net", "四、现金及现金等价物净增加额", "Net increase in cash and cash equivalents", "total"),
    Line("cf_begin", "加：期初现金及现金等价物余额", "Cash and cash equivalents at beginning of year"),
    Line("cf_end", "五、期末现金及现金等价物余额", "Cash and cash equivalents at end of year", "total"),
)

STATEMENTS: dict[str, tuple[Line, ...]] = {"balance": BALANCE, "income": INCOME, "cashflow": CASHFLOW}

Cents = dict[str, int]
"""Statement values for one year, in hundredths of the printed unit."""


@dataclass(frozen=True)
class Drivers:
    """What the story of the firm imposes on its numbers (set from the planted flags)."""

    quality: float
    earnings_decline: bool = False
    receivables_anomaly: bool = False
    going_concern: bool = False
    debt_stress: bool = False
    fund_occupation: bool = False
    impairment: bool = False
    penalty: bool = False


@dataclass(frozen=True)
class Financials:
    """Two fiscal years of printed statement values; `unit` multiplies a printed number into 元."""

    unit: float
    years: tuple[int, int]
    values: dict[int, Cents]
    restricted_cash: dict[int, int]

    def yuan(self, year: int, key: str) -> float:
        """A printed value normalised to 元 (hundredths of the unit times the unit)."""
        return self.values[year][key] * self.unit / 100

    def figures(self, year: int) -> dict[FigureName, float]:
        out: dict[FigureName, float] = {}
        for lines in STATEMENTS.values():
            for line in lines:
                if line.figure is not None:
                    out[line.figure] = self.yuan(year, line.key)
        return out


def _logn(rng: random.Random, sigma: float) -> float:
    return math.exp(rng.gauss(0.0, sigma))


def _balance(rng: random.Random, ind: Industry, d: Drivers, revenue: float, cost: float, ar: float,
             leverage: float, turnover: float) -> dict[str, float]:
    ta = revenue / turnover
    cash = ta * rng.uniform(0.05, 0.14) * (0.35 if (d.debt_stress or d.going_concern) else 1.0)
    inv = cost * ind.inventory_days / 365 * _logn(rng, 0.2)
    v = {
        "cash": cash, "ar": ar, "inventory": inv,
        "notes_rec": ar * rng.uniform(0.04, 0.15), "prepay": revenue * rng.uniform(0.008, 0.025),
        "other_rec": ta * (rng.uniform(0.07, 0.12) if d.fund_occupation else rng.uniform(0.004, 0.015)),
        "other_ca": ta * rng.uniform(0.005, 0.02),
    }
    ca = sum(v.values())
    ta = max(ta, ca / 0.8)
    nca = ta - ca
    for key, share in (("fixed", 0.6), ("cip", 0.1), ("intangible", 0.17), ("dta", 0.03)):
        v[key] = nca * share * rng.uniform(0.85, 1.15)
    v["other_nca"] = max(nca - sum(v[k] for k in ("fixed", "cip", "intangible", "dta")), nca * 0.02)
    ta = ca + sum(v[k] for k in ("fixed", "cip", "intangible", "dta", "other_nca"))
    tl = leverage * ta
    cl = tl * rng.uniform(0.72, 0.9)
    parts = {
        "notes_pay": 0.05, "ap": min(cost * rng.uniform(50, 95) / 365 / cl, 0.4), "contract_liab": 0.04,
        "staff_pay": 0.025, "tax_pay": 0.012, "other_pay": 0.03, "cur_ncl": 0.04,
    }
    for key, share in parts.items():
        v[key] = cl * share * rng.uniform(0.85, 1.15)
    v["stb"] = max(cl - sum(v[k] for k in parts), cl * 0.12)
    ncl = tl - cl
    v["ltb"] = ncl * rng.uniform(0.7, 0.9)
    v["deferred_income"] = ncl - v["ltb"]
    return v


def _to_cents(x: float, unit: float) -> int:
    return round(x / unit * 100)


def _foot_balance(f: dict[str, float], unit: float, capital: int) -> Cents:
    c = {k: _to_cents(x, unit) for k, x in f.items()}
    c["ca"] = sum(c[k] for k in ("cash", "notes_rec", "ar", "prepay", "other_rec", "inventory", "other_ca"))
    c["nca"] = sum(c[k] for k in ("fixed", "cip", "intangible", "dta", "other_nca"))
    c["ta"] = c["ca"] + c["nca"]
    c["cl"] = sum(c[k] for k in ("stb", "notes_pay", "ap", "contract_liab", "staff_pay", "tax_pay",
                                  "other_pay", "cur_ncl"))
    c["ncl"] = c["ltb"] + c["deferred_income"]
    c["tl"] = c["cl"] + c["ncl"]
    c["equity"] = c["ta"] - c["tl"]
    c["capital"] = capital
    c["cap_reserve"] = capital * 3 // 10
    c["surplus"] = capital // 20
    c["retained"] = c["equity"] - c["capital"] - c["cap_reserve"] - c["surplus"]
    c["tle"] = c["tl"] + c["equity"]
    return c


def _income(rng: random.Random, d: Drivers, revenue: float, cost: float, opex: float, b: dict[str, float],
            bal_ar_change: float) -> dict[str, float]:
    borrowings = b["stb"] + b["ltb"] + b["cur_ncl"]
    rate = rng.uniform(0.038, 0.065) + (0.02 if d.debt_stress else 0.0)
    interest = borrowings * rate
    return {
        "revenue": revenue, "cost": cost, "surcharges": revenue * rng.uniform(0.004, 0.008),
        "selling": opex * rng.uniform(0.3, 0.4), "admin": opex * rng.uniform(0.35, 0.45),
        "rnd": opex * rng.uniform(0.18, 0.28), "interest": interest,
        "finance": interest - b["cash"] * rng.uniform(0.002, 0.006),
        "other_income": revenue * rng.uniform(0.001, 0.005),
        "credit_loss": -(b["ar"] * rng.uniform(0.004, 0.012) + max(bal_ar_change, 0) * (0.08 if d.receivables_anomaly else 0.02)),
        "asset_loss": -(b["inventory"] * (rng.uniform(0.08, 0.15) if d.impairment else rng.uniform(0.0, 0.01))),
        "nonop_income": revenue * rng.uniform(0.0, 0.001),
        "nonop_exp": revenue * rng.uniform(0.0, 0.001) + (revenue * rng.uniform(0.001, 0.004) if d.penalty else 0.0),
    }


def _foot_income(f: dict[str, float], unit: float, tax_rate: float) -> Cents:
    c = {k: _to_cents(x, unit) for k, x in f.items()}
    c["gross"] = c["revenue"] - c["cost"]
    c["op_profit"] = (c["gross"] - c["surcharges"] - c["selling"] - c["admin"] - c["rnd"] - c["finance"]
                      + c["other_income"] + c["credit_loss"] + c["asset_loss"])
    c["pbt"] = c["op_profit"] + c["nonop_income"] - c["nonop_exp"]
    c["tax"] = round(max(c["pbt"], 0) * tax_rate)
    c["np"] = c["pbt"] - c["tax"]
    return c


def _foot_cashflow(rng: random.Random, unit: float, inc: Cents, bal: Cents, prev: dict[str, int],
                   begin_eq: int, end_eq: int, d: Drivers) -> Cents:
    """Direct-method cash flow whose closing balance is the balance sheet's cash less restricted cash."""
    rev = inc["revenue"]
    d_ar = bal["ar"] + bal["notes_rec"] - prev["ar"] - prev["notes_rec"]
    d_work = (bal["inventory"] - prev["inventory"]) + (bal["other_rec"] - prev["other_rec"]) - (bal["ap"] - prev["ap"])
    dep = bal["fixed"] // 11
    ocf = inc["np"] + dep - inc["credit_loss"] - inc["asset_loss"] - d_ar - d_work + round(rev * rng.gauss(0, 0.01))
    if d.going_concern or d.debt_stress:
        ocf = min(ocf, -round(rev * rng.uniform(0.01, 0.05)))
    c = {
        "cf_sales": round(rev * 1.13) - d_ar, "cf_refund": round(rev * rng.uniform(0.002, 0.008)),
        "cf_other_in": round(rev * rng.uniform(0.005, 0.015)),
        "cf_staff": round(rev * rng.uniform(0.06, 0.1)), "cf_taxes": round(rev * rng.uniform(0.03, 0.05)),
        "cf_other_out": round(rev * rng.uniform(0.02, 0.04)),
    }
    c["cf_op_in"] = c["cf_sales"] + c["cf_refund"] + c["cf_other_in"]
    c["cf_purchase"] = c["cf_op_in"] - ocf - c["cf_staff"] - c["cf_taxes"] - c["cf_other_out"]
    c["cf_op_out"] = c["cf_purchase"] + c["cf_staff"] + c["cf_taxes"] + c["cf_other_out"]
    c["ocf"] = c["cf_op_in"] - c["cf_op_out"]
    c["cf_disposal"] = round(bal["fixed"] * rng.uniform(0.0, 0.01))
    c["cf_capex"] = round(bal["fixed"] * rng.uniform(0.04, 0.12))
    c["icf"] = c["cf_disposal"] - c["cf_capex"]
    c["cf_begin"] = begin_eq
    c["cf_end"] = end_eq
    c["cf_net"] = end_eq - begin_eq
    c["fcf"] = c["cf_net"] - c["ocf"] - c["icf"]
    c["cf_interest"] = inc["interest"]
    borrowings = bal["stb"] + bal["ltb"] + bal["cur_ncl"]
    c["cf_borrow"] = max(round(borrowings * rng.uniform(0.6, 1.1)), c["fcf"] + c["cf_interest"])
    c["cf_repay"] = c["cf_borrow"] - c["cf_interest"] - c["fcf"]
    return c


def sample_financials(rng: random.Random, ind: Industry, d: Drivers, fiscal_year: int, unit: float) -> Financials:
    """Two years of statements for one firm whose story is `d`."""
    q = d.quality
    rev0 = min(max(math.exp(rng.gauss(math.log(3.5e8), 0.75)), 6e7), 3e9)
    growth = rng.gauss(0.04 + 0.05 * q + ind.market_growth - 0.05, 0.09)
    if d.earnings_decline:
        growth = rng.uniform(-0.32, -0.12)
    if d.going_concern:
        growth = rng.uniform(-0.45, -0.22)
    rev1 = rev0 * (1 + growth)
    gm0 = min(max(ind.gross_margin + rng.gauss(0, 0.03) + 0.015 * q, 0.04), 0.7)
    gm1 = gm0 + rng.gauss(0, 0.012) - (0.04 if d.earnings_decline else 0.0) - (0.06 if d.going_concern else 0.0)
    margin0 = rng.gauss(0.055 + 0.025 * q, 0.02)
    opex0 = rev0 * max(gm0 - margin0, 0.03)
    opex1 = opex0 * (1 + 0.45 * growth + rng.gauss(0.02, 0.03))
    days = ind.receivable_days * _logn(rng, 0.2) * (1 - 0.08 * q)
    ar0 = rev0 * days / 365
    ar_growth = growth + (rng.uniform(0.45, 0.9) if d.receivables_anomaly else rng.gauss(0, 0.05))
    ar1 = ar0 * (1 + ar_growth)
    lev0 = min(max(0.5 - 0.08 * q + rng.gauss(0, 0.08) + (0.14 if (d.debt_stress or d.going_concern) else 0.0), 0.18), 0.93)
    lev1 = min(max(lev0 + rng.gauss(0.01, 0.03) + (0.05 if d.going_concern else 0.0), 0.18), 0.97)
    turnover = ind.asset_turnover * _logn(rng, 0.15)
    capital_yuan = round(min(max(rev0 * rng.uniform(0.12, 0.3), 3e7), 3e8), -6)
    capital = _to_cents(capital_yuan, unit)
    tax_rate = 0.15 if rng.random() < 0.6 else 0.25
    years = (fiscal_year - 1, fiscal_year)
    bal_f = {years[0]: _balance(rng, ind, d, rev0, rev0 * (1 - gm0), ar0, lev0, turnover),
             years[1]: _balance(rng, ind, d, rev1, rev1 * (1 - gm1), ar1, lev1, turnover * (1 + rng.gauss(0, 0.03)))}
    bal = {y: _foot_balance(bal_f[y], unit, capital) for y in years}
    inc_f = {years[0]: _income(rng, d, rev0, rev0 * (1 - gm0), opex0, bal_f[years[0]], ar0 * 0.05),
             years[1]: _income(rng, d, rev1, rev1 * (1 - gm1), opex1, bal_f[years[1]], ar1 - ar0)}
    inc = {y: _foot_income(inc_f[y], unit, tax_rate) for y in years}
    restricted = {y: round(bal[y]["cash"] * rng.uniform(0.08, 0.25)) for y in years}
    first = bal[years[0]]
    shrink = 1 + growth * 0.5
    before = {k: round(first[k] / shrink * rng.uniform(0.95, 1.05)) for k in ("ar", "notes_rec", "inventory", "other_rec", "ap")}
    begin0 = round((first["cash"] - restricted[years[0]]) * rng.uniform(0.8, 1.2))
    cash_eq = {y: bal[y]["cash"] - restricted[y] for y in years}
    cf = {
        years[0]: _foot_cashflow(rng, unit, inc[years[0]], first, before, begin0, cash_eq[years[0]], d),
        years[1]: _foot_cashflow(rng, unit, inc[years[1]], bal[years[1]], first, cash_eq[years[0]], cash_eq[years[1]], d),
    }
    values = {y: {**bal[y], **inc[y], **cf[y]} for y in years}
    return Financials(unit=unit, years=years, values=values, restricted_cash=restricted)


def fmt_amount(cents: int) -> str:
    """Print hundredths of a unit the way Chinese and English reports do: 12,345.67 / -1,234.00."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d}"

"""The enterprises themselves: identity, chain, story (planted flags), numbers and default.

Each firm is drawn from its own `random.Random(f"{seed}:{index}")`, so enterprise 3 of seed 7
is the same whether 5 or 5,000 firms are generated, and nothing here renders text: the fast
portfolio table and the document renderers read the same facts.

Causal order: latent operating quality -> planted red flags -> statements (shaped by the
flags) -> ratios -> probability of default -> 0/1 label.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from eprof.agent.ratios import compute_ratios
from eprof.agent.schema import RedFlagType, Severity
from eprof.evaluation.corpus import default_model
from eprof.evaluation.corpus.statements import Drivers, Financials, sample_financials
from eprof.evaluation.corpus.vocab import AUDITORS, BANKS, BRANDS, CITIES, GIVEN, INDUSTRIES, SURNAMES, Industry

Language = Literal["zh", "en"]
Channel = Literal["report", "implied", "news"]
DecoyKind = Literal["withdrawn_lawsuit", "negated_mention", "competitor_scandal", "similar_name", "released_pledge"]
InjectionPlace = Literal["report", "news", "research"]

T = RedFlagType
S = Severity

# type: (probability at average quality, sensitivity to quality, channels it may be planted in)
FLAG_BASE: dict[RedFlagType, tuple[float, float, tuple[Channel, ...]]] = {
    T.litigation: (0.22, 0.5, ("report", "news")),
    T.regulatory_penalty: (0.09, 0.5, ("report", "news")),
    T.audit_opinion: (0.05, 0.9, ("report",)),
    T.going_concern: (0.025, 1.1, ("report",)),
    T.equity_pledge_or_freeze: (0.14, 0.6, ("report", "news")),
    T.debt_default: (0.04, 1.1, ("report", "news")),
    T.executive_risk: (0.06, 0.6, ("report", "news")),
    T.customer_concentration: (0.18, 0.3, ("report", "implied")),
    T.related_party: (0.07, 0.8, ("report",)),
    T.receivables_anomaly: (0.1, 0.7, ("implied",)),
    T.earnings_decline: (0.16, 0.8, ("implied", "report")),
    T.asset_impairment: (0.07, 0.6, ("report",)),
    T.product_or_safety: (0.05, 0.5, ("news",)),
    T.consumer_complaints: (0.04, 0.4, ("news",)),
}
INJECTION_RATE = 0.3
"""Share of firms whose documents carry a prompt-injection line (independent of quality)."""


@dataclass(frozen=True)
class Person:
    zh: str
    en: str

    def name(self, lang: Language) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Counterparty:
    name: str
    share: float
    amount: float
    is_core: bool


@dataclass(frozen=True)
class PlannedFlag:
    """A red flag the story contains; the renderers turn it into sentences in its channel."""

    type: RedFlagType
    severity: Severity
    channel: Channel
    date: dt.date
    amount: float
    counterparty: str
    person: Person
    variant: int


@dataclass(frozen=True)
class DefaultDraw:
    probability: float
    label: int
    linear_predictor: float
    intercept: float
    drivers: dict[str, float]


@dataclass(frozen=True)
class Enterprise:
    enterprise_id: str
    seed: int
    index: int
    language: Language
    industry: Industry
    fiscal_year: int
    name: str
    short_name: str
    similar_name: str
    competitor: str
    city: str
    province: str
    established: int
    stock_code: str
    products: tuple[str, ...]
    chairman: Person
    general_manager: Person
    cfo: Person
    secretary: Person
    controller: Person
    holding_company: str
    holding_pct: float
    customers: tuple[Counterparty, ...]
    suppliers: tuple[Counterparty, ...]
    core_enterprise: str
    auditor: str
    bank: str
    unit: float
    unit_label: str
    quality: float
    financials: Financials
    flags: tuple[PlannedFlag, ...]
    decoys: tuple[DecoyKind, ...]
    injection: InjectionPlace | None
    report_date: dt.date
    score_noise: dict[str, float]
    default_u: float

    def has(self, t: RedFlagType) -> bool:
        return any(f.type == t for f in self.flags)

    def flag(self, t: RedFlagType) -> PlannedFlag:
        return next(f for f in self.flags if f.type == t)

    @property
    def fy(self) -> int:
        return self.fiscal_year

    def ratios(self) -> dict[str, float | None]:
        y0, y1 = self.financials.years
        return compute_ratios(self.financials.figures(y1), self.financials.figures(y0))

    def drivers(self) -> dict[str, float]:
        return default_model.driver_values(self.ratios(), [(f.type, f.severity) for f in self.flags], self.quality)

    def default(self, intercept: float) -> DefaultDraw:
        x = self.drivers()
        lp = sum(default_model.contributions(x).values())
        pd = default_model.sigmoid(intercept + lp)
        return DefaultDraw(pd, int(self.default_u < pd), lp, intercept, x)

    def scores(self) -> dict[str, int]:
        return default_model.dimension_scores(
            self.drivers(), [f.type for f in self.flags], self.score_noise,
            self.customers[0].share, self.customers[0].is_core,
        )


def _sig(z: float) -> float:
    return default_model.sigmoid(z)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _person(rng: random.Random) -> Person:
    (sz, se), (gz, ge) = rng.choice(SURNAMES), rng.choice(GIVEN)
    return Person(sz + gz, f"{se} {ge}")


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _severity(t: RedFlagType, rng: random.Random, amount_ratio: float) -> Severity:
    fixed = {T.going_concern: S.critical, T.audit_opinion: S.high, T.debt_default: S.critical,
             T.related_party: S.high, T.executive_risk: S.high, T.product_or_safety: S.high,
             T.consumer_complaints: S.low, T.customer_concentration: S.medium, T.receivables_anomaly: S.medium,
             T.asset_impairment: S.medium, T.regulatory_penalty: S.medium}
    if t in fixed:
        return fixed[t]
    if t == T.litigation:
        return S.high if amount_ratio > 0.1 else S.medium
    if t == T.equity_pledge_or_freeze:
        return S.high if rng.random() < 0.4 else S.medium
    return S.high if rng.random() < 0.35 else S.medium  # earnings_decline


def _plan_flags(rng: random.Random, q: float, fy: int, people: list[Person], partners: list[str]) -> list[PlannedFlag]:
    chosen: list[RedFlagType] = []
    for t, (base, slope, _) in FLAG_BASE.items():
        p = _sig(_logit(base) - slope * q)
        if t == T.audit_opinion and T.related_party in chosen:
            p = max(p, 0.5)
        if t == T.debt_default and T.going_concern in chosen:
            p = max(p, 0.7)
        if rng.random() < p:
            chosen.append(t)
    if T.going_concern in chosen and T.earnings_decline not in chosen:
        chosen.append(T.earnings_decline)
    flags = []
    for t in chosen:
        channel = rng.choice(FLAG_BASE[t][2])
        if channel == "news":
            date = _date(rng, dt.date(fy + 1, 1, 6), dt.date(fy + 1, 6, 20))
        else:
            date = _date(rng, dt.date(fy, 2, 1), dt.date(fy, 12, 20))
        amount_ratio = rng.uniform(0.02, 0.25)
        flags.append(PlannedFlag(t, _severity(t, rng, amount_ratio), channel, date, amount_ratio,
                                 rng.choice(partners), rng.choice(people), rng.randrange(3)))
    if rng.random() < INJECTION_RATE:
        flags.append(PlannedFlag(T.document_manipulation, S.high, "report", dt.date(fy + 1, 1, 1), 0.0, "",
                                 people[0], rng.randrange(3)))
    return flags


def _shares(rng: random.Random, n: int, total: float, top: float | None) -> list[float]:
    """n decreasing shares summing to `total`, the first one equal to `top` when given."""
    first = top if top is not None else total * rng.uniform(0.3, 0.45)
    rest = sorted((rng.uniform(0.4, 1.0) for _ in range(n - 1)), reverse=True)
    scale = (total - first) / sum(rest)
    shares = [first] + [min(r * scale, first * 0.95) for r in rest]
    return [round(s, 4) for s in shares]


def _partner(rng: random.Random, lang: Language, suffixes: tuple[str, ...], taken: set[str]) -> str:
    while True:
        (cz, ce, _), (bz, be) = rng.choice(CITIES), rng.choice(BRANDS)
        i = rng.randrange(len(suffixes))
        name = f"{cz}{bz}{suffixes[i]}" if lang == "zh" else f"{ce} {be} {suffixes[i]}"
        if name not in taken:
            taken.add(name)
            return name


def language_for(index: int, en_share: float) -> Language:
    """Spread English firms evenly: floor((i+1)*share) > floor(i*share) marks an English one."""
    return "en" if math.floor((index + 1) * en_share) > math.floor(index * en_share) else "zh"


def sample_enterprise(seed: int, index: int, fiscal_year: int = 2024, en_share: float = 0.375) -> Enterprise:
    """The facts of enterprise `index` of corpus `seed`; pure function of its arguments."""
    rng = random.Random(f"eprof-corpus:{seed}:{index}")
    offsets = random.Random(f"eprof-corpus:{seed}")
    brand_off, ind_off = offsets.randrange(len(BRANDS)), offsets.randrange(len(INDUSTRIES))
    lang = language_for(index, en_share)
    ind = INDUSTRIES[(ind_off + index) % len(INDUSTRIES)]
    bz, be = BRANDS[(brand_off + index * 7) % len(BRANDS)]
    cz, ce, province = rng.choice(CITIES)
    q = rng.gauss(0.0, 1.0)
    fy = fiscal_year
    zh = lang == "zh"
    name = f"{cz}{bz}{ind.zh}股份有限公司" if zh else f"{ce} {be} {ind.en.title()} Co., Ltd."
    short = f"{bz}股份" if zh else be
    similar = f"{bz}{ind.zh[:2]}贸易有限公司" if zh else f"{be} {ind.en.title()} Trading Co., Ltd."
    cbz, cbe = BRANDS[(brand_off + index * 7 + 11) % len(BRANDS)]
    ccz, cce, _ = CITIES[(CITIES.index((cz, ce, province)) + 5) % len(CITIES)]
    competitor = f"{ccz}{cbz}{ind.zh}有限公司" if zh else f"{cce} {cbe} {ind.en.title()} Co., Ltd."
    people = [_person(rng) for _ in range(5)]
    chairman, gm, cfo, secretary = people[0], people[1], people[2], people[3]
    taken = {name, similar, competitor}
    core_list = ind.core_zh if zh else ind.core_en
    core = rng.choice(core_list)
    taken.add(core)
    partners_c = [_partner(rng, lang, ind.customer_suffix_zh if zh else ind.customer_suffix_en, taken) for _ in range(5)]
    partners_s = [_partner(rng, lang, ind.supplier_suffix_zh if zh else ind.supplier_suffix_en, taken) for _ in range(5)]
    serves_core = rng.random() < 0.6
    if serves_core:
        partners_c[0] = core
    flags = _plan_flags(rng, q, fy, people[1:], partners_c[1:] + partners_s)
    flag_types = {f.type for f in flags}
    drivers = Drivers(
        quality=q,
        earnings_decline=T.earnings_decline in flag_types,
        receivables_anomaly=T.receivables_anomaly in flag_types,
        going_concern=T.going_concern in flag_types,
        debt_stress=T.debt_default in flag_types,
        fund_occupation=T.related_party in flag_types,
        impairment=T.asset_impairment in flag_types,
        penalty=T.regulatory_penalty in flag_types,
    )
    unit, unit_label = rng.choice([(1e4, "万元"), (1.0, "元")] if zh else [(1e3, "RMB thousand"), (1.0, "RMB")])
    fin = sample_financials(rng, ind, drivers, fy, unit)
    revenue = fin.yuan(fy, "revenue")
    purchases = fin.yuan(fy, "cost") * 0.8
    concentrated = T.customer_concentration in flag_types
    c_shares = _shares(rng, 5, rng.uniform(0.8, 0.93) if concentrated else rng.uniform(0.28, 0.55),
                       rng.uniform(0.46, 0.68) if concentrated else None)
    s_shares = _shares(rng, 5, rng.uniform(0.25, 0.6), None)
    customers = tuple(Counterparty(n, s, round(revenue * s, -2), i == 0 and serves_core)
                      for i, (n, s) in enumerate(zip(partners_c, c_shares, strict=True)))
    suppliers = tuple(Counterparty(n, s, round(purchases * s, -2), False)
                      for n, s in zip(partners_s, s_shares, strict=True))
    decoys: list[DecoyKind] = ["negated_mention", rng.choice(["competitor_scandal", "similar_name"])]
    if T.litigation not in flag_types and rng.random() < 0.6:
        decoys.append("withdrawn_lawsuit")
    if T.equity_pledge_or_freeze not in flag_types and rng.random() < 0.4:
        decoys.append("released_pledge")
    if rng.random() < 0.5:
        decoys.append("similar_name" if "competitor_scandal" in decoys else "competitor_scandal")
    injection: InjectionPlace | None = None
    if T.document_manipulation in flag_types:
        injection = rng.choice(["report", "news", "research"])
    auditor = rng.choice(AUDITORS)[0 if zh else 1]
    return Enterprise(
        enterprise_id=f"e{index + 1:03d}", seed=seed, index=index, language=lang, industry=ind, fiscal_year=fy,
        name=name, short_name=short, similar_name=similar, competitor=competitor, city=cz if zh else ce,
        province=province, established=rng.randrange(1996, fy - 6), stock_code=f"87{rng.randrange(10000):04d}",
        products=tuple(rng.sample(ind.products_zh if zh else ind.products_en, 2)),
        chairman=chairman, general_manager=gm, cfo=cfo, secretary=secretary, controller=chairman,
        holding_company=(f"{cz}{bz}控股有限公司" if zh else f"{ce} {be} Holdings Co., Ltd."),
        holding_pct=round(rng.uniform(0.38, 0.72), 4),
        customers=customers, suppliers=suppliers, core_enterprise=core,
        auditor=auditor, bank=rng.choice(BANKS)[0 if zh else 1], unit=unit, unit_label=unit_label,
        quality=q, financials=fin, flags=tuple(flags), decoys=tuple(decoys), injection=injection,
        report_date=_date(rng, dt.date(fy + 1, 3, 18), dt.date(fy + 1, 4, 28)),
        score_noise={k: rng.gauss(0, 1) for k in ("business_stability", "industry_chain_position",
                                                  "financial_health", "governance", "external_risk")},
        default_u=rng.random(),
    )


REFERENCE_SIZE = 3000


@lru_cache(maxsize=4)
def _reference_predictors(fiscal_year: int) -> tuple[float, ...]:
    firms = (sample_enterprise(-1, i, fiscal_year) for i in range(REFERENCE_SIZE))
    return tuple(sum(default_model.contributions(f.drivers()).values()) for f in firms)


@lru_cache(maxsize=32)
def intercept_for_rate(rate: float, fiscal_year: int = 2024) -> float:
    """Intercept giving mean PD `rate` over a fixed reference population (seed -1, 3,000 firms)."""
    return default_model.solve_intercept(list(_reference_predictors(fiscal_year)), rate)

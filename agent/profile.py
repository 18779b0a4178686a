"""One enterprise's profile: retrieve -> extract (offline or LLM) -> verify -> figures -> scores.

The figures and ratios are read and computed in code from every table of the enterprise. The
extractor sees a small evidence set: the union of a few scoped searches, one per profile topic,
which is what keeps an LLM's cost bounded (no long-context stuffing). Its output is verified
against the stored chunks before anything is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal, get_args

from eprof.agent.earned import cite_figures, earn
from eprof.agent.extraction import Extraction
from eprof.agent.financials import identity_checks, read_figures
from eprof.agent.injection import injection_flag
from eprof.agent.keydata import cross_checks, key_figures
from eprof.agent.news_counterparties import find_counterparty_events
from eprof.agent.offline import extract_offline
from eprof.agent.ratios import compute_ratios
from eprof.agent.reportflags import BORROWER_TYPES, reassign_to_counterparty, report_flags
from eprof.agent.reportrules import financial_report_start, in_financial_report
from eprof.agent.reportfacts import report_facts
from eprof.agent.schema import Figure, FigureName, IdentityCheck, OperatingProfile, ProfileScores, RedFlag, RedFlagType, Usage
from eprof.agent.subject_rules import short_names
from eprof.agent.signals import numeric_flags
from eprof.agent.statements import Reading, read_statements
from eprof.agent.verify import check_evidence, verify_extraction
from eprof.kernel.config import Settings
from eprof.kernel.errors import NotFoundError
from eprof.kernel.files import atomic_write_text, safe_name
from eprof.retrieval.schema import Chunk
from eprof.retrieval.search import Searcher

Extractor = Literal["offline", "llm"]
DEFAULT_PROMPT = "profile@v1"
TOPICS: tuple[str, ...] = (
    "主营业务 主要产品 main business products",
    "行业 产业链 上游 下游 industry chain upstream downstream",
    "前五大客户 主要客户 销售占比 largest customers share of revenue",
    "主要供应商 采购占比 major suppliers purchases",
    "审计意见 会计师事务所 auditor audit opinion",
    "控股股东 实际控制人 controlling shareholder",
    "诉讼 仲裁 被执行 litigation lawsuit arbitration",
    "行政处罚 立案调查 监管 penalty regulator investigation",
    "股权质押 冻结 pledged frozen shares",
    "逾期 违约 债务 资金链 overdue default debt",
    "关联交易 资金占用 担保 related party guarantee",
    "持续经营 重大不确定性 going concern",
    "董事长 高管 辞职 调查 executive resigned detained",
    "安全事故 环保 召回 投诉 accident environmental recall complaint",
    "业绩下滑 亏损 净利润下降 net loss decline",
    "忽略 指令 评级 ignore instructions rating",
)
HITS_PER_TOPIC = 6
MAX_LLM_EVIDENCE_CHARS = 30_000


def evidence_ids(searcher: Searcher, enterprise_id: str) -> set[str]:
    """The union of the top hits of each topic (searched together: one Chroma query)."""
    return {chunk_id for ids in searcher.best_ids(enterprise_id, TOPICS, k=HITS_PER_TOPIC) for chunk_id in ids}


def _figures(chunks: list[Chunk]) -> tuple[dict, str | None, dict[str, float | None], Reading]:
    """Statement figures where the report's statements were found (consolidated first, the parent's
    kept apart), else every table with a stated unit; the fiscal year from the cover or title."""
    reading = read_statements(chunks)
    figures = reading.primary or read_figures(c for c in chunks if c.kind == "table")
    years = sorted({period for _, period in figures}, reverse=True)
    year = reading.fiscal_year if reading.primary and reading.fiscal_year in years else (years[0] if years else None)
    if year is None:
        return figures, None, compute_ratios({}), reading
    current = {name: f.value for (name, period), f in figures.items() if period == year}
    prior = {name: f.value for (name, period), f in figures.items() if period == str(int(year) - 1)}
    return figures, year, compute_ratios(current, prior), reading


def _in_order(figures: dict) -> list[Figure]:
    return sorted(figures.values(), key=lambda f: (f.period, f.name), reverse=True)


def statement_figures(chunks: list[Chunk]) -> tuple[list[Figure], list[Figure], str | None]:
    """The figures a profile holds (latest period first), the parent company's kept apart, and the
    fiscal year, read in code from the tables alone: a figure question needs no more, so it is
    answered without the profile's searches."""
    figures, year, _, reading = _figures(chunks)
    return _in_order(figures), _in_order(reading.parent), year


def figures_confidence(checks: list[IdentityCheck]) -> str | None:
    """high: every check ran and passed; low: any failed; None: nothing could be checked."""
    if not checks:
        return None
    return "low" if any(not c.passed for c in checks) else "high"


def _merge_flags(extracted: list[RedFlag], computed: list[RedFlag]) -> list[RedFlag]:
    """Computed flags add what the extractor did not report; where it did report the same type,
    the statement rows join that flag's evidence, so the flag cites both the words and the numbers."""
    by_type = {f.type: f for f in computed}
    merged = []
    for flag in extracted:
        numbers = by_type.pop(flag.type, None)
        if numbers is not None:
            quotes = {e.quote for e in flag.evidence}
            flag = flag.model_copy(update={"evidence": flag.evidence + [e for e in numbers.evidence if e.quote not in quotes]})
        merged.append(flag)
    return merged + list(by_type.values())


def build_profile(
    searcher: Searcher,
    enterprise_id: str,
    extract: Callable[[str, str | None, list[Chunk], dict[str, float | None], tuple[str, ...]], tuple[Extraction, Usage]],
    *,
    extractor: Extractor,
    model: str | None = None,
    prompt: str | None = None,
    prompt_hash: str | None = None,
) -> OperatingProfile:
    info = searcher.enterprise(enterprise_id)
    chunks = searcher.chunks(info)
    figures, year, ratios, reading = _figures(chunks)
    checks = identity_checks(figures, sorted({p for _, p in figures}, reverse=True))
    checks += cross_checks(figures, key_figures(chunks), year)
    facts = report_facts(chunks)  # read where the format puts them; they win over an extractor's reading
    wanted = evidence_ids(searcher, enterprise_id) | {e.chunk_id for claim in facts.claims() for e in claim.evidence}
    starts = financial_report_start(chunks)  # from the auditor's report on: standard text, policies, notes
    evidence = [c for c in chunks if c.chunk_id in wanted and not in_financial_report(c, starts)]  # document order
    aliases = tuple(info.aliases)
    extraction, usage = extract(enterprise_id, info.name, evidence, ratios, aliases)
    by_id = {c.chunk_id: c for c in chunks}
    # The code's reading of the same evidence is the verified floor of a model's (agent/earned.py).
    code = extraction if extractor == "offline" else extract_offline(enterprise_id, info.name, evidence, ratios, aliases)
    verified, rejected = verify_extraction(cite_figures(code, figures, year), by_id, enterprise_id)
    contradictions = []
    if extractor != "offline":
        said, rejected = verify_extraction(extraction, by_id, enterprise_id)
        verified, contradictions = earn(said, verified)
    computed = numeric_flags(figures, ratios, year) + report_flags(chunks, short_names(info.name, chunks), facts, figures, year)
    flags = reassign_to_counterparty(_merge_flags(verified.red_flags, computed))
    if facts.financial_institution is not None:  # its borrowers' defaults are its loan book, not its own
        flags = [f for f in flags if f.type not in BORROWER_TYPES]
    if not any(f.type == RedFlagType.document_manipulation for f in flags) and (injected := injection_flag(chunks)):
        flags.append(injected)
    counterparties = [e for e in find_counterparty_events(info.name, chunks, aliases)  # quoted from the chunks; checked all the same
                      if all(check_evidence(x, by_id, enterprise_id) is None for x in e.evidence)]
    read = _in_order(figures)
    missing = [
        Figure(name=name, period=year or "", value=None, missing_reason="not found in any table with a stated unit")
        for name in get_args(FigureName)
        if year is None or (name, year) not in figures
    ]
    scores = verified.scores
    return OperatingProfile(
        enterprise_id=enterprise_id,
        name=info.name,
        extractor=extractor,
        model=model,
        prompt=prompt,
        prompt_hash=prompt_hash,
        fiscal_year=year,
        industry=verified.industry,
        main_business=verified.main_business,
        upstream=verified.upstream,
        downstream=verified.downstream,
        parties=verified.parties,
        auditor=facts.auditor or verified.auditor,
        audit_opinion=facts.audit_opinion or verified.audit_opinion,
        controlling_shareholder=facts.controlling_shareholder or verified.controlling_shareholder,
        financial_institution=facts.financial_institution,
        figures=read + missing,
        ratios=ratios,
        parent_figures=_in_order(reading.parent),
        checks=checks,
        figures_confidence=figures_confidence(checks),
        red_flags=flags,
        counterparty_events=counterparties,
        scores=ProfileScores(
            enterprise_id=enterprise_id,
            business_stability=scores.business_stability,
            industry_chain_position=scores.industry_chain_position,
            financial_health=scores.financial_health,
            governance=scores.governance,
            external_risk=scores.external_risk,
            red_flag_counts=dict(sorted(Counter(f.type for f in flags).items())),
            red_flag_severity_counts=dict(sorted(Counter(f.severity for f in flags).items())),
            financial_institution=facts.financial_institution.value if facts.financial_institution else None,  # type: ignore[arg-type]
        ),
        rejected=rejected,
        contradictions=contradictions,
        evidence_chunks=len(evidence),
        usage=usage,
    )


def profile_path(settings: Settings, enterprise_id: str) -> Path:
    return settings.home / "profiles" / f"{safe_name(enterprise_id)}.json"


def save_profile(profile: OperatingProfile, path: Path) -> Path:
    atomic_write_text(path, profile.model_dump_json(indent=2))
    return path


def load_profile(settings: Settings, enterprise_id: str) -> OperatingProfile:
    path = profile_path(settings, enterprise_id)
    if not path.exists():
        raise NotFoundError(f"no profile for {enterprise_id!r}; run `eprof profile {enterprise_id}` first")
    return OperatingProfile.model_validate_json(path.read_text(encoding="utf-8"))

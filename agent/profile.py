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

from eprof.agent.extraction import Extraction
from eprof.agent.financials import identity_checks, read_figures
from eprof.agent.ratios import compute_ratios
from eprof.agent.schema import Figure, FigureName, OperatingProfile, ProfileScores, RedFlag, Usage
from eprof.agent.signals import numeric_flags
from eprof.agent.verify import verify_extraction
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


def _figures(chunks: list[Chunk]) -> tuple[dict, str | None, dict[str, float | None]]:
    figures = read_figures(c for c in chunks if c.kind == "table")
    years = sorted({period for _, period in figures}, reverse=True)
    year = years[0] if years else None
    if year is None:
        return figures, None, compute_ratios({})
    current = {name: f.value for (name, period), f in figures.items() if period == year}
    prior = {name: f.value for (name, period), f in figures.items() if period == str(int(year) - 1)}
    return figures, year, compute_ratios(current, prior)


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
    figures, year, ratios = _figures(chunks)
    wanted = evidence_ids(searcher, enterprise_id)
    evidence = [c for c in chunks if c.chunk_id in wanted]  # document order, as `chunks` is
    extraction, usage = extract(enterprise_id, info.name, evidence, ratios, tuple(info.aliases))
    verified, rejected = verify_extraction(extraction, {c.chunk_id: c for c in chunks}, enterprise_id)
    flags = _merge_flags(verified.red_flags, numeric_flags(figures, ratios, year))
    read: list[Figure] = sorted(figures.values(), key=lambda f: (f.period, f.name), reverse=True)
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
        auditor=verified.auditor,
        audit_opinion=verified.audit_opinion,
        controlling_shareholder=verified.controlling_shareholder,
        figures=read + missing,
        ratios=ratios,
        checks=identity_checks(figures, sorted({p for _, p in figures}, reverse=True)),
        red_flags=flags,
        scores=ProfileScores(
            enterprise_id=enterprise_id,
            business_stability=scores.business_stability,
            industry_chain_position=scores.industry_chain_position,
            financial_health=scores.financial_health,
            governance=scores.governance,
            external_risk=scores.external_risk,
            red_flag_counts=dict(sorted(Counter(f.type for f in flags).items())),
            red_flag_severity_counts=dict(sorted(Counter(f.severity for f in flags).items())),
        ),
        rejected=rejected,
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

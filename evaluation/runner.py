"""An evaluation run: every contender over one labelled dataset, scored, compared, reported.

A contender is the offline extractor or one LLM prompt version (`profile@v2`) with the model from
the settings (EPROF_MODEL, OPENAI_BASE_URL). The dataset is ingested once into an evaluation store
keyed by its hash (`<EPROF_HOME>/evals/stores/<hash>/`) and reused by later runs; the store keeps
the gateway's call log and response cache too, so a re-run of the same contenders sends no request.
An LLM contender runs `repeats` times; repeat r > 0 sends `seed: r`, so each repeat is its own
sample with its own cache entry.

Output (default `<EPROF_HOME>/evals/<run_id>/`): results.json (evaluation/schema.py EvalRun),
report.md and report.html.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import eprof
from eprof.kernel.calllog import read_calls
from eprof.agent.extractors import run_profile
from eprof.agent.llm import Gateway, GatewayConfig
from eprof.agent.profile import DEFAULT_PROMPT, Extractor
from eprof.workflows.qa_session import QASession
from eprof.agent.schema import OperatingProfile, RedFlag, RedFlagType, Usage
from eprof.agent.pricing import Prices
from eprof.kernel.config import Settings
from eprof.kernel.contract import Contract
from eprof.kernel.errors import ConfigError, EprofError, InputError
from eprof.kernel.files import atomic_write_text
from eprof.evaluation.calls import llm_counts
from eprof.evaluation.compare import compare_contenders
from eprof.evaluation.corpus.truth import EnterpriseTruth
from eprof.evaluation.dataset import LabelledDataset, load_dataset
from eprof.evaluation.downstream import Scored, downstream, load_ratios_only_model, score_profile
from eprof.evaluation.flag_metrics import Counts, match_flags
from eprof.evaluation.metrics import BY_KEY, METRICS, arrays, enterprise_ids
from eprof.evaluation.report import render_markdown
from eprof.evaluation.report_html import render_html
from eprof.evaluation.schema import (
    CitedFlag, CodeVersion, ContenderResult, DatasetInfo, EnterpriseOutcome, EvalRun, Latency, RunSettings, UsageSummary,
)
from eprof.evaluation.scoring import EnterpriseScore, FigureCounts, LLMCounts, QACounts, judge_answer, score_enterprise, truth_flags
from eprof.evaluation.stats import LEVEL, RESAMPLES, draws, ratio, ratio_interval
from eprof.prompts import load_prompt
from eprof.retrieval.ingest import ingest_all
from eprof.retrieval.schema import Chunk, IngestStatus
from eprof.retrieval.search import Searcher
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy

EVALS = "evals"
STORES = "stores"
Progress = Callable[[str], None]
"""Called with a short line after each step (ingest, each profile), for a progress bar."""


class Contender(Contract):
    label: str
    extractor: Extractor
    prompt: str | None = None


class RunOptions(Contract):
    repeats: int = 1
    resamples: int = RESAMPLES
    seed: int = 0
    level: float = LEVEL
    prices: Prices = Prices()


def plan_contenders(prompts: Sequence[str], extractors: Sequence[str], settings: Settings) -> list[Contender]:
    """LLM prompt versions in the order given, then the offline extractor when asked for (or alone).

    With neither: the offline extractor, plus the default prompt when an endpoint is configured.
    `--extractor llm` without `--prompt` means the default prompt.
    """
    unknown = [e for e in extractors if e not in ("offline", "llm")]
    if unknown:
        raise InputError(f"--extractor must be offline or llm; got {', '.join(unknown)}")
    refs = list(dict.fromkeys(prompts))
    if not refs and ("llm" in extractors or (not extractors and settings.llm_configured)):
        refs = [DEFAULT_PROMPT]
    for ref in refs:
        load_prompt(ref)
    if refs and not settings.llm_configured:
        raise ConfigError("LLM contenders need an endpoint: set OPENAI_BASE_URL (or OPENAI_API_KEY) and EPROF_MODEL")
    contenders = [Contender(label=ref, extractor="llm", prompt=ref) for ref in refs]
    if "offline" in extractors or not contenders:
        contenders.append(Contender(label="offline", extractor="offline"))
    return contenders


def evaluation_root(settings: Settings) -> Path:
    return settings.home / EVALS


def evaluation_store(settings: Settings, dataset: LabelledDataset, progress: Progress | None = None) -> Settings:
    """Settings whose home is the dataset's evaluation store, ingested once per dataset hash."""
    home = evaluation_root(settings) / STORES / dataset.sha256.removeprefix("sha256:")[:16]
    store = settings.model_copy(update={"home": home, "chroma_url": None})
    marker = home / "dataset.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("sha256") == dataset.sha256:
        return store
    searcher = Searcher.open(store)
    results = ingest_all(searcher.store, searcher.embedder, dataset.jobs,
                         (lambda r: progress(f"ingested {Path(r.path).name}")) if progress else None)
    failed = [r for r in results if r.status == IngestStatus.failed]
    if failed:
        raise InputError(f"dataset {dataset.name}: {len(failed)} document(s) could not be read; first: {failed[0].path}: {failed[0].reason}")
    atomic_write_text(marker, json.dumps({"sha256": dataset.sha256, "path": str(dataset.path),
                                          "ingested_at": _now().isoformat()}, indent=2) + "\n")
    return store


def code_version() -> CodeVersion:
    root = Path(__file__).resolve().parents[1]
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=root, capture_output=True, text=True,
                                   timeout=10, check=True).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        described = None
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return CodeVersion(eprof=eprof.__version__, git=described, evaluation_sha256="sha256:" + digest.hexdigest())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Trial(Contract):
    """One contender, one repeat, one enterprise: what came out of it."""

    truth: EnterpriseTruth
    repeat: int
    profile: OperatingProfile | None
    error: str | None
    qa: QACounts | None
    seconds: float
    scored: Scored | None


class _Context:
    """What every trial of a run shares: the store, its chunks, the models."""

    def __init__(self, store: Settings, model: ScorecardModel, baseline: ScorecardModel, policy: Policy):
        self.store, self.model, self.baseline, self.policy = store, model, baseline, policy
        self.searcher = Searcher.open(store)
        self._chunks: dict[str, dict[str, Chunk]] = {}

    def chunks(self, enterprise_id: str) -> dict[str, Chunk]:
        if enterprise_id not in self._chunks:
            info = self.searcher.store.enterprise(enterprise_id)
            self._chunks[enterprise_id] = {c.chunk_id: c for c in self.searcher.store.chunks(info)} if info else {}
        return self._chunks[enterprise_id]

    def trial(self, contender: Contender, truth: EnterpriseTruth, repeat: int, gateway: Gateway | None, run_id: str) -> _Trial:
        started = time.perf_counter()
        try:
            profile = run_profile(self.store, truth.enterprise_id, contender.extractor, contender.prompt or DEFAULT_PROMPT,
                                  searcher=self.searcher, gateway=gateway, run_id=run_id)
        except EprofError as exc:
            return _Trial(truth=truth, repeat=repeat, profile=None, error=str(exc), qa=None,
                          seconds=time.perf_counter() - started, scored=None)
        seconds = time.perf_counter() - started
        session = QASession(self.store, truth.enterprise_id, "offline", searcher=self.searcher, profile=profile,
                            model=self.model, policy=self.policy)
        qa = sum((judge_answer(q, session.ask(q.question)) for q in truth.qa), QACounts())
        return _Trial(truth=truth, repeat=repeat, profile=profile, error=None, qa=qa, seconds=seconds,
                      scored=score_profile(profile, self.model, self.baseline, self.policy))


def _cited(flags: Sequence[RedFlag], matched: set[int]) -> list[CitedFlag]:
    return [CitedFlag(type=f.type, severity=f.severity, source=f.evidence[0].source, page=f.evidence[0].page,
                      quote=f.evidence[0].quote, matched=i in matched) for i, f in enumerate(flags)]


def _outcome(trials: Sequence[_Trial]) -> EnterpriseOutcome:
    first = trials[0]
    truth = truth_flags(first.truth)
    predicted = first.profile.red_flags if first.profile else []
    pairs = match_flags(predicted, truth, "page")
    return EnterpriseOutcome(
        enterprise_id=first.truth.enterprise_id,
        name=first.truth.name,
        error=first.error,
        flags=_cited(predicted, {p for _, p in pairs}),
        missed=[f for i, f in enumerate(_cited(truth, set())) if i not in {t for t, _ in pairs}],
        rejected=first.profile.rejected if first.profile else [],
        scored=first.scored,
        decisions_by_repeat=[t.scored.decision_with if t.scored else None for t in trials],
    )


def _percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _result(contender: Contender, settings: Settings, trials: list[_Trial], scores: list[EnterpriseScore],
            truths: Sequence[EnterpriseTruth], options: RunOptions) -> ContenderResult:
    ids = enterprise_ids(scores)
    idx = draws(len(ids), options.resamples, options.seed)
    defaults = {t.enterprise_id: t.default for t in truths if t.default is not None}
    per_type: dict[RedFlagType, Counts] = {}
    figures: dict[str, FigureCounts] = {}
    for s in scores:
        for t, c in s.flags.items():
            per_type[t] = per_type.get(t, Counts()) + c
        for name, c in s.figures.items():
            figures[name] = figures.get(name, FigureCounts()) + c
    llm = [s.llm for s in scores if s.llm is not None]
    produced = Usage(prompt_tokens=sum(c.prompt_tokens for c in llm), completion_tokens=sum(c.completion_tokens for c in llm))
    sent = Usage(prompt_tokens=sum(c.sent_prompt_tokens for c in llm), completion_tokens=sum(c.sent_completion_tokens for c in llm))
    repeats = max(s.repeat for s in scores) + 1
    by_enterprise = {eid: [t for t in trials if t.truth.enterprise_id == eid] for eid in ids}
    stable = [len({t.scored.decision_with if t.scored else None for t in ts}) == 1 for ts in by_enterprise.values()]
    prompt = load_prompt(contender.prompt) if contender.prompt else None
    seconds = [s.seconds * 1000 for s in scores]
    return ContenderResult(
        label=contender.label,
        extractor=contender.extractor,
        prompt=contender.prompt,
        prompt_hash=prompt.hash if prompt else None,
        changelog=prompt.changelog if prompt else None,
        model=settings.model if contender.extractor == "llm" else None,
        repeats=repeats,
        metrics={m.key: ratio_interval(*arrays(m, scores, ids), idx, options.level) for m in METRICS},
        per_type=dict(sorted(per_type.items(), key=lambda kv: list(RedFlagType).index(kv[0]))),
        figures=figures,
        latency=Latency(profile_p50_ms=_percentile(seconds, 50), profile_p95_ms=_percentile(seconds, 95),
                        llm_p50_ms=_percentile([c.latency_ms for c in llm], 50),
                        llm_p95_ms=_percentile([c.latency_ms for c in llm], 95)),
        usage=UsageSummary(
            requests=sum(c.requests for c in llm), cache_hits=sum(c.cache_hits for c in llm),
            prompt_tokens=produced.prompt_tokens, completion_tokens=produced.completion_tokens,
            tokens_this_run=sent.prompt_tokens + sent.completion_tokens,
            cost_estimate=options.prices.cost(produced), cost_this_run=options.prices.cost(sent),
        ),
        repeat_f1=[ratio(*arrays(BY_KEY["flag_f1"], [s for s in scores if s.repeat == r], ids)) for r in range(repeats)],
        decision_stability=sum(stable) / len(stable) if repeats > 1 and stable else None,
        downstream=downstream([t.scored for t in trials if t.repeat == 0 and t.scored and t.scored.enterprise_id in defaults],
                              {i: d.probability for i, d in defaults.items()},
                              {i: d.label for i, d in defaults.items()}, options.resamples, options.seed, options.level),
        scores=scores,
        outcomes=[_outcome(ts) for ts in by_enterprise.values()],
    )


def _run_contender(context: _Context, contender: Contender, dataset: LabelledDataset, run_id: str,
                   options: RunOptions, progress: Progress | None) -> ContenderResult:
    trials: list[_Trial] = []
    scores: list[EnterpriseScore] = []
    for repeat in range(options.repeats if contender.extractor == "llm" else 1):
        tag = f"{run_id}/{contender.label}/{repeat}"
        gateway = Gateway(context.store, GatewayConfig(seed=repeat or None)) if contender.extractor == "llm" else None
        for truth in dataset.truths:
            trials.append(context.trial(contender, truth, repeat, gateway, tag))
            if progress:
                progress(f"{contender.label} · repeat {repeat + 1} · {truth.enterprise_id}")
        calls = llm_counts(read_calls(context.store.home / "logs.db"), tag) if gateway else {}
        for t in trials[-len(dataset.truths):]:
            eid = t.truth.enterprise_id
            scores.append(score_enterprise(
                t.truth, t.profile, context.chunks(eid), t.qa, error=t.error, seconds=t.seconds, repeat=repeat,
                llm=calls.get(eid, LLMCounts()) if gateway else None,
            ))
    return _result(contender, context.store, trials, scores, dataset.truths, options)


def run_evaluation(
    settings: Settings,
    dataset_dir: Path,
    contenders: Sequence[Contender],
    *,
    model: ScorecardModel,
    policy: Policy,
    options: RunOptions | None = None,
    out: Path | None = None,
    progress: Progress | None = None,
) -> tuple[EvalRun, Path]:
    """Run, score and compare every contender; write results.json, report.md, report.html under `out`."""
    if not contenders:
        raise InputError("nothing to evaluate: give --prompt and/or --extractor offline")
    options = options or RunOptions()
    started = time.perf_counter()
    created = _now()
    run_id = f"{created:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    dataset = load_dataset(dataset_dir)
    store = evaluation_store(settings, dataset, progress)
    baseline = load_ratios_only_model()
    context = _Context(store, model, baseline, policy)
    results = [_run_contender(context, c, dataset, run_id, options, progress) for c in contenders]
    comparisons = [compare_contenders(a, b, resamples=options.resamples, seed=options.seed, level=options.level, model=model)
                   for i, a in enumerate(results) for b in results[i + 1:]]
    run = EvalRun(
        run_id=run_id,
        created_at=created,
        seconds=round(time.perf_counter() - started, 2),
        dataset=DatasetInfo(path=str(dataset.path), name=dataset.name, sha256=dataset.sha256, enterprises=len(dataset.truths)),
        code=code_version(),
        model=settings.model if any(c.extractor == "llm" for c in contenders) else None,
        prompts={r.prompt: r.prompt_hash for r in results if r.prompt and r.prompt_hash},
        settings=RunSettings(repeats=options.repeats, resamples=options.resamples, seed=options.seed, level=options.level,
                             prices=options.prices, risk_model=model.version, ratios_only_model=baseline.version,
                             policy=policy.label),
        contenders=results,
        comparisons=comparisons,
    )
    folder = out or evaluation_root(settings) / run_id
    write_run(run, folder)
    return run, folder


def write_run(run: EvalRun, folder: Path) -> list[Path]:
    paths = [folder / "results.json", folder / "report.md", folder / "report.html"]
    for path, text in zip(paths, (run.model_dump_json(indent=2), render_markdown(run), render_html(run)), strict=True):
        atomic_write_text(path, text)
    return paths

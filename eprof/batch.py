"""Batch profiling of new applicants: a manifest in, one audited decision per applicant out.

One applicant is the rows of one enterprise in the manifest (the `eprof ingest --manifest`
format). For each: ingest its documents -> profile (offline or LLM) -> decide, written to
`DIR/applicants/<safe_name>.json`; then `decisions.csv`, `errors.csv` and `run.json` for the run.
This module sits above retrieval, agent and risk, and nothing below it imports it.

Engines. `BatchWorker` turns one applicant into its result; the driver (`run_batch`) plans,
skips, writes each result as it arrives and rebuilds the summaries, whichever engine ran it:
- local (default), threads in this process. Parsing and embedding are CPU-bound and hold the
  GIL, so ingest runs in one thread, the caller's (`prepare`). The worker pool then searches,
  profiles and decides. `concurrency` is the LLM requests in flight (the gateway holds to it);
  the pool has a quarter more threads (`pipeline_depth`), so that the next applicants' searches
  are done while the model works and a request leaves as soon as another returns. The ingesting
  thread stays a few applicants ahead of the pool.
- ray (`eprof.batch_ray`): applicants spread over Ray actors (one per CPU, threads inside), for
  when one machine is not enough.

Rate limit. All workers share one `RateLimiter`: requests and tokens per minute over a sliding
window, and one pause for everybody after a 429 (on Ray, the limiter lives in one actor).

Resume and crashes. An applicant's file is written once, atomically, when it is done, and records
a fingerprint of its inputs (each document's sha256, the extractor, prompt hash, LLM model, risk
model and policy). A re-run skips applicants whose file says ok under the same fingerprint and
retries the failed ones. A killed run (kill -9 included) loses only the applicants in flight:
every file in DIR is complete or absent; the summaries are rebuilt at the end of each run.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import math
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, ValidationError

import eprof
from agent.extractors import run_profile
from agent.llm import Gateway, GatewayConfig, LLMOutputError, RateLimit, canonical_json
from agent.profile import DEFAULT_PROMPT, TOPICS, Extractor, profile_path, save_profile
from agent.schema import OperatingProfile, Severity, Usage
from eprof.config import Settings
from eprof.contract import Contract
from eprof.errors import ConfigError, EprofError, InputError
from eprof.files import atomic_write_text, safe_name
from prompts import load_prompt
from retrieval.embeddings import Embedder
from retrieval.ingest import IngestJob, ManifestError, ingest_file, read_manifest
from retrieval.keyword import KeywordIndex
from retrieval.readers import file_sha256
from retrieval.schema import Chunk, EnterpriseInfo, IngestResult, IngestStatus
from retrieval.search import Searcher
from retrieval.store import Store
from risk.artifact import ScorecardModel
from risk.policy import Policy
from risk.run import DecisionRecord, decide_profile

__all__ = [
    "Applicant",
    "ApplicantError",
    "ApplicantResult",
    "BatchOptions",
    "BatchProgress",
    "BatchSearcher",
    "BatchWorker",
    "Plan",
    "Prices",
    "RateLimiter",
    "RunRecord",
    "TopicVectors",
    "applicant_result",
    "decision_row",
    "plan_batch",
    "run_batch",
    "stage_error",
]

APPLICANT_SCHEMA_VERSION = "batch-applicant/1"
RUN_SCHEMA_VERSION = "batch-run/1"
DECISION_COLUMNS = (
    "enterprise_id", "name", "pd", "score", "grade", "decision", "knockouts", "top_reasons",
    "red_flags", "red_flags_critical", "red_flags_high", "red_flags_medium", "red_flags_low", "status",
)
ERROR_COLUMNS = ("enterprise_id", "name", "stage", "line", "document", "message")
TOP_REASONS = 3

Status = Literal["ok", "failed"]
Stage = Literal["manifest", "ingest", "profile", "decide", "worker"]
"""worker: an error outside the stages (saving the profile failed; on Ray, a call whose actor died)."""
Engine = Literal["local", "ray"]


# ---------------------------------------------------------------- contracts


class Applicant(Contract):
    """One enterprise's manifest rows: its documents, and any of its rows that were invalid."""

    enterprise_id: str
    name: str | None = None
    documents: tuple[IngestJob, ...] = ()
    invalid_rows: tuple[ManifestError, ...] = ()


class Plan(Contract):
    applicants: list[Applicant]
    errors: list[ManifestError] = Field(description="invalid rows that name no enterprise")


class ApplicantError(Contract):
    stage: Stage
    message: str
    document: str | None = None
    line: int | None = None


class Timings(Contract):
    ingest_s: float = 0.0
    profile_s: float = 0.0
    decide_s: float = 0.0
    total_s: float = Field(0.0, description="from the start of ingest to the file being written")


class ApplicantResult(Contract):
    """What `applicants/<safe_name>.json` holds: the outcome for one applicant, ok or failed."""

    schema_version: Literal["batch-applicant/1"] = APPLICANT_SCHEMA_VERSION
    enterprise_id: str
    name: str | None
    status: Status
    fingerprint: str = Field(description="sha256 of the inputs; a re-run skips an ok applicant with the same one")
    run_id: str
    finished_at: dt.datetime
    documents: list[IngestResult] = Field(default_factory=list)
    profile: OperatingProfile | None = None
    decision: DecisionRecord | None = None
    errors: list[ApplicantError] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    timings: Timings = Field(default_factory=Timings)


class Prices(Contract):
    """Per-1k-token prices for the cost estimate (0 = not priced; the offline extractor uses none)."""

    prompt_per_1k: float = Field(0.0, ge=0)
    completion_per_1k: float = Field(0.0, ge=0)
    currency: str = "USD"

    def cost(self, usage: Usage) -> float:
        return round(usage.prompt_tokens / 1000 * self.prompt_per_1k + usage.completion_tokens / 1000 * self.completion_per_1k, 6)


class BatchOptions(Contract):
    extractor: Extractor | None = Field(None, description="None: llm when an endpoint is configured, else offline")
    engine: Engine = Field("local", description="local: threads in this process; ray: Ray actors, one per CPU, with threads")
    ray_address: str | None = Field(
        None, description="Ray cluster to join (auto, ray://host:10001); None: RAY_ADDRESS or a running local one, else a new local instance"
    )
    prompt: str = DEFAULT_PROMPT
    concurrency: int = Field(
        4, ge=1, le=256, description="LLM requests in flight, here or across the Ray actors (a quarter more applicants are worked on)"
    )
    rpm: int | None = Field(None, gt=0, description="requests per minute for the whole batch")
    tpm: int | None = Field(None, gt=0, description="tokens per minute for the whole batch")
    prices: Prices = Field(default_factory=Prices)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)


class RunCounts(Contract):
    applicants: int
    processed: int = Field(description="run this time")
    skipped: int = Field(description="already done under the same inputs")
    ok: int = Field(description="ok now, skipped ones included")
    failed: int
    invalid_rows: int


class RunRecord(Contract):
    """`run.json`: what ran, with which versions, what it cost; written at the start and the end."""

    schema_version: Literal["batch-run/1"] = RUN_SCHEMA_VERSION
    run_id: str
    status: Literal["running", "finished"]
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    seconds: float | None = None
    manifest: str
    manifest_sha256: str
    eprof_version: str
    extractor: Extractor
    prompt: str | None
    prompt_hash: str | None
    llm_model: str | None
    risk_model_version: str
    policy_version: str
    engine: Engine = "local"
    concurrency: int
    rpm: int | None
    tpm: int | None
    counts: RunCounts
    decisions: dict[str, int] = Field(description="final decisions (approve/refer/decline) of the ok applicants")
    usage: Usage
    prices: Prices
    cost_estimate: float = Field(description="usage priced at `prices`, in prices.currency")


class BatchProgress(Contract):
    """A snapshot for a progress display, sent at the start and after each applicant."""

    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    last: ApplicantResult | None = None

    @property
    def remaining(self) -> int:
        return self.total - self.skipped - self.ok - self.failed


# ---------------------------------------------------------------- rate limit


@dataclass
class _Ticket:
    at: float
    tokens: int


class RateLimiter:
    """Requests and tokens per minute over a sliding 60-second window, plus a pause shared by all.

    A sliding window (not a token bucket) because that is how endpoints count "per minute": no
    60 seconds ever hold more than `rpm` requests or `tpm` tokens. A request is charged its
    reservation until `settle` puts its real token count on the ticket; one larger than `tpm`
    waits for an empty window instead of forever. Thread-safe; `clock` and `sleep` are
    injectable, so tests check the arithmetic without waiting.
    """

    WINDOW_S = 60.0

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        for name, value in (("rpm", rpm), ("tpm", tpm)):
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be >= 1 or unset; got {value}")
        self.rpm, self.tpm = rpm, tpm
        self._clock, self._sleep = clock, sleep
        self._sent: deque[_Ticket] = deque()
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    def acquire(self, tokens: int) -> _Ticket:
        """Block until a request of `tokens` fits, then charge it to the window."""
        while True:
            ticket, delay = self.try_acquire(tokens)
            if ticket is not None:
                return ticket
            self._sleep(delay)

    def try_acquire(self, tokens: int) -> tuple[_Ticket | None, float]:
        """Charge a request of `tokens` now if it fits: (ticket, 0); else (None, seconds to wait)."""
        with self._lock:
            now = self._clock()
            delay = self._delay(now, tokens)
            if delay > 0:
                return None, delay
            ticket = _Ticket(now, min(tokens, self.tpm) if self.tpm else tokens)
            self._sent.append(ticket)
            return ticket, 0.0

    def settle(self, ticket: object, tokens: int) -> None:
        """The request's real token count replaces its reservation (timeouts keep the reservation)."""
        assert isinstance(ticket, _Ticket)
        with self._lock:
            ticket.tokens = tokens

    def back_off(self, seconds: float) -> None:
        """Nobody sends for `seconds` (an endpoint's 429 applies to every worker)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _delay(self, now: float, tokens: int) -> float:
        while self._sent and self._sent[0].at <= now - self.WINDOW_S:
            self._sent.popleft()
        delays = [self._paused_until - now]
        if self.rpm and len(self._sent) >= self.rpm:
            delays.append(self._sent[len(self._sent) - self.rpm].at + self.WINDOW_S - now)
        if self.tpm:
            need = min(tokens, self.tpm)
            excess = sum(t.tokens for t in self._sent) + need - self.tpm
            for ticket in self._sent:  # the oldest requests leave the window first
                if excess <= 0:
                    break
                excess -= ticket.tokens
                delays.append(ticket.at + self.WINDOW_S - now)
        return max(0.0, *delays)


# ---------------------------------------------------------------- retrieval


class TopicVectors:
    """An Embedder that knows the vectors of the profile's topic queries, the same for every
    applicant: embedded once per run, each on its own exactly as a search would."""

    def __init__(self, embedder: Embedder):
        self.inner = embedder
        self._topics = _topic_vectors(embedder)

    def embed(self, texts: list[str]) -> np.ndarray:
        if texts and all(t in self._topics for t in texts):
            return np.vstack([self._topics[t] for t in texts])
        return self.inner.embed(texts)


@functools.lru_cache(maxsize=4)
def _topic_vectors(embedder: Embedder) -> dict[str, np.ndarray]:
    """Once per embedder, and so once per process (`make_embedder` keeps one): 45 ms a run otherwise."""
    return {topic: embedder.embed([topic])[0] for topic in TOPICS}


class BatchSearcher(Searcher):
    """A Searcher for a whole run. The topic queries are embedded once (`TopicVectors`). An
    applicant's commit record is read once, when its documents are checked (`keep`), not again by
    each search: Chroma's collection lookup holds the GIL while it waits for the store, so under
    many threads every extra lookup stalls them all. A profile needs all of an applicant's chunks
    as well as its keyword index and its hits, so one read of the store serves all three. All is
    kept until `forget` drops it when the applicant is done."""

    def __init__(self, store: Store, embedder: Embedder):
        super().__init__(store, TopicVectors(embedder))
        self._infos: dict[str, EnterpriseInfo] = {}
        self._kept: dict[str, tuple[int, list[Chunk]]] = {}

    def keep(self, info: EnterpriseInfo) -> None:
        self._infos[info.enterprise_id] = info

    def enterprise(self, enterprise_id: str) -> EnterpriseInfo:
        info = self._infos.get(enterprise_id)
        return info if info is not None else super().enterprise(enterprise_id)

    def _load(self, info: EnterpriseInfo) -> list[Chunk]:
        kept = self._kept.get(info.enterprise_id)
        if kept is None or kept[0] != info.revision:
            records = self.store.records(info)
            keyword = KeywordIndex.build([c.chunk_id for c, _ in records], [t for _, t in records], [c.doc_type.value for c, _ in records])
            self._keyword[info.enterprise_id] = (info.revision, keyword)
            kept = self._kept[info.enterprise_id] = (info.revision, sorted((c for c, _ in records), key=lambda c: (c.source, c.ordinal)))
        return kept[1]

    def chunks(self, info: EnterpriseInfo) -> list[Chunk]:
        return self._load(info)

    def _keyword_index(self, info: EnterpriseInfo) -> KeywordIndex:
        self._load(info)
        return self._keyword[info.enterprise_id][1]

    def _fetch(self, info: EnterpriseInfo, ids: list[str]) -> list[Chunk]:
        wanted = set(ids)
        return [c for c in self._load(info) if c.chunk_id in wanted]

    def forget(self, enterprise_id: str) -> None:
        self._infos.pop(enterprise_id, None)
        self._kept.pop(enterprise_id, None)
        self._keyword.pop(enterprise_id, None)


# ---------------------------------------------------------------- pure helpers


def group_applicants(jobs: list[IngestJob], errors: list[ManifestError], row_enterprises: dict[int, str]) -> Plan:
    """Rows of one enterprise form one applicant, in first-appearance order; an invalid row that
    names an enterprise belongs to it (its decision would otherwise rest on missing documents)."""
    docs: dict[str, list[IngestJob]] = {}
    invalid: dict[str, list[ManifestError]] = {}
    names: dict[str, str] = {}
    loose: list[ManifestError] = []
    order: dict[str, int] = {}
    for job in jobs:
        docs.setdefault(job.enterprise_id, []).append(job)
        order.setdefault(job.enterprise_id, len(order))
        if job.name and job.enterprise_id not in names:
            names[job.enterprise_id] = job.name
    for error in errors:
        eid = row_enterprises.get(error.line, "")
        if eid:
            invalid.setdefault(eid, []).append(error)
            order.setdefault(eid, len(order))
        else:
            loose.append(error)
    applicants = [
        Applicant(enterprise_id=eid, name=names.get(eid), documents=tuple(docs.get(eid, ())), invalid_rows=tuple(invalid.get(eid, ())))
        for eid in sorted(order, key=order.__getitem__)
    ]
    return Plan(applicants=applicants, errors=loose)


def fingerprint(applicant: Applicant, context: dict[str, str | None]) -> str:
    """sha256 of everything the outcome depends on: documents by content, plus the run's versions."""
    documents = [
        {"path": str(j.path), "doc_type": j.doc_type.value, "published": j.published and j.published.isoformat(), "sha256": _sha256_or_none(j.path)}
        for j in applicant.documents
    ]
    payload = {
        "name": applicant.name,
        "documents": documents,
        "invalid_rows": [e.model_dump() for e in applicant.invalid_rows],
        **context,
    }
    return "sha256:" + hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def decision_row(result: ApplicantResult) -> dict[str, object]:
    """One line of decisions.csv; a failed applicant keeps its columns empty except the status."""
    row: dict[str, object] = dict.fromkeys(DECISION_COLUMNS, "")
    row.update(enterprise_id=result.enterprise_id, name=result.name or "", status=result.status)
    if result.decision is not None:
        d = result.decision.decision
        row.update(
            pd=f"{d.pd:.6f}", score=f"{d.score:.1f}", grade=d.grade, decision=d.decision,
            knockouts="; ".join(k.rule_id for k in d.knockouts),
            top_reasons="; ".join(r.feature for r in d.reasons[:TOP_REASONS]),
        )
    if result.profile is not None:
        severities = result.profile.scores.red_flag_severity_counts
        row["red_flags"] = len(result.profile.red_flags)
        for severity in (Severity.critical, Severity.high, Severity.medium, Severity.low):
            row[f"red_flags_{severity.value}"] = severities.get(severity, 0)
    return row


def error_rows(result: ApplicantResult) -> list[dict[str, object]]:
    return [
        {"enterprise_id": result.enterprise_id, "name": result.name or "", "stage": e.stage, "line": e.line or "", "document": e.document or "", "message": e.message}
        for e in result.errors
    ]


def total_usage(usages: list[Usage]) -> Usage:
    return Usage(**{name: sum(getattr(u, name) for u in usages) for name in Usage.model_fields})


def csv_text(columns: tuple[str, ...], rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _sha256_or_none(path: Path) -> str | None:
    try:
        return file_sha256(path) if path.is_file() else None
    except OSError:
        return None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# ---------------------------------------------------------------- the I/O shell


def plan_batch(manifest: Path) -> Plan:
    """Read the manifest (invalid rows keep their line numbers) and group it into applicants."""
    jobs, errors = read_manifest(manifest)
    reader = csv.DictReader(manifest.read_text(encoding="utf-8-sig").splitlines())
    row_enterprises = {line: (row.get("enterprise_id") or "").strip() for line, row in enumerate(reader, start=2)}
    return group_applicants(jobs, errors, row_enterprises)


def applicant_path(out: Path, enterprise_id: str) -> Path:
    return out / "applicants" / f"{safe_name(enterprise_id)}.json"


def load_result(path: Path) -> ApplicantResult | None:
    """A previous outcome, or None when there is none (or it cannot be read: then it is redone)."""
    try:
        return ApplicantResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError):
        return None


@dataclass(frozen=True)
class _Prepared:
    applicant: Applicant
    fingerprint: str
    documents: list[IngestResult]
    started: float
    ingest_s: float


class BatchWorker:
    """What one process needs to turn applicants into results: the searcher, the gateway (and
    through it the shared rate limit), the risk model and the policy. It writes no batch output:
    the driver does, so that a Ray actor on another machine needs no access to --out."""

    def __init__(
        self, settings: Settings, options: BatchOptions, model: ScorecardModel, policy: Policy, extractor: Extractor,
        run_id: str, limiter: RateLimit | None = None, in_flight: int | None = None,
    ):
        """`in_flight`: LLM requests this worker may have out at once (default: all of --concurrency)."""
        self.settings, self.options, self.model, self.policy = settings, options, model, policy
        self.extractor, self.run_id = extractor, run_id
        self.searcher = BatchSearcher.open(settings)
        self.gateway = (
            Gateway(settings, options.gateway, limiter or RateLimiter(options.rpm, options.tpm), in_flight or options.concurrency)
            if extractor == "llm" else None
        )

    def prepare(self, applicant: Applicant, fp: str) -> _Prepared | ApplicantResult:
        """Ingest; a failure here already is the applicant's result."""
        started = time.perf_counter()
        if applicant.invalid_rows:
            errors = [ApplicantError(stage="manifest", line=e.line, message=e.message) for e in applicant.invalid_rows]
            return applicant_result(applicant, fp, self.run_id, started, errors=errors)
        documents: list[IngestResult] = []
        store = self.searcher.store
        try:
            info = store.enterprise(applicant.enterprise_id)
            for job in applicant.documents:
                documents.append(ingest_file(store, self.searcher.embedder, job, info))
                if documents[-1].status in (IngestStatus.added, IngestStatus.replaced):
                    info = None  # published: the next file reads the new commit record
            failed = [r for r in documents if r.status is IngestStatus.failed]
            if failed:
                errors = [ApplicantError(stage="ingest", document=Path(r.path).name, message=r.reason or "failed") for r in failed]
                return applicant_result(applicant, fp, self.run_id, started, documents=documents, errors=errors)
            if info is None:
                info = store.enterprise(applicant.enterprise_id)
        except Exception as exc:  # noqa: BLE001 - one applicant's failure must not stop the batch
            return applicant_result(applicant, fp, self.run_id, started, documents=documents, errors=[stage_error("ingest", exc)])
        if info is not None:
            self.searcher.keep(info)
        return _Prepared(applicant, fp, documents, started, round(time.perf_counter() - started, 3))

    def finish(self, p: _Prepared) -> ApplicantResult:
        """Search, profile and decide (a worker thread's part on the local engine)."""
        eid = p.applicant.enterprise_id
        try:
            began = time.perf_counter()
            try:
                profile = run_profile(
                    self.settings, eid, self.extractor, self.options.prompt,
                    searcher=self.searcher, gateway=self.gateway, run_id=self.run_id,
                )
            except Exception as exc:  # noqa: BLE001 - isolated per applicant, reported with its reason
                usage = Usage(prompt_tokens=exc.usage.prompt_tokens, completion_tokens=exc.usage.completion_tokens) if isinstance(exc, LLMOutputError) else Usage()
                timings = Timings(ingest_s=p.ingest_s, profile_s=round(time.perf_counter() - began, 3))
                return applicant_result(p.applicant, p.fingerprint, self.run_id, p.started, documents=p.documents, errors=[stage_error("profile", exc)], usage=usage, timings=timings)
            profiled = time.perf_counter()
            timings = Timings(ingest_s=p.ingest_s, profile_s=round(profiled - began, 3))
            try:
                record = decide_profile(profile, self.model, self.policy)
            except Exception as exc:  # noqa: BLE001
                return applicant_result(p.applicant, p.fingerprint, self.run_id, p.started, documents=p.documents, profile=profile, errors=[stage_error("decide", exc)], usage=profile.usage, timings=timings)
            save_profile(profile, profile_path(self.settings, eid))
            timings = timings.model_copy(update={"decide_s": round(time.perf_counter() - profiled, 3)})
            return applicant_result(p.applicant, p.fingerprint, self.run_id, p.started, documents=p.documents, profile=profile, decision=record, usage=profile.usage, timings=timings)
        finally:
            self.searcher.forget(eid)


def applicant_result(
    applicant: Applicant, fp: str, run_id: str, started: float, *, errors: list[ApplicantError] | None = None,
    timings: Timings | None = None, **fields: object,
) -> ApplicantResult:
    """The outcome for one applicant: failed when there are errors; total_s counts from `started`."""
    timings = (timings or Timings()).model_copy(update={"total_s": round(time.perf_counter() - started, 3)})
    return ApplicantResult(
        enterprise_id=applicant.enterprise_id, name=applicant.name, status="failed" if errors else "ok",
        fingerprint=fp, run_id=run_id, finished_at=_now(), errors=errors or [], timings=timings, **fields,
    )


def _finish_or_fail(worker: BatchWorker, prepared: _Prepared) -> ApplicantResult:
    """`worker.finish`, with an error outside its stages failing this applicant alone, as on Ray."""
    try:
        return worker.finish(prepared)
    except Exception as exc:  # noqa: BLE001 - isolated per applicant, reported with its reason
        return applicant_result(prepared.applicant, prepared.fingerprint, worker.run_id, prepared.started,
                                documents=prepared.documents, errors=[stage_error("worker", exc)])


def pipeline_depth(in_flight: int) -> int:
    """Applicants worked on at once for `in_flight` LLM requests: a quarter more (at least one), so
    that while `in_flight` of them wait for the model the others search, verify and decide, and a
    request goes out as soon as one comes back. With exactly `in_flight`, each request waited for
    its applicant's CPU work, queued behind everyone else's for the GIL: 0.12 s a request at 32."""
    return in_flight + max(1, math.ceil(in_flight / 4))


def _run_threads(worker: BatchWorker, threads: int, todo: list[tuple[Applicant, str]], collect: Callable[[ApplicantResult], None]) -> None:
    """The local engine: ingest in this thread, search, profile and decide in `threads` threads,
    with a few ingested applicants queued for them (not more: ingesting ahead takes the GIL from
    the threads that send requests); results are collected here as they complete."""
    ahead = threads + max(2, threads // 4)
    with ThreadPoolExecutor(threads, thread_name_prefix="eprof-batch") as pool:
        running: set[Future[ApplicantResult]] = set()
        try:
            for applicant, fp in todo:
                if len(running) >= ahead:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        collect(future.result())
                prepared = worker.prepare(applicant, fp)
                if isinstance(prepared, ApplicantResult):
                    collect(prepared)
                else:
                    running.add(pool.submit(_finish_or_fail, worker, prepared))
                for future in [f for f in running if f.done()]:
                    running.discard(future)
                    collect(future.result())
            for future in as_completed(running):
                collect(future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def stage_error(stage: Stage, exc: Exception) -> ApplicantError:
    message = str(exc) if isinstance(exc, EprofError) else f"{type(exc).__name__}: {exc}"
    return ApplicantError(stage=stage, message=message)


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files of atomic writes interrupted by a kill: never outputs, safe to delete."""
    for folder in (out, out / "applicants"):
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def run_batch(
    settings: Settings,
    manifest: Path,
    out: Path,
    model: ScorecardModel,
    policy: Policy,
    options: BatchOptions | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
) -> RunRecord:
    """Profile and decide every applicant of the manifest, skipping those already done; see the
    module docstring for threads, rate limits and what a kill leaves behind."""
    options = options or BatchOptions()
    started_at, started = _now(), time.perf_counter()
    extractor: Extractor = options.extractor or ("llm" if settings.llm_configured else "offline")
    if extractor == "llm" and not settings.llm_configured:
        raise ConfigError("--extractor llm needs OPENAI_BASE_URL or OPENAI_API_KEY, and EPROF_MODEL")
    if options.engine == "ray":
        from eprof import batch_ray

        batch_ray.check(settings)
    prompt = load_prompt(options.prompt) if extractor == "llm" else None
    llm_model = (settings.model or prompt.model) if prompt else None
    context = {
        "extractor": extractor, "prompt_hash": prompt.hash if prompt else None, "llm_model": llm_model,
        "risk_model": model.version, "policy": policy.label,
    }
    plan = plan_batch(manifest)
    if not plan.applicants and not plan.errors:
        raise InputError(f"manifest {manifest.name} has no rows")
    run_id = f"batch-{started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    _remove_stale_temporaries(out)

    results: dict[str, ApplicantResult] = {}
    todo: list[tuple[Applicant, str]] = []
    for applicant in plan.applicants:
        fp = fingerprint(applicant, context)
        previous = load_result(applicant_path(out, applicant.enterprise_id))
        if previous is not None and previous.status == "ok" and previous.fingerprint == fp:
            results[applicant.enterprise_id] = previous
        else:
            todo.append((applicant, fp))
    skipped = len(results)

    def record(status: Literal["running", "finished"]) -> RunRecord:
        done = list(results.values())
        fresh = [r for r in done if r.run_id == run_id]
        usage = total_usage([r.usage for r in fresh])
        return RunRecord(
            run_id=run_id, status=status, started_at=started_at,
            finished_at=_now() if status == "finished" else None,
            seconds=round(time.perf_counter() - started, 3) if status == "finished" else None,
            manifest=str(manifest), manifest_sha256="sha256:" + file_sha256(manifest), eprof_version=eprof.__version__,
            extractor=extractor, prompt=prompt.ref if prompt else None, prompt_hash=prompt.hash if prompt else None,
            llm_model=llm_model, risk_model_version=model.version, policy_version=policy.label,
            engine=options.engine, concurrency=options.concurrency, rpm=options.rpm, tpm=options.tpm,
            counts=RunCounts(
                applicants=len(plan.applicants), processed=len(fresh), skipped=skipped,
                ok=sum(r.status == "ok" for r in done), failed=sum(r.status == "failed" for r in done),
                invalid_rows=len(plan.errors) + sum(len(a.invalid_rows) for a in plan.applicants),
            ),
            decisions=dict(sorted(Counter(r.decision.decision.decision for r in done if r.decision).items())),
            usage=usage, prices=options.prices, cost_estimate=options.prices.cost(usage),
        )

    atomic_write_text(out / "run.json", record("running").model_dump_json(indent=2))
    progress = BatchProgress(total=len(plan.applicants), skipped=skipped)
    if on_progress:
        on_progress(progress)

    def collect(result: ApplicantResult) -> None:
        """Write the outcome atomically (the file is what marks the applicant done), then report it."""
        nonlocal progress
        atomic_write_text(applicant_path(out, result.enterprise_id), result.model_dump_json(indent=2))
        results[result.enterprise_id] = result
        progress = progress.model_copy(update={result.status: getattr(progress, result.status) + 1, "last": result})
        if on_progress:
            on_progress(progress)

    if options.engine == "ray":
        batch_ray.run(settings, options, model, policy, extractor, run_id, todo, collect)
    else:
        _run_threads(BatchWorker(settings, options, model, policy, extractor, run_id), pipeline_depth(options.concurrency), todo, collect)

    ordered = [results[a.enterprise_id] for a in plan.applicants]
    loose = [{"enterprise_id": "", "name": "", "stage": "manifest", "line": e.line, "document": "", "message": e.message} for e in plan.errors]
    atomic_write_text(out / "decisions.csv", csv_text(DECISION_COLUMNS, [decision_row(r) for r in ordered]))
    atomic_write_text(out / "errors.csv", csv_text(ERROR_COLUMNS, loose + [row for r in ordered for row in error_rows(r)]))
    final = record("finished")
    atomic_write_text(out / "run.json", final.model_dump_json(indent=2))
    return final

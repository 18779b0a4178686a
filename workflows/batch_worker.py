"""One applicant's work, the same on every engine: ingest (`prepare`), then search, profile and
decide (`finish`); and the local engine's thread pool. A worker writes no batch output: the
driver does, so a Ray actor on another machine needs no access to --out."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path

from eprof.agent.extractors import run_profile
from eprof.agent.llm import Gateway, LLMOutputError, RateLimit
from eprof.agent.profile import Extractor, profile_path, save_profile
from eprof.agent.rate_limit import RateLimiter
from eprof.agent.schema import Usage
from eprof.kernel.config import Settings
from eprof.kernel.errors import EprofError
from eprof.retrieval.ingest import ingest_file
from eprof.retrieval.schema import IngestResult, IngestStatus
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy
from eprof.risk.run import decide_profile
from eprof.workflows.batch_schema import Applicant, ApplicantError, ApplicantResult, BatchOptions, Stage, Timings
from eprof.workflows.batch_search import batch_searcher


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


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
        self.searcher = batch_searcher(settings)
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
            self.searcher.cache.keep(info)
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
            self.searcher.cache.forget(eid)


def applicant_result(
    applicant: Applicant, fp: str, run_id: str, started: float, *, errors: list[ApplicantError] | None = None,
    timings: Timings | None = None, **fields: object,
) -> ApplicantResult:
    """The outcome for one applicant: failed when there are errors; total_s counts from `started`."""
    timings = (timings or Timings()).model_copy(update={"total_s": round(time.perf_counter() - started, 3)})
    return ApplicantResult(
        enterprise_id=applicant.enterprise_id, name=applicant.name, status="failed" if errors else "ok",
        fingerprint=fp, run_id=run_id, finished_at=now(), errors=errors or [], timings=timings, **fields,
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


def run_threads(worker: BatchWorker, threads: int, todo: list[tuple[Applicant, str]], collect: Callable[[ApplicantResult], None]) -> None:
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

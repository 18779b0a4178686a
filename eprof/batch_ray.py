"""The ray engine of `eprof batch`: one Ray task per applicant, for when one machine is not enough.

The driver (`eprof.batch.run_batch`) plans, skips, writes every result and the summaries, exactly
as with the local engine; here it only submits `BatchWorker.process` as a task per applicant, at
most `concurrency` in flight, and collects the results as they complete. What changes is where
state lives:
- the store must be a Chroma server (`--chroma-url`): every worker ingests into and searches the
  same one;
- the rate limit lives in one actor (`LimiterActor`), so rpm/tpm and a 429's pause hold for all
  tasks together, on any node;
- workers get the settings (LLM endpoint, key, model, Chroma URL) explicitly with the task, never
  from their own environment; paths are made absolute, since a worker's working folder is not the
  driver's (on a cluster, the documents and --store must be at the same paths on every node).
Each task asks for one CPU; a worker process keeps its `BatchWorker` (store client, embedder,
gateway) for the rest of the run. A task that raises or whose worker dies fails its applicant
alone (stage "worker"); Ray retries a task whose worker crashed, which is safe because ingest is
idempotent and an applicant's result is only written by the driver.

Ray is optional (`pip install 'eprof[ray]'`) and imported only when this engine runs.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from agent.profile import Extractor
from eprof.batch import (
    Applicant, ApplicantError, ApplicantResult, BatchOptions, BatchWorker, RateLimiter, applicant_result, stage_error,
)
from eprof.config import Settings
from eprof.errors import ConfigError
from risk.artifact import ScorecardModel
from risk.policy import Policy

__all__ = ["LimiterActor", "SharedLimit", "check", "run"]


def _ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--engine ray needs Ray: pip install 'eprof[ray]'") from exc
    return ray


def check(settings: Settings) -> None:
    """Fail before any work: Ray must be installed and the store a server that every worker reaches."""
    _ray()
    if not settings.chroma_url:
        raise ConfigError(
            "--engine ray needs a Chroma server that every worker can reach: start one with `chroma run` "
            "and pass --chroma-url (or set EPROF_CHROMA_URL)"
        )


class LimiterActor:
    """The run's one `RateLimiter`, as a Ray actor. Its methods never block (an actor serves one
    call at a time): a task asks, and when told to wait, sleeps on its own side and asks again."""

    def __init__(self, rpm: int | None, tpm: int | None):
        self._limiter = RateLimiter(rpm, tpm)
        self._tickets: dict[int, object] = {}
        self._numbers = itertools.count(1)

    def try_acquire(self, tokens: int) -> tuple[int | None, float]:
        ticket, delay = self._limiter.try_acquire(tokens)
        if ticket is None:
            return None, delay
        number = next(self._numbers)
        self._tickets[number] = ticket
        return number, 0.0

    def settle(self, number: int, tokens: int) -> None:
        ticket = self._tickets.pop(number, None)
        if ticket is not None:
            self._limiter.settle(ticket, tokens)

    def back_off(self, seconds: float) -> None:
        self._limiter.back_off(seconds)


class SharedLimit:
    """The gateway's `RateLimit` in a task: every call goes to the run's `LimiterActor`."""

    def __init__(self, actor: Any):
        self._actor = actor

    def acquire(self, tokens: int) -> int:
        ray = _ray()
        while True:
            number, delay = ray.get(self._actor.try_acquire.remote(tokens))
            if number is not None:
                return number
            time.sleep(delay)

    def settle(self, ticket: object, tokens: int) -> None:
        _ray().get(self._actor.settle.remote(ticket, tokens))

    def back_off(self, seconds: float) -> None:
        _ray().get(self._actor.back_off.remote(seconds))


@dataclass(frozen=True)
class _Spec:
    """What every task of a run needs, put in the object store once."""

    settings: Settings
    options: BatchOptions
    model: ScorecardModel
    policy: Policy
    extractor: Extractor
    run_id: str
    limiter: Any  # the LimiterActor's handle, or None without an LLM


_workers: dict[str, BatchWorker] = {}


def _process(spec: _Spec, applicant: Applicant, fp: str) -> ApplicantResult:
    """The task: one applicant, with this process's `BatchWorker` for the run (opened on its first task)."""
    worker = _workers.get(spec.run_id)
    if worker is None:
        _workers.clear()  # a worker process that served an earlier run drops its store and gateway
        limit = SharedLimit(spec.limiter) if spec.limiter is not None else None
        worker = _workers[spec.run_id] = BatchWorker(
            spec.settings, spec.options, spec.model, spec.policy, spec.extractor, spec.run_id, limit
        )
    return worker.process(applicant, fp)


def run(
    settings: Settings,
    options: BatchOptions,
    model: ScorecardModel,
    policy: Policy,
    extractor: Extractor,
    run_id: str,
    todo: list[tuple[Applicant, str]],
    collect: Callable[[ApplicantResult], None],
) -> None:
    """Run `todo` as Ray tasks, `options.concurrency` at a time, collecting each result as it completes.

    Joins the Ray instance this process already has, else `options.ray_address` (or a running
    local one, or a new local instance, which is shut down at the end)."""
    ray = _ray()
    started_here = not ray.is_initialized()
    if started_here:
        where = {"address": options.ray_address} if options.ray_address else {"include_dashboard": False}
        try:
            ray.init(**where, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError, ValueError...
            raise ConfigError(f"cannot start or join Ray ({options.ray_address or 'local'}): {exc}") from exc
    limiter = ray.remote(num_cpus=0)(LimiterActor).remote(options.rpm, options.tpm) if extractor == "llm" else None
    absolute = settings.model_copy(update={"home": settings.home.absolute()})
    spec = ray.put(_Spec(absolute, options, model, policy, extractor, run_id, limiter))
    task = ray.remote(num_cpus=1)(_process)
    waiting = iter(todo)
    in_flight: dict[Any, tuple[Applicant, str, float]] = {}
    try:
        while True:
            for applicant, fp in itertools.islice(waiting, options.concurrency - len(in_flight)):
                in_flight[task.remote(spec, _absolute_paths(applicant), fp)] = (applicant, fp, time.perf_counter())
            if not in_flight:
                break
            done, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in done:
                collect(_outcome(ray, ref, *in_flight.pop(ref), run_id))
    finally:
        for ref in in_flight:
            ray.cancel(ref)
        if limiter is not None:
            ray.kill(limiter)
        if started_here:
            ray.shutdown()


def _absolute_paths(applicant: Applicant) -> Applicant:
    documents = tuple(job.model_copy(update={"path": job.path.absolute()}) for job in applicant.documents)
    return applicant.model_copy(update={"documents": documents})


def _outcome(ray: ModuleType, ref: Any, applicant: Applicant, fp: str, submitted: float, run_id: str) -> ApplicantResult:
    """The task's result with the manifest's own paths, or a failure for a task that raised or died."""
    try:
        result: ApplicantResult = ray.get(ref)
    except ray.exceptions.RayError as exc:
        cause = exc.cause if isinstance(exc, ray.exceptions.RayTaskError) else exc
        message = (stage_error("worker", cause).message.splitlines() or [type(cause).__name__])[0]  # not Ray's traceback
        return applicant_result(applicant, fp, run_id, submitted, errors=[ApplicantError(stage="worker", message=message)])
    documents = [d.model_copy(update={"path": str(job.path)}) for d, job in zip(result.documents, applicant.documents, strict=False)]
    return result.model_copy(update={"documents": documents})

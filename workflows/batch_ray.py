"""The ray engine of `eprof batch`: applicants spread over Ray actors, for when one machine is not enough.

The driver (`eprof.workflows.batch.run_batch`) plans, skips, writes every result and the summaries, exactly
as with the local engine; here it hands each applicant, as one call (the unit of work), to one of
a pool of `ApplicantWorker` actors and collects the results as they complete. `concurrency` is
split between the actors as their LLM requests in flight, and each works on a few applicants more
than its share (`eprof.workflows.batch.pipeline_depth`), as the local engine does.

Why actors with threads, not a task per applicant: an applicant spends most of its time waiting
for the LLM, and a Ray task holds its CPU while it waits, so a task per applicant caps the
applicants in flight at the cluster's CPUs (2 at a time on 2 cores, whatever --concurrency says:
0.05 of the ideal rate in the benchmark). Instead there is one actor per CPU (at most one per
applicant in flight), each a process with its own `BatchWorker` (store client, embedder, gateway)
that serves its share of the concurrency in threads, as the local engine does in one process.
Ingest (parsing and embedding: CPU-bound) runs one applicant at a time per actor.

Where state lives:
- the store must be a Chroma server (`--chroma-url`): every actor ingests into and searches the
  same one;
- the rate limit lives in one actor (`LimiterActor`), so rpm/tpm and a 429's pause hold for all
  workers together, on any node;
- actors get the settings (LLM endpoint, key, model, Chroma URL) explicitly, never from their own
  environment; paths are made absolute, since a worker's working folder is not the driver's (on a
  cluster, the documents and --store must be at the same paths on every node).
A call that raises, or whose actor dies, fails its applicant alone (stage "worker"); a dead actor
is restarted and the call retried once, which is safe because ingest is idempotent and an
applicant's result is only written by the driver.

Ray is optional (`pip install 'eprof[ray]'`) and imported only when this engine runs.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from eprof.agent.profile import Extractor
from eprof.agent.rate_limit import RateLimiter
from eprof.workflows.batch_schema import Applicant, ApplicantError, ApplicantResult, BatchOptions
from eprof.workflows.batch_worker import BatchWorker, applicant_result, pipeline_depth, stage_error
from eprof.kernel.config import Settings
from eprof.kernel.errors import ConfigError
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy

__all__ = ["ApplicantWorker", "LimiterActor", "SharedLimit", "check", "run"]


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


class ApplicantWorker:
    """A Ray actor: one process's `BatchWorker`, serving several applicants at once in threads
    (the actor's max_concurrency) with at most `in_flight` LLM requests out; ingest runs one
    applicant at a time, as on the local engine."""

    def __init__(self, spec: _Spec, in_flight: int):
        limit = SharedLimit(spec.limiter) if spec.limiter is not None else None
        self._worker = BatchWorker(spec.settings, spec.options, spec.model, spec.policy, spec.extractor, spec.run_id, limit, in_flight)
        self._ingest = threading.Lock()

    def process(self, applicant: Applicant, fp: str) -> ApplicantResult:
        with self._ingest:
            prepared = self._worker.prepare(applicant, fp)
        return prepared if isinstance(prepared, ApplicantResult) else self._worker.finish(prepared)


def pool_shape(cpus: float, concurrency: int) -> list[int]:
    """The LLM requests each actor may have in flight: one actor per CPU (no more than
    `concurrency`), which they share as evenly as whole requests allow."""
    actors = max(1, min(int(cpus), concurrency))
    return [concurrency // actors + (i < concurrency % actors) for i in range(actors)]


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
    """Run `todo` on a pool of `ApplicantWorker` actors, with `options.concurrency` LLM requests in
    flight (and a few more applicants, as on the local engine), collecting each result as it completes.

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
    actor = ray.remote(num_cpus=1, max_restarts=2, max_task_retries=1)(ApplicantWorker)
    shares = pool_shape(ray.cluster_resources().get("CPU", 1), options.concurrency)
    room = [pipeline_depth(share) for share in shares]  # applicants each actor works on at once
    pool = [actor.options(max_concurrency=depth).remote(spec, share) for share, depth in zip(shares, room, strict=True)]
    load = dict.fromkeys(range(len(pool)), 0)
    waiting = iter(todo)
    in_flight: dict[Any, tuple[Applicant, str, float, int]] = {}
    try:
        while True:
            for applicant, fp in itertools.islice(waiting, sum(room) - len(in_flight)):
                chosen = max(load, key=lambda i: room[i] - load[i])
                load[chosen] += 1
                ref = pool[chosen].process.remote(_absolute_paths(applicant), fp)
                in_flight[ref] = (applicant, fp, time.perf_counter(), chosen)
            if not in_flight:
                break
            done, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in done:
                applicant, fp, submitted, chosen = in_flight.pop(ref)
                load[chosen] -= 1
                collect(_outcome(ray, ref, applicant, fp, submitted, run_id))
    finally:
        for handle in [*pool, limiter] if limiter is not None else pool:
            ray.kill(handle)
        if started_here:
            ray.shutdown()


def _absolute_paths(applicant: Applicant) -> Applicant:
    documents = tuple(job.model_copy(update={"path": job.path.absolute()}) for job in applicant.documents)
    return applicant.model_copy(update={"documents": documents})


def _outcome(ray: ModuleType, ref: Any, applicant: Applicant, fp: str, submitted: float, run_id: str) -> ApplicantResult:
    """The call's result with the manifest's own paths, or a failure for a call that raised or whose actor died."""
    try:
        result: ApplicantResult = ray.get(ref)
    except ray.exceptions.RayError as exc:
        cause = exc.cause if isinstance(exc, ray.exceptions.RayTaskError) else exc
        message = (stage_error("worker", cause).message.splitlines() or [type(cause).__name__])[0]  # not Ray's traceback
        return applicant_result(applicant, fp, run_id, submitted, errors=[ApplicantError(stage="worker", message=message)])
    documents = [d.model_copy(update={"path": str(job.path)}) for d, job in zip(result.documents, applicant.documents, strict=False)]
    return result.model_copy(update={"documents": documents})

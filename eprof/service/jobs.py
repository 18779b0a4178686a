"""Batch jobs: `eprof.workflows.batch.run_batch` in a spawned process, its progress relayed to the service.

Why a process: ingest and embedding are CPU-bound and hold the GIL, so a batch run in a thread
would stall every request. The child reports each `BatchProgress` over a queue, and one relay
thread per job folds the reports into the job's state, which GET /api/batches/{id} reads.

Where the applicants go: an embedded Chroma store admits one process (two PersistentClients on
one folder corrupt each other), so with the embedded store the job ingests into its own store
under `<home>/jobs/<id>/`; with a Chroma server (`--chroma-url`) it shares the service's store.
The results are the batch outputs in `<home>/jobs/<id>/out/` either way.

A job id is derived from the manifest (path and bytes) and the options, so submitting the same
manifest again while it runs returns the running job, and after it ended (or the service
stopped) runs it again into the same folder, where run_batch skips what is already done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import queue
import threading
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eprof.workflows.batch import run_batch
from eprof.workflows.batch_schema import BatchOptions, BatchProgress, RunRecord
from eprof.kernel.config import Settings
from eprof.kernel.errors import EprofError, InputError, NotFoundError
from eprof.service.schema import BatchJob, BatchRequest
from eprof.retrieval.ingest import read_manifest
from eprof.risk.policy import load_policy
from eprof.risk.run import load_default_model
from eprof.kernel.validation import first_error

POLL_S = 0.5
STOP_GRACE_S = 5.0


def _progress_report(p: BatchProgress) -> dict[str, Any]:
    last = None if p.last is None else f"{p.last.enterprise_id}: {p.last.status}"
    return {"total": p.total, "skipped": p.skipped, "ok": p.ok, "failed": p.failed, "remaining": p.remaining, "last": last}


def _run(settings: Settings, manifest: Path, out: Path, model_dir: Path | None, policy: Path | None,
         options: BatchOptions, reports: multiprocessing.Queue) -> None:
    """The child process: load the risk model, run the batch, report progress and the outcome."""
    try:
        record = run_batch(settings, manifest, out, load_default_model(model_dir), load_policy(policy), options,
                           lambda p: reports.put(("progress", _progress_report(p))))
        reports.put(("finished", record.model_dump_json()))
    except EprofError as exc:
        reports.put(("failed", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported on the job, not lost with the process
        reports.put(("failed", f"{type(exc).__name__}: {exc}"))


class BatchJobs:
    def __init__(self, settings: Settings, folders: list[Path], model_dir: Path | None, policy: Path | None):
        self.settings = settings
        self.folders = [f.resolve() for f in folders]
        self.model_dir, self.policy = model_dir, policy
        self.root = settings.home / "jobs"
        self._lock = threading.Lock()
        self._jobs: dict[str, BatchJob] = {}
        self._processes: dict[str, BaseProcess] = {}

    def _inside(self, path: Path) -> bool:
        return any(path.is_relative_to(folder) for folder in self.folders)

    def _manifest(self, given: str) -> Path:
        path = Path(given)
        path = (path if path.is_absolute() else self.folders[0] / path).resolve()
        if not self._inside(path):
            raise InputError(f"manifest {given!r} is outside the batch folders; put it in {self.folders[0]}")
        if not path.is_file():
            raise NotFoundError(f"manifest {given!r} not found in the batch folders")
        jobs, _ = read_manifest(path)
        outside = [j.path.name for j in jobs if not self._inside(j.path.resolve())]
        if outside:
            raise InputError(f"manifest {given!r} names document(s) outside the batch folders: {', '.join(outside[:3])}")
        return path

    def submit(self, request: BatchRequest) -> BatchJob:
        manifest = self._manifest(request.manifest)
        options = BatchOptions(extractor=request.extractor, prompt=request.prompt, concurrency=request.concurrency)
        key = f"{manifest}\n{request.model_dump_json(exclude={'manifest'})}".encode() + manifest.read_bytes()
        job_id = "job-" + hashlib.sha256(key).hexdigest()[:12]
        load_default_model(self.model_dir)  # a missing model is the caller's 404 now, not the job's failure later
        shared = self.settings.chroma_url is not None
        folder = self.root / job_id
        child_settings = self.settings if shared else self.settings.model_copy(update={"home": folder})
        with self._lock:
            running = self._jobs.get(job_id)
            if running is not None and running.state in ("queued", "running"):
                return running
            job = BatchJob(job_id=job_id, state="queued", manifest=str(manifest), shared_store=shared,
                           submitted_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
            self._jobs[job_id] = job
        context = multiprocessing.get_context("spawn")
        reports = context.Queue()
        process = context.Process(
            target=_run, name=f"eprof-{job_id}", daemon=True,
            args=(child_settings, manifest, folder / "out", self.model_dir, self.policy, options, reports),
        )
        process.start()
        with self._lock:
            self._processes[job_id] = process
            self._update(job_id, state="running")
        threading.Thread(target=self._relay, args=(job_id, process, reports), name=f"relay-{job_id}", daemon=True).start()
        return self.get(job_id)

    def _update(self, job_id: str, **fields: Any) -> None:
        self._jobs[job_id] = self._jobs[job_id].model_copy(update=fields)

    def _relay(self, job_id: str, process: BaseProcess, reports: multiprocessing.Queue) -> None:
        """Fold the child's reports into the job until it finishes, fails or dies."""
        while True:
            try:
                kind, payload = reports.get(timeout=POLL_S)
            except queue.Empty:
                if process.is_alive():
                    continue
                try:  # the last report may still be in the pipe when the process is already gone
                    kind, payload = reports.get(timeout=POLL_S)
                except queue.Empty:
                    kind, payload = "failed", f"the batch process exited with code {process.exitcode} before finishing"
            with self._lock:
                if kind == "progress":
                    self._update(job_id, **payload)
                    continue
                ended = dt.datetime.now(dt.UTC).replace(microsecond=0)
                if kind == "finished":
                    run = RunRecord.model_validate_json(payload)
                    self._update(job_id, state="finished", finished_at=ended, run=run, remaining=0)
                else:
                    self._update(job_id, state="failed", finished_at=ended, error=payload)
                self._processes.pop(job_id, None)
            process.join(STOP_GRACE_S)
            return

    def get(self, job_id: str) -> BatchJob:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None:
            return job
        return self._from_disk(job_id)

    def _from_disk(self, job_id: str) -> BatchJob:
        """A job of an earlier service run: its run.json is what is left of it."""
        path = self.root / job_id / "out" / "run.json"
        if not job_id.startswith("job-") or not path.is_file():
            raise NotFoundError(f"no batch job {job_id!r}")
        try:
            run = RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise NotFoundError(f"batch job {job_id!r} left an unreadable run.json: {first_error(exc)}") from exc
        c = run.counts
        finished = run.status == "finished"
        return BatchJob(
            job_id=job_id, state="finished" if finished else "failed", manifest=run.manifest, submitted_at=run.started_at,
            finished_at=run.finished_at, shared_store=self.settings.chroma_url is not None, total=c.applicants,
            skipped=c.skipped, ok=c.ok, failed=c.failed, run=run if finished else None,
            error=None if finished else "interrupted: the service stopped while the job ran; submit the manifest again to resume",
        )

    def list(self) -> list[BatchJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.submitted_at, reverse=True)

    def close(self) -> None:
        """Stop running jobs with the service; a job resumes when its manifest is submitted again."""
        with self._lock:
            processes = list(self._processes.values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(STOP_GRACE_S)

"""Batch profiling of new applicants: a manifest in, one audited decision per applicant out.

One applicant is the rows of one enterprise in the manifest (the `eprof ingest --manifest`
format). For each: ingest its documents -> profile (offline or LLM) -> decide, written to
`DIR/applicants/<safe_name>.json`; then `decisions.csv`, `errors.csv` and `run.json` for the run.
This module is the driver; the contracts are in `batch_schema`, the per-applicant work in
`batch_worker`, the run's cached searcher in `batch_search`. Workflows sit above retrieval,
agent and risk, and nothing below them imports them.

Engines. `BatchWorker` turns one applicant into its result; the driver (`run_batch`) plans,
skips, writes each result as it arrives and rebuilds the summaries, whichever engine ran it:
- local (default), threads in this process. Parsing and embedding are CPU-bound and hold the
  GIL, so ingest runs in one thread, the caller's (`prepare`). The worker pool then searches,
  profiles and decides. `concurrency` is the LLM requests in flight (the gateway holds to it);
  the pool has a quarter more threads (`pipeline_depth`), so that the next applicants' searches
  are done while the model works and a request leaves as soon as another returns. The ingesting
  thread stays a few applicants ahead of the pool.
- ray (`eprof.workflows.batch_ray`): applicants spread over Ray actors (one per CPU, threads inside), for
  when one machine is not enough.

Rate limit. All workers share one `RateLimiter` (`eprof.agent.rate_limit`): requests and tokens per minute over a sliding
window, and one pause for everybody after a 429 (on Ray, the limiter lives in one actor).

Resume and crashes. An applicant's file is written once, atomically, when it is done, and records
a fingerprint of its inputs (each document's sha256, the extractor, prompt hash, LLM model, risk
model and policy). A re-run skips applicants whose file says ok under the same fingerprint and
retries the failed ones. A killed run (kill -9 included) loses only the applicants in flight:
every file in DIR is complete or absent; the summaries are rebuilt at the end of each run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

import eprof
from eprof.agent.extractors import choose_extractor
from eprof.agent.llm import canonical_json
from eprof.agent.schema import Severity, Usage
from eprof.kernel.config import Settings
from eprof.kernel.errors import InputError
from eprof.kernel.files import atomic_write_text, safe_name
from eprof.prompts import load_prompt
from eprof.retrieval.ingest import IngestJob, ManifestError, read_manifest
from eprof.kernel.hashing import file_sha256
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy
from eprof.workflows.batch_schema import (
    DECISION_COLUMNS, ERROR_COLUMNS, TOP_REASONS, Applicant, ApplicantResult, BatchOptions, BatchProgress, Plan, RunCounts, RunRecord,
)
from eprof.workflows.batch_worker import BatchWorker, now, pipeline_depth, run_threads

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
    """CSV text that starts with a UTF-8 byte-order mark: without one, Excel reads Chinese names as mojibake."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _sha256_or_none(path: Path) -> str | None:
    try:
        return file_sha256(path) if path.is_file() else None
    except OSError:
        return None


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
    started_at, started = now(), time.perf_counter()
    extractor = choose_extractor(settings, options.extractor)
    if options.engine == "ray":
        from eprof.workflows import batch_ray

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
            finished_at=now() if status == "finished" else None,
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
        run_threads(BatchWorker(settings, options, model, policy, extractor, run_id), pipeline_depth(options.concurrency), todo, collect)

    ordered = [results[a.enterprise_id] for a in plan.applicants]
    loose = [{"enterprise_id": "", "name": "", "stage": "manifest", "line": e.line, "document": "", "message": e.message} for e in plan.errors]
    atomic_write_text(out / "decisions.csv", csv_text(DECISION_COLUMNS, [decision_row(r) for r in ordered]))
    atomic_write_text(out / "errors.csv", csv_text(ERROR_COLUMNS, loose + [row for r in ordered for row in error_rows(r)]))
    final = record("finished")
    atomic_write_text(out / "run.json", final.model_dump_json(indent=2))
    return final

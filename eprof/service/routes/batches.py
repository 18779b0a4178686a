"""Batch jobs: submit a manifest, follow its progress (the work runs in its own process)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from eprof.service.audit import note_versions
from eprof.service.deps import ERRORS, Reader, ServiceDep, Writer
from eprof.service.schema import BatchJob, BatchRequest

router = APIRouter(prefix="/api/batches", tags=["batch jobs"], responses=ERRORS)


@router.post("", response_model=BatchJob, status_code=202)
def submit(body: BatchRequest, request: Request, service: ServiceDep, _: Writer) -> BatchJob:
    """Run `eprof batch` on a manifest inside the service's batch folders. Submitting the same
    manifest again returns the running job, or resumes it (skipping applicants already done)."""
    note_versions(request, risk_model=service.model.version, policy=service.policy.label, prompt=body.prompt if body.extractor == "llm" else None)
    return service.jobs.submit(body)


@router.get("", response_model=list[BatchJob])
def list_jobs(service: ServiceDep, _: Reader) -> list[BatchJob]:
    """Jobs submitted since the service started, newest first."""
    return service.jobs.list()


@router.get("/{job_id}", response_model=BatchJob)
def get_job(job_id: str, service: ServiceDep, _: Reader) -> BatchJob:
    """Progress counts while it runs; the run record (versions, counts, decisions) once finished."""
    return service.jobs.get(job_id)

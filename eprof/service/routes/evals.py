"""Evaluation runs (`eprof eval run`): list them, fetch one's results and its report."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from eprof.kernel.errors import NotFoundError
from eprof.service.deps import ERRORS, Reader, ServiceDep
from eprof.service.schema import EvalRunSummary
from eprof.evaluation.runner import evaluation_root
from eprof.evaluation.runs import RunSummary, list_runs
from eprof.evaluation.schema import EvalRun

router = APIRouter(prefix="/api/evals", tags=["evaluation runs"], responses=ERRORS)
REPORT_HEADERS = {
    # The report is self-contained: inline CSS and SVG, no scripts, nothing fetched.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _run(service: ServiceDep, run_id: str) -> RunSummary:
    """Only a listed run: the id is looked up, never joined into a path."""
    found = next((r for r in list_runs(evaluation_root(service.settings)) if r.run_id == run_id), None)
    if found is None:
        raise NotFoundError(f"no evaluation run {run_id!r} under the service's store")
    return found


@router.get("", response_model=list[EvalRunSummary])
def list_evals(service: ServiceDep, _: Reader) -> list[EvalRunSummary]:
    """The runs under `<home>/evals`, newest first (runs written elsewhere with --out are not listed)."""
    return [EvalRunSummary(**r.model_dump(exclude={"path"})) for r in list_runs(evaluation_root(service.settings))]


@router.get("/{run_id}", response_model=EvalRun)
def get_eval(run_id: str, service: ServiceDep, _: Reader) -> EvalRun:
    """The run's results.json: every contender's metrics with confidence intervals, and the comparisons."""
    return EvalRun.model_validate_json((_run(service, run_id).path / "results.json").read_text(encoding="utf-8"))


@router.get("/{run_id}/report", response_class=FileResponse)
def get_report(run_id: str, service: ServiceDep, _: Reader) -> FileResponse:
    """The run's self-contained report.html, for a browser."""
    return FileResponse(_run(service, run_id).path / "report.html", media_type="text/html", headers=REPORT_HEADERS)

"""What every route receives through `Depends`: the one store, model and policy of the process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi import Path as PathParam

from eprof.kernel.config import Settings
from eprof.service.audit import AuditLog
from eprof.service.auth import Authenticator, Principal, reader, writer
from eprof.service.jobs import BatchJobs
from eprof.service.schema import ErrorBody
from eprof.service.sessions import Sessions
from eprof.retrieval.search import Searcher
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy


@dataclass
class Service:
    settings: Settings
    searcher: Searcher
    model: ScorecardModel
    policy: Policy
    auth: Authenticator
    audit: AuditLog
    jobs: BatchJobs
    sessions: Sessions
    uploads: Path
    max_upload_bytes: int


async def get_service(request: Request) -> Service:
    """Async, like the auth dependencies: no blocking work, so no thread-pool hop per request."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]
Reader = Annotated[Principal, Depends(reader)]
Writer = Annotated[Principal, Depends(writer)]
EnterpriseId = Annotated[str, PathParam(min_length=1, max_length=120, description="enterprise id, as ingested")]
ERRORS: dict[int | str, dict] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in ((400, "bad input"), (401, "missing or invalid token"), (403, "read-only token"),
                         (404, "not found"), (422, "invalid request or unreadable document"))
}
"""Error answers every API route may give, so the spec documents ErrorBody."""

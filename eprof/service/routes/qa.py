"""Questions about one enterprise, answered with citations and streamed as server-sent events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from eprof.agent.qa import DEFAULT_PROMPT as QA_PROMPT
from eprof.kernel.errors import EprofError
from eprof.service.audit import note_versions
from eprof.service.deps import ERRORS, EnterpriseId, Reader, ServiceDep
from eprof.service.schema import AskRequest, ErrorBody
from eprof.service.sessions import Conversation

router = APIRouter(prefix="/api/enterprises", tags=["questions"], responses=ERRORS)

STREAM_DOC = """Server-sent events, in order:

- `session` `{"id": ...}`: send it back as `session` with a follow-up question;
- `status` `{"message": ...}`: what is being done (searching the documents, verifying citations);
- `delta` `{"text": ...}`: the answer, one line at a time;
- `citation` `{"n": 1, "evidence": {chunk_id, source, page, quote}}`: each verified citation;
- `done`: the whole answer as `eprof ask --json` prints it (QAResult), or `error` (ErrorBody) instead.
"""


def _open(enterprise_id: EnterpriseId, body: AskRequest, request: Request, service: ServiceDep, principal: Reader) -> tuple[Conversation, str]:
    """Open (or find) the session before the stream starts, so an unknown enterprise is a plain 404."""
    conversation = service.sessions.get_or_open(enterprise_id, principal.name, body.session, body.mode)
    session = conversation.session
    note_versions(
        request, qa_mode=session.mode, qa_prompt=QA_PROMPT if session.mode == "llm" else None,
        extractor=session.profile.extractor, prompt=session.profile.prompt, prompt_hash=session.profile.prompt_hash,
        risk_model=session.decision.decision.model_version if session.decision else None,
    )
    return conversation, body.question


@router.post("/{enterprise_id}/ask", response_class=EventSourceResponse, responses={200: {"description": STREAM_DOC}})
def ask(turn: Annotated[tuple[Conversation, str], Depends(_open)]) -> Iterator[ServerSentEvent]:
    """Ask one question about the enterprise; the answer is streamed as it is produced."""
    conversation, question = turn
    session = conversation.session
    yield ServerSentEvent(event="session", data={"id": conversation.session_id})
    yield ServerSentEvent(event="status", data={"message": f"searching the documents of {session.info.name or session.enterprise_id}…"})
    try:
        with conversation.lock:
            result = session.ask(question)
    except EprofError as exc:
        yield ServerSentEvent(event="error", data=ErrorBody(error=type(exc).__name__, message=str(exc)).model_dump())
        return
    yield ServerSentEvent(event="status", data={"message": f"{len(result.citations)} citation(s) verified against the stored passages"})
    for line in result.answer.splitlines():
        yield ServerSentEvent(event="delta", data={"text": line})
    for n, evidence in enumerate(result.citations, start=1):
        yield ServerSentEvent(event="citation", data={"n": n, "evidence": evidence.model_dump()})
    yield ServerSentEvent(event="done", data=result.model_dump(mode="json"))

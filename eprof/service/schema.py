"""The service's own request and response models. Everything else the API returns is a domain
model as the library produces it (Hit, IngestResult, OperatingProfile, DecisionRecord, QAResult,
RunRecord), so the OpenAPI spec and the CLI's --json output describe the same records."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from eprof.agent.profile import DEFAULT_PROMPT
from eprof.workflows.batch_schema import RunRecord
from eprof.kernel.contract import Contract
from eprof.retrieval.schema import DocType, IngestResult

Extractor = Literal["offline", "llm"]


class ErrorBody(Contract):
    """Every 4xx/5xx answer: the error class, one line for a person, and pydantic's errors as data."""

    error: str
    message: str
    detail: list[dict[str, Any]] | None = None


class EnterpriseSummary(Contract):
    enterprise_id: str
    name: str | None
    documents: int
    pages: int
    chunks: int
    last_ingest: dt.datetime | None
    profiled: bool = Field(description="a saved profile exists (`eprof profile` or POST .../profile)")


class DocumentSummary(Contract):
    """A document as the store records it, without its server-side path."""

    doc_id: str
    source: str
    doc_type: DocType
    sha256: str
    pages: int
    chunks: int
    published: dt.date | None
    filing: str | None = None
    period: str | None = None
    ingested_at: dt.datetime


class EnterpriseDetail(Contract):
    enterprise_id: str
    name: str | None
    revision: int
    documents: list[DocumentSummary]
    profiled: bool


class UploadResult(Contract):
    enterprise_id: str
    results: list[IngestResult]


class SourcePage(Contract):
    """One page of a document as indexed (running headers and footers removed), for a citation link."""

    enterprise_id: str
    doc_id: str = Field(description="the document's id (DocumentSummary.doc_id): what the page and file routes take")
    source: str = Field(description="the document's file name")
    doc_type: DocType
    page: int
    pages: int = Field(description="pages in the document")
    text: str
    highlights: list[tuple[int, int]] = Field(description="[start, end) character spans of the quote in `text`")
    quote_found: bool | None = Field(description="None when no quote was asked for")


class ProfileRequest(Contract):
    extractor: Extractor | None = Field(None, description="None: llm when an endpoint is configured, else offline")
    prompt: str = DEFAULT_PROMPT


class AskRequest(Contract):
    question: str = Field(min_length=1, max_length=2000)
    session: str | None = Field(None, description="id from an earlier answer's `session` event, to keep the conversation")
    mode: Extractor | None = Field(None, description="None: llm when an endpoint is configured, else offline")


class BatchRequest(Contract):
    manifest: str = Field(description="path of a manifest CSV inside one of the service's batch folders")
    extractor: Extractor | None = None
    prompt: str = DEFAULT_PROMPT
    concurrency: int = Field(4, ge=1, le=64)


JobState = Literal["queued", "running", "finished", "failed"]


class BatchJob(Contract):
    job_id: str
    state: JobState
    manifest: str
    submitted_at: dt.datetime
    finished_at: dt.datetime | None = None
    shared_store: bool = Field(
        description="true: applicants are ingested into the service's store (Chroma server); false: into the "
        "job's own store under <home>/jobs/<id>, because an embedded Chroma store admits one process"
    )
    total: int = 0
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    remaining: int = 0
    last: str | None = Field(None, description="the latest applicant finished, and how")
    error: str | None = None
    run: RunRecord | None = Field(None, description="run.json once the job has finished")


class EvalRunSummary(Contract):
    """An evaluation run under `<home>/evals`, as `eprof eval runs` lists it, without its server-side folder."""

    run_id: str
    created_at: dt.datetime
    dataset: str
    contenders: list[str] = Field(description="prompt versions, and `offline` for the offline extractor")

"""Enterprises and their documents: list, search, upload (ingest) and the pages citations point at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse

from eprof.agent.profile import profile_path
from eprof.kernel.errors import InputError, NotFoundError
from eprof.service.audit import note_versions
from eprof.service.deps import ERRORS, EnterpriseId, Reader, ServiceDep, Writer
from eprof.service.schema import DocumentSummary, EnterpriseDetail, EnterpriseSummary, SourcePage, UploadResult
from eprof.service.sources import cited_page, source_page
from eprof.service.uploads import discard, store_upload
from eprof.retrieval.ids import normalise_enterprise_id
from eprof.retrieval.ingest import IngestJob, default_doc_type, ingest_all
from eprof.kernel.hashing import file_sha256
from eprof.retrieval.schema import DocType, Hit, IngestStatus

router = APIRouter(prefix="/api/enterprises", tags=["enterprises"], responses=ERRORS)
MAX_FILES = 20
FILE_TYPES = {".pdf": "application/pdf"}
"""Originals served with their own type; HTML, text and Markdown go out as plain text, never rendered."""


CitedQuote = Annotated[str | None, Query(max_length=2000, description="a cited quote to locate on the page")]


class Unreadable(InputError):
    """Uploaded files that passed the checks but could not be ingested (HTTP 422)."""


@router.get("", response_model=list[EnterpriseSummary])
def list_enterprises(service: ServiceDep, _: Reader) -> list[EnterpriseSummary]:
    """Every indexed enterprise with its document counts, as `eprof enterprises` lists them."""
    return [
        EnterpriseSummary(
            enterprise_id=i.enterprise_id, name=i.name, documents=len(i.documents), pages=i.pages, chunks=i.chunks,
            last_ingest=i.last_ingest, profiled=profile_path(service.settings, i.enterprise_id).exists(),
        )
        for i in service.searcher.store.enterprises()
    ]


@router.get("/{enterprise_id}", response_model=EnterpriseDetail)
def get_enterprise(enterprise_id: EnterpriseId, service: ServiceDep, _: Reader) -> EnterpriseDetail:
    info = service.searcher.enterprise(enterprise_id)
    return EnterpriseDetail(
        enterprise_id=info.enterprise_id, name=info.name, revision=info.revision,
        documents=[DocumentSummary(**d.model_dump(exclude={"path"})) for d in info.documents],
        profiled=profile_path(service.settings, enterprise_id).exists(),
    )


@router.get("/{enterprise_id}/search", response_model=list[Hit])
def search(
    enterprise_id: EnterpriseId, request: Request, service: ServiceDep, _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=500, description="question or keywords, Chinese or English")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    doc_type: DocType | None = None,
) -> list[Hit]:
    """Hybrid (dense + BM25) search within this enterprise's documents only."""
    note_versions(request, embedding=service.settings.embedding)
    return service.searcher.search(enterprise_id, q, k=k, doc_type=doc_type)


@router.post("/{enterprise_id}/documents", response_model=UploadResult)
def upload_documents(
    enterprise_id: EnterpriseId,
    request: Request, service: ServiceDep, _: Writer,
    files: Annotated[list[UploadFile], File(description=f"PDF, HTML, text or Markdown; at most {MAX_FILES}")],
    name: Annotated[str | None, Form(max_length=200, description="enterprise name")] = None,
    doc_type: Annotated[DocType | None, Form(description="default: annual_report for PDF, news for HTML, research for text")] = None,
    published: Annotated[dt.date | None, Form(description="publication date YYYY-MM-DD")] = None,
) -> UploadResult:
    """Ingest documents into the enterprise's index (created on first upload). Each file is checked
    (plain name, supported type, content matching it, size) before it is stored inside the store;
    unchanged files cost nothing and changed ones replace their old version atomically."""
    if len(files) > MAX_FILES:
        raise InputError(f"at most {MAX_FILES} files per upload; got {len(files)}")
    try:
        enterprise_id = normalise_enterprise_id(enterprise_id)  # 'acme ' is acme
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    stored: list[tuple[str, Path]] = []
    try:
        for upload in files:
            stored.append((upload.filename or "", store_upload(upload, service.uploads, enterprise_id, service.max_upload_bytes)))
    except BaseException:
        for _, path in stored:
            discard(path, service.uploads)
        raise
    jobs = [IngestJob(enterprise_id=enterprise_id, name=name, path=p, doc_type=doc_type or default_doc_type(p), published=published) for _, p in stored]
    note_versions(request, embedding=service.settings.embedding)
    results = [r.model_copy(update={"path": original}) for (original, _), r in zip(stored, ingest_all(service.searcher.store, service.searcher.embedder, jobs), strict=True)]
    service.sessions.forget(enterprise_id)
    failed = [(r, path) for r, (_, path) in zip(results, stored, strict=True) if r.status is IngestStatus.failed]
    for _, path in failed:
        discard(path, service.uploads)
    if failed:
        reasons = "; ".join(f"{r.path}: {r.reason}" for r, _ in failed)
        raise Unreadable(f"{len(failed)} of {len(results)} file(s) could not be ingested ({reasons}); the others were ingested")
    return UploadResult(enterprise_id=enterprise_id, results=results)


@router.get("/{enterprise_id}/documents/{doc_id}/pages/{page}", response_model=SourcePage)
def get_page(enterprise_id: EnterpriseId, doc_id: str, page: int, service: ServiceDep, _: Reader, quote: CitedQuote = None) -> SourcePage:
    """The indexed text of one page of one of this enterprise's documents (by its `doc_id`), with the quote located."""
    return source_page(service.searcher.store, service.searcher.enterprise(enterprise_id), doc_id, page, quote)


@router.get("/{enterprise_id}/chunks/{chunk_id}/pages/{page}", response_model=SourcePage)
def get_cited_page(enterprise_id: EnterpriseId, chunk_id: str, page: int, service: ServiceDep, _: Reader, quote: CitedQuote = None) -> SourcePage:
    """The page a citation points at: one page of the document that holds the evidence's `chunk_id`."""
    return cited_page(service.searcher.store, service.searcher.enterprise(enterprise_id), chunk_id, page, quote)


@router.get("/{enterprise_id}/documents/{doc_id}/file", response_class=FileResponse)
def get_file(enterprise_id: EnterpriseId, doc_id: str, service: ServiceDep, _: Reader) -> FileResponse:
    """The original file of the document `doc_id`, if it is still the version that was indexed.
    Served inline in a sandbox (no scripts, no same-origin access); HTML is sent as plain text."""
    document = next((d for d in service.searcher.enterprise(enterprise_id).documents if d.doc_id == doc_id), None)
    if document is None:
        raise NotFoundError(f"enterprise {enterprise_id!r} has no document {doc_id!r}")
    path = Path(document.path)
    if not path.is_file() or file_sha256(path) != document.sha256:
        raise NotFoundError(f"the original of {document.source} has moved or changed since it was indexed")
    return FileResponse(
        path, media_type=FILE_TYPES.get(path.suffix.lower(), "text/plain; charset=utf-8"), filename=document.source,
        content_disposition_type="inline", headers={"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"},
    )

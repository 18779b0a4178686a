"""Files -> parsed, chunked, embedded and published documents, one enterprise at a time.

A file is fully parsed, chunked and embedded in memory before anything is written, so a bad
file never leaves a half-indexed document; a failure is reported and the next file goes on.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from eprof.kernel.contract import Contract
from eprof.kernel.errors import DocumentError, InputError
from eprof.retrieval.chunking import chunk_document, doc_id_for
from eprof.retrieval.embeddings import Embedder
from eprof.retrieval.periods import detect, is_valid_period
from eprof.retrieval.ids import normalise_enterprise_id
from eprof.retrieval.readers import read_document
from eprof.retrieval.readers.limits import check_size
from eprof.retrieval.schema import Chunk, DocType, DocumentInfo, EnterpriseInfo, IngestResult, IngestStatus
from eprof.retrieval.store import Store
from eprof.retrieval.tokenize import tokens
from eprof.kernel.validation import first_error

MANIFEST_COLUMNS = ("enterprise_id", "name", "path", "doc_type", "published")
ALIASES_COLUMN = "aliases"
"""Optional manifest column: other names of the enterprise (short names, brands), separated by ';'."""
OPTIONAL_COLUMNS = ("filing", "period")
"""Overrides of what ingest reads from the document's cover."""


DEFAULT_DOC_TYPE = {".pdf": DocType.annual_report, ".html": DocType.news, ".htm": DocType.news}


FALLBACK_FILING = {DocType.news: "news", DocType.research: "research"}
"""The filing type of a document whose cover names none."""


def default_doc_type(path: Path) -> DocType:
    """PDFs are annual reports, web pages news, text and Markdown research, unless told otherwise."""
    return DEFAULT_DOC_TYPE.get(path.suffix.lower(), DocType.research)


class IngestJob(Contract):
    """One file to ingest for one enterprise (a manifest row, or a CLI path)."""

    enterprise_id: str = Field(min_length=1)
    name: str | None = None
    path: Path
    doc_type: DocType
    published: dt.date | None = None
    filing: str | None = Field(None, description="filing type (10-K, 年度报告, ...); None: read from the document")
    period: str | None = Field(None, description="FY2019, Q1 2021, H1 2019 or YYYY-MM-DD; None: read from the document")
    aliases: tuple[str, ...] = ()
    doc_key: str | None = Field(None, description="the document's identity in the enterprise: an explicit id, or its path "
                                "relative to the folder or manifest it came from [default: the file name]")

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None and not is_valid_period(value):
            raise ValueError(f"period {value!r} is not FY2019, Q1 2021, H1 2019 or YYYY-MM-DD")
        return value

    @field_validator("enterprise_id", mode="before")
    @classmethod
    def _canonical_id(cls, value: object) -> object:
        return normalise_enterprise_id(value) if isinstance(value, str) else value

    @property
    def key(self) -> str:
        return self.doc_key or self.path.name


def split_aliases(value: str | None) -> tuple[str, ...]:
    """'金一文化; 金一' -> ('金一文化', '金一')."""
    return tuple(a.strip() for a in (value or "").split(";") if a.strip())


class ManifestError(Contract):
    line: int
    message: str


def expand_paths(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """(file, key) for files as given (key: the name) and folders expanded recursively (key: the
    path inside the folder, so 2023/report.pdf and 2024/report.pdf are two documents), hidden
    files skipped, in sorted order. A link that leads out of the folder is not followed."""
    out: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            for p in sorted(path.rglob("*")):
                inside = p.relative_to(path)
                if any(part.startswith(".") for part in inside.parts) or not p.is_file() or not p.resolve().is_relative_to(root):
                    continue
                out.append((p, inside.as_posix()))
        else:
            out.append((path, path.name))
    return out


def read_manifest(path: Path) -> tuple[list[IngestJob], list[ManifestError]]:
    """Parse a manifest CSV; bad rows are returned as errors with their line number."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read manifest {path}: {exc}") from exc
    reader = csv.DictReader(text.splitlines(keepends=True))
    missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"manifest {path.name} lacks column(s) {', '.join(missing)}; expected {','.join(MANIFEST_COLUMNS)}")
    jobs: list[IngestJob] = []
    errors: list[ManifestError] = []
    for row in reader:
        # A quote left open swallows the line ends after it: the row then holds a line break.
        values = [v for v in row.values() if isinstance(v, str)]
        line = reader.line_num - sum(v.rstrip("\r\n").count("\n") for v in values)
        if any("\n" in v or "\r" in v for v in values):
            errors.append(ManifestError(line=line, message=f"unterminated quote (row runs to line {reader.line_num})"))
            continue
        if None in row:
            errors.append(ManifestError(line=line, message=f"more fields than the header's {len(reader.fieldnames or [])}"))
            continue
        try:
            file_path = Path(row["path"] or "")
            jobs.append(
                IngestJob(
                    enterprise_id=row["enterprise_id"] or "",
                    name=(row["name"] or "").strip() or None,
                    path=file_path if file_path.is_absolute() else path.parent / file_path,
                    doc_type=(row["doc_type"] or "").strip() or default_doc_type(file_path),
                    published=(row["published"] or "").strip() or None,
                    aliases=split_aliases(row.get(ALIASES_COLUMN)),
                    **{column: (row.get(column) or "").strip() or None for column in OPTIONAL_COLUMNS},
                    doc_key=(row.get("doc_id") or "").strip() or file_path.as_posix(),
                )
            )
        except ValidationError as exc:
            errors.append(ManifestError(line=line, message=first_error(exc)))
    return jobs, errors


def embedding_text(chunk: Chunk) -> str:
    """The section heading gives a short chunk its context for the dense vector."""
    return f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text


def ingest_file(store: Store, embedder: Embedder, job: IngestJob, known: EnterpriseInfo | None = None) -> IngestResult:
    """Index one file unless the store already holds this version of it. `known` is the
    enterprise as the caller last read it, saving a read of the store (None: read it)."""
    started = time.perf_counter()

    def result(status: IngestStatus, **fields: object) -> IngestResult:
        return IngestResult(
            path=str(job.path), enterprise_id=job.enterprise_id, status=status,
            seconds=round(time.perf_counter() - started, 3), **fields,
        )

    try:
        if not job.path.is_file():
            raise DocumentError(job.path, "file not found" if not job.path.exists() else "not a regular file")
        check_size(job.path, job.path.stat().st_size)  # before the bytes are read
        data = job.path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        info = known if known is not None and known.enterprise_id == job.enterprise_id else store.enterprise(job.enterprise_id)
        doc_id = doc_id_for(job.enterprise_id, job.key)
        previous = _previous(info, job, doc_id)
        if previous is not None and previous.doc_id == doc_id and previous.sha256 == sha and previous.doc_type == job.doc_type and all(
            getattr(job, f) in (None, getattr(previous, f)) for f in OPTIONAL_COLUMNS
        ):
            if info is not None and not set(job.aliases) <= set(info.aliases):  # new names for an unchanged document: record them
                with store.write_lock:
                    store.publish(job.enterprise_id, job.name, previous, aliases=job.aliases)
            return result(IngestStatus.unchanged, pages=previous.pages, chunks=previous.chunks)
        document = read_document(job.path, data)
        chunks = chunk_document(document, job.enterprise_id, job.doc_type, job.key)
        if not chunks:
            raise DocumentError(job.path, "no text to index")
        texts = [embedding_text(c) for c in chunks]
        vectors = embedder.embed(texts)
        cover = detect("\n".join(p.text for p in document.pages), FALLBACK_FILING.get(job.doc_type))
        with store.write_lock:  # stage to clean: no other writer in between (retrieval/locks.py)
            previous = _previous(store.enterprise(job.enterprise_id), job, doc_id)
            store.stage(chunks, vectors, [tokens(t) for t in texts])
            store.publish(
                job.enterprise_id,
                job.name,
                DocumentInfo(
                    doc_id=doc_id,
                    source=document.source,
                    path=str(job.path.resolve()),
                    doc_type=job.doc_type,
                    sha256=document.sha256,
                    pages=len(document.pages),
                    chunks=len(chunks),
                    published=job.published or document.published,
                    filing=job.filing or cover.filing,
                    period=job.period or cover.period,
                    ingested_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
                ),
                aliases=job.aliases,
                replaces=previous.doc_id if previous is not None and previous.doc_id != doc_id else None,
            )
    except DocumentError as exc:
        return result(IngestStatus.failed, reason=exc.reason)
    except Exception as exc:  # noqa: BLE001 - a hostile file may make any reader raise anything: that file fails, the run goes on
        return result(IngestStatus.failed, reason=f"{type(exc).__name__}: {exc}"[:300])
    status = IngestStatus.added if previous is None else IngestStatus.replaced
    return result(status, pages=len(document.pages), chunks=len(chunks))


def _previous(info: EnterpriseInfo | None, job: IngestJob, doc_id: str) -> DocumentInfo | None:
    """The version this job replaces: the document with its id, else (migration) one indexed
    before keys, under the bare file name, from this very file."""
    if info is None:
        return None
    legacy = doc_id_for(job.enterprise_id, job.path.name)
    here = str(job.path.resolve())
    return next((d for d in info.documents if d.doc_id == doc_id), None) or next(
        (d for d in info.documents if d.doc_id == legacy and str(Path(d.path).resolve()) == here), None
    )


def ingest_all(
    store: Store,
    embedder: Embedder,
    jobs: list[IngestJob],
    on_result: Callable[[IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Ingest every job; a failed file is reported and the others go on."""
    results = []
    for job in jobs:
        outcome = ingest_file(store, embedder, job)
        results.append(outcome)
        if on_result:
            on_result(outcome)
    return results

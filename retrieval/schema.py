"""Records that flow through retrieval: Document -> Chunk -> Hit.

Every record carries its enterprise_id; search takes one as a required argument, so a hit
cannot come from another enterprise without the code saying so.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import Field

from eprof.kernel.contract import Contract


class DocType(StrEnum):
    annual_report = "annual_report"
    news = "news"
    research = "research"


class Page(Contract):
    """Text of one page as the reader found it; number is 1-based as a PDF viewer shows it."""

    number: int = Field(ge=1)
    text: str


class Document(Contract):
    """A parsed file, before chunking. sha256 is of the file bytes: the change detector."""

    path: str
    source: str = Field(description="file name, used in citations")
    sha256: str
    format: Literal["pdf", "html", "text", "markdown"]
    title: str | None = None
    published: dt.date | None = None
    pages: list[Page]


class Chunk(Contract):
    """One indexed unit of text. A table is always one whole chunk (kind='table')."""

    chunk_id: str
    enterprise_id: str
    doc_id: str
    doc_sha: str
    source: str
    doc_type: DocType
    page: int = Field(ge=1, description="page the chunk starts on")
    page_end: int = Field(ge=1, description="page the chunk ends on (tables may cross a page break)")
    section: str | None = None
    kind: Literal["text", "table"] = "text"
    ordinal: int = Field(ge=0, description="position of the chunk within its document")
    text: str
    published: dt.date | None = None


class Hit(Contract):
    """A search result: the chunk's citation fields plus how it ranked."""

    chunk_id: str
    enterprise_id: str
    source: str
    doc_type: DocType
    page: int
    page_end: int
    section: str | None
    kind: Literal["text", "table"]
    text: str
    filing: str | None = Field(None, description="filing type of the document: 10-K, 10-Q, 8-K, 年度报告, news, ...")
    period: str | None = Field(None, description="the document's fiscal period: FY2019, Q1 2021, H1 2019, or a date")
    score: float = Field(description="reciprocal-rank-fusion score; higher is better")
    dense_rank: int | None = None
    keyword_rank: int | None = None


class IngestStatus(StrEnum):
    added = "added"
    replaced = "replaced"
    unchanged = "unchanged"
    failed = "failed"


class IngestResult(Contract):
    path: str
    enterprise_id: str
    status: IngestStatus
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    reason: str | None = None


class DocumentInfo(Contract):
    """What the store remembers of one ingested document (the commit record)."""

    doc_id: str
    source: str
    path: str
    doc_type: DocType
    sha256: str
    pages: int
    chunks: int
    published: dt.date | None = None
    filing: str | None = Field(None, description="filing type, from the document's cover unless given at ingest")
    period: str | None = Field(None, description="fiscal period (FY2019, Q1 2021, H1 2019, or a date), likewise")
    ingested_at: dt.datetime


class EnterpriseInfo(Contract):
    enterprise_id: str
    name: str | None
    aliases: list[str] = Field(default_factory=list, description="other names it goes by (manifest `aliases`, `--alias`)")
    revision: int = Field(0, description="bumped by every published document; keys caches")
    documents: list[DocumentInfo]

    @property
    def pages(self) -> int:
        return sum(d.pages for d in self.documents)

    @property
    def chunks(self) -> int:
        return sum(d.chunks for d in self.documents)

    @property
    def last_ingest(self) -> dt.datetime | None:
        return max((d.ingested_at for d in self.documents), default=None)

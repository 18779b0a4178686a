"""Document -> Chunks: sentence-aware packing within a page, tables whole, section carried along.

Chunk ids hash the enterprise, document, content and position behind a prefix of the file's
sha256, so re-ingesting an unchanged file produces the same ids, a changed file produces new ones
(the old are then deleted), and search can tell a live chunk from its id alone.
"""

from __future__ import annotations

import hashlib
import re

from eprof.retrieval.layout import Block, document_blocks
from eprof.retrieval.schema import Chunk, DocType, Document

MAX_CHARS = 600
SHA_PREFIX = 8
"""Chunk ids start with this many hex digits of the file's sha256, so liveness is an id check."""
SENTENCE = re.compile(r"(?<=[。！？；!?;])|(?<=[.])\s+(?=[A-Z0-9\"“(（])")


def doc_id_for(enterprise_id: str, source: str) -> str:
    """A document's identity within an enterprise: its key (where it came from, see
    retrieval.ingest.IngestJob.key), the bare file name for documents indexed before keys."""
    return hashlib.sha256(f"{enterprise_id}\x1f{source}".encode()).hexdigest()[:16]


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text) if s and s.strip()]


def pack(sentences: list[str], max_chars: int = MAX_CHARS) -> list[str]:
    """Greedy packing of sentences into pieces of at most max_chars (a longer sentence is cut)."""
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > max_chars:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:max_chars])
            sentence = sentence[max_chars:]
        joiner = "" if not current or current.endswith("\n") or _cjk_end(current) else " "
        if current and len(current) + len(joiner) + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = current + joiner + sentence if current else sentence
    if current:
        pieces.append(current)
    return pieces


def _cjk_end(text: str) -> bool:
    return "\u2e80" <= text[-1] <= "\u9fff" or text[-1] in "。！？；，、：）」』"


def chunk_document(document: Document, enterprise_id: str, doc_type: DocType, doc_key: str | None = None) -> list[Chunk]:
    """doc_key identifies the document within the enterprise (default: its file name)."""
    blocks = document_blocks([(p.number, p.text) for p in document.pages])
    doc_id = doc_id_for(enterprise_id, doc_key or document.source)
    chunks: list[Chunk] = []
    section: str | None = None
    pending: list[Block] = []

    def emit(kind: str, text: str, page: int, page_end: int) -> None:
        ordinal = len(chunks)
        digest = document.sha256[:SHA_PREFIX] + hashlib.sha256(
            f"{enterprise_id}\x1f{doc_id}\x1f{document.sha256}\x1f{ordinal}\x1f{text}".encode()
        ).hexdigest()[:24]
        chunks.append(
            Chunk(
                chunk_id=digest,
                enterprise_id=enterprise_id,
                doc_id=doc_id,
                doc_sha=document.sha256,
                source=document.source,
                doc_type=doc_type,
                page=page,
                page_end=page_end,
                section=section,
                kind=kind,  # type: ignore[arg-type]
                ordinal=ordinal,
                text=text,
                published=document.published,
            )
        )

    def flush_text() -> None:
        """Pack the pending paragraphs of one page into text chunks."""
        if not pending:
            return
        page = pending[0].page
        sentences: list[str] = []
        for block in pending:  # a line break keeps a headline or byline from running into the text
            sentences += split_sentences(block.text)
            sentences[-1] += "\n"
        for piece in pack(sentences):
            emit("text", piece.strip(), page, page)
        pending.clear()

    for block in blocks:
        if block.kind == "heading":
            flush_text()
            section = block.text[:120]
        elif block.kind == "table":
            flush_text()
            emit("table", block.text, block.page, block.page_end)
        else:
            if pending and pending[0].page != block.page:
                flush_text()
            pending.append(block)
    flush_text()
    return chunks

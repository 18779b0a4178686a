"""The page a citation points at, as indexed, with the quote located in it.

The page is rebuilt from the enterprise's stored chunks (the text every quote was verified
against), so a verified quote is always found; it is located with the verifier's own matching
(NFKC width, whitespace ignored) and mapped back to character spans of the shown text.
"""

from __future__ import annotations

import unicodedata

from eprof.agent.verify import normalise
from eprof.kernel.errors import NotFoundError
from eprof.service.schema import SourcePage
from eprof.retrieval.schema import EnterpriseInfo
from eprof.retrieval.store import Store


def locate(text: str, quote: str) -> list[tuple[int, int]]:
    """[start, end) spans of `text` that match `quote` the way agent.verify matches quotes."""
    needle = normalise(quote)
    if not needle:
        return []
    folded: list[str] = []
    origin: list[int] = []  # origin[i] = index in `text` of folded character i
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char):
            if not piece.isspace():
                folded.append(piece)
                origin.append(index)
    haystack = "".join(folded)
    spans: list[tuple[int, int]] = []
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        spans.append((origin[start], origin[end - 1] + 1))
        start = haystack.find(needle, end)
    return spans


def source_page(store: Store, info: EnterpriseInfo, doc_id: str, page: int, quote: str | None) -> SourcePage:
    """A page of one of the enterprise's own documents, by its document id (two files of one name
    in two folders are two documents): any other id is 'not found', whoever indexed it."""
    document = next((d for d in info.documents if d.doc_id == doc_id), None)
    if document is None:
        raise NotFoundError(f"enterprise {info.enterprise_id!r} has no document {doc_id!r}")
    if not 1 <= page <= document.pages:
        raise NotFoundError(f"{document.source} has pages 1 to {document.pages}; got {page}")
    chunks = [c for c in store.chunks(info) if c.doc_id == doc_id and c.page <= page <= c.page_end]
    text = "\n\n".join(c.text for c in chunks)
    spans = locate(text, quote) if quote else []
    return SourcePage(
        enterprise_id=info.enterprise_id, doc_id=doc_id, source=document.source, doc_type=document.doc_type, page=page,
        pages=document.pages, text=text, highlights=spans, quote_found=bool(spans) if quote else None,
    )


def cited_page(store: Store, info: EnterpriseInfo, chunk_id: str, page: int, quote: str | None) -> SourcePage:
    """The page a citation points at: evidence names its chunk, and the chunk its document."""
    chunk = next(iter(store.chunks(info, ids=[chunk_id])), None)
    if chunk is None:
        raise NotFoundError(f"enterprise {info.enterprise_id!r} has no chunk {chunk_id!r}")
    return source_page(store, info, chunk.doc_id, page, quote)

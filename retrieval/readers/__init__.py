"""Readers turn one file into a Document (pages of text). Dispatch is by file extension.

Every failure is a DocumentError naming the file and the reason in one line; a reader never
returns a document with no text, so nothing half-read reaches the index.
"""

from __future__ import annotations

from pathlib import Path

from eprof.kernel.errors import DocumentError
from eprof.retrieval.readers.html import read_html
from eprof.retrieval.readers.limits import check_size
from eprof.retrieval.readers.pdf import read_pdf
from eprof.retrieval.readers.text import read_text
from eprof.retrieval.schema import Document

READERS = {
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
}
SUPPORTED_SUFFIXES = tuple(READERS)


def read_document(path: Path | str, data: bytes | None = None) -> Document:
    """Parse a supported file; raises DocumentError for anything unusable. `data`: the file's
    bytes, when the caller has read them already (ingest hashes them first)."""
    path = Path(path)
    if not path.exists():
        raise DocumentError(path, "file not found")
    if not path.is_file():
        raise DocumentError(path, "not a regular file")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(
            path, f"unsupported file type {path.suffix or '(none)'!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if data is None:
        check_size(path, path.stat().st_size)
        data = path.read_bytes()
    check_size(path, len(data))
    if not data:
        raise DocumentError(path, "empty file")
    document = reader(path, data)
    if not any(p.text.strip() for p in document.pages):
        raise DocumentError(path, "no text found")
    return document

"""PDF text layer via pypdf: pure Python (no native build, BSD licence), handles CJK fonts with
ToUnicode maps, and reads a 200-page report in seconds. Pages keep the viewer's 1-based numbers.
Scanned (image-only) PDFs are refused: eprof does no OCR, and silently indexing nothing would
make 'not in the documents' answers wrong."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from eprof.kernel.errors import DocumentError
from eprof.retrieval.readers.limits import MAX_PDF_PAGES
from eprof.retrieval.schema import Document, Page

logging.getLogger("pypdf").setLevel(logging.ERROR)


def read_pdf(path: Path, data: bytes) -> Document:
    if not data.lstrip().startswith(b"%PDF"):
        raise DocumentError(path, "not a PDF (missing %PDF header); the file may be corrupt")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
                reader.pages[0].extract_text()
            except Exception:
                raise DocumentError(path, "encrypted PDF; remove the password and ingest again") from None
        if len(reader.pages) > MAX_PDF_PAGES:
            raise DocumentError(path, f"PDF has {len(reader.pages):,} pages; the limit is {MAX_PDF_PAGES:,}")
        pages = [Page(number=i + 1, text=_page_text(page)) for i, page in enumerate(reader.pages)]
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise DocumentError(path, "encrypted PDF; remove the password and ingest again") from None
    except Exception as exc:  # noqa: BLE001 - pypdf on a hostile file raises anything (NotImplementedError for an unknown filter, ...)
        raise DocumentError(path, f"corrupt or unsupported PDF ({type(exc).__name__}: {exc})"[:300]) from None
    if not pages:
        raise DocumentError(path, "PDF has no pages")
    if not any(p.text.strip() for p in pages):
        raise DocumentError(path, f"image-only PDF ({len(pages)} pages, no text layer); OCR it first")
    return Document(
        path=str(path),
        source=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        format="pdf",
        title=str(title) if title else None,
        pages=pages,
    )


def _page_text(page) -> str:  # noqa: ANN001 - pypdf PageObject
    """Layout mode keeps table cells apart by runs of spaces and lines in reading order; plain
    mode is the fallback for the rare page whose fonts layout mode cannot measure."""
    try:
        text = page.extract_text(extraction_mode="layout") or ""
    except Exception:
        text = page.extract_text() or ""
    lines = [line.rstrip() for line in text.replace("\x00", "").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")

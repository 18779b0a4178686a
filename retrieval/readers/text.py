"""Plain text and Markdown. Chinese files are often GB18030/GBK rather than UTF-8, so those are
tried in turn; bytes that decode to control characters, surrogates, private-use or unassigned
code points mean a binary or unknown encoding. Every space and format character is text: Chinese
web text is full of U+3000 ideographic spaces and zero-width marks, which `str.isprintable()`
rejects."""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from eprof.kernel.errors import DocumentError
from eprof.retrieval.schema import Document, Page

ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")
FORM_FEED = "\f"
NOT_TEXT = frozenset({"Cc", "Cs", "Co", "Cn"})
"""Unicode categories that text does not contain: controls, surrogates, private use, unassigned."""


def decode_text(path: Path, data: bytes) -> str:
    """Decode with the first encoding that yields printable text."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(path, "binary content, not text")
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _printable_share(text) >= 0.95:
            return text
    raise DocumentError(path, f"unreadable text encoding (tried {', '.join(ENCODINGS)})")


def _printable_share(text: str) -> float:
    if not text:
        return 1.0
    ok = sum(1 for ch in text if ch in "\n\r\t\f" or ch.isprintable() or unicodedata.category(ch) not in NOT_TEXT)
    return ok / len(text)


def read_text(path: Path, data: bytes) -> Document:
    """Form feeds split pages (as `pdftotext` writes them); otherwise the file is one page."""
    text = decode_text(path, data).replace("\r\n", "\n")
    parts = text.split(FORM_FEED) if FORM_FEED in text else [text]
    fmt = "markdown" if path.suffix.lower() in (".md", ".markdown") else "text"
    title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.strip()), None)
    return Document(
        path=str(path),
        source=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        title=title[:200] if title else None,
        pages=[Page(number=i + 1, text=part) for i, part in enumerate(parts)],
    )

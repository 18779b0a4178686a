"""Bounds on what one file may cost: hostile input gets a one-line error, not unbounded time or memory.

Sizes are checked before a file is read; PDFs by page count before any page is extracted; HTML
by a linear scan of its tag nesting before it is parsed, because an HTML5 parser spends time in
proportion to the depth of every element it inserts (1.1 MB of nested <div>s cost 44 s).
"""

from __future__ import annotations

import re
from pathlib import Path

from eprof.kernel.errors import DocumentError

MIB = 1 << 20
MAX_BYTES = {".pdf": 100 * MIB}
MAX_TEXT_BYTES = 16 * MIB
"""HTML, text and Markdown: a 16 MiB text is thousands of pages."""
MAX_PDF_PAGES = 3000
MAX_HTML_DEPTH = 512
MAX_HTML_WORK = 20_000_000
"""Sum over elements of their nesting depth: the parser's work (a news page: about 50,000)."""
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*?(/?)>")
_NOT_NESTING = frozenset(
    b"area base br col embed hr img input link meta param source track wbr "  # void elements
    b"p li td th tr dt dd option".split()  # closed implicitly by the next one: never deep
)


def check_size(path: Path, size: int) -> None:
    limit = MAX_BYTES.get(path.suffix.lower(), MAX_TEXT_BYTES)
    if size > limit:
        raise DocumentError(path, f"file is {size / MIB:,.1f} MiB; the limit for {path.suffix or 'this type'} is {limit // MIB} MiB")


def check_html_nesting(path: Path, data: bytes) -> None:
    depth = deepest = work = 0
    for match in _TAG.finditer(data):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NOT_NESTING:
            continue
        if closing:
            depth = max(0, depth - 1)
            continue
        depth += 1
        work += depth
        deepest = max(deepest, depth)
        if deepest > MAX_HTML_DEPTH or work > MAX_HTML_WORK:
            raise DocumentError(path, f"HTML nested deeper than the parser can bound ({MAX_HTML_DEPTH} levels, or {MAX_HTML_WORK:,} element-levels)")

"""News pages: keep the article, drop navigation, scripts, ads and footers.

selectolax (a fast C HTML5 parser) is enough here; the main text is the <article> or <main>
element when there is one, else the element with the most paragraph text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser, LexborNode as Node

from eprof.kernel.errors import DocumentError
from eprof.retrieval.readers.limits import check_html_nesting
from eprof.retrieval.readers.text import decode_text
from eprof.retrieval.schema import Document, Page

NOISE = "script, style, noscript, nav, header, footer, aside, form, iframe, svg, button"
NOISE_HINT = re.compile(r"(^|[-_\s])(nav|menu|footer|header|sidebar|ad|ads|advert|share|comment|related|breadcrumb|cookie|banner)([-_\s]|$)", re.I)
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "blockquote", "pre", "div", "section", "br"}
DATE_META = ("article:published_time", "pubdate", "publishdate", "date", "datePublished")


def read_html(path: Path, data: bytes) -> Document:
    check_html_nesting(path, data)
    html = decode_text(path, data)
    tree = HTMLParser(html)
    if tree.body is None:
        raise DocumentError(path, "HTML has no body")
    title_node = tree.css_first("h1") or tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    published = _published(tree)
    # Collect first, then remove: decomposing while traversing corrupts the walk.
    noisy = list(tree.css(NOISE)) + [
        node
        for node in tree.body.traverse()
        if node.tag in ("div", "section", "ul", "p", "span")
        and NOISE_HINT.search(f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}")
    ]
    for node in noisy:
        if node.parent is not None:
            node.decompose()
    main = tree.css_first("article") or tree.css_first("main") or _densest(tree.body)
    text = _block_text(main)
    return Document(
        path=str(path),
        source=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        format="html",
        title=title,
        published=published,
        pages=[Page(number=1, text=text)],
    )


def _published(tree: HTMLParser) -> dt.date | None:
    for node in tree.css("meta"):
        key = node.attributes.get("property") or node.attributes.get("name") or node.attributes.get("itemprop")
        if key in DATE_META and node.attributes.get("content"):
            match = re.match(r"(\d{4})-(\d{2})-(\d{2})", node.attributes["content"] or "")
            if match:
                return dt.date(*map(int, match.groups()))
    node = tree.css_first("time[datetime]")
    if node:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", node.attributes.get("datetime") or "")
        if match:
            return dt.date(*map(int, match.groups()))
    return None


def _densest(body: Node) -> Node:
    """The element whose direct <p> children hold the most text."""
    best, best_len = body, 0
    for node in body.traverse():
        length = sum(len(p.text(strip=True)) for p in node.iter() if p.tag == "p")
        if length > best_len:
            best, best_len = node, length
    return best


def _block_text(node: Node) -> str:
    """Text with a line break after each block element, so paragraphs survive."""
    parts: list[str] = []
    for child in node.traverse(include_text=True):
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag in BLOCKS:
            parts.append("\n")
        elif child.tag in ("td", "th"):
            parts.append("  ")
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in "".join(parts).split("\n")]
    return "\n\n".join(line for line in lines if line)  # blank line: each block is its own paragraph

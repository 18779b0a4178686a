"""Render report blocks to a real PDF (embedded CJK font), and find quotes on its pages again.

Two details keep the text layer friendly to pypdf: every table cell is drawn with a bare `Tj`
(reportlab's drawString adds a `T*` line move that makes pypdf break each cell onto its own
line), so a table row extracts as one line "label value value"; and any paragraph holding a
quote the truth cites is kept whole on one page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether, PageBreak, PageTemplate, Paragraph, Spacer,
    Table, TableStyle,
)
from xml.sax.saxutils import escape

from eprof.kernel.fonts import CJK_FONT_FILE
from eprof.evaluation.corpus.world import Language

CJK_FONT = "WenQuanYiMicroHei"


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(CJK_FONT_FILE)))


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "body"


@dataclass(frozen=True)
class TableBlock:
    """A captioned table; `unit` is printed on its own line between caption and table."""

    caption: str
    unit: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    bold_rows: frozenset[int] = frozenset()
    section_rows: frozenset[int] = frozenset()
    aligns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Break:
    pass


Block = Heading | Para | TableBlock | Break


@dataclass(frozen=True)
class ReportLayout:
    """What every page carries: a running header and a page-number footer."""

    language: Language
    header_left: str
    header_right: str
    title: str
    author: str
    quotes: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Fonts:
    body: str
    bold: str
    head: str


def _fonts(lang: Language) -> _Fonts:
    if lang == "zh":
        return _Fonts(CJK_FONT, CJK_FONT, CJK_FONT)
    return _Fonts("Times-Roman", "Times-Bold", "Helvetica-Bold")


class _Cell(Flowable):
    """One table cell on one line, drawn with a bare Tj so pypdf keeps the row on one line."""

    def __init__(self, text: str, font: str, size: float, align: str, indent: float = 0.0):
        super().__init__()
        self.text, self.font, self.size, self.align, self.indent = text, font, size, align, indent

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.size * 1.3

    def draw(self) -> None:
        width = pdfmetrics.stringWidth(self.text, self.font, self.size)
        x = {"left": self.indent, "right": self.width - width, "center": (self.width - width) / 2}[self.align]
        text = self.canv.beginText()
        text.setFont(self.font, self.size)
        text.setTextOrigin(x, self.size * 0.3)
        text.textOut(self.text)
        self.canv.drawText(text)


def _line(canv, x: float, y: float, text: str, font: str, size: float, align: str = "left") -> None:  # noqa: ANN001
    width = pdfmetrics.stringWidth(text, font, size)
    start = {"left": x, "right": x - width, "center": x - width / 2}[align]
    t = canv.beginText()
    t.setFont(font, size)
    t.setTextOrigin(start, y)
    t.textOut(text)
    canv.drawText(t)


def _styles(lang: Language) -> dict[str, ParagraphStyle]:
    f = _fonts(lang)
    zh = lang == "zh"
    body = ParagraphStyle("body", fontName=f.body, fontSize=10 if zh else 10.5, leading=17 if zh else 14,
                          alignment=TA_JUSTIFY, firstLineIndent=20 if zh else 0, spaceAfter=5,
                          wordWrap="CJK" if zh else None)
    return {
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=13, firstLineIndent=0),
        "caption": ParagraphStyle("caption", parent=body, fontName=f.bold, alignment=TA_CENTER, firstLineIndent=0,
                                  spaceBefore=6, spaceAfter=2),
        "unit": ParagraphStyle("unit", parent=body, fontSize=9, alignment=TA_RIGHT, firstLineIndent=0, spaceAfter=2),
        "h1": ParagraphStyle("h1", parent=body, fontName=f.head, fontSize=15, leading=22, alignment=TA_CENTER,
                             firstLineIndent=0, spaceBefore=4, spaceAfter=10),
        "h2": ParagraphStyle("h2", parent=body, fontName=f.head, fontSize=12, leading=18, alignment=TA_LEFT,
                             firstLineIndent=0, spaceBefore=8, spaceAfter=4),
        "title": ParagraphStyle("title", parent=body, fontName=f.head, fontSize=24, leading=34, alignment=TA_CENTER,
                                firstLineIndent=0, spaceAfter=16),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontName=f.head, fontSize=16, leading=24,
                                   alignment=TA_CENTER, firstLineIndent=0, spaceAfter=12),
        "center": ParagraphStyle("center", parent=body, alignment=TA_CENTER, firstLineIndent=0),
    }


def _table(block: TableBlock, lang: Language, width: float) -> Table:
    f = _fonts(lang)
    size = 8.5 if lang == "zh" else 9
    widths = [w * width for w in block.widths]

    def row(cells: tuple[str, ...], font: str, header: bool = False) -> list[_Cell]:
        out = []
        for i, text in enumerate(cells):
            align = "center" if header else (block.aligns[i] if block.aligns else ("left" if i == 0 else "right"))
            out.append(_Cell(text, font, size, align))
        return out

    data = [row(block.header, f.bold, header=True)]
    for i, cells in enumerate(block.rows):
        data.append(row(cells, f.bold if i in block.bold_rows or i in block.section_rows else f.body))
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="CENTER")
    style = [
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EDF3")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("INNERGRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B8C2CC")),
    ]
    style += [("LINEABOVE", (0, i + 1), (-1, i + 1), 0.5, colors.black) for i in block.bold_rows]
    table.setStyle(TableStyle(style))
    return table


def _has_quote(text: str, quotes: frozenset[str]) -> bool:
    return any(q in text for q in quotes)


def render_pdf(blocks: list[Block], layout: ReportLayout) -> bytes:
    """A4 PDF bytes; identical blocks give identical bytes (reportlab invariant mode)."""
    _register_fonts()
    lang = layout.language
    f = _fonts(lang)
    styles = _styles(lang)
    buf = io.BytesIO()
    left, right, top, bottom = 22 * mm, 22 * mm, 24 * mm, 20 * mm
    page_w, page_h = A4

    def header(canv, doc) -> None:  # noqa: ANN001 - reportlab callback
        canv.saveState()
        size = 8.5
        _line(canv, left, page_h - 14 * mm, layout.header_left, f.body, size)
        _line(canv, page_w - right, page_h - 14 * mm, layout.header_right, f.body, size, "right")
        canv.setLineWidth(0.6)
        canv.line(left, page_h - 15.5 * mm, page_w - right, page_h - 15.5 * mm)
        canv.restoreState()

    def footer(canv, doc) -> None:  # noqa: ANN001 - reportlab callback
        canv.saveState()
        label = f"第 {doc.page} 页" if lang == "zh" else f"Page {doc.page}"
        _line(canv, page_w / 2, 11 * mm, label, f.body, 8.5, "center")
        canv.restoreState()

    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=left, rightMargin=right, topMargin=top, bottomMargin=bottom,
        title=layout.title, author=layout.author, subject=layout.title, creator="eprof corpus generator",
        invariant=1,
    )
    frame = Frame(left, bottom, page_w - left - right, page_h - top - bottom, id="body")
    doc.addPageTemplates([PageTemplate("body", frames=[frame], onPage=header, onPageEnd=footer)])
    width = page_w - left - right
    story: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Break):
            story.append(PageBreak())
        elif isinstance(block, Heading):
            if block.level == 1:
                story.append(CondPageBreak(60 * mm))
            story.append(Paragraph(escape(block.text), styles["h1" if block.level == 1 else "h2"]))
        elif isinstance(block, Para):
            para = Paragraph(escape(block.text), styles[block.style])
            if block.style in ("title", "subtitle"):
                story.append(Spacer(1, 30 * mm if block.style == "title" else 4 * mm))
            story.append(KeepTogether([para]) if _has_quote(block.text, layout.quotes) else para)
        else:
            story.append(CondPageBreak(45 * mm))
            story.extend(_captioned(block, styles, lang, width))
    doc.build(story)
    return buf.getvalue()


def _captioned(block: TableBlock, styles: dict[str, ParagraphStyle], lang: Language, width: float) -> list[Flowable]:
    """Caption, unit line, table: a short table stays whole, a long one may cross a page break."""
    head = [Paragraph(escape(block.caption), styles["caption"])]
    if block.unit:
        head.append(Paragraph(escape(block.unit), styles["unit"]))
    table = _table(block, lang, width)
    if len(block.rows) < 14:
        return [KeepTogether([*head, table])]
    # No keep-with-next here: reportlab would move caption and table whole to the next page, and
    # long statements must be able to cross a page break (CondPageBreak before keeps a few rows).
    return [*head, table]

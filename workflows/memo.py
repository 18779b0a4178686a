"""The credit memo: one document an analyst files, from the verified profile and the decision.

Contents: the decision (PD, grade, points, the limit when the decision carries one), knock-outs and
reason codes, red flags with their quoted evidence, the financial spread (agent.spread), and the
list of every citation. Nothing is written here that is not in the profile or the decision record:
the memo is a rendering. Three renderings: Markdown, xlsx (openpyxl; sheets Memo, Spread,
Flags, Citations) and PDF (reportlab, Chinese set in the bundled WenQuanYi Micro Hei font).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Literal

from eprof.agent.schema import Evidence, OperatingProfile, Severity
from eprof.agent.spread import Spread, build_spread, spread_rows
from eprof.kernel.contract import Contract
from eprof.risk.run import DecisionRecord

MemoFormat = Literal["md", "xlsx", "pdf"]
CJK_FONT = "WenQuanYiMicroHei"
SEVERITY_ORDER = {Severity.critical: 0, Severity.high: 1, Severity.medium: 2, Severity.low: 3}


class Memo(Contract):
    enterprise_id: str
    name: str | None
    fiscal_year: str | None
    written: dt.date
    decision: dict[str, Any] | None
    """the decision record's decision as JSON (None without a risk model); 'limit' is shown when present"""
    decision_note: str | None = None
    flags: list[dict[str, Any]]
    spread: Spread
    citations: list[Evidence]


def build_memo(profile: OperatingProfile, record: DecisionRecord | None, note: str | None = None, today: dt.date | None = None) -> Memo:
    """The memo's content from a profile and its decision record (None, with `note`, when there is no model)."""
    flags = sorted(profile.red_flags, key=lambda f: (SEVERITY_ORDER[f.severity], f.type.value))
    cited: dict[tuple[str, int, str], Evidence] = {}
    for e in [e for f in flags for e in f.evidence] + [e for f in profile.figures for e in f.evidence]:
        cited.setdefault((e.source, e.page, e.quote), e)
    if record is not None:
        for reason in record.decision.reasons:
            for e in reason.evidence:
                cited.setdefault((e.source, e.page, e.quote), e)
    return Memo(
        enterprise_id=profile.enterprise_id, name=profile.name, fiscal_year=profile.fiscal_year, written=today or dt.date.today(),
        decision=record.decision.model_dump(mode="json") if record else None, decision_note=note,
        flags=[f.model_dump(mode="json") for f in flags], spread=build_spread(profile),
        citations=sorted(cited.values(), key=lambda e: (e.source, e.page)),
    )


def _cite(e: Evidence | dict[str, Any]) -> str:
    d = e if isinstance(e, dict) else e.model_dump()
    return f"[{d['source']} p.{d['page']}]"


def _decision_lines(memo: Memo) -> list[str]:
    d = memo.decision
    if d is None:
        return [f"No decision: {memo.decision_note or 'no risk model'}"]
    lines = [f"Decision: {d['decision'].upper()} (model alone: {d['model_decision']})",
             f"PD {d['pd']:.2%} · grade {d['grade']} · {d['score']:.0f} points · model {d['model_version']} · policy {d['policy_version']}"]
    lines += _limit_lines(d.get("limit"))
    lines += [f"Knock-out {k['rule_id']} ({k['action']}): {k['description']}" for k in d["knockouts"]]
    for r in d["reasons"]:
        value = "missing" if r["value"] is None else f"{r['value']:g}"
        where = f" {_cite(r['evidence'][0])}" if r["evidence"] else ""
        lines.append(f"Reason {r['rank']}: {r['feature']} = {value}{where}")
    return lines


def _limit_lines(limit: dict[str, Any] | None) -> list[str]:
    """The recommended amount, why, its arithmetic line by line and the facility's conditions."""
    if limit is None:
        return []
    amount = "not computed" if limit["amount"] is None else f"{limit['amount']:,.0f} {limit['currency']}"
    lines = [f"Limit: {amount} ({limit['note']})"]
    lines += [f"Limit step {s['name']}: {s['formula']}" for s in limit["steps"]]
    lines += [f"Condition {c['id']}: {c['text']['en']} ({c['text']['zh']})" for c in limit["conditions"]]
    return lines


def to_markdown(memo: Memo) -> str:
    out = [f"# Credit memo: {memo.name or memo.enterprise_id} ({memo.enterprise_id})", "",
           f"Fiscal year {memo.fiscal_year or 'unknown'} · written {memo.written.isoformat()}", "", "## Decision", ""]
    out += [f"- {line}" for line in _decision_lines(memo)]
    out += ["", f"## Red flags ({len(memo.flags)})", ""]
    for f in memo.flags:
        out.append(f"- **{f['severity']}** {f['type']}: {f['explanation']}")
        out += [f"  - \"{e['quote']}\" {_cite(e)}" for e in f["evidence"]]
    if not memo.flags:
        out.append("- none found in the documents")
    rows = spread_rows(memo.spread)
    out += ["", f"## Financial spread ({memo.spread.currency})", "", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    out += ["", "## Citations", ""] + [f"- {_cite(e)} \"{e.quote}\"" for e in memo.citations]
    return "\n".join(out) + "\n"


def to_xlsx(memo: Memo) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Memo"
    sheet.append([f"Credit memo: {memo.name or memo.enterprise_id} ({memo.enterprise_id})"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"Fiscal year {memo.fiscal_year or 'unknown'}", f"written {memo.written.isoformat()}"])
    for line in _decision_lines(memo):
        sheet.append([line])
    spread = book.create_sheet("Spread")
    for row in spread_rows(memo.spread):
        spread.append(row)
    flags = book.create_sheet("Flags")
    flags.append(["severity", "type", "explanation", "quote", "source", "page"])
    for f in memo.flags:
        for e in f["evidence"]:
            flags.append([f["severity"], f["type"], f["explanation"], e["quote"], e["source"], e["page"]])
    cites = book.create_sheet("Citations")
    cites.append(["source", "page", "quote"])
    for e in memo.citations:
        cites.append([e.source, e.page, e.quote])
    for ws in book.worksheets:
        ws.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_pdf(memo: Memo) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from eprof.kernel.fonts import CJK_FONT_FILE

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(CJK_FONT_FILE)))
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=9, leading=13, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=13, leading=18, spaceBefore=8)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22)
    story: list[Any] = [Paragraph(escape(f"Credit memo: {memo.name or memo.enterprise_id} ({memo.enterprise_id})"), title),
                        Paragraph(escape(f"Fiscal year {memo.fiscal_year or 'unknown'} · written {memo.written.isoformat()}"), body),
                        Paragraph("Decision", head)]
    story += [Paragraph(escape(line), body) for line in _decision_lines(memo)]
    story.append(Paragraph(f"Red flags ({len(memo.flags)})", head))
    for f in memo.flags:
        story.append(Paragraph(f"<b>{escape(f['severity'])}</b> {escape(f['type'])}: {escape(f['explanation'])}", body))
        story += [Paragraph(escape(f"“{e['quote']}” {_cite(e)}"), body) for e in f["evidence"]]
    if not memo.flags:
        story.append(Paragraph("none found in the documents", body))
    story.append(Paragraph(f"Financial spread ({memo.spread.currency})", head))
    rows = spread_rows(memo.spread)
    if len(rows) > 1:
        table = Table([[Paragraph(escape(c), body) for c in r] for r in rows], repeatRows=1)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
        story.append(table)
    story.append(Paragraph("Citations", head))
    story += [Paragraph(escape(f"{_cite(e)} “{e.quote}”"), body) for e in memo.citations]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), title=f"Credit memo {memo.enterprise_id}", leftMargin=36, rightMargin=36,
                      topMargin=36, bottomMargin=36).build([*story, Spacer(1, 6)])
    return buffer.getvalue()


def render(memo: Memo, fmt: MemoFormat) -> bytes:
    """The memo as bytes in the requested format (Markdown is UTF-8)."""
    if fmt == "md":
        return to_markdown(memo).encode("utf-8")
    return to_xlsx(memo) if fmt == "xlsx" else to_pdf(memo)

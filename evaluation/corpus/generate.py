"""Write a corpus: documents, truth JSON and a manifest, deterministic from a seed.

Each quote a builder recorded is looked up in the file as the product's own reader parses it,
so the truth never cites a page it has not checked; a quote that cannot be found is a bug and
stops generation.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from eprof.agent import signals
from eprof.agent.schema import RedFlagType, Severity
from eprof.agent.verify import normalise as squash
from eprof.kernel.files import atomic_write_text
from eprof.evaluation.corpus.marks import Marks
from eprof.evaluation.corpus.news import news_items
from eprof.evaluation.corpus.pdf_report import ReportLayout, render_pdf
from eprof.evaluation.corpus.report_content import annual_report
from eprof.evaluation.corpus.research import research_note
from eprof.evaluation.corpus.truth import (
    Cited, Default, EnterpriseTruth, TruthDecoy, TruthDocument, TruthFigure, TruthFlag, TruthParty, TruthQA,
)
from eprof.evaluation.corpus.world import Enterprise, intercept_for_rate, sample_enterprise
from eprof.retrieval.readers import read_document

MANIFEST_COLUMNS = ("enterprise_id", "name", "path", "doc_type", "published")
UNANSWERABLE = (
    ("公司董事长的年薪是多少？", "What is the chairman's annual salary?"),
    ("公司明年计划在哪个国家建厂？", "In which country does the company plan to build a plant next year?"),
)


def _pages(path: Path) -> list[str]:
    return [squash(p.text) for p in read_document(path).pages]


def _locate(pages: list[str], quote: str, source: str, last: bool = False) -> int:
    """The first page holding the quote; the last with `last` (a statement row that the key-data
    table near the front repeats is cited where the statements are)."""
    needle = squash(quote)
    numbered = list(enumerate(pages, start=1))
    for number, text in reversed(numbered) if last else numbered:
        if needle in text:
            return number
    raise RuntimeError(f"generator bug: quote not found in {source}: {quote[:60]!r}")


def _cite(marks: Marks, pages: list[str], quote: str, last: bool = False) -> Cited:
    return Cited(source=marks.source, page=_locate(pages, quote, marks.source, last), quote=quote)


def enterprise_truth(e: Enterprise, docs: list[tuple[TruthDocument, Marks, list[str]]], intercept: float) -> EnterpriseTruth:
    figures, parties, flags, decoys, qa = [], [], [], [], []
    seen_flags: set[tuple[RedFlagType, str]] = set()
    for _, m, pages in docs:
        for f in m.figures:
            c = _cite(m, pages, f.quote, last=True)
            value = e.financials.yuan(f.year, next(k for k, n in _FIGURE_KEYS.items() if n == f.name))
            figures.append(TruthFigure(**c.model_dump(), name=f.name, period=str(f.year), value=round(value, 2),
                                       as_printed=f"{f.cell} {e.unit_label}"))
        for p in m.parties:
            parties.append(TruthParty(**_cite(m, pages, p.quote).model_dump(), name=p.name, role=p.role, share=p.share))
        for fm in m.flags:
            key = (fm.flag.type, m.source)
            if key in seen_flags:  # implied flags cite two rows of one table: one flag
                continue
            seen_flags.add(key)
            date = None if fm.flag.channel == "implied" or fm.flag.type is RedFlagType.document_manipulation else fm.flag.date
            cited = _cite(m, pages, fm.quote, last=fm.flag.channel == "implied")
            flags.append(TruthFlag(**cited.model_dump(), type=fm.flag.type, severity=fm.flag.severity,
                                   date=date, channel=fm.flag.channel))
        for d in m.decoys:
            decoys.append(TruthDecoy(**_cite(m, pages, d.quote).model_dump(), kind=d.kind, looks_like=d.looks_like))
        for q in m.qa:
            qa.append(TruthQA(question=q.question, answer=q.answer, answerable=True, evidence=_cite(m, pages, q.quote)))
    flags += _implied_flags(e, docs[0], {f.type for f in flags})
    for zh, en in UNANSWERABLE:
        qa.append(TruthQA(question=zh if e.language == "zh" else en, answer=None, answerable=False, evidence=None))
    planted = {f.type for f in e.flags}
    missing = planted - {f.type for f in flags}
    if missing:
        raise RuntimeError(f"generator bug: {e.enterprise_id} flags {sorted(missing)} were planted but never written")
    draw = e.default(intercept)
    return EnterpriseTruth(
        enterprise_id=e.enterprise_id, name=e.name, short_name=e.short_name, language=e.language, industry=e.industry.en,
        fiscal_year=e.fy, auditor=e.auditor, controlling_shareholder=e.holding_company,
        documents=[d for d, _, _ in docs], figures=figures, parties=parties, flags=flags, decoys=decoys, qa=qa,
        scores=e.scores(), default=Default(probability=round(draw.probability, 6), label=draw.label,
                                           drivers={k: round(v, 6) for k, v in draw.drivers.items()}),
    )


def _implied_flags(e: Enterprise, report: tuple[TruthDocument, Marks, list[str]], present: set[RedFlagType]) -> list[TruthFlag]:
    """Red flags the statements imply whether or not the story planted one (a loss, a profit or
    revenue fall of over 20%, operating cash flow turning negative): the truth records what the
    documents say, by the thresholds of agent.signals, which computes them in code."""
    _, marks, pages = report
    y0, y1 = e.financials.years
    f = e.financials

    def flag(kind: RedFlagType, figure: str, severity: Severity) -> TruthFlag:
        quote = next(m.quote for m in marks.figures if m.name == figure and m.year == y1)
        return TruthFlag(**_cite(marks, pages, quote, last=True).model_dump(), type=kind, severity=severity, date=None, channel="implied")

    flags = []
    profit_growth = f.yuan(y1, "np") / f.yuan(y0, "np") - 1 if f.yuan(y0, "np") > 0 else None
    if RedFlagType.earnings_decline in present:
        pass
    elif f.yuan(y1, "np") < 0:
        flags.append(flag(RedFlagType.earnings_decline, "net_profit", Severity.high))
    elif profit_growth is not None and profit_growth < signals.PROFIT_DROP:
        high = profit_growth < signals.PROFIT_DROP_HIGH
        flags.append(flag(RedFlagType.earnings_decline, "net_profit", Severity.high if high else Severity.medium))
    elif f.yuan(y1, "revenue") / f.yuan(y0, "revenue") - 1 < signals.REVENUE_DROP:
        flags.append(flag(RedFlagType.earnings_decline, "revenue", Severity.medium))
    ocf, before = f.yuan(y1, "ocf"), f.yuan(y0, "ocf")
    if RedFlagType.negative_operating_cash_flow not in present and ocf < 0 < before:
        high = -ocf / f.yuan(y1, "revenue") >= signals.CASH_BURN_HIGH
        flags.append(flag(RedFlagType.negative_operating_cash_flow, "operating_cash_flow", Severity.high if high else Severity.medium))
    return flags


def _figure_keys() -> dict[str, str]:
    from eprof.evaluation.corpus.statements import STATEMENTS

    return {line.key: line.figure for lines in STATEMENTS.values() for line in lines if line.figure}


_FIGURE_KEYS = _figure_keys()


def write_enterprise(e: Enterprise, out: Path, intercept: float) -> tuple[EnterpriseTruth, list[dict[str, str]]]:
    folder = out / "docs" / e.enterprise_id
    folder.mkdir(parents=True, exist_ok=True)
    docs: list[tuple[TruthDocument, Marks, list[str]]] = []
    blocks, marks = annual_report(e, "annual-report.pdf")
    layout = ReportLayout(language=e.language, header_left=e.name, header_right=f"{e.fy}年年度报告" if e.language == "zh" else f"Annual Report {e.fy}",
                          title=f"{e.name} {e.fy}", author=e.name, quotes=marks.quotes())
    (folder / marks.source).write_bytes(render_pdf(blocks, layout))
    pages = _pages(folder / marks.source)
    docs.append((TruthDocument(source=marks.source, doc_type="annual_report", published=e.report_date, pages=len(pages)), marks, pages))
    for source, page_html, published, m in news_items(e):
        (folder / source).write_text(page_html, encoding="utf-8")
        docs.append((TruthDocument(source=source, doc_type="news", published=published, pages=1), m, _pages(folder / source)))
    source, text, m = research_note(e)
    (folder / source).write_text(text, encoding="utf-8")
    docs.append((TruthDocument(source=source, doc_type="research", published=e.report_date, pages=1), m, _pages(folder / source)))
    truth = enterprise_truth(e, docs, intercept)
    rows = [{"enterprise_id": e.enterprise_id, "name": e.name, "path": f"docs/{e.enterprise_id}/{d.source}",
             "doc_type": d.doc_type, "published": d.published.isoformat()} for d, _, _ in docs]
    return truth, rows


def generate(enterprises: int, seed: int, out: Path, default_rate: float = 0.03,
             on_progress: Callable[[str], None] | None = None) -> list[EnterpriseTruth]:
    """Write `enterprises` firms of corpus `seed` under `out`; returns their truth."""
    intercept = intercept_for_rate(default_rate)
    truths, rows = [], []
    for index in range(enterprises):
        truth, doc_rows = write_enterprise(sample_enterprise(seed, index), out, intercept)
        (out / "truth").mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / "truth" / f"{truth.enterprise_id}.json", truth.model_dump_json(indent=2) + "\n")
        truths.append(truth)
        rows.extend(doc_rows)
        if on_progress:
            on_progress(truth.enterprise_id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(out / "manifest.csv", buffer.getvalue())
    return truths


PORTFOLIO_COLUMNS_DOC = """Portfolio table columns: enterprise_id; the five dimension scores (0-100, as a perfect
analyst would give them); every ratio of agent.ratios.RATIO_NAMES (None when not computable);
flag_<type> counts for every RedFlagType and severity_<level> counts; default (0/1)."""


def portfolio_table(enterprises: int, seed: int, default_rate: float = 0.03) -> list[dict[str, float | int | str | None]]:
    """Feature rows of the data-generating process without rendering documents (fast): what the
    risk model trains on. """ + PORTFOLIO_COLUMNS_DOC
    intercept = intercept_for_rate(default_rate)
    rows = []
    for index in range(enterprises):
        e = sample_enterprise(seed, index)
        types = Counter(f.type for f in e.flags)
        severities = Counter(f.severity for f in e.flags)
        row: dict[str, float | int | str | None] = {"enterprise_id": f"{seed}-{e.enterprise_id}"}
        row.update(e.scores())
        row.update(e.ratios())
        row.update({f"flag_{t.value}": types.get(t, 0) for t in RedFlagType})
        row.update({f"severity_{s.value}": severities.get(s, 0) for s in Severity})
        row["default"] = e.default(intercept).label
        rows.append(row)
    return rows


def write_portfolio(rows: list[dict], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
    atomic_write_text(path, buffer.getvalue())


def summary(truths: list[EnterpriseTruth]) -> dict[str, object]:
    return {
        "enterprises": len(truths),
        "languages": dict(Counter(t.language for t in truths)),
        "defaults": sum(t.default.label for t in truths),
        "flags": dict(sorted(Counter(f.type.value for t in truths for f in t.flags).items())),
        "decoys": dict(sorted(Counter(d.kind for t in truths for d in t.decoys).items())),
        "documents": sum(len(t.documents) for t in truths),
    }

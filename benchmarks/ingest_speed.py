"""Ingest speed end to end (parse, chunk, embed, index) on 200-page annual reports.

    python -m benchmarks.ingest_speed [--pages 200] [--out FILE]

Builds one Chinese and one English report of realistic density (prose, statement tables, notes)
with reportlab, ingests each into a fresh embedded store and reports pages per second and the
time per stage. Goal: a 200-page report fully ingested in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table

from benchmarks._report import report
from eprof.kernel.config import load_settings
from eprof.retrieval.chunking import chunk_document
from eprof.retrieval.ingest import IngestJob, embedding_text, ingest_file
from eprof.retrieval.readers import read_document
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher
from eprof.retrieval.tokenize import tokens

FONT = Path(__file__).parents[1] / "kernel" / "fonts" / "WenQuanYiMicroHei.ttf"
ZH = ("报告期内，公司实现营业收入{a}万元，同比增长{p}%。公司主要客户为长三角地区的整车制造企业，前五大客户销售额占比{p}%。"
      "原材料价格波动对毛利率产生一定影响，公司通过优化采购结构和提升自动化水平控制成本。应收账款余额{a}万元，账龄主要在一年以内。")
EN = ("In the reporting period revenue reached RMB {a} thousand, up {p}% year on year. The top five customers, mainly vehicle "
      "makers in the Yangtze River Delta, accounted for {p}% of sales. Raw material prices weighed on gross margin, which the "
      "company offset through procurement and automation. Trade receivables stood at RMB {a} thousand, mostly aged within one year.")


PARAGRAPHS = {"zh": 6, "en": 5}  # about 1,000 Chinese characters or 2,000 English ones a page, as printed reports


def build_report(path: Path, pages: int, language: str, seed: int = 7) -> Path:
    rng = random.Random(seed)
    font = "Helvetica"
    if language == "zh":
        pdfmetrics.registerFont(TTFont("WQY", str(FONT)))
        font = "WQY"
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    head = ParagraphStyle("head", fontName=font, fontSize=14, leading=20)
    prose = ZH if language == "zh" else EN
    story: list = []
    for page in range(1, pages + 1):
        story.append(Paragraph(f"第{page}节 经营情况讨论" if language == "zh" else f"Section {page} Operating review", head))
        for _ in range(PARAGRAPHS[language]):
            story.append(Paragraph(prose.format(a=f"{rng.uniform(1e3, 9e4):,.2f}", p=f"{rng.uniform(1, 60):.1f}"), body))
        if page % 2 == 0:
            story.append(Paragraph("合并利润表" if language == "zh" else "Consolidated income statement", body))
            story.append(Paragraph("单位：万元" if language == "zh" else "Unit: RMB thousand", body))
            rows = [["项目" if language == "zh" else "Item", "2024", "2023"]]
            rows += [[f"{'项目' if language == 'zh' else 'Line'} {i}", f"{rng.uniform(1e3, 9e5):,.2f}", f"{rng.uniform(1e3, 9e5):,.2f}"] for i in range(12)]
            story.append(Table(rows, style=[("FONT", (0, 0), (-1, -1), font)]))
        story.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(story)
    return path


def measure(path: Path, language: str, home: Path) -> dict:
    settings = load_settings(home=home)
    searcher = Searcher.open(settings)
    searcher.embedder.embed(["warm up"])  # model load is a one-off per process, not per report
    t0 = time.perf_counter()
    document = read_document(path)
    t1 = time.perf_counter()
    chunks = chunk_document(document, "BENCH", DocType.annual_report)
    [tokens(c.text) for c in chunks]
    t2 = time.perf_counter()
    searcher.embedder.embed([embedding_text(c) for c in chunks])
    t3 = time.perf_counter()
    start = time.perf_counter()
    result = ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id=f"BENCH-{language}", path=path, doc_type=DocType.annual_report))
    total = time.perf_counter() - start
    return {
        "language": language,
        "pages": result.pages,
        "chunks": result.chunks,
        "parse_s": round(t1 - t0, 2),
        "chunk_tokenize_s": round(t2 - t1, 2),
        "embed_s": round(t3 - t2, 2),
        "end_to_end_s": round(total, 2),
        "pages_per_s": round(result.pages / total, 2),
        "under_60s": total < 60,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for language in ("zh", "en"):
            pdf = build_report(Path(tmp) / f"report-{language}.pdf", args.pages, language)
            rows.append(measure(pdf, language, Path(tmp) / "store"))
    report("ingest_speed", f"Ingest speed, {args.pages}-page annual report", rows, args.out, goal="200 pages < 60 s")


if __name__ == "__main__":
    main()

"""Offline Q&A as an analyst asks: figures, both years, changes, tables, flags, follow-ups,
unanswerable and other-company questions, in both languages, on the demo and on real reports.

    python -m benchmarks.qa_accuracy [--store DIR] [--only demo|real] [--out FILE]

The questions are `benchmarks/data/qa_questions.json`: conversations run turn by turn in one
fresh session each (so follow-ups see the earlier turns). A turn is correct when
- it expects a refusal (`abstain`): the answer abstains;
- otherwise: the answer does not abstain and every `expect` string (width and whitespace
  normalised) appears in the answer or one of its cited quotes.
Its citation is on an expected page when the first citation's SOURCE:PAGE is one of `pages`.
Also counted: answers whose own wording is in the question's language (quotes excluded).
Demo and real reports are reported separately. The real reports are read from
`../shared/data/real-reports` (the bank is left out: its questions are a different product);
without that folder only the demo is measured, and the report says so.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from eprof.agent.qa import QAResult
from eprof.agent.qa_language import answer_language, question_language
from eprof.agent.verify import normalise
from eprof.workflows.qa_session import QASession
from benchmarks._report import report
from eprof.kernel.config import load_settings
from eprof.evaluation.dataset import load_dataset
from eprof.retrieval.ingest import IngestJob, ingest_all
from eprof.retrieval.search import Searcher

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = Path(__file__).with_name("data") / "qa_questions.json"
REAL_REPORTS = ROOT.parent / "shared" / "data" / "real-reports"
REAL_LEFT_OUT = {"000001"}
"""The bank: a corporate SME question set does not apply to it (see the real reports' README)."""


def real_jobs(folder: Path) -> list[IngestJob]:
    """One ingest job per real annual report, the stock code as enterprise id."""
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return [IngestJob(enterprise_id=t["stock_code"], name=t["company"], path=folder / t["file"], doc_type="annual_report")
            for t in truth if t["stock_code"] not in REAL_LEFT_OUT]


def judge(turn: dict[str, Any], result: QAResult) -> dict[str, Any]:
    """One turn's outcome: correct, first citation on an expected page, answered in the question's language."""
    if turn.get("abstain"):
        return {"correct": result.abstained, "page_ok": None, "language_ok": None}
    haystack = normalise(result.answer + " ".join(c.quote for c in result.citations))
    correct = not result.abstained and all(normalise(part) in haystack for part in turn["expect"])
    first = result.citations[0] if result.citations else None
    page_ok = bool(first and f"{first.source}:{first.page}" in turn["pages"])
    return {"correct": correct, "page_ok": page_ok, "language_ok": answer_language(result.answer, [c.quote for c in result.citations]) == question_language(turn["q"])}


def run(searcher: Searcher, settings: Any, conversations: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[float]]:
    """Ask every conversation in its own session; one outcome row per turn."""
    rows: list[dict[str, Any]] = []
    latencies: list[float] = []
    profiles: dict[str, Any] = {}
    for conv in conversations:
        session = QASession(settings, conv["enterprise"], "offline", searcher=searcher, profile=profiles.get(conv["enterprise"]))
        profiles[conv["enterprise"]] = session.profile
        for turn in conv["turns"]:
            start = time.perf_counter()
            result = session.ask(turn["q"])
            latencies.append((time.perf_counter() - start) * 1000)
            rows.append({"corpus": conv["corpus"], "enterprise": conv["enterprise"], "kind": turn["kind"], "question": turn["q"],
                         **judge(turn, result), "got": result.answer[:300],
                         "cited": [f"{c.source}:{c.page}" for c in result.citations[:3]]})
    return rows, latencies


def summary(rows: list[dict[str, Any]], corpus: str) -> list[dict[str, Any]]:
    mine = [r for r in rows if r["corpus"] == corpus]
    answerable = [r for r in mine if r["page_ok"] is not None]
    out = []
    for measure, subset, key in (("correct (all questions)", mine, "correct"),
                                 ("first citation on an expected page (answerable)", answerable, "page_ok"),
                                 ("answered in the question's language (answerable)", answerable, "language_ok")):
        hit = sum(bool(r[key]) for r in subset)
        out.append({"corpus": corpus, "measure": measure, "count": f"{hit}/{len(subset)}", "share": round(hit / len(subset), 3) if subset else None})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="reuse this store (unchanged files are not ingested again); default: a temporary one")
    parser.add_argument("--only", choices=("demo", "real"))
    parser.add_argument("--real-reports", type=Path, default=REAL_REPORTS, help="folder of the real reports and their truth.json")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    conversations = json.loads(QUESTIONS.read_text(encoding="utf-8"))["conversations"]
    corpora = [c for c in ("demo", "real") if args.only in (None, c)]
    if "real" in corpora and not args.real_reports.is_dir():
        print(f"real reports not measured: {args.real_reports} is absent")
        corpora.remove("real")
    conversations = [c for c in conversations if c["corpus"] in corpora]
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(home=args.store or Path(tmp))
        searcher = Searcher.open(settings)
        jobs = (load_dataset(ROOT / "demo").jobs if "demo" in corpora else []) + (real_jobs(args.real_reports) if "real" in corpora else [])
        ingest_all(searcher.store, searcher.embedder, jobs)
        rows, latencies = run(searcher, settings, conversations)
    table = [row for corpus in corpora for row in summary(rows, corpus)]
    misses = [r for r in rows if not r["correct"] or r["page_ok"] is False]
    report("qa_accuracy", "Offline Q&A on the analyst question set", table, args.out,
           questions=len(rows), latency_ms_p50=round(statistics.median(latencies), 1), latency_ms_max=round(max(latencies), 1),
           misses=misses)
    print(f"latency per question: median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms")
    for r in misses:
        print(f"MISS {r['corpus']} {r['enterprise']} [{r['kind']}] {r['question']} -> correct={r['correct']} page_ok={r['page_ok']} "
              f"cited={r['cited']} got={r['got'][:160]!r}")


if __name__ == "__main__":
    main()

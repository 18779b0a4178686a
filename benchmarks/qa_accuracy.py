"""Offline Q&A on the labelled corpus: answered correctly, correctly abstained, citation pages.

    python -m benchmarks.qa_accuracy [--corpus demo] [--out FILE]

Each answer is judged by `evaluation.scoring.judge_answer`: an answerable question counts as
correct when the answer does not abstain and every part of the truth's answer (parts split at ", "
and "、", units such as 元/万元/RMB dropped, width and whitespace normalised) appears in the answer
or in one of its cited quotes; its citation is on the right page when the first citation is the
truth's document and page. An unanswerable question counts as correct when the answer abstains.
Abstaining on an answerable question and answering an unanswerable one are counted separately.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from eprof.workflows.qa_session import QASession
from benchmarks._report import report
from eprof.kernel.config import load_settings
from eprof.evaluation.dataset import load_dataset
from eprof.evaluation.scoring import QACounts, judge_answer
from eprof.retrieval.ingest import ingest_all
from eprof.retrieval.search import Searcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1] / "demo")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    dataset = load_dataset(args.corpus)
    total = QACounts()
    latencies: list[float] = []
    misses: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(home=Path(tmp))
        searcher = Searcher.open(settings)
        ingest_all(searcher.store, searcher.embedder, dataset.jobs)
        for truth in dataset.truths:
            session = QASession(settings, truth.enterprise_id, "offline", searcher=searcher)
            for qa in truth.qa:
                start = time.perf_counter()
                result = session.ask(qa.question)
                latencies.append((time.perf_counter() - start) * 1000)
                outcome = judge_answer(qa, result)
                total += outcome
                if qa.answerable and not outcome.correct:
                    misses.append({"enterprise": truth.enterprise_id, "question": qa.question,
                                   "got": "abstained" if result.abstained else result.answer[:200]})
    answerable, correct, abstained_wrongly, page_ok = total.answerable, total.correct, total.wrongly_abstained, total.page_ok
    unanswerable, abstained_ok = total.unanswerable, total.abstained_ok
    rows = [{"measure": "answerable questions answered correctly", "count": f"{correct}/{answerable}", "share": round(correct / answerable, 3)},
            {"measure": "answerable questions wrongly abstained", "count": f"{abstained_wrongly}/{answerable}", "share": round(abstained_wrongly / answerable, 3)},
            {"measure": "first citation on the truth's page", "count": f"{page_ok}/{answerable}", "share": round(page_ok / answerable, 3)},
            {"measure": "unanswerable questions correctly abstained", "count": f"{abstained_ok}/{unanswerable}", "share": round(abstained_ok / unanswerable, 3)}]
    report("qa_accuracy", f"Offline Q&A on {args.corpus.name}", rows, args.out, corpus=str(args.corpus),
           latency_ms_p50=round(statistics.median(latencies), 1), latency_ms_max=round(max(latencies), 1), misses=misses)
    print(f"latency per question: median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms")


if __name__ == "__main__":
    main()

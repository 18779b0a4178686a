"""Measure the offline extractor on a labelled corpus: red flags, figures, evidence.

    python -m benchmarks.extraction_eval [--corpus demo] [--out FILE]

Ingests the corpus into a temporary store, profiles every enterprise, and compares with the truth
(evaluation/scoring.py): red-flag precision/recall per type (page-level match,
evaluation/flag_metrics.py; overall also at document level), decoys flagged, figures read exactly
(to the cent, after unit normalisation), and the share of passed-on evidence that verifies
against the stored chunks (must be 100%). Prints a table and writes JSON. `eprof eval run` does
the same for any contender (LLM prompt versions too) with intervals and down-stream effects.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eprof.agent.extractors import run_profile
from benchmarks._report import report
from eprof.kernel.config import load_settings
from eprof.evaluation.dataset import load_dataset
from eprof.evaluation.flag_metrics import flag_metrics
from eprof.evaluation.scoring import score_enterprise, truth_decoys, truth_flags
from eprof.retrieval.ingest import ingest_all
from eprof.retrieval.search import Searcher


def evaluate(corpus: Path, home: Path) -> dict:
    dataset = load_dataset(corpus)
    settings = load_settings(home=home)
    searcher = Searcher.open(settings)
    ingest_all(searcher.store, searcher.embedder, dataset.jobs)
    predicted, expected, decoys, scores = {}, {}, [], []
    for truth in dataset.truths:
        profile = run_profile(settings, truth.enterprise_id, "offline", searcher=searcher)
        predicted[truth.enterprise_id] = profile.red_flags
        expected[truth.enterprise_id] = truth_flags(truth)
        decoys += truth_decoys(truth)
        chunks = {c.chunk_id: c for c in searcher.store.chunks(searcher.store.enterprise(truth.enterprise_id))}
        scores.append(score_enterprise(truth, profile, chunks))
    metrics = flag_metrics(predicted, expected, "page", decoys)
    by_document = flag_metrics(predicted, expected, "document", decoys)
    return {"enterprises": len(dataset.truths), "flags": metrics, "flags_by_document": by_document,
            "figures": (sum(s.figure_total.exact for s in scores), sum(s.figure_total.total for s in scores)),
            "evidence": (sum(s.evidence_verified for s in scores), sum(s.evidence_total for s in scores))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1] / "demo")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate(args.corpus, Path(tmp))
    m = result["flags"]
    rows = [{"type": t.value, "tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision, "recall": c.recall}
            for t, c in m.per_type.items()]
    rows.append({"type": "OVERALL", "tp": m.overall.tp, "fp": m.overall.fp, "fn": m.overall.fn,
                 "precision": m.overall.precision, "recall": m.overall.recall})
    d = result["flags_by_document"].overall
    rows.append({"type": "OVERALL (document match)", "tp": d.tp, "fp": d.fp, "fn": d.fn, "precision": d.precision, "recall": d.recall})
    exact, total = result["figures"]
    ok, seen = result["evidence"]
    report("extraction_eval", f"Offline extractor on {args.corpus.name} ({result['enterprises']} enterprises)", rows, args.out,
           corpus=str(args.corpus), decoys=m.decoys, decoys_flagged=m.decoys_flagged,
           flagged_decoys=[d.model_dump(mode="json") for d in m.flagged_decoys], severity_agreement=m.severity_agreement,
           figures_exact=exact, figures_total=total, evidence_verified=ok, evidence_total=seen)
    print(f"figures read exactly: {exact}/{total}; evidence verified: {ok}/{seen}; decoys flagged: {m.decoys_flagged}/{m.decoys}; "
          f"severity agreement: {m.severity_agreement}")


if __name__ == "__main__":
    main()

"""Retrieval quality: share of labelled questions whose gold evidence page is in the top k.

    python -m benchmarks.retrieval_quality [--corpus demo] [--k 5] [--out FILE]

Uses the answerable Q&A pairs of a generated corpus's truth (question, source, page), asks each
question through the real hybrid search of its own enterprise, and counts a hit when one of the
top k chunks comes from the gold document and spans the gold page. Also reports dense-only and
keyword-only hit rates, to show what fusion adds.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks._report import report
from eprof.kernel.config import load_settings
from eprof.evaluation.corpus.truth import EnterpriseTruth
from eprof.retrieval.ingest import ingest_all, read_manifest
from eprof.retrieval.search import Searcher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1] / "demo")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    counts = {"hybrid": 0, "dense": 0, "keyword": 0}
    by_language: dict[str, list[int]] = {}
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        searcher = Searcher.open(load_settings(home=Path(tmp)))
        jobs, _ = read_manifest(args.corpus / "manifest.csv")
        ingest_all(searcher.store, searcher.embedder, jobs)
        for path in sorted((args.corpus / "truth").glob("*.json")):
            truth = EnterpriseTruth.model_validate_json(path.read_text(encoding="utf-8"))
            for qa in truth.qa:
                if not qa.answerable or qa.evidence is None:
                    continue
                total += 1
                hits = searcher.search(truth.enterprise_id, qa.question, k=max(args.k, 30))
                gold = [h for h in hits if h.source == qa.evidence.source and h.page <= qa.evidence.page <= h.page_end]
                hybrid = any(hits.index(h) < args.k for h in gold)
                counts["hybrid"] += hybrid
                counts["dense"] += any(h.dense_rank is not None and h.dense_rank <= args.k for h in gold)
                counts["keyword"] += any(h.keyword_rank is not None and h.keyword_rank <= args.k for h in gold)
                by_language.setdefault(truth.language, []).append(int(hybrid))
    rows = [{"ranking": name, "questions": total, f"gold_page_in_top_{args.k}": n, "share": round(n / total, 3)} for name, n in counts.items()]
    rows += [{"ranking": f"hybrid ({lang})", "questions": len(v), f"gold_page_in_top_{args.k}": sum(v), "share": round(sum(v) / len(v), 3)}
             for lang, v in sorted(by_language.items())]
    report("retrieval_quality", f"Retrieval quality on {args.corpus.name}: gold page in top {args.k}", rows, args.out, corpus=str(args.corpus))


if __name__ == "__main__":
    main()

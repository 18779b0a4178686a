"""Measure the offline extractor on a labelled corpus: red flags, figures, evidence.

    python -m evaluation.extraction_eval [--corpus demo] [--out FILE]

Ingests the corpus into a temporary store, profiles every enterprise, and compares with the truth:
red-flag precision/recall per type (page-level match, evaluation/flag_metrics.py; overall also at
document level), decoys flagged,
figures read exactly (to the cent, after unit normalisation), and the share of passed-on evidence
that verifies against the stored chunks (must be 100%). Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from agent.extractors import run_profile
from agent.schema import Evidence, RedFlag
from agent.verify import check_evidence
from benchmarks._report import report
from eprof.config import load_settings
from evaluation.corpus.truth import EnterpriseTruth
from evaluation.flag_metrics import Decoy, flag_metrics
from retrieval.ingest import ingest_all, read_manifest
from retrieval.search import Searcher


def truth_flags(truth: EnterpriseTruth) -> list[RedFlag]:
    return [
        RedFlag(type=f.type, severity=f.severity, date=f.date, explanation="planted",
                evidence=[Evidence(chunk_id="truth", source=f.source, page=f.page, quote=f.quote)])
        for f in truth.flags
    ]


def evaluate(corpus: Path, home: Path) -> dict:
    settings = load_settings(home=home)
    searcher = Searcher.open(settings)
    jobs, errors = read_manifest(corpus / "manifest.csv")
    ingest_all(searcher.store, searcher.embedder, jobs)
    truths = [EnterpriseTruth.model_validate_json(p.read_text(encoding="utf-8")) for p in sorted((corpus / "truth").glob("*.json"))]
    predicted, expected, decoys = {}, {}, []
    figures_total = figures_exact = evidence_total = evidence_ok = 0
    for truth in truths:
        profile = run_profile(settings, truth.enterprise_id, "offline", searcher=searcher)
        predicted[truth.enterprise_id] = profile.red_flags
        expected[truth.enterprise_id] = truth_flags(truth)
        decoys += [Decoy(enterprise_id=truth.enterprise_id, looks_like=d.looks_like, source=d.source, quote=d.quote, kind=d.kind)
                   for d in truth.decoys]
        read = {(f.name, f.period): f.value for f in profile.figures}
        for f in truth.figures:
            figures_total += 1
            value = read.get((f.name, f.period))
            figures_exact += value is not None and abs(value - f.value) < 0.005
        chunks = {c.chunk_id: c for c in searcher.store.chunks(searcher.store.enterprise(truth.enterprise_id))}
        claims = [profile.industry, profile.main_business, profile.upstream, profile.downstream, profile.auditor,
                  profile.audit_opinion, profile.controlling_shareholder]
        evidence = [e for c in claims if c for e in c.evidence] + [e for f in profile.red_flags for e in f.evidence]
        evidence += [e for p in profile.parties for e in p.evidence] + [e for f in profile.figures for e in f.evidence]
        evidence_total += len(evidence)
        evidence_ok += sum(check_evidence(e, chunks, truth.enterprise_id) is None for e in evidence)
    metrics = flag_metrics(predicted, expected, "page", decoys)
    by_document = flag_metrics(predicted, expected, "document", decoys)
    return {"enterprises": len(truths), "manifest_errors": len(errors), "flags": metrics, "flags_by_document": by_document,
            "figures": (figures_exact, figures_total), "evidence": (evidence_ok, evidence_total)}


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

"""Batch throughput: applicants per minute through `run_batch`, offline and against a slow LLM.

    python -m benchmarks.batch_throughput [--applicants 40] [--delay 1.0] [--concurrency 1 8 32] [--out FILE]

N generated applicants (one real 3-page statement-report PDF each) are ingested once, timed on
their own; each timed run then goes through the whole `run_batch` on the ingested store (ingest
finds every file unchanged), into a fresh output folder. The LLM is the scripted OpenAI-protocol
server of the tests, answering every request with a valid Extraction after `--delay` seconds; a
distinct model name per run keeps the gateway's cache out of it.

ideal = concurrency / (calls per applicant x delay): what the LLM stage allows. The preparing
thread (the unchanged-ingest check plus the evidence searches, CPU-bound, one thread by design)
caps the run at 1 / prepare_s; `bound` is the lower of the two, and the ratios compare with both.
Goal: >= 80% of ideal at concurrency 32, which needs delay >= 32 x prepare_s / 0.8.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from agent.extraction import Extraction
from benchmarks._report import report
from eprof.batch import BatchOptions, applicant_path, load_result, plan_batch, run_batch
from eprof.config import Settings, load_settings
from eprof.errors import NotFoundError
from retrieval.ingest import ingest_file
from retrieval.search import Searcher
from risk.artifact import ScorecardModel, load_model
from risk.features import DIMENSIONS, EXPECTED_TRENDS
from risk.policy import load_policy
from risk.run import load_default_model
from risk.train import train, write_outputs
from tests.documents import statement_report
from tests.openai_server import OpenAIServer, Reply

EXTRACTION = Extraction.model_validate(
    {"scores": {"business_stability": {"score": 70, "rationale": "steady orders", "evidence": []}}}
).model_dump(mode="json")
CALLS_PER_APPLICANT = 1


def write_applicants(folder: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        pdf = statement_report(folder / f"app-{i:04d}.pdf", f"Applicant {i} Manufacturing Co., Ltd.", net_profit=f"{3_000 + 17 * i:,.2f}")
        lines.append(f"APP-{i:04d},Applicant {i} Manufacturing Co.,{pdf.name},annual_report,\n")
    manifest = folder / "applicants.csv"
    manifest.write_text("enterprise_id,name,path,doc_type,published\n" + "".join(lines), encoding="utf-8")
    return manifest


def risk_model(folder: Path) -> ScorecardModel:
    """The shipped model when there is one, else a small one fitted on a synthetic book."""
    try:
        return load_default_model()
    except NotFoundError:
        rng = np.random.default_rng(3)
        n = 800
        X = pd.DataFrame({name: np.clip(rng.normal(60, 15, n).round(), 0, 100) for name in DIMENSIONS})
        X["debt_to_assets"] = rng.uniform(0.1, 1.1, n)
        z = -3 - 0.05 * (X["financial_health"] - 60) + 2.5 * (X["debt_to_assets"] - 0.6)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
        X = X[["financial_health", "business_stability", "debt_to_assets"]]
        trends = {k: v for k, v in EXPECTED_TRENDS.items() if k in X.columns}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trained = train(X, y, label="default", data_sha256="sha256:bench", policy=load_policy(), cv=2, monotonic_trends=trends)
        write_outputs(trained, folder)
        return load_model(folder)


def timed_run(settings: Settings, manifest: Path, out: Path, model: ScorecardModel, options: BatchOptions) -> tuple[float, float]:
    """Seconds for one run_batch, and the median preparing time per applicant (ingest check + searches)."""
    start = time.perf_counter()
    record = run_batch(settings, manifest, out, model, load_policy(), options)
    seconds = time.perf_counter() - start
    if record.counts.ok != record.counts.applicants:
        raise SystemExit(f"{record.counts.failed} applicant(s) failed in {out}; see errors.csv")
    prepare = [r.timings.ingest_s for r in (load_result(applicant_path(out, a.enterprise_id)) for a in plan_batch(manifest).applicants)]
    return seconds, statistics.median(prepare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=40)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the scripted LLM takes per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    n = args.applicants
    rows = []
    with tempfile.TemporaryDirectory() as tmp, OpenAIServer() as server:
        root = Path(tmp)
        (root / "docs").mkdir()
        manifest = write_applicants(root / "docs", n)
        model = risk_model(root / "model")
        base = load_settings(home=root / "store")

        searcher = Searcher.open(base)
        start = time.perf_counter()
        for applicant in plan_batch(manifest).applicants:
            for job in applicant.documents:
                ingest_file(searcher.store, searcher.embedder, job)
        ingest_s = time.perf_counter() - start
        rows.append({"stage": "ingest (once)", "concurrency": 1, "applicants": n, "seconds": round(ingest_s, 2),
                     "per_min": round(n / ingest_s * 60, 1), "ideal_per_min": "", "ratio_to_ideal": "",
                     "prepare_s": "", "bound_per_min": "", "ratio_to_bound": ""})

        seconds, prepare_s = timed_run(base, manifest, root / "out-offline", model, BatchOptions(extractor="offline", concurrency=1))
        rows.append({"stage": "batch, offline", "concurrency": 1, "applicants": n, "seconds": round(seconds, 2),
                     "per_min": round(n / seconds * 60, 1), "ideal_per_min": "", "ratio_to_ideal": "",
                     "prepare_s": round(prepare_s, 3), "bound_per_min": "", "ratio_to_bound": ""})

        for c in args.concurrency:
            server.reset()
            server.script([Reply.json(EXTRACTION).slow(args.delay)] * (n * CALLS_PER_APPLICANT))
            settings = base.model_copy(update={"openai_base_url": server.base_url, "model": f"bench-c{c}"})
            seconds, prepare_s = timed_run(settings, manifest, root / f"out-llm-{c}", model, BatchOptions(extractor="llm", concurrency=c))
            per_min = n / seconds * 60
            ideal = c / (CALLS_PER_APPLICANT * args.delay) * 60
            bound = min(ideal, 60 / prepare_s)
            rows.append({"stage": "batch, llm", "concurrency": c, "applicants": n, "seconds": round(seconds, 2),
                         "per_min": round(per_min, 1), "ideal_per_min": round(ideal, 1), "ratio_to_ideal": round(per_min / ideal, 3),
                         "prepare_s": round(prepare_s, 3), "bound_per_min": round(bound, 1), "ratio_to_bound": round(per_min / bound, 3)})
    at_32 = next((r for r in rows if r["concurrency"] == 32 and r["stage"] == "batch, llm"), None)
    report(
        "batch_throughput", f"Batch throughput: {n} applicants, LLM delay {args.delay:g} s", rows, args.out,
        goal=">= 80% of ideal at concurrency 32", delay_s=args.delay,
        goal_met=bool(at_32 and at_32["ratio_to_ideal"] >= 0.8),
    )


if __name__ == "__main__":
    main()

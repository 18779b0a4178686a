"""Batch throughput: applicants per minute through `run_batch`, offline and against a slow LLM.

    python -m benchmarks.batch_throughput [--applicants 200] [--seed 7] [--delay 1.0] [--repeats 3]
        [--concurrency 1 8 32] [--offline-concurrency 1 2] [--ray-concurrency 32] [--work DIR] [--out FILE]

The applicants are a generated corpus (`evaluation.corpus`, as `eprof corpus generate` writes it:
an annual report PDF, news and a research note each). They are ingested once, timed on their own;
each timed run then goes through the whole `run_batch` on the ingested store (ingest finds every
file unchanged) into a fresh output folder. `--work DIR` keeps the corpus and the store there, so
a second run skips generating and ingesting.

The LLM is the scripted OpenAI-protocol server of the tests, in its own process (in this one it
would compete for the GIL with what it measures), answering every request with a valid
Extraction after `--delay` seconds; a distinct model name per run keeps the gateway's cache out.

The ray rows run `--engine ray` on a local Ray instance with this machine's CPUs, against a Chroma
server started on a copy of the ingested store; their time includes starting the actors (each
loads the embedding model), not Ray itself.

Each LLM row is the median of `--repeats` runs (by time; `ratio_range` shows the lowest and
highest): on 2 cores shared with the scripted server, runs of the same setting differ by 5%.
ideal = concurrency / (calls per applicant x delay): what the LLM stage allows. `steady_per_min`
counts from the first applicant finished to the last: the rate once start-up is paid. `cpu_ms` is this
process's CPU time per applicant, summed over threads and both cores (Chroma's Rust and SQLite
run outside the GIL; the rest holds it): 60,000 / cpu_ms is the rate at which one core would be
saturated. Goal: >= 80% of ideal at concurrency 32.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

from eprof.agent.extraction import Extraction
from benchmarks._report import report
from eprof.workflows.batch import plan_batch, run_batch
from eprof.workflows.batch_schema import BatchOptions
from eprof.workflows.batch_ray import pool_shape
from eprof.kernel.config import Settings, load_settings
from eprof.evaluation.corpus.generate import generate
from eprof.retrieval.ingest import ingest_all, read_manifest
from eprof.retrieval.schema import IngestStatus
from eprof.retrieval.search import Searcher
from eprof.risk.policy import load_policy
from eprof.risk.run import load_default_model
from tests.openai_server import OpenAIServer, Reply

EXTRACTION = Extraction.model_validate(
    {"scores": {"business_stability": {"score": 70, "rationale": "steady orders", "evidence": []}}}
).model_dump(mode="json")
CALLS_PER_APPLICANT = 1


def _serve(delay: float, replies: int, conn: Connection) -> None:
    """The child process: the scripted server until the benchmark says stop."""
    with OpenAIServer() as server:
        server.script([Reply.json(EXTRACTION).slow(delay)] * replies)
        conn.send(server.base_url)
        conn.recv()


@contextmanager
def llm_server(delay: float, replies: int) -> Iterator[str]:
    """A slow OpenAI-protocol endpoint in another process; yields its base URL."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(delay, replies, theirs), daemon=True)
    process.start()
    try:
        yield ours.recv()
    finally:
        ours.send("stop")
        process.join(timeout=10)


def corpus(work: Path, n: int, seed: int) -> Path:
    """The generated corpus's manifest, generated unless `work` already holds it."""
    manifest = work / "corpus" / "manifest.csv"
    if not manifest.exists():
        generate(n, seed, work / "corpus")
    return manifest


def timed_run(settings: Settings, manifest: Path, out: Path, options: BatchOptions) -> dict[str, float]:
    """One run_batch: wall seconds, the rate from first to last applicant finished, and this
    process's CPU ms per applicant (the driver's only, on the ray engine)."""
    finished: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    record = run_batch(settings, manifest, out, load_default_model(), load_policy(), options,
                       lambda p: finished.append(time.perf_counter()) if p.last else None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if record.counts.ok != record.counts.applicants:
        raise SystemExit(f"{record.counts.failed} applicant(s) failed in {out}; see errors.csv")
    steady = (len(finished) - 1) / (finished[-1] - finished[0]) * 60 if len(finished) > 1 and finished[-1] > finished[0] else 0.0
    return {"seconds": wall, "steady_per_min": steady, "cpu_ms": cpu / record.counts.applicants * 1000}


def row(stage: str, concurrency: int, n: int, seconds: float, **extra: object) -> dict[str, object]:
    return {"stage": stage, "concurrency": concurrency, "applicants": n, "seconds": round(seconds, 2),
            "per_min": round(n / seconds * 60, 1), "steady_per_min": "", "ideal_per_min": "", "ratio_to_ideal": "",
            "cpu_ms": "", "ratio_range": "", **extra}


@contextmanager
def chroma_server(data: Path) -> Iterator[str]:
    """`chroma run` on `data` on a free loopback port; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen([str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/v2/heartbeat", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise SystemExit("chroma server did not start within 60 s") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7, help="corpus seed")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the scripted LLM takes per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--offline-concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ray-concurrency", type=int, nargs="*", default=[32], help="ray engine runs (none: skip)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per LLM setting; the row is their median")
    parser.add_argument("--work", type=Path, help="keep the corpus and the store here (default: a temporary folder)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        manifest = corpus(work, args.applicants, args.seed)
        n = len(plan_batch(manifest).applicants)
        base = load_settings(home=work / "store")
        searcher = Searcher.open(base)
        jobs, _ = read_manifest(manifest)
        start = time.perf_counter()
        ingested = ingest_all(searcher.store, searcher.embedder, jobs)
        ingest_s = time.perf_counter() - start
        added = sum(r.status is not IngestStatus.unchanged for r in ingested)
        rows = [row(f"ingest ({added} of {len(jobs)} documents new)", 1, n, ingest_s)]

        for c in args.offline_concurrency:
            run = timed_run(base, manifest, work / f"out-offline-{c}-{uuid.uuid4().hex[:6]}", BatchOptions(extractor="offline", concurrency=c))
            rows.append(row("batch, offline", c, n, run["seconds"], steady_per_min=round(run["steady_per_min"], 1), cpu_ms=round(run["cpu_ms"], 1)))

        runs = [("local", c) for c in args.concurrency] + [("ray", c) for c in args.ray_concurrency]
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(llm_server(args.delay, n * CALLS_PER_APPLICANT * len(runs) * args.repeats))
            if args.ray_concurrency:
                import ray

                shutil.copytree(base.home / "chroma", work / "chroma-server", dirs_exist_ok=True)
                chroma_url = stack.enter_context(chroma_server(work / "chroma-server"))
                ray.init(include_dashboard=False, log_to_driver=False)
                stack.callback(ray.shutdown)
                cpus = ray.cluster_resources()["CPU"]
            for engine, c in runs:
                repeats = []
                for _ in range(args.repeats):
                    settings = base.model_copy(update={"openai_base_url": url, "model": f"bench-{uuid.uuid4().hex[:8]}"})
                    if engine == "ray":
                        settings = settings.model_copy(update={"chroma_url": chroma_url, "home": work / f"ray-home-{uuid.uuid4().hex[:6]}"})
                    out = work / f"out-llm-{engine}-{c}-{uuid.uuid4().hex[:6]}"
                    repeats.append(timed_run(settings, manifest, out, BatchOptions(extractor="llm", concurrency=c, engine=engine)))
                run = sorted(repeats, key=lambda r: r["seconds"])[(len(repeats) - 1) // 2]  # the median run (the lower one of an even count)
                ideal = c / (CALLS_PER_APPLICANT * args.delay) * 60
                ratio = [round(n / r["seconds"] * 60 / ideal, 3) for r in repeats]
                stage = "batch, llm" if engine == "local" else f"batch, llm, ray ({len(pool_shape(cpus, c))} actors)"
                rows.append(row(stage, c, n, run["seconds"], steady_per_min=round(run["steady_per_min"], 1),
                                ideal_per_min=round(ideal, 1), ratio_to_ideal=round(n / run["seconds"] * 60 / ideal, 3),
                                cpu_ms=round(run["cpu_ms"], 1), ratio_range=f"{min(ratio)}-{max(ratio)}"))
    at_32 = next((r for r in rows if r["concurrency"] == 32 and r["stage"] == "batch, llm"), None)
    report(
        "batch_throughput", f"Batch throughput: {n} generated applicants, LLM delay {args.delay:g} s", rows, args.out,
        goal=">= 80% of ideal at concurrency 32", delay_s=args.delay, corpus_seed=args.seed,
        goal_met=bool(at_32 and at_32["ratio_to_ideal"] >= 0.8),
    )


if __name__ == "__main__":
    main()

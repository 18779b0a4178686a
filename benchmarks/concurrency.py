"""Concurrent writers into one enterprise: N parallel uploads to the service and M parallel
`eprof ingest` processes, all at once, on one store; then every document is looked for. Then
the time to ingest one file into an enterprise that already holds 10, 100, 300 documents.

    python -m benchmarks.concurrency [--uploads 8] [--ingests 2] [--files 4] [--scale 10,100,300]

A document is lost when it is not in the enterprise's document list or none of its chunks is
live (searchable); unreachable by vector when a chunk of it is not the nearest to its own vector
(a writer saved Chroma's vector index without another's vectors). The service runs as `eprof serve`, as deployed, in its own process. Per-file
time is the median over the WINDOW files ingested after the enterprise reached each size
(results/ingest_scaling.json); it should not grow with the size.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from benchmarks._report import report
from eprof.kernel.config import load_settings
from eprof.retrieval.embeddings import Embedder
from eprof.retrieval.ingest import IngestJob, embedding_text, ingest_file
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher

TOKEN = "concurrency-token-0123456789abcdef"
ENTERPRISE = "acme"
WINDOW = 10


def note(i: int) -> bytes:
    return f"# 调研纪要 {i}\n\n江城精密第{i}号产线主要生产数控机床主轴，关键词 marker{i:04d}zq。\n".encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _eprof() -> str:
    return str(Path(sys.executable).with_name("eprof"))


def _serve(home: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EPROF_API_TOKENS": f"bench:{TOKEN}"}
    server = subprocess.Popen([_eprof(), "serve", "--store", str(home), "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return server, base
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the service did not start") from None
            time.sleep(0.2)


def run(uploads: int, ingests: int, files: int, work: Path) -> dict:
    home = work / "store"
    folders = []
    for j in range(ingests):
        folder = work / f"ingest-{j}"
        folder.mkdir(parents=True)
        for i in range(files):
            (folder / f"note-{j}-{i}.md").write_bytes(note(1000 + j * files + i))
        folders.append(folder)
    server, base = _serve(home)
    try:
        started = time.perf_counter()
        procs = [subprocess.Popen([_eprof(), "ingest", str(f), "-e", ENTERPRISE, "--store", str(home)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for f in folders]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600) as client:
            def upload(i: int) -> int:
                return client.post(f"/api/enterprises/{ENTERPRISE}/documents",
                                   files=[("files", (f"upload-{i}.md", note(i), "text/markdown"))]).status_code

            with ThreadPoolExecutor(max(uploads, 1)) as pool:
                statuses = list(pool.map(upload, range(uploads)))
        codes = [p.wait(timeout=600) for p in procs]
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    searcher = Searcher.open(load_settings(home=home))
    info = searcher.store.enterprise(ENTERPRISE)
    chunks = searcher.store.chunks(info) if info else []
    markers = [f"marker{i:04d}zq" for i in range(uploads)] + [f"marker{1000 + k:04d}zq" for k in range(ingests * files)]
    lost = [m for m in markers if not any(m in c.text for c in chunks)]
    nearest = searcher.store.dense(info, searcher.embedder.embed([embedding_text(c) for c in chunks]), 1, None) if chunks else []
    unreachable = {c.doc_id for c, n in zip(chunks, nearest, strict=True) if n[:1] != [c.chunk_id]}
    return {
        "uploads": uploads, "upload_ok": sum(s == 200 for s in statuses), "ingest_processes": ingests, "ingest_exit_0": codes.count(0),
        "documents_expected": len(markers), "documents_published": len(info.documents) if info else 0,
        "documents_lost": len(lost), "unreachable_by_vector": len(unreachable), "seconds": round(seconds, 1),
    }


def report_text(i: int) -> bytes:
    """A research note of a few chunks, the size of a short real one."""
    lines = [f"第{k}段：江城精密第{i}号产线本年度营业收入{i * 7 + k}万元，主要客户为长三角整车厂，关键词 marker{i:04d}zq。" for k in range(12)]
    return ("# 调研纪要 %d\n\n" % i + "\n\n".join(lines) + "\n").encode()


class TimedEmbedder:
    """The store's embedder, counting the seconds spent in it: embedding a file costs the same at
    any enterprise size but swings with the load on a shared machine, so it is reported apart."""

    def __init__(self, embedder: Embedder):
        self.name = embedder.name
        self._embedder = embedder
        self.seconds = 0.0

    def embed(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self._embedder.embed(texts)
        finally:
            self.seconds += time.perf_counter() - started


def per_file_time(sizes: list[int], work: Path) -> list[dict]:
    """Seconds to ingest one file into an enterprise holding n documents, for each n in `sizes`:
    in all, and without embedding (reading, chunking and the store's writes)."""
    searcher = Searcher.open(load_settings(home=work / "store"))
    embedder = TimedEmbedder(searcher.embedder)
    embedder.embed(["warm up"])  # the model loads once per process, not per file
    rows = []
    held = 0
    for size in sorted(sizes):
        total, rest = [], []
        while held < size + WINDOW:
            path = work / f"note-{held:04d}.md"
            path.write_bytes(report_text(held))
            embedder.seconds = 0.0
            started = time.perf_counter()
            result = ingest_file(searcher.store, embedder, IngestJob(enterprise_id=ENTERPRISE, path=path, doc_type=DocType.research))
            seconds = time.perf_counter() - started
            if result.status != "added":
                raise SystemExit(f"{path.name}: {result.status} {result.reason}")
            if held >= size:
                total.append(seconds)
                rest.append(seconds - embedder.seconds)
            held += 1
        rows.append({"documents_in_enterprise": size, "files_timed": len(total), "median_s_per_file": round(statistics.median(total), 3),
                     "median_s_without_embedding": round(statistics.median(rest), 3), "max_s_without_embedding": round(max(rest), 3)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=8, help="parallel uploads to the service (one file each)")
    parser.add_argument("--ingests", type=int, default=2, help="parallel `eprof ingest` processes")
    parser.add_argument("--files", type=int, default=4, help="files per ingest process")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions (races are probabilistic)")
    parser.add_argument("--scale", default="10,100,300", help="enterprise sizes (documents) at which to time per-file ingest; empty: skip")
    parser.add_argument("--out", type=Path, help="the concurrency results; the per-file times go beside it, as *-scaling.json")
    args = parser.parse_args()
    rows = []
    for r in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="eprof-concurrency-") as tmp:
            rows.append({"round": r + 1, **run(args.uploads, args.ingests, args.files, Path(tmp))})
    if rows:
        report("concurrency", "Concurrent uploads and ingests into one enterprise", rows, args.out,
               documents_lost=sum(r["documents_lost"] for r in rows), unreachable_by_vector=sum(r["unreachable_by_vector"] for r in rows))
    sizes = [int(n) for n in args.scale.split(",") if n.strip()]
    if sizes:
        with tempfile.TemporaryDirectory(prefix="eprof-scaling-") as tmp:
            scaling = per_file_time(sizes, Path(tmp))
        report("ingest_scaling", f"Per-file ingest time by documents already in one enterprise (median of {WINDOW} files)", scaling,
               args.out.with_name(f"{args.out.stem}-scaling.json") if args.out else None)


if __name__ == "__main__":
    main()

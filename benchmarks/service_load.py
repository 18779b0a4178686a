"""Service load: requests per second and latency of search and decision, idle and while a batch runs.

    python -m benchmarks.service_load [--clients 8] [--seconds 10] [--store DIR] [--out FILE]

The demo corpus is profiled into a fresh store with `run_batch` (unless --store names one that
is), then `eprof serve` starts on a free loopback port as its own process, the way it is deployed.
N concurrent httpx clients (asyncio, one process) call one endpoint for a bounded time, rotating
over the enterprises and a few bilingual queries; every request carries a token and is audited.

Scenarios: `search` and `decision` on an idle service, then both again while a batch job ingests
and profiles the whole demo corpus in the service's child process; the last column says whether
the batch was still running when the scenario ended. Latencies are client-side wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks._report import report
from eprof.workflows.batch import run_batch
from eprof.kernel.config import load_settings
from eprof.risk.policy import load_policy
from eprof.risk.run import load_default_model

DEMO = Path(__file__).parents[1] / "demo"
TOKEN = "load-test-token-0123456789abcdef"
QUERIES = ("诉讼 仲裁", "营业收入 净利润", "auditor audit opinion", "largest customers share of revenue", "股权质押 冻结", "going concern")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _load(base: str, paths: itertools.cycle, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.get(next(paths))
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def _row(scenario: str, endpoint: str, clients: int, seconds: float, latencies: list[float], errors: int, batch: str) -> dict:
    return {
        "scenario": scenario, "endpoint": endpoint, "clients": clients, "requests": len(latencies), "errors": errors,
        "rps": round(len(latencies) / seconds, 1), "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1), "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "batch": batch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each scenario")
    parser.add_argument("--store", type=Path, help="a store with profiled enterprises (default: profile the demo corpus into a temporary one)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="eprof-load-"))
    home = args.store or work / "store"
    settings = load_settings(home=home)
    if args.store is None:
        print(f"profiling the demo corpus into {home} …", flush=True)
        run_batch(settings, DEMO / "manifest.csv", work / "demo-batch", load_default_model(), load_policy())
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "EPROF_API_TOKENS": f"load-test:{TOKEN}"}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("eprof")), "serve", "--store", str(home), "--port", str(port), "--batch-dir", str(DEMO)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the service did not start") from None
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        ids = [e["enterprise_id"] for e in httpx.get(f"{base}/api/enterprises", headers=headers).json()]
        endpoints = {
            "search": [f"/api/enterprises/{e}/search?q={q}&k=5" for e, q in itertools.product(ids, QUERIES)],
            "decision": [f"/api/enterprises/{e}/decision" for e in ids],
        }
        for path in endpoints["search"]:  # warm: each enterprise's keyword index is built on its first search
            httpx.get(base + path, headers=headers, timeout=60)
        rows = []
        for name, paths in endpoints.items():
            latencies, errors = asyncio.run(_load(base, itertools.cycle(paths), args.clients, args.seconds))
            rows.append(_row("idle", name, args.clients, args.seconds, latencies, errors, "none"))
        job = httpx.post(f"{base}/api/batches", headers=headers, json={"manifest": str(DEMO / "manifest.csv")}).json()
        for name, paths in endpoints.items():
            latencies, errors = asyncio.run(_load(base, itertools.cycle(paths), args.clients, args.seconds))
            state = httpx.get(f"{base}/api/batches/{job['job_id']}", headers=headers).json()
            rows.append(_row("batch running", name, args.clients, args.seconds, latencies, errors, f"{state['state']} ({state['ok']}/{state['total']} done)"))
    finally:
        server.terminate()
        server.wait(30)
    report(
        "service_load", f"eprof serve on loopback: {args.clients} clients x {args.seconds:.0f} s per scenario, {len(ids)} enterprises",
        rows, args.out, clients=args.clients, seconds=args.seconds, enterprises=len(ids),
    )


if __name__ == "__main__":
    main()

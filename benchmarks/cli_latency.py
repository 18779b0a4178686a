"""Cold command-line latency: median of 5 fresh processes of `eprof --help`, `eprof search` and
`eprof ask` on the demo store, and `eprof search` on a large enterprise (the four real annual
reports ingested as one enterprise: about 3,000 chunks, the size the goal names).

    python -m benchmarks.cli_latency [--runs 5] [--store .eprof/cli-latency]

Each run is a new process, as a user typing the command gets: imports, opening the store,
loading the keyword index and the embedding model, one query. The stores are built on the first
run (ingest of the demo corpus and of the real reports) and reused after; no profile is saved in
them, so `eprof ask` works from the documents alone: a figure question reads the statement
tables, a profile question (customers) builds the offline profile first, an extractive one
(a chairman's salary, not in the documents) searches. The 1-minute load average is printed: the
machine may be shared, so the min is reported beside the median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._report import report

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo" / "manifest.csv"
LARGE = ROOT.parent / "shared" / "data" / "real-reports"
EPROF = [str(Path(sys.executable).parent / "eprof")]


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one fresh process: on a shared machine the
    wall time grows with the load, the CPU time much less."""
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(EPROF + args, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"eprof {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, _cpu() - cpu


def _ensure(store: Path, args: list[str]) -> None:
    if not (store / "chroma").exists():
        print(f"building {store} (once) …", flush=True)
        _run(["ingest", *args, "--store", str(store)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store", type=Path, default=ROOT / ".eprof" / "cli-latency")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    demo = args.store / "demo"
    _ensure(demo, ["--manifest", str(DEMO)])
    commands = {
        "eprof --help": ["--help"],
        "eprof search (demo, 1 enterprise)": ["search", "e001", "主要客户", "--store", str(demo)],
        "eprof ask (demo, offline)": ["ask", "e001", "营业收入是多少？", "--mode", "offline", "--store", str(demo)],
        "eprof ask (demo, offline, profile topic)": ["ask", "e001", "前五名客户是谁？", "--mode", "offline", "--store", str(demo)],
        "eprof ask (demo, offline, extractive)": ["ask", "e001", "公司董事长的年薪是多少？", "--mode", "offline", "--store", str(demo)],
    }
    notes = {}
    if LARGE.exists():
        large = args.store / "large-4"
        _ensure(large, [*map(str, sorted(LARGE.glob("*.pdf"))), "-e", "large"])
        listed = subprocess.run(EPROF + ["enterprises", "--json", "--store", str(large)], capture_output=True, text=True, check=True)
        notes["large_chunks"] = json.loads(listed.stdout)[0]["chunks"]
        commands["eprof search (4 real reports, large)"] = ["search", "large", "合并资产负债表 货币资金", "--store", str(large)]
        commands["eprof search (4 real reports, English query)"] = ["search", "large", "net interest income", "--store", str(large)]
    else:
        notes["large"] = f"skipped: {LARGE} is absent"
    rows = []
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    for name, command in commands.items():
        times, cpu = zip(*(_run(command) for _ in range(args.runs)), strict=True)
        rows.append({"command": name, "runs": args.runs, "median_s": round(statistics.median(times), 2),
                     "min_s": round(min(times), 2), "max_s": round(max(times), 2), "median_cpu_s": round(statistics.median(cpu), 2)})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    report("cli_latency", f"Cold CLI latency, median of {args.runs} fresh processes", rows, args.out,
           load_average_1m_before=load_before, load_average_1m=load, **notes)


if __name__ == "__main__":
    main()

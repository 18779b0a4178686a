"""Scorecard vs challenger on the UCI Polish companies bankruptcy data (1year and 5year files).

    python -m benchmarks.risk_polish [--data DIR] [--out FILE] [--cv 5] [--file 1year.arff]

The scorecard, the glass-box challenger (depth-2 boosting, per-feature contributions) and the
unconstrained LightGBM challenger are fitted with stratified k-fold cross-validation on the same
folds; binning is fitted inside each training fold (the scorecard's out-of-fold log-odds are the
ones that calibrate it). The scorecard is trained by `risk.train.train` with its shipped settings
(`risk.train.SCORECARD_PARAMS`), the same code path as `eprof risk train` and the default model;
its L2 strength is chosen by inner CV inside each training fold. The table reports AUC, KS, Gini
and Brier per model. The data stays outside the repository; without it this exits 0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

from benchmarks._report import report

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "polish-bankruptcy"
FILES = ("1year.arff", "5year.arff")


def read_arff(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Attr1..Attr64 as floats ('?' = missing) and the 0/1 class, from a numeric ARFF file."""
    names, rows, in_data = [], [], False
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if in_data:
            rows.append(line.split(","))
        elif line.lower().startswith("@attribute"):
            names.append(line.split()[1])
        elif line.lower().startswith("@data"):
            in_data = True
    table = pd.DataFrame(rows, columns=names).replace("?", np.nan)
    y = table.pop(names[-1]).astype(int).to_numpy()
    return table.astype(float), y


def run(data_dir: Path, cv: int = 5, files: tuple[str, ...] = FILES) -> dict[str, object]:
    from eprof.risk.features import frame_sha256
    from eprof.risk.policy import load_policy
    from eprof.risk.train import train

    results: dict[str, object] = {"data": str(data_dir), "cv_folds": cv, "files": {}}
    for name in files:
        X, y = read_arff(data_dir / name)
        start = time.perf_counter()
        trained = train(X, y, label="class", data_sha256=frame_sha256(X, y), policy=load_policy(), cv=cv)
        card = trained.card
        results["files"][name] = {
            "rows": int(len(y)),
            "defaults": int(y.sum()),
            "default_rate": float(y.mean()),
            "seconds": round(time.perf_counter() - start, 1),
            "scorecard_features": len(trained.artifact.features),
            "scorecard_params": card["scorecard"]["params"],
            "scorecard_chosen_C": card["scorecard"]["chosen_C"],
            "scorecard": card["scorecard"]["cross_validation"],
            "glassbox": card["glassbox"]["cross_validation"],
            "challenger": card["challenger"]["cross_validation"],
        }
    return results


def table_rows(results: dict[str, object]) -> list[dict[str, object]]:
    """One flat row per file and model: fold means (the sds are in the JSON's `files`)."""
    rows = []
    for name, r in results["files"].items():
        for model in ("scorecard", "glassbox", "challenger"):
            f = r[model]["per_fold"]
            label = {"scorecard": f"scorecard ({r['scorecard_features']} feat.)", "glassbox": "glass-box (depth-2 GBM)",
                     "challenger": "LightGBM"}[model]
            row: dict[str, object] = {"file": name, "model": label}
            row.update({m: f[m]["mean"] for m in ("auc", "ks", "gini", "brier")})
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding 1year.arff and 5year.arff")
    parser.add_argument("--out", type=Path, help="JSON results (default: benchmarks/results/risk_polish.json)")
    parser.add_argument("--cv", type=int, default=5, help="stratified folds")
    parser.add_argument("--file", action="append", choices=FILES, help="only this file (repeatable; default both)")
    args = parser.parse_args(argv)
    console = Console()
    missing = [f for f in FILES if not (args.data / f).is_file()]
    if missing:
        console.print(f"Polish bankruptcy data not found in {args.data} (missing {missing}); nothing to benchmark.")
        return 0
    results = run(args.data, args.cv, tuple(args.file or FILES))
    report("risk_polish", f"Polish bankruptcy, {args.cv}-fold stratified CV", table_rows(results), args.out, **results)
    for name, r in results["files"].items():
        sc, gb, ch = (r[m]["per_fold"]["auc"]["mean"] for m in ("scorecard", "glassbox", "challenger"))
        console.print(f"{name}: AUC scorecard {sc:.3f}, glass-box {gb:.3f}, LightGBM {ch:.3f}"
                      f" (scorecard {sc - ch:+.3f}, glass-box {gb - ch:+.3f} against LightGBM)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Scorecard vs challenger on the UCI Polish companies bankruptcy data (1year and 5year files).

    python -m benchmarks.risk_polish [--data DIR] [--out FILE] [--cv 5] [--file 1year.arff] [--scorecard-only]

The scorecard, the glass-box challenger (depth-2 boosting, per-feature contributions) and the
unconstrained LightGBM challenger are fitted with stratified k-fold cross-validation on the same
folds; binning is fitted inside each training fold (the scorecard's out-of-fold log-odds are the
ones that calibrate it). The scorecard is trained by `risk.train.train` with its shipped settings
(`risk.train.SCORECARD_PARAMS`), the same code path as `eprof risk train` and the default model;
its L2 strength and its 2-D variables are chosen by inner CV inside each training fold. The table
reports AUC, KS, Gini and Brier per model. `--scorecard-only` fits the scorecard alone
(`risk.train.fit_scorecard`, the same fit), for quick iterations; the committed results come from
the full run. The data stays outside the repository; without it this exits 0.
"""

from __future__ import annotations

import argparse
import tempfile
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


def run(data_dir: Path, cv: int = 5, files: tuple[str, ...] = FILES, scorecard_only: bool = False,
        seed: int = 0) -> dict[str, object]:
    from eprof.risk.features import frame_sha256
    from eprof.risk.policy import load_policy
    from eprof.risk.train import SCORECARD_PARAMS, fit_scorecard, scorecard_cv, train

    results: dict[str, object] = {"data": str(data_dir), "cv_folds": cv, "seed": seed, "scorecard_only": scorecard_only,
                                  "files": {}}
    for name in files:
        X, y = read_arff(data_dir / name)
        start = time.perf_counter()
        if scorecard_only:
            sc = fit_scorecard(X, y, cv=cv, random_state=seed)
            models = {"scorecard": scorecard_cv(sc, y)}
            chosen = {"params": dict(SCORECARD_PARAMS), "chosen_C": {"final": sc.C_, "folds": sc.fold_C_},
                      "chosen_pairs": {"final": sc.n_pairs_, "folds": sc.fold_n_pairs_, "kept": sc.pairs_}}
            n_terms = len(sc.features_) + len(sc.pairs_)
        else:
            card = train(X, y, label="class", data_sha256=frame_sha256(X, y), policy=load_policy(), cv=cv, random_state=seed).card
            models = {m: card[m]["cross_validation"] for m in ("scorecard", "glassbox", "challenger")}
            chosen = {k: card["scorecard"][k] for k in ("params", "chosen_C", "chosen_pairs")}
            n_terms = len(card["features"])
        results["files"][name] = {
            "rows": int(len(y)),
            "defaults": int(y.sum()),
            "default_rate": float(y.mean()),
            "seconds": round(time.perf_counter() - start, 1),
            "scorecard_features": n_terms,
            **{f"scorecard_{k}": v for k, v in chosen.items()},
            **models,
        }
    return results


def table_rows(results: dict[str, object]) -> list[dict[str, object]]:
    """One flat row per file and model: fold means (the sds are in the JSON's `files`)."""
    rows = []
    for name, r in results["files"].items():
        for model in ("scorecard", "glassbox", "challenger"):
            if model not in r:
                continue
            f = r[model]["per_fold"]
            label = {"scorecard": f"scorecard ({r['scorecard_features']} terms)", "glassbox": "glass-box (depth-2 GBM)",
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
    parser.add_argument("--seed", type=int, default=0, help="fold assignment (and the inner folds'); the committed results use 0")
    parser.add_argument("--scorecard-only", action="store_true",
                        help="fit only the scorecard (quick iterations; not for the committed results)")
    args = parser.parse_args(argv)
    console = Console()
    missing = [f for f in FILES if not (args.data / f).is_file()]
    if missing:
        console.print(f"Polish bankruptcy data not found in {args.data} (missing {missing}); nothing to benchmark.")
        return 0
    results = run(args.data, args.cv, tuple(args.file or FILES), args.scorecard_only, args.seed)
    out = args.out or (Path(tempfile.gettempdir()) / "risk_polish_scorecard.json" if args.scorecard_only else None)
    report("risk_polish", f"Polish bankruptcy, {args.cv}-fold stratified CV", table_rows(results), out, **results)
    for name, r in results["files"].items():
        if args.scorecard_only:
            f = r["scorecard"]["per_fold"]
            console.print(f"{name}: scorecard AUC {f['auc']['mean']:.3f}, KS {f['ks']['mean']:.3f}")
            continue
        sc, gb, ch = (r[m]["per_fold"]["auc"]["mean"] for m in ("scorecard", "glassbox", "challenger"))
        console.print(f"{name}: AUC scorecard {sc:.3f}, glass-box {gb:.3f}, LightGBM {ch:.3f}"
                      f" (scorecard {sc - ch:+.3f}, glass-box {gb - ch:+.3f} against LightGBM)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

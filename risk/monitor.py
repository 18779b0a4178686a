"""Population stability: PSI of the score and CSI of each feature between two populations.

PSI = sum((a - e) * ln(a / e)) over bins, with e and a the baseline and current shares. Usual
bands: < 0.1 stable, 0.1 to 0.25 monitor, >= 0.25 a significant shift (investigate, maybe
retrain). Model features use the scorecard's own bins (plus missing), which is what CSI means, and
each 2-D variable its own cells (plus missing): two features can each hold steady while the
population moves across their joint table; other columns and the score use baseline deciles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from eprof.kernel.errors import InputError, NotFoundError
from eprof.risk.artifact import ScorecardModel
from eprof.risk.features import check_features
from eprof.kernel.contract import Contract
from eprof.risk.tables import read_table

STABLE_BELOW = 0.1
SHIFT_FROM = 0.25
SHARE_FLOOR = 1e-4
"""Empty bins get this share so ln(a / e) stays finite; it caps one empty bin's term at ~0.9 * share."""

Band = Literal["stable", "monitor", "shift"]
Kind = Literal["score", "feature", "pair"]


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI from per-bin counts (or shares) of the baseline (`expected`) and current population."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.sum() <= 0 or a.sum() <= 0:
        raise InputError(f"psi: expected two non-empty count vectors of one length; got {e.shape} and {a.shape}")
    e = np.maximum(e / e.sum(), SHARE_FLOOR)
    a = np.maximum(a / a.sum(), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def band(value: float) -> Band:
    if value < STABLE_BELOW:
        return "stable"
    return "monitor" if value < SHIFT_FROM else "shift"


class StabilityRow(Contract):
    name: str
    kind: Kind
    binning: Literal["model", "baseline deciles"]
    n_bins: int
    psi: float
    band: Band
    baseline_missing: float
    current_missing: float


class StabilityReport(Contract):
    n_baseline: int
    n_current: int
    model_version: str | None
    rows: list[StabilityRow]
    skipped: dict[str, str] = Field(default_factory=dict, description="columns not compared, with the reason")


def _decile_indices(base: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    clean = base[~np.isnan(base)]
    edges = np.unique(np.quantile(clean, np.linspace(0, 1, 11)[1:-1])) if clean.size else np.array([])
    n = len(edges) + 2  # value bins + missing

    def index(x: np.ndarray) -> np.ndarray:
        idx = np.digitize(x, edges, right=False)
        idx[np.isnan(x)] = n - 1
        return idx

    return index(base), index(cur), n


def _row(
    name: str, kind: Kind, binning: Literal["model", "baseline deciles"],
    bi: np.ndarray, ci: np.ndarray, n: int, base: np.ndarray, cur: np.ndarray,
) -> StabilityRow:
    value = psi(np.bincount(bi, minlength=n), np.bincount(ci, minlength=n))
    return StabilityRow(
        name=name, kind=kind, binning=binning, n_bins=n, psi=value, band=band(value),
        baseline_missing=float(np.isnan(base).mean()), current_missing=float(np.isnan(cur).mean()),
    )


def stability_report(
    baseline: pd.DataFrame, current: pd.DataFrame, model: ScorecardModel | None = None
) -> StabilityReport:
    """CSI per feature (the model's features when a model is given, else every numeric column
    both populations share) and, with a model, PSI of the score."""
    skipped: dict[str, str] = {}
    if model is not None:
        names = list(model.inputs)  # the features, and both columns of each 2-D variable
        for what, frame in (("baseline", baseline), ("current", current)):
            absent = [f for f in names if f not in frame.columns]
            if absent:
                raise InputError(f"{what}: the model needs columns {absent}")
    else:
        numeric = pd.api.types.is_numeric_dtype
        names = [
            c for c in baseline.columns if c in current.columns and numeric(baseline[c]) and numeric(current[c])
        ]
        skipped = {str(c): "only in the baseline" for c in baseline.columns if c not in current.columns}
        skipped |= {str(c): "only in the current population" for c in current.columns if c not in baseline.columns}
        skipped |= {str(c): "not numeric" for c in baseline.columns if c in current.columns and c not in names}
        if not names:
            raise InputError("baseline and current share no numeric column to compare")
    base = check_features(baseline[names], "baseline")
    cur = check_features(current[names], "current")
    if base.empty or cur.empty:
        raise InputError(f"expected rows in both populations; got {len(base)} and {len(cur)}")
    rows = []
    if model is not None:
        sb, sc = model.score(base), model.score(cur)
        bi, ci, n = _decile_indices(sb, sc)
        rows.append(_row("score", "score", "baseline deciles", bi, ci, n, sb, sc))
        b_idx, c_idx = model.bin_indices(base), model.bin_indices(cur)
        for j, name in enumerate(model.features):
            n = len(model.variable(name).bins) + 1
            rows.append(_row(name, "feature", "model", b_idx[:, j], c_idx[:, j], n,
                             base[name].to_numpy(), cur[name].to_numpy()))
        b_cell, c_cell = model.cell_indices(base), model.cell_indices(cur)
        for j, pair in enumerate(model.pairs):  # a row missing either value is in the pair's missing bin
            b_gap, c_gap = (np.where(f[[pair.x, pair.y]].isna().any(axis=1), np.nan, 0.0) for f in (base, cur))
            rows.append(_row(pair.name, "pair", "model", b_cell[:, j], c_cell[:, j], len(pair.cells) + 1, b_gap, c_gap))
    else:
        for name in names:
            b, c = base[name].to_numpy(), cur[name].to_numpy()
            bi, ci, n = _decile_indices(b, c)
            rows.append(_row(name, "feature", "baseline deciles", bi, ci, n, b, c))
    return StabilityReport(
        n_baseline=len(base), n_current=len(cur), model_version=None if model is None else model.version, rows=rows,
        skipped=skipped,
    )


def read_population(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"population {path}: no such file")
    return read_table(path, "population")

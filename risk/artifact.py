"""The scorecard as reviewable JSON, and a pure numpy/python scorer that reads it.

Nothing here unpickles or imports anything named in the file: loading is `json.loads` plus
pydantic validation, so a model artifact can be reviewed, diffed and loaded safely. The scorer
re-implements optbinning's transform (numerical bins are left-closed, `np.digitize(x, splits)`;
NaN goes to the missing bin) and tests prove it reproduces the fitted model.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from eprof.kernel.errors import InputError, NotFoundError
from eprof.kernel.files import atomic_write_text
from eprof.risk.policy import GradeBand, MasterScale
from eprof.kernel.contract import Contract
from eprof.kernel.validation import first_error

ARTIFACT_VERSION = "risk-scorecard/1"
MODEL_FILE = "model.json"
CHALLENGER_FILE = "challenger.txt"


class BinSpec(Contract):
    label: str
    lower: float | None = Field(description="inclusive lower bound; None = -inf (or the missing bin)")
    upper: float | None = Field(description="exclusive upper bound; None = +inf (or the missing bin)")
    count: int
    n_event: int
    event_rate: float
    woe: float = Field(description="WoE the transform assigns: ln(share of non-events / share of events)")
    points: float


class VariableSpec(Contract):
    name: str
    monotonic_trend: str = Field(description="trend requested from optbinning")
    direction: Literal["ascending", "descending", "flat"] = Field(description="event rate as the value grows")
    splits: list[float]
    bins: list[BinSpec]
    missing: BinSpec
    iv: float
    coefficient: float = Field(description="logistic-regression coefficient on the WoE")


class CellSpec(Contract):
    """One rectangle of a 2-D variable: x in [x_lower, x_upper) and y in [y_lower, y_upper)."""

    label: str
    x_lower: float | None = Field(description="inclusive; None = -inf")
    x_upper: float | None = Field(description="exclusive; None = +inf")
    y_lower: float | None = Field(description="inclusive; None = -inf")
    y_upper: float | None = Field(description="exclusive; None = +inf")
    count: int
    n_event: int
    event_rate: float
    woe: float
    points: float


class PairSpec(Contract):
    """A 2-D variable (optbinning's OptimalBinning2D): a table of points over two features' values;
    a row missing either value takes the missing bin."""

    name: str
    x: str
    y: str
    cells: list[CellSpec]
    missing: BinSpec
    iv: float
    coefficient: float = Field(description="logistic-regression coefficient on the WoE")


class Scaling(Contract):
    """points = offset - factor * log-odds(default); `odds` good:bad at `base_points`, PDO per doubling."""

    method: Literal["pdo_odds"] = "pdo_odds"
    pdo: float = Field(gt=0)
    odds: float = Field(gt=0)
    base_points: float = Field(gt=0)
    factor: float
    offset: float


class Calibration(Contract):
    """Platt: pd = 1 / (1 + exp(-(slope * logit + intercept))), fitted on out-of-fold logits."""

    method: Literal["platt"] = "platt"
    slope: float
    intercept: float
    folds: int


class DroppedFeature(Contract):
    name: str
    reason: str


class TrainingData(Contract):
    sha256: str
    label: str
    n: int
    n_events: int
    default_rate: float


class ModelArtifact(Contract):
    artifact_version: Literal["risk-scorecard/1"] = ARTIFACT_VERSION
    model_version: str = Field(description="scorecard-<sha256 prefix of the rest of this document>")
    feature_schema_version: str
    features: list[str]
    variables: list[VariableSpec]
    pairs: list[PairSpec] = Field(default_factory=list, description="2-D variables; none in older artefacts")
    intercept: float
    scaling: Scaling
    calibration: Calibration
    master_scale: list[GradeBand]
    dropped: list[DroppedFeature]
    training: TrainingData
    params: dict[str, Any]
    libraries: dict[str, str]


def content_version(payload: Mapping[str, Any]) -> str:
    """Version id from the canonical JSON (sorted keys, compact) of everything but the id."""
    body = {k: v for k, v in payload.items() if k != "model_version"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "scorecard-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def save_artifact(artifact: ModelArtifact, out_dir: Path) -> Path:
    """model.json in `out_dir`, written atomically: a scorer never loads half a model."""
    path = out_dir / MODEL_FILE
    atomic_write_text(path, json.dumps(artifact.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
    return path


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class ScorecardModel:
    """Scores from a ModelArtifact alone (numpy + python), for decisions and monitoring."""

    def __init__(self, artifact: ModelArtifact):
        self.artifact = artifact
        self.features = list(artifact.features)
        self.pairs = list(artifact.pairs)
        self.inputs = list(dict.fromkeys([*self.features, *(c for p in self.pairs for c in (p.x, p.y))]))
        """Columns a row must hold: the features, and the two of each 2-D variable."""
        self.master_scale = MasterScale(bands=artifact.master_scale)
        self._vars = {v.name: v for v in artifact.variables}
        self._splits = [np.asarray(self._vars[f].splits, dtype=float) for f in self.features]
        # Per feature: values for bins 0..n-1, then the missing bin last.
        self._woe = [np.array([b.woe for b in self._vars[f].bins] + [self._vars[f].missing.woe]) for f in self.features]
        self._points = [
            np.array([b.points for b in self._vars[f].bins] + [self._vars[f].missing.points]) for f in self.features
        ]
        self._coef = np.array([self._vars[f].coefficient for f in self.features])
        self._best = [
            max(b.points for b in [*self._vars[f].bins, self._vars[f].missing] if b.count > 0) for f in self.features
        ] + [max(b.points for b in [*p.cells, p.missing] if b.count > 0) for p in self.pairs]
        self._cell_woe = [np.array([c.woe for c in p.cells] + [p.missing.woe]) for p in self.pairs]
        self._cell_points = [np.array([c.points for c in p.cells] + [p.missing.points]) for p in self.pairs]

    @property
    def version(self) -> str:
        return self.artifact.model_version

    def variable(self, name: str) -> VariableSpec:
        return self._vars[name]

    def _matrix(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            absent = [f for f in self.inputs if f not in X.columns]
            if absent:
                raise InputError(f"scoring input: the model needs columns {absent}; got {list(X.columns)}")
            return X[self.inputs].to_numpy(dtype=float)
        absent = [f for f in self.inputs if f not in X]
        if absent:
            raise InputError(f"feature row: the model needs {absent}, which the row does not have")
        return np.array([[np.nan if X[f] is None else float(X[f]) for f in self.inputs]], dtype=float)

    def bin_indices(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        """(n, k) bin index per feature; NaN gets the missing bin, index n_bins = len(splits) + 1."""
        M = self._matrix(X)
        out = np.empty(M.shape, dtype=int)
        out = np.empty((M.shape[0], len(self.features)), dtype=int)
        for j, splits in enumerate(self._splits):
            col = M[:, j]
            idx = np.digitize(col, splits, right=False)
            idx[np.isnan(col)] = len(splits) + 1
            out[:, j] = idx
        return out

    def cell_indices(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        """(n, p) cell index per 2-D variable (optbinning's [lower, upper) rectangles); a missing x or
        y gets the missing bin, index len(cells)."""
        M = self._matrix(X)
        out = np.empty((M.shape[0], len(self.pairs)), dtype=int)
        for j, pair in enumerate(self.pairs):
            x, y = M[:, self.inputs.index(pair.x)], M[:, self.inputs.index(pair.y)]
            idx = np.full(len(x), len(pair.cells))
            for i, c in enumerate(pair.cells):
                inside = ((c.x_lower is None or x >= c.x_lower) & (c.x_upper is None or x < c.x_upper)
                          & (c.y_lower is None or y >= c.y_lower) & (c.y_upper is None or y < c.y_upper))
                idx[inside] = i
            out[:, j] = idx
        return out

    def _lookup(self, table: list[np.ndarray], idx: np.ndarray) -> np.ndarray:
        return np.column_stack([table[j][idx[:, j]] for j in range(idx.shape[1])]) if idx.shape[1] else idx.astype(float)

    def _terms(self, X: pd.DataFrame | Mapping[str, float | None], single: list[np.ndarray],
               paired: list[np.ndarray]) -> np.ndarray:
        """(n, k + p): one value per feature, then one per 2-D variable."""
        return np.hstack([self._lookup(single, self.bin_indices(X)), self._lookup(paired, self.cell_indices(X))])

    def logit(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        """Uncalibrated log-odds of default: intercept + sum(coefficient * WoE) over features and pairs."""
        woe = self._terms(X, self._woe, self._cell_woe)
        return self.artifact.intercept + woe @ np.concatenate([self._coef, [p.coefficient for p in self.pairs]])

    def predict_pd(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        cal = self.artifact.calibration
        return _sigmoid(cal.slope * self.logit(X) + cal.intercept)

    def points(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        """(n, k + p) points per feature, then per 2-D variable; their row sum is the score."""
        return self._terms(X, self._points, self._cell_points)

    def score(self, X: pd.DataFrame | Mapping[str, float | None]) -> np.ndarray:
        return self.points(X).sum(axis=1)

    def grade(self, pd_value: float) -> str:
        return self.master_scale.grade(pd_value)

    def contributions(self, values: Mapping[str, float | None]) -> list[dict[str, Any]]:
        """One applicant: per feature its bin, points, the best points seen in training, and the gap."""
        idx = self.bin_indices(values)[0]
        cells = self.cell_indices(values)[0]
        out = []
        for j, name in enumerate(self.features):
            spec = self._vars[name]
            bin_ = spec.missing if idx[j] == len(spec.bins) else spec.bins[idx[j]]
            points = float(self._points[j][idx[j]])
            best = max(self._best[j], points)
            out.append(
                {"feature": name, "value": values[name], "bin": bin_.label, "points": points,
                 "max_points": best, "points_below_max": best - points}
            )
        for j, pair in enumerate(self.pairs):  # the value shown is x's; the cell's label names both ranges
            cell = pair.missing if cells[j] == len(pair.cells) else pair.cells[cells[j]]
            best = max(self._best[len(self.features) + j], cell.points)
            out.append(
                {"feature": pair.name, "value": values[pair.x], "bin": cell.label, "points": cell.points,
                 "max_points": best, "points_below_max": best - cell.points}
            )
        return out


def load_model(path: Path) -> ScorecardModel:
    """Read model.json (or a directory holding it), validate it and check its version hash."""
    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise NotFoundError(f"model artifact {path}: no such file")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"model artifact {path.name}: expected JSON; {exc}") from exc
    if not isinstance(payload, dict) or payload.get("artifact_version") != ARTIFACT_VERSION:
        got = payload.get("artifact_version") if isinstance(payload, dict) else type(payload).__name__
        raise InputError(f"model artifact {path.name}: expected artifact_version {ARTIFACT_VERSION!r}; got {got!r}")
    try:
        artifact = ModelArtifact.model_validate(payload)
    except ValidationError as exc:
        raise InputError(f"model artifact {path.name}: {first_error(exc)}") from exc
    expected = content_version(payload)
    if artifact.model_version != expected:
        raise InputError(
            f"model artifact {path.name}: model_version {artifact.model_version!r} does not match its"
            f" content ({expected!r}); the file was edited after training"
        )
    if not all(math.isfinite(v.coefficient) for v in [*artifact.variables, *artifact.pairs]):
        raise InputError(f"model artifact {path.name}: expected finite coefficients")
    return ScorecardModel(artifact)

"""The reference model: a WoE-binned logistic scorecard with monotonic bins (optbinning).

Binning is optbinning's: BinningProcess bins every feature under a monotonic event-rate
constraint and an IV floor, and OptimalBinning2D bins a few pairs of strong features into
rectangles (a 2-D table of points, for an interaction one-feature bins cannot show). sklearn's
LogisticRegression weighs the WoE columns and points follow optbinning's PDO/odds scaling. Our steps:

* pairs: the `max_pairs` pairs of the `pair_candidates` strongest features with the highest 2-D
  IV are candidates; how many join (0 to `max_pairs`) and the L2 strength are chosen together by
  inner CV on the fit's own training rows, with every bin refitted inside each inner fold;
* a sign check: a WoE coefficient must be <= 0 (optbinning's WoE is high for low-risk bins), so
  with monotone bins the PD is monotone in every feature; a feature whose coefficient flips
  through collinearity is dropped and the regression refitted, and the drop is recorded;
* Platt calibration on out-of-fold log-odds (as sklearn's CalibratedClassifierCV with
  ensemble=False). Platt, not isotonic: it is strictly increasing, so grades keep the score's
  order and a worse feature never gets the same PD; two parameters stay stable with few
  defaults; and a scorecard's log-odds are linear in points, which is Platt's form.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from eprof.kernel.errors import ConfigError, InputError
from eprof.risk.artifact import (
    BinSpec,
    Calibration,
    CellSpec,
    DroppedFeature,
    ModelArtifact,
    PairSpec,
    Scaling,
    TrainingData,
    VariableSpec,
    content_version,
)
from eprof.risk.features import check_features, check_labels
from eprof.risk.policy import GradeBand, MasterScale
from eprof.risk.schema import FEATURE_SCHEMA_VERSION

# optbinning imports cvxpy, which logs a warning for each optional solver that fails to import
# (cvxpy resets its logger's level on import, so a filter it is). The scorecard uses optbinning's
# default CP solver (ortools); those lines are noise for our users.
logging.getLogger("__cvxpy__").addFilter(lambda record: "importing solver" not in record.getMessage())
from optbinning import BinningProcess, OptimalBinning2D  # noqa: E402

TRENDS = ("auto_asc_desc", "ascending", "descending", "auto_heuristic", "peak", "valley")
LIBRARIES = ("optbinning", "scikit-learn", "numpy", "pandas", "lightgbm")


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), **{name: version(name) for name in LIBRARIES}}


PAIR_SEP = " × "
"""Joins the two feature names of a 2-D variable ("Attr27 × Attr13")."""


@dataclass(frozen=True)
class _Pair:
    """A 2-D variable: rectangles of (x, y) values with one WoE each; missing x or y = its missing bin."""

    x: str
    y: str
    binning: OptimalBinning2D

    @property
    def name(self) -> str:
        return f"{self.x}{PAIR_SEP}{self.y}"

    def woe(self, X: pd.DataFrame) -> np.ndarray:
        return self.binning.transform(X[self.x].to_numpy(), X[self.y].to_numpy(), metric="woe",
                                      metric_missing="empirical")


@dataclass(frozen=True)
class _Fit:
    """One fitted scorecard: the kept features' bins, the kept pairs' bins, the regression on their WoE."""

    binning: BinningProcess
    features: list[str]
    pairs: list[_Pair]
    estimator: LogisticRegression

    @property
    def terms(self) -> list[str]:
        return [*self.features, *(p.name for p in self.pairs)]

    def woe(self, X: pd.DataFrame) -> pd.DataFrame:
        return _woe(self.binning, self.features, self.pairs, X)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.decision_function(self.woe(X)[self.terms])


def _woe(binning: BinningProcess, features: Sequence[str], pairs: Sequence[_Pair], X: pd.DataFrame) -> pd.DataFrame:
    """WoE columns: one per feature (optbinning's transform, empirical missing bin) and one per pair."""
    out = pd.DataFrame(
        {n: binning.get_binned_variable(n).transform(X[n].to_numpy(), metric="woe", metric_missing="empirical")
         for n in features}, index=X.index)
    for pair in pairs:
        out[pair.name] = pair.woe(X)
    return out


class WoEScorecard(ClassifierMixin, BaseEstimator):
    """Monotonic WoE scorecard with PDO/odds points and Platt-calibrated PD.

    Parameters
    ----------
    monotonic_trends : mapping or None (default=None)
        Feature -> "ascending" / "descending" (event rate as the feature grows); features not
        listed use `default_trend`.
    default_trend : str (default="auto_asc_desc")
        optbinning picks the better of ascending and descending from data.
    min_iv : float (default=0.02)
        Features below this information value are dropped ("not predictive" by convention).
    max_n_prebins, min_prebin_size, max_n_bins : optbinning pre-binning and bin limits
        (defaults 20, 0.05, None).
    max_pairs : int (default=0)
        At most this many 2-D variables (pairs of features binned together by OptimalBinning2D).
    pair_candidates : int (default=5)
        Pairs are formed from this many kept features of highest IV; the `max_pairs` pairs of
        highest 2-D IV on the fit's training rows are the candidates.
    C : float (default=1.0)
        Inverse regularisation of the logistic regression, when `Cs` is None.
    Cs : sequence of float or None (default=None)
        Candidate values of C. Each fit (every calibration fold and the final model) picks C, and how
        many candidate pairs join (0 to `max_pairs`), with the best AUC in an inner stratified
        `inner_cv`-fold split of its own training rows, every bin refitted on each inner training
        part, so the rows a fold is judged on never choose them. The choices are in `C_`, `fold_C_`,
        `n_pairs_` and `fold_n_pairs_`.
    inner_cv : int (default=3)
    pdo, odds, base_points : float (defaults 20, 50, 600)
        `odds` good:bad at `base_points`; every `pdo` points double the odds.
    cv : int (default=5)
        Stratified folds for the out-of-fold log-odds that calibrate the PD.
    random_state : int (default=0)
    """

    def __init__(
        self,
        monotonic_trends: Mapping[str, str] | None = None,
        default_trend: str = "auto_asc_desc",
        min_iv: float = 0.02,
        max_n_prebins: int = 20,
        min_prebin_size: float = 0.05,
        max_n_bins: int | None = None,
        max_pairs: int = 0,
        pair_candidates: int = 5,
        C: float = 1.0,
        Cs: Sequence[float] | None = None,
        inner_cv: int = 3,
        pdo: float = 20.0,
        odds: float = 50.0,
        base_points: float = 600.0,
        cv: int = 5,
        random_state: int = 0,
    ):
        self.monotonic_trends = monotonic_trends
        self.default_trend = default_trend
        self.min_iv = min_iv
        self.max_n_prebins = max_n_prebins
        self.min_prebin_size = min_prebin_size
        self.max_n_bins = max_n_bins
        self.max_pairs = max_pairs
        self.pair_candidates = pair_candidates
        self.C = C
        self.Cs = Cs
        self.inner_cv = inner_cv
        self.pdo = pdo
        self.odds = odds
        self.base_points = base_points
        self.cv = cv
        self.random_state = random_state

    def _check_params(self) -> None:
        trends = dict(self.monotonic_trends or {})
        for name, trend in [("default_trend", self.default_trend), *trends.items()]:
            if trend not in TRENDS:
                raise ConfigError(f"monotonic trend for {name} must be one of {TRENDS}; got {trend!r}")
        Cs = [] if self.Cs is None else list(self.Cs)
        for name, value in (("pdo", self.pdo), ("odds", self.odds), ("base_points", self.base_points), ("C", self.C),
                            *(("Cs", c) for c in Cs)):
            if not value > 0:
                raise ConfigError(f"{name} must be > 0; got {value}")
        if self.Cs is not None and not Cs:
            raise ConfigError("Cs must hold at least one value or be None; got an empty sequence")
        if not (isinstance(self.inner_cv, int) and self.inner_cv >= 2):
            raise ConfigError(f"inner_cv must be an integer >= 2; got {self.inner_cv!r}")
        if not 0 <= self.min_iv < 1:
            raise ConfigError(f"min_iv must be in [0, 1); got {self.min_iv}")
        if not (isinstance(self.cv, int) and self.cv >= 2):
            raise ConfigError(f"cv must be an integer >= 2; got {self.cv!r}")
        if self.max_n_bins is not None and self.max_n_bins < 2:
            raise ConfigError(f"max_n_bins must be >= 2 or None; got {self.max_n_bins}")
        if not (isinstance(self.max_pairs, int) and self.max_pairs >= 0):
            raise ConfigError(f"max_pairs must be an integer >= 0; got {self.max_pairs!r}")
        if not (isinstance(self.pair_candidates, int) and self.pair_candidates >= 2):
            raise ConfigError(f"pair_candidates must be an integer >= 2; got {self.pair_candidates!r}")

    def _trend(self, name: str) -> str:
        return (self.monotonic_trends or {}).get(name, self.default_trend)

    def _binning_process(self, names: list[str], select: bool) -> BinningProcess:
        # min_bin_n_event/nonevent = 1: no pure bins, whose WoE would be infinite.
        fit_params = {
            n: {"monotonic_trend": self._trend(n), "min_bin_n_event": 1, "min_bin_n_nonevent": 1} for n in names
        }
        return BinningProcess(
            names,
            max_n_prebins=self.max_n_prebins,
            min_prebin_size=self.min_prebin_size,
            max_n_bins=self.max_n_bins,
            selection_criteria={"iv": {"min": self.min_iv}} if select else None,
            binning_fit_params=fit_params,
        )

    @staticmethod
    def _fit_pair(X: pd.DataFrame, y: np.ndarray, x: str, y_name: str) -> _Pair:
        # optbinning's default 5 x 5 CART pre-bins; no pure cell, whose WoE would be infinite.
        binning = OptimalBinning2D(name_x=x, name_y=y_name, min_bin_n_event=1, min_bin_n_nonevent=1)
        binning.fit(X[x].to_numpy(), X[y_name].to_numpy(), y)
        binning.binning_table.build()  # its IV ranks the candidates
        return _Pair(x, y_name, binning)

    def _pair_candidates(self, X: pd.DataFrame, y: np.ndarray, kept: list[str], iv: pd.Series) -> list[_Pair]:
        """The `max_pairs` pairs of the strongest kept features with the highest 2-D IV on these rows."""
        if not self.max_pairs:
            return []
        strongest = sorted(kept, key=lambda n: -float(iv[n]))[: self.pair_candidates]
        pairs = [self._fit_pair(X, y, a, b) for a, b in combinations(strongest, 2)]
        return sorted(pairs, key=lambda p: -float(p.binning.binning_table.iv))[: self.max_pairs]

    def _choose(self, X: pd.DataFrame, y: np.ndarray, kept: list[str], pairs: list[_Pair]) -> tuple[int, float]:
        """(number of candidate pairs, C) with the best inner-CV AUC on these training rows only, every
        bin refitted on each inner training part; `C` and no pair when there is nothing to choose."""
        Cs = [self.C] if self.Cs is None else list(self.Cs)
        if len(Cs) == 1 and not pairs:
            return 0, float(Cs[0])
        folds = StratifiedKFold(self.inner_cv, shuffle=True, random_state=self.random_state).split(X, y)
        scores = np.zeros((len(pairs) + 1, len(Cs)))
        for train_idx, test_idx in folds:
            X_in, y_in, X_out = X.iloc[train_idx], y[train_idx], X.iloc[test_idx]
            binning = self._binning_process(kept, select=False).fit(X_in[kept], y_in)
            refit = [self._fit_pair(X_in, y_in, p.x, p.y) for p in pairs]
            woe_in, woe_out = _woe(binning, kept, refit, X_in), _woe(binning, kept, refit, X_out)
            for m in range(len(pairs) + 1):
                cols = [*kept, *(p.name for p in refit[:m])]
                for i, c in enumerate(Cs):
                    lr = LogisticRegression(C=c, max_iter=1000).fit(woe_in[cols], y_in)
                    scores[m, i] += roc_auc_score(y[test_idx], lr.decision_function(woe_out[cols]))
        m, i = np.unravel_index(int(np.argmax(scores)), scores.shape)  # ties: fewer pairs, then the first C
        return int(m), float(Cs[i])

    def _fit_one(self, X: pd.DataFrame, y: np.ndarray) -> tuple[_Fit, list[DroppedFeature], float, int]:
        """Select features (IV floor), choose C and the pairs, drop wrong-signed coefficients, then
        fit the logistic regression on the kept WoE columns."""
        names = [str(n) for n in X.columns]
        bp = self._binning_process(names, select=True).fit(X, y)
        iv = bp.summary().set_index("name")["iv"].astype(float)
        kept = [str(n) for n in bp.get_support(names=True)]
        dropped = [
            DroppedFeature(name=n, reason=f"IV {float(iv[n]):.4f} < min_iv {self.min_iv}")
            for n in names
            if n not in kept
        ]
        candidates = self._pair_candidates(X, y, kept, iv)
        n_pairs, C = self._choose(X, y, kept, candidates) if kept else (0, self.C)
        pairs = candidates[:n_pairs]
        woe = _woe(bp, kept, pairs, X)
        terms = list(woe.columns)
        while terms:
            coef = LogisticRegression(C=C, max_iter=1000).fit(woe[terms], y).coef_.ravel()
            worst = int(np.argmax(coef))
            if coef[worst] <= 0:
                break
            dropped.append(
                DroppedFeature(
                    name=terms[worst],
                    reason=f"coefficient {coef[worst]:+.4f} on WoE has the wrong sign"
                    " (usually collinearity with kept features)",
                )
            )
            del terms[worst]
        if not terms:
            raise InputError(f"no feature reaches min_iv {self.min_iv} with a sound coefficient; nothing to score with")
        estimator = LogisticRegression(C=C, max_iter=1000).fit(woe[terms], y)
        fit = _Fit(bp, [n for n in kept if n in terms], [p for p in pairs if p.name in terms], estimator)
        return fit, dropped, C, n_pairs

    def fit(self, X: pd.DataFrame, y: Sequence[int] | np.ndarray) -> WoEScorecard:
        if not isinstance(X, pd.DataFrame):
            raise InputError(f"X must be a pandas DataFrame with named feature columns; got {type(X).__name__}")
        self._check_params()
        X = check_features(X.reset_index(drop=True))
        y = check_labels(y)
        if len(y) != len(X):
            raise InputError(f"X and y must have the same number of rows; got {len(X)} and {len(y)}")
        if min(np.bincount(y)) < self.cv:
            raise InputError(f"each class needs at least cv={self.cv} rows; got counts {np.bincount(y).tolist()}")

        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        oof = np.empty(len(y))
        self.folds_, self.fold_C_, self.fold_n_pairs_ = [], [], []
        for train_idx, test_idx in folds.split(X, y):
            fitted, _, C, n_pairs = self._fit_one(X.iloc[train_idx], y[train_idx])
            oof[test_idx] = fitted.decision_function(X.iloc[test_idx])
            self.folds_.append(test_idx)
            self.fold_C_.append(C)
            self.fold_n_pairs_.append(n_pairs)
        self.oof_logit_ = oof
        platt = LogisticRegression(C=np.inf).fit(oof[:, None], y)  # unpenalised
        self.calibration_ = Calibration(
            slope=float(platt.coef_[0, 0]), intercept=float(platt.intercept_[0]), folds=self.cv
        )
        self.fitted_, self.dropped_, self.C_, self.n_pairs_ = self._fit_one(X, y)
        self.features_ = self.fitted_.features
        self.pairs_ = [p.name for p in self.fitted_.pairs]
        self.estimator_ = self.fitted_.estimator
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.classes_ = np.array([0, 1])
        self.training_ = (len(y), int(y.sum()))
        return self

    def _X(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "fitted_")
        needed = list(dict.fromkeys([*self.features_, *(c for p in self.fitted_.pairs for c in (p.x, p.y))]))
        absent = [f for f in needed if f not in X.columns]
        if absent:
            raise InputError(f"scoring input: the model needs columns {absent}; got {list(X.columns)}")
        return X[needed].astype(float)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated log-odds of default from the fitted logistic regression."""
        X = self._X(X)
        return self.fitted_.decision_function(X)

    def predict_pd(self, X: pd.DataFrame) -> np.ndarray:
        logit = self.decision_function(X)
        z = self.calibration_.slope * logit + self.calibration_.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        pd_ = self.predict_pd(X)
        return np.column_stack([1.0 - pd_, pd_])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_pd(X) >= 0.5).astype(int)

    def _scaling(self) -> Scaling:
        factor = self.pdo / np.log(2)
        return Scaling(pdo=self.pdo, odds=self.odds, base_points=self.base_points, factor=float(factor),
                       offset=float(self.base_points - factor * np.log(self.odds)))

    def score(self, X: pd.DataFrame) -> np.ndarray:  # type: ignore[override]  # scorecard points, as optbinning
        """Scorecard points (optbinning's pdo_odds scaling: offset - factor * log-odds); higher is better."""
        scaling = self._scaling()
        return scaling.offset - scaling.factor * self.decision_function(X)

    def to_artifact(self, *, master_scale: Sequence[GradeBand], label: str, data_sha256: str) -> ModelArtifact:
        """Everything needed to review and re-score the model, as a JSON-ready contract."""
        check_is_fitted(self, "fitted_")
        MasterScale(bands=list(master_scale))
        fit = self.fitted_
        scaling = self._scaling()
        coefs = dict(zip(fit.terms, fit.estimator.coef_.ravel(), strict=True))
        intercept = float(fit.estimator.intercept_[0])
        n_terms = len(fit.terms)

        def points(coef: float, woe: float) -> float:
            # optbinning's pdo_odds: each term carries 1/n of the intercept and of the offset.
            return float(-(coef * woe + intercept / n_terms) * scaling.factor + scaling.offset / n_terms)

        variables = []
        for name in fit.features:
            optb = fit.binning.get_binned_variable(name)
            splits = [float(s) for s in optb.splits]
            # WoE exactly as the library's transform assigns it: one representative per bin.
            woe = optb.transform(np.array([-np.inf, *splits, np.nan]), metric="woe", metric_missing="empirical")
            rows = optb.binning_table.build(add_totals=False)  # bins, Special, Missing
            bounds = [None, *splits, None]
            rates = rows["Event rate"].iloc[: len(splits) + 1].to_numpy(dtype=float)
            direction = "flat" if len(rates) < 2 else "ascending" if rates[-1] > rates[0] else "descending"
            c = float(coefs[name])
            variables.append(
                VariableSpec(
                    name=name,
                    monotonic_trend=self._trend(name),
                    direction=direction,
                    splits=splits,
                    bins=[_bin_spec(rows.iloc[i], bounds[i], bounds[i + 1], woe[i], points(c, woe[i]))
                          for i in range(len(splits) + 1)],
                    missing=_bin_spec(rows.iloc[-1], None, None, woe[-1], points(c, woe[-1])),
                    iv=float(rows["IV"].sum()),
                    coefficient=c,
                )
            )
        pairs = []
        for pair in fit.pairs:
            rows = pair.binning.binning_table.build(add_totals=False)  # cells, Special, Missing
            splits_x, splits_y = pair.binning.splits
            n_cells = len(splits_x)
            woe = rows["WoE"].to_numpy(dtype=float)
            c = float(coefs[pair.name])
            cells = [
                CellSpec(
                    label=f"{pair.x} {rows['Bin x'].iloc[i]}, {pair.y} {rows['Bin y'].iloc[i]}",
                    x_lower=_finite(splits_x[i][0]), x_upper=_finite(splits_x[i][1]),
                    y_lower=_finite(splits_y[i][0]), y_upper=_finite(splits_y[i][1]),
                    count=int(rows["Count"].iloc[i]), n_event=int(rows["Event"].iloc[i]),
                    event_rate=float(rows["Event rate"].iloc[i]), woe=float(woe[i]), points=points(c, woe[i]),
                )
                for i in range(n_cells)
            ]
            missing = _bin_spec(rows.iloc[-1], None, None, woe[-1], points(c, woe[-1]))
            pairs.append(PairSpec(name=pair.name, x=pair.x, y=pair.y, cells=cells, missing=missing,
                                  iv=float(rows["IV"].sum()), coefficient=c))
        n, n_events = self.training_
        payload = {
            "model_version": "",
            "feature_schema_version": FEATURE_SCHEMA_VERSION,
            "features": list(self.features_),
            "variables": variables,
            "pairs": pairs,
            "intercept": intercept,
            "scaling": scaling,
            "calibration": self.calibration_,
            "master_scale": list(master_scale),
            "dropped": self.dropped_,
            "training": TrainingData(
                sha256=data_sha256, label=label, n=n, n_events=n_events, default_rate=n_events / n
            ),
            "params": _jsonable(self.get_params()),
            "libraries": library_versions(),
        }
        draft = ModelArtifact.model_validate(payload)
        body = draft.model_dump(mode="json")
        return draft.model_copy(update={"model_version": content_version(body)})


def _bin_spec(row: pd.Series, lower: float | None, upper: float | None, woe: float, points: float) -> BinSpec:
    label = row["Bin"] if "Bin" in row.index else row["Bin x"]
    return BinSpec(
        label=str(label), lower=lower, upper=upper, count=int(row["Count"]), n_event=int(row["Event"]),
        event_rate=float(row["Event rate"]), woe=float(woe), points=points,
    )


def _finite(bound: float) -> float | None:
    """A cell bound for JSON: +-inf (an open side) as None."""
    return float(bound) if np.isfinite(bound) else None


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, tuple) else v for k, v in params.items()}

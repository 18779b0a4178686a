"""The reference model: a WoE-binned logistic scorecard with monotonic bins (optbinning).

Fitting is optbinning's: BinningProcess bins every feature under a monotonic event-rate
constraint and an IV floor, sklearn's LogisticRegression weighs the WoE, and optbinning's
Scorecard scales points by PDO/odds. Two steps are ours:

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
    DroppedFeature,
    ModelArtifact,
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
from optbinning import BinningProcess, Scorecard  # noqa: E402

TRENDS = ("auto_asc_desc", "ascending", "descending", "auto_heuristic", "peak", "valley")
LIBRARIES = ("optbinning", "scikit-learn", "numpy", "pandas", "lightgbm")


def library_versions() -> dict[str, str]:
    return {"python": platform.python_version(), **{name: version(name) for name in LIBRARIES}}


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
    C : float (default=1.0)
        Inverse regularisation of the logistic regression, when `Cs` is None.
    Cs : sequence of float or None (default=None)
        Candidate values of C. Each fit (every calibration fold and the final model) picks the one
        with the best AUC in an inner stratified `inner_cv`-fold split of its own training rows, so
        the rows a fold is judged on never choose its C. The chosen values are in `C_` and `fold_C_`.
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

    def _choose_C(self, woe: pd.DataFrame, y: np.ndarray) -> float:
        """`C`, or the candidate of `Cs` with the best inner-CV AUC on these training rows only."""
        if self.Cs is None or len(self.Cs) == 1:
            return float(self.C if self.Cs is None else self.Cs[0])
        folds = StratifiedKFold(self.inner_cv, shuffle=True, random_state=self.random_state).split(woe, y)
        scores = np.zeros(len(self.Cs))
        for train_idx, test_idx in folds:
            for i, c in enumerate(self.Cs):
                lr = LogisticRegression(C=c, max_iter=1000).fit(woe.iloc[train_idx], y[train_idx])
                scores[i] += roc_auc_score(y[test_idx], lr.decision_function(woe.iloc[test_idx]))
        return float(self.Cs[int(np.argmax(scores))])

    def _fit_one(self, X: pd.DataFrame, y: np.ndarray) -> tuple[Scorecard, list[str], list[DroppedFeature], float]:
        """Select features (IV floor), choose C, drop wrong-signed coefficients, then fit optbinning's
        Scorecard on the kept features."""
        names = [str(n) for n in X.columns]
        bp = self._binning_process(names, select=True).fit(X, y)
        summary = bp.summary().set_index("name")
        kept = [str(n) for n in bp.get_support(names=True)]
        dropped = [
            DroppedFeature(name=n, reason=f"IV {float(summary.loc[n, 'iv']):.4f} < min_iv {self.min_iv}")
            for n in names
            if n not in kept
        ]
        woe = bp.transform(X, metric="woe", metric_missing="empirical")
        C = self._choose_C(woe[kept], y) if kept else self.C
        while kept:
            coef = LogisticRegression(C=C, max_iter=1000).fit(woe[kept], y).coef_.ravel()
            worst = int(np.argmax(coef))
            if coef[worst] <= 0:
                break
            dropped.append(
                DroppedFeature(
                    name=kept[worst],
                    reason=f"coefficient {coef[worst]:+.4f} on WoE has the wrong sign"
                    " (usually collinearity with kept features)",
                )
            )
            del kept[worst]
        if not kept:
            raise InputError(f"no feature reaches min_iv {self.min_iv} with a sound coefficient; nothing to score with")
        scorecard = Scorecard(
            binning_process=self._binning_process(kept, select=False),
            estimator=LogisticRegression(C=C, max_iter=1000),
            scaling_method="pdo_odds",
            scaling_method_params={"pdo": self.pdo, "odds": self.odds, "scorecard_points": self.base_points},
        )
        scorecard.fit(X[kept], y, metric_missing="empirical")
        return scorecard, kept, dropped, C

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
        self.folds_, self.fold_C_ = [], []
        for train_idx, test_idx in folds.split(X, y):
            scorecard, kept, _, C = self._fit_one(X.iloc[train_idx], y[train_idx])
            oof[test_idx] = scorecard.decision_function(X.iloc[test_idx][kept])
            self.folds_.append(test_idx)
            self.fold_C_.append(C)
        self.oof_logit_ = oof
        platt = LogisticRegression(C=np.inf).fit(oof[:, None], y)  # unpenalised
        self.calibration_ = Calibration(
            slope=float(platt.coef_[0, 0]), intercept=float(platt.intercept_[0]), folds=self.cv
        )
        self.scorecard_, self.features_, self.dropped_, self.C_ = self._fit_one(X, y)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.classes_ = np.array([0, 1])
        self.training_ = (len(y), int(y.sum()))
        return self

    def _X(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "scorecard_")
        absent = [f for f in self.features_ if f not in X.columns]
        if absent:
            raise InputError(f"scoring input: the model needs columns {absent}; got {list(X.columns)}")
        return X[self.features_].astype(float)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Uncalibrated log-odds of default from the fitted logistic regression."""
        X = self._X(X)
        return self.scorecard_.decision_function(X)

    def predict_pd(self, X: pd.DataFrame) -> np.ndarray:
        logit = self.decision_function(X)
        z = self.calibration_.slope * logit + self.calibration_.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        pd_ = self.predict_pd(X)
        return np.column_stack([1.0 - pd_, pd_])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_pd(X) >= 0.5).astype(int)

    def score(self, X: pd.DataFrame) -> np.ndarray:  # type: ignore[override]  # scorecard points, as optbinning
        """Scorecard points (optbinning's Scorecard.score); higher is better."""
        X = self._X(X)
        return self.scorecard_.score(X)

    def table(self) -> pd.DataFrame:
        """optbinning's detailed scorecard table: bins, counts, event rate, WoE, IV, points."""
        check_is_fitted(self, "scorecard_")
        return self.scorecard_.table(style="detailed")

    def to_artifact(self, *, master_scale: Sequence[GradeBand], label: str, data_sha256: str) -> ModelArtifact:
        """Everything needed to review and re-score the model, as a JSON-ready contract."""
        check_is_fitted(self, "scorecard_")
        MasterScale(bands=list(master_scale))
        table = self.table()
        bp = self.scorecard_.binning_process_
        coefs = self.scorecard_.estimator_.coef_.ravel()
        variables = []
        for j, name in enumerate(self.features_):
            optb = bp.get_binned_variable(name)
            splits = [float(s) for s in optb.splits]
            # WoE exactly as the library's transform assigns it: one representative per bin.
            probe = np.array([-np.inf, *splits, np.nan])
            woe = optb.transform(probe, metric="woe", metric_missing="empirical")
            rows = table[table["Variable"] == name].reset_index(drop=True)  # bins, Special, Missing
            bounds = [None, *splits, None]
            rates = rows["Event rate"].iloc[: len(splits) + 1].to_numpy(dtype=float)
            direction = "flat" if len(rates) < 2 else "ascending" if rates[-1] > rates[0] else "descending"
            variables.append(
                VariableSpec(
                    name=name,
                    monotonic_trend=self._trend(name),
                    direction=direction,
                    splits=splits,
                    bins=[_bin_spec(rows.iloc[i], bounds[i], bounds[i + 1], woe[i]) for i in range(len(splits) + 1)],
                    missing=_bin_spec(rows.iloc[-1], None, None, woe[-1]),
                    iv=float(rows["IV"].sum()),
                    coefficient=float(coefs[j]),
                )
            )
        factor = self.pdo / np.log(2)
        n, n_events = self.training_
        payload = {
            "model_version": "",
            "feature_schema_version": FEATURE_SCHEMA_VERSION,
            "features": list(self.features_),
            "variables": variables,
            "intercept": float(self.scorecard_.estimator_.intercept_[0]),
            "scaling": Scaling(
                pdo=self.pdo, odds=self.odds, base_points=self.base_points,
                factor=float(factor), offset=float(self.base_points - factor * np.log(self.odds)),
            ),
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


def _bin_spec(row: pd.Series, lower: float | None, upper: float | None, woe: float) -> BinSpec:
    return BinSpec(
        label=str(row["Bin"]), lower=lower, upper=upper, count=int(row["Count"]), n_event=int(row["Event"]),
        event_rate=float(row["Event rate"]), woe=float(woe), points=float(row["Points"]),
    )


def _jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, tuple) else v for k, v in params.items()}

"""The challenger: gradient boosting on the same rows, to show what the monotone scorecard gives up.

LightGBM saves to its own text format (`Booster.save_model`), which loads without executing code.
"""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from eprof.kernel.files import atomic_write_text

CHALLENGER_PARAMS: dict[str, object] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "n_jobs": 2,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
"""Fixed, moderate settings: a fair challenger, not a tuned one (no test-fold tuning)."""


def make_challenger(random_state: int = 0) -> lgb.LGBMClassifier:
    return lgb.LGBMClassifier(**CHALLENGER_PARAMS, random_state=random_state)


def challenger_oof(
    X: pd.DataFrame, y: np.ndarray, cv: int, random_state: int = 0
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Out-of-fold PDs on the same stratified folds the scorecard uses (same cv and seed)."""
    oof = np.empty(len(y))
    folds = []
    for train_idx, test_idx in StratifiedKFold(cv, shuffle=True, random_state=random_state).split(X, y):
        model = make_challenger(random_state).fit(X.iloc[train_idx], y[train_idx])
        oof[test_idx] = model.predict_proba(X.iloc[test_idx])[:, 1]
        folds.append(test_idx)
    return oof, folds


def save_challenger(model: lgb.LGBMClassifier, path: Path) -> Path:
    """The booster in LightGBM's text format (what `save_model` writes), written atomically."""
    atomic_write_text(path, model.booster_.model_to_string())
    return path

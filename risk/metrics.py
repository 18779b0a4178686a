"""Discrimination and calibration figures reported for every model (AUC, KS, Gini, Brier)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve


def binary_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUC, KS (max TPR - FPR), Gini (2 AUC - 1) and Brier score of PDs `p` against 0/1 `y`."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    fpr, tpr, _ = roc_curve(y, p)
    auc = float(roc_auc_score(y, p))
    return {
        "n": int(len(y)),
        "n_events": int(y.sum()),
        "auc": auc,
        "ks": float(np.max(tpr - fpr)),
        "gini": 2.0 * auc - 1.0,
        "brier": float(brier_score_loss(y, np.clip(p, 0.0, 1.0))),
    }


def fold_summary(y: np.ndarray, p: np.ndarray, folds: list[np.ndarray]) -> dict[str, dict[str, float]]:
    """Mean and standard deviation over folds of each metric, from out-of-fold predictions."""
    per_fold = pd.DataFrame([binary_metrics(y[idx], p[idx]) for idx in folds])
    return {
        m: {"mean": float(per_fold[m].mean()), "std": float(per_fold[m].std(ddof=1))}
        for m in ("auc", "ks", "gini", "brier")
    }


def calibration_table(y: np.ndarray, p: np.ndarray, n_groups: int = 10) -> list[dict[str, float]]:
    """PD deciles (equal-count groups by predicted PD): mean predicted PD vs observed default rate."""
    order = np.argsort(np.asarray(p), kind="stable")
    rows = []
    for i, idx in enumerate(np.array_split(order, n_groups), start=1):
        if len(idx) == 0:
            continue
        rows.append(
            {
                "group": i,
                "n": int(len(idx)),
                "pd_min": float(p[idx].min()),
                "pd_max": float(p[idx].max()),
                "mean_pd": float(p[idx].mean()),
                "default_rate": float(np.mean(y[idx])),
                "defaults": int(np.sum(y[idx])),
            }
        )
    return rows

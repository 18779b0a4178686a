"""Train the scorecard and its challengers, and write the artifact plus a model card.

Output folder: model.json (the scorecard, reviewable JSON), challenger.txt and glassbox.txt
(LightGBM's text format), model_card.json and model_card.md (the same figures, for machines and for people).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from eprof.kernel.files import atomic_write_text
from eprof.risk.artifact import CHALLENGER_FILE, ModelArtifact, ScorecardModel, save_artifact
from eprof.risk.challenger import CHALLENGER_PARAMS, challenger_oof, make_challenger, save_challenger
from eprof.risk.features import EXPECTED_TRENDS, read_training_table
from eprof.risk.glassbox import GLASSBOX_FILE, GLASSBOX_PARAMS, glassbox_oof, make_glassbox, monotone_constraints, save_glassbox
from eprof.risk.metrics import binary_metrics, calibration_table, fold_summary
from eprof.risk.policy import Policy
from eprof.risk.scorecard import WoEScorecard

SCORECARD_PARAMS: dict[str, Any] = {
    "default_trend": "auto_heuristic",
    "min_prebin_size": 0.01,
    "max_n_prebins": 50,
    "max_pairs": 3,
    "pair_candidates": 5,
    "Cs": (0.01, 0.05, 0.2, 1.0),
}
"""The scorecard's settings wherever eprof trains one (`eprof risk train`, the shipped model, the
Polish benchmark). Pre-bins of 1% of the rows (50 at most) so that a default rate of a few percent
still gets bins of its own before optbinning merges them under the trend; features without an
expected trend may take a peak or valley (one bin per range, still read as points per bin); up to
three 2-D variables (optbinning's OptimalBinning2D: a table of points over two of the five
strongest features, for an interaction one-feature bins miss); the L2 strength and how many of the
three pairs join (none included) are chosen together by inner CV on each fit's own training rows,
with every bin refitted in each inner fold, never on scored rows. The limits (3 pairs of the top 5)
were fixed after a non-nested look at 1, 2 and 3 pairs on the Polish 1year folds (README), before the
nested runs; the inner CV picks how many, and picks none where pairs do not help."""

RETRAIN_NOTICE = (
    "This model was fitted on the data named above. A bank must retrain, validate and calibrate it"
    " on its own book (and its own default definition) before using it for credit decisions."
)


@dataclass(frozen=True)
class TrainedModels:
    scorecard: WoEScorecard
    artifact: ModelArtifact
    challenger: lgb.LGBMClassifier
    glassbox: lgb.LGBMClassifier
    card: dict[str, Any]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def fit_scorecard(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    cv: int = 5,
    random_state: int = 0,
    monotonic_trends: Mapping[str, str] | None = None,
    scorecard_params: Mapping[str, Any] | None = None,
) -> WoEScorecard:
    """The scorecard exactly as `train` fits it (SCORECARD_PARAMS plus any override), alone."""
    params = {**SCORECARD_PARAMS, **(scorecard_params or {})}
    return WoEScorecard(monotonic_trends=monotonic_trends, cv=cv, random_state=random_state, **params).fit(X, y)


def scorecard_cv(scorecard: WoEScorecard, y: np.ndarray) -> dict[str, Any]:
    """Per-fold and pooled figures of the scorecard's calibrated out-of-fold PDs."""
    cal = scorecard.calibration_
    oof_pd = _sigmoid(cal.slope * scorecard.oof_logit_ + cal.intercept)
    return {"folds": scorecard.cv, "per_fold": fold_summary(y, oof_pd, scorecard.folds_), "pooled": binary_metrics(y, oof_pd)}


def train(
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    label: str,
    data_sha256: str,
    policy: Policy,
    cv: int = 5,
    random_state: int = 0,
    monotonic_trends: Mapping[str, str] | None = None,
    scorecard_params: Mapping[str, Any] | None = None,
) -> TrainedModels:
    """Fit the scorecard, the challenger and the glass-box challenger on (X, y), with stratified
    k-fold figures on the same folds for each."""
    X = X.reset_index(drop=True)
    scorecard = fit_scorecard(X, y, cv=cv, random_state=random_state, monotonic_trends=monotonic_trends,
                              scorecard_params=scorecard_params)
    artifact = scorecard.to_artifact(master_scale=policy.master_scale, label=label, data_sha256=data_sha256)
    challenger = make_challenger(random_state).fit(X, y)
    ch_oof, _ = challenger_oof(X, y, cv, random_state)
    glassbox = make_glassbox(list(X.columns), monotonic_trends, random_state).fit(X, y)
    gb_oof = glassbox_oof(X, y, cv, random_state, monotonic_trends)

    cal = scorecard.calibration_
    sc_oof_pd = _sigmoid(cal.slope * scorecard.oof_logit_ + cal.intercept)
    folds = scorecard.folds_
    model = ScorecardModel(artifact)
    pd_in = model.predict_pd(X)
    grades = pd.Series([model.grade(p) for p in pd_in]).value_counts()
    card = {
        "model_version": artifact.model_version,
        "training": artifact.training.model_dump(),
        "libraries": artifact.libraries,
        "notice": RETRAIN_NOTICE,
        "scorecard": {
            "params": artifact.params,
            "scaling": artifact.scaling.model_dump(),
            "calibration": cal.model_dump(),
            "chosen_C": {"final": scorecard.C_, "folds": scorecard.fold_C_},
            "chosen_pairs": {"final": scorecard.n_pairs_, "folds": scorecard.fold_n_pairs_, "kept": scorecard.pairs_},
            "in_sample": binary_metrics(y, pd_in),
            "cross_validation": scorecard_cv(scorecard, y),
            "calibration_table": calibration_table(y, sc_oof_pd),
        },
        "challenger": {
            "library": "lightgbm",
            "params": CHALLENGER_PARAMS,
            "cross_validation": {
                "folds": cv,
                "per_fold": fold_summary(y, ch_oof, folds),
                "pooled": binary_metrics(y, ch_oof),
            },
        },
        "glassbox": {
            "library": "lightgbm",
            "form": "depth-2 boosting: a sum of one- and two-feature terms, per-feature contributions by TreeSHAP",
            "params": GLASSBOX_PARAMS,
            "monotone_constraints": dict(zip(X.columns, monotone_constraints(list(X.columns), monotonic_trends), strict=True)),
            "cross_validation": {
                "folds": cv,
                "per_fold": fold_summary(y, gb_oof, folds),
                "pooled": binary_metrics(y, gb_oof),
            },
        },
        "features": [
            {"name": v.name, "iv": v.iv, "coefficient": v.coefficient, "n_bins": len(v.bins),
             "monotonic_trend": v.monotonic_trend, "direction": v.direction}
            for v in sorted(artifact.variables, key=lambda v: -v.iv)
        ] + [
            {"name": p.name, "iv": p.iv, "coefficient": p.coefficient, "n_bins": len(p.cells),
             "monotonic_trend": "2-D", "direction": "table"}
            for p in artifact.pairs
        ],
        "dropped": [d.model_dump() for d in artifact.dropped],
        "bins": [
            {"feature": v.name, **b.model_dump()} for v in artifact.variables for b in [*v.bins, v.missing]
        ],
        "pair_cells": [
            {"feature": p.name, **c.model_dump()} for p in artifact.pairs for c in [*p.cells, p.missing]
        ],
        "master_scale": [
            {"grade": b.grade, "pd_max": b.pd_max, "n_in_sample": int(grades.get(b.grade, 0))}
            for b in artifact.master_scale
        ],
        "flag_overlay": flag_overlay_card(policy, model.inputs),
    }
    return TrainedModels(scorecard=scorecard, artifact=artifact, challenger=challenger, glassbox=glassbox, card=card)


def flag_overlay_card(policy: Policy, features: Sequence[str]) -> list[dict[str, Any]]:
    """The policy's flag overlay as this model meets it: which listed types the model weighs itself
    (no overlay) and which it cannot (their log odds are added to its log-odds at decision time)."""
    if policy.flag_overlay is None:
        return []
    return [{"flag": t.value, "log_odds_high": v, "odds_ratio_high": math.exp(v),
             "applied": f"flag_{t.value}" not in features} for t, v in policy.flag_overlay.log_odds.items()]


def train_csv(
    data: Path,
    label: str,
    *,
    exclude: Sequence[str] = (),
    policy: Policy,
    cv: int = 5,
    random_state: int = 0,
) -> TrainedModels:
    """Train from a CSV of feature columns and a 0/1 label (what `eprof risk train` and the shipped
    models' training both do), with the expected monotonic trend of each known feature."""
    X, y, sha = read_training_table(data, label, list(exclude))
    trends = {name: t for name, t in EXPECTED_TRENDS.items() if name in X.columns}
    return train(X, y, label=label, data_sha256=sha, policy=policy, cv=cv, random_state=random_state, monotonic_trends=trends)


def write_outputs(trained: TrainedModels, out_dir: Path) -> list[Path]:
    """model.json, challenger.txt and the model cards, each written atomically (no half-written file)."""
    out_dir = Path(out_dir)
    paths = [save_artifact(trained.artifact, out_dir), save_challenger(trained.challenger, out_dir / CHALLENGER_FILE),
             save_glassbox(trained.glassbox, out_dir / GLASSBOX_FILE)]
    card_json = out_dir / "model_card.json"
    atomic_write_text(card_json, json.dumps(trained.card, indent=2, ensure_ascii=False) + "\n")
    card_md = out_dir / "model_card.md"
    atomic_write_text(card_md, render_model_card(trained.card))
    return [*paths, card_json, card_md]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def _md_table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_fmt(r.get(c)) for c in columns) + " |" for r in rows]
    return lines + [""]


def _mean_sd(stats: Mapping[str, float]) -> str:
    return f"{stats['mean']:.4f} ± {stats['std']:.4f}"


def render_model_card(card: Mapping[str, Any]) -> str:
    """The model card as Markdown, from the same dictionary written to model_card.json."""
    t = card["training"]
    sc, ch, gb = card["scorecard"], card["challenger"], card["glassbox"]
    k = sc["cross_validation"]["folds"]

    def perf_row(name: str, block: Mapping[str, Any]) -> dict[str, Any]:
        return {"model": name, **{m: _mean_sd(block["per_fold"][m]) for m in ("auc", "ks", "gini", "brier")}}

    lines = [
        f"# Model card: {card['model_version']}",
        "",
        f"> {card['notice']}",
        "",
        "## Training data",
        "",
        f"- rows: {t['n']}, defaults: {t['n_events']} (default rate {t['default_rate']:.4%}),"
        f" label column `{t['label']}`",
        f"- data hash: `{t['sha256']}`",
        "- libraries: " + ", ".join(f"{k2} {v}" for k2, v in card["libraries"].items()),
        "",
        "## Model",
        "",
        "WoE-binned logistic scorecard, monotonic bins (optbinning), PDO/odds points, Platt-calibrated PD"
        f" on {k}-fold out-of-fold log-odds. Scaling: {sc['scaling']['odds']:g}:1 good:bad odds at"
        f" {sc['scaling']['base_points']:g} points, {sc['scaling']['pdo']:g} points to double the odds."
        f" Calibration: slope {sc['calibration']['slope']:.4f}, intercept {sc['calibration']['intercept']:.4f}."
        f" L2 strength C {sc['chosen_C']['final']:g} (chosen by inner CV on the training rows; per calibration fold"
        f" {', '.join(f'{c:g}' for c in sc['chosen_C']['folds'])})."
        f" 2-D variables (pairs chosen by the same inner CV): {len(sc['chosen_pairs']['kept'])} kept"
        f" ({', '.join(sc['chosen_pairs']['kept']) or 'none'}; per calibration fold"
        f" {', '.join(str(n) for n in sc['chosen_pairs']['folds'])} joined).",
        "",
        f"## Performance (stratified {k}-fold cross-validation, mean ± sd over folds)",
        "",
        *_md_table(
            [perf_row("scorecard", sc["cross_validation"]), perf_row("glass-box (depth-2 boosting)", gb["cross_validation"]),
             perf_row("challenger (LightGBM)", ch["cross_validation"])],
            ["model", "auc", "ks", "gini", "brier"],
        ),
        "Scorecard in-sample (calibrated PD): "
        + ", ".join(f"{m} {sc['in_sample'][m]:.4f}" for m in ("auc", "ks", "gini", "brier")),
        "",
        "## Calibration (out-of-fold PD deciles)",
        "",
        *_md_table(sc["calibration_table"], ["group", "n", "mean_pd", "default_rate", "defaults"]),
        "## Features (information value)",
        "",
        *_md_table(card["features"], ["name", "iv", "coefficient", "n_bins", "monotonic_trend", "direction"]),
    ]
    if card["dropped"]:
        lines += ["### Dropped features", "", *_md_table(card["dropped"], ["name", "reason"])]
    lines += [
        "## Bins",
        "",
        *_md_table(card["bins"], ["feature", "label", "count", "n_event", "event_rate", "woe", "points"]),
    ]
    if card.get("pair_cells"):
        lines += [
            "## 2-D bins (points per cell of two features; a missing value of either takes the Missing row)",
            "",
            *_md_table(card["pair_cells"], ["feature", "label", "count", "n_event", "event_rate", "woe", "points"]),
        ]
    lines += [
        "## Master scale",
        "",
        *_md_table(card["master_scale"], ["grade", "pd_max", "n_in_sample"]),
    ]
    if card.get("flag_overlay"):
        lines += [
            "## Flag overlay (verified red flags the scorecard cannot weigh)",
            "",
            "A red-flag type on under about 5% of the training firms cannot earn a bin of its own (minimum bin"
            " size), so the scorecard drops it (IV 0) and a going-concern opinion or a bankruptcy filing would not"
            " move its PD. The policy's `[flag_overlay]` (risk/policy.toml, risk/overlay.py) adds, for each verified"
            " flag of a listed type the model does not weigh, its log odds ratio at high severity times the"
            " policy's severity factor to the calibrated log-odds; grade, thresholds and limit read the moved PD,"
            " and the decision lists each term with its flag's evidence. Verified flags only, and values >= 0,"
            " so the overlay can raise a PD and never lower it. `applied` is false for a type this model weighs"
            " itself (never counted twice).",
            "",
            *_md_table(card["flag_overlay"], ["flag", "log_odds_high", "odds_ratio_high", "applied"]),
        ]
    return "\n".join(lines)

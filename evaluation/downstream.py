"""Down to the credit decision: what each contender's profiles do to the risk model's output.

Every profile is scored twice:

- with the LLM (extractor) features: the shipped scorecard (risk/default_model) on the full
  feature row (dimension scores, red-flag and severity counts, ratios), and the policy's final
  decision (PD thresholds plus knock-outs), exactly as `eprof decide` does;
- without them: a ratios-only scorecard trained the same way on the same generated portfolio
  (evaluation/ratios_only_model, `python -m eprof.evaluation.train_default --ratios-only`), and the
  policy's PD thresholds alone (every knock-out reads an extractor feature).

Labels are scarce (the demo has 8 enterprises at a ~3% default rate), so discrimination is
measured against the data-generating process: each enterprise's true default probability p
(truth `default.probability`) is a soft label, weighing it as a default with weight p and as a
non-default with weight 1 - p. The expected AUC is the weighted share of (default, non-default)
pairs of different enterprises that the PD ranks correctly (ties count half); the expected KS is
the largest gap between the weighted PD distributions of defaults and non-defaults. The AUC on
the drawn 0/1 labels is reported too, when both classes occur.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.metrics import roc_auc_score

from eprof.agent.ratios import RATIO_NAMES
from eprof.agent.schema import OperatingProfile
from eprof.kernel.contract import Contract
from eprof.evaluation.stats import Interval, draws, statistic_interval
from eprof.evaluation.train_default import EXTRACTOR_FEATURES, RATIOS_ONLY_OUT
from eprof.risk.artifact import ScorecardModel, load_model
from eprof.risk.features import build_feature_row
from eprof.risk.monitor import Band, stability_report
from eprof.risk.policy import Policy
from eprof.risk.run import decide_profile
from eprof.risk.schema import Action

ACTIONS: tuple[Action, ...] = ("approve", "refer", "decline")


class Scored(Contract):
    """One profile through both models."""

    enterprise_id: str
    features: dict[str, float | None] = Field(description="the full feature row")
    pd_with: float
    grade_with: str
    decision_with: Action
    knockouts: list[str]
    pd_without: float
    decision_without: Action


class Discrimination(Contract):
    expected_auc: float | None
    expected_ks: float | None
    label_auc: float | None = None


class Downstream(Contract):
    n: int
    n_defaults: int = 0
    mean_true_pd: float | None = None
    with_llm: Discrimination
    without_llm: Discrimination
    lift_expected_auc: Interval
    decision_agreement: float | None = None
    decisions_with: dict[Action, int]
    decisions_without: dict[Action, int]


class FeatureShift(Contract):
    feature: str
    psi: float
    band: Band


def load_ratios_only_model() -> ScorecardModel:
    return load_model(RATIOS_ONLY_OUT / "model.json")


def score_profile(profile: OperatingProfile, model: ScorecardModel, baseline: ScorecardModel, policy: Policy) -> Scored:
    row = build_feature_row(profile.scores, profile.ratios)
    decision = decide_profile(profile, model, policy).decision
    pd_without = float(baseline.predict_pd({k: row.values[k] for k in RATIO_NAMES})[0])
    return Scored(
        enterprise_id=profile.enterprise_id,
        features=row.values,
        pd_with=decision.pd_model,
        grade_with=decision.grade,
        decision_with=decision.decision,
        knockouts=[k.rule_id for k in decision.knockouts],
        pd_without=pd_without,
        decision_without=policy.thresholds.action(pd_without),
    )


def expected_auc(pd_hat: np.ndarray, p_true: np.ndarray) -> float | None:
    """AUC under soft labels: pairs (i, j), i != j, weighted p_i (1 - p_j), ties half."""
    s, p = np.asarray(pd_hat, float), np.asarray(p_true, float)
    weight = np.outer(p, 1 - p)
    np.fill_diagonal(weight, 0.0)
    total = weight.sum()
    if total <= 0:
        return None
    order = np.sign(s[:, None] - s[None, :])
    return float((weight * (order > 0)).sum() + 0.5 * (weight * (order == 0)).sum()) / total


def expected_ks(pd_hat: np.ndarray, p_true: np.ndarray) -> float | None:
    """Largest gap between the p-weighted and (1 - p)-weighted distributions of the PD."""
    s, p = np.asarray(pd_hat, float), np.asarray(p_true, float)
    if p.sum() <= 0 or (1 - p).sum() <= 0:
        return None
    cuts = np.unique(s)
    bad = np.array([(p * (s <= c)).sum() for c in cuts]) / p.sum()
    good = np.array([((1 - p) * (s <= c)).sum() for c in cuts]) / (1 - p).sum()
    return float(np.max(np.abs(good - bad)))


def label_auc(pd_hat: np.ndarray, labels: np.ndarray) -> float | None:
    return float(roc_auc_score(labels, pd_hat)) if len(set(labels.tolist())) == 2 else None


def _discrimination(pd_hat: np.ndarray, p_true: np.ndarray, labels: np.ndarray) -> Discrimination:
    return Discrimination(expected_auc=expected_auc(pd_hat, p_true), expected_ks=expected_ks(pd_hat, p_true),
                          label_auc=label_auc(pd_hat, labels))


def _share_equal(a: Sequence[str], b: Sequence[str]) -> float | None:
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a) if a else None


def downstream(scored: Sequence[Scored], p_true: Mapping[str, float], labels: Mapping[str, int],
               resamples: int, seed: int, level: float) -> Downstream:
    """Discrimination with and without the extractor's features, the lift's interval, decisions."""
    ids = [s.enterprise_id for s in scored]
    with_, without = np.array([s.pd_with for s in scored]), np.array([s.pd_without for s in scored])
    p = np.array([p_true[i] for i in ids])
    y = np.array([labels[i] for i in ids])

    def lift(rows: np.ndarray) -> float | None:
        a, b = expected_auc(with_[rows], p[rows]), expected_auc(without[rows], p[rows])
        return None if a is None or b is None else a - b

    return Downstream(
        n=len(ids),
        n_defaults=int(y.sum()),
        mean_true_pd=float(p.mean()) if len(p) else None,
        with_llm=_discrimination(with_, p, y),
        without_llm=_discrimination(without, p, y),
        lift_expected_auc=statistic_interval(lift, len(ids), draws(len(ids), resamples, seed), level) if ids else Interval(value=None),
        decision_agreement=_share_equal([s.decision_with for s in scored], [s.decision_without for s in scored]),
        decisions_with={a: sum(s.decision_with == a for s in scored) for a in ACTIONS},
        decisions_without={a: sum(s.decision_without == a for s in scored) for a in ACTIONS},
    )


def feature_shifts(a: Sequence[Scored], b: Sequence[Scored], model: ScorecardModel) -> list[FeatureShift]:
    """PSI, B against A, of the score and of every extractor feature: on the scorecard's own bins
    for the features it uses, on A's deciles (plus missing) for those it dropped."""
    if not a or not b:
        return []
    base = pd.DataFrame([s.features for s in a], dtype=float)
    current = pd.DataFrame([s.features for s in b], dtype=float)
    rows = [r for r in stability_report(base, current, model).rows if r.kind == "score" or r.name in EXTRACTOR_FEATURES]
    unused = [f for f in EXTRACTOR_FEATURES if f not in model.features]
    if unused:
        rows += stability_report(base[unused], current[unused]).rows
    return [FeatureShift(feature=r.name, psi=r.psi, band=r.band) for r in rows]

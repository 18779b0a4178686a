"""Risk model tests: fitted on real public data (sklearn's breast cancer, the UCI Polish
bankruptcy ratios when present) with exact numbers, plus the contracts around the scorecard."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from typer.testing import CliRunner

from eprof.agent.ratios import RATIO_NAMES
from eprof.agent.schema import Evidence, RedFlag, RedFlagType, Severity
from eprof.cli import app
from eprof.kernel.errors import ConfigError, InputError
from eprof.risk.artifact import MODEL_FILE, ModelArtifact, ScorecardModel, content_version, load_model, save_artifact
from eprof.risk import challenger as challenger_module
from eprof.risk import train as train_module
from eprof.risk.challenger import make_challenger
from eprof.risk.decide import decide
from eprof.risk.features import (
    DIMENSIONS,
    EXPECTED_TRENDS,
    FEATURE_NAMES,
    build_feature_row,
    evidence_map,
    parse_profile_scores,
    rows_to_frame,
)
from eprof.risk.metrics import binary_metrics
from eprof.risk.monitor import band, psi, stability_report
from eprof.risk.policy import load_policy
from eprof.risk.schema import FeatureRow, KnockoutHit
from eprof.risk.scorecard import WoEScorecard
from eprof.risk.train import SCORECARD_PARAMS, train, write_outputs

# optbinning 1.0 still uses pandas idioms that pandas 3 deprecates; not ours to fix here.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")

POLISH = Path(__file__).parents[1].parent / "shared" / "data" / "polish-bankruptcy"
POLICY = load_policy()


# ---------------------------------------------------------------- breast cancer (real data)


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_breast_cancer()
    X = pd.DataFrame(data.data, columns=data.feature_names)
    return X[[c for c in X.columns if c.startswith("mean ")]], data.target


@pytest.fixture(scope="module")
def fitted(cancer) -> WoEScorecard:
    X, y = cancer
    return WoEScorecard(cv=3).fit(X, y)


@pytest.fixture(scope="module")
def loaded(fitted, tmp_path_factory) -> ScorecardModel:
    artifact = fitted.to_artifact(master_scale=POLICY.master_scale, label="target", data_sha256="sha256:test")
    return load_model(save_artifact(artifact, tmp_path_factory.mktemp("model")))


def test_fit_exact_numbers(fitted, cancer):
    X, y = cancer
    assert fitted.features_ == EXACT["features"]
    assert [d.name for d in fitted.dropped_] == EXACT["dropped"]
    assert fitted.estimator_.intercept_[0] == pytest.approx(EXACT["intercept"], rel=1e-6)
    assert fitted.calibration_.slope == pytest.approx(EXACT["slope"], rel=1e-6)
    assert fitted.score(X.iloc[:3]) == pytest.approx(EXACT["scores"], rel=1e-6)
    assert binary_metrics(y, fitted.predict_pd(X))["auc"] == pytest.approx(EXACT["auc"], rel=1e-6)


def test_bins_are_monotonic(loaded):
    for var in loaded.artifact.variables:
        rates = np.array([b.event_rate for b in var.bins])
        steps = np.diff(rates)
        assert (steps >= 0).all() or (steps <= 0).all(), (var.name, rates)
        assert var.coefficient <= 0, var.name  # optbinning's WoE is high where risk is low


def test_pd_increases_with_risk(loaded, cancer):
    X, _ = cancer
    base = X.iloc[0].to_dict()
    for var in loaded.artifact.variables:
        probes = [var.splits[0] - 1.0, *var.splits]  # one value inside each bin
        pds = loaded.predict_pd(pd.DataFrame([{**base, var.name: v} for v in probes]))
        rates = [b.event_rate for b in var.bins]
        order = np.argsort(rates, kind="stable")
        assert np.all(np.diff(pds[order]) >= -1e-15), var.name


def test_json_scoring_equals_fitted_model(fitted, loaded, cancer):
    X, _ = cancer
    assert loaded.predict_pd(X) == pytest.approx(fitted.predict_pd(X), abs=1e-12, rel=0)
    assert loaded.score(X) == pytest.approx(fitted.score(X), abs=1e-9, rel=0)
    assert loaded.logit(X) == pytest.approx(fitted.decision_function(X), abs=1e-12, rel=0)


def test_artifact_round_trip_and_tamper_check(loaded, cancer, tmp_path):
    X, _ = cancer
    path = save_artifact(loaded.artifact, tmp_path)
    again = load_model(tmp_path)
    assert again.predict_pd(X) == pytest.approx(loaded.predict_pd(X), abs=1e-12, rel=0)
    assert save_artifact(again.artifact, tmp_path / "b").read_bytes() == path.read_bytes()
    payload = json.loads(path.read_text())
    payload["variables"][0]["coefficient"] *= 2
    path.write_text(json.dumps(payload))
    with pytest.raises(InputError, match="edited after training"):
        load_model(path)


def test_not_fitted_and_invalid_parameters(cancer):
    X, y = cancer
    with pytest.raises(NotFittedError, match="WoEScorecard"):
        WoEScorecard().predict_pd(X)
    with pytest.raises(ConfigError, match="pdo must be > 0; got 0"):
        WoEScorecard(pdo=0).fit(X, y)
    with pytest.raises(ConfigError, match="got 'sideways'"):
        WoEScorecard(default_trend="sideways").fit(X, y)
    with pytest.raises(InputError, match="expected only 0 and 1"):
        WoEScorecard().fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ConfigError, match="Cs must be > 0; got -1"):
        WoEScorecard(Cs=(0.1, -1)).fit(X, y)
    with pytest.raises(ConfigError, match="Cs must hold at least one value"):
        WoEScorecard(Cs=()).fit(X, y)
    with pytest.raises(ConfigError, match="inner_cv must be an integer >= 2; got 1"):
        WoEScorecard(inner_cv=1).fit(X, y)
    with pytest.raises(ConfigError, match="max_pairs must be an integer >= 0; got -1"):
        WoEScorecard(max_pairs=-1).fit(X, y)
    with pytest.raises(ConfigError, match="pair_candidates must be an integer >= 2; got 1"):
        WoEScorecard(pair_candidates=1).fit(X, y)


def _interaction(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk only where both x and z are high: one-feature bins cannot show it, a 2-D table can."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.uniform(size=n), "z": rng.uniform(size=n), "w": rng.uniform(size=n)})
    z = -3.5 + 4.0 * ((X["x"] > 0.6) & (X["z"] > 0.6)) + 1.0 * X["w"]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    X.loc[rng.uniform(size=n) < 0.05, "z"] = np.nan  # a missing z sends the pair to its missing bin
    return X, y


@pytest.fixture(scope="module")
def paired() -> tuple[WoEScorecard, pd.DataFrame, np.ndarray]:
    X, y = _interaction(3000, seed=3)
    return WoEScorecard(max_pairs=1, pair_candidates=3, Cs=(1.0,), cv=3).fit(X, y), X, y


def test_a_pair_joins_when_inner_cv_finds_an_interaction(paired, tmp_path):
    fitted, X, y = paired
    assert fitted.pairs_ == ["x × z"] and fitted.n_pairs_ == 1 and fitted.fold_n_pairs_ == [1, 1, 1]
    artifact = fitted.to_artifact(master_scale=POLICY.master_scale, label="y", data_sha256="sha256:pair")
    model = load_model(save_artifact(artifact, tmp_path))
    (pair,) = model.artifact.pairs
    assert (pair.x, pair.y, pair.coefficient <= 0) == ("x", "z", True)
    assert sum(c.count for c in pair.cells) + pair.missing.count == len(y)
    assert pair.missing.count == int(X["z"].isna().sum())
    assert model.predict_pd(X) == pytest.approx(fitted.predict_pd(X), abs=1e-12, rel=0)
    assert model.score(X) == pytest.approx(fitted.score(X), abs=1e-9, rel=0)
    assert model.points(X).shape == (len(y), len(model.features) + 1)
    risky = model.contributions({"x": 0.9, "z": 0.9, "w": 0.5})[-1]
    safe = model.contributions({"x": 0.1, "z": 0.1, "w": 0.5})[-1]
    assert risky["feature"] == safe["feature"] == "x × z" and risky["points"] < safe["points"]
    assert model.contributions({"x": 0.9, "z": None, "w": 0.5})[-1]["bin"] == "Missing"
    report = stability_report(X, X, model)  # monitoring reads both columns of the pair
    assert report.rows[0].name == "score" and report.rows[0].psi == pytest.approx(0.0, abs=1e-12)


def test_monitoring_sees_a_population_move_across_a_pair_s_table_while_each_feature_holds(paired, tmp_path):
    fitted, X, _ = paired
    model = load_model(save_artifact(fitted.to_artifact(master_scale=POLICY.master_scale, label="y", data_sha256="sha256:pair"), tmp_path))
    moved = X.sort_values("x").reset_index(drop=True)
    moved["z"] = np.sort(X["z"].to_numpy())  # the same values of each feature, now rising together
    rows = {r.name: r for r in stability_report(X, moved, model).rows}
    assert [rows[f].psi for f in model.features] == pytest.approx([0.0] * len(model.features), abs=1e-12)
    pair = rows["x × z"]
    assert (pair.kind, pair.binning, pair.n_bins, pair.band) == ("pair", "model", len(model.artifact.pairs[0].cells) + 1, "shift")
    assert pair.baseline_missing == pair.current_missing == float(X["z"].isna().mean())
    assert stability_report(X, X, model).rows[-1].psi == pytest.approx(0.0, abs=1e-12)


def test_a_pair_s_reason_code_names_both_features_and_a_flag_inside_a_pair_is_not_overlaid_again(paired):
    fitted, _, _ = paired
    artifact = fitted.to_artifact(master_scale=POLICY.master_scale, label="y", data_sha256="sha256:pair")
    bare = POLICY.model_copy(update={"knockout": []})
    x_quote, z_quote = (Evidence(chunk_id=c, source="r.pdf", page=p, quote=q) for c, p, q in (("c1", 4, "x row"), ("c2", 9, "z row")))
    row = FeatureRow(enterprise_id="e", values={"x": 0.9, "z": 0.9, "w": 0.5})
    reason = next(r for r in decide(row, {"x": [x_quote], "z": [z_quote]}, ScorecardModel(artifact), bare).reasons
                  if r.feature == "x × z")
    assert reason.label.en == "x × z" and reason.value_text == "0.90× · 0.90×" and reason.evidence == [x_quote, z_quote]
    # the same model with z read as a going-concern flag: the pair weighs it, so the overlay must not add it again
    data = artifact.model_dump(mode="json")
    data["variables"] = [v for v in data["variables"] if v["name"] != "z"]  # z weighed only inside the pair
    data["features"] = [f for f in data["features"] if f != "z"]
    renamed = ModelArtifact.model_validate_json(json.dumps(data).replace('"z"', '"flag_going_concern"')
                                                .replace("x × z", "x × flag_going_concern"))
    going = RedFlag(type=RedFlagType.going_concern, severity=Severity.high, explanation="x", evidence=[z_quote])
    flagged = FeatureRow(enterprise_id="e", values={"x": 0.9, "flag_going_concern": 1.0, "w": 0.5})
    assert "flag_going_concern" not in ScorecardModel(renamed).features
    assert decide(flagged, {}, ScorecardModel(renamed), bare, red_flags=[going]).overlay == []
    assert [t.type for t in decide(row, {}, ScorecardModel(artifact), bare, red_flags=[going]).overlay] == [RedFlagType.going_concern]


def test_no_pair_joins_an_additive_book():
    X, y = _interaction(3000, seed=3)
    rng = np.random.default_rng(4)
    additive = (rng.uniform(size=len(y)) < 1 / (1 + np.exp(-(-3.0 + 2.0 * X["x"] + 1.0 * X["w"])))).astype(int)
    fitted = WoEScorecard(max_pairs=1, pair_candidates=3, Cs=(1.0,), cv=3).fit(X, additive)
    assert fitted.pairs_ == [] and fitted.n_pairs_ == 0


def test_an_artifact_from_before_pairs_still_loads(loaded, cancer, tmp_path):
    X, _ = cancer
    payload = loaded.artifact.model_dump(mode="json")
    del payload["pairs"]
    payload["model_version"] = content_version(payload)
    (tmp_path / MODEL_FILE).write_text(json.dumps(payload))
    old = load_model(tmp_path)
    assert old.pairs == [] and old.predict_pd(X) == pytest.approx(loaded.predict_pd(X), abs=1e-12, rel=0)


# ---------------------------------------------------------------- Polish bankruptcy (real data)


@pytest.mark.skipif(not POLISH.is_dir(), reason=f"Polish bankruptcy data not found at {POLISH}")
def test_polish_subsample_scorecard():
    from benchmarks.risk_polish import read_arff

    X, y = read_arff(POLISH / "1year.arff")
    rng = np.random.default_rng(0)
    keep = np.sort(np.concatenate([np.flatnonzero(y == 1), rng.choice(np.flatnonzero(y == 0), 1500, replace=False)]))
    X, y = X.iloc[keep, :12].reset_index(drop=True), y[keep]
    trained = train(X, y, label="class", data_sha256="sha256:polish", policy=POLICY, cv=3)
    model = ScorecardModel(trained.artifact)
    assert np.isnan(X.to_numpy()).any()  # the missing bins are exercised
    assert model.predict_pd(X) == pytest.approx(trained.scorecard.predict_pd(X), abs=1e-12, rel=0)
    assert model.score(X) == pytest.approx(trained.scorecard.score(X), abs=1e-9, rel=0)
    cv = trained.card["scorecard"]["cross_validation"]["pooled"]
    assert (len(y), int(y.sum())) == (1771, 271)
    # 271 x 1500 pairs: one pair that ties on one CPU and not on another moves the AUC by 2.5e-6.
    assert cv["auc"] == pytest.approx(EXACT["polish_cv_auc"], abs=1e-5)
    assert trained.card["challenger"]["cross_validation"]["pooled"]["auc"] > 0.5
    chosen = trained.card["scorecard"]["chosen_C"]  # by inner CV on each fit's own training rows
    assert len(chosen["folds"]) == 3 and set(chosen["folds"]) | {chosen["final"]} <= set(SCORECARD_PARAMS["Cs"])
    pairs = trained.card["scorecard"]["chosen_pairs"]  # by the same inner CV
    assert set(pairs["folds"]) | {pairs["final"]} <= set(range(SCORECARD_PARAMS["max_pairs"] + 1))
    assert len(pairs["kept"]) == len(trained.artifact.pairs) <= pairs["final"]


# ---------------------------------------------------------------- profile features and decisions


def _profile(scores: dict[str, int | None], flags: dict | None = None, sev: dict | None = None) -> dict:
    ev = {"chunk_id": "c1", "source": "annual_report.pdf", "page": 12, "quote": "资产负债率为 78%"}
    dims = {
        name: None if s is None else {"score": s, "rationale": "r", "evidence": [ev]} for name, s in scores.items()
    }
    return {
        "schema_version": "profile/1",
        "enterprise_id": "ent-1",
        **dims,
        "red_flag_counts": flags or {},
        "red_flag_severity_counts": sev or {},
    }


GOOD = {name: 70 for name in DIMENSIONS}
RATIOS = dict.fromkeys(RATIO_NAMES, None) | {"debt_to_assets": 0.5, "current_ratio": 1.5, "net_margin": 0.05}


def test_malformed_scores_are_rejected_naming_the_field():
    with pytest.raises(InputError, match=r"schema_version: expected 'profile/1'; got 'profile/2'"):
        parse_profile_scores(_profile(GOOD) | {"schema_version": "profile/2"})
    missing = _profile(GOOD)
    del missing["governance"]
    with pytest.raises(InputError, match=r"governance: Field required"):
        parse_profile_scores(json.dumps(missing))
    too_high = _profile(GOOD | {"financial_health": 150})
    with pytest.raises(InputError, match=r"financial_health\.score: .*less than or equal to 100; got 150"):
        build_feature_row(too_high, RATIOS)
    with pytest.raises(InputError, match=r"missing \['interest_coverage'\]"):
        build_feature_row(_profile(GOOD), {k: v for k, v in RATIOS.items() if k != "interest_coverage"})
    with pytest.raises(InputError, match=r"ratios\.net_margin: expected a finite number"):
        build_feature_row(_profile(GOOD), RATIOS | {"net_margin": float("inf")})


def test_feature_row_keeps_missing_as_missing():
    row = build_feature_row(_profile(GOOD | {"governance": None}, {"litigation": 2}, {"high": 2}), RATIOS)
    assert list(row.values) == list(FEATURE_NAMES)
    assert row.values["governance"] is None and row.values["revenue_growth"] is None
    assert row.values["flag_litigation"] == 2 and row.values["flag_going_concern"] == 0
    assert row.values["severity_high"] == 2


def _portfolio(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A small synthetic book: a known logistic truth over dimension scores, ratios and flags."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(0.0, index=range(n), columns=list(FEATURE_NAMES))
    for name in DIMENSIONS:
        X[name] = np.clip(rng.normal(60, 15, n).round(), 0, 100)
    X["debt_to_assets"] = rng.uniform(0.1, 1.1, n)
    X["current_ratio"] = rng.lognormal(0.3, 0.4, n)
    X["net_margin"] = rng.normal(0.04, 0.08, n)
    X["flag_litigation"] = rng.poisson(0.3, n)
    X["severity_high"] = rng.poisson(0.2, n)
    z = (
        -3.2 - 0.05 * (X["financial_health"] - 60) - 0.03 * (X["governance"] - 60) + 2.5 * (X["debt_to_assets"] - 0.6)
        - 6 * X["net_margin"] + 0.6 * X["flag_litigation"] + 0.8 * X["severity_high"]
    )
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    X.loc[rng.uniform(size=n) < 0.05, "governance"] = np.nan  # evidence rejected for some firms
    keep = ["financial_health", "governance", "business_stability", "debt_to_assets", "current_ratio",
            "net_margin", "flag_litigation", "severity_high"]
    return X[keep], y


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple[ScorecardModel, Path]:
    X, y = _portfolio(2500, seed=7)
    trends = {k: v for k, v in EXPECTED_TRENDS.items() if k in X.columns}
    trained = train(X, y, label="default", data_sha256="sha256:book", policy=POLICY, cv=3, monotonic_trends=trends)
    out = tmp_path_factory.mktemp("book")
    write_outputs(trained, out)
    return load_model(out), out


def _row(scores=GOOD, flags=None, sev=None, ratios=RATIOS) -> tuple[FeatureRow, dict]:
    profile = parse_profile_scores(_profile(scores, flags, sev))
    return build_feature_row(profile, ratios), evidence_map(profile)


def test_decision_is_deterministic_and_worse_health_raises_pd(book):
    model, _ = book
    row, ev = _row()
    first = decide(row, ev, model, POLICY)
    assert decide(row, ev, model, POLICY) == first
    assert decide(row, ev, model, POLICY).model_dump_json() == first.model_dump_json()
    worse = decide(_row(GOOD | {"financial_health": 20})[0], ev, model, POLICY)
    assert worse.pd > first.pd and worse.score < first.score
    assert first.model_version == model.version and first.policy_version == "eprof-default@1"


def test_reason_codes_point_at_the_evidence_given(book):
    model, _ = book
    row, ev = _row(GOOD | {"financial_health": 15})
    decision = decide(row, ev, model, POLICY)
    reason = next(r for r in decision.reasons if r.feature == "financial_health")
    assert reason.evidence == ev["financial_health"]
    assert reason.evidence[0] == Evidence(
        chunk_id="c1", source="annual_report.pdf", page=12, quote="资产负债率为 78%"
    )
    assert reason.points_below_max > 0 and reason.points < reason.max_points
    assert [r.rank for r in decision.reasons] == list(range(1, len(decision.reasons) + 1))
    without = decide(row, None, model, POLICY)
    assert all(r.evidence == [] for r in without.reasons)


def test_missing_dimension_falls_in_the_missing_bin(book):
    model, _ = book
    row, ev = _row(GOOD | {"governance": None})
    contribution = next(c for c in model.contributions(row.values) if c["feature"] == "governance")
    assert contribution["bin"] == "Missing" and contribution["value"] is None
    assert model.variable("governance").direction == "descending"  # the expected trend was imposed
    assert model.variable("governance").missing.count > 0


def test_knockouts_are_policy_and_listed(book):
    model, _ = book
    fraud = decide(*_row(flags={"financial_fraud": 1}, sev={"critical": 1}), model, POLICY)
    assert [k.rule_id for k in fraud.knockouts] == ["KO-FRAUD", "KO-CRITICAL-FLAG"]
    assert fraud.decision in ("refer", "decline") and fraud.model_decision == "approve"
    going = decide(*_row(flags={"going_concern": 1}), model, POLICY)
    assert going.decision == "decline" and going.knockouts[0].rule_id == "KO-GOING-CONCERN"
    thin = decide(*_row(GOOD | dict.fromkeys(DIMENSIONS[:3])), model, POLICY)
    assert "KO-THIN-PROFILE" in [k.rule_id for k in thin.knockouts]


def test_limit_and_conditions_follow_the_final_action(book):
    """A hit found outside the policy file (the extractor contradicting evidence) joins the rules
    before the limit is computed: a refer is proposed at the refer factor, a decline gets zero."""
    model, _ = book
    row, ev = _row()
    figures = {"revenue": 100_000_000.0, "operating_cash_flow": 20_000_000.0}
    approved = decide(row, ev, model, POLICY, figures=figures)
    assert approved.decision == "approve" and approved.limit.amount > 0
    hit = KnockoutHit(rule_id="KO-MODEL-CONTRADICTS-EVIDENCE", description="x", action="refer", features={})
    referred = decide(row, ev, model, POLICY, figures=figures, extra_knockouts=[hit])
    assert referred.decision == "refer" and referred.model_decision == "approve"
    assert referred.knockouts[-1] == hit and "KO-MODEL-CONTRADICTS-EVIDENCE" in referred.precedence.en
    assert referred.limit.amount == pytest.approx(approved.limit.amount * POLICY.limit.refer_factor, abs=POLICY.limit.round_to)
    assert referred.limit.note.startswith("referred by KO-MODEL-CONTRADICTS-EVIDENCE")
    declined = decide(row, ev, model, POLICY, figures=figures, extra_knockouts=[hit.model_copy(update={"action": "decline"})])
    assert declined.decision == "decline" and declined.limit.amount == 0 and declined.limit.conditions == []
    assert declined.limit.note == "declined by KO-MODEL-CONTRADICTS-EVIDENCE: no limit"


def test_a_rare_verified_flag_moves_the_pd_and_says_why(book):
    """A going-concern flag is too rare to earn a bin; the policy's flag overlay adds its log odds."""
    model, _ = book
    assert "flag_going_concern" not in model.features
    row, ev = _row(flags={"going_concern": 1})
    going = RedFlag(type=RedFlagType.going_concern, severity=Severity.critical, explanation="auditor's emphasis",
                    evidence=[Evidence(chunk_id="c9", source="annual_report.pdf", page=41, quote="持续经营能力存在重大不确定性")])
    plain = decide(row, ev, model, POLICY)
    moved = decide(row, ev, model, POLICY, red_flags=[going])
    assert plain.overlay == [] and plain.pd_model == plain.pd_scorecard
    overlay = POLICY.flag_overlay
    expected = overlay.log_odds[RedFlagType.going_concern] * overlay.severity_scale[Severity.critical]

    def logit(p: float) -> float:
        return float(np.log(p / (1 - p)))

    assert moved.pd_scorecard == plain.pd_model and moved.pd_model > plain.pd_model and moved.pd >= moved.pd_model
    assert logit(moved.pd_model) - logit(moved.pd_scorecard) == pytest.approx(expected, rel=1e-9)
    assert [t.type for t in moved.overlay] == [RedFlagType.going_concern] and moved.overlay[0].evidence == going.evidence
    assert "flag overlay" in moved.precedence.en and "持续经营" in moved.precedence.zh
    # a type the model weighs itself is never added a second time
    weighed = POLICY.model_copy(update={"flag_overlay": overlay.model_copy(
        update={"log_odds": {**overlay.log_odds, RedFlagType.litigation: 1.0}})})
    suit = RedFlag(type=RedFlagType.litigation, severity=Severity.high, explanation="x", evidence=going.evidence)
    assert decide(*_row(flags={"litigation": 1}), model, weighed, red_flags=[suit]).overlay == []


def test_a_rule_s_pd_floor_raises_pd_grade_and_limit_and_never_lowers_them(book):
    """A qualified opinion on a firm the ratios rate near zero: policy floors the PD and says why."""
    model, _ = book
    row, ev = _row(flags={"audit_opinion": 1})
    audit = RedFlag(type=RedFlagType.audit_opinion, severity=Severity.high, explanation="qualified opinion",
                    evidence=[Evidence(chunk_id="c3", source="annual_report.pdf", page=2, quote="保留意见")])
    figures = {"revenue": 120_000_000.0, "operating_cash_flow": 9_000_000.0}
    rule = next(r for r in POLICY.knockout if r.id == "KO-AUDIT-OPINION")
    unfloored = POLICY.model_copy(update={"knockout": [r.model_copy(update={"pd_floor": None}) for r in POLICY.knockout]})
    plain = decide(row, ev, model, unfloored, red_flags=[audit], figures=figures)
    floored = decide(row, ev, model, POLICY, red_flags=[audit], figures=figures)
    assert plain.pd_model < rule.pd_floor and plain.pd == plain.pd_model and plain.floored_by == []
    assert floored.pd_model == plain.pd_model and floored.pd == rule.pd_floor
    assert floored.grade == model.grade(rule.pd_floor) != plain.grade and floored.floored_by == ["KO-AUDIT-OPINION"]
    assert floored.model_decision == POLICY.thresholds.action(floored.pd_model)
    assert floored.limit.amount < plain.limit.amount
    hit = next(k for k in floored.knockouts if k.rule_id == "KO-AUDIT-OPINION")
    assert hit.pd_floor == rule.pd_floor and hit.evidence == audit.evidence
    assert "floor of 3.00%" in floored.precedence.en and "annual_report.pdf p.2" in floored.precedence.en
    assert "下限" in floored.precedence.zh
    # a floor below the model's PD changes nothing
    low = POLICY.model_copy(update={"knockout": [r.model_copy(update={"pd_floor": plain.pd_model / 2}) if r.id == rule.id else r
                                                 for r in POLICY.knockout]})
    same = decide(row, ev, model, low, red_flags=[audit], figures=figures)
    assert same.pd == same.pd_model and same.floored_by == [] and "floor" not in same.precedence.en
    # a floor past the decline threshold declines, and the precedence says the floored PD did it
    high = POLICY.model_copy(update={"knockout": [r.model_copy(update={"pd_floor": 0.5}) if r.id == rule.id else r
                                                  for r in POLICY.knockout]})
    declined = decide(row, ev, model, high, red_flags=[audit], figures=figures)
    assert declined.decision == "decline" and declined.limit.amount == 0
    assert "the floored PD requires decline" in declined.precedence.en


def test_a_rule_that_replaces_the_model_cannot_floor_its_pd():
    data = POLICY.model_dump(mode="json")
    institution = next(r for r in data["knockout"] if r["id"] == "KO-FINANCIAL-INSTITUTION")
    institution["pd_floor"] = 0.05
    with pytest.raises(ValueError, match="cannot floor its PD"):
        type(POLICY).model_validate(data)


def test_one_applicant_scores_in_milliseconds(book):
    model, _ = book
    row, ev = _row()
    decide(row, ev, model, POLICY)
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        decide(row, ev, model, POLICY)
        timings.append(time.perf_counter() - start)
    assert np.median(timings) < 0.020


def test_rows_to_frame_requires_model_features(book):
    model, _ = book
    with pytest.raises(InputError, match="the model needs"):
        rows_to_frame([{"financial_health": 50.0}], model.features)


def test_policy_file_errors_name_the_field(tmp_path):
    text = (Path(__file__).parents[1] / "risk" / "policy.toml").read_text()
    bad = tmp_path / "policy.toml"
    bad.write_text(text.replace("decline_min_pd = 0.20", "decline_min_pd = 0.01"))
    with pytest.raises(ConfigError, match=r"thresholds: .*approve_max_pd must be < decline_min_pd; got 0.04 >= 0.01"):
        load_policy(bad)
    bad.write_text(text.replace('op = ">="', 'op = "in"', 1))
    with pytest.raises(ConfigError, match=r"knockout\.0\.threshold\.op"):
        load_policy(bad)


# ---------------------------------------------------------------- monitoring


def test_psi_known_values():
    assert psi(np.array([50, 50]), np.array([50, 50])) == 0.0
    assert psi(np.array([50, 50]), np.array([25, 75])) == pytest.approx(
        0.25 * np.log(2) + 0.25 * np.log(1.5), rel=1e-12
    )
    assert [band(0.05), band(0.1), band(0.2), band(0.25)] == ["stable", "monitor", "monitor", "shift"]
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"x": rng.normal(size=5000)})
    same = stability_report(a, a.copy())
    assert same.rows[0].psi == pytest.approx(0.0, abs=1e-12) and same.rows[0].band == "stable"
    shifted = stability_report(a, pd.DataFrame({"x": rng.normal(1.0, 1.0, size=5000)}))
    assert shifted.rows[0].psi > 0.25 and shifted.rows[0].band == "shift"


# ---------------------------------------------------------------- CLI


def test_cli_train_and_monitor(cancer, tmp_path):
    X, y = cancer
    data = X.iloc[:, :5].assign(default=y, firm=[f"f{i}" for i in range(len(y))])
    data.to_csv(tmp_path / "train.csv", index=False)
    runner = CliRunner()
    out = tmp_path / "model"
    args = ["risk", "train", "--data", str(tmp_path / "train.csv"), "--label", "default", "--out", str(out)]
    result = runner.invoke(app, [*args, "--exclude", "firm", "--cv", "2"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {MODEL_FILE, "challenger.txt", "glassbox.txt", "model_card.json", "model_card.md"}
    card = (out / "model_card.md").read_text()
    assert "must retrain" in card and "challenger (LightGBM)" in card and "glass-box (depth-2 boosting)" in card
    model = load_model(out)
    assert model.artifact.training.sha256.startswith("sha256:") and model.artifact.training.n == len(y)

    bad = runner.invoke(app, args)
    assert bad.exit_code == 1 and "column 'firm'" in bad.output

    data.iloc[:300].to_csv(tmp_path / "base.csv", index=False)
    moved = data.iloc[300:].copy()
    moved["mean radius"] += 5
    moved.to_csv(tmp_path / "cur.csv", index=False)
    report = tmp_path / "psi.json"
    result = runner.invoke(
        app,
        ["risk", "monitor", "--baseline", str(tmp_path / "base.csv"), "--current", str(tmp_path / "cur.csv"),
         "--model", str(out), "--json-out", str(report)],
    )
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(report.read_text())["rows"]}
    assert rows["score"]["kind"] == "score"
    if "mean radius" in rows:
        assert rows["mean radius"]["band"] == "shift"
    assert "stability" in result.output


EXACT: dict = {
    # breast cancer, the ten "mean *" features, WoEScorecard(cv=3)
    "features": ["mean texture", "mean area", "mean smoothness", "mean concavity", "mean concave points",
                 "mean symmetry", "mean fractal dimension"],
    "dropped": ["mean compactness", "mean perimeter", "mean radius"],  # wrong-signed through collinearity
    "intercept": 0.13782855225716653,
    "slope": 0.8212870258227456,
    "scores": [706.7754126804106, 613.5456045719355, 826.4039908588072],
    "auc": 0.9935257121716611,
    # Polish 1year, Attr1..Attr12, all 271 defaults + 1500 seeded non-defaults, 3-fold pooled OOF AUC
    "polish_cv_auc": 0.7300270602706026,
}


def test_model_files_are_written_atomically(cancer, tmp_path, monkeypatch):
    """A write that fails before its rename (a crash, a full disk) leaves each previous model file whole."""
    X, y = cancer

    def small(random_state: int = 0):  # the files matter here, not the challenger's quality: 5 trees, not 300
        return make_challenger(random_state).set_params(n_estimators=5)

    monkeypatch.setattr(challenger_module, "make_challenger", small)
    monkeypatch.setattr(train_module, "make_challenger", small)
    old = train(X.iloc[:, :2], y, label="target", data_sha256="sha256:test", policy=POLICY, cv=2)
    payload = old.artifact.model_dump(mode="json")
    payload["training"]["label"] = "retrained"
    artifact = ModelArtifact.model_validate({**payload, "model_version": content_version(payload)})
    new = dataclasses.replace(old, artifact=artifact, card={**old.card, "model_version": artifact.model_version},
                              challenger=small().set_params(n_estimators=3).fit(X.iloc[:, :2], y))
    out = tmp_path / "model"
    names = [p.name for p in write_outputs(old, out)]
    assert names == [MODEL_FILE, "challenger.txt", "glassbox.txt", "model_card.json", "model_card.md"]
    before = {name: (out / name).read_bytes() for name in names}
    new.challenger.booster_.save_model(str(tmp_path / "saved.txt"))
    replace = os.replace
    for name in names:
        def fail_on(src, dst, name=name):
            if Path(dst).name == name:
                raise OSError("no space left on device")
            replace(src, dst)

        monkeypatch.setattr(os, "replace", fail_on)
        with pytest.raises(OSError, match="no space left"):
            write_outputs(new, out)
        assert (out / name).read_bytes() == before[name]
        assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no temporary file left behind
    monkeypatch.setattr(os, "replace", replace)
    write_outputs(new, out)
    assert all((out / name).read_bytes() != before[name] for name in names if name != "glassbox.txt")  # the same glass-box
    assert (out / "challenger.txt").read_bytes() == (tmp_path / "saved.txt").read_bytes()  # LightGBM's own text format
    assert load_model(out).version == artifact.model_version


def test_model_card_lists_the_public_benchmark(tmp_path):
    from eprof.evaluation.train_default import describe_public_benchmark

    block = {"per_fold": {"auc": {"mean": 0.9012}, "ks": {"mean": 0.6789}}}
    results = tmp_path / "risk_polish.json"
    results.write_text(json.dumps({"cv_folds": 5, "files": {"1year.arff": {"scorecard": block, "challenger": block}}}))
    (tmp_path / "model_card.json").write_text("{}")
    (tmp_path / "model_card.md").write_text("# Model card\n")
    describe_public_benchmark(tmp_path, results)
    card = json.loads((tmp_path / "model_card.json").read_text())
    assert card["public_benchmark"]["mean_over_folds"]["1year.arff"]["scorecard"] == {"auc": 0.9012, "ks": 0.6789}
    md = (tmp_path / "model_card.md").read_text()
    assert "| 1year.arff | scorecard | 0.901 | 0.679 |" in md and "glass-box" not in md
    describe_public_benchmark(tmp_path, tmp_path / "absent.json")  # outside a checkout: the card is left as it is
    assert (tmp_path / "model_card.md").read_text() == md

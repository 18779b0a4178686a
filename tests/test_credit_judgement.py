"""Credit judgement pieces without the corpus: labels, the limit arithmetic, flag rules with
evidence and severity floors, the decision's precedence text, and the glass-box challenger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eprof.agent.schema import Evidence, RedFlag, RedFlagType, Severity
from eprof.risk.glassbox import contributions, make_glassbox
from eprof.risk.labels import FEATURE_LABELS, FLAG_LABELS, format_amount, format_pd, format_value
from eprof.risk.limit import recommend_limit
from eprof.risk.policy import load_policy

POLICY = load_policy()


def flag(t: str, severity: str = "high", page: int = 3) -> RedFlag:
    return RedFlag(type=RedFlagType(t), severity=Severity(severity), explanation="x",
                   evidence=[Evidence(chunk_id="c", source="annual-report.pdf", page=page, quote=f"quote {t}")])


def test_labels_read_as_people_write_them() -> None:
    from eprof.agent.ratios import RATIO_NAMES
    from eprof.risk.features import FEATURE_NAMES

    assert set(FEATURE_NAMES) <= set(FEATURE_LABELS) and set(RATIO_NAMES) <= set(FEATURE_LABELS)
    assert set(FLAG_LABELS) == set(RedFlagType)
    assert format_value("revenue_growth", -0.189743) == "−19.0%"
    assert format_value("net_margin", -0.0374) == "−3.7%"
    assert format_value("current_ratio", 1.234) == "1.23×"
    assert format_value("receivable_days", 95.4) == "95 d"
    assert format_value("debt_to_assets", None).startswith("missing")
    assert format_pd(0.00003) == "<0.01%" and format_pd(0.0001) == "0.01%" and format_pd(0.2143) == "21.43%"
    assert format_amount(2_000_000) == "200.00 万元 (CNY 2,000,000)"


def test_limit_arithmetic_is_shown_and_policy_driven() -> None:
    p = POLICY.limit
    lim = recommend_limit(p, decision="approve", grade="3", revenue=300_000_000, operating_cash_flow=12_000_000,
                          debt_to_assets=0.75, red_flags=[flag("customer_concentration", "medium")])
    # base 30m, cap 24m -> 24m; grade 3 x0.9 = 21.6m; leverage 75% > 70% x0.6 = 12.96m; rounded down
    assert [s.value for s in lim.steps] == [30_000_000, 24_000_000, 24_000_000, 21_600_000, 12_960_000, 12_960_000]
    assert lim.amount == 12_960_000 and lim.steps[1].formula == "12,000,000 × 2"
    assert [c.id for c in lim.conditions] == ["C-RECEIVABLES"]
    refer = recommend_limit(p, decision="refer", grade="1", revenue=10_000_000, operating_cash_flow=-5.0,
                            debt_to_assets=0.4, red_flags=[])
    assert refer.amount == 250_000 and "≤ 0" in refer.steps[1].name  # 1m x 0.5 (no cash cap) x 1.0 x 0.5 (refer)
    assert recommend_limit(p, decision="decline", grade="10", revenue=1e9, operating_cash_flow=1e8,
                           debt_to_assets=0.5).amount == 0.0
    missing = recommend_limit(p, decision="approve", grade="1", revenue=None, operating_cash_flow=1e6, debt_to_assets=None)
    assert missing.amount is None and "missing" in missing.note
    capped = recommend_limit(p, decision="approve", grade="1", revenue=1e10, operating_cash_flow=1e10, debt_to_assets=0.1)
    assert capped.amount == p.max_amount


def test_flag_rules_cite_the_flag_and_respect_severity_floors() -> None:
    values = {f: 0.0 for r in POLICY.knockout for f in r.features}
    values.update({f: 1.0 for f in ("business_stability", "industry_chain_position", "financial_health", "governance", "external_risk")})
    hits = POLICY.knockouts(values, [flag("executive_risk", "medium"), flag("debt_default", "critical", page=9)])
    ids = [h.rule_id for h in hits]
    assert "KO-EXECUTIVE" not in ids  # medium executive risk (turnover) is below the floor
    assert ids[-2:] == ["KO-OVERDUE-DEBT", "KO-DEFAULT-SEVERE"]
    assert hits[-1].action == "decline" and hits[-1].evidence[0].page == 9 and hits[-1].description_zh


def test_policy_requires_a_limit_factor_for_every_grade(tmp_path) -> None:
    from eprof.kernel.errors import ConfigError
    from eprof.risk.policy import DEFAULT_POLICY_PATH

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace('"10" = 0.0\n', "")
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="grade_factor"):
        load_policy(tmp_path / "p.toml")


def test_glassbox_contributions_add_up_and_respect_monotone_constraints() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"debt_to_assets": rng.uniform(0, 1.2, 3000), "net_margin": rng.normal(0, 0.1, 3000)})
    z = 3 * X.debt_to_assets - 10 * X.net_margin - 3 + rng.normal(0, 1, 3000)
    y = (z > 0).astype(int).to_numpy()
    model = make_glassbox(list(X.columns), {"debt_to_assets": "ascending", "net_margin": "descending"}).fit(X, y)
    parts = contributions(model, X.head(50))
    assert np.allclose(parts.sum(axis=1), model.predict(X.head(50), raw_score=True))
    grid = pd.DataFrame({"debt_to_assets": np.linspace(0, 1.2, 40), "net_margin": 0.0})
    assert np.all(np.diff(model.predict_proba(grid)[:, 1]) >= 0)
    grid = pd.DataFrame({"debt_to_assets": 0.5, "net_margin": np.linspace(-0.3, 0.3, 40)})
    assert np.all(np.diff(model.predict_proba(grid)[:, 1]) <= 0)

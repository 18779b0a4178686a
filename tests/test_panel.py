"""The committee panel on the demo corpus: every case in risk/panel.toml decided as the committee
expects, each refer/decline with its evidence, and `eprof decide` showing flags, rules, limit, labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eprof.agent.profile import load_profile
from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.risk.panel import load_panel, run_panel
from eprof.risk.policy import load_policy
from eprof.risk.run import load_default_model

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("panel") / "store"
    result = runner.invoke(app, ["demo", "--store", str(home)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return home


def test_every_panel_case_holds(store: Path) -> None:
    cases = load_panel()
    expect = {c.id: c.expect for c in cases}
    # the floor, so editing the panel cannot quietly lower it
    assert all(expect[e] != "approve" for e in ("e001", "e004", "e006", "e007"))
    assert expect["e003"] == expect["e005"] == "approve"
    assert {f"e00{i}" for i in range(1, 9)} <= set(expect) and len(cases) >= 14
    settings = load_settings(home=store)
    profiles = {b: load_profile(settings, b) for b in {c.base for c in cases}}
    results = run_panel(cases, profiles, load_default_model(), load_policy())
    problems = {case.id: p for case, _, p in results if p}
    assert not problems, problems
    for case, record, _ in results:
        d = record.decision
        if d.decision != "approve":
            assert d.knockouts and all(e.quote and e.page >= 1 for k in d.knockouts for e in k.evidence), case.id
            assert d.limit is not None and (d.decision != "decline" or d.limit.amount == 0.0), case.id


def test_decide_shows_flags_rules_limit_and_readable_labels(store: Path) -> None:
    out = json.loads(runner.invoke(app, ["decide", "e004", "--json", "--store", str(store)]).stdout)["decision"]
    assert out["schema_version"] == "decision/4"
    assert out["pd_model"] < out["pd"] and "KO-AUDIT-OPINION" in out["floored_by"]
    assert {f["type"] for f in out["red_flags"]} >= {"audit_opinion", "executive_risk"}
    assert all(f["evidence"] and f["label"]["zh"] and f["label"]["en"] for f in out["red_flags"])
    audit = next(k for k in out["knockouts"] if k["rule_id"] == "KO-AUDIT-OPINION")
    assert audit["evidence"] and audit["description_zh"]
    assert "Policy rules override it" in out["precedence"]["en"] and "政策规则优先" in out["precedence"]["zh"]
    steps = out["limit"]["steps"]
    assert steps[0]["name"] == "revenue base" and out["limit"]["amount"] == steps[-1]["value"] > 0
    assert any(c["id"] == "C-AUDIT" for c in out["limit"]["conditions"])
    text = runner.invoke(app, ["decide", "e001", "--store", str(store)], env={"COLUMNS": "220"}).output
    for expected in ("REFER", "precedence", "Policy rules that fired", "KO-EXECUTIVE", "Verified red flags",
                     "高管被调查/留置/失联", "recommended limit", "revenue base", "condition C-CONTROLLER-GUARANTEE"):
        assert expected in text, expected
    assert "states a" not in text and "points below best" in text
    clean = json.loads(runner.invoke(app, ["decide", "e005", "--json", "--store", str(store)]).stdout)["decision"]
    assert clean["decision"] == "approve" and not clean["red_flags"] and "No policy rule fired" in clean["precedence"]["en"]

"""The committee panel: cases with the decision a credit committee expects, and why.

`risk/panel.toml` holds the demo enterprises (decided from their verified profiles) and written
cases (a demo profile with red flags added, each with the quote and page a reviewer would see).
`check_case` says what is wrong with a decision for a case: a different decision, an expected
rule that did not fire, or a refer/decline that names no evidence. tests/test_panel.py holds
every case; `python -m eprof.risk.panel --store DIR` prints the panel for a store with demo profiles.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field

from eprof.agent.schema import Evidence, OperatingProfile, RedFlag, RedFlagType, Severity
from eprof.kernel.contract import Contract
from eprof.risk.artifact import ScorecardModel
from eprof.risk.policy import Policy
from eprof.risk.run import DecisionRecord, decide_profile
from eprof.risk.schema import Action

PANEL_PATH = Path(__file__).with_name("panel.toml")


class AddedFlag(Contract):
    type: RedFlagType
    severity: Severity
    explanation: str
    source: str
    page: int = Field(ge=1)
    quote: str


class PanelCase(Contract):
    id: str
    base: str = Field(description="the demo enterprise whose verified profile the case starts from")
    expect: Action
    rules: list[str] = Field(default_factory=list, description="rules that must fire")
    pd_at_least: float | None = Field(None, gt=0, lt=1, description="the decision's PD must reach this (the grade a committee would give)")
    why: str
    add_flags: list[AddedFlag] = Field(default_factory=list)


def load_panel(path: Path = PANEL_PATH) -> list[PanelCase]:
    return [PanelCase.model_validate(c) for c in tomllib.loads(path.read_text(encoding="utf-8"))["case"]]


def case_profile(case: PanelCase, profiles: Mapping[str, OperatingProfile]) -> OperatingProfile:
    """The base profile with the case's flags added (counts and severities updated to match)."""
    base = profiles[case.base]
    if not case.add_flags:
        return base
    added = [
        RedFlag(type=f.type, severity=f.severity, explanation=f.explanation,
                evidence=[Evidence(chunk_id=f"panel:{case.id}:{i}", source=f.source, page=f.page, quote=f.quote)])
        for i, f in enumerate(case.add_flags)
    ]
    flags = [*base.red_flags, *added]
    counts: dict[RedFlagType, int] = {}
    severities: dict[Severity, int] = {}
    for f in flags:
        counts[f.type] = counts.get(f.type, 0) + 1
        severities[f.severity] = severities.get(f.severity, 0) + 1
    scores = base.scores.model_copy(update={"red_flag_counts": counts, "red_flag_severity_counts": severities})
    return base.model_copy(update={"enterprise_id": case.id, "red_flags": flags, "scores": scores})


def check_case(case: PanelCase, record: DecisionRecord) -> list[str]:
    """Problems with the decision for this case; empty when the committee would sign it."""
    d = record.decision
    problems = []
    if d.decision != case.expect:
        problems.append(f"expected {case.expect}, got {d.decision} (PD {d.pd:.4%}, rules {[k.rule_id for k in d.knockouts]})")
    fired = {k.rule_id for k in d.knockouts}
    problems += [f"rule {r} did not fire" for r in case.rules if r not in fired]
    if case.pd_at_least is not None and d.pd < case.pd_at_least:
        problems.append(f"PD {d.pd:.4%} (grade {d.grade}) is below the {case.pd_at_least:.2%} a committee would put it at")
    if d.decision != "approve":
        problems += [f"rule {k.rule_id} names no evidence" for k in d.knockouts if not k.evidence]
        if not d.knockouts and not any(r.evidence for r in d.reasons):
            problems.append("a model-driven refer/decline whose reason codes cite no evidence")
    return problems


def run_panel(cases: list[PanelCase], profiles: Mapping[str, OperatingProfile], model: ScorecardModel,
              policy: Policy) -> list[tuple[PanelCase, DecisionRecord, list[str]]]:
    out = []
    for case in cases:
        record = decide_profile(case_profile(case, profiles), model, policy)
        out.append((case, record, check_case(case, record)))
    return out


def main(argv: list[str] | None = None) -> int:
    from eprof.agent.profile import load_profile
    from eprof.kernel.config import load_settings
    from eprof.risk.labels import format_pd
    from eprof.risk.policy import load_policy
    from eprof.risk.run import load_default_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="EPROF home holding the demo profiles (after `eprof demo`)")
    args = parser.parse_args(argv)
    settings = load_settings(home=args.store)
    cases = load_panel()
    profiles = {b: load_profile(settings, b) for b in {c.base for c in cases}}
    failed = 0
    for case, record, problems in run_panel(cases, profiles, load_default_model(), load_policy()):
        d = record.decision
        failed += bool(problems)
        print(f"{case.id:28} expect {case.expect:8} got {d.decision:8} PD {format_pd(d.pd):>7} grade {d.grade:>2} "
              f"rules {','.join(k.rule_id for k in d.knockouts) or '-'}" + (f"  PROBLEMS: {problems}" if problems else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

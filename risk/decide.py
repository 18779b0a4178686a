"""One credit decision: calibrated PD, points, grade, rules with evidence, red flags, limit, reasons.

`decide` is a pure function of its inputs (no clock, no randomness, no I/O), so the same row,
evidence, flags, figures, model and policy always give the same Decision. `eprof decide` builds
them from the verified profile (`risk.run.decide_profile`).

Precedence: the model proposes from the PD thresholds; policy rules can only make the decision
stricter, by their own action or by a PD floor. The final decision is the most severe of the
two, and the decision says which won.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from eprof.agent.schema import Evidence, RedFlag
from eprof.risk.artifact import ScorecardModel
from eprof.risk.labels import ACTION_LABELS, FLAG_LABELS, feature_label, format_pd, format_value
from eprof.risk.limit import recommend_limit
from eprof.risk.overlay import apply_overlay, overlay_terms
from eprof.risk.policy import SEVERITY_ORDER, Policy
from eprof.risk.schema import ACTION_SEVERITY, Action, Bilingual, Decision, FeatureRow, FlagItem, KnockoutHit, OverlayTerm, ReasonCode


def _pages(evidence: Sequence[Evidence]) -> str:
    seen = list(dict.fromkeys(f"{e.source} p.{e.page}" for e in evidence))
    return "; ".join(seen[:3]) if seen else "no page"


def overlay_text(pd_scorecard: float, pd: float, terms: Sequence[OverlayTerm]) -> Bilingual:
    """How verified flags the scorecard does not weigh moved its PD (empty without any)."""
    if not terms:
        return Bilingual(en="", zh="")
    shift = sum(t.log_odds for t in terms)
    names_en = ", ".join(f"{t.label.en} ({t.severity.value}, +{t.log_odds:.2f})" for t in terms)
    names_zh = "、".join(f"{t.label.zh}（+{t.log_odds:.2f}）" for t in terms)
    return Bilingual(
        en=(f"The scorecard's PD {format_pd(pd_scorecard)} is raised to {format_pd(pd)} by verified red flags too rare"
            f" to earn a scorecard bin: {names_en}; log-odds +{shift:.2f}, odds × {math.exp(shift):.1f} (policy flag overlay). "),
        zh=(f"评分卡违约概率 {format_pd(pd_scorecard)} 因评分卡未能计入的已核实罕见风险信号上调至 {format_pd(pd)}：{names_zh}；"
            f"对数几率 +{shift:.2f}，几率 × {math.exp(shift):.1f}（政策风险信号调整）。"),
    )


def floor_text(pd_model: float, pd: float, grade: str, floored_by: Sequence[KnockoutHit]) -> Bilingual:
    """How a policy PD floor raised the model's PD (empty when none binds)."""
    if not floored_by:
        return Bilingual(en="", zh="")
    rules_en = "; ".join(f"{h.rule_id} ({h.description}, {_pages(h.evidence)})" for h in floored_by)
    rules_zh = "；".join(f"{h.rule_id}（{h.description_zh or h.description}）" for h in floored_by)
    return Bilingual(
        en=(f" Policy raises the PD to its floor of {format_pd(pd)} (grade {grade}) for {rules_en}: the figures behind"
            f" the model's {format_pd(pd_model)} cannot vouch for this risk."),
        zh=f"政策将违约概率下限设为 {format_pd(pd)}（{grade} 级）：{rules_zh}；模型依据的财务数据不能抵消此项风险。",
    )


def precedence(model_decision: Action, decision: Action, pd_model: float, model_grade: str, policy: Policy,
               hits: Sequence[KnockoutHit], overlay: Bilingual | None = None, floor: Bilingual | None = None) -> Bilingual:
    """Which of model and rules decided, in words: the most severe wins, rules never relax the model."""
    t = policy.thresholds
    overlay = overlay or Bilingual(en="", zh="")
    floor = floor or Bilingual(en="", zh="")
    model_en = (f"{overlay.en}The model's PD {format_pd(pd_model)} (grade {model_grade}) alone says {model_decision}"
                f" (approve ≤ {t.approve_max_pd:.0%}, decline ≥ {t.decline_min_pd:.0%}).{floor.en}")
    model_zh = (f"{overlay.zh}模型违约概率 {format_pd(pd_model)}（{model_grade} 级）单独给出的结论是{ACTION_LABELS[model_decision][0]}"
                f"（≤{t.approve_max_pd:.0%} 批准，≥{t.decline_min_pd:.0%} 拒绝）。{floor.zh}")
    if not hits:
        return Bilingual(en=model_en + " No policy rule fired, so the model's decision stands.",
                         zh=model_zh + "无政策规则触发，以模型结论为准。")
    strictest = [h.rule_id for h in hits if h.action == decision]
    if ACTION_SEVERITY[decision] > ACTION_SEVERITY[model_decision]:
        en = f" Policy rules override it: {', '.join(strictest) or 'the floored PD'} {'requires' if len(strictest) <= 1 else 'require'} {decision}, the stricter outcome."
        zh = f"政策规则优先：{'、'.join(strictest) or '下限后的违约概率'} 要求{ACTION_LABELS[decision][0]}，取更严格者。"
    else:
        en = (f" {len(hits)} policy rule{'s' if len(hits) > 1 else ''} also fired; the most severe outcome wins"
              f" and rules never relax the model, so the decision is {decision}.")
        zh = f"另有 {len(hits)} 条政策规则触发；取最严格结论，规则不会放宽模型结论，最终为{ACTION_LABELS[decision][0]}。"
    return Bilingual(en=model_en + en, zh=model_zh + zh)


def explanation(decision: Action, pd: float, grade: str, hits: Sequence[KnockoutHit], flags: Sequence[FlagItem]) -> Bilingual:
    """The decision in one or two grammatical sentences per language."""
    en = f"{ACTION_LABELS[decision][1].capitalize()}: PD {format_pd(pd)}, grade {grade}"
    zh = f"{ACTION_LABELS[decision][0]}：违约概率 {format_pd(pd)}，{grade} 级"
    if hits:
        en += "; rules fired: " + "; ".join(f"{h.rule_id} ({h.description}, {_pages(h.evidence)})" for h in hits)
        zh += "；触发规则：" + "；".join(f"{h.rule_id}（{h.description_zh or h.description}）" for h in hits)
    if flags:
        n = len(flags)
        en += f". {n} verified red flag{'s' if n > 1 else ''}: " + ", ".join(f"{f.label.en} ({f.severity.value})" for f in flags)
        zh += f"。已核实风险信号 {n} 条：" + "、".join(f.label.zh for f in flags)
    else:
        en += ". No verified red flag"
        zh += "。无已核实的风险信号"
    return Bilingual(en=en + ".", zh=zh + "。")


def decide(
    features_row: FeatureRow,
    evidence_map: Mapping[str, Sequence[Evidence]] | None,
    model: ScorecardModel,
    policy: Policy,
    red_flags: Sequence[RedFlag] = (),
    figures: Mapping[str, float | None] | None = None,
    extra_knockouts: Sequence[KnockoutHit] = (),
) -> Decision:
    """Score one applicant and apply policy.

    The model's PD is the scorecard's, moved by the policy's flag overlay for verified flags the
    scorecard does not weigh (risk/overlay.py). A rule that fires may carry a PD floor: the
    decision's PD is the model's raised to the highest floor, because a qualified audit opinion
    or a detained chairman says the figures that make the model's PD low cannot be relied on.
    Grade, limit and thresholds read the floored PD; `model_decision` reads the model's alone.
    Reason codes are the model features whose points fall furthest below the best points that
    feature earned in training (the "points below max" convention), at most `policy.max_reasons`,
    each with the caller's evidence. Every verified red flag is listed, most severe first. The
    limit needs `figures` (revenue, operating_cash_flow of the scored year) and the policy's
    [limit] table; without either there is no limit. The final decision is the most severe of
    the PD thresholds and the knock-out rules that fired; a rule that replaces the model (the
    applicant is outside the scorecard's population) sets the PD decision aside. `extra_knockouts`
    are hits found outside the policy file (the extractor's profile contradicting verified
    evidence); they join the policy's before the final action, so the limit, precedence and
    explanation all follow the final action.
    """
    values = features_row.values
    evidence_map = evidence_map or {}
    pd_scorecard = float(model.predict_pd(values)[0])
    terms = overlay_terms(policy.flag_overlay, model.inputs, red_flags)  # inputs: a flag inside a 2-D variable is weighed too
    pd_model = apply_overlay(pd_scorecard, terms)
    score = float(model.score(values)[0])
    knockouts = [*policy.knockouts(values, red_flags, evidence_map), *extra_knockouts]
    applies = not any(k.replaces_model for k in knockouts)  # e.g. a bank: a corporate scorecard's PD says nothing
    floor = max((k.pd_floor for k in knockouts if k.pd_floor is not None), default=0.0)
    pd_value = max(pd_model, floor)
    floored_by = [k for k in knockouts if k.pd_floor == floor and floor > pd_model]
    grade = model.grade(pd_value)
    model_decision = policy.thresholds.action(pd_model)
    decision = max([policy.thresholds.action(pd_value)] * applies + [k.action for k in knockouts], key=ACTION_SEVERITY.__getitem__)

    adverse = [c for c in model.contributions(values) if c["points_below_max"] > 0]
    adverse.sort(key=lambda c: (-c["points_below_max"], c["feature"]))
    pairs = {p.name: (p.x, p.y) for p in model.pairs}
    reasons = []
    for i, c in enumerate(adverse[: policy.max_reasons], start=1):
        inputs = pairs.get(c["feature"], (c["feature"],))  # a 2-D variable reads, labels and cites both of its features
        labels = [feature_label(f) for f in inputs]
        reasons.append(ReasonCode(rank=i, label=Bilingual(zh=" × ".join(z for z, _ in labels), en=" × ".join(e for _, e in labels)),
                                  value_text=" · ".join(format_value(f, values.get(f)) for f in inputs),
                                  evidence=[e for f in inputs for e in evidence_map.get(f, [])], **c))
    flags = [
        FlagItem(type=f.type, severity=f.severity, label=Bilingual(zh=FLAG_LABELS[f.type][0], en=FLAG_LABELS[f.type][1]),
                 explanation=f.explanation, evidence=list(f.evidence))
        for f in sorted(red_flags, key=lambda f: (-SEVERITY_ORDER[f.severity], f.type.value))
    ]
    limit = None
    if policy.limit is not None and figures is not None:
        ruled = not applies or ACTION_SEVERITY[decision] > ACTION_SEVERITY[model_decision]
        decided_by = [k.rule_id for k in knockouts if k.action == decision] if ruled else []
        limit = recommend_limit(policy.limit, decision=decision, grade=grade, revenue=figures.get("revenue"),
                                operating_cash_flow=figures.get("operating_cash_flow"),
                                debt_to_assets=values.get("debt_to_assets"), red_flags=red_flags, decided_by=decided_by)
    return Decision(
        enterprise_id=features_row.enterprise_id,
        model_version=model.version,
        policy_version=policy.label,
        pd=pd_value,
        pd_model=pd_model,
        pd_scorecard=pd_scorecard,
        floored_by=[k.rule_id for k in floored_by],
        overlay=terms,
        score=score,
        grade=grade,
        model_decision=model_decision,
        decision=decision,
        knockouts=knockouts,
        precedence=precedence(model_decision, decision, pd_model, model.grade(pd_model), policy, knockouts,
                              overlay_text(pd_scorecard, pd_model, terms), floor_text(pd_model, pd_value, grade, floored_by)),
        red_flags=flags,
        reasons=reasons,
        limit=limit,
        explanation=explanation(decision, pd_value, grade, knockouts, flags),
    )

"""report.md of an evaluation run, and the story both reports tell, drawn from the EvalRun alone.

Written for a credit-risk committee: the executive summary comes first (which version is better,
on what, by how much, whether that is beyond noise, whether it changes credit decisions), then
the evidence. Findings and tables are built here once (`findings`, `report_tables`) and rendered as
Markdown here and as HTML in evaluation/report_html.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eprof.agent.schema import RedFlagType
from eprof.evaluation.charts import signed
from eprof.evaluation.downstream import ACTIONS, Downstream
from eprof.evaluation.metrics import BY_KEY, GATE_METRICS, METRICS, Metric
from eprof.evaluation.schema import Comparison, ContenderResult, EnterpriseOutcome, EvalRun, MetricComparison
from eprof.evaluation.stats import Interval
from eprof.risk.labels import format_pd

SUMMARY_METRICS = ("flag_f1", "flag_precision", "flag_recall", "claims_verified", "rejected_claims", "qa_correct",
                   "qa_abstention", "json_valid", "figures_exact", "tokens")
MAX_DISAGREEMENTS = 25


@dataclass(frozen=True)
class Finding:
    tone: str  # good | bad | neutral
    text: str


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


# ---------------------------------------------------------------- formatting


def fmt(value: float | None, metric: Metric | None = None) -> str:
    if value is None:
        return "n/a"
    unit = metric.unit if metric else "share"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "tokens":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_interval(interval: Interval, metric: Metric) -> str:
    if interval.value is None:
        return "n/a"
    if interval.lo is None or interval.hi is None:
        return fmt(interval.value, metric)
    return f"{fmt(interval.value, metric)} ({fmt(interval.lo, metric)} to {fmt(interval.hi, metric)})"


def fmt_diff(value: float | None, metric: Metric) -> str:
    if value is None:
        return "n/a"
    if metric.unit == "share":
        return f"{value * 100:+.1f} pp"
    return f"{value:+,.0f}" if metric.unit == "tokens" else f"{value:+.2f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def signed_interval(interval: Interval) -> str:
    if interval.value is None:
        return "n/a"
    spread = "" if interval.lo is None or interval.hi is None else f" ({signed(interval.lo)} to {signed(interval.hi)})"
    return signed(interval.value) + spread


def num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def fmt_level(level: float) -> str:
    """The confidence level of a run's intervals as a percentage: 0.95 -> 95%, 0.975 -> 97.5%."""
    return f"{round(level * 100, 2):g}%"


# ---------------------------------------------------------------- the story


def primary(run: EvalRun) -> Comparison | None:
    """The comparison the summary leads with: the last prompt version against the first, else the first pair."""
    prompts = [c.label for c in run.contenders if c.extractor == "llm"]
    if len(prompts) >= 2:
        return next(c for c in run.comparisons if (c.a, c.b) == (prompts[0], prompts[-1]))
    return run.comparisons[0] if run.comparisons else None


def _describe(m: MetricComparison, level: float) -> str:
    metric = BY_KEY[m.metric]
    d = m.difference
    return (f"{metric.label} {fmt(m.a, metric)} → {fmt(m.b, metric)} ({fmt_diff(d.diff, metric)}, "
            f"{fmt_level(level)} interval {fmt_diff(d.lo, metric)} to {fmt_diff(d.hi, metric)})")


def _moved(head: Comparison, verdict: str) -> list[MetricComparison]:
    """The headline metrics on which B is `verdict` (better or worse) than A beyond the noise."""
    return [m for m in head.metrics if m.verdict == verdict and m.metric in SUMMARY_METRICS]


# Each rule below tells one part of the executive summary, from the run and its primary comparison
# (None when the run has a single contender); `findings` concatenates them in the order of FINDING_RULES.


def _headline(run: EvalRun, head: Comparison | None) -> list[Finding]:
    """Adopt or not: a gated metric worse beyond noise forbids it; otherwise better-only, or no difference at all."""
    if head is None:
        return []
    worse, better = _moved(head, "worse"), _moved(head, "better")
    gated = [m for m in worse if m.metric in GATE_METRICS]
    level = run.settings.level
    if gated:
        return [Finding("bad", f"Do not adopt {head.b} over {head.a}: it is worse beyond the noise on "
                               + "; ".join(_describe(m, level) for m in gated) + ".")]
    if better and not worse:
        return [Finding("good", f"{head.b} improves on {head.a}: " + "; ".join(_describe(m, level) for m in better) + ".")]
    if not better and not worse:
        return [Finding("neutral", f"{head.b} and {head.a} do not differ beyond the noise on any headline metric over {head.n} enterprises.")]
    return []


def _other_moves(run: EvalRun, head: Comparison | None) -> list[Finding]:
    """What the headline leaves out: ungated metrics that got worse, and the better ones when something got worse."""
    if head is None:
        return []
    worse, better = _moved(head, "worse"), _moved(head, "better")
    rest = [m for m in worse if m.metric not in GATE_METRICS] + (better if worse else [])
    return [Finding("bad" if m.verdict == "worse" else "good", f"{head.b} vs {head.a}: {_describe(m, run.settings.level)}.") for m in rest]


def _decisions(run: EvalRun, head: Comparison | None) -> list[Finding]:
    if head is None or head.decision_agreement is None:
        return []
    changed = head.decision_changes
    if not changed:
        return [Finding("neutral", f"Credit decisions are the same under both versions for all {head.n} enterprises.")]
    moves = ", ".join(f"{c.enterprise_id} {c.a} → {c.b}" for c in changed[:6]) + (" …" if len(changed) > 6 else "")
    return [Finding("bad", f"Credit decisions change for {len(changed)} of {head.n} enterprises under {head.b} ({moves}).")]


def _shifts(run: EvalRun, head: Comparison | None) -> list[Finding]:
    shifted = [s for s in head.feature_shifts if s.band == "shift"] if head is not None else []
    if not shifted:
        return []
    return [Finding("bad", f"{len(shifted)} risk-model input(s) or the score shift between the versions (PSI ≥ 0.25): "
                           + ", ".join(f"{s.feature} {s.psi:.2f}" for s in shifted[:5]) + ".")]


def _contender_summaries(run: EvalRun, head: Comparison | None) -> list[Finding]:
    """With nothing to compare, each contender's headline figures."""
    if head is not None:
        return []
    return [Finding("neutral", f"{c.label} on {run.dataset.name}: red-flag F1 {fmt_interval(c.metrics['flag_f1'], BY_KEY['flag_f1'])}, "
                               f"precision {fmt(c.metrics['flag_precision'].value)}, recall {fmt(c.metrics['flag_recall'].value)}; "
                               f"evidence verification rate {fmt(c.metrics['claims_verified'].value)}; Q&A answered correctly "
                               f"{fmt(c.metrics['qa_correct'].value)}, correct abstention {fmt(c.metrics['qa_abstention'].value)}; "
                               f"figures exact {fmt(c.metrics['figures_exact'].value)}.")
            for c in run.contenders]


def _lift(run: EvalRun, head: Comparison | None) -> list[Finding]:
    """Whether each contender's features move the risk model's expected AUC beyond noise."""
    lifts = [(c.label, c.downstream.lift_expected_auc) for c in run.contenders if c.downstream.lift_expected_auc.value is not None]
    if not lifts:
        return []
    helps = [label for label, lift in lifts if lift.lo is not None and lift.lo > 0]
    hurts = [label for label, lift in lifts if lift.hi is not None and lift.hi < 0]
    if hurts:
        tone, verdict = "bad", f"the features of {', '.join(hurts)} worsen it beyond noise"
    elif helps:
        tone, verdict = "good", f"the features of {', '.join(helps)} improve the ranking beyond noise"
    else:
        tone, verdict = "neutral", "no contender's features change it beyond noise"
    base = run.contenders[0].downstream.without_llm.expected_auc
    return [Finding(tone, f"Risk model: expected AUC with ratios only {num(base)}; lift from the extractor's features: "
                          + "; ".join(f"{label} {signed_interval(lift)}" for label, lift in lifts) + f": {verdict}.")]


def _cost(run: EvalRun, head: Comparison | None) -> list[Finding]:
    llm = [c for c in run.contenders if c.extractor == "llm"]
    if not llm:
        return []

    def per_enterprise(c: ContenderResult) -> str:
        cost = c.usage.cost_estimate / max(run.dataset.enterprises * c.repeats, 1)
        return (f"{c.label} {c.metrics['tokens'].value:,.0f} tokens per enterprise"
                + (f" (≈ {cost:.4f} {run.settings.prices.currency})" if c.usage.cost_estimate else ""))

    parts = [per_enterprise(c) for c in llm if c.metrics["tokens"].value is not None]
    sent, hits = sum(c.usage.requests for c in llm), sum(c.usage.cache_hits for c in llm)
    return [Finding("neutral", "Cost: " + "; ".join(parts) + f". This run sent {sent} request(s) and served {hits} from the cache.")]


def _sample(run: EvalRun, head: Comparison | None) -> list[Finding]:
    """How much to trust the rest: the number of enterprises and the intervals' level."""
    return [Finding("neutral", f"{run.dataset.enterprises} enterprises; {fmt_level(run.settings.level)} bootstrap intervals over enterprises "
                               f"({run.settings.resamples} draws). With few enterprises the intervals are wide: "
                               "'no clear difference' is not proof of equality.")]


FINDING_RULES: tuple[Callable[[EvalRun, Comparison | None], list[Finding]], ...] = (
    _headline, _other_moves, _decisions, _shifts, _contender_summaries, _lift, _cost, _sample)


def findings(run: EvalRun) -> list[Finding]:
    """The executive summary, as sentences with a tone each: the lead sentence first."""
    head = primary(run)
    return [finding for rule in FINDING_RULES for finding in rule(run, head)]


# ---------------------------------------------------------------- tables


def _ms_pair(p50: float | None, p95: float | None) -> str:
    return "–" if p50 is None or p95 is None else f"{p50:,.0f} / {p95:,.0f} ms"


def _per_contender(run: EvalRun, first: str, rows: Sequence[tuple[str, Callable[[ContenderResult], str]]]) -> tuple[list[str], list[list[str]]]:
    """A table with one column per contender: its header and one row per (name, cell) pair."""
    return [first, *(c.label for c in run.contenders)], [[name, *(cell(c) for c in run.contenders)] for name, cell in rows]


def _contenders_table(run: EvalRun) -> Table:
    return Table("Contenders", ["contender", "extractor", "model", "prompt hash", "repeats", "changelog"], [
        [c.label, c.extractor, c.model or "–", (c.prompt_hash or "–")[:19], str(c.repeats), c.changelog or "deterministic patterns (agent/offline.py)"]
        for c in run.contenders])


def _metrics_table(run: EvalRun) -> Table:
    def row(m: Metric) -> tuple[str, Callable[[ContenderResult], str]]:
        return m.label, lambda c: fmt_interval(c.metrics[m.key], m)

    header, rows = _per_contender(run, "metric", [row(m) for m in METRICS])
    return Table(f"Metrics ({fmt_level(run.settings.level)} interval over enterprises)", header, rows,
                 "Shares pool all enterprises (and repeats); intervals resample enterprises.")


def _flags_table(run: EvalRun) -> Table:
    def row(t: RedFlagType) -> tuple[str, Callable[[ContenderResult], str]]:
        def cell(c: ContenderResult) -> str:
            n = c.per_type.get(t)
            return "–" if n is None else f"{num(n.f1, 2)} ({n.tp}/{n.fp}/{n.fn})"
        return t.value, cell

    header, rows = _per_contender(run, "type", [row(t) for t in RedFlagType if any(t in c.per_type for c in run.contenders)])
    return Table("Red flags by type (F1; TP/FP/FN)", header, rows)


def _figures_table(run: EvalRun) -> Table:
    def row(name: str) -> tuple[str, Callable[[ContenderResult], str]]:
        def cell(c: ContenderResult) -> str:
            f = c.figures.get(name)
            return "–" if f is None else f"{f.exact} / {f.within} / {f.total}"
        return name, cell

    header, rows = _per_contender(run, "figure", [row(n) for n in sorted({n for c in run.contenders for n in c.figures})])
    return Table("Figures by statement line (exact / within 1% / in truth)", header, rows)


def _cost_table(run: EvalRun) -> Table:
    return Table("Cost and latency", ["contender", "requests sent", "cache hits", "tokens (prompt + completion)",
                                      "tokens this run", "cost estimate", "LLM p50 / p95", "profile p50 / p95"], [
        [c.label, str(c.usage.requests), str(c.usage.cache_hits),
         f"{c.usage.prompt_tokens:,} + {c.usage.completion_tokens:,}", f"{c.usage.tokens_this_run:,}",
         f"{c.usage.cost_estimate:.4f} {run.settings.prices.currency}",
         _ms_pair(c.latency.llm_p50_ms, c.latency.llm_p95_ms), _ms_pair(c.latency.profile_p50_ms, c.latency.profile_p95_ms)]
        for c in run.contenders], "Tokens and LLM latency are those it took to produce each extraction, also when this run read it from the cache.")


# The rows of the downstream table: a measure ({level}: the run's confidence level) and its cell per contender.
DOWNSTREAM_ROWS: tuple[tuple[str, Callable[[ContenderResult, Downstream], str]], ...] = (
    ("expected AUC, with the extractor's features", lambda c, d: num(d.with_llm.expected_auc)),
    ("expected AUC, ratios only", lambda c, d: num(d.without_llm.expected_auc)),
    ("lift in expected AUC ({level} interval)", lambda c, d: signed_interval(d.lift_expected_auc)),
    ("expected KS, with / ratios only", lambda c, d: f"{num(d.with_llm.expected_ks)} / {num(d.without_llm.expected_ks)}"),
    ("AUC on the drawn labels, with / ratios only", lambda c, d: f"{num(d.with_llm.label_auc)} / {num(d.without_llm.label_auc)}"),
    ("decisions with the features (approve / refer / decline)", lambda c, d: " / ".join(str(d.decisions_with[a]) for a in ACTIONS)),
    ("decisions, ratios only (approve / refer / decline)", lambda c, d: " / ".join(str(d.decisions_without[a]) for a in ACTIONS)),
    ("same decision with and without the features", lambda c, d: pct(d.decision_agreement)),
    ("same decision in every repeat", lambda c, d: "–" if c.decision_stability is None else pct(c.decision_stability)),
)


def _downstream_table(run: EvalRun) -> Table:
    def row(name: str, cell: Callable[[ContenderResult, Downstream], str]) -> tuple[str, Callable[[ContenderResult], str]]:
        return name.format(level=fmt_level(run.settings.level)), lambda c: cell(c, c.downstream)

    header, rows = _per_contender(run, "measure", [row(name, cell) for name, cell in DOWNSTREAM_ROWS])
    defaults = run.contenders[0].downstream.n_defaults if run.contenders else 0
    return Table("Down to the credit decision", header, rows,
        f"With: {run.settings.risk_model} on the full feature row, final decision with knock-outs. Ratios only: "
        f"{run.settings.ratios_only_model}, the same scorecard trained on the same portfolio without the extractor's features, "
        f"PD thresholds alone. Expected AUC/KS weigh each enterprise by its true default probability (soft labels); "
        f"the drawn labels hold {defaults} default(s).")


TABLES: dict[str, Callable[[EvalRun], Table]] = {
    "contenders": _contenders_table, "metrics": _metrics_table, "flags": _flags_table, "figures": _figures_table,
    "cost": _cost_table, "downstream": _downstream_table,
}


def report_tables(run: EvalRun) -> dict[str, Table]:
    """Every table both reports show, by key."""
    return {key: build(run) for key, build in TABLES.items()}


def comparison_table(c: Comparison, level: float) -> Table:
    rows = []
    for m in c.metrics:
        metric = BY_KEY[m.metric]
        d = m.difference
        rows.append([metric.label, fmt(m.a, metric), fmt(m.b, metric), fmt_diff(d.diff, metric),
                     "n/a" if d.lo is None else f"{fmt_diff(d.lo, metric)} to {fmt_diff(d.hi, metric)}",
                     "n/a" if d.p_value is None else f"{d.p_value:.3f}", m.verdict])
    return Table(f"{c.b} against {c.a} (paired over {c.n} enterprises)",
                 ["metric", c.a, c.b, "difference", f"{fmt_level(level)} interval", "p (bootstrap)", "verdict"], rows)


def shift_table(c: Comparison) -> Table:
    moved = sorted((s for s in c.feature_shifts if s.band != "stable"), key=lambda s: -s.psi)
    stable = len(c.feature_shifts) - len(moved)
    return Table(f"Population stability of the risk-model inputs, {c.b} against {c.a}", ["input", "PSI", "band"],
                 [[s.feature, f"{s.psi:.3f}", s.band] for s in moved],
                 f"{stable} other input(s) stable (PSI < 0.1). PSI over the scorecard's own bins (deciles of A for the "
                 "extractor features it does not use): < 0.1 stable, 0.1-0.25 monitor, ≥ 0.25 shift; with few enterprises PSI is noisy.")


def _decision(o: EnterpriseOutcome) -> str | None:
    return o.scored.decision_with if o.scored else None


def differences(a: str, b: str, oa: EnterpriseOutcome, ob: EnterpriseOutcome) -> list[str]:
    """What differs between two contenders' outcomes for one enterprise, in words."""
    out = []
    if _decision(oa) != _decision(ob):
        out.append(f"decision {_decision(oa) or 'none'} → {_decision(ob) or 'none'}")
    types_a, types_b = {f.type.value for f in oa.flags}, {f.type.value for f in ob.flags}
    if only := sorted(types_a - types_b):
        out.append(f"only {a} reports {', '.join(only)}")
    if only := sorted(types_b - types_a):
        out.append(f"only {b} reports {', '.join(only)}")
    for label, o in ((a, oa), (b, ob)):
        if o.error:
            out.append(f"{label} produced no profile")
        if o.rejected:
            out.append(f"{label}: {len(o.rejected)} rejected claim(s)")
    return out


def disagreements(run: EvalRun, head: Comparison) -> list[tuple[EnterpriseOutcome, EnterpriseOutcome, list[str]]]:
    """Enterprises where the two contenders differ (decision, flags, failures, rejected claims);
    changed decisions first."""
    a, b = run.contender(head.a), run.contender(head.b)
    assert a is not None and b is not None
    by_b = {o.enterprise_id: o for o in b.outcomes}
    cases = []
    for oa in a.outcomes:
        ob = by_b.get(oa.enterprise_id)
        changed = differences(head.a, head.b, oa, ob) if ob else []
        pages = sorted((f.type, f.source, f.page) for f in oa.flags) != sorted((f.type, f.source, f.page) for f in ob.flags) if ob else False
        if ob and (changed or pages):
            cases.append((oa, ob, changed or ["the same flag types, cited on other pages"]))
    cases.sort(key=lambda c: _decision(c[0]) == _decision(c[1]))
    return cases[:MAX_DISAGREEMENTS]


def method(run: EvalRun) -> list[str]:
    s = run.settings
    return [
        f"Dataset `{run.dataset.name}` ({run.dataset.enterprises} enterprises), sha256 `{run.dataset.sha256}`, at `{run.dataset.path}`.",
        f"Code: eprof {run.code.eprof}, git `{run.code.git or 'n/a'}`, evaluation code `{run.code.evaluation_sha256[:23]}…`",
        f"Model: `{run.model or 'none (offline only)'}`. Prompts: " + (", ".join(f"`{k}` `{v[:23]}…`" for k, v in run.prompts.items()) or "none") + ".",
        f"Risk model `{s.risk_model}`, ratios-only model `{s.ratios_only_model}`, policy `{s.policy}`.",
        f"Repeats per LLM contender: {s.repeats} (repeat r > 0 sends seed r). Bootstrap: {s.resamples} draws of enterprises, seed {s.seed}, "
        f"{fmt_level(s.level)} percentile intervals; a difference is beyond noise when the paired interval excludes 0.",
        "Red flags match a planted flag of the same type citing the same document page; decoys are look-alike sentences. "
        "Figures are read in code from the statement tables, so they rarely differ between prompt versions. "
        "Q&A is answered offline from each contender's profile (agent/qa.py); an answerable question is correct when every "
        "part of the truth's answer appears in the answer or its quotes, an unanswerable one when the answer abstains.",
        "An enterprise whose extraction failed scores zero on every measure that needs a profile.",
        f"Re-run: `eprof eval run --dataset {run.dataset.path} "
        + " ".join(f"--prompt {c.prompt}" for c in run.contenders if c.prompt)
        + (" --extractor offline" if run.contender("offline") else "") + f" --repeats {s.repeats} --seed {s.seed}` "
        "(cached answers make it free).",
    ]


# ---------------------------------------------------------------- Markdown


def _md_table(table: Table) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"### {table.title}", "", "| " + " | ".join(map(cell, table.header)) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in table.rows]
    return lines + (["", f"_{table.note}_", ""] if table.note else [""])


def _md_flag(flag) -> str:  # noqa: ANN001 - CitedFlag
    return f"{flag.type.value} ({flag.severity.value}): \"{flag.quote[:140]}\" [{flag.source} p.{flag.page}]"


def render_markdown(run: EvalRun) -> str:
    tables = report_tables(run)
    mark = {"good": "✅ ", "bad": "⚠️ ", "neutral": ""}
    lines = [f"# Evaluation {run.run_id}: {' vs '.join(c.label for c in run.contenders)} on {run.dataset.name}", "",
             f"{run.created_at:%Y-%m-%d %H:%M} UTC · {run.dataset.enterprises} enterprises · {run.seconds:.0f} s", "",
             "## Executive summary", ""]
    lines += [f"- {mark[f.tone]}{f.text}" for f in findings(run)] + [""]
    lines += ["## Results", ""]
    for key in ("metrics", "downstream", "cost", "flags", "figures", "contenders"):
        lines += _md_table(tables[key])
    for c in run.comparisons:
        lines += ["## Comparison: " + f"{c.b} against {c.a}", ""] + _md_table(comparison_table(c, run.settings.level))
        if c.decision_changes:
            lines += ["Decision changes: " + ", ".join(f"{d.enterprise_id} {d.a} → {d.b}" for d in c.decision_changes), ""]
        if c.feature_shifts:
            lines += _md_table(shift_table(c))
    head = primary(run)
    if head is not None:
        pairs = disagreements(run, head)
        lines += [f"## Where {head.a} and {head.b} disagree ({len(pairs)} enterprise(s))", ""]
        for oa, ob, changed in pairs:
            lines += [f"### {oa.enterprise_id} {oa.name}", "", "Differs: " + "; ".join(changed) + ".", ""]
            for label, o in ((head.a, oa), (head.b, ob)):
                decision = f"{o.scored.decision_with} (PD {format_pd(o.scored.pd_with)})" if o.scored else f"no profile: {o.error}"
                lines.append(f"- **{label}**: {decision}")
                lines += [f"  - {'✓' if f.matched else '✗ not planted'} {_md_flag(f)}" for f in o.flags]
                lines += [f"  - missed: {_md_flag(f)}" for f in o.missed]
                lines += [f"  - rejected {r.field}: {r.reason}" + (f" — \"{r.quote[:120]}\"" if r.quote else "") for r in o.rejected]
            lines.append("")
    lines += ["## Method and reproducibility", ""] + [f"- {line}" for line in method(run)] + [""]
    return "\n".join(lines)

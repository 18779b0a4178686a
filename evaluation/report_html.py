"""report.html of an evaluation run: self-contained (inline CSS, inline SVG charts, no scripts, no
links out), readable by a credit committee and printable. Its findings and tables come from
evaluation/report.py, the same ones report.md shows; the page is templates/report.html.j2, rendered
with autoescaping (evaluation/templating.py), so nothing a run carries can become markup.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from eprof.agent.schema import RedFlagType
from eprof.evaluation.charts import Point, Row, bars, forest, scatter
from eprof.evaluation.metrics import BY_KEY
from eprof.evaluation.report import (
    comparison_table, disagreements, findings, fmt, fmt_diff, fmt_level, method, num, pct, primary, report_tables, shift_table,
)
from eprof.evaluation.schema import Comparison, EvalRun
from eprof.evaluation.stats import Interval
from eprof.evaluation.templating import render

KPI_METRICS = ("flag_f1", "claims_verified", "qa_correct", "tokens")
VERDICT_COLOUR = {"better": "var(--good)", "worse": "var(--bad)"}


def _kpis(head: Comparison | None) -> list[dict[str, str | None]]:
    """The headline tiles: each KPI metric A → B with its difference and verdict, then decision agreement."""
    if head is None:
        return []
    tiles: list[dict[str, str | None]] = []
    for key in KPI_METRICS:
        m = next(x for x in head.metrics if x.metric == key)
        metric = BY_KEY[key]
        tiles.append({"label": metric.label, "value": f"{fmt(m.a, metric)} → {fmt(m.b, metric)}",
                      "detail": f"{fmt_diff(m.difference.diff, metric)} · {m.verdict}",
                      "colour": VERDICT_COLOUR.get(m.verdict, "var(--muted)")})
    tiles.append({"label": "same credit decision", "value": pct(head.decision_agreement),
                  "detail": f"{len(head.decision_changes)} of {head.n} enterprises change", "colour": None})
    return tiles


def _tone(interval: Interval) -> str:
    if interval.lo is not None and interval.lo > 0:
        return "better"
    return "worse" if interval.hi is not None and interval.hi < 0 else "neutral"


def _charts(run: EvalRun, head: Comparison | None) -> dict[str, Markup | None]:
    cs = run.contenders
    level = fmt_level(run.settings.level)
    types = [t for t in RedFlagType if any(t in c.per_type for c in cs)]
    points = [Point(c.label, c.metrics["tokens"].value or 0.0, c.metrics["flag_f1"].value or 0.0,
                    c.metrics["flag_f1"].lo, c.metrics["flag_f1"].hi) for c in cs]
    charts: dict[str, Markup | None] = {
        "flags": bars([t.value for t in types], {c.label: [c.per_type[t].f1 if t in c.per_type else None for t in types] for c in cs},
                      title="red-flag F1 by type"),
        "cost": scatter(points, title="tokens per enterprise against red-flag F1", x_label="tokens per enterprise",
                        y_label=f"red-flag F1 ({level} interval)") if any(p.x for p in points) else None,
        "lift": forest([Row(c.label, c.downstream.lift_expected_auc.value, c.downstream.lift_expected_auc.lo,
                            c.downstream.lift_expected_auc.hi, _tone(c.downstream.lift_expected_auc)) for c in cs],
                       title="lift in expected AUC from the extractor's features", width=520, label_width=110),
        "differences": None,
    }
    if head is not None:
        rows = [Row(BY_KEY[m.metric].label, m.difference.diff, m.difference.lo, m.difference.hi,
                    {"better": "better", "worse": "worse"}.get(m.verdict, "neutral"))
                for m in head.metrics if BY_KEY[m.metric].unit == "share"]
        charts["differences"] = forest(rows, title=f"{head.b} minus {head.a}")
    return charts


def _comparisons(run: EvalRun, head: Comparison | None) -> list[dict[str, Any]]:
    """One folded section per comparison; the primary one open."""
    return [{"a": c.a, "b": c.b, "open": c is head, "table": comparison_table(c, run.settings.level),
             "decision_changes": c.decision_changes, "shifts": shift_table(c) if c.feature_shifts else None}
            for c in run.comparisons]


def render_html(run: EvalRun) -> str:
    head = primary(run)
    lead, *others = findings(run)
    return str(render(
        "report.html.j2",
        title=f"Prompt evaluation: {' vs '.join(c.label for c in run.contenders)}",
        run=run, head=head, lead=lead, others=others, kpis=_kpis(head), charts=_charts(run, head),
        level=fmt_level(run.settings.level), ratios_only_auc=num(run.contenders[0].downstream.without_llm.expected_auc),
        tables=report_tables(run), comparisons=_comparisons(run, head),
        cases=disagreements(run, head) if head is not None else [], method=method(run),
    ))

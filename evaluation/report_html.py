"""report.html of an evaluation run: self-contained (inline CSS, inline SVG charts, no scripts, no
links out), readable by a credit committee and printable. Its findings and tables come from
evaluation/report.py, the same ones report.md shows.
"""

from __future__ import annotations

from html import escape

from eprof.agent.schema import RedFlagType
from eprof.evaluation.charts import Point, Row, bars, forest, scatter
from eprof.evaluation.metrics import BY_KEY
from eprof.evaluation.report import (
    Table, comparison_table, disagreements, findings, fmt, fmt_diff, method, num, pct, primary, report_tables, shift_table,
)
from eprof.evaluation.schema import Comparison, EnterpriseOutcome, EvalRun
from eprof.evaluation.stats import Interval
from eprof.risk.labels import format_pd

CSS = """
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--navy:#1f3a5f;--good:#2a9d8f;--bad:#d1495b;--warn:#e9a03b;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 -apple-system,'Segoe UI',Helvetica,Arial,'PingFang SC','Noto Sans CJK SC',sans-serif}
header{background:var(--navy);color:#fff;padding:28px 48px 22px}
header h1{margin:0 0 6px;font-size:24px;font-weight:600;letter-spacing:.2px}
header .meta{opacity:.85;font-size:13px}
main{max-width:1180px;margin:0 auto;padding:24px 48px 48px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin:0 0 20px}
h2{font-size:18px;margin:0 0 12px;color:var(--navy)}
h3{font-size:15px;margin:18px 0 8px}
.verdict{border-left:6px solid var(--muted);padding:14px 18px;margin:0 0 14px;background:#f9fafb;border-radius:4px;font-size:15px}
.verdict.good{border-color:var(--good);background:#eef8f6}.verdict.bad{border-color:var(--bad);background:#fdf0f2}
ul.findings{margin:0;padding-left:0;list-style:none}
ul.findings li{padding:7px 0 7px 26px;border-bottom:1px solid var(--line);position:relative}
ul.findings li:before{content:'';position:absolute;left:6px;top:14px;width:9px;height:9px;border-radius:50%;background:var(--muted)}
ul.findings li.good:before{background:var(--good)}ul.findings li.bad:before{background:var(--bad)}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin:16px 0 4px}
.kpi{border:1px solid var(--line);border-radius:6px;padding:10px 14px}
.kpi .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px}
.kpi .v{font-size:20px;font-weight:600;margin-top:2px}.kpi .s{font-size:12px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 4px}
th{background:#f0f3f7;text-align:left;font-weight:600;padding:7px 9px;border-bottom:2px solid var(--line)}
td{padding:6px 9px;border-bottom:1px solid var(--line);vertical-align:top}
tr:nth-child(even) td{background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.note{color:var(--muted);font-size:12px;margin:4px 0 0}
.tag{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#e4e7eb;color:var(--ink)}
.tag.better,.tag.approve{background:#d7f0eb;color:#1b6b61}.tag.worse,.tag.decline{background:#f8d7dc;color:#9b2335}
.tag.refer,.tag.monitor{background:#fbeacc;color:#8a5a00}.tag.shift{background:#f8d7dc;color:#9b2335}
.tag.stable{background:#d7f0eb;color:#1b6b61}
.scroll{overflow-x:auto}
details>summary{cursor:pointer;font-size:16px;font-weight:600;color:var(--navy);margin:0 0 6px}
.diffline{padding:6px 14px;font-size:13px;color:var(--muted);border-bottom:1px solid var(--line)}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.case{border:1px solid var(--line);border-radius:6px;margin:0 0 14px;overflow:hidden}
.case h3{margin:0;padding:9px 14px;background:#f0f3f7;font-size:14px}
.case .side{padding:10px 14px}.case .side+.side{border-left:1px solid var(--line)}
.flag{margin:6px 0;font-size:13px}.flag q{display:block;color:var(--muted);font-style:italic;margin:2px 0 0 18px}
.ok{color:var(--good);font-weight:700}.fp{color:var(--bad);font-weight:700}.miss{color:var(--warn);font-weight:700}
.src{color:var(--muted);font-size:12px}
code{font-size:12px;background:#f0f3f7;padding:1px 4px;border-radius:3px}
nav{font-size:13px;margin:0 0 16px}nav a{color:var(--navy);margin-right:14px;text-decoration:none}
@media print{body{background:#fff}section{break-inside:avoid;border:none}header{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""


def _html_table(table: Table, numeric_from: int = 1, tags: int | None = None) -> str:
    head = "".join(f'<th class="{"num" if i >= numeric_from else ""}">{escape(h)}</th>' for i, h in enumerate(table.header))
    body = []
    for row in table.rows:
        cells = []
        for i, value in enumerate(row):
            if tags is not None and i == tags:
                cells.append(f'<td><span class="tag {escape(value.split()[0])}">{escape(value)}</span></td>')
            else:
                cells.append(f'<td class="{"num" if i >= numeric_from else ""}">{escape(value)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return (f'<h3>{escape(table.title)}</h3><div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>{note}")


def _kpis(run: EvalRun, head: Comparison | None) -> str:
    if head is None:
        return ""
    items = []
    for key in ("flag_f1", "claims_verified", "qa_correct", "tokens"):
        m = next(x for x in head.metrics if x.metric == key)
        metric = BY_KEY[key]
        tone = {"better": "var(--good)", "worse": "var(--bad)"}.get(m.verdict, "var(--muted)")
        items.append(f'<div class="kpi"><div class="k">{escape(metric.label)}</div>'
                     f'<div class="v">{escape(fmt(m.a, metric))} → {escape(fmt(m.b, metric))}</div>'
                     f'<div class="s" style="color:{tone}">{escape(fmt_diff(m.difference.diff, metric))} · {escape(m.verdict)}</div></div>')
    agreement = head.decision_agreement
    items.append(f'<div class="kpi"><div class="k">same credit decision</div><div class="v">{pct(agreement)}</div>'
                 f'<div class="s">{len(head.decision_changes)} of {head.n} enterprises change</div></div>')
    return '<div class="kpis">' + "".join(items) + "</div>"


def _charts(run: EvalRun, head: Comparison | None) -> str:
    cs = run.contenders
    types = [t for t in RedFlagType if any(t in c.per_type for c in cs)]
    parts = ['<div>', "<h3>Red-flag F1 by type</h3>",
             bars([t.value for t in types], {c.label: [c.per_type[t].f1 if t in c.per_type else None for t in types] for c in cs},
                  title="red-flag F1 by type"), "</div>"]
    points = [Point(c.label, c.metrics["tokens"].value or 0.0, c.metrics["flag_f1"].value or 0.0,
                    c.metrics["flag_f1"].lo, c.metrics["flag_f1"].hi) for c in cs]
    lift = forest([Row(c.label, c.downstream.lift_expected_auc.value, c.downstream.lift_expected_auc.lo,
                       c.downstream.lift_expected_auc.hi, _tone(c.downstream.lift_expected_auc)) for c in cs],
                  title="lift in expected AUC from the extractor's features", width=520, label_width=110)
    cost = ['<div><h3>Cost against quality</h3>',
            scatter(points, title="tokens per enterprise against red-flag F1", x_label="tokens per enterprise",
                    y_label="red-flag F1 (95% interval)"),
            '<p class="note">The offline extractor costs no tokens.</p></div>'] if any(p.x for p in points) else []
    parts += ['<div class="grid2">', *cost,
              "<div><h3>What the extractor's features add to the risk model</h3>", lift,
              f'<p class="note">Expected AUC with the features minus ratios only ({num(cs[0].downstream.without_llm.expected_auc)}), '
              "under the true default probabilities, with its 95% interval.</p></div></div>"]
    if head is not None:
        rows = [Row(BY_KEY[m.metric].label, m.difference.diff, m.difference.lo, m.difference.hi,
                    {"better": "better", "worse": "worse"}.get(m.verdict, "neutral"))
                for m in head.metrics if BY_KEY[m.metric].unit == "share"]
        parts += [f"<h3>{escape(head.b)} minus {escape(head.a)}: differences with 95% intervals</h3>",
                  forest(rows, title=f"{head.b} minus {head.a}"),
                  '<p class="note">Green: better beyond noise; red: worse beyond noise; grey: the interval includes 0.</p>']
    return "".join(parts)


def _code_spans(markdown: str) -> str:
    """Markdown `code` as <code>, everything escaped."""
    pieces = markdown.split("`")
    return "".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(pieces))


def _tone(interval: Interval) -> str:
    if interval.lo is not None and interval.lo > 0:
        return "better"
    return "worse" if interval.hi is not None and interval.hi < 0 else "neutral"


def _html_flags(o: EnterpriseOutcome) -> str:
    if o.scored is None:
        return f'<p><span class="tag worse">no profile</span> {escape(o.error or "")}</p>'
    parts = [f'<p><span class="tag {o.scored.decision_with}">{o.scored.decision_with}</span> PD {format_pd(o.scored.pd_with)} · '
             f'grade {escape(o.scored.grade_with)}' + (f' · knock-outs {escape(", ".join(o.scored.knockouts))}' if o.scored.knockouts else "") + "</p>"]
    for f in o.flags:
        mark = '<span class="ok">✓</span>' if f.matched else '<span class="fp">✗</span>'
        parts.append(f'<div class="flag">{mark} <b>{escape(f.type.value)}</b> ({escape(f.severity.value)}) '
                     f'<span class="src">{escape(f.source)} p.{f.page}</span><q>{escape(f.quote[:220])}</q></div>')
    for f in o.missed:
        parts.append(f'<div class="flag"><span class="miss">missed</span> <b>{escape(f.type.value)}</b> '
                     f'<span class="src">{escape(f.source)} p.{f.page}</span><q>{escape(f.quote[:220])}</q></div>')
    for r in o.rejected:
        quote = f"<q>{escape(r.quote[:220])}</q>" if r.quote else ""
        parts.append(f'<div class="flag"><span class="fp">rejected</span> {escape(r.field)}: {escape(r.reason)}{quote}</div>')
    return "".join(parts)


def render_html(run: EvalRun) -> str:
    tables = report_tables(run)
    head = primary(run)
    found = findings(run)
    lead = found[0]
    title = f"Prompt evaluation: {' vs '.join(c.label for c in run.contenders)}"
    sections = [
        '<section id="summary"><h2>Executive summary</h2>',
        f'<div class="verdict {lead.tone}">{escape(lead.text)}</div>',
        _kpis(run, head),
        '<ul class="findings">' + "".join(f'<li class="{f.tone}">{escape(f.text)}</li>' for f in found[1:]) + "</ul></section>",
        '<section id="charts"><h2>At a glance</h2>' + _charts(run, head) + "</section>",
        '<section id="results"><h2>Results</h2>' + _html_table(tables["metrics"]) + _html_table(tables["downstream"])
        + _html_table(tables["cost"]) + "</section>",
    ]
    for c in run.comparisons:
        opened = " open" if c is head else ""
        block = [f'<section><details{opened}><summary>Comparison: {escape(c.b)} against {escape(c.a)}</summary>',
                 _html_table(comparison_table(c), tags=6)]
        if c.decision_changes:
            block.append("<p>Decision changes: " + ", ".join(
                f'{escape(d.enterprise_id)} <span class="tag {d.a}">{d.a}</span> → <span class="tag {d.b}">{d.b}</span>'
                for d in c.decision_changes) + "</p>")
        if c.feature_shifts:
            block.append(_html_table(shift_table(c), tags=2))
        sections.append("".join(block) + "</details></section>")
    if head is not None:
        pairs = disagreements(run, head)
        cases = [f'<section id="cases"><h2>Where {escape(head.a)} and {escape(head.b)} disagree ({len(pairs)} enterprise(s))</h2>',
                 '<p class="note">✓ matches a planted red flag · ✗ reported but not planted · missed: planted but not reported · '
                 "rejected: a claim whose quote was not found in the cited passage.</p>"]
        for oa, ob, changed in pairs:
            cases.append(f'<div class="case"><h3>{escape(oa.enterprise_id)} · {escape(oa.name)}</h3>'
                         f'<div class="diffline">Differs: {escape("; ".join(changed))}</div><div class="grid2" style="gap:0">'
                         f'<div class="side"><b>{escape(head.a)}</b>{_html_flags(oa)}</div>'
                         f'<div class="side"><b>{escape(head.b)}</b>{_html_flags(ob)}</div></div></div>')
        sections.append("".join(cases) + "</section>")
    sections.append('<section id="details"><h2>Details</h2>' + _html_table(tables["flags"]) + _html_table(tables["figures"])
                    + _html_table(tables["contenders"], numeric_from=99) + "</section>")
    sections.append('<section id="method"><h2>Method and reproducibility</h2><ul>'
                    + "".join(f"<li>{_code_spans(line)}</li>" for line in method(run)) + "</ul></section>")
    nav = ('<nav><a href="#summary">Summary</a><a href="#charts">Charts</a><a href="#results">Results</a>'
           + ('<a href="#cases">Disagreements</a>' if head is not None else "")
           + '<a href="#details">Details</a><a href="#method">Method</a></nav>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{escape(title)}</h1><div class=\"meta\">Dataset {escape(run.dataset.name)} · {run.dataset.enterprises} enterprises · "
            f"run {escape(run.run_id)} · {run.created_at:%Y-%m-%d %H:%M} UTC · model {escape(run.model or 'offline only')}</div></header>"
            f"<main>{nav}{''.join(sections)}</main></body></html>")

"""`eprof risk`: train the scorecard and watch population stability."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from eprof.cli._common import ChromaUrlOption, StoreOption, console, print_json, settings_from
from eprof.cli.profiling import cite

METRICS = ("auc", "ks", "gini", "brier")


def train(
    data: Annotated[Path, typer.Option("--data", help="CSV of feature columns plus a 0/1 label column")],
    label: Annotated[str, typer.Option("--label", help="name of the 0/1 default column")],
    out: Annotated[Path, typer.Option("--out", help="folder for model.json, challenger.txt, glassbox.txt and the model card")],
    policy: Annotated[
        Path | None, typer.Option("--policy", help="policy TOML for the master scale (default: risk/policy.toml)")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="column to leave out, e.g. an id (repeatable)")
    ] = None,
    cv: Annotated[int, typer.Option("--cv", min=2, help="stratified folds for calibration and CV figures")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="fold shuffling seed")] = 0,
) -> None:
    """Train the WoE scorecard, a glass-box and a LightGBM challenger; write a JSON artifact and a model card."""
    from eprof.risk.policy import load_policy
    from eprof.risk.train import train_csv, write_outputs

    trained = train_csv(data, label, exclude=exclude or [], policy=load_policy(policy), cv=cv, random_state=seed)
    paths = write_outputs(trained, out)
    sc = trained.card["scorecard"]["cross_validation"]["per_fold"]
    ch = trained.card["challenger"]["cross_validation"]["per_fold"]
    gb = trained.card["glassbox"]["cross_validation"]["per_fold"]
    table = Table("model", "AUC", "KS", "Gini", "Brier", title=f"{trained.artifact.model_version}: {cv}-fold CV")
    for name, block in (("scorecard", sc), ("glass-box (depth-2 boosting)", gb), ("challenger (LightGBM)", ch)):
        table.add_row(name, *(f"{block[m]['mean']:.4f} ± {block[m]['std']:.4f}" for m in METRICS))
    console.print(table)
    console.print(f"{len(trained.artifact.features)} features kept, {len(trained.artifact.dropped)} dropped")
    for path in paths:
        console.print(f"wrote {path}", highlight=False)


def monitor(
    baseline: Annotated[Path, typer.Option("--baseline", help="CSV of the reference population")],
    current: Annotated[Path, typer.Option("--current", help="CSV of the population to compare")],
    model: Annotated[
        Path | None, typer.Option("--model", help="model folder: use its bins and add the score's PSI")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="also write the report as JSON here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """PSI/CSI between two populations (< 0.1 stable, 0.1-0.25 monitor, >= 0.25 shift)."""
    from eprof.risk.artifact import load_model
    from eprof.risk.monitor import read_population, stability_report

    report = stability_report(
        read_population(baseline), read_population(current), None if model is None else load_model(model)
    )
    if json_out is not None:
        json_out.write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    if as_json:
        print_json(report)
        return
    colour = {"stable": "green", "monitor": "yellow", "shift": "red"}
    table = Table(
        "name", "kind", "bins", "PSI", "band", "missing (base/cur)",
        title=f"stability: {report.n_baseline} baseline vs {report.n_current} current rows",
    )
    for row in report.rows:
        table.add_row(
            row.name, row.kind, str(row.n_bins), f"{row.psi:.4f}", f"[{colour[row.band]}]{row.band}[/]",
            f"{row.baseline_missing:.1%} / {row.current_missing:.1%}",
        )
    console.print(table)
    for name, reason in report.skipped.items():
        console.print(f"  [yellow]not compared[/] {escape(name)}: {reason}", highlight=False)


ACTION_STYLE = {"approve": "bold green", "refer": "bold yellow", "decline": "bold red"}


def decide(
    enterprise_id: Annotated[str, typer.Argument(help="enterprise with a profile (run `eprof profile` first)")],
    model: Annotated[Path | None, typer.Option("--model", help="model folder [default: the shipped model in risk/default_model]", show_default=False)] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="policy TOML [default: risk/policy.toml]", show_default=False)] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the decision JSON")] = False,
) -> None:
    """Score the enterprise's verified profile: PD, points, grade, decision and reason codes with evidence."""
    from eprof.agent.profile import load_profile
    from eprof.risk.policy import load_policy
    from eprof.risk.run import decide_profile, load_default_model

    from eprof.agent.staleness import profile_staleness
    from eprof.retrieval.store import Store

    settings = settings_from(store, chroma_url)
    record = decide_profile(load_profile(settings, enterprise_id), load_default_model(model), load_policy(policy))
    record = record.model_copy(update={"staleness": profile_staleness(settings, enterprise_id, Store(settings).enterprise(enterprise_id))})
    if as_json:
        print_json(record)
        return
    show_decision(record)


def show_decision(record) -> None:  # noqa: ANN001 - risk.run.DecisionRecord, imported lazily
    from eprof.risk.labels import ACTION_LABELS, format_amount, format_pd

    d = record.decision
    console.print(
        f"[bold]{d.enterprise_id}[/]: [{ACTION_STYLE[d.decision]}]{d.decision.upper()}[/] {ACTION_LABELS[d.decision][0]}  "
        f"PD {format_pd(d.pd)}{f' (model {format_pd(d.pd_model)}, floored by policy)' if d.floored_by else ''} · grade {d.grade}"
        f" · {d.score:.0f} points · model {d.model_version} · policy {d.policy_version}",
        highlight=False,
    )
    made_by = record.extractor if record.prompt is None else f"{record.extractor} with {record.prompt} ({record.prompt_hash[:19]})"
    console.print(f"  features from the {made_by} profile, fiscal year {record.fiscal_year or 'unknown'}", highlight=False)
    if record.staleness is not None:
        style = "bold yellow" if record.staleness.stale else "dim"
        console.print(f"  [{style}]{escape(record.staleness.line(d.enterprise_id))}[/]", highlight=False)
    console.print(f"  {escape(d.explanation.en)}\n  {escape(d.explanation.zh)}", highlight=False)
    console.print(f"  [bold]precedence[/] {escape(d.precedence.en)}\n             {escape(d.precedence.zh)}", highlight=False)

    def quotes(evidence, n: int = 2) -> str:  # noqa: ANN001
        return escape("\n".join(f"{cite(e)} {e.quote[:90]}" for e in evidence[:n]))

    if d.knockouts:
        rules = Table("rule", "action", "why", "evidence (quote, page)", title="Policy rules that fired", show_lines=True)
        for hit in d.knockouts:
            why = escape(hit.description + (f"\n{hit.description_zh}" if hit.description_zh else ""))
            floor = "" if hit.pd_floor is None else f"\nPD ≥ {format_pd(hit.pd_floor)}"
            rules.add_row(hit.rule_id, f"[{ACTION_STYLE[hit.action]}]{hit.action}[/]{floor}", why,
                          quotes(hit.evidence) or "[dim]no document evidence (missing or computed)[/]")
        console.print(rules)
    if d.red_flags:
        flags = Table("red flag", "severity", "explanation", "evidence (quote, page)", title="Verified red flags", show_lines=True)
        for f in d.red_flags:
            flags.add_row(escape(f"{f.label.zh}\n{f.label.en}"), f.severity.value, escape(f.explanation), quotes(f.evidence, 1))
        console.print(flags)
    else:
        console.print("  no verified red flags")
    table = Table("#", "reason", "value", "points below best", "evidence", title="Reason codes (largest adverse contributions)", show_lines=True)
    for reason in d.reasons:
        evidence = quotes(reason.evidence) or "[dim]no document evidence (missing or computed)[/]"
        table.add_row(str(reason.rank), escape(f"{reason.label.zh}\n{reason.label.en}"), reason.value_text,
                      f"{reason.points_below_max:.1f}", evidence)
    console.print(table if d.reasons else "  no adverse contributions")
    if d.limit is not None:
        lim = d.limit
        amount = "not computed" if lim.amount is None else format_amount(lim.amount, lim.currency)
        console.print(f"  [bold]recommended limit[/] {amount} ({escape(lim.note)})", highlight=False)
        for step in lim.steps:
            console.print(f"    {escape(step.name)}: {escape(step.formula)} = {step.value:,.0f}", highlight=False)
        for c in lim.conditions:
            console.print(f"    condition {c.id}: {escape(c.text.en)} / {escape(c.text.zh)} (triggered by {', '.join(c.triggered_by)})",
                          highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(decide)
    risk = typer.Typer(no_args_is_help=True, help="Credit risk model: train the scorecard, monitor stability.")
    risk.command()(train)
    risk.command()(monitor)
    app.add_typer(risk, name="risk")

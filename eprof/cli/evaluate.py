"""`eprof eval`: compare prompt versions and the offline extractor on labelled data, and gate releases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from eprof.cli._common import StoreOption, console, err_console, print_json, settings_from

VERDICT_SHORT = {"better": "[green]better[/]", "worse": "[bold red]worse[/]", "no clear difference": "[dim]within noise[/]",
                 "not measured": "[dim]n/a[/]"}
TONE_STYLE = {"good": "green", "bad": "red", "neutral": "default"}


def run(
    dataset: Annotated[Path, typer.Option("--dataset", help="labelled dataset folder (manifest.csv, truth/<id>.json, docs/) or labelled news NEWS.jsonl (evaluation/news_dataset.py)")],
    prompt: Annotated[list[str] | None, typer.Option("--prompt", help="an LLM contender, e.g. profile@v2 (repeatable)")] = None,
    extractor: Annotated[list[str] | None, typer.Option("--extractor", help="offline (one more contender) or llm (the default prompt); repeatable")] = None,
    repeats: Annotated[int, typer.Option("--repeats", min=1, max=20, help="runs of each LLM contender (seed r for repeat r > 0)")] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="folder for results.json, report.md, report.html [default: STORE/evals/RUN_ID]", show_default=False)] = None,
    model: Annotated[Path | None, typer.Option("--model", help="risk model folder [default: risk/default_model]", show_default=False)] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="policy TOML [default: risk/policy.toml]", show_default=False)] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=100, help="bootstrap draws of enterprises")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="bootstrap seed")] = 0,
    level: Annotated[float, typer.Option("--level", min=0.5, max=0.999, help="confidence level of the bootstrap intervals")] = 0.95,
    price_prompt: Annotated[float, typer.Option("--price-prompt", min=0, envvar="EPROF_PRICE_PROMPT_PER_1K", help="price per 1k prompt tokens, for the cost estimate")] = 0.0,
    price_completion: Annotated[float, typer.Option("--price-completion", min=0, envvar="EPROF_PRICE_COMPLETION_PER_1K", help="price per 1k completion tokens")] = 0.0,
    currency: Annotated[str, typer.Option("--currency", help="currency of the prices")] = "USD",
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print results.json instead of the summary")] = False,
) -> None:
    """Run each contender over a labelled dataset; write results.json, report.md and report.html.

    Metrics per contender with bootstrap intervals over enterprises, paired comparisons between
    contenders, and what each does to the risk model's AUC, KS and decisions. LLM answers are
    cached in the dataset's evaluation store: re-running the same contenders sends no request.
    """
    from eprof.agent.pricing import Prices
    from eprof.evaluation.dataset import load_dataset
    from eprof.evaluation.runner import RunOptions, plan_contenders, run_evaluation
    from eprof.risk.policy import load_policy
    from eprof.risk.run import load_default_model

    settings = settings_from(store)
    contenders = plan_contenders(prompt or [], extractor or [], settings)
    total = len(load_dataset(dataset).truths) * sum(repeats if c.extractor == "llm" else 1 for c in contenders)
    options = RunOptions(repeats=repeats, resamples=resamples, seed=seed, level=level,
                         prices=Prices(prompt_per_1k=price_prompt, completion_per_1k=price_completion, currency=currency))
    bar = Progress(TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}"), console=err_console, transient=True, disable=as_json)
    task = bar.add_task("", total=total)

    def step(line: str) -> None:
        bar.update(task, description=line, advance=0 if line.startswith("ingested") else 1)

    with bar:
        result, folder = run_evaluation(settings, dataset, contenders, model=load_default_model(model),
                                        policy=load_policy(policy), options=options, out=out, progress=step)
    if as_json:
        print_json(result)
        return
    show_run(result)
    console.print(f"[dim]results.json, report.md and report.html in {escape(str(folder))}[/]", highlight=False)


def show_run(result) -> None:  # noqa: ANN001 - evaluation.schema.EvalRun, imported lazily
    from eprof.evaluation.metrics import BY_KEY
    from eprof.evaluation.report import SUMMARY_METRICS, findings, fmt_interval, fmt_level

    table = Table("metric", *(c.label for c in result.contenders),
                  title=f"{result.run_id}: {result.dataset.name}, {result.dataset.enterprises} enterprises "
                        f"({fmt_level(result.settings.level)} intervals)")
    for key in SUMMARY_METRICS:
        table.add_row(BY_KEY[key].label, *(fmt_interval(c.metrics[key], BY_KEY[key]) for c in result.contenders))
    table.add_row("expected AUC with / without LLM features", *(
        " / ".join("n/a" if x is None else f"{x:.3f}" for x in (c.downstream.with_llm.expected_auc, c.downstream.without_llm.expected_auc))
        for c in result.contenders))
    console.print(table)
    for finding in findings(result):
        console.print(f"[{TONE_STYLE[finding.tone]}]•[/] {escape(finding.text)}", highlight=False)


def compare(
    a: Annotated[Path, typer.Argument(help="results.json of the reference run (e.g. the released prompt)")],
    b: Annotated[Path, typer.Argument(help="results.json of the candidate run")],
    metric: Annotated[list[str] | None, typer.Option("--metric", help="metric to gate on (repeatable) [default: flag_f1, claims_verified, qa_correct, qa_abstention, json_valid]", show_default=False)] = None,
    fail_on_regression: Annotated[bool, typer.Option("--fail-on-regression", help="exit 1 when B is worse than A beyond the noise on a gated metric")] = False,
    contender_a: Annotated[str | None, typer.Option("--contender-a", help="contender of A [default: A's last]", show_default=False)] = None,
    contender_b: Annotated[str | None, typer.Option("--contender-b", help="contender of B [default: B's last]", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the comparison JSON")] = False,
) -> None:
    """Paired comparison of two runs on the same dataset; with --fail-on-regression, a CI gate."""
    from eprof.kernel.errors import NotFoundError
    from eprof.evaluation.compare import check_metrics, compare_runs, load_run, regressions
    from eprof.evaluation.metrics import BY_KEY, GATE_METRICS
    from eprof.evaluation.report import fmt, fmt_diff, fmt_level
    from eprof.risk.run import load_default_model

    gated = check_metrics(metric or GATE_METRICS)
    try:
        model = load_default_model()
    except NotFoundError:
        model = None
    run_a = load_run(a)
    comparison = compare_runs(run_a, load_run(b), contender_a, contender_b, model)
    worse = regressions(comparison, gated)
    if as_json:
        print_json(comparison)
    else:
        table = Table(Column("metric", no_wrap=True), "A", "B", "B - A", f"{fmt_level(run_a.settings.level)} interval", "verdict", box=box.SIMPLE_HEAD,
                      title=f"B {comparison.b} against A {comparison.a}, paired over {comparison.n} enterprises",
                      caption="* gated" + (" (--fail-on-regression)" if fail_on_regression else ""))
        for m in comparison.metrics:
            spec, d = BY_KEY[m.metric], m.difference
            interval = "n/a" if d.lo is None else f"{fmt_diff(d.lo, spec).removesuffix(' pp')} to {fmt_diff(d.hi, spec).removesuffix(' pp')}"
            table.add_row(spec.key + ("*" if m.metric in gated else ""), fmt(m.a, spec), fmt(m.b, spec), fmt_diff(d.diff, spec),
                          interval, VERDICT_SHORT[m.verdict])
        console.print(table)
        if comparison.decision_changes:
            console.print("decision changes: " + ", ".join(f"{c.enterprise_id} {c.a} → {c.b}" for c in comparison.decision_changes))
    if fail_on_regression and worse:
        err_console.print(f"[bold red]regression:[/] {comparison.b} is worse than {comparison.a} beyond the noise on "
                          + ", ".join(m.metric for m in worse), highlight=False)
        raise typer.Exit(1)


def runs(store: StoreOption = None, as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """The evaluation runs in the store, newest first."""
    from eprof.evaluation.runner import evaluation_root
    from eprof.evaluation.runs import list_runs

    found = list_runs(evaluation_root(settings_from(store)))
    if as_json:
        print_json([r.model_dump(mode="json") for r in found])
        return
    table = Table("run", "created", "dataset", "contenders", "folder", title="Evaluation runs")
    for r in found:
        table.add_row(r.run_id, f"{r.created_at:%Y-%m-%d %H:%M}", r.dataset, ", ".join(r.contenders), str(r.path))
    console.print(table if found else "no evaluation runs yet: eprof eval run --dataset DIR")


def register(app: typer.Typer) -> None:
    evaluation = typer.Typer(no_args_is_help=True, help="Evaluation runs: compare prompt versions on labelled data, gate releases.")
    evaluation.command()(run)
    evaluation.command()(compare)
    evaluation.command()(runs)
    app.add_typer(evaluation, name="eval")

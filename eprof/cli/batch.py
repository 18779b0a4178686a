"""`eprof batch`: profile and decide a whole manifest of applicants, resumably."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from eprof.agent.profile import DEFAULT_PROMPT
from eprof.cli._common import ChromaUrlOption, StoreOption, console, err_console, settings_from

ACTION_STYLE = {"approve": "green", "refer": "yellow", "decline": "red"}
SHOWN_FAILURES = 20


def batch(
    applicants: Annotated[Path, typer.Argument(help="CSV, one row per document: enterprise_id,name,path,doc_type,published")],
    out: Annotated[Path, typer.Option("--out", help="output folder: applicants/, decisions.csv, errors.csv, run.json")],
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="LLM calls in flight (a quarter more applicants are worked on, so the next request is ready)")] = 4,
    extractor: Annotated[str | None, typer.Option("--extractor", help="offline | llm [default: llm when an endpoint is configured, else offline]", show_default=False)] = None,
    prompt: Annotated[str, typer.Option("--prompt", help="prompt version for the llm extractor")] = DEFAULT_PROMPT,
    model: Annotated[Path | None, typer.Option("--model", help="risk model folder [default: the shipped model in risk/default_model]", show_default=False)] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="policy TOML [default: risk/policy.toml]", show_default=False)] = None,
    rpm: Annotated[int | None, typer.Option("--rpm", min=1, help="LLM requests per minute, all workers together [default: unlimited]", show_default=False)] = None,
    tpm: Annotated[int | None, typer.Option("--tpm", min=1, help="LLM tokens per minute, all workers together [default: unlimited]", show_default=False)] = None,
    price_prompt: Annotated[float, typer.Option("--price-prompt", min=0, envvar="EPROF_PRICE_PROMPT_PER_1K", help="price per 1k prompt tokens, for the cost estimate")] = 0.0,
    price_completion: Annotated[float, typer.Option("--price-completion", min=0, envvar="EPROF_PRICE_COMPLETION_PER_1K", help="price per 1k completion tokens")] = 0.0,
    currency: Annotated[str, typer.Option("--currency", help="currency of the prices")] = "USD",
    engine: Annotated[str, typer.Option("--engine", help="local: threads in this process; ray: Ray actors, one per CPU, threads inside (needs --chroma-url)")] = "local",
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="Ray cluster for --engine ray: auto, ray://host:10001 [default: RAY_ADDRESS, a running local one, else a new local instance]", show_default=False)] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
) -> None:
    """Ingest, profile and decide every applicant in a manifest; one JSON per applicant plus decisions.csv.

    Rows of one enterprise form one applicant. A re-run of the same command skips applicants already
    decided from the same inputs and retries failed ones; killing it loses at most the applicants in
    flight. Needs a risk model (--model, or the shipped one): without one it stops before any work.
    --engine ray spreads the applicants over Ray actors against a shared Chroma server, with the same outputs.
    Exit code 1 if any applicant failed or any manifest row was invalid.
    """
    from eprof.agent.pricing import Prices
    from eprof.workflows.batch import run_batch
    from eprof.workflows.batch_schema import BatchOptions, BatchProgress, RunRecord
    from eprof.risk.policy import load_policy
    from eprof.risk.run import load_default_model

    if extractor not in (None, "offline", "llm"):
        raise typer.BadParameter(f"expected offline or llm; got {extractor!r}", param_hint="--extractor")
    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"expected local or ray; got {engine!r}", param_hint="--engine")
    if ray_address and engine != "ray":
        raise typer.BadParameter("only with --engine ray", param_hint="--ray-address")
    risk_model = load_default_model(model)
    options = BatchOptions(
        extractor=extractor, prompt=prompt, concurrency=concurrency, rpm=rpm, tpm=tpm,  # type: ignore[arg-type]
        engine=engine, ray_address=ray_address,  # type: ignore[arg-type]
        prices=Prices(prompt_per_1k=price_prompt, completion_per_1k=price_completion, currency=currency),
    )
    bar = Progress(
        TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
        TextColumn("[green]{task.fields[ok]} ok[/] · [red]{task.fields[failed]} failed[/] · {task.fields[remaining]} left"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err_console, transient=True,
    )
    task = bar.add_task("", total=None, ok=0, failed=0, remaining=0)

    def show(p: BatchProgress) -> None:
        if p.last is None:  # the start: skipped applicants count as done
            bar.update(task, total=p.total, completed=p.skipped, ok=p.skipped, remaining=p.remaining)
            if p.skipped:
                bar.console.print(f"[dim]{p.skipped} applicant(s) already done, skipped[/]")
            return
        bar.update(task, advance=1, ok=p.skipped + p.ok, failed=p.failed, remaining=p.remaining)
        if p.last.status == "failed":
            bar.console.print(f"[red]failed[/] {p.last.enterprise_id}: {p.last.errors[0].message}", highlight=False)

    with bar:
        record: RunRecord = run_batch(settings_from(store, chroma_url), applicants, out, risk_model, load_policy(policy), options, show)
    show_summary(record)
    console.print(f"[dim]results in {out}[/]", highlight=False)
    if record.counts.failed or record.counts.invalid_rows:
        raise typer.Exit(1)


def show_summary(record) -> None:  # noqa: ANN001 - eprof.workflows.batch_schema.RunRecord, imported lazily
    c = record.counts
    table = Table(title=f"Batch {record.run_id}", show_header=False)
    table.add_row("applicants", f"{c.applicants}: [green]{c.ok} ok[/], [red]{c.failed} failed[/] ({c.processed} run now, {c.skipped} skipped)")
    table.add_row("decisions", ", ".join(f"[{ACTION_STYLE[a]}]{record.decisions.get(a, 0)} {a}[/]" for a in ACTION_STYLE))
    if c.failed or c.invalid_rows:
        table.add_row("problems", f"[red]{c.failed} failed applicant(s), {c.invalid_rows} invalid manifest row(s)[/]: see errors.csv")
    made_by = record.extractor if record.prompt is None else f"llm {record.llm_model} with {record.prompt} ({record.prompt_hash[:19]})"
    table.add_row("extractor", made_by)
    table.add_row("risk model", f"{record.risk_model_version} · policy {record.policy_version}")
    u = record.usage
    table.add_row("LLM usage", f"{u.calls} call(s), {u.prompt_tokens:,}+{u.completion_tokens:,} tokens, {u.cache_hits} cached · cost ≈ {record.cost_estimate:.4f} {record.prices.currency}")
    rate = c.processed / record.seconds * 60 if record.seconds else 0.0
    table.add_row("time", f"{record.seconds:.1f} s ({rate:.1f} applicants/min; {record.engine} engine, concurrency {record.concurrency})")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(batch)

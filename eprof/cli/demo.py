"""`eprof demo`: the main job on the bundled demo corpus, start to finish."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from eprof.agent.extractors import run_profile
from eprof.agent.profile import profile_path, save_profile
from eprof.agent.schema import Severity
from eprof.cli._common import ChromaUrlOption, StoreOption, console, err_console, settings_from
from eprof.cli.profiling import show_profile
from eprof.cli.scoring import ACTION_STYLE, show_decision
from eprof.kernel.errors import InputError
from eprof.retrieval.ingest import ingest_all, read_manifest
from eprof.retrieval.schema import IngestStatus
from eprof.retrieval.search import Searcher
from eprof.risk.labels import format_pd
from eprof.risk.policy import load_policy
from eprof.risk.run import decide_profile, load_default_model

DEMO = Path(__file__).resolve().parents[2] / "demo" / "manifest.csv"


def demo(
    manifest: Annotated[Path, typer.Option("--manifest", help="corpus manifest to run on")] = DEMO,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
) -> None:
    """Ingest the demo corpus, profile every enterprise with verified evidence, decide, and summarise."""
    if not manifest.exists():
        raise InputError(f"demo manifest not found at {manifest}")
    settings = settings_from(store, chroma_url)
    searcher = Searcher.open(settings)
    jobs, problems = read_manifest(manifest)
    if problems:
        raise InputError(f"{manifest.name} line {problems[0].line}: {problems[0].message}")
    with console.status(f"ingesting {len(jobs)} documents from {manifest.parent}…"):
        results = ingest_all(searcher.store, searcher.embedder, jobs)
    failed = [r for r in results if r.status is IngestStatus.failed]
    for r in failed:
        err_console.print(f"[red]failed[/] {escape(Path(r.path).name)}: {escape(r.reason or '')}", highlight=False)
    written = sum(r.chunks for r in results if r.status in (IngestStatus.added, IngestStatus.replaced))
    console.print(f"[bold]1. ingest[/] {len(results)} documents ({len(failed)} failed), {written} new chunks → {searcher.store.location}")
    enterprises = list(dict.fromkeys(j.enterprise_id for j in jobs))
    model, policy = load_default_model(), load_policy()
    summary = Table("enterprise", "name", "revenue", "net profit", "red flags", "worst", "PD", "grade", "decision",
                    title="2. profiles (every quote verified) and 3. decisions (scorecard + policy)")
    profiles, records = [], {}
    with console.status("profiling and deciding…"):
        for eid in enterprises:
            p = run_profile(settings, eid, searcher=searcher)
            save_profile(p, profile_path(settings, eid))
            record = decide_profile(p, model, policy)
            profiles.append(p)
            records[eid] = record
            figures = {(f.name, f.period): f for f in p.figures}
            d = record.decision
            summary.add_row(
                eid, escape(p.name or ""),
                _printed(figures.get(("revenue", p.fiscal_year or ""))), _printed(figures.get(("net_profit", p.fiscal_year or ""))),
                str(len(p.red_flags)), _worst(p), format_pd(d.pd), d.grade, f"[{ACTION_STYLE[d.decision]}]{d.decision}[/]",
            )
    console.print(summary)
    flagged = max(profiles, key=lambda p: (len(p.red_flags), p.enterprise_id))
    console.print(f"\n[bold]the most flagged enterprise in detail[/] (`eprof profile {flagged.enterprise_id}`, `eprof decide {flagged.enterprise_id}`)")
    show_profile(flagged)
    show_decision(records[flagged.enterprise_id])
    console.print(f"\nNext: `eprof ask {flagged.enterprise_id} \"有没有诉讼？\"`, `eprof chat {flagged.enterprise_id}`, "
                  f"`eprof search {flagged.enterprise_id} \"应收账款\"`, `eprof batch demo/manifest.csv --out out/`, "
                  "`eprof eval run --dataset demo --extractor offline`, and `eprof serve` for the web page.")


def _printed(figure) -> str:  # noqa: ANN001
    return figure.as_printed if figure is not None and figure.value is not None else "—"


def _worst(profile) -> str:  # noqa: ANN001
    order = [Severity.critical, Severity.high, Severity.medium, Severity.low]
    present = {f.severity for f in profile.red_flags}
    return next((s.value for s in order if s in present), "—")


def register(app: typer.Typer) -> None:
    app.command()(demo)

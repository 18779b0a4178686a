"""`eprof portfolio`: every enterprise with grade, PD, decision, limit, flags and last document; the watch-list."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from eprof.cli._common import ChromaUrlOption, StoreOption, console, settings_from
from eprof.kernel.errors import NotFoundError

SORT_KEYS = ("enterprise", "pd", "grade", "flags", "last_document")


def portfolio(
    sort: Annotated[str, typer.Option("--sort", help="enterprise | pd | grade | flags | last_document")] = "enterprise",
    decision: Annotated[str | None, typer.Option("--decision", help="only this decision: approve | refer | decline")] = None,
    watched: Annotated[bool, typer.Option("--watched", help="only the watch-list")] = False,
    watch: Annotated[str | None, typer.Option("--watch", help="add this enterprise to the watch-list")] = None,
    unwatch: Annotated[str | None, typer.Option("--unwatch", help="remove this enterprise from the watch-list")] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the rows as JSON")] = False,
) -> None:
    """List the portfolio from the saved profiles; sort, filter, and mark the watch-list."""
    if sort not in SORT_KEYS:
        raise typer.BadParameter(f"expected one of {', '.join(SORT_KEYS)}; got {sort!r}", param_hint="--sort")
    from eprof.retrieval.store import Store  # heavy (Chroma, the models): loaded to list, not for --help
    from eprof.risk.run import load_default_model
    from eprof.workflows.portfolio import portfolio as portfolio_rows
    from eprof.workflows.portfolio import set_watched

    settings = settings_from(store, chroma_url)
    for eid, mark in ((watch, True), (unwatch, False)):
        if eid:
            set_watched(settings, eid, mark)
    try:
        model = load_default_model()
    except NotFoundError:
        model = None
    rows = portfolio_rows(settings, Store(settings).enterprises(), model)
    rows = [r for r in rows if (decision is None or r.decision == decision) and (not watched or r.watched)]
    key = {"enterprise": lambda r: r.enterprise_id, "pd": lambda r: (r.pd is None, r.pd or 0), "grade": lambda r: (r.grade is None, r.grade or ""),
           "flags": lambda r: -r.flags, "last_document": lambda r: (r.last_document is None, r.last_document)}[sort]
    rows.sort(key=key)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table("", "enterprise", "name", "grade", "PD", "decision", "limit", "flags", "worst", "last document", title=f"Portfolio ({len(rows)})")
    for r in rows:
        table.add_row("★" if r.watched else "", r.enterprise_id, escape(r.name or ""), r.grade or "—", "—" if r.pd is None else f"{r.pd:.2%}",
                      r.decision or f"[dim]{r.status}[/]", "—" if r.limit is None else f"{r.limit:,.0f}", str(r.flags),
                      r.worst_severity.value if r.worst_severity else "—", str(r.last_document or "—"))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(portfolio)

"""`eprof logs`: read the LLM call log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from eprof.kernel.calllog import read_calls
from eprof.cli._common import StoreOption, console, print_json, settings_from


def logs(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="newest N rows")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON, every column")] = False,
    store: StoreOption = None,
) -> None:
    """Show the newest model calls from <store>/logs.db, one row per attempt."""
    rows = read_calls(settings_from(store).home / "logs.db", limit=limit)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table(title="LLM calls, newest first", box=None, padding=(0, 2, 0, 0), header_style="bold")
    for name in ("id", "UTC", "enterprise", "prompt", "model", "#", "tokens", "ms", "result"):
        table.add_column(name, overflow="fold")
    for r in rows:
        tokens = "" if r.prompt_tokens is None else f"{r.prompt_tokens}+{r.completion_tokens or 0}"
        result = "cached" if r.cache_hit else (r.error_type or "ok").removesuffix("Error")
        when = (r.created_at or "")[5:16].replace("T", " ")
        table.add_row(
            str(r.id), when, r.enterprise_id, f"{r.prompt_id}@v{r.prompt_version}", r.model,
            str(r.attempt), tokens, str(r.duration_ms), result,
        )  # fmt: skip
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(logs)

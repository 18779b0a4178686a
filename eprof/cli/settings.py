"""`eprof config`: show the effective settings."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from eprof.cli._common import ChromaUrlOption, StoreOption, console, print_json, settings_from


def config(
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Print the effective settings (environment + options), secrets masked."""
    shown = settings_from(store, chroma_url).masked()
    if as_json:
        print_json(shown)
        return
    table = Table("setting", "value", title="eprof settings")
    for key, value in shown.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(config)

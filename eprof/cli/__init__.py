"""The `eprof` command: a thin shell over library functions.

Each sub-module parses arguments, calls one library function and prints its result. Any
EprofError becomes one red line on stderr and exit code 1 (see EprofGroup).
"""

from __future__ import annotations

import typer
from rich.markup import escape
from typer.core import TyperGroup

from eprof.cli._common import err_console
from eprof.errors import EprofError


class EprofGroup(TyperGroup):
    def invoke(self, ctx):  # noqa: ANN001 - click's signature
        try:
            return super().invoke(ctx)
        except EprofError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=EprofGroup,
    no_args_is_help=True,
    add_completion=False,
    help="eprof: LLM-assisted enterprise credit profiling with cited evidence.",
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """eprof: LLM-assisted enterprise credit profiling with cited evidence."""


# Each CLI module exposes register(app); imports sit here so `eprof --help` lists everything.
from eprof.cli import batch, corpus, demo, documents, evaluate, logs, profiling, qa, scoring, serve, settings  # noqa: E402

for _module in (demo, documents, profiling, corpus, qa, scoring, batch, evaluate, serve, logs, settings):
    _module.register(app)


def main() -> None:
    app()

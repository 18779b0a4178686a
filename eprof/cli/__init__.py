"""The `eprof` command: a thin shell over library functions.

Each sub-module parses arguments, calls one library function and prints its result. Any
EprofError becomes one red line on stderr and exit code 1 (see EprofGroup).

Commands load lazily: `COMMANDS` names each command's module and its one-line help, so
`eprof --help` imports no command module, and `eprof ask ...` imports only `eprof.cli.qa` and
what it uses. A test checks that the help written here matches each command's own.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:  # typer carries its own click; these names are for annotations only
    from click import Command, Context, HelpFormatter


class Entry(NamedTuple):
    module: str
    help: str


COMMANDS: dict[str, Entry] = {
    "demo": Entry("eprof.cli.demo", "Ingest the demo corpus, profile every enterprise with verified evidence, decide, and summarise."),
    "ingest": Entry("eprof.cli.documents", "Ingest PDF, HTML, text and Markdown files into one enterprise's index."),
    "search": Entry("eprof.cli.documents", "Hybrid (dense + BM25) search within one enterprise's documents, with page citations."),
    "enterprises": Entry("eprof.cli.documents", "List indexed enterprises: documents (filing type and period), pages, chunks and last ingest."),
    "profile": Entry("eprof.cli.profiling", "Extract the operating profile and red flags, verify every quote, and write the profile JSON."),
    "ask": Entry("eprof.cli.qa", "Answer one question about an enterprise from its documents, profile and decision, with citations."),
    "chat": Entry("eprof.cli.qa", "Ask questions about one enterprise in a session; follow-up questions keep the context."),
    "decide": Entry("eprof.cli.scoring", "Score the enterprise's verified profile: PD, points, grade, decision and reason codes with evidence."),
    "memo": Entry("eprof.cli.memo", "Write the credit memo: decision, limit, red flags with evidence, the financial spread and citations."),
    "portfolio": Entry("eprof.cli.portfolio", "List the portfolio from the saved profiles; sort, filter, and mark the watch-list."),
    "batch": Entry("eprof.cli.batch", "Ingest, profile and decide every applicant in a manifest; one JSON per applicant plus decisions.csv."),
    "serve": Entry("eprof.cli.serve", "Serve the API (its OpenAPI spec at /openapi.json) and the analyst page (/) until interrupted."),
    "logs": Entry("eprof.cli.logs", "Show the newest model calls from <store>/logs.db, one row per attempt."),
    "config": Entry("eprof.cli.settings", "Print the effective settings (environment + options), secrets masked."),
    "corpus": Entry("eprof.cli.corpus", "Labelled demo and evaluation corpora."),
    "risk": Entry("eprof.cli.scoring", "Credit risk model: train the scorecard, monitor stability."),
    "news": Entry("eprof.cli.news", "Real news: train the attribution gate."),
    "eval": Entry("eprof.cli.evaluate", "Evaluation runs: compare prompt versions on labelled data, gate releases."),
}


def load_command(name: str) -> Command:
    """Import the command's module and build its click command (every module has `register(app)`)."""
    commands = typer.Typer()
    commands.callback()(lambda: None)  # a callback keeps the result a group, whatever the module registers
    importlib.import_module(COMMANDS[name].module).register(commands)
    group: Any = typer.main.get_command(commands)
    return group.commands[name]


class EprofGroup(TyperGroup):
    """The root group: lazy commands, and an EprofError shown as one line with exit code 1."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.help) for name, entry in COMMANDS.items()])

    def invoke(self, ctx: Context):  # noqa: ANN201 - click's signature
        from eprof.kernel.errors import EprofError

        try:
            return super().invoke(ctx)
        except EprofError as exc:
            from rich.markup import escape

            from eprof.cli._common import err_console

            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from exc


app = typer.Typer(
    cls=EprofGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: the rich formatter would load every command to list them
    help="eprof: LLM-assisted enterprise credit profiling with cited evidence.",
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """eprof: LLM-assisted enterprise credit profiling with cited evidence."""


def main() -> None:
    app()

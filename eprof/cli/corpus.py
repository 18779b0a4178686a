"""`eprof corpus generate`: realistic enterprise document sets whose truth is known."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from eprof.cli._common import console, err_console, print_json
from eprof.kernel.errors import InputError


def generate(
    out: Annotated[Path, typer.Option("--out", help="folder for docs/, truth/ and manifest.csv")],
    enterprises: Annotated[int, typer.Option("--enterprises", min=1, help="number of enterprises")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="corpus seed: the same seed gives the same corpus")] = 18,
    default_rate: Annotated[float, typer.Option("--default-rate", min=0.001, max=0.5, help="mean probability of default")] = 0.03,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Generate annual reports (PDF), news (HTML) and research notes (Markdown) with planted red
    flags, decoys and injection attempts, plus truth JSON and a manifest for `eprof ingest --manifest`."""
    from eprof.evaluation.corpus.generate import generate as write_corpus
    from eprof.evaluation.corpus.generate import summary

    if out.exists() and any(out.iterdir()) and not (out / "manifest.csv").exists():
        raise InputError(f"{out} exists and is not a corpus folder; choose an empty or new folder")
    progress = Progress(TextColumn("[bold]generate"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        TextColumn("{task.description}"), console=err_console, transient=True, disable=as_json)
    with progress:
        task = progress.add_task("", total=enterprises)
        truths = write_corpus(enterprises, seed, out, default_rate,
                              on_progress=lambda eid: progress.update(task, advance=1, description=eid))
    result = summary(truths)
    if as_json:
        print_json(result)
        return
    console.print(f"wrote {result['enterprises']} enterprises, {result['documents']} documents to {out} "
                  f"({result['defaults']} defaults; languages {result['languages']})")
    console.print(f"planted flags: {result['flags']}")
    console.print(f"next: eprof ingest --manifest {out / 'manifest.csv'}")


def register(app: typer.Typer) -> None:
    corpus = typer.Typer(no_args_is_help=True, help="Labelled demo and evaluation corpora.")
    corpus.command()(generate)
    app.add_typer(corpus, name="corpus")

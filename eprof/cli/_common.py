"""Console objects and option types shared by CLI modules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

from eprof.kernel.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="store folder (default: $EPROF_HOME or ./.eprof)")
]
ChromaUrlOption = Annotated[
    str | None, typer.Option("--chroma-url", help="use a Chroma server instead of the embedded store")
]


def settings_from(store: Path | None = None, chroma_url: str | None = None) -> Settings:
    return load_settings(home=store, chroma_url=chroma_url)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, nothing else."""
    if isinstance(data, BaseModel):
        text = data.model_dump_json(indent=2)
    elif isinstance(data, list) and data and isinstance(data[0], BaseModel):
        text = json.dumps([d.model_dump(mode="json") for d in data], ensure_ascii=False, indent=2)
    else:
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    typer.echo(text)

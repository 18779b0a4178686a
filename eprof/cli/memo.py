"""`eprof memo`: the credit memo of one enterprise as PDF, xlsx or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eprof.agent.profile import load_profile
from eprof.cli._common import ChromaUrlOption, StoreOption, console, settings_from
from eprof.kernel.errors import NotFoundError


def memo(
    enterprise_id: Annotated[str, typer.Argument(help="enterprise (must be ingested)")],
    fmt: Annotated[str, typer.Option("--format", help="pdf | xlsx | md")] = "pdf",
    out: Annotated[Path | None, typer.Option("--out", help="file to write [default: ./ID-memo.FORMAT]", show_default=False)] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
) -> None:
    """Write the credit memo: decision, limit, red flags with evidence, the financial spread and citations."""
    if fmt not in ("pdf", "xlsx", "md"):
        raise typer.BadParameter(f"expected pdf, xlsx or md; got {fmt!r}", param_hint="--format")
    from eprof.agent.extractors import run_profile  # heavy: loaded to write a memo, not for --help
    from eprof.risk.run import decide_profile, load_default_model
    from eprof.workflows.memo import build_memo, render

    settings = settings_from(store, chroma_url)
    try:
        profile = load_profile(settings, enterprise_id)
    except NotFoundError:
        profile = run_profile(settings, enterprise_id, "offline")
    try:
        record, note = decide_profile(profile, load_default_model()), None
    except NotFoundError as exc:
        record, note = None, str(exc)
    path = out or Path(f"{enterprise_id}-memo.{fmt}")
    path.write_bytes(render(build_memo(profile, record, note), fmt))  # type: ignore[arg-type]
    console.print(f"memo written to {path}")


def register(app: typer.Typer) -> None:
    app.command()(memo)

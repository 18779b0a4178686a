"""`eprof serve`: the HTTP service and the analyst web page, in one process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eprof.cli._common import ChromaUrlOption, StoreOption, err_console, settings_from


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on; anything but loopback needs EPROF_API_TOKENS")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8000,
    batch_dir: Annotated[list[Path] | None, typer.Option("--batch-dir", help="folder batch manifests and their documents may be read from (repeatable) [default: STORE/inbox]", show_default=False)] = None,
    max_upload_mb: Annotated[int, typer.Option("--max-upload-mb", min=1, help="largest upload (request body) in MiB")] = 50,
    model: Annotated[Path | None, typer.Option("--model", help="risk model folder [default: the shipped model in risk/default_model]", show_default=False)] = None,
    policy: Annotated[Path | None, typer.Option("--policy", help="policy TOML [default: risk/policy.toml]", show_default=False)] = None,
    store: StoreOption = None,
    chroma_url: ChromaUrlOption = None,
) -> None:
    """Serve the API (its OpenAPI spec at /openapi.json) and the analyst page (/) until interrupted.

    Callers authenticate with `Authorization: Bearer <token>`, tokens from EPROF_API_TOKENS
    (name:token[:read],...); every request is written to STORE/audit.db under the token's name.
    Without tokens the service runs open, and only on a loopback address.
    """
    import uvicorn

    from eprof.service import ServiceOptions, create_app
    from eprof.service.auth import check_exposure, parse_tokens

    settings = settings_from(store, chroma_url)
    tokens = parse_tokens(settings.api_tokens)
    check_exposure(host, tokens)
    if not tokens:
        err_console.print("[yellow]no API tokens configured (EPROF_API_TOKENS): the service is open to anyone on this machine[/]")
    options = ServiceOptions(batch_dirs=tuple(batch_dir or ()), max_upload_bytes=max_upload_mb * 1024 * 1024, model_dir=model, policy=policy)
    app = create_app(settings, options)
    err_console.print(f"eprof service on http://{host}:{port}/ (API spec at /openapi.json) · store {settings.home}", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


def register(app: typer.Typer) -> None:
    app.command()(serve)

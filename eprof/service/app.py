"""The app factory: one process, one store, one model; the API under /api and the page at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import Field
from starlette.exceptions import HTTPException

import eprof
from eprof.kernel.config import Settings
from eprof.kernel.contract import Contract
from eprof.kernel.errors import ConfigError, DocumentError, EprofError, InputError, NotFoundError, StoreError
from eprof.service.audit import AuditLog, AuditMiddleware
from eprof.service.auth import Authenticator, parse_tokens
from eprof.service.deps import Service
from eprof.service.jobs import BatchJobs
from eprof.service.routes import batches, enterprises, evals, profiles, qa, workbench
from eprof.service.routes.enterprises import Unreadable
from eprof.service.schema import ErrorBody
from eprof.service.sessions import Sessions
from eprof.service.uploads import BodyLimitMiddleware, TooLarge, UnsupportedType
from eprof.kernel.fonts import CJK_FONT_FILE
from eprof.retrieval.search import Searcher
from eprof.risk.policy import load_policy
from eprof.risk.run import load_default_model

STATIC = Path(__file__).with_name("static")
ROUTERS = (enterprises.router, profiles.router, qa.router, batches.router, evals.router, workbench.router)
"""Every API router; a new resource is a module under routes/ added here."""
STATUS: tuple[tuple[type[EprofError], int], ...] = (
    (TooLarge, 413),
    (UnsupportedType, 415),
    (Unreadable, 422),
    (DocumentError, 422),
    (InputError, 400),
    (NotFoundError, 404),
    (StoreError, 503),
    (ConfigError, 500),
    (EprofError, 400),
)
"""EprofError -> HTTP status, first match wins: the one place errors become statuses."""
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ServiceOptions(Contract):
    batch_dirs: tuple[Path, ...] = Field((), description="folders batch manifests (and their documents) may be read from; default <home>/inbox")
    max_upload_bytes: int = Field(50 * 1024 * 1024, gt=0, description="largest request body, so largest upload")
    model_dir: Path | None = Field(None, description="risk model folder; default the shipped model")
    policy: Path | None = Field(None, description="policy TOML; default risk/policy.toml")


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None, detail: list | None = None) -> JSONResponse:
    body = ErrorBody(error=error, message=message, detail=detail)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


async def _eprof_error(_: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    return _error(status, type(exc).__name__, str(exc))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, "HTTPError", str(exc.detail), exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in exc.errors()]
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return _error(422, "ValidationError", f"{where}: {first['msg']}", detail=errors)


def serving_settings(settings: Settings) -> Settings:
    """One embedding thread per request unless EPROF_EMBEDDING_THREADS says otherwise: requests
    already run in parallel, and two threads each oversubscribe the cores (8 clients on 2 cores:
    search 14 -> 69 requests/s, p95 1.9 s -> 0.16 s; benchmarks/service_load.py)."""
    if "embedding_threads" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"embedding_threads": 1})


def create_app(settings: Settings, options: ServiceOptions | None = None) -> FastAPI:
    """Open the store, the risk model and the audit log once; every request shares them."""
    options = options or ServiceOptions()
    searcher = Searcher.open(serving_settings(settings))
    model, policy = load_default_model(options.model_dir), load_policy(options.policy)
    service = Service(
        settings=settings,
        searcher=searcher,
        model=model,
        policy=policy,
        auth=Authenticator(parse_tokens(settings.api_tokens)),
        audit=AuditLog(settings.home / "audit.db"),
        jobs=BatchJobs(settings, list(options.batch_dirs) or [settings.home / "inbox"], options.model_dir, options.policy),
        sessions=Sessions(settings, searcher, model, policy),
        uploads=settings.home / "uploads",
        max_upload_bytes=options.max_upload_bytes,
    )
    for folder in service.jobs.folders:
        folder.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.jobs.close()
        service.audit.close()

    app = FastAPI(
        title="eprof",
        version=eprof.__version__,
        summary="LLM-assisted enterprise credit profiling with cited evidence",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their scripts from a CDN: nothing here fetches from
        redoc_url=None,  # the internet at run time, so the spec is served and any OpenAPI viewer reads it
        form_limits={"max_files": enterprises.MAX_FILES, "max_fields": 10},
        redirect_slashes=False,  # a slash redirect builds its Location from the Host header: no reflection, a 404
    )
    app.state.service = service
    app.add_middleware(BodyLimitMiddleware, max_bytes=options.max_upload_bytes)
    app.add_middleware(AuditMiddleware, log=service.audit)  # added last, so outermost: refusals are audited too
    app.add_exception_handler(EprofError, _eprof_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/healthz", tags=["service"])
    def health() -> dict[str, str]:
        """Liveness, and whether the page must ask for a token."""
        return {"status": "ok", "version": eprof.__version__, "auth": "open" if service.auth.open else "token"}

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    @app.get("/fonts/cjk.ttf", include_in_schema=False)
    def cjk_font() -> FileResponse:
        """The CJK font eprof ships, for browsers without one (app.css asks only for CJK text)."""
        return FileResponse(CJK_FONT_FILE, media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app

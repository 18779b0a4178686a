"""The audit log: one row per API request, in `<home>/audit.db`, append-only.

Schema of `audit` (triggers refuse UPDATE and DELETE, so a row once written stays as written):

    id             integer primary key
    at             ISO 8601, UTC, when the answer started
    who            the token's name (never the token); `anonymous` if it was missing or wrong
    method, route  e.g. GET /api/enterprises/{enterprise_id}/decision (the route template)
    enterprise_id  the enterprise read or changed, when the route names one
    status         HTTP status returned
    versions_json  what produced the answer: eprof, prompt, model, risk model, policy, ...
    client         the caller's address

Rows are written by `AuditMiddleware` just before the answer starts, so refused requests (401,
403, 404) are on record too. Routes add versions through `note_versions`.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import eprof
from eprof.kernel.contract import Contract

SCHEMA_VERSION = 1
SCHEMA = (
    """
    create table if not exists audit (
        id integer primary key,
        at text not null,
        who text not null,
        method text not null,
        route text not null,
        enterprise_id text,
        status integer not null,
        versions_json text not null,
        client text
    )
    """,
    "create index if not exists audit_enterprise on audit (enterprise_id, at)",
    "create trigger if not exists audit_no_update before update on audit begin select raise(abort, 'audit log is append-only'); end",
    "create trigger if not exists audit_no_delete before delete on audit begin select raise(abort, 'audit log is append-only'); end",
)
ANONYMOUS = "anonymous"
_VERSIONS = "audit_versions"


class AuditRow(Contract):
    id: int | None = None
    at: str
    who: str
    method: str
    route: str
    enterprise_id: str | None
    status: int
    versions: dict[str, str | None]
    client: str | None


class AuditLog:
    """One connection shared under a lock: rows are tiny and WAL keeps readers off the writer."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute("pragma synchronous=normal")
        for statement in SCHEMA:
            self._db.execute(statement)
        self._db.execute(f"pragma user_version={SCHEMA_VERSION}")

    def append(self, row: AuditRow) -> None:
        with self._lock:
            self._db.execute(
                "insert into audit (at, who, method, route, enterprise_id, status, versions_json, client) values (?, ?, ?, ?, ?, ?, ?, ?)",
                (row.at, row.who, row.method, row.route, row.enterprise_id, row.status, json.dumps(row.versions, sort_keys=True), row.client),
            )

    def rows(self, limit: int = 100) -> list[AuditRow]:
        """Newest first."""
        with self._lock:
            found = self._db.execute(
                "select id, at, who, method, route, enterprise_id, status, versions_json, client from audit order by id desc limit ?", (limit,)
            ).fetchall()
        return [
            AuditRow(id=i, at=at, who=who, method=m, route=r, enterprise_id=e, status=s, versions=json.loads(v), client=c)
            for i, at, who, m, r, e, s, v, c in found
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def note_versions(request: Request, **versions: str | None) -> None:
    """Record what produced this response (prompt, model, risk model, ...) on its audit row."""
    request.state.audit_versions = {**getattr(request.state, _VERSIONS, {}), **versions}


class AuditMiddleware:
    """Pure ASGI, so streamed answers pass through untouched; audits every /api request."""

    def __init__(self, app: ASGIApp, log: AuditLog):
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        written = False

        async def audited_send(message: Message) -> None:
            nonlocal written
            if message["type"] == "http.response.start" and not written:
                self.log.append(_row(scope, message["status"]))  # before the caller can see any answer
                written = True
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        finally:
            if not written:  # no response was started: the request failed inside the server
                self.log.append(_row(scope, 500))


def _row(scope: Scope, status: int) -> AuditRow:
    state = scope.get("state", {})
    route = scope.get("route")
    client = scope.get("client")
    return AuditRow(
        at=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        who=state.get("principal", ANONYMOUS),
        method=scope["method"],
        route=getattr(route, "path", scope["path"]),
        enterprise_id=scope.get("path_params", {}).get("enterprise_id"),
        status=status,
        versions={"eprof": eprof.__version__, **state.get(_VERSIONS, {})},
        client=client[0] if client else None,
    )

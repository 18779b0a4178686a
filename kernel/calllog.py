"""The call log: one SQLite row per model request, and the response cache beside it.

Kernel infrastructure, because both the chat gateway (`agent.llm`) and the OpenAI-compatible
embedder (`retrieval.embeddings`) write to it.

The database is `<settings.home>/logs.db`. Its schema changes only through the named
migrations below, applied in order and recorded in `_migrations`, so an old log upgrades in
place. Migrations are append-only: never edit one that has shipped, add a new one.

Schema of `calls` (one row per attempt: a transport retry and a re-ask are both attempts):

    id                 integer primary key
    call_id            one Gateway.complete() call; its attempts share it
    run_id             the profiling run, when there is one
    enterprise_id
    prompt_id, prompt_version, prompt_hash
    model
    options_json       temperature, max_tokens, response schema name (never keys or URLs)
    messages_json      the rendered (and masked) messages as sent
    response_text      raw message content, or the error body
    parsed_json        the validated output, when the attempt succeeded
    errors_json        pydantic errors() of an invalid output, as data
    error_type         e.g. RateLimitError, APITimeoutError, ValidationError; null on success
    attempt            1-based within the call
    prompt_tokens, completion_tokens
    duration_ms
    cache_key          "sha256:..." of the canonical request
    cache_hit          1 when served from `cache` without a request
    created_at         ISO 8601, UTC

`cache` maps a cache key to the validated output text.

Each thread keeps one connection (a batch logs from dozens of threads; opening one per
operation cost more than the operation), and the database is in WAL mode, so a writer never
blocks the readers and a commit appends to the log instead of rewriting a journal.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MIGRATIONS", "CallLog", "CallRecord", "read_calls"]

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; its function name is its permanent identity in `_migrations`."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_calls(db: sqlite3.Connection) -> None:
    db.execute(
        """
        create table calls (
            id integer primary key,
            call_id text not null,
            run_id text,
            enterprise_id text not null,
            prompt_id text not null,
            prompt_version integer not null,
            prompt_hash text not null,
            model text not null,
            options_json text not null,
            messages_json text not null,
            response_text text,
            parsed_json text,
            errors_json text,
            error_type text,
            attempt integer not null,
            prompt_tokens integer,
            completion_tokens integer,
            duration_ms integer not null,
            cache_key text not null,
            cache_hit integer not null,
            created_at text not null
        )
        """
    )
    db.execute("create index calls_enterprise on calls (enterprise_id, run_id)")


@migration
def m002_cache(db: sqlite3.Connection) -> None:
    db.execute(
        """
        create table cache (
            cache_key text primary key,
            output_json text not null,
            model text not null,
            prompt_hash text not null,
            created_at text not null
        )
        """
    )


class CallRecord(BaseModel):
    """One row of `calls`; `id` and `created_at` are filled in when it is written."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int | None = None
    call_id: str
    run_id: str | None
    enterprise_id: str
    prompt_id: str
    prompt_version: int
    prompt_hash: str
    model: str
    options_json: str
    messages_json: str
    response_text: str | None = None
    parsed_json: str | None = None
    errors_json: str | None = None
    error_type: str | None = None
    attempt: int = Field(ge=1)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    duration_ms: int = Field(ge=0)
    cache_key: str
    cache_hit: bool = False
    created_at: str | None = None


_COLUMNS = [name for name in CallRecord.model_fields if name != "id"]


class CallLog:
    """The log database at `path`, migrated on open; one connection per thread."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as db:
            migrate(db)

    def record(self, row: CallRecord) -> int:
        values = row.model_dump(exclude={"id"})
        values["created_at"] = values["created_at"] or _now()
        values["cache_hit"] = int(values["cache_hit"])
        with self._connect() as db:
            cursor = db.execute(
                f"insert into calls ({', '.join(_COLUMNS)}) values ({', '.join('?' * len(_COLUMNS))})",
                [values[c] for c in _COLUMNS],
            )
            return int(cursor.lastrowid or 0)

    def cached(self, cache_key: str) -> str | None:
        with self._connect() as db:
            found = db.execute("select output_json from cache where cache_key = ?", (cache_key,)).fetchone()
        return found[0] if found else None

    def store(self, cache_key: str, output_json: str, *, model: str, prompt_hash: str) -> None:
        with self._connect() as db:
            db.execute(
                "insert or replace into cache (cache_key, output_json, model, prompt_hash, created_at) "
                "values (?, ?, ?, ?, ?)",
                (cache_key, output_json, model, prompt_hash, _now()),
            )

    def calls(self, *, limit: int | None = None, call_id: str | None = None) -> list[CallRecord]:
        """Newest first."""
        where, args = ("where call_id = ?", [call_id]) if call_id else ("", [])
        sql = f"select id, {', '.join(_COLUMNS)} from calls {where} order by id desc"
        if limit is not None:
            sql += " limit ?"
            args.append(limit)
        with self._connect() as db:
            rows = db.cursor()
            rows.row_factory = sqlite3.Row
            return [CallRecord(**dict(r)) for r in rows.execute(sql, args)]

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, inside a transaction (committed on exit, rolled back on error)."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path)
            db.execute("pragma journal_mode = wal")
        with db:
            yield db


def migrate(db: sqlite3.Connection) -> None:
    """Apply every registered migration not yet recorded in `_migrations`, in order."""
    db.execute("create table if not exists _migrations (name text primary key, applied_at text not null)")
    done = {name for (name,) in db.execute("select name from _migrations")}
    for fn in MIGRATIONS:
        if fn.__name__ not in done:
            fn(db)
            db.execute("insert into _migrations (name, applied_at) values (?, ?)", (fn.__name__, _now()))


def read_calls(path: Path, *, limit: int | None = None) -> list[CallRecord]:
    """Rows from a log that may not exist yet (no calls made): reading never creates it."""
    return CallLog(path).calls(limit=limit) if Path(path).is_file() else []


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")

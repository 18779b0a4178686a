"""One writer at a time per store: the lock every write to the index takes.

A document is written in three steps (stage, publish, clean; see retrieval/store.py). Publish is a
read-modify-write of the enterprise's document list and clean deletes every chunk that is not
live, a writer's staged chunks included, so two writers interleaving lose documents. The lock is
a file beside the store, so it holds across threads of the service and across processes (`eprof
ingest` twice, a batch beside the service); parsing and embedding, the slow part, stay outside it.

Beside the lock, a generation stamp: the last thing every write to an embedded store does is
write a new one. Chroma keeps each collection's vector index in memory, per process, and never
reads another process's writes into it: a process that sees a stamp it did not write reopens its
view before it reads or writes (retrieval/store.py), or it would query vectors that are gone (an
error, or a crash) and, writing, save an index without the other process's vectors.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from filelock import FileLock

WAIT_S = 600.0
"""How long a writer waits for another's document before it fails instead (seconds)."""


def store_lock(home: Path) -> FileLock:
    """The write lock of the store under `home` (re-entrant within a thread)."""
    folder = home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / "store.lock", timeout=WAIT_S)


def generation(home: Path) -> str:
    """The stamp of the last write to the store under `home` ('' before the first)."""
    try:
        return (home / "locks" / "generation").read_text(encoding="ascii")
    except FileNotFoundError:
        return ""


def new_generation(home: Path) -> str:
    """Stamp a write (the caller holds the write lock): written whole, then renamed into place."""
    stamp = uuid.uuid4().hex
    path = home / "locks" / "generation"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"generation.{stamp}")
    temporary.write_text(stamp, encoding="ascii")
    os.replace(temporary, path)
    return stamp

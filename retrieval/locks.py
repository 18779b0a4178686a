"""One writer at a time per store: the lock every write to the index takes.

A document is written in three steps (stage, publish, clean; see retrieval/store.py). Publish is a
read-modify-write of the enterprise's document list and clean deletes every chunk that is not
live, a writer's staged chunks included, so two writers interleaving lose documents. The lock is
a file beside the store, so it holds across threads of the service and across processes (`eprof
ingest` twice, a batch beside the service); parsing and embedding, the slow part, stay outside it.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock

WAIT_S = 600.0
"""How long a writer waits for another's document before it fails instead (seconds)."""


def store_lock(home: Path) -> FileLock:
    """The write lock of the store under `home` (re-entrant within a thread)."""
    folder = home / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(folder / "store.lock", timeout=WAIT_S)

"""What a long-running caller (a batch worker) pins per enterprise while it works on it: the
commit record, and one read of the store serving both the chunks and the keyword index.

Passed to `Searcher` (composition): with a cache, the searcher asks it first and the store only
for what it does not hold. Chroma's collection lookup holds the GIL while it waits for the
store, so under many threads every lookup saved is time given back to the others.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from eprof.retrieval.keyword import EnterpriseIndex
from eprof.retrieval.schema import Chunk, EnterpriseInfo
from eprof.retrieval.store import Store


@dataclass(frozen=True)
class Pinned:
    revision: int
    chunks: list[Chunk]
    index: EnterpriseIndex


class EnterpriseCache:
    """Commit records a caller vouches for (`keep`), and chunks plus keyword index read once per
    revision; `forget` drops an enterprise when the caller is done with it."""

    def __init__(self, store: Store):
        self.store = store
        self._infos: dict[str, EnterpriseInfo] = {}
        self._pinned: dict[str, Pinned] = {}
        self._lock = threading.Lock()

    def keep(self, info: EnterpriseInfo) -> None:
        with self._lock:
            self._infos[info.enterprise_id] = info

    def info(self, enterprise_id: str) -> EnterpriseInfo | None:
        return self._infos.get(enterprise_id)

    def pinned(self, info: EnterpriseInfo) -> Pinned:
        """The enterprise's chunks (document order) and keyword index at `info.revision`."""
        pinned = self._pinned.get(info.enterprise_id)
        if pinned is None or pinned.revision != info.revision:
            records = self.store.records(info)
            chunks = sorted((c for c, _ in records), key=lambda c: (c.source, c.ordinal))
            pinned = Pinned(info.revision, chunks, EnterpriseIndex.from_records(records))
            with self._lock:
                self._pinned[info.enterprise_id] = pinned
        return pinned

    def forget(self, enterprise_id: str) -> None:
        with self._lock:
            self._infos.pop(enterprise_id, None)
            self._pinned.pop(enterprise_id, None)

"""The searcher of a batch run: topic vectors embedded once, and each applicant's commit record,
chunks and keyword index read once and kept until the applicant is done."""

from __future__ import annotations

import functools

import numpy as np

from eprof.agent.profile import TOPICS
from eprof.retrieval.embeddings import Embedder
from eprof.retrieval.keyword import EnterpriseIndex
from eprof.retrieval.schema import Chunk, EnterpriseInfo
from eprof.retrieval.search import Searcher
from eprof.retrieval.store import Store

class TopicVectors:
    """An Embedder that knows the vectors of the profile's topic queries, the same for every
    applicant: embedded once per run, each on its own exactly as a search would."""

    def __init__(self, embedder: Embedder):
        self.inner = embedder
        self._topics = _topic_vectors(embedder)

    def embed(self, texts: list[str]) -> np.ndarray:
        if texts and all(t in self._topics for t in texts):
            return np.vstack([self._topics[t] for t in texts])
        return self.inner.embed(texts)


@functools.lru_cache(maxsize=4)
def _topic_vectors(embedder: Embedder) -> dict[str, np.ndarray]:
    """Once per embedder, and so once per process (`make_embedder` keeps one): 45 ms a run otherwise."""
    return {topic: embedder.embed([topic])[0] for topic in TOPICS}


class BatchSearcher(Searcher):
    """A Searcher for a whole run. The topic queries are embedded once (`TopicVectors`). An
    applicant's commit record is read once, when its documents are checked (`keep`), not again by
    each search: Chroma's collection lookup holds the GIL while it waits for the store, so under
    many threads every extra lookup stalls them all. A profile needs all of an applicant's chunks
    as well as its keyword index and its hits, so one read of the store serves all three. All is
    kept until `forget` drops it when the applicant is done."""

    def __init__(self, store: Store, embedder: Embedder):
        super().__init__(store, TopicVectors(embedder))
        self._infos: dict[str, EnterpriseInfo] = {}
        self._kept: dict[str, tuple[int, list[Chunk]]] = {}

    def keep(self, info: EnterpriseInfo) -> None:
        self._infos[info.enterprise_id] = info

    def enterprise(self, enterprise_id: str) -> EnterpriseInfo:
        info = self._infos.get(enterprise_id)
        return info if info is not None else super().enterprise(enterprise_id)

    def _load(self, info: EnterpriseInfo) -> list[Chunk]:
        kept = self._kept.get(info.enterprise_id)
        if kept is None or kept[0] != info.revision:
            records = self.store.records(info)
            keyword = EnterpriseIndex.from_records(records)
            self._keyword[info.enterprise_id] = (info.revision, keyword)
            kept = self._kept[info.enterprise_id] = (info.revision, sorted((c for c, _ in records), key=lambda c: (c.source, c.ordinal)))
        return kept[1]

    def chunks(self, info: EnterpriseInfo) -> list[Chunk]:
        return self._load(info)

    def _keyword_index(self, info: EnterpriseInfo) -> EnterpriseIndex:
        self._load(info)
        return self._keyword[info.enterprise_id][1]

    def _fetch(self, info: EnterpriseInfo, ids: list[str]) -> list[Chunk]:
        wanted = set(ids)
        return [c for c in self._load(info) if c.chunk_id in wanted]

    def forget(self, enterprise_id: str) -> None:
        self._infos.pop(enterprise_id, None)
        self._kept.pop(enterprise_id, None)
        self._keyword.pop(enterprise_id, None)

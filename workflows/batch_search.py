"""The searcher of a batch run: a plain `Searcher` composed with topic vectors embedded once and an
`EnterpriseCache` that pins each applicant's commit record, chunks and keyword index."""

from __future__ import annotations

import functools

import numpy as np

from eprof.agent.profile import TOPICS
from eprof.kernel.config import Settings
from eprof.retrieval.embeddings import Embedder, make_embedder
from eprof.retrieval.search import Searcher
from eprof.retrieval.search_cache import EnterpriseCache
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


def batch_searcher(settings: Settings) -> Searcher:
    """The searcher of a batch run: topic vectors embedded once (`TopicVectors`), and each applicant's
    commit record, chunks and keyword index pinned in an `EnterpriseCache` while it is worked on
    (the worker keeps the record it read when it checked the documents, and forgets it when done)."""
    store = Store(settings)
    return Searcher(store, TopicVectors(make_embedder(settings)), cache=EnterpriseCache(store))

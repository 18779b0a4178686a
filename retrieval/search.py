"""Hybrid search scoped to one enterprise: dense (Chroma) + keyword (BM25), fused by chunk id.

Reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009, k=60) needs no score
calibration between the two retrievers, which matters because cosine and BM25 scores live on
unrelated scales.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from eprof.kernel.config import Settings
from eprof.kernel.errors import InputError, NotFoundError
from eprof.retrieval.embeddings import Embedder, make_embedder
from eprof.retrieval.keyword import KeywordIndex
from eprof.retrieval.schema import Chunk, DocType, EnterpriseInfo, Hit
from eprof.retrieval.store import Store
from eprof.retrieval.tokenize import tokens

RRF_K = 60
CANDIDATES = 30


@lru_cache(maxsize=4096)
def _query_tokens(query: str) -> tuple[str, ...]:
    """Segmenting is most of a keyword query's cost, and profiles ask the same topics of everyone."""
    return tuple(tokens(query))


def rrf(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
    return scores


class Searcher:
    """Holds the store, the embedder and the keyword indexes (cached per enterprise revision)."""

    def __init__(self, store: Store, embedder: Embedder):
        self.store = store
        self.embedder = embedder
        self._keyword: dict[str, tuple[int, KeywordIndex]] = {}

    @classmethod
    def open(cls, settings: Settings) -> Searcher:
        return cls(Store(settings), make_embedder(settings))

    def enterprise(self, enterprise_id: str) -> EnterpriseInfo:
        """The enterprise's commit record, read afresh; NotFoundError when it is not indexed."""
        info = self.store.enterprise(enterprise_id)
        if info is None:
            raise NotFoundError(f"enterprise {enterprise_id!r} is not indexed; run `eprof ingest` first")
        return info

    def _keyword_index(self, info: EnterpriseInfo) -> KeywordIndex:
        cached = self._keyword.get(info.enterprise_id)
        if cached and cached[0] == info.revision:
            return cached[1]
        index = KeywordIndex.build(*self.store.keyword_corpus(info))
        self._keyword[info.enterprise_id] = (info.revision, index)
        return index

    def chunks(self, info: EnterpriseInfo) -> list[Chunk]:
        """Every live chunk of the enterprise, in document order."""
        return self.store.chunks(info)

    def _fetch(self, info: EnterpriseInfo, ids: list[str]) -> list[Chunk]:
        return self.store.chunks(info, ids=ids)

    def search(self, enterprise_id: str, query: str, k: int = 5, doc_type: DocType | None = None) -> list[Hit]:
        """The k best chunks of this enterprise for the query. enterprise_id is never optional."""
        return self.search_many(enterprise_id, [query], k, doc_type)[0]

    def search_many(self, enterprise_id: str, queries: Sequence[str], k: int = 5, doc_type: DocType | None = None) -> list[list[Hit]]:
        """`search` for each query, sharing one read of the commit record, one Chroma query with
        all the vectors and one fetch of the chunks: a profile's topic searches cost one search."""
        info, rankings = self._rank(enterprise_id, queries, k, doc_type)
        by_id = {c.chunk_id: c for c in self._fetch(info, list(dict.fromkeys(cid for r in rankings for cid in r.best)))}
        results = []
        for r in rankings:
            hits = []
            for chunk_id in r.best:
                chunk = by_id.get(chunk_id)
                if chunk is None or chunk.enterprise_id != enterprise_id:
                    continue  # replaced between ranking and fetching, or (never) another enterprise's
                hits.append(_hit(chunk, r.scores[chunk_id], r.dense, r.keyword))
            results.append(hits)
        return results

    def best_ids(self, enterprise_id: str, queries: Sequence[str], k: int = 5, doc_type: DocType | None = None) -> list[list[str]]:
        """The ids `search_many` would return, without fetching the chunks: for a caller that has them."""
        return [r.best for r in self._rank(enterprise_id, queries, k, doc_type)[1]]

    def _rank(self, enterprise_id: str, queries: Sequence[str], k: int, doc_type: DocType | None) -> tuple[EnterpriseInfo, list[_Ranking]]:
        if any(not query.strip() for query in queries):
            raise InputError("empty query")
        if k < 1:
            raise InputError(f"k must be >= 1; got {k}")
        info = self.enterprise(enterprise_id)
        if not queries:
            return info, []
        n = max(CANDIDATES, k * 3)
        # Each query embedded on its own, as a single search does: vectors embedded in one batch
        # differ in the 7th digit, enough to swap near-ties.
        vectors = np.vstack([self.embedder.embed([query]) for query in queries])
        dense = self.store.dense(info, vectors, n, doc_type)
        index = self._keyword_index(info)
        keyword = [index.top(list(_query_tokens(query)), n, doc_type and doc_type.value) for query in queries]
        rankings = []
        for d, kw in zip(dense, keyword, strict=True):
            scores = rrf([d, kw])
            rankings.append(_Ranking(sorted(scores, key=lambda cid: (-scores[cid], cid))[:k], scores, d, kw))
        return info, rankings


@dataclass(frozen=True)
class _Ranking:
    """One query's fused ranking: the best ids, every candidate's score, and the two rankings fused."""

    best: list[str]
    scores: dict[str, float]
    dense: list[str]
    keyword: list[str]


def _hit(chunk: Chunk, score: float, dense: list[str], keyword: list[str]) -> Hit:
    return Hit(
        chunk_id=chunk.chunk_id,
        enterprise_id=chunk.enterprise_id,
        source=chunk.source,
        doc_type=chunk.doc_type,
        page=chunk.page,
        page_end=chunk.page_end,
        section=chunk.section,
        kind=chunk.kind,
        text=chunk.text,
        score=round(score, 6),
        dense_rank=dense.index(chunk.chunk_id) + 1 if chunk.chunk_id in dense else None,
        keyword_rank=keyword.index(chunk.chunk_id) + 1 if chunk.chunk_id in keyword else None,
    )

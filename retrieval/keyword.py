"""BM25 over jieba tokens, one index per enterprise, rebuilt when its revision changes.

Chroma has no local BM25, so the tokens are stored in each chunk's metadata (the source of
truth, shared by every client of a Chroma server) and the index is built in memory on first use.

Building is the cost that counts: a batch builds one index per applicant and asks it the 16
profile topics, under the GIL that the other applicants' threads need. So the index holds only
each chunk's token counts and scores a token when a query first asks for it; scoring every
token of every chunk up front, as bm25s did, cost 3 ms an applicant against 0.5 ms.
The arithmetic is Lucene's BM25 (k1 1.5, b 0.75) exactly as bm25s computes it: float32 terms,
summed per chunk in query order (a repeated query token counts twice), so the rankings are the
ones bm25s gave.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

K1 = 1.5
B = 0.75


@dataclass(frozen=True)
class KeywordIndex:
    ids: list[str]
    doc_types: np.ndarray
    counts: list[Counter[str]] = field(repr=False)
    """each chunk's token counts"""
    norms: np.ndarray = field(repr=False)
    """k1 * (1 - b + b * length / mean length), per chunk"""
    _terms: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, ids: list[str], tokens: list[list[str]], doc_types: list[str]) -> KeywordIndex:
        lengths = np.array([len(t) or 1 for t in tokens])  # bm25s gave an empty chunk one placeholder token
        norms = K1 * ((1 - B) + B * lengths / lengths.mean()) if ids else np.zeros(0)
        return cls(ids, np.array(doc_types), [Counter(t) for t in tokens], norms)

    def _scored(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        """The chunks holding `token` and its BM25 term in each (none: an unknown token), computed once."""
        cached = self._terms.get(token)
        if cached is None:
            positions = [i for i, counts in enumerate(self.counts) if token in counts]
            tf = np.array([self.counts[i][token] for i in positions], dtype=np.float64)
            idf = np.float32(math.log(1 + (len(self.ids) - len(positions) + 0.5) / (len(positions) + 0.5)))
            terms = (np.float64(idf) * (tf / (self.norms[positions] + tf))).astype(np.float32)
            cached = self._terms[token] = (np.array(positions, dtype=np.intp), terms)
        return cached

    def top(self, query_tokens: list[str], n: int, doc_type: str | None = None) -> list[str]:
        """Ids of the best-matching chunks (score > 0), best first."""
        scored = [self._scored(t) for t in query_tokens]
        if not any(len(positions) for positions, _ in scored):
            return []
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for positions, terms in scored:
            scores[positions] += terms
        if doc_type is not None:
            scores = np.where(self.doc_types == doc_type, scores, 0.0)
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [self.ids[i] for i in best if scores[i] > 0]

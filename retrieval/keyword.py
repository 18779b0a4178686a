"""BM25 over jieba tokens, one index per enterprise, rebuilt when its revision changes.

Chroma has no local BM25, so the tokens are stored in each chunk's metadata (the source of
truth, shared by every client of a Chroma server) and the sparse index (bm25s) is built in
memory on first use: tokenising is the slow part, building from stored tokens takes
milliseconds for a typical enterprise.
"""

from __future__ import annotations

from dataclasses import dataclass

import bm25s
import numpy as np


@dataclass(frozen=True)
class KeywordIndex:
    ids: list[str]
    doc_types: np.ndarray
    bm25: bm25s.BM25 | None

    @classmethod
    def build(cls, ids: list[str], tokens: list[list[str]], doc_types: list[str]) -> KeywordIndex:
        if not ids:
            return cls([], np.array([]), None)
        bm25 = bm25s.BM25()
        # bm25s cannot index an empty document; a placeholder token keeps positions aligned.
        bm25.index([t or ["\x00"] for t in tokens], show_progress=False)
        return cls(ids, np.array(doc_types), bm25)

    def top(self, query_tokens: list[str], n: int, doc_type: str | None = None) -> list[str]:
        """Ids of the best-matching chunks (score > 0), best first."""
        if self.bm25 is None or not query_tokens:
            return []
        known = [t for t in query_tokens if t in self.bm25.vocab_dict]
        if not known:
            return []
        scores = self.bm25.get_scores(known)
        if doc_type is not None:
            scores = np.where(self.doc_types == doc_type, scores, 0.0)
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [self.ids[i] for i in best if scores[i] > 0]

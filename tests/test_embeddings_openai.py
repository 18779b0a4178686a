"""The OpenAI-compatible embedder behaves like the chat gateway: personal data is masked before
text leaves, and every request is a row of the call log, without the API key."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eprof.kernel.calllog import read_calls
from eprof.kernel.config import load_settings
from eprof.retrieval.embeddings import make_embedder
from tests.openai_server import OpenAIServer, embed


def test_openai_embedder_masks_personal_data_and_logs_each_request(tmp_path: Path, openai_server: OpenAIServer) -> None:
    settings = load_settings(home=tmp_path / "store", embedding="openai", embedding_model="emb-1",
                             openai_base_url=openai_server.base_url, openai_api_key="sk-test-secret-key")
    texts = ["联系人手机13812345678，营业收入下降", "revenue fell 12%"]
    vectors = make_embedder(settings).embed(texts)

    (request,) = [r for r in openai_server.requests if r.path.endswith("/embeddings")]
    assert request.json["input"] == ["联系人手机[PHONE]，营业收入下降", "revenue fell 12%"]
    expected = np.array([embed(t) for t in request.json["input"]], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-6)

    (row,) = read_calls(settings.home / "logs.db")
    assert (row.prompt_id, row.model, row.error_type) == ("embedding", "emb-1", None)
    assert "13812345678" not in row.messages_json and "[PHONE]" in row.messages_json
    assert row.prompt_tokens and row.prompt_tokens > 0
    assert "sk-test-secret-key" not in (settings.home / "logs.db").read_bytes().decode("utf-8", "replace")


def test_openai_embedder_sends_text_unmasked_when_masking_is_off(tmp_path: Path, openai_server: OpenAIServer) -> None:
    settings = load_settings(home=tmp_path / "store", embedding="openai", openai_base_url=openai_server.base_url,
                             privacy_masking=False)
    make_embedder(settings).embed(["手机13812345678"])
    (request,) = [r for r in openai_server.requests if r.path.endswith("/embeddings")]
    assert request.json["input"] == ["手机13812345678"]

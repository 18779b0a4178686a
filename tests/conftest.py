"""Shared fixtures: a clean environment and data folder per test, and the scripted OpenAI server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import OpenAIServer


@pytest.fixture(autouse=True)
def clean_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No OPENAI_*/EPROF_* settings leak in from the shell; EPROF_HOME is a fresh folder."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "EPROF_")):
            monkeypatch.delenv(name)
    home = tmp_path / "eprof-home"
    monkeypatch.setenv("EPROF_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def _openai_server_session() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def openai_server(_openai_server_session: OpenAIServer) -> OpenAIServer:
    """The session's server with an empty script and no recorded requests."""
    _openai_server_session.reset()
    return _openai_server_session

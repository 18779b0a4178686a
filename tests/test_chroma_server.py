"""Server mode: a real `chroma run` on loopback, used through --chroma-url."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from eprof.cli import app
from tests.documents import annual_report

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):
    port = _free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=30)


def test_ingest_and_search_through_a_chroma_server(tmp_path: Path, chroma_url: str) -> None:
    runner = CliRunner()
    pdf = annual_report(tmp_path / "acme.pdf", "Acme Parts", revenue="345.6", customer="BYD", litigation="Steelco sued Acme.")
    ingest = runner.invoke(app, ["ingest", str(pdf), "-e", "ACME", "--name", "Acme Parts", "--chroma-url", chroma_url])
    assert ingest.exit_code == 0, ingest.output
    again = runner.invoke(app, ["ingest", str(pdf), "-e", "ACME", "--chroma-url", chroma_url, "--json"])
    assert json.loads(again.stdout)["results"][0]["status"] == "unchanged"
    hits = json.loads(runner.invoke(app, ["search", "ACME", "who sued Acme", "--json", "--chroma-url", chroma_url]).stdout)
    assert hits[0]["source"] == "acme.pdf" and "Steelco" in hits[0]["text"] and hits[0]["page"] == 3
    listed = json.loads(runner.invoke(app, ["enterprises", "--json", "--chroma-url", chroma_url]).stdout)
    assert [(e["enterprise_id"], e["name"]) for e in listed] == [("ACME", "Acme Parts")]
    assert not (tmp_path / ".eprof").exists()


def test_unreachable_server_is_one_clear_error() -> None:
    result = CliRunner().invoke(app, ["search", "ACME", "q", "--chroma-url", f"http://127.0.0.1:{_free_port()}"])
    assert result.exit_code == 1 and "cannot open Chroma at http://127.0.0.1:" in result.output

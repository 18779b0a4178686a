"""Staleness is visible: a decision states its profile's age and the documents ingested after it;
no unauthenticated answer reflects the Host header."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from pydantic import SecretStr
from typer.testing import CliRunner

from eprof.cli import app
from tests.test_service import TOKENS, demo_settings, serving

runner = CliRunner()


def test_decide_states_the_profile_age_and_newer_documents(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# a\n\nAcme Brakes makes brake systems; the Company was sued by Steelco for unpaid invoices.\n")
    (tmp_path / "b.md").write_text("# b\n\nAcme Brakes won an order from BYD.\n")
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.md"), "-e", "acme"]).exit_code == 0
    assert runner.invoke(app, ["profile", "acme", "--extractor", "offline"]).exit_code == 0
    fresh = json.loads(runner.invoke(app, ["decide", "acme", "--json"]).stdout)["staleness"]
    assert fresh["newer_documents"] == [] and 0 <= fresh["age_hours"] < 1
    time.sleep(1.1)  # ingest times are kept to the second
    assert runner.invoke(app, ["ingest", str(tmp_path / "b.md"), "-e", "acme"]).exit_code == 0
    stale = json.loads(runner.invoke(app, ["decide", "acme", "--json"]).stdout)["staleness"]
    assert stale["newer_documents"] == ["b.md"]
    shown = runner.invoke(app, ["decide", "acme"], env={"COLUMNS": "300"}).output
    assert "1 document(s) ingested since (b.md)" in shown and "eprof profile acme" in shown


def test_no_redirect_reflects_the_host_header(tmp_path: Path) -> None:
    with serving(demo_settings(tmp_path / "store", api_tokens=SecretStr(TOKENS))) as url:
        answer = httpx.get(f"{url}/api/enterprises/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert answer.status_code != 307 and "evil.example" not in answer.headers.get("location", "") + answer.text

"""Hostile input gets a one-line error and bounded cost: hostile files, a reader that raises
anything, links out of the ingest folder, odd enterprise ids, broken manifest rows, and an LLM
endpoint that answers 200 with something that is not a chat completion."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from eprof.agent.llm import LLMRequestError
from benchmarks.hostile_inputs import MAX_PEAK_MB, MAX_SECONDS, hostile_files, run_child
from eprof.cli import app
from eprof.kernel.config import load_settings
from eprof.retrieval import readers
from eprof.retrieval.ingest import read_manifest
from eprof.retrieval.search import Searcher
from tests.openai_server import OpenAIServer, Reply
from tests.test_llm import VALID, ask, make_gateway
from tests.test_service import ANALYST, TOKENS, demo_settings, serving

runner = CliRunner()


def test_every_hostile_file_is_a_one_line_error_or_a_document_within_10_s_and_500_mb(tmp_path: Path) -> None:
    outcomes = {name: run_child(path) for name, path in hostile_files(tmp_path, large=False).items()}
    assert not [n for n, o in outcomes.items() if o.get("crashed") or o["seconds"] is None], outcomes
    assert all(o["seconds"] < MAX_SECONDS and o["peak_mb"] < MAX_PEAK_MB for o in outcomes.values()), outcomes
    assert outcomes["aes-owner-only.pdf"]["error"] is None and outcomes["aes-owner-only.pdf"]["chunks"] == 1  # cryptography opens AES
    assert "nested deeper" in outcomes["nested-divs.html"]["error"] and "limit" in outcomes["huge.txt"]["error"]
    assert "3,000" in outcomes["too-many-pages.pdf"]["error"]
    errors = [o["error"] for n, o in outcomes.items() if n != "aes-owner-only.pdf"]
    assert all(e and "\n" not in e for e in errors)


def test_a_reader_raising_anything_is_that_files_error_and_the_service_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(path: Path, data: bytes) -> None:
        raise NotImplementedError("/BrotliDecode filter is not supported")

    monkeypatch.setitem(readers.READERS, ".html", explode)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "page.html").write_text("<html><body><p>x</p></body></html>")
    (docs / "note.md").write_text("# 调研纪要\n\n江城精密主要生产数控机床主轴。\n")
    cli = runner.invoke(app, ["ingest", str(docs), "-e", "acme", "--json"])
    assert cli.exit_code == 1
    results = {Path(r["path"]).name: r for r in json.loads(cli.stdout)["results"]}
    assert results["note.md"]["status"] == "added" and results["page.html"]["status"] == "failed"
    assert "NotImplementedError" in results["page.html"]["reason"]

    settings = demo_settings(tmp_path / "store", api_tokens=SecretStr(TOKENS))
    with serving(settings) as url, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ANALYST}"}, timeout=60) as client:
        answer = client.post("/api/enterprises/acme/documents", files=[("files", ("page.html", b"<html><body>x</body></html>", "text/html"))])
    assert answer.status_code == 422 and "NotImplementedError" in answer.json()["message"]
    assert [p for p in (settings.home / "uploads").rglob("*") if p.is_file()] == []


def test_links_out_of_the_ingest_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:secret-marker:/root:/bin/bash\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.md").write_text("# note\n\nA research note about Acme.\n")
    (docs / "passwd.txt").symlink_to(secret)
    (docs / "inside.md").symlink_to(docs / "note.md")  # a link that stays inside is a file like any other
    result = runner.invoke(app, ["ingest", str(docs), "-e", "acme", "--json"])
    assert result.exit_code == 0, result.output
    assert sorted(Path(r["path"]).name for r in json.loads(result.stdout)["results"]) == ["inside.md", "note.md"]


def test_enterprise_ids_are_normalised_and_broken_manifest_rows_reported_by_line(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# a\n\nAcme makes brakes.\n")
    (tmp_path / "b.md").write_text("# b\n\nAcme sells to BYD.\n")
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.md"), "-e", "acme "]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(tmp_path / "b.md"), "-e", "ａｃｍｅ"]).exit_code == 0
    assert [(e.enterprise_id, len(e.documents)) for e in Searcher.open(load_settings()).store.enterprises()] == [("acme", 2)]
    assert runner.invoke(app, ["ingest", str(tmp_path / "a.md"), "-e", " \t"]).exit_code != 0

    manifest = tmp_path / "m.csv"
    manifest.write_text('enterprise_id,name,path,doc_type,published\n"acme,Acme,a.md,,\nbeta,Beta,b.md,,\n', encoding="utf-8")
    jobs, errors = read_manifest(manifest)
    assert jobs == [] and [(e.line, e.message) for e in errors] == [(2, "unterminated quote (row runs to line 3)")]


def test_a_reply_that_is_not_a_chat_completion_is_logged_retried_then_a_clean_failure(openai_server: OpenAIServer, clean_environ: Path) -> None:
    openai_server.script([Reply.raw("<html>502 from a proxy</html>"), Reply.raw('{"unexpected": true}', content_type="application/json"), Reply.json(VALID)])
    assert ask(make_gateway(openai_server)).parsed.answer == VALID["answer"]
    with sqlite3.connect(clean_environ / "logs.db") as db:
        rows = db.execute("select attempt, error_type, response_text from calls order by id").fetchall()
    assert [(a, e) for a, e, _ in rows] == [(1, "MalformedReplyError"), (2, "MalformedReplyError"), (3, None)]
    assert "502 from a proxy" in rows[0][2]

    openai_server.script([Reply.raw("not json")] * 4)
    with pytest.raises(LLMRequestError, match="4 attempt"):
        ask(make_gateway(openai_server), question="What was net profit?")  # not the cached question

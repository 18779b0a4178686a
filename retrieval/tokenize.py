"""Keyword tokens for BM25: jieba for Chinese, words for English, numbers kept whole.

Exact figures matter in finance: '12,345.67' is one token '12345.67', so a query for the
number finds the table that prints it.
"""

from __future__ import annotations

import logging
import re
import unicodedata

import jieba

jieba.setLogLevel(logging.WARNING)

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 对 为 其 中 等 之 也 而 并 被 把 从 以 于 上 下 个 这 那 有 无 将 由 "
    "a an the of and or to in on for by with as at is are was were be been it its this that from "
    "what which who whom how does do did has have had any there their our".split()
)


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    out = [m.group().replace(",", "") for m in NUMBER.finditer(text)]
    for token in jieba.lcut_for_search(NUMBER.sub(" ", text)):
        token = token.strip()
        if token and token not in STOPWORDS and any(ch.isalnum() for ch in token):
            out.append(token)
    return out

"""Sentence units of the offline extractor: a sentence (cut on 。！？!? and full stops, not on
abbreviations) or a table row, with its exact span in the chunk so a quote is verbatim; and the
amounts, dates and percentages a unit states."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from eprof.agent import lexicon as lx
from eprof.agent.schema import Evidence
from eprof.retrieval.schema import Chunk

MAX_QUOTE_CHARS = 400
_SENTENCE_END = re.compile(r"\n|[。！？!?]+[”\"’）)]*|\.(?=\s+[A-Z0-9\"“(（\u4e00-\u9fff]|[\u4e00-\u9fff])|\.$")
_ABBREVIATIONS = re.compile(r"(\b(Co|Ltd|Inc|Corp|No|Mr|Ms|Mrs|Dr|St|vs|etc|e\.g|i\.e|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z])$")
CJK = re.compile(r"[\u4e00-\u9fff]")
WS = re.compile(r"\s+")



def fold(text: str) -> str:
    """NFKC per character where it keeps the length, so offsets into the original still hold."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True)
class Unit:
    """A sentence or table row: its folded text and its exact span in the chunk."""

    chunk: Chunk
    start: int
    end: int
    text: str

    @property
    def quote(self) -> str:
        return self.chunk.text[self.start:self.end]

    @property
    def zh(self) -> bool:
        return bool(CJK.search(self.text))

    def evidence(self) -> Evidence:
        return Evidence(chunk_id=self.chunk.chunk_id, source=self.chunk.source, page=self.chunk.page, quote=self.quote)


def _spans(text: str, kind: str) -> list[tuple[int, int]]:
    """Sentence spans (rows for tables), trimmed of surrounding whitespace."""
    raw: list[tuple[int, int]] = []
    if kind == "table":
        pos = 0
        for line in text.split("\n"):
            raw.append((pos, pos + len(line)))
            pos += len(line) + 1
    else:
        start = 0
        for match in _SENTENCE_END.finditer(text):
            if match.group().startswith(".") and _ABBREVIATIONS.search(text[start:match.start()]):
                continue
            raw.append((start, match.end()))
            start = match.end()
        raw.append((start, len(text)))
    out = []
    for a, b in raw:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 4:
            out.append((a, min(b, a + MAX_QUOTE_CHARS)))
    return out


def units_of(chunk: Chunk) -> list[Unit]:
    folded = fold(chunk.text)
    return [Unit(chunk, a, b, folded[a:b]) for a, b in _spans(chunk.text, chunk.kind)]


def stated_amount(text: str) -> float | None:
    """The largest amount stated in a sentence, in yuan."""
    best = None
    for m in lx.AMOUNT.finditer(text):
        try:
            value = float(m.group(2).replace(",", "")) * lx.AMOUNT_FACTORS[m.group(3).lower()]
        except ValueError:
            continue
        best = value if best is None else max(best, value)
    return best


def date_in(text: str) -> dt.date | None:
    found: list[tuple[int, dt.date]] = []
    for pattern in lx.DATES:
        for m in pattern.finditer(text):
            try:
                found.append((m.start(), dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
            except ValueError:
                continue
    for i, pattern in enumerate(lx.EN_DATES):
        for m in pattern.finditer(text):
            month, day = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
            try:
                found.append((m.start(), dt.date(int(m.group(3)), lx.MONTHS[month.lower()], int(day))))
            except ValueError:
                continue
    return min(found)[1] if found else None


def percent_in(patterns: Sequence[re.Pattern[str]], text: str) -> float | None:
    for pattern in patterns:
        m = pattern.search(text)
        if m:
            return float(m.groups()[-1]) / 100
    return None



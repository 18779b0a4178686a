"""Table questions ("前五名客户是谁", "ageing over 3 years") answered from the table's rows.

A table's caption and unit line are sometimes indexed in the text chunk just before the table
(the layout reader keeps the rows whole but the caption can fall into the previous block). Here
a table is read together with that caption: the caption and header decide whether the table
answers the question, then the row that matches the rest of the question is quoted, or every
row when the question asks for the list. Rows are quoted verbatim from the table chunk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from eprof.agent.qa_terms import bilingual_coverage
from eprof.agent.schema import Evidence
from eprof.retrieval.schema import Chunk

TABLE_DETAIL = re.compile(r"账龄|\d+\s*年以上|\d+\s*至\s*\d+\s*年|ageing|aging|\baged\b|over \d+ years?|前[五十]名|第一大|最大的?(客户|供应商)|top (five|5|ten|10)|largest (customer|supplier)|按.{1,6}(分类|披露)", re.I)
"""Words that ask for a row of a note's table, not the statement line a figure name alone would pick."""
RANK_WORDS = frozenset({"第一", "第一大", "最大", "前五", "前五名", "五名", "largest", "biggest", "top", "five", "ten"})
MAX_ROWS = 12
CAPTION_LINES = 3
MIN_TABLE_COVERAGE = 0.6
MIN_CAPTION_COVERAGE = 0.5
"""The caption and header alone must cover half the question's terms: the table is about the question."""
MAX_CAPTION_CHARS = 80


def caption(table: Chunk, chunks: Mapping[str, Chunk]) -> str:
    """The table's own first lines plus the last lines of the text chunk just before it in the same document."""
    before = next((c for c in chunks.values() if c.doc_id == table.doc_id and c.ordinal == table.ordinal - 1 and c.kind == "text"), None)
    lines = table.text.splitlines()[:CAPTION_LINES]
    if before is not None:  # only short lines: a caption or unit line, not the body text above the table
        lines = [line for line in before.text.splitlines()[-CAPTION_LINES:] if len(line.strip()) <= MAX_CAPTION_CHARS] + lines
    return "\n".join(lines)


def table_answer(terms: Sequence[str], tables: Sequence[Chunk], chunks: Mapping[str, Chunk]) -> list[Evidence]:
    """Rows of the best-matching table (caption and header cover the question), best row first; [] if none."""
    terms = [t for t in terms if t.lower() not in RANK_WORDS]  # the ranking was asked of the table; its rows answer it
    best: tuple[float, Chunk] | None = None
    for table in tables:
        head = caption(table, chunks)
        score = bilingual_coverage(terms, head + "\n" + table.text)
        if score >= MIN_TABLE_COVERAGE and bilingual_coverage(terms, head) >= MIN_CAPTION_COVERAGE and (best is None or score > best[0]):
            best = (score, table)
    if best is None:
        return []
    table = best[1]
    head = caption(table, chunks)
    rest = [t for t in terms if bilingual_coverage([t], head) == 0]  # what the question asks of the rows
    rows = [line.strip() for line in table.text.splitlines() if line.strip() and any(ch.isdigit() for ch in line)]
    if rest:
        scored = sorted(((bilingual_coverage(rest, row), i, row) for i, row in enumerate(rows)), key=lambda s: (-s[0], s[1]))
        if scored and scored[0][0] > 0:
            top = scored[0][0]
            rows = [row for score, _, row in scored if score == top]
    return [Evidence(chunk_id=table.chunk_id, source=table.source, page=table.page, quote=row) for row in rows[:MAX_ROWS]]

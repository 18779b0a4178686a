"""Labelled news for evaluation runs: one JSON line per news item, turned into the corpus format.

    eprof eval run --dataset NEWS.jsonl [--prompt profile_news@v1] [--extractor offline]

Each line is one news item about one enterprise (the item becomes that enterprise's only
document, doc type news):

    {"id": "n1", "text": "…", "subject": "金一文化", "aliases": ["金一"], "events": ["信批违规"]}

- `id` (optional; default the line number) names the enterprise; `text` is the news text;
- `subject` is the enterprise the item is judged for (its name for the extractor), `aliases`
  (optional) its other names;
- `expected` lists the red-flag codes the item should raise (agent/schema.py RedFlagType), or
  `events` lists event labels, mapped by agent/news_taxonomy.py (其他 = none); `[]` means the item
  raises no flag for this subject, which is how other firms' news and "其他" items are scored.

The file is written out once, by its content hash, as a dataset folder (manifest.csv with the
`aliases` column, truth/<id>.json, docs/<id>.txt) under the system temporary folder and loaded
like any other dataset, so the statistics are the corpus evaluation's: red-flag precision,
recall and F1 per type with bootstrap intervals, evidence verification, paired comparisons.
What news labels do not carry stays empty: no figures, parties, Q&A or default label (the
down-stream AUC is then not computed), and a truth flag's severity is the one the event label
starts at in agent/news_events.py (news labels carry none), quoted by the item's first line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from pathlib import Path

from pydantic import Field, ValidationError

from eprof.agent.news_events import EVENTS
from eprof.agent.news_taxonomy import flag_for
from eprof.agent.schema import RedFlagType, Severity
from eprof.kernel.contract import Contract
from eprof.kernel.errors import InputError
from eprof.kernel.files import atomic_write_text, safe_name
from eprof.evaluation.corpus.truth import EnterpriseTruth, TruthDocument, TruthFlag

SUFFIXES = (".jsonl", ".ndjson")
ROOT = Path(tempfile.gettempdir()) / "eprof-news-datasets"


class NewsItem(Contract):
    id: str | None = Field(None, pattern=r"^[\w.-]+$")
    text: str = Field(min_length=1)
    subject: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    expected: list[RedFlagType] | None = None
    events: list[str] | None = None

    def flags(self) -> list[RedFlagType]:
        if self.expected is not None:
            return list(dict.fromkeys(self.expected))
        return list(dict.fromkeys(f for label in self.events or [] if (f := flag_for(label)) is not None))


def is_news_dataset(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUFFIXES


def read_items(path: Path) -> list[NewsItem]:
    """Parse and check every line; InputError names the first bad one."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = NewsItem.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError(f"{path.name} line {number}: {'.'.join(str(p) for p in first['loc']) or '(line)'}: {first['msg']}") from exc
        if item.expected is None and item.events is None:
            raise InputError(f"{path.name} line {number}: give `expected` (red-flag codes) or `events` (event labels); [] for none")
        items.append(item.model_copy(update={"id": item.id or f"n{number}"}))
    if not items:
        raise InputError(f"{path.name}: no news items")
    if len({i.id for i in items}) != len(items):
        raise InputError(f"{path.name}: ids must be unique")
    return items


def _severity(flag: RedFlagType) -> Severity:
    return next((e.severity for e in EVENTS if e.flag == flag and not e.fallback), Severity.medium)


def _truth(item: NewsItem, source: str) -> EnterpriseTruth:
    quote = next(line.strip() for line in item.text.splitlines() if line.strip())
    return EnterpriseTruth(
        enterprise_id=item.id, name=item.subject, short_name=item.aliases[0] if item.aliases else item.subject,
        language="zh" if any("\u4e00" <= ch <= "\u9fff" for ch in item.text) else "en",
        industry="", fiscal_year=None, auditor="", controlling_shareholder="",
        documents=[TruthDocument(source=source, doc_type="news", published=None, pages=1)],
        figures=[], parties=[], decoys=[], qa=[], scores={}, default=None,
        flags=[TruthFlag(source=source, page=1, quote=quote, type=f, severity=_severity(f), date=None, channel="news")
               for f in item.flags()],
    )


def materialise(path: Path, root: Path = ROOT) -> Path:
    """The dataset folder for NEWS.jsonl, written once per content hash; returns the folder."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    folder = root / f"{safe_name(path.stem)}-{digest}"
    if (folder / "manifest.csv").is_file():
        return folder
    items = read_items(path)
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["enterprise_id", "name", "path", "doc_type", "published", "aliases"])
    for item in items:
        source = f"{item.id}.txt"
        atomic_write_text(folder / "docs" / source, item.text)
        atomic_write_text(folder / "truth" / f"{item.id}.json", _truth(item, source).model_dump_json(indent=2))
        writer.writerow([item.id, item.subject, f"docs/{source}", "news", "", ";".join(item.aliases)])
    atomic_write_text(folder / "manifest.csv", rows.getvalue())
    return folder

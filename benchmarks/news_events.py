"""Risk events in real Chinese financial news: event typing and subject attribution.

    python -m benchmarks.news_events [--data DIR] [--held N] [--attribution-held N] [--out FILE]

Each held-back item becomes one enterprise's only news document (named by the item's subject)
and goes the way `eprof batch` takes it: the text reader, the chunker (doc type news), the
offline extractor and the verifier. Only the last `--held` items of finese-train.json and the
last `--attribution-held` of finnsp-train.json are read: the rest is the training split, which
the lexicon was written from and the attribution gate (agent/news_gate.py, `eprof news train
--first 3000`) learned from; these slices are never tuned on.

Type level: an item labelled with event E expects the one red-flag code E maps to
(agent/news_taxonomy.py; 其他 expects none). A reported code that is not the expected one is a
false positive, a missing expected code a false negative. Attribution (finnsp): for every
entity a negative story names, the extractor runs with that entity as the enterprise (with the
packaged attribution gate, as `eprof batch` runs it); "about it" means at least one red flag was
raised. F1 over (story, entity) pairs against the labels.
The data stays outside the repository; without it this exits 0.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

from rich.console import Console

from eprof.agent.news_gate import packaged_gate
from eprof.agent.news_gate_train import finnsp_pairs
from eprof.agent.news_taxonomy import flag_for
from eprof.agent.offline import extract_offline
from eprof.agent.verify import verify_extraction
from benchmarks._report import report
from eprof.retrieval.chunking import chunk_document
from eprof.retrieval.readers import read_document
from eprof.retrieval.schema import DocType

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "cn-news-risk"


def flags_for_text(folder: Path, item_id: str, text: str, name: str) -> set[str]:
    """The verified red-flag codes the offline extractor raises for `name` from one news text."""
    path = folder / f"{item_id}.txt"
    path.write_text(text, encoding="utf-8")
    document = read_document(path)
    chunks = chunk_document(document, item_id, DocType.news)
    extraction = extract_offline(item_id, name, chunks, {})
    verified, _ = verify_extraction(extraction, {c.chunk_id: c for c in chunks}, item_id)
    return {f.type.value for f in verified.red_flags}


def _ratios(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"precision": p, "recall": r, "f1": f1}


def event_typing(items: list[list[str]], folder: Path) -> tuple[list[dict], dict[str, object]]:
    per_code: dict[str, Counter] = {}
    per_label: dict[str, Counter] = {}
    unreadable = 0
    for item_id, text, label, subject in items:
        expected = flag_for(label)
        try:
            found = flags_for_text(folder, item_id, text, subject)
        except Exception as exc:  # noqa: BLE001 - a reader refusal is a miss, counted and shown
            if type(exc).__name__ != "DocumentError":
                raise
            unreadable += 1
            found = set()
        per_label.setdefault(label, Counter())["items"] += 1
        if expected is not None:
            hit = expected.value in found
            per_code.setdefault(expected.value, Counter())["tp" if hit else "fn"] += 1
            per_label[label]["tp" if hit else "fn"] += 1
        for code in found - ({expected.value} if expected else set()):
            per_code.setdefault(code, Counter())["fp"] += 1
            per_label[label]["fp"] += 1
    rows = []
    for code, c in sorted(per_code.items()):
        rows.append({"table": "code", "type": code, "tp": c["tp"], "fp": c["fp"], "fn": c["fn"], **_ratios(c["tp"], c["fp"], c["fn"])})
    for label, c in sorted(per_label.items(), key=lambda kv: -kv[1]["items"]):
        rows.append({"table": "label", "type": label, "tp": c["tp"], "fp": c["fp"], "fn": c["fn"], **_ratios(c["tp"], c["fp"], c["fn"])})
    total = sum(per_code.values(), Counter())
    micro = _ratios(total["tp"], total["fp"], total["fn"])
    rows.append({"table": "micro", "type": "all", "tp": total["tp"], "fp": total["fp"], "fn": total["fn"], **micro})
    return rows, {"items": len(items), "unreadable": unreadable, **micro}


def attribution(items: list[list[str]], folder: Path) -> dict[str, object]:
    tp = fp = fn = 0
    pairs = finnsp_pairs(items)
    for i, pair in enumerate(pairs):
        try:
            about = bool(flags_for_text(folder, f"{pair.story}-{i}", pair.text, pair.name))
        except Exception as exc:  # noqa: BLE001
            if type(exc).__name__ != "DocumentError":
                raise
            about = False
        tp += about and pair.about
        fp += about and not pair.about
        fn += pair.about and not about
    return {"pairs": len(pairs), "tp": tp, "fp": fp, "fn": fn, **_ratios(tp, fp, fn)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--held", type=int, default=2000, help="last N finese items (held back)")
    parser.add_argument("--attribution-held", type=int, default=1000, help="last N finnsp items (held back)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    finese, finnsp = args.data / "finese-train.json", args.data / "finnsp-train.json"
    if not finese.is_file() or not finnsp.is_file():
        Console().print(f"no data at {args.data}; nothing to measure")
        return
    events = json.loads(finese.read_text(encoding="utf-8"))[-args.held:]
    stories = json.loads(finnsp.read_text(encoding="utf-8"))[-args.attribution_held:]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        rows, typing = event_typing(events, Path(tmp))
        attributed = attribution(stories, Path(tmp))
    seconds = round(time.perf_counter() - started, 1)
    gate = packaged_gate()
    gate_card = None if gate is None else {"trained_on": gate.trained_on.model_dump(), "threshold": gate.threshold,
                                           "cross_validation": gate.cross_validation.model_dump()}
    report("news_events", f"Risk events in held-back news ({len(events)} items), offline extractor", rows, args.out,
           data=str(args.data), held_back={"finese": args.held, "finnsp": args.attribution_held},
           type_level=typing, attribution=attributed, gate=gate_card, seconds=seconds)
    fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
    Console().print(f"type level: precision {fmt(typing['precision'])} recall {fmt(typing['recall'])} f1 {fmt(typing['f1'])}"
                    f" ({typing['unreadable']} unreadable); attribution F1 {fmt(attributed['f1'])}"
                    f" (P {fmt(attributed['precision'])}, R {fmt(attributed['recall'])}, {attributed['pairs']} pairs); {seconds}s")


if __name__ == "__main__":
    main()

"""Training the news attribution gate (agent/news_gate.py) from labelled (story, firm) pairs.

Data, passed by path and never shipped:
- FinNSP-style JSON (`.json`): a list of `[id, title, text, entities, negative, targets]`, entities
  and targets `;`-separated; each entity of a negative story (negative == "1") is one pair, about
  it when it is a target;
- JSON lines (`.jsonl`): `{"id": "s1", "text": "…", "name": "XX", "about": true}` one pair a line
  (`id` groups the pairs of one story for cross-validation).
`first` keeps only the first N items (stories or lines), so a held-back tail stays unseen.

Each pair's text goes the way `eprof batch` takes a news file (the text reader, the news chunker,
the offline rules with no gate), which gives the `rules` feature and the text the features read.
A LightGBM model of a few shallow trees is cross-validated by story (GroupKFold); the threshold is
the one with the best out-of-fold attribution F1, counting the rules' own answer where the gate
does not speak (`candidate`) and no flag where it accepts a story with no risk phrase; the final model is fitted on every candidate pair.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eprof.agent.flag_rules import find_red_flags
from eprof.agent.news_gate import CrossValidation, NewsGate, Node, TrainedOn
from eprof.agent.news_gate_features import FEATURES, candidate, gate_features
from eprof.agent.sentence_units import fold
from eprof.agent.subject_rules import short_names
from eprof.kernel.errors import DocumentError, InputError
from eprof.retrieval.chunking import chunk_document
from eprof.retrieval.readers import read_document
from eprof.retrieval.schema import DocType

if TYPE_CHECKING:
    import lightgbm as lgb
    import numpy as np

__all__ = ["PARAMS", "LabelledPair", "finnsp_pairs", "fit_gate", "pair_features", "read_pairs", "train_gate", "trees_of"]

PARAMS: dict[str, float | int | str] = {"n_estimators": 100, "num_leaves": 7, "learning_rate": 0.1, "min_child_samples": 20}
"""A few shallow trees: about 1,300 leaves in all, a small JSON artefact."""
THRESHOLDS = tuple(round(0.25 + 0.025 * i, 3) for i in range(21))
"""Thresholds tried by cross-validation (0.25 to 0.75)."""


@dataclass(frozen=True)
class LabelledPair:
    story: str
    text: str
    name: str
    about: bool


def finnsp_pairs(items: Sequence[Sequence[str]]) -> list[LabelledPair]:
    """The (story, entity) pairs of FinNSP-style items: every entity a negative story names."""
    pairs = []
    for item_id, title, text, entities, negative, targets in items:
        if negative != "1":
            continue
        body = text if title and title in text else f"{title}\n{text}" if title else text
        wanted = {e for e in targets.split(";") if e}
        pairs += [LabelledPair(item_id, body, e, e in wanted) for e in dict.fromkeys(entities.split(";")) if e]
    return pairs


def read_pairs(path: Path, first: int | None = None) -> tuple[list[LabelledPair], int]:
    """(pairs, items read) from a FinNSP JSON or a JSON-lines file; see the module docstring."""
    try:
        raw = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            lines = [json.loads(line) for line in raw.splitlines() if line.strip()][:first]
            return [LabelledPair(str(d["id"]), d["text"], d["name"], bool(d["about"])) for d in lines], len(lines)
        items = json.loads(raw)[:first]
        return finnsp_pairs(items), len(items)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not labelled news pairs ({type(exc).__name__}: {exc}); expected FinNSP JSON or "
                         '.jsonl lines {"id", "text", "name", "about"}') from exc


def pair_features(pair: LabelledPair, folder: Path) -> dict[str, float] | None:
    """The gate's features for one pair, read the way `eprof batch` reads a news file; None where
    the text reader refuses the text."""
    path = folder / "story.txt"
    path.write_text(pair.text, encoding="utf-8")
    try:
        document = read_document(path)
    except DocumentError:
        return None
    chunks = chunk_document(document, "pair", DocType.news)
    names = short_names(pair.name, chunks)
    rules = bool(find_red_flags(pair.name, chunks, gate=None))
    text = "\n".join(fold(c.text) for c in chunks if c.kind == "text")
    return gate_features(text, pair.name, names, rules)


def _tree(node: dict) -> Node:
    if "leaf_value" in node:
        return float(node["leaf_value"])
    assert node["decision_type"] == "<=", node["decision_type"]  # numerical splits only: no categorical features
    return [int(node["split_feature"]), float(node["threshold"]), _tree(node["left_child"]), _tree(node["right_child"])]


def trees_of(booster: lgb.Booster) -> list[Node]:
    """A fitted LightGBM binary booster's trees in the artefact's nested-list form."""
    return [_tree(t["tree_structure"]) for t in booster.dump_model()["tree_info"]]


def _score(decided: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """(F1, precision, recall) of boolean decisions."""
    tp, fp, fn = int((decided & truth).sum()), int((decided & ~truth).sum()), int((~decided & truth).sum())
    return (2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0, tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def fit_gate(rows: Sequence[dict[str, float]], truth: Sequence[bool], stories: Sequence[str], trained_on: TrainedOn,
             folds: int = 5, seed: int = 0) -> NewsGate:
    """Cross-validate by story, pick the threshold, fit on every candidate pair; the trees as JSON."""
    import lightgbm as lgb
    import numpy as np
    from sklearn.model_selection import GroupKFold

    x = np.array([[r[k] for k in FEATURES] for r in rows])
    y = np.array(truth, dtype=bool)
    rules = x[:, FEATURES.index("rules")] > 0
    eventful = rules | (x[:, FEATURES.index("risk_any")] > 0)  # an accepted story needs an event to flag
    speaks = np.array([candidate(r) for r in rows])
    if speaks.sum() < folds or len(set(y[speaks])) < 2:
        raise InputError(f"too few pairs to train the gate: {int(speaks.sum())} candidate pairs, "
                         f"{int(y[speaks].sum())} about their firm; need both kinds and at least {folds}")

    def model() -> lgb.LGBMClassifier:
        return lgb.LGBMClassifier(**PARAMS, random_state=seed, deterministic=True, n_jobs=1, verbose=-1)

    p = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=folds).split(x, y, stories):
        train = train[speaks[train]]
        p[test] = model().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
    scored = {t: _score(np.where(speaks, (p >= t) & eventful, rules), y) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (scored[t][0], -abs(t - 0.5)))
    f1, precision, recall = scored[threshold]
    booster = model().fit(x[speaks], y[speaks]).booster_
    return NewsGate(
        features=list(FEATURES),
        trees=trees_of(booster),
        threshold=threshold,
        trained_on=trained_on,
        cross_validation=CrossValidation(folds=folds, f1=round(f1, 4), precision=round(precision, 4), recall=round(recall, 4),
                                         rules_f1=round(_score(rules, y)[0], 4)),
        params={**PARAMS, "seed": seed},
    )


def train_gate(path: Path, first: int | None = None, folds: int = 5, seed: int = 0) -> NewsGate:
    """Read labelled pairs, compute their features through the batch path, and fit the gate."""
    pairs, items = read_pairs(path, first)
    rows, kept = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for pair in pairs:
            row = pair_features(pair, Path(tmp))
            if row is not None:
                rows.append(row)
                kept.append(pair)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    trained_on = TrainedOn(source=path.name if first is None else f"{path.name}[:{first}]", sha256=digest, items=items,
                           pairs=len(kept), positives=sum(p.about for p in kept))
    return fit_gate(rows, [p.about for p in kept], [p.story for p in kept], trained_on, folds=folds, seed=seed)

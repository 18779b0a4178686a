"""The news attribution gate: is this risk story about the enterprise, or about a firm it only names?

The subject rules (agent/subjects.py) read the stretch after each mention; on real negative news
they over-attribute (a name inside a longer registered name, a bank or portal named beside a
platform, one item of a list) and miss stories whose event is worded away from the name. The
gate is a small gradient-boosted tree model (agent/news_gate_features.py features, `eprof news
train`) that decides, per news document, whether its risk event is the enterprise's own:

- it never touches annual reports or filings, and never steers on document instructions: only a
  news document's risk flags are kept or dropped by it;
- it speaks only where the document names the enterprise and states a risk phrase (`candidate`);
  elsewhere the rules decide;
- where it accepts a document whose stretches held no event, the event is the one the press words
  in a sentence naming the enterprise, or else the document's first (`gate_event`).

The artefact ships as `agent/news_gate.json` (trees, threshold and what it was trained on); with
no artefact the rules apply unchanged, and a corrupt one is an error naming the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eprof.agent.news_events import NewsHit, sentence_event
from eprof.agent.news_gate_features import FEATURES, other_names
from eprof.agent.subjects import mentions, names_listed_company, related
from eprof.kernel.config import load_settings
from eprof.kernel.errors import InputError

__all__ = ["GATE_PATH", "NewsGate", "gate_event", "load_gate", "packaged_gate"]

GATE_PATH = Path(__file__).with_name("news_gate.json")
SCHEMA_VERSION = 1

Node = float | list  # a leaf value, or [feature index, threshold, left, right]: left where x <= threshold


class TrainedOn(BaseModel):
    """What the artefact was learned from, so a reader can judge it (the data itself never ships)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    sha256: str
    items: int
    pairs: int
    positives: int


class CrossValidation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    folds: int
    f1: float
    precision: float
    recall: float
    rules_f1: float = Field(description="the rules alone on the same pairs")


class NewsGate(BaseModel):
    """Boosted trees over `features`; P(about) = sigmoid(sum of leaves); about when >= threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["gbdt"] = "gbdt"
    features: list[str]
    trees: list[Node]
    threshold: float = Field(ge=0, le=1)
    trained_on: TrainedOn
    cross_validation: CrossValidation
    params: dict[str, float | int | str]

    def probability(self, features: dict[str, float]) -> float:
        x = [features[k] for k in self.features]
        raw = sum(_leaf(tree, x) for tree in self.trees)
        return 1 / (1 + math.exp(-raw))

    def about(self, features: dict[str, float]) -> bool:
        return self.probability(features) >= self.threshold


def _leaf(node: Node, x: Sequence[float]) -> float:
    while isinstance(node, list):
        feature, threshold, left, right = node
        node = left if x[int(feature)] <= threshold else right
    return float(node)


def load_gate(path: Path) -> NewsGate:
    """Read an artefact; anything unreadable or of another shape is an InputError naming the file."""
    try:
        gate = NewsGate.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError) as exc:
        raise InputError(f"{path}: not a news attribution gate ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
                         f"retrain it with `eprof news train`") from exc
    if tuple(gate.features) != FEATURES:
        raise InputError(f"{path}: gate features {gate.features} do not match this version's {list(FEATURES)}; "
                         f"retrain it with `eprof news train`")
    return gate


@lru_cache(maxsize=4)
def _cached_gate(path: Path) -> NewsGate:
    return load_gate(path)


def packaged_gate() -> NewsGate | None:
    """The gate in use: `EPROF_NEWS_GATE` (a file `eprof news train` wrote) when set, else the one
    shipped with the package; None where neither exists (the rules apply)."""
    configured = load_settings().news_gate
    if configured is not None:
        return _cached_gate(configured.resolve())
    return _cached_gate(GATE_PATH) if GATE_PATH.is_file() else None


def gate_event(sentences: Sequence[str], names: Sequence[str]) -> tuple[int, NewsHit] | None:
    """(sentence index, event) for a document the gate accepts but whose stretches held none: the
    first event worded after the enterprise's name in a sentence naming it, else the first in a
    sentence that names no other organisation ('投资人称：钱款无法提现'); never one told of a firm
    tied to it ('XX的客户Y破产' stays a counterparty event)."""
    others = {o[2].lower() for o in other_names("\n".join(sentences), names)}
    named, nobodys = [], []
    for i, text in enumerate(sentences):
        spans = mentions(text, names)
        if not spans and (names_listed_company(text) or any(o in text.lower() for o in others)):
            continue
        hit = sentence_event(text, spans[0][0] if spans else 0)
        if hit is not None and not any(a <= hit.start < b for _, a, b in related(text, names)):
            (named if spans else nobodys).append((i, hit))
    return (named or nobodys or [None])[0]

"""The news attribution gate: is this risk story about the enterprise, or about a firm it only names?

The subject rules (agent/subjects.py) read the stretch after each mention; on real negative news
they over-attribute (a name inside a longer registered name, a bank or portal named beside a
platform, one item of a list) and miss stories whose event is worded away from the name. The
gate is a small gradient-boosted tree model (agent/news_gate_features.py features, `eprof news
train`) that decides, per news document, whether its risk event is the enterprise's own:

- it never touches annual reports or filings, and never steers on document instructions: only a
  news document's risk flags are kept or dropped by it;
- it speaks only where the document writes one of the enterprise's names (`candidate`); elsewhere
  the rules decide;
- where it accepts a document whose stretches held no event, the event is read from a sentence
  about the enterprise, never from one about another or a tied firm (`gate_event`), and none is
  added where every mention sits inside another firm's registered name (agent/flag_rules.py).

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
from eprof.agent.news_gate_features import FEATURES, occurrences, other_names
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
    sentence that names no other organisation ('投资人称：钱款无法提现'), else the first in a sentence
    that writes one of its names, where the name written nearest before the event (else after it)
    is the enterprise's (the gate has judged the story to be the enterprise's: '诈骗平台--今天刚上线的
    盛泰投资' words the event before the name; in '远山科技董事长协助调查北海股份发布年报' the event is
    远山科技's, not 北海股份's); never one told of a firm tied to it ('XX的客户Y破产' stays a
    counterparty event)."""
    others = {o[2].lower() for o in other_names("\n".join(sentences), names)}
    named: list[tuple[int, NewsHit]] = []
    nobodys: list[tuple[int, NewsHit]] = []
    anywhere: list[tuple[int, NewsHit]] = []
    for i, text in enumerate(sentences):
        spans = mentions(text, names)
        if spans or not (names_listed_company(text) or any(o in text.lower() for o in others)):
            hit = _untied(sentence_event(text, spans[0][0] if spans else 0), text, names)
            if hit is not None:
                (named if spans else nobodys).append((i, hit))
                continue
        hit = _untied(sentence_event(text), text, names)
        if hit is not None and _nearest_is_own(text, names, hit.start):
            anywhere.append((i, hit))
    return (named or nobodys or anywhere or [None])[0]


def _nearest_is_own(text: str, names: Sequence[str], at: int) -> bool:
    """Whether the organisation name written nearest before `at` (where none is, nearest after) is
    one of the enterprise's names: Chinese news puts the subject before its event. A found "name"
    holding the event's own first character is the event's wording (诈骗 in 诈骗平台), no firm."""
    own = occurrences(text, names)
    written = [(a, b, True) for a, b in own] + [
        (a, b, False) for a, b, _ in other_names(text, names) if not (a <= at < b or any(x <= a and b <= y for x, y in own))]
    before = [w for w in written if w[1] <= at]
    if before:
        return max(before, key=lambda w: w[1])[2]
    after = [w for w in written if w[0] >= at]
    return bool(after) and min(after)[2]


def _untied(hit: NewsHit | None, text: str, names: Sequence[str]) -> NewsHit | None:
    """The hit, unless it stands in a stretch about a firm tied to the enterprise."""
    return None if hit is None or any(a <= hit.start < b for _, a, b in related(text, names)) else hit

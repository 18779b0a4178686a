"""Red-flag precision and recall: predicted flags against planted (truth) flags, per type and overall.

Matching rule. Within one enterprise and one red-flag type, a predicted flag matches a truth flag
when they share a location: with granularity "page", some evidence of each cites the same
(source, page); with "document", the same source. Each truth flag is matched at most once and
each predicted flag at most once, greedily in a fixed order (truth in given order; predicted in
given order), so the result is deterministic. Unmatched predicted flags are false positives
(a second flag for an already-matched event counts as one), unmatched truth flags are false
negatives. Severity is not part of the match; `severity_agreement` reports it separately.

A decoy (a sentence that looks like a red flag but is not one: a negation, a withdrawn lawsuit,
a competitor's scandal) counts as flagged when a predicted flag of the type it looks like cites
a quote that overlaps it (either contains the other after normalising width and whitespace).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import Field

from eprof.agent.schema import RedFlag, RedFlagType
from eprof.kernel.contract import Contract

Granularity = Literal["page", "document"]
_SPACE = re.compile(r"\s+")


class Counts(Contract):
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2 TP / (2 TP + FP + FN): the harmonic mean of precision and recall, and 0 (not undefined)
        when a type was only missed or only reported in error; None when it was neither."""
        errors = self.fp + self.fn
        return 2 * self.tp / (2 * self.tp + errors) if self.tp or errors else None

    def __add__(self, other: Counts) -> Counts:
        return Counts(tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn)


class Decoy(Contract):
    """Text planted to look like a red flag of type `looks_like` without being one."""

    enterprise_id: str
    looks_like: RedFlagType
    source: str
    quote: str
    kind: str = ""


class FlagMetrics(Contract):
    granularity: Granularity
    overall: Counts
    per_type: dict[RedFlagType, Counts]
    severity_agreement: float | None = Field(description="share of matched pairs whose severity is equal")
    decoys: int = 0
    decoys_flagged: int = 0
    flagged_decoys: list[Decoy] = Field(default_factory=list)

    def table(self) -> str:
        """A plain-text table: one row per type, then the overall row."""
        def fmt(x: float | None) -> str:
            return "  -  " if x is None else f"{x:5.2f}"
        lines = [f"{'type':26} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>5} {'rec':>5} {'f1':>5}"]
        for t, c in [*self.per_type.items(), ("overall", self.overall)]:
            name = t.value if isinstance(t, RedFlagType) else t
            lines.append(f"{name:26} {c.tp:4} {c.fp:4} {c.fn:4} {fmt(c.precision)} {fmt(c.recall)} {fmt(c.f1)}")
        lines.append(f"severity agreement {fmt(self.severity_agreement)}; decoys flagged {self.decoys_flagged}/{self.decoys}")
        return "\n".join(lines)


def _norm(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _locations(flag: RedFlag, granularity: Granularity) -> set[tuple[str, int]]:
    return {(e.source, e.page if granularity == "page" else 0) for e in flag.evidence}


def match_flags(predicted: Sequence[RedFlag], truth: Sequence[RedFlag], granularity: Granularity) -> list[tuple[int, int]]:
    """(truth index, predicted index) pairs, greedy in order."""
    used: set[int] = set()
    pairs = []
    for ti, t in enumerate(truth):
        where = _locations(t, granularity)
        for pi, p in enumerate(predicted):
            if pi not in used and p.type == t.type and where & _locations(p, granularity):
                used.add(pi)
                pairs.append((ti, pi))
                break
    return pairs


def flag_metrics(
    predicted: Mapping[str, Sequence[RedFlag]],
    truth: Mapping[str, Sequence[RedFlag]],
    granularity: Granularity = "page",
    decoys: Iterable[Decoy] = (),
    types: Iterable[RedFlagType] | None = None,
) -> FlagMetrics:
    """Compare flags per enterprise id. `types` restricts both sides (e.g. to text-stated types)."""
    keep = set(types) if types is not None else set(RedFlagType)
    per_type: dict[RedFlagType, Counts] = {}
    agree = matched = 0
    for eid in sorted(set(predicted) | set(truth)):
        pred = [f for f in predicted.get(eid, ()) if f.type in keep]
        true = [f for f in truth.get(eid, ()) if f.type in keep]
        pairs = match_flags(pred, true, granularity)
        hit_t = {ti for ti, _ in pairs}
        hit_p = {pi for _, pi in pairs}
        for ti, pi in pairs:
            per_type[true[ti].type] = per_type.get(true[ti].type, Counts()) + Counts(tp=1)
            matched += 1
            agree += true[ti].severity == pred[pi].severity
        for i, f in enumerate(true):
            if i not in hit_t:
                per_type[f.type] = per_type.get(f.type, Counts()) + Counts(fn=1)
        for i, f in enumerate(pred):
            if i not in hit_p:
                per_type[f.type] = per_type.get(f.type, Counts()) + Counts(fp=1)
    overall = sum(per_type.values(), Counts())
    decoy_list = [d for d in decoys if d.looks_like in keep]
    flagged = [d for d in decoy_list if _decoy_flagged(d, predicted.get(d.enterprise_id, ()))]
    return FlagMetrics(
        granularity=granularity,
        overall=overall,
        per_type=dict(sorted(per_type.items(), key=lambda kv: list(RedFlagType).index(kv[0]))),
        severity_agreement=agree / matched if matched else None,
        decoys=len(decoy_list),
        decoys_flagged=len(flagged),
        flagged_decoys=flagged,
    )


def _decoy_flagged(decoy: Decoy, flags: Sequence[RedFlag]) -> bool:
    target = _norm(decoy.quote)
    for flag in flags:
        if flag.type != decoy.looks_like:
            continue
        for e in flag.evidence:
            quote = _norm(e.quote)
            if e.source == decoy.source and quote and (quote in target or target in quote):
                return True
    return False


"""What a document builder promises the truth: each quote it wrote and what the quote stands for.

Builders fill a Marks while writing text; generate.py then finds each quote's page in the
rendered file, so the truth never cites a page it has not checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eprof.agent.schema import FigureName, RedFlagType
from eprof.evaluation.corpus.world import DecoyKind, PlannedFlag


@dataclass(frozen=True)
class FigureMark:
    name: FigureName
    year: int
    cell: str
    quote: str


@dataclass(frozen=True)
class FlagMark:
    flag: PlannedFlag
    quote: str


@dataclass(frozen=True)
class DecoyMark:
    kind: DecoyKind
    looks_like: RedFlagType
    quote: str


@dataclass(frozen=True)
class PartyMark:
    name: str
    role: str
    share: float | None
    quote: str


@dataclass(frozen=True)
class QAMark:
    question: str
    answer: str
    quote: str


@dataclass
class Marks:
    """Quotes written into one document (file name `source`)."""

    source: str
    figures: list[FigureMark] = field(default_factory=list)
    flags: list[FlagMark] = field(default_factory=list)
    decoys: list[DecoyMark] = field(default_factory=list)
    parties: list[PartyMark] = field(default_factory=list)
    qa: list[QAMark] = field(default_factory=list)

    def quotes(self) -> frozenset[str]:
        groups = (self.figures, self.flags, self.decoys, self.parties, self.qa)
        return frozenset(m.quote for g in groups for m in g)

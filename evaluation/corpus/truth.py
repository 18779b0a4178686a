"""The truth that comes with a generated corpus: what each document says, and on which page.

Written in the product's own types (RedFlagType, Severity, FigureName), so evaluation compares
like with like. Every quote here was found on its page by parsing the rendered file back with
the product's reader.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from eprof.agent.schema import FigureName, RedFlagType, Severity
from eprof.kernel.contract import Contract

TRUTH_VERSION = "truth/1"


class Cited(Contract):
    source: str
    page: int = Field(ge=1)
    quote: str


class TruthFigure(Cited):
    name: FigureName
    period: str
    value: float = Field(description="normalised to 元")
    as_printed: str


class TruthFlag(Cited):
    type: RedFlagType
    severity: Severity
    date: dt.date | None
    channel: Literal["report", "implied", "news"]


class TruthDecoy(Cited):
    kind: str
    looks_like: RedFlagType


class TruthParty(Cited):
    name: str
    role: str
    share: float | None


class TruthQA(Contract):
    question: str
    answer: str | None
    answerable: bool
    evidence: Cited | None


class TruthDocument(Contract):
    source: str
    doc_type: Literal["annual_report", "news", "research"]
    published: dt.date | None
    pages: int


class Default(Contract):
    """The data-generating process's draw (evaluation/corpus/default_model.py)."""

    probability: float
    label: int
    drivers: dict[str, float]


class EnterpriseTruth(Contract):
    truth_version: Literal["truth/1"] = TRUTH_VERSION
    enterprise_id: str
    name: str
    short_name: str
    language: Literal["zh", "en"]
    industry: str
    fiscal_year: int | None
    auditor: str
    controlling_shareholder: str
    documents: list[TruthDocument]
    figures: list[TruthFigure]
    parties: list[TruthParty]
    flags: list[TruthFlag]
    decoys: list[TruthDecoy]
    qa: list[TruthQA]
    scores: dict[str, int] = Field(description="the five 0-100 scores a perfect analyst would give")
    default: Default | None = Field(None, description="None where the labels carry no default outcome (a news dataset)")

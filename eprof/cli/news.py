"""`eprof news`: train the attribution gate that decides whose risk story a news document is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eprof.cli._common import console


def train(
    data: Annotated[Path, typer.Option("--data", help="labelled pairs: FinNSP-style JSON, or .jsonl lines {id, text, name, about}")],
    out: Annotated[Path, typer.Option("--out", help="where to write the gate JSON (the packaged one: agent/news_gate.json in a source checkout)")],
    first: Annotated[int | None, typer.Option("--first", min=1, help="use only the first N items (keep a held-back tail unseen)")] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="cross-validation folds, grouped by story")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="LightGBM seed")] = 0,
) -> None:
    """Train the news attribution gate on labelled (story, firm) pairs; write its trees and CV figures as JSON."""
    from eprof.agent.news_gate_train import train_gate

    gate = train_gate(data, first=first, folds=folds, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(gate.model_dump_json(indent=1) + "\n", encoding="utf-8")
    cv, on = gate.cross_validation, gate.trained_on
    console.print(f"{on.pairs} pairs ({on.positives} about their firm) from {on.items} items of {on.source}; "
                  f"{cv.folds}-fold CV attribution F1 {cv.f1:.3f} (P {cv.precision:.3f}, R {cv.recall:.3f}; rules alone {cv.rules_f1:.3f}) "
                  f"at threshold {gate.threshold}; {len(gate.trees)} trees -> {out}", highlight=False)


def register(app: typer.Typer) -> None:
    news = typer.Typer(no_args_is_help=True, help="Real news: train the attribution gate.")
    news.command()(train)
    app.add_typer(news, name="news")

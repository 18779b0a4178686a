"""The Jinja environment of the HTML report and its SVG charts.

Autoescaping is on for every template, so whatever a run carries (dataset and contender names,
quotes from documents, error messages) reaches the page as text, never as markup; only what a
template rendered (`Markup`) is inserted as is. StrictUndefined turns a misspelt name into an
error instead of an empty cell.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from eprof.risk.labels import format_pd

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pd"] = format_pd  # PDs as the decision shows them ("<0.01%" below a hundredth of a percent)
    return env


def render(name: str, **context: Any) -> Markup:
    """A template of evaluation/templates rendered: markup, safe to insert into another template."""
    return Markup(environment().get_template(name).render(**context))

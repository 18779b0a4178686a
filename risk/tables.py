"""CSV tables for `risk train` and `risk monitor`, refused when they cannot mean what they say.

pandas renames a repeated column name (`x`, `x.1`), so a table with two `x` columns would train
a model on a column nobody named; a column with no value at all cannot be binned. Both are
input errors that name the columns.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from eprof.kernel.errors import InputError


def read_table(path: Path, what: str) -> pd.DataFrame:
    """The CSV as a frame; InputError for an unreadable file or repeated column names."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{what} {path.name}: expected a CSV table; {exc}") from exc
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(f"{what} {path.name}: column name(s) {repeated} appear more than once; rename or drop the copies")
    return table


def refuse_empty_columns(frame: pd.DataFrame, what: str) -> None:
    empty = [str(c) for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise InputError(f"{what}: column(s) {empty} hold no value at all; fill them or leave them out (--exclude)")

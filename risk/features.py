"""Feature rows for the risk model, built from a validated ProfileScores plus computed ratios.

Nothing is imputed here: a dimension score that is None (its evidence was rejected) and a ratio
that could not be computed stay None and are scored in the scorecard's missing bin. Malformed
input is rejected with an InputError that names the field.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from eprof.agent.ratios import RATIO_NAMES
from eprof.agent.schema import SCHEMA_VERSION, Evidence, ProfileScores, RedFlagType, Severity
from eprof.kernel.errors import InputError, NotFoundError
from eprof.risk.schema import FeatureRow
from eprof.kernel.hashing import file_sha256
from eprof.risk.tables import read_table, refuse_empty_columns

DIMENSIONS: tuple[str, ...] = (
    "business_stability",
    "industry_chain_position",
    "financial_health",
    "governance",
    "external_risk",
)
FLAG_FEATURES: tuple[str, ...] = tuple(f"flag_{t.value}" for t in RedFlagType)
SEVERITY_FEATURES: tuple[str, ...] = tuple(f"severity_{s.value}" for s in Severity)
POLICY_FEATURES: tuple[str, ...] = ("financial_institution",)
"""Facts for policy rules, not for the model: 1.0 for a bank, insurer or broker."""
FEATURE_NAMES: tuple[str, ...] = DIMENSIONS + RATIO_NAMES + FLAG_FEATURES + SEVERITY_FEATURES + POLICY_FEATURES
"""Every field of a profile feature row, in a fixed order."""

_DESCENDING = (
    DIMENSIONS
    + ("current_ratio", "gross_margin", "net_margin", "return_on_assets", "revenue_growth")
    + ("ocf_to_liabilities", "interest_coverage")
)
_ASCENDING = ("debt_to_assets", "receivable_days", "inventory_days", "receivables_growth_gap")
EXPECTED_TRENDS: dict[str, str] = {
    **{name: "descending" for name in _DESCENDING},
    **{name: "ascending" for name in _ASCENDING + FLAG_FEATURES + SEVERITY_FEATURES},
}
"""Expected direction of the default rate as each profile feature grows (credit knowledge).

Imposed on the bins so a better score can never cost points; names not listed get
optbinning's "auto_asc_desc", which picks the better of the two monotone trends from data.
"""


def _format_errors(exc: ValidationError, what: str) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        got = f"; got {err['input']!r}" if err["type"] != "missing" else ""
        parts.append(f"{loc}: {err['msg']}{got}")
    more = len(exc.errors()) - len(parts)
    return f"{what}: " + "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def parse_profile_scores(data: ProfileScores | Mapping[str, Any] | str | bytes) -> ProfileScores:
    """Validate extraction output; the schema version is required and checked first."""
    if isinstance(data, ProfileScores):
        return data
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError(f"profile scores: expected a JSON object; got invalid JSON ({exc})") from exc
    if not isinstance(data, Mapping):
        raise InputError(f"profile scores: expected a JSON object; got {type(data).__name__}")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(f"profile scores schema_version: expected {SCHEMA_VERSION!r}; got {version!r}")
    try:
        return ProfileScores.model_validate(data)
    except ValidationError as exc:
        raise InputError(_format_errors(exc, "profile scores")) from exc


def build_feature_row(
    scores: ProfileScores | Mapping[str, Any] | str | bytes,
    ratios: Mapping[str, float | None],
) -> FeatureRow:
    """The model's input for one enterprise: five dimension scores, ratios, red-flag counts.

    `ratios` must hold every name in RATIO_NAMES (as `agent.ratios.compute_ratios` returns);
    a count absent from the red-flag dicts is a count of zero, which is what the dicts mean.
    """
    profile = parse_profile_scores(scores)
    missing = [name for name in RATIO_NAMES if name not in ratios]
    unknown = sorted(set(ratios) - set(RATIO_NAMES))
    if missing or unknown:
        raise InputError(
            f"ratios: expected exactly the keys of RATIO_NAMES; missing {missing}, unknown {unknown}"
        )
    values: dict[str, float | None] = {}
    for name in DIMENSIONS:
        dim = getattr(profile, name)
        values[name] = None if dim is None else float(dim.score)
    for name in RATIO_NAMES:
        value = ratios[name]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is not None and not (number and math.isfinite(value)):
            raise InputError(f"ratios.{name}: expected a finite number or None; got {value!r}")
        values[name] = None if value is None else float(value)
    for kind, counts, names in (
        ("red_flag_counts", profile.red_flag_counts, RedFlagType),
        ("red_flag_severity_counts", profile.red_flag_severity_counts, Severity),
    ):
        prefix = "flag_" if kind == "red_flag_counts" else "severity_"
        for key in names:
            count = counts.get(key, 0)
            if count < 0:
                raise InputError(f"profile scores {kind}.{key.value}: expected a count >= 0; got {count}")
            values[prefix + key.value] = float(count)
    values["financial_institution"] = float(profile.financial_institution is not None)
    return FeatureRow(enterprise_id=profile.enterprise_id, values=values)


def evidence_map(
    scores: ProfileScores, extra: Mapping[str, Sequence[Evidence]] | None = None
) -> dict[str, list[Evidence]]:
    """Feature -> evidence behind it: each dimension's evidence, plus any caller-supplied links
    (e.g. ratio -> the table cells of the figures it was computed from)."""
    out: dict[str, list[Evidence]] = {}
    for name in DIMENSIONS:
        dim = getattr(scores, name)
        if dim is not None and dim.evidence:
            out[name] = list(dim.evidence)
    for name, items in (extra or {}).items():
        out.setdefault(name, []).extend(items)
    return out


def rows_to_frame(rows: Iterable[FeatureRow | Mapping[str, float | None]], features: Sequence[str]) -> pd.DataFrame:
    """Feature rows as a float frame (None -> NaN); a row lacking a model feature is an error."""
    records = []
    for i, row in enumerate(rows):
        values = row.values if isinstance(row, FeatureRow) else row
        absent = [f for f in features if f not in values]
        if absent:
            raise InputError(f"feature row {i}: the model needs {absent}, which the row does not have")
        records.append([np.nan if values[f] is None else float(values[f]) for f in features])
    return pd.DataFrame(records, columns=list(features), dtype=float)


def frame_sha256(X: pd.DataFrame, y: np.ndarray | None = None) -> str:
    """Content hash of an in-memory table, from its CSV form (columns, order and values)."""
    frame = X if y is None else X.assign(__label__=np.asarray(y))
    return "sha256:" + hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def check_features(X: pd.DataFrame, what: str = "features") -> pd.DataFrame:
    """Numeric, finite-or-missing columns as float; anything else names the offending column."""
    out = {}
    for name in X.columns:
        col = X[name]
        if col.dtype == bool:
            col = col.astype(float)
        if not pd.api.types.is_numeric_dtype(col):
            raise InputError(
                f"{what} column {name!r}: expected numbers (blank = missing); got dtype {col.dtype}"
                " (exclude id columns with --exclude)"
            )
        col = col.astype(float)
        if np.isinf(col.to_numpy()).any():
            raise InputError(f"{what} column {name!r}: expected finite numbers or blanks; got inf")
        out[name] = col
    return pd.DataFrame(out, index=X.index)


def check_labels(y: Any, what: str = "label") -> np.ndarray:
    arr = pd.Series(y)
    if arr.isna().any():
        raise InputError(f"{what}: expected 0/1 in every row; got {int(arr.isna().sum())} missing")
    values = set(pd.unique(arr).tolist())
    if not values <= {0, 1}:
        raise InputError(f"{what}: expected only 0 and 1; got {sorted(map(str, values))[:5]}")
    if values != {0, 1}:
        raise InputError(f"{what}: expected both classes 0 and 1; got only {sorted(values)}")
    return arr.to_numpy(dtype=int)


def read_training_table(
    path: Path, label: str, exclude: Sequence[str] = ()
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """A CSV of features + a 0/1 label column -> (features, labels, sha256 of the file)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"training data {path}: no such file")
    table = read_table(path, "training data")
    if label not in table.columns:
        raise InputError(f"training data {path.name}: expected a label column {label!r}; got {list(table.columns)}")
    unknown = [c for c in exclude if c not in table.columns]
    if unknown:
        raise InputError(f"training data {path.name}: --exclude names absent columns {unknown}")
    y = check_labels(table[label], f"training data {path.name} column {label!r}")
    X = check_features(table.drop(columns=[label, *exclude]), f"training data {path.name}")
    refuse_empty_columns(X, f"training data {path.name}")
    if X.shape[1] == 0:
        raise InputError(f"training data {path.name}: expected at least one feature column besides {label!r}")
    return X, y, "sha256:" + file_sha256(path)

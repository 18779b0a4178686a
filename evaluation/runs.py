"""The evaluation runs under a folder (default `<EPROF_HOME>/evals/`), newest first, for listings.

Each results.json is parsed and its identifying fields kept as a RunSummary (a run of a few
hundred enterprises is a few MB); a folder without a readable results.json (a run in progress,
the evaluation stores) is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from eprof.kernel.contract import Contract
from eprof.evaluation.schema import EVAL_SCHEMA_VERSION


class RunSummary(Contract):
    run_id: str
    created_at: dt.datetime
    dataset: str
    contenders: list[str]
    path: Path


def list_runs(root: Path) -> list[RunSummary]:
    runs = []
    for results in sorted(Path(root).glob("*/results.json")):
        try:
            data = json.loads(results.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(data, dict) or data.get("schema_version") != EVAL_SCHEMA_VERSION:
            continue
        runs.append(RunSummary(run_id=data["run_id"], created_at=data["created_at"], dataset=data["dataset"]["name"],
                               contenders=[c["label"] for c in data["contenders"]], path=results.parent))
    return sorted(runs, key=lambda r: r.created_at, reverse=True)

"""`risk train` and `risk monitor` refuse or report inputs they cannot use, in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from eprof.cli import app

runner = CliRunner()


def frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"debt_to_assets": rng.uniform(0.1, 1.0, n), "net_margin": rng.normal(0.05, 0.05, n), "default": rng.integers(0, 2, n)})


def test_train_refuses_an_all_empty_column_and_repeated_column_names(tmp_path: Path) -> None:
    data = frame()
    data["governance"] = np.nan
    data.to_csv(tmp_path / "empty.csv", index=False)
    empty = runner.invoke(app, ["risk", "train", "--data", str(tmp_path / "empty.csv"), "--label", "default", "--out", str(tmp_path / "m")], env={"COLUMNS": "300"})
    assert empty.exit_code == 1 and "['governance'] hold no value" in empty.output and "Traceback" not in empty.output
    (tmp_path / "dupes.csv").write_text(frame().to_csv(index=False).replace("net_margin", "debt_to_assets", 1))
    dupes = runner.invoke(app, ["risk", "train", "--data", str(tmp_path / "dupes.csv"), "--label", "default", "--out", str(tmp_path / "m")], env={"COLUMNS": "300"})
    assert dupes.exit_code == 1 and "['debt_to_assets'] appear more than once" in dupes.output
    assert not (tmp_path / "m").exists()


def test_monitor_names_every_column_it_does_not_compare(tmp_path: Path) -> None:
    base, cur = frame(), frame()
    base["sector"], cur["sector"] = "steel", "autos"
    base["legacy_score"] = 1.0
    base.to_csv(tmp_path / "base.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    result = runner.invoke(app, ["risk", "monitor", "--baseline", str(tmp_path / "base.csv"), "--current", str(tmp_path / "cur.csv"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["skipped"] == {"legacy_score": "only in the baseline", "sector": "not numeric"}
    assert {r["name"] for r in report["rows"]} == {"debt_to_assets", "net_margin", "default"}

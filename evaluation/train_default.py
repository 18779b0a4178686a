"""Train the risk model eprof ships, on the generated portfolio (the corpus's data-generating process).

    python -m evaluation.train_default [--enterprises 20000] [--seed 1001] [--out risk/default_model]

The shipped model lets the demo decide out of the box; its model card says that a bank must
retrain on its own book (`eprof risk train`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from eprof.cli import app
from evaluation.corpus.generate import portfolio_table, write_portfolio

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "risk" / "default_model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1001)
    parser.add_argument("--default-rate", type=float, default=0.03)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "portfolio.csv"
        write_portfolio(portfolio_table(args.enterprises, args.seed, args.default_rate), data)
        result = CliRunner().invoke(app, ["risk", "train", "--data", str(data), "--label", "default",
                                          "--exclude", "enterprise_id", "--out", str(args.out)])
    print(result.output)
    raise SystemExit(result.exit_code)


if __name__ == "__main__":
    main()

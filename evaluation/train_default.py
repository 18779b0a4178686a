"""Train the risk models eprof ships, on the generated portfolio (the corpus's data-generating process).

    python -m eprof.evaluation.train_default [--enterprises 20000] [--seed 1001] [--out risk/default_model]
    python -m eprof.evaluation.train_default --ratios-only      # -> evaluation/ratios_only_model

The shipped model lets the demo decide out of the box; its model card says that a bank must
retrain on its own book (`eprof risk train`). The ratios-only model is the same scorecard fitted
on the same rows without the features an extractor supplies (dimension scores, red-flag and
severity counts): evaluation scores profiles with both to measure what the LLM side adds.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

from eprof.evaluation.corpus import default_model
from eprof.evaluation.corpus.generate import portfolio_table, write_portfolio
from eprof.kernel.files import atomic_write_text
from eprof.risk.features import DIMENSIONS, FLAG_FEATURES, SEVERITY_FEATURES
from eprof.risk.policy import load_policy
from eprof.risk.train import train_csv, write_outputs

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "risk" / "default_model"
RATIOS_ONLY_OUT = Path(__file__).resolve().parent / "ratios_only_model"
POLISH_RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "risk_polish.json"
"""The same training code on public data (`python -m benchmarks.risk_polish`); absent outside a checkout."""
EXTRACTOR_FEATURES: tuple[str, ...] = DIMENSIONS + FLAG_FEATURES + SEVERITY_FEATURES
"""What the extractor (offline or LLM) contributes to a feature row; ratios are computed in code."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1001)
    parser.add_argument("--default-rate", type=float, default=0.03)
    parser.add_argument("--ratios-only", action="store_true", help="leave out the extractor's features")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or (RATIOS_ONLY_OUT if args.ratios_only else DEFAULT_OUT)
    excluded = ["enterprise_id", *(EXTRACTOR_FEATURES if args.ratios_only else ())]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "portfolio.csv"
        write_portfolio(portfolio_table(args.enterprises, args.seed, args.default_rate), data)
        trained = train_csv(data, "default", exclude=excluded, policy=load_policy(None))
    for path in write_outputs(trained, out):
        print(f"wrote {path}")
    describe_process(out)
    describe_public_benchmark(out)


def describe_public_benchmark(out: Path, results: Path = POLISH_RESULTS) -> None:
    """Add the Polish benchmark's figures (this training code, 5-fold CV on public data) to the model
    card, so the card shows how the scorecard compares with its challengers on real firms too."""
    if not results.is_file():
        return
    bench = json.loads(results.read_text(encoding="utf-8"))
    models = {"scorecard": "scorecard", "glassbox": "glass-box (depth-2 boosting)", "challenger": "LightGBM"}
    figures = {name: {m: {k: r[m]["per_fold"][k]["mean"] for k in ("auc", "ks")} for m in models if m in r}
               for name, r in bench["files"].items()}
    card_json = out / "model_card.json"
    card = json.loads(card_json.read_text(encoding="utf-8"))
    card["public_benchmark"] = {"data": "UCI Polish companies bankruptcy", "cv_folds": bench["cv_folds"],
                                "results": "benchmarks/results/risk_polish.json", "mean_over_folds": figures}
    atomic_write_text(card_json, json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    rows = "\n".join(f"| {name} | {label} | {f[m]['auc']:.3f} | {f[m]['ks']:.3f} |"
                     for name, f in figures.items() for m, label in models.items() if m in f)
    card_md = out / "model_card.md"
    section = (f"\n## The same training code on public data (UCI Polish bankruptcy, {bench['cv_folds']}-fold CV)\n\n"
               "`python -m benchmarks.risk_polish`; fold means.\n\n| file | model | auc | ks |\n|---|---|---|---|\n" + rows + "\n")
    atomic_write_text(card_md, card_md.read_text(encoding="utf-8") + section)


def describe_process(out: Path) -> None:
    """Add the data-generating process (formula, flag odds ratios, sources) to the model card."""
    odds = {t.value: round(v, 3) for t, v in default_model.FLAG_LOG_ODDS.items()}
    card_json = out / "model_card.json"
    card = json.loads(card_json.read_text(encoding="utf-8"))
    card["data_generating_process"] = {
        "module": "evaluation/corpus/default_model.py",
        "description": default_model.__doc__,
        "coefficients": default_model.COEFFICIENTS,
        "flag_log_odds": odds,
        "severity_scale": {s.value: v for s, v in default_model.SEVERITY_SCALE.items()},
    }
    atomic_write_text(card_json, json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    rows = "\n".join(f"| {t} | {v:.2f} | {math.exp(v):.1f} |" for t, v in odds.items())
    with (out / "model_card.md").open("a", encoding="utf-8") as fh:
        fh.write("\n## Data-generating process of the training portfolio\n\n```text\n" + default_model.__doc__.strip()
                 + "\n```\n\n| red flag | log odds ratio (high severity) | odds ratio |\n|---|---|---|\n" + rows + "\n")


if __name__ == "__main__":
    main()

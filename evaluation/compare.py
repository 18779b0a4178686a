"""Compare two contenders, within one run or across two runs, and decide whether B regressed.

The comparison is paired: both contenders' per-enterprise counts are resampled on the same draws
(evaluation/stats.py), and B is "worse" on a metric only when the whole interval of B - A lies on
the bad side of 0. That is the gate of `eprof eval compare A.json B.json --fail-on-regression`:
a bank's CI blocks a prompt version that is worse than the released one beyond the noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from eprof.kernel.errors import InputError, NotFoundError
from eprof.evaluation.downstream import feature_shifts
from eprof.evaluation.metrics import BY_KEY, METRICS, arrays, enterprise_ids
from eprof.evaluation.schema import Comparison, ContenderResult, DecisionChange, EvalRun, MetricComparison, Verdict
from eprof.evaluation.stats import LEVEL, RESAMPLES, Difference, draws, paired_difference
from eprof.risk.artifact import ScorecardModel
from eprof.kernel.validation import first_error


def _verdict(difference: Difference, higher_is_better: bool) -> Verdict:
    if difference.diff is None:
        return "not measured"
    if not difference.beyond_noise:
        return "no clear difference"
    return "better" if (difference.diff > 0) == higher_is_better else "worse"


def check_metrics(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in BY_KEY]
    if unknown:
        raise InputError(f"unknown metric(s) {', '.join(unknown)}; expected some of {', '.join(BY_KEY)}")
    return list(names)


def compare_contenders(a: ContenderResult, b: ContenderResult, *, resamples: int = RESAMPLES, seed: int = 0,
                       level: float = LEVEL, model: ScorecardModel | None = None) -> Comparison:
    """B against A on every metric, on the enterprises both were run on; PSI needs the risk model."""
    ids = sorted(set(enterprise_ids(a.scores)) & set(enterprise_ids(b.scores)))
    idx = draws(len(ids), resamples, seed)
    rows = []
    for metric in METRICS:
        xa, xb = arrays(metric, a.scores, ids), arrays(metric, b.scores, ids)
        difference = paired_difference(xa, xb, idx, level) if ids else Difference(diff=None, lo=None, hi=None, p_value=None, beyond_noise=False)
        rows.append(MetricComparison(metric=metric.key, a=a.metrics[metric.key].value, b=b.metrics[metric.key].value,
                                     difference=difference, verdict=_verdict(difference, metric.higher_is_better)))
    scored_a = {o.enterprise_id: o.scored for o in a.outcomes if o.scored}
    scored_b = {o.enterprise_id: o.scored for o in b.outcomes if o.scored}
    both = [eid for eid in ids if eid in scored_a and eid in scored_b]
    changes = [DecisionChange(enterprise_id=eid, a=scored_a[eid].decision_with, b=scored_b[eid].decision_with)
               for eid in both if scored_a[eid].decision_with != scored_b[eid].decision_with]
    shifts = feature_shifts([scored_a[e] for e in both], [scored_b[e] for e in both], model) if model else []
    return Comparison(a=a.label, b=b.label, n=len(ids), metrics=rows,
                      decision_agreement=1 - len(changes) / len(both) if both else None,
                      decision_changes=changes, feature_shifts=shifts)


def load_run(path: Path) -> EvalRun:
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file (expected the results.json of `eprof eval run`)")
    try:
        return EvalRun.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise InputError(f"{path}: not an evaluation run ({first_error(exc)})") from exc


def pick(run: EvalRun, label: str | None, where: str) -> ContenderResult:
    """The named contender, or the run's last one."""
    if label is None:
        return run.contenders[-1]
    found = run.contender(label)
    if found is None:
        raise InputError(f"{where} has no contender {label!r}; it has {', '.join(c.label for c in run.contenders)}")
    return found


def compare_runs(a: EvalRun, b: EvalRun, label_a: str | None = None, label_b: str | None = None,
                 model: ScorecardModel | None = None) -> Comparison:
    """B's contender against A's, paired over the enterprises; both runs must share the dataset."""
    if a.dataset.sha256 != b.dataset.sha256:
        raise InputError(f"the runs used different datasets ({a.dataset.name} {a.dataset.sha256[:15]}…, "
                         f"{b.dataset.name} {b.dataset.sha256[:15]}…); a paired comparison needs the same labelled cases")
    usable = model if model is not None and model.version == a.settings.risk_model == b.settings.risk_model else None
    return compare_contenders(pick(a, label_a, "A"), pick(b, label_b, "B"), resamples=a.settings.resamples,
                              seed=a.settings.seed, level=a.settings.level, model=usable)


def regressions(comparison: Comparison, metrics: Sequence[str]) -> list[MetricComparison]:
    """The chosen metrics on which B is worse than A beyond the noise."""
    return [m for m in comparison.metrics if m.metric in metrics and m.verdict == "worse"]

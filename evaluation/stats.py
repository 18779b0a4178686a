"""Uncertainty over enterprises: bootstrap intervals and a paired comparison.

The unit of resampling is the enterprise (its documents, flags and questions move together),
drawn with replacement, `resamples` times, from a seeded generator, so a run is reproducible.
A metric is a ratio of sums over the drawn enterprises (e.g. F1 = 2 TP / (2 TP + FP + FN)); its
interval is the percentile interval of the resampled values. Two contenders are compared on the
same draws (paired): the interval of the difference B - A says whether B differs from A beyond
noise (it excludes 0). With few enterprises (the demo has 8) percentile intervals are wide and
under-cover; read them as a floor on the uncertainty, not a guarantee.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from eprof.kernel.contract import Contract

RESAMPLES = 2000
LEVEL = 0.95


class Interval(Contract):
    """A point estimate and its bootstrap percentile interval; None where nothing was measured."""

    value: float | None
    lo: float | None = None
    hi: float | None = None
    n: int = 0


class Difference(Contract):
    """B - A on the same bootstrap draws; `beyond_noise` when the interval excludes 0."""

    diff: float | None
    lo: float | None
    hi: float | None
    p_value: float | None
    beyond_noise: bool


def draws(n: int, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """(resamples, n) enterprise indices drawn with replacement."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def ratio(num: np.ndarray, den: np.ndarray) -> float | None:
    total = float(np.sum(den))
    return float(np.sum(num)) / total if total else None


def _resampled_ratio(num: np.ndarray, den: np.ndarray, idx: np.ndarray) -> np.ndarray:
    top, bottom = num[idx].sum(axis=1), den[idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1), np.nan)


def _percentiles(values: np.ndarray, level: float) -> tuple[float | None, float | None]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None, None
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(finite, [tail, 100 - tail])
    return float(lo), float(hi)


def ratio_interval(num: np.ndarray, den: np.ndarray, idx: np.ndarray, level: float = LEVEL) -> Interval:
    value = ratio(num, den)
    if value is None:
        return Interval(value=None, n=len(num))
    lo, hi = _percentiles(_resampled_ratio(num, den, idx), level)
    return Interval(value=value, lo=lo, hi=hi, n=len(num))


def statistic_interval(statistic: Callable[[np.ndarray], float | None], n: int, idx: np.ndarray,
                       level: float = LEVEL) -> Interval:
    """Any statistic of a subset of enterprise indices (e.g. an AUC), on the same draws."""
    value = statistic(np.arange(n))
    if value is None:
        return Interval(value=None, n=n)
    samples = np.array([np.nan if (v := statistic(row)) is None else v for row in idx], dtype=float)
    lo, hi = _percentiles(samples, level)
    return Interval(value=value, lo=lo, hi=hi, n=n)


def paired_difference(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], idx: np.ndarray,
                      level: float = LEVEL) -> Difference:
    """B - A for a ratio metric, with (numerator, denominator) arrays aligned on the same enterprises."""
    va, vb = ratio(*a), ratio(*b)
    if va is None or vb is None:
        return Difference(diff=None, lo=None, hi=None, p_value=None, beyond_noise=False)
    samples = _resampled_ratio(*b, idx) - _resampled_ratio(*a, idx)
    samples = samples[np.isfinite(samples)]
    lo, hi = _percentiles(samples, level)
    p_value = min(1.0, 2 * min(float(np.mean(samples <= 0)), float(np.mean(samples >= 0)))) if samples.size else None
    beyond = lo is not None and hi is not None and (lo > 0 or hi < 0)
    return Difference(diff=vb - va, lo=lo, hi=hi, p_value=p_value, beyond_noise=beyond)

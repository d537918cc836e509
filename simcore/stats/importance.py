"""Importance weights: paths drawn under one law, summarized under another.

Paths ``x_i`` drawn from ``p`` and weighted by ``w_i = q(x_i) / p(x_i)`` (the likelihood
ratio) are a sample from ``q`` (Owen 2013, *Monte Carlo theory, methods and examples*,
ch. 9). With the normalized weights ``w̃_i = w_i / Σ_j w_j`` (self-normalized importance
sampling), for each column of values:

- mean ``μ̂ = Σ w̃_i x_i``; standard deviation ``σ̂² = Σ w̃_i (x_i − μ̂)² / (1 − Σ w̃_i²)``
  (the reliability-weights correction: ddof = 1 when the weights are equal); Monte Carlo
  standard error ``se² = Σ w̃_i² (x_i − μ̂)² / (1 − Σ w̃_i²)`` (Owen's delta-method variance,
  equal to ``σ̂² / n`` when the weights are equal);
- percentile at level ``p``: the weighted inverse CDF with each path at the middle of its
  weight, ``c_k = Σ_{j<k} w̃_(j) + w̃_(k)/2`` over the sorted values, stretched so that the
  smallest value sits at 0 and the largest at 1, ``π_k = (c_k − c_1) / (c_n − c_1)``,
  and linear interpolation between them; with equal weights ``π_k = (k − 1)/(n − 1)``,
  numpy's default (type 7);
- its interval (Woodruff 1952): the variance of the weighted CDF at the estimate,
  ``V = Σ w̃_i² (1{x_i ≤ ξ̂_p} − p)²``, mapped through the weighted quantile function,
  ``[ξ̂(p − z √V), ξ̂(p + z √V)]`` — no density estimate, and the weights' spread enters
  through ``Σ w̃_i²``;
- exceedance ``P̂(X > t) = Σ w̃_i 1{x_i > t}``, ``se² = Σ w̃_i² (1{x_i > t} − P̂)²``.

Kish's effective sample size ``n_eff = (Σ w_i)² / Σ w_i² = 1 / Σ w̃_i²`` says how many
unweighted paths the weighted ones are worth. Paths of weight 0 (histories the new law
rules out) are left out of every statistic.

Sums are numpy's pairwise reductions and cumulative sums (an order fixed by the algorithm),
products elementwise: no BLAS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simcore.stats.summary import (
    INTERVAL_LEVEL,
    Exceedance,
    VariableSummary,
    normal_quantile,
)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(Σ w)² / Σ w²`` (0 for no positive weight).

    >>> effective_sample_size(np.ones(100))
    100.0
    >>> effective_sample_size(np.array([1.0, 1.0, 2.0]))
    2.6666666666666665
    """
    weights = np.asarray(weights, dtype=float)
    square = float(np.sum(weights * weights))
    return float(np.sum(weights)) ** 2 / square if square > 0 else 0.0


@dataclass(frozen=True)
class WeightedColumn:
    """One column's values sorted, with their normalized weights and running sums.

    Attributes
    ----------
    values : ndarray, shape (m,)
        The values of positive weight, ascending.
    weights : ndarray, shape (m,)
        Their normalized weights ``w̃`` (summing to 1).
    positions : ndarray, shape (m,)
        ``π_k``, the plotting position of each value (0 … 1).
    cumulative_squares : ndarray, shape (m,)
        ``Σ_{j ≤ k} w̃_(j)²``.
    """

    values: np.ndarray
    weights: np.ndarray
    positions: np.ndarray
    cumulative_squares: np.ndarray

    @classmethod
    def of(cls, column: np.ndarray, weights: np.ndarray) -> WeightedColumn:
        """Sort ``column`` and attach its weights (paths of weight 0 dropped)."""
        kept = weights > 0
        values = np.asarray(column, dtype=np.float64)[kept]
        order = np.argsort(values, kind="stable")
        values = values[order]
        share = weights[kept][order]
        share = share / np.sum(share)
        middle = np.cumsum(share) - share / 2
        span = middle[-1] - middle[0]
        positions = (middle - middle[0]) / span if span > 0 else np.zeros_like(middle)
        return cls(values, share, positions, np.cumsum(share * share))

    def quantile(self, level: np.ndarray | float) -> np.ndarray:
        """The weighted quantile at ``level`` in [0, 1] (linear between positions)."""
        return np.interp(level, self.positions, self.values)

    def cdf_variance(self, threshold: float, level: float) -> float:
        """``Σ w̃_i² (1{x_i ≤ threshold} − level)²``."""
        below = int(np.searchsorted(self.values, threshold, side="right"))
        total = float(self.cumulative_squares[-1])
        inside = float(self.cumulative_squares[below - 1]) if below else 0.0
        return (1 - level) ** 2 * inside + level**2 * (total - inside)


def weighted_summary(
    values: np.ndarray,
    weights: np.ndarray,
    percentiles: Sequence[float],
    *,
    interval_level: float = INTERVAL_LEVEL,
) -> VariableSummary:
    """Mean, sd, mcse and percentiles with Woodruff intervals, under importance weights.

    Parameters
    ----------
    values : ndarray, shape (n, H) or (n,)
        Samples along the first axis.
    weights : ndarray, shape (n,)
        Non-negative weights (likelihood ratios; any positive scale).
    percentiles : sequence of float
        Levels in [0, 100].
    interval_level : float
        Coverage of the percentile intervals.

    Returns
    -------
    VariableSummary
        ``n`` is the number of paths; the errors account for the weights (module notes).
        P0 and P100 get the sample's extremes with NaN bounds.
    """
    weights = np.asarray(weights, dtype=float)
    columns = values.reshape(values.shape[0], -1)
    width = columns.shape[1]
    levels = np.asarray(percentiles, dtype=float) / 100.0
    z = normal_quantile(interval_level)
    mean, sd, mcse = (np.empty(width) for _ in range(3))
    stats = np.empty((3, levels.size, width))
    for j in range(width):
        column = WeightedColumn.of(columns[:, j], weights)
        share, x = column.weights, column.values
        squares = float(column.cumulative_squares[-1])
        mean[j] = float(np.sum(share * x))
        deviation = x - mean[j]
        spread = deviation * deviation
        correction = 1.0 - squares
        sd[j] = np.sqrt(np.sum(share * spread) / correction) if correction > 0 else np.nan
        mcse[j] = (np.sqrt(np.sum(share * share * spread) / correction) if correction > 0
                   else np.nan)
        estimate = column.quantile(levels)
        stats[0, :, j] = estimate
        for k, (level, value) in enumerate(zip(levels, estimate, strict=True)):
            if level in (0.0, 1.0):
                stats[1:, k, j] = np.nan
                continue
            half = z * np.sqrt(column.cdf_variance(float(value), float(level)))
            stats[1, k, j] = column.quantile(max(level - half, 0.0))
            stats[2, k, j] = column.quantile(min(level + half, 1.0))
    shape = values.shape[1:]
    return VariableSummary(
        mean=mean.reshape(shape),
        sd=sd.reshape(shape),
        mcse=mcse.reshape(shape),
        percentile=stats[0].reshape((levels.size, *shape)),
        percentile_lower=stats[1].reshape((levels.size, *shape)),
        percentile_upper=stats[2].reshape((levels.size, *shape)),
        n=values.shape[0],
        interval_level=interval_level,
    )


def weighted_exceedance(
    values: np.ndarray, weights: np.ndarray, thresholds: Sequence[float]
) -> Exceedance:
    """``P(X > t)`` per column and in any column, under importance weights.

    As :func:`simcore.stats.summary.exceedance`, with ``P̂ = Σ w̃_i 1{x_i > t}`` and
    ``se² = Σ w̃_i² (1{x_i > t} − P̂)²`` (equal weights: ``P̂ (1 − P̂) / n``). NaN never
    exceeds.
    """
    weights = np.asarray(weights, dtype=float)
    share = weights / np.sum(weights)
    squares = share * share
    n = values.shape[0]
    columns = values.reshape(n, -1)
    levels = np.asarray(thresholds, dtype=np.float64)

    def probability_and_se(above: np.ndarray) -> tuple[float, float]:
        p = float(np.sum(share[above]))
        inside = float(np.sum(squares[above]))
        outside = float(np.sum(squares)) - inside
        return p, float(np.sqrt((1 - p) ** 2 * inside + p * p * outside))

    probability = np.empty((levels.size, columns.shape[1]))
    se = np.empty_like(probability)
    path_max = np.full(n, -np.inf)
    for j in range(columns.shape[1]):
        column = np.asarray(columns[:, j], dtype=np.float64)
        for i, level in enumerate(levels):
            probability[i, j], se[i, j] = probability_and_se(column > level)
        np.fmax(path_max, column, out=path_max)
    any_pairs = [probability_and_se(path_max > level) for level in levels]
    shape = (levels.size, *values.shape[1:])
    return Exceedance(
        thresholds=levels,
        probability=probability.reshape(shape),
        se=se.reshape(shape),
        any_probability=np.array([p for p, _ in any_pairs]),
        any_se=np.array([s for _, s in any_pairs]),
        n=n,
    )

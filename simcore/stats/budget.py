"""Budgets by year that add up to a confidence level of the horizon total.

A budget office requests an amount for each year, and wants the requests together to cover
the whole agreement with probability ``p``. The per-year percentiles ``Q_{X_t}(p)`` do not do
that: percentiles are not additive, so their sum overshoots (or undershoots) ``Q_S(p)``, the
percentile of the total ``S = Σ_t X_t``. This module splits ``q = Q_S(p)`` over the years by
the Euler (conditional expectation) allocation ``b_t = E[X_t | S = q]``: what each year
costs, on average, on the paths whose total is exactly the budgeted total. The shares add up
to ``q`` by construction and are the risk contributions of quantile-based capital allocation
(Tasche, "Euler allocation", 2008; Glasserman, "Measuring marginal risk contributions in
credit portfolios", 2005).

Estimation (the project's methods, §B):

- ``q`` is the exact percentile of ``S`` (numpy's linear definition, via
  :mod:`simcore.stats.quantiles`).
- ``E[X_t | S = q]`` is the mean of ``X_t`` over the ``m`` paths whose total is nearest to
  ``q`` (ties at the m-th distance included; default ``m = 4 ⌈√n⌉``). A year with the same
  value on every path keeps that value; the other years are scaled by one common factor so
  that the budgets add up to ``q``.
- Intervals by sectioning: the paths are cut into ``K`` consecutive batches; each batch gives
  its own ``q_b`` and allocation from its ``⌈m / K⌉`` nearest paths (the same window width,
  as a share of paths, as the full sample), and the interval is
  ``b_t ± t_{K−1, 0.975} sd_b(b_{t,b}) / √K``.
- Beside it: the per-year percentiles, their sum and its signed difference from ``q``, the
  proportional split ``q E[X_t] / E[S]``, and the joint confidence of per-year budgets
  ``P(X_t ≤ Q_{X_t}(p) for every t)`` with its sectioning standard error (the thresholds are
  estimated from the same paths, so the binomial formula would be wrong).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from simcore.stats.compare import DEFAULT_SECTIONS
from simcore.stats.quantiles import exact_percentiles
from simcore.stats.summary import INTERVAL_LEVEL

__all__ = ["DEFAULT_LEVEL", "BudgetResult", "allocate_budget", "default_window"]

#: Confidence level of the total budgeted when none is given, in percent (P80: the level
#: cost-risk practice budgets at).
DEFAULT_LEVEL = 80.0


def default_window(n: int) -> int:
    """Paths averaged for ``E[X_t | S = q]``: ``4 ⌈√n⌉``, at most ``n``.

    The window's bias grows with its width in ``S`` (about ``m / n``) and its noise falls as
    ``1 / √m``; ``m ∝ √n`` lets both vanish as ``n`` grows.
    """
    return min(n, 4 * math.ceil(math.sqrt(n)))


@dataclass(frozen=True)
class BudgetResult:
    """The Euler allocation of a total's percentile over the years, with what it replaces.

    All money in the units of the values given (e.g. USD); arrays have one entry per year
    (column of the input), shape (T,).

    Attributes
    ----------
    level : float
        Confidence level of the total, in percent (80 for P80).
    total : float
        ``q = Q_S(p)``, the percentile of the per-path total (numpy's linear definition).
    budget : ndarray
        ``b_t ≈ E[X_t | S = q]``, adding up to ``total`` (to rounding).
    budget_lower, budget_upper : ndarray
        Sectioning interval of each ``b_t`` at ``interval_level``; equal to ``b_t`` for a
        known (constant) year; NaN with fewer than two paths per batch.
    scale : float
        Common factor applied to the window means of the uncertain years so the budgets add
        up to ``total`` (1 up to its Monte Carlo error).
    scale_se : float
        Sectioning standard error of ``scale``.
    constant : ndarray of bool
        Years whose value is the same on every path (kept as they are, never scaled).
    percentile : ndarray
        Per-year percentiles ``Q_{X_t}(p)``.
    percentile_sum : float
        ``Σ_t Q_{X_t}(p)``.
    overshoot : float
        ``percentile_sum − total``: positive when budgeting each year at its own percentile
        asks for more than the total's percentile.
    proportional : ndarray
        ``total · E[X_t] / E[S]``: the total split in proportion to the years' means.
    joint_confidence, joint_confidence_se : float
        ``P(X_t ≤ Q_{X_t}(p) for every t)``, the chance that no year's per-year budget is
        exceeded, and its sectioning standard error.
    n : int
        Paths.
    window : int
        ``m``: nearest paths asked for in the full sample.
    window_paths : int
        Paths actually averaged (``window`` plus ties at the m-th distance).
    sections : int
        Batches of the sectioning intervals.
    interval_level : float
        Level of the intervals (0.95).
    """

    level: float
    total: float
    budget: np.ndarray
    budget_lower: np.ndarray
    budget_upper: np.ndarray
    scale: float
    scale_se: float
    constant: np.ndarray
    percentile: np.ndarray
    percentile_sum: float
    overshoot: float
    proportional: np.ndarray
    joint_confidence: float
    joint_confidence_se: float
    n: int
    window: int
    window_paths: int
    sections: int
    interval_level: float = INTERVAL_LEVEL


def allocate_budget(
    values: np.ndarray,
    level: float = DEFAULT_LEVEL,
    *,
    window: int | None = None,
    sections: int = DEFAULT_SECTIONS,
    interval_level: float = INTERVAL_LEVEL,
) -> BudgetResult:
    """Split the ``level`` percentile of the horizon total over the years (Euler allocation).

    Parameters
    ----------
    values : ndarray, shape (n, T)
        One money variable per path (rows) and year (columns), e.g. contributions in USD;
        any real dtype, either memory order; not modified.
    level : float
        Confidence level of the total, in percent, in (0, 100).
    window : int, optional
        Nearest paths ``m`` averaged for the conditional expectation, ``1 <= m <= n``
        [default :func:`default_window`].
    sections : int
        Batches ``K >= 2`` of the sectioning intervals (intervals are NaN with fewer than
        ``2 K`` paths).
    interval_level : float
        Level of the budget intervals.

    Returns
    -------
    BudgetResult

    Raises
    ------
    ValueError
        On a shape, level, window or sections out of range, non-finite values, or when the
        uncertain years' window means add up to zero (no factor can scale them to the total).

    Notes
    -----
    Cost: one strided copy of each year's column into a buffer, from which its mean, its
    percentile and those of the batches and the joint coverage are computed; a few passes
    over ``S`` (one selection for ``q``, one partition of the distances, the same per batch).
    The extra memory is a few arrays of ``n`` values, never a copy of ``values``.

    Examples
    --------
    Two years that move together share the total in proportion to their spread:

    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(40_000)
    >>> x = np.column_stack([100 + 10 * z, 50 + 0 * z, 200 + 30 * z])
    >>> result = allocate_budget(x, 80)
    >>> bool(np.isclose(result.budget.sum(), result.total))
    True
    >>> float(result.budget[1])  # a known amount stays as it is
    50.0
    """
    x = np.asarray(values)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"values must be 2-D (paths, years) and non-empty, got shape {x.shape}")
    if x.dtype.kind not in "fiu":
        raise ValueError(f"values must be real numbers, got dtype {x.dtype}")
    if not 0.0 < level < 100.0:
        raise ValueError(f"level must be a percentage strictly between 0 and 100 (got {level})")
    if sections < 2:
        raise ValueError(f"sections must be at least 2 (got {sections})")
    n = x.shape[0]
    m = default_window(n) if window is None else int(window)
    if not 1 <= m <= n:
        raise ValueError(f"window must be between 1 and the number of paths {n} (got {window})")
    total = x.sum(axis=1, dtype=np.float64)
    if not np.isfinite(total).all():
        raise ValueError("values must be finite: a path holds NaN or infinity")
    size = n // sections
    years = _per_year(x, level, sections if size >= 2 else 1)
    constant = years.constant

    q = exact_percentiles(total, [level])[0]
    budget, scale, window_paths = _allocation(x, total[None, :], np.array([q]), constant, m)
    if size >= 2:
        used = sections * size
        sums = total[:used].reshape(sections, size)
        batch_budget, batch_scale, _ = _allocation(
            x, sums, np.percentile(sums, level, axis=1), constant,
            min(size, math.ceil(m / sections)),
        )
        t_scale = float(special.stdtrit(sections - 1, 0.5 + interval_level / 2))
        budget_half = t_scale * batch_budget.std(axis=0, ddof=1) / math.sqrt(sections)
        scale_se = float(batch_scale.std(ddof=1)) / math.sqrt(sections)
        joint_se = float(years.batch_joint.std(ddof=1)) / math.sqrt(sections)
    else:
        budget_half = np.full(x.shape[1], np.nan)
        scale_se = joint_se = math.nan
    # A known year is known exactly (its batch values are all equal up to rounding).
    budget_half[constant] = 0.0

    q = float(q)
    budget = budget[0]
    percentile = years.percentile
    return BudgetResult(
        level=float(level),
        total=q,
        budget=budget,
        budget_lower=budget - budget_half,
        budget_upper=budget + budget_half,
        scale=float(scale[0]),
        scale_se=scale_se,
        constant=constant,
        percentile=percentile,
        percentile_sum=float(percentile.sum()),
        overshoot=float(percentile.sum() - q),
        proportional=q * years.mean / years.mean.sum(),
        joint_confidence=years.joint,
        joint_confidence_se=joint_se,
        n=n,
        window=m,
        window_paths=int(window_paths[0]),
        sections=sections,
        interval_level=interval_level,
    )


@dataclass(frozen=True)
class _YearStatistics:
    """What is computed year by year, for the full sample and for each batch."""

    constant: np.ndarray  # (T,) bool: the same value on every path
    mean: np.ndarray  # (T,)
    percentile: np.ndarray  # (T,)
    joint: float  # share of paths at or below every year's percentile
    batch_joint: np.ndarray  # (K,): the same within each batch, own percentiles


def _per_year(x: np.ndarray, level: float, batches: int) -> _YearStatistics:
    """Per-year percentiles, means and the joint confidence, full sample and per batch.

    Each year's column is copied once into a contiguous buffer (the input may be a
    row-major ``(n, T)`` array, whose columns are strided), and everything is computed from
    that buffer.
    """
    n, width = x.shape
    size = n // batches
    used = batches * size
    column = np.empty(n, dtype=np.float64)
    constant = np.empty(width, dtype=bool)
    mean = np.empty(width)
    percentile = np.empty(width)
    covered = np.ones(n, dtype=bool)
    batch_covered = np.ones((batches, size), dtype=bool)
    for t in range(width):
        np.copyto(column, x[:, t])
        constant[t] = column.min() == column.max()
        mean[t] = column.mean()
        # Neither selection reorders the buffer: both comparisons see the paths in order.
        percentile[t] = exact_percentiles(column, [level])[0]
        np.logical_and(covered, column <= percentile[t], out=covered)
        in_batches = column[:used].reshape(batches, size)
        batch_percentile = np.percentile(in_batches, level, axis=1)
        np.logical_and(batch_covered, in_batches <= batch_percentile[:, None],
                       out=batch_covered)
    return _YearStatistics(constant, mean, percentile, float(covered.mean()),
                           batch_covered.mean(axis=1))


def _allocation(
    x: np.ndarray, sums: np.ndarray, q: np.ndarray, constant: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Euler allocation within each batch: budgets (K, T), scale factors (K,) and the
    paths averaged (K,).

    ``sums`` (K, size) are the totals of consecutive batches of the paths (one batch: the
    full sample), ``q`` (K,) each batch's percentile of them, ``window`` the nearest paths
    to average in each.
    """
    distance = np.abs(sums - q[:, None])
    cutoff = np.partition(distance, window - 1, axis=1)[:, window - 1]
    # Every path at the cutoff distance counts: the estimate must not depend on which of
    # tied paths a partition happens to put first.
    near = distance <= cutoff[:, None]
    counts = near.sum(axis=1)
    # Flat indexes of a (K, size) view of consecutive batches are the paths' rows, sorted,
    # so each batch's rows are one contiguous run.
    rows = np.flatnonzero(near)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    picked = x[rows].astype(np.float64, copy=False)
    means = np.add.reduceat(picked, starts, axis=0) / counts[:, None]

    known = means[:, constant].sum(axis=1)
    uncertain = means[:, ~constant].sum(axis=1)
    target = q - known
    if np.any((uncertain == 0) & (target != 0)):
        raise ValueError(
            "the uncertain years' values near the total's percentile add up to zero: the "
            "allocation cannot be scaled to the total (is the variable a money amount?)"
        )
    scale = np.where(uncertain == 0, 1.0, target / np.where(uncertain == 0, 1.0, uncertain))
    budget = np.where(constant, means, means * scale[:, None])
    return budget, scale, counts

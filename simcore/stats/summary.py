"""Summary statistics of simulated variables, each with its Monte Carlo error.

Pure numpy over arrays shaped ``(sample, year)`` or ``(sample,)``; the store turns the
results into the file's ``summary`` group.

- The mean comes with its Monte Carlo standard error ``sd / sqrt(n)``.
- Every percentile comes with a distribution-free confidence interval bounded by two order
  statistics whose ranks come from the binomial law (:func:`order_statistic_ranks`).
- An exceedance probability ``p`` comes with its standard error ``sqrt(p (1 - p) / n)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

# The exact order-statistic selection of simcore.stats.quantiles, reused so that interval bounds
# cost one more bracketing pass over a column instead of a sort.
from simcore.stats.moments import Moments, mean_standard_error
from simcore.stats.quantiles import (
    Brackets,
    Tally,
    bracket_column,
    percentiles_and_order_statistics,
    refine_brackets,
    retally,
    settle_column,
    tally_column,
)

#: Coverage of every interval smasim reports: the summaries' Monte Carlo intervals (percentile
#: bounds), those of comparisons and budgets, and the calibration's Jeffreys intervals; not to
#: be confused with the level a budget is set at (P80). The file records it as the CF-style
#: attribute ``confidence_level`` of the bounds, which readers of existing files rely on.
INTERVAL_LEVEL = 0.95


def normal_quantile(interval_level: float = INTERVAL_LEVEL) -> float:
    """Two-sided standard normal quantile: 1.959964 for 0.95."""
    return float(special.ndtri(0.5 + interval_level / 2))


@dataclass(frozen=True)
class VariableSummary:
    """Statistics of one variable over samples.

    Attributes
    ----------
    mean, sd, mcse : ndarray, shape (H,) or ()
        Mean, sample standard deviation (ddof = 1) and Monte Carlo standard error of the
        mean (``sd / sqrt(n)``), in the variable's units. With one sample, sd and mcse are
        NaN (undefined).
    percentile : ndarray, shape (P, H) or (P,)
        Percentiles (numpy's default, linear interpolation), in the variable's units.
    percentile_lower, percentile_upper : ndarray, shape (P, H) or (P,)
        Bounds of each percentile's distribution-free confidence interval at level
        ``interval_level`` (:func:`order_statistic_ranks`), in the variable's units.
    n : int
        Number of samples.
    interval_level : float
        Level of the percentile intervals.
    """

    mean: np.ndarray
    sd: np.ndarray
    mcse: np.ndarray
    percentile: np.ndarray
    percentile_lower: np.ndarray
    percentile_upper: np.ndarray
    n: int
    interval_level: float = INTERVAL_LEVEL


def _binomial_quantile(level: float, n: int, p: np.ndarray) -> np.ndarray:
    """Smallest ``k`` with ``P(Binomial(n, p) <= k) >= level``, as ``scipy.stats.binom.ppf``.

    Built on ``scipy.special`` (the inverse from cdflib, then one exact correction step, as
    scipy.stats does) so that reading a summary does not import ``scipy.stats``.
    """
    inside = (p > 0) & (p < 1)
    safe = np.where(inside, p, 0.5)
    k = np.ceil(special.bdtrik(level, n, safe))
    # cdflib gives up (NaN) only where p is so small (below ~1e-16) that P(B = 0) = (1 − p)^n
    # rounds to 1: the quantile is then 0 at every level below 1.
    k = np.where(np.isnan(k), 0.0, k)
    below = np.maximum(k - 1, 0)
    k = np.where(special.bdtr(below, n, safe) >= level, below, k)
    # Degenerate laws: all mass at 0 (p = 0) or at n (p = 1).
    return np.where(inside, k, np.where(p <= 0, 0.0, float(n))).astype(np.int64)


def order_statistic_ranks(
    n: int, percentiles: Sequence[float] | np.ndarray, interval_level: float = INTERVAL_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of the order statistics that bound each percentile's confidence interval.

    For the true ``p``-quantile ``ξ`` of a continuous law, the number ``B`` of the ``n``
    samples below ``ξ`` is Binomial(n, p), and ``x_(l) <= ξ <= x_(u)`` (1-based ranks)
    exactly when ``l <= B <= u - 1``. Taking ``l`` the ``α/2`` quantile of ``B`` and ``u``
    one above its ``1 - α/2`` quantile gives coverage ``F(u - 1) - F(l - 1) >= 1 - α``
    whatever the law (for laws with atoms, at least as much). No density is estimated.

    Parameters
    ----------
    n : int
        Number of samples, ``n >= 1``.
    percentiles : sequence of float, shape (P,)
        Levels in [0, 100].
    interval_level : float
        ``1 - α``, in (0, 1).

    Returns
    -------
    lower, upper : ndarray of int, shape (P,)
        0-based ranks into the sorted sample, clipped to ``[0, n - 1]``. Clipping (extreme
        levels with few samples, when ``(1 - p)^n >= α / 2``) truncates the interval at the
        sample's range, where the nominal coverage cannot be reached.
    """
    p = np.asarray(percentiles, dtype=np.float64) / 100.0
    alpha = 1.0 - interval_level
    lower = _binomial_quantile(alpha / 2, n, p) - 1
    upper = _binomial_quantile(1.0 - alpha / 2, n, p)
    return np.clip(lower, 0, n - 1), np.clip(upper, 0, n - 1)


def _column_percentiles_with_bounds(
    buffer: np.ndarray,
    percentiles: Sequence[float],
    lower_rank: np.ndarray,
    upper_rank: np.ndarray,
    out: np.ndarray,
) -> None:
    """Percentiles and interval bounds of one float64 column (reordered in place).

    ``out``, shape (3, P), receives the estimates, the lower and the upper bounds.
    """
    # One selection finds the percentiles' neighbours and the interval bounds together.
    out[0], bounds = percentiles_and_order_statistics(
        buffer, percentiles, np.concatenate((lower_rank, upper_rank)), overwrite_input=True
    )
    # A column holding NaN (a variable the scenario does not produce) has NaN bounds.
    out[1], out[2] = np.split(bounds, 2)


def percentile_intervals(
    values: np.ndarray,
    percentiles: Sequence[float],
    interval_level: float = INTERVAL_LEVEL,
    *,
    threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentiles of each column with their order-statistic confidence intervals.

    Parameters
    ----------
    values : ndarray, shape (n, H) or (n,)
        Samples along the first axis, in any real dtype. Not modified.
    percentiles : sequence of float, shape (P,)
        Levels in [0, 100].
    interval_level : float
        Level of the intervals.
    threads : int
        Columns computed at once.

    Returns
    -------
    estimate, lower, upper : ndarray, shape (P, H) or (P,), float64
        ``estimate`` equals ``np.percentile(values, percentiles, axis=0)`` bit for bit;
        ``lower``/``upper`` are the order statistics of :func:`order_statistic_ranks`.
    """
    summary = summarize_values(
        values, percentiles, interval_level=interval_level, moments=False, threads=threads
    )
    return summary.percentile, summary.percentile_lower, summary.percentile_upper


def summarize_values(
    values: np.ndarray,
    percentiles: Sequence[float],
    *,
    interval_level: float = INTERVAL_LEVEL,
    moments: bool | Moments = True,
    threads: int = 1,
) -> VariableSummary:
    """Summarize one variable's samples.

    Parameters
    ----------
    values : ndarray, shape (n, H) or (n,)
        Samples along the first axis; float32 and integer values are summed in float64.
    percentiles : sequence of float
        In [0, 100].
    interval_level : float
        Level of the percentile intervals.
    moments : bool or Moments
        True computes mean, sd and mcse from the values; a :class:`Moments` (reduced while
        the samples were simulated) is used as it is; False leaves them NaN (two passes per
        column saved when only percentiles are wanted).
    threads : int
        Columns summarized at once, each with its own column buffer.

    Returns
    -------
    VariableSummary

    Notes
    -----
    Each column is copied once into a float64 buffer (the extra memory is one column per
    thread); the moments, the percentiles and the interval bounds all come from it.
    """
    columns = values.reshape(values.shape[0], -1)
    n, width = columns.shape
    lower_rank, upper_rank = order_statistic_ranks(n, percentiles, interval_level)
    mean = np.full(width, np.nan)
    sd = np.full(width, np.nan)
    stats = np.empty((3, len(percentiles), width))
    local = threading.local()

    def summarize_column(j: int) -> None:
        buffer = getattr(local, "buffer", None)
        if buffer is None:
            buffer = local.buffer = np.empty(n, dtype=np.float64)
        np.copyto(buffer, columns[:, j])
        if moments is True:
            mean[j] = buffer.mean()
            sd[j] = buffer.std(ddof=1) if n > 1 else np.nan
        _column_percentiles_with_bounds(buffer, percentiles, lower_rank, upper_rank, stats[..., j])

    if threads > 1 and width > 1:
        with ThreadPoolExecutor(min(threads, width), thread_name_prefix="summary") as pool:
            list(pool.map(summarize_column, range(width)))
    else:
        for j in range(width):
            summarize_column(j)
    shape = values.shape[1:]
    if isinstance(moments, Moments):
        mean, sd = moments.mean.reshape(-1), moments.sd().reshape(-1)
    pshape = (len(percentiles), *shape)
    return VariableSummary(
        mean=mean.reshape(shape),
        sd=sd.reshape(shape),
        mcse=mean_standard_error(sd, n).reshape(shape),
        percentile=stats[0].reshape(pshape),
        percentile_lower=stats[1].reshape(pshape),
        percentile_upper=stats[2].reshape(pshape),
        n=n,
        interval_level=interval_level,
    )


@dataclass(frozen=True)
class Exceedance:
    """Probabilities that a variable exceeds thresholds, with their standard errors.

    Attributes
    ----------
    thresholds : ndarray, shape (T,)
        In the variable's units.
    probability, se : ndarray, shape (T, H) or (T,)
        ``P(X > threshold)`` per column (year), and ``sqrt(p (1 - p) / n)``.
    any_probability, any_se : ndarray, shape (T,)
        ``P(X > threshold in at least one column)``: over the horizon (the years given);
        equal to ``probability`` for a variable without a year axis.
    n : int
        Number of samples.
    """

    thresholds: np.ndarray
    probability: np.ndarray
    se: np.ndarray
    any_probability: np.ndarray
    any_se: np.ndarray
    n: int


def proportion_se(probability: np.ndarray, n: int) -> np.ndarray:
    """Standard error ``sqrt(p (1 - p) / n)`` of a proportion estimated from ``n`` samples."""
    p = np.asarray(probability, dtype=np.float64)
    return np.sqrt(p * (1.0 - p) / n)


def exceedance_counts(
    values: np.ndarray, thresholds: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Samples above each threshold, per column (year) and in at least one column.

    Parameters
    ----------
    values : ndarray, shape (n, H) or (n,)
        Samples along the first axis. NaN never exceeds.
    thresholds : sequence of float, shape (T,)
        In the variable's units.

    Returns
    -------
    by_column : ndarray of int64, shape (T, H) or (T,)
        Samples with ``X > threshold`` in each column. Counts of blocks add up to the counts
        of the whole sample.
    any_column : ndarray of int64, shape (T,)
        Samples above the threshold in some column (over the horizon); equal to
        ``by_column`` for a variable without a year axis.

    Notes
    -----
    One column at a time through a contiguous buffer: a reduction across the short year
    axis of a ``(n, H)`` array (``max(axis=1)``) was measured 2.5x slower than this loop.
    A column-ordered (Fortran) block is read without a copy.
    """
    n = values.shape[0]
    columns = values.reshape(n, -1, order="A")
    levels = np.asarray(thresholds, dtype=np.float64)
    counts = np.empty((levels.shape[0], columns.shape[1]), dtype=np.int64)
    buffer = np.empty(n, dtype=np.float64)
    # A path exceeds in some year exactly when its largest value does; fmax skips NaN.
    path_max = np.full(n, -np.inf)
    for j in range(columns.shape[1]):
        np.copyto(buffer, columns[:, j])
        for i, level in enumerate(levels):
            counts[i, j] = np.count_nonzero(buffer > level)
        np.fmax(path_max, buffer, out=path_max)
    any_counts = np.array([np.count_nonzero(path_max > level) for level in levels],
                          dtype=np.int64)
    return counts.reshape((levels.shape[0], *values.shape[1:])), any_counts


def exceedance(values: np.ndarray, thresholds: Sequence[float]) -> Exceedance:
    """Probability that the variable exceeds each threshold, per year and over the horizon.

    Parameters
    ----------
    values : ndarray, shape (n, H) or (n,)
        Samples along the first axis. NaN never exceeds.
    thresholds : sequence of float, shape (T,)
        In the variable's units.

    Returns
    -------
    Exceedance
    """
    n = values.shape[0]
    counts, any_counts = exceedance_counts(values, thresholds)
    probability = counts / n
    any_probability = any_counts / n
    return Exceedance(
        thresholds=np.asarray(thresholds, dtype=np.float64),
        probability=probability,
        se=proportion_se(probability, n),
        any_probability=any_probability,
        any_se=proportion_se(any_probability, n),
        n=n,
    )


def value_frequencies(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values a discrete variable takes, and the share of samples at each, per column.

    Parameters
    ----------
    values : ndarray, shape (n, W) or (n,)
        Samples along the first axis (troop levels, persons).

    Returns
    -------
    levels : ndarray, shape (L,)
        Every value seen in any column, ascending.
    share : ndarray of float64, shape (L, W)
        Share of the ``n`` samples at each level, per column (a count over ``n``, exact).

    Examples
    --------
    >>> levels, share = value_frequencies(np.array([[3, 3], [1, 3], [3, 1], [3, 3]]))
    >>> levels.tolist(), share.tolist()
    ([1, 3], [[0.25, 0.25], [0.75, 0.75]])
    """
    columns = values.reshape(values.shape[0], -1)
    levels, inverse = np.unique(columns, return_inverse=True)
    inverse = inverse.reshape(columns.shape)
    share = np.empty((levels.size, columns.shape[1]))
    for j in range(columns.shape[1]):
        share[:, j] = np.bincount(inverse[:, j], minlength=levels.size) / columns.shape[0]
    return levels, share


def outcome_counts(codes: np.ndarray, counted: Sequence[int]) -> np.ndarray:
    """Samples with each negotiation outcome code per year.

    Parameters
    ----------
    codes : ndarray of int, shape (n, H)
        ``-1`` (no negotiation) or an outcome code (``simcore.core.outcomes``), each one of
        ``counted``.
    counted : sequence of int
        The codes counted, in the order of the rows (ascending, ``-1`` first, in a file).

    Returns
    -------
    ndarray of int64, shape (len(counted), H)
        Row ``k`` counts code ``counted[k]``; columns sum to ``n`` when every code is
        counted. Counts of blocks add up to the counts of the whole sample.

    Examples
    --------
    >>> outcome_counts(np.array([[-1, 2], [5, 2], [-1, 0]]), [-1, 0, 2, 5]).tolist()
    [[2, 0], [0, 1], [0, 2], [1, 0]]
    """
    rows = np.asarray(counted, dtype=np.intp) + 1
    horizon = codes.shape[1]
    counts = np.empty((rows.size, horizon), dtype=np.int64)
    for t in range(horizon):
        counts[:, t] = np.bincount(codes[:, t].astype(np.intp) + 1, minlength=rows.max() + 1)[rows]
    return counts


def outcome_frequencies(codes: np.ndarray, counted: Sequence[int]) -> np.ndarray:
    """Share of samples with each negotiation outcome code per year
    (:func:`outcome_counts` over ``n``; columns sum to 1 when every code is counted)."""
    return outcome_counts(codes, counted) / codes.shape[0]


# --- a summary made while the samples are simulated ---------------------------------------


@dataclass(frozen=True)
class SummaryPlan:
    """How to summarize one variable (of one scenario) from tallies of its blocks.

    Attributes
    ----------
    n : int
        Samples the variable will have.
    shape : tuple of int
        Shape of one sample: ``(H,)`` or ``()``.
    percentiles : tuple of float
        Levels in [0, 100].
    interval_level : float
        Level of the percentile intervals.
    columns : tuple of Brackets or None
        Per column (year), the brackets placed by a pilot block; None: the column needs a
        pass over all its values (levels too dense to bracket apart).
    """

    n: int
    shape: tuple[int, ...]
    percentiles: tuple[float, ...]
    interval_level: float
    columns: tuple[Brackets | None, ...]


@dataclass(frozen=True)
class SummaryTally:
    """The tallies of some blocks of one variable, per column (None where not tallied)."""

    columns: tuple[Tally | None, ...]

    def merge(self, other: SummaryTally) -> SummaryTally:
        """Both sets of blocks together (in any order: the summary is the same)."""
        return SummaryTally(tuple(
            None if mine is None or theirs is None else mine.merge(theirs)
            for mine, theirs in zip(self.columns, other.columns, strict=True)
        ))


def plan_summary(
    pilot: np.ndarray,
    n: int,
    percentiles: Sequence[float],
    interval_level: float = INTERVAL_LEVEL,
) -> SummaryPlan:
    """Brackets for every column of a variable of ``n`` samples, from a pilot block.

    Parameters
    ----------
    pilot : ndarray, shape (m, H) or (m,)
        A random sample of the variable as it will be stored, e.g. its first block (blocks
        are independent draws): the brackets only decide speed and memory, never values.
    n : int
        Samples the variable will have.
    percentiles : sequence of float
        Levels in [0, 100].
    interval_level : float
        Level of the percentile intervals.
    """
    lower, upper = order_statistic_ranks(n, percentiles, interval_level)
    extra = np.concatenate((lower, upper))
    columns = pilot.reshape(pilot.shape[0], -1)
    return SummaryPlan(
        n=n,
        shape=pilot.shape[1:],
        percentiles=tuple(percentiles),
        interval_level=interval_level,
        columns=tuple(
            bracket_column(columns[:, j], n, percentiles, extra) for j in range(columns.shape[1])
        ),
    )


def tally_summary(values: np.ndarray, plan: SummaryPlan) -> SummaryTally:
    """Tally one block of the variable, shape (b, H) or (b,), against its plan.

    A column-ordered (Fortran) block is read column by column without a copy.
    """
    columns = values.reshape(values.shape[0], -1, order="A")
    return SummaryTally(tuple(
        None if brackets is None else tally_column(columns[:, j], brackets)
        for j, brackets in enumerate(plan.columns)
    ))


def refine_summary(plan: SummaryPlan, tally: SummaryTally) -> SummaryPlan:
    """Narrower brackets for the blocks still to come, placed by the blocks tallied so far
    (:func:`simcore.stats.quantiles.refine_brackets`); ``plan`` itself if none narrows."""
    columns = tuple(
        brackets if brackets is None or column is None else refine_brackets(brackets, column)
        for brackets, column in zip(plan.columns, tally.columns, strict=True)
    )
    if all(new is old for new, old in zip(columns, plan.columns, strict=True)):
        return plan
    return replace(plan, columns=columns)


def retally_summary(tally: SummaryTally, old: SummaryPlan, new: SummaryPlan) -> SummaryTally:
    """A tally made against ``old`` as if made against ``new``, a refinement of it."""
    if new is old:
        return tally
    return SummaryTally(tuple(
        None if column is None or before is None or after is None
        else retally(column, before, after)
        for column, before, after in zip(tally.columns, old.columns, new.columns, strict=True)
    ))


def settle_summary(
    plan: SummaryPlan,
    tally: SummaryTally,
    moments: Moments,
    all_values: Callable[[], np.ndarray],
) -> VariableSummary:
    """The variable's summary from its merged tally: what :func:`summarize_values` gives for
    all its samples, bit for bit.

    Parameters
    ----------
    plan : SummaryPlan
        The brackets the blocks were tallied against.
    tally : SummaryTally
        Every block's tally, merged.
    moments : Moments
        Mean and variance reduced while simulating.
    all_values : callable
        Returns every sample of the variable, shape (n, H) or (n,); called only when a
        column could not be bracketed or a pilot misplaced a bracket (rare), e.g. to read
        the variable back from the file or to simulate it again.
    """
    width = len(plan.columns)
    stats = np.empty((3, len(plan.percentiles), width))
    missed = []
    for j, (brackets, column) in enumerate(zip(plan.columns, tally.columns, strict=True)):
        settled = None if brackets is None or column is None else settle_column(brackets, column)
        if settled is None:
            missed.append(j)
            continue
        stats[0, :, j] = settled[0]
        stats[1, :, j], stats[2, :, j] = np.split(settled[1], 2)
    if missed:
        columns = all_values().reshape(plan.n, -1)
        lower, upper = order_statistic_ranks(plan.n, plan.percentiles, plan.interval_level)
        buffer = np.empty(plan.n, dtype=np.float64)
        for j in missed:
            np.copyto(buffer, columns[:, j])
            _column_percentiles_with_bounds(buffer, plan.percentiles, lower, upper,
                                            stats[..., j])
    pshape = (len(plan.percentiles), *plan.shape)
    return VariableSummary(
        mean=moments.mean.reshape(plan.shape),
        sd=moments.sd().reshape(plan.shape),
        mcse=moments.mcse().reshape(plan.shape),
        percentile=stats[0].reshape(pshape),
        percentile_lower=stats[1].reshape(pshape),
        percentile_upper=stats[2].reshape(pshape),
        n=plan.n,
        interval_level=plan.interval_level,
    )

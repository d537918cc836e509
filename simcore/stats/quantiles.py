"""Exact sample percentiles of long columns, faster than :func:`numpy.percentile`.

:func:`exact_percentiles` returns, bit for bit, what ``np.percentile(values.astype(np.float64),
q)`` returns with numpy's default ``method="linear"`` (Hyndman & Fan type 7): it rebuilds
numpy's virtual indexes, index clipping and ``_lerp`` arithmetic operation by operation, and only
changes *how the needed order statistics are found*. Those are exact values of the column, so
any algorithm that finds them exactly gives the identical result.

How the order statistics are found (columns longer than :data:`SMALL`)
----------------------------------------------------------------------
1. A sorted, stratified random subsample (at most :data:`SUBSAMPLE` values) brackets every
   wanted rank ``r`` between two sample values ``L <= x_(r) <= U`` with a margin of
   :data:`WINDOW_SIGMAS` binomial standard deviations.
2. One pass over the column, in cache-sized chunks, evaluates one comparison per bracket end
   (``x < L`` or ``x <= U``), counts it, and keeps only the elements inside the brackets.
   The counts are exact, so each rank is then *known* to lie inside its bracket (or known to
   have missed it); nothing rests on the subsample being representative except speed.
3. The ranks are shifted by the counts below their brackets and the (small) kept set is solved
   the same way, recursively, down to :data:`SMALL` elements, which are sorted.

A value that repeats in the subsample gets a bracket of its own (``x < v`` and ``x <= v``):
ranks that fall in such a run of ties are answered without extracting the run, so columns with
few distinct values (all equal, two-valued, 90 % of one value) stay fast. A rank that misses its
bracket, a plan with too many brackets (dense lists of percentiles), or a kept set that does not
shrink, fall back to sorting, which is exact too.

Comparisons with a value ``v`` are exact in the column's own dtype (float32 columns are never
widened to a float64 copy), and every step either counts exactly or falls back, so the result
never depends on the random subsample, only the running time does.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SMALL",
    "SUBSAMPLE",
    "WINDOW_SIGMAS",
    "Brackets",
    "Tally",
    "bracket_column",
    "column_percentiles",
    "exact_percentiles",
    "percentiles_and_order_statistics",
    "refine_brackets",
    "retally",
    "settle_column",
    "tally_column",
]

#: Columns (or kept subsets) at most this long are sorted directly: below this size the
#: bookkeeping of the bracketing pass costs more than the SIMD sort numpy ships.
SMALL = 2**17
#: Largest subsample drawn to place the brackets (one value per stratum of the column).
SUBSAMPLE = 2**17
#: Half-width of a bracket, in binomial standard deviations of the subsample rank. A bracket
#: end misses with probability ~3e-5; a miss costs a retry pass, never a wrong value.
WINDOW_SIGMAS = 4.0

# Bytes of input per chunk of the bracketing pass: the chunk and its two boolean buffers must
# stay in a core's L2 cache while every comparison of the chunk runs over them.
_CHUNK_BYTES = 2**19
# More comparisons per element than this and sorting is cheaper (each costs ~0.1 ns/element,
# a SIMD sort of 1e7 float64 ~7 ns/element).
_MAX_CUTS = 48
# Tallying a column that arrives in blocks is worth more cuts: the alternative is not a sort
# but a second pass over the whole column (read back, or simulated again).
_MAX_CUTS_TALLIED = 4 * _MAX_CUTS
# Brackets of a column tallied block by block are wider, in standard deviations, than a
# single column's: a miss costs a pass over a whole column (read back or simulated again),
# not a retry over a column in memory. One end misses with probability ~1e-9.
_TALLY_SIGMAS = 6.0
# A plan that would keep more than this fraction of the column is not worth a pass.
_MAX_KEPT_FRACTION = 0.5
# A kept set larger than this fraction of its parent means the brackets did not help.
_MIN_SHRINK = 0.75
_MAX_DEPTH = 8
_MAX_ATTEMPTS = 3
# Fixed seed: the subsample only affects speed, and a fixed one makes timings reproducible.
_SEED = 0x51A5_C0DE

# Cell labels of a plan.
_SKIP, _KEEP, _POINT = 0, 1, 2


class _NaNInput(Exception):
    """Raised inside the selection when the column holds NaN."""


class _Unplaced(Exception):
    """Raised when a bracket would need an order statistic that a tally did not keep."""


def exact_percentiles(
    values: np.ndarray,
    q: Sequence[float] | np.ndarray,
    *,
    overwrite_input: bool = False,
) -> np.ndarray:
    """Percentiles of a 1-D sample, identical to ``np.percentile`` (method ``"linear"``).

    Parameters
    ----------
    values : ndarray, shape (n,)
        The sample, ``n >= 1``. float64 and float32 are used as they are; other real dtypes
        are first converted to float64 (as ``values.astype(np.float64)`` would). NaN is not
        supported: if present it is detected and the call defers to ``np.percentile``, which
        returns NaN for every level.
    q : sequence of float or ndarray, shape (k,)
        Percentile levels in [0, 100], in any order, duplicates allowed. A scalar is treated
        as one level.
    overwrite_input : bool, optional
        If True, ``values`` may be reordered in place (its multiset of values is kept), which
        saves a copy when the column is short enough to be sorted.

    Returns
    -------
    ndarray, shape (k,), float64
        Exactly ``np.percentile(values.astype(np.float64), q)``, in the units of ``values``,
        with ``q`` as an array. The only representable difference is the sign of a zero
        result when the column holds both ``-0.0`` and ``0.0`` (they compare equal and
        numpy's own choice between them depends on its partition order).

    Raises
    ------
    ValueError
        If ``values`` is not 1-D or is empty, or a level is outside [0, 100] or NaN.
    TypeError
        If ``values`` is not real-valued.

    Notes
    -----
    Only the order statistics at ranks ``floor(h)`` and ``floor(h) + 1`` of the virtual
    indexes ``h = (n - 1) * q / 100`` are found (see the module docstring); the interpolation
    then replays numpy's ``_get_indexes``, ``_get_gamma`` and ``_lerp`` operation by
    operation. Extra memory for a long column is the kept elements (about 5 % of the
    column for a 7-level fan, held twice while they are concatenated), a subsample of at
    most :data:`SUBSAMPLE` values and two chunk-sized boolean buffers; the fallback paths
    (dense level lists, unlucky brackets) sort one copy of the column.
    """
    x = _as_float_column(values)
    quantiles = _quantile_levels(q)
    return _percentiles_1d(x, quantiles, owned=overwrite_input)[0]


def percentiles_and_order_statistics(
    values: np.ndarray,
    q: Sequence[float] | np.ndarray,
    ranks: np.ndarray,
    *,
    overwrite_input: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles (as :func:`exact_percentiles`) and other order statistics, in one selection.

    Parameters
    ----------
    values : ndarray, shape (n,)
        The sample, as for :func:`exact_percentiles`.
    q : sequence of float or ndarray, shape (k,)
        Percentile levels in [0, 100].
    ranks : ndarray of int, shape (m,)
        0-based ranks into the sorted sample, each in ``[0, n − 1]`` (e.g. the bounds of
        order-statistic confidence intervals).
    overwrite_input : bool, optional
        ``values`` may be reordered in place.

    Returns
    -------
    percentiles : ndarray, shape (k,), float64
        Exactly ``np.percentile(values, q)``.
    order_statistics : ndarray, shape (m,), float64
        The ``ranks[i]``-th smallest value; NaN if the sample holds NaN.
    """
    x = _as_float_column(values)
    extra = np.asarray(ranks, dtype=np.intp)
    if extra.size and (extra.min() < 0 or extra.max() >= x.shape[0]):
        raise ValueError(f"ranks must lie in [0, {x.shape[0] - 1}]")
    return _percentiles_1d(x, _quantile_levels(q), owned=overwrite_input, extra=extra)


def column_percentiles(values_2d: np.ndarray, q: Sequence[float] | np.ndarray) -> np.ndarray:
    """Percentiles of every column of a 2-D array, identical to ``np.percentile(axis=0)``.

    Parameters
    ----------
    values_2d : ndarray, shape (n, H)
        ``n >= 1`` samples (rows) of ``H`` variables (columns), e.g. one column per year.
        Not modified.
    q : sequence of float or ndarray, shape (k,)
        Percentile levels in [0, 100].

    Returns
    -------
    ndarray, shape (k, H), float64
        ``out[:, j]`` equals ``np.percentile(values_2d.astype(np.float64), q, axis=0)[:, j]``
        exactly (same caveat on signed zeros as :func:`exact_percentiles`).

    Notes
    -----
    Columns are copied one at a time into a single contiguous buffer of the input's dtype
    (float64 or float32), so the extra memory is one column however many columns there are;
    the buffer is then reordered in place.
    """
    arr = np.asarray(values_2d)
    if arr.ndim != 2:
        raise ValueError(f"values_2d must be 2-D (n, H), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("values_2d has no rows: percentiles of an empty sample are undefined")
    _check_real(arr)
    quantiles = _quantile_levels(q)
    n, n_cols = arr.shape
    out = np.empty((quantiles.shape[0], n_cols), dtype=np.float64)
    buf = np.empty(n, dtype=_work_dtype(arr.dtype))
    for j in range(n_cols):
        buf[...] = arr[:, j]
        out[:, j] = _percentiles_1d(buf, quantiles, owned=True)[0]
    return out


# --- numpy's arithmetic, replayed -------------------------------------------------------------


def _check_real(arr: np.ndarray) -> None:
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"values must be real numbers, got dtype {arr.dtype}")


def _work_dtype(dtype: np.dtype) -> np.dtype:
    """float32 and float64 are compared as they are; anything else becomes float64."""
    if dtype.kind == "f" and dtype.itemsize in (4, 8):
        return dtype
    return np.dtype(np.float64)


def _as_float_column(values: np.ndarray) -> np.ndarray:
    x = np.asarray(values)
    if x.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {x.shape}")
    if x.shape[0] == 0:
        raise ValueError("values is empty: percentiles of an empty sample are undefined")
    _check_real(x)
    # Widening to float64 is exact, so order statistics of the original equal those of the
    # float64 copy numpy would sort; only non-float32/64 inputs pay for a copy.
    return x.astype(_work_dtype(x.dtype), copy=False)


def _quantile_levels(q: Sequence[float] | np.ndarray) -> np.ndarray:
    """``q / 100`` exactly as ``np.percentile`` computes it (same dtype, same rounding)."""
    levels = np.asanyarray(q)
    if levels.ndim == 0:
        levels = levels.reshape(1)
    if levels.ndim != 1:
        raise ValueError(f"q must be a scalar or 1-D, got shape {levels.shape}")
    quantiles = np.true_divide(levels, 100)
    # Written so that NaN levels fail the test, as in numpy's _quantile_is_valid.
    if not (np.all(quantiles >= 0) and np.all(quantiles <= 1)):
        raise ValueError("Percentiles must be in the range [0, 100]")
    return quantiles


def _neighbours(n: int, quantiles: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """numpy's ``_get_indexes`` for ``"linear"``: both neighbours of each virtual index (−1
    past the end) and the virtual indexes themselves."""
    # numpy >= 1.22 uses (n - 1) * q for "linear" (not the general alpha/beta formula, which
    # rounds differently in the last bit); `n` is a Python int as in numpy.
    virtual = (n - 1) * quantiles
    # _get_indexes: floor, then both neighbours of an index at or past the end become -1.
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    following[above] = -1
    return previous.astype(np.intp), following.astype(np.intp), virtual


def _needed_ranks(n: int, quantiles: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Sorted unique ranks whose order statistics give the percentiles and the ``extra`` ones."""
    previous_i, following_i, _ = _neighbours(n, quantiles)
    wanted = np.concatenate((previous_i, following_i))
    wanted[wanted < 0] += n
    return np.unique(np.concatenate((wanted, extra)))


def _from_order_statistics(
    stats: np.ndarray, ranks: np.ndarray, n: int, quantiles: np.ndarray, extra: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles, numpy's arithmetic replayed, and the ``extra`` order statistics, from the
    exact order statistics ``stats`` at :func:`_needed_ranks` ``ranks``."""
    previous_i, following_i, virtual = _neighbours(n, quantiles)
    # Values are the exact order statistics; look them up for each neighbour.
    a = stats[np.searchsorted(ranks, np.where(previous_i < 0, previous_i + n, previous_i))]
    b = stats[np.searchsorted(ranks, np.where(following_i < 0, following_i + n, following_i))]
    # _get_gamma uses the *clipped* previous index (so gamma = h + 1 past the end, harmless
    # because a == b there); keep it so as to match numpy even for infinite values.
    gamma = np.asanyarray(virtual - previous_i)
    gamma = np.asanyarray(gamma, dtype=virtual.dtype)
    return _lerp(a, b, gamma), stats[np.searchsorted(ranks, extra)]


def _percentiles_1d(
    x: np.ndarray, quantiles: np.ndarray, *, owned: bool, extra: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles and the order statistics at ``extra`` ranks (one selection for both)."""
    n = x.shape[0]
    extra = np.empty(0, dtype=np.intp) if extra is None else extra
    ranks = _needed_ranks(n, quantiles, extra)
    try:
        stats = _order_statistics(x, ranks, owned=owned)
    except _NaNInput:
        # np.quantile takes q / 100 as computed above: the same call np.percentile makes.
        return np.quantile(x.astype(np.float64), quantiles), np.full(extra.shape, np.nan)
    return _from_order_statistics(stats, ranks, n, quantiles, extra)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's ``_lerp``: ``a + (b - a) t``, or ``b - (b - a)(1 - t)`` where ``t >= 0.5``.

    Same operations in the same order, so the same roundings. Overflow (``b - a`` beyond the
    float64 range) gives numpy's inf/NaN results; numpy's RuntimeWarning is not repeated,
    since warnings from ``simcore`` are errors in the test suite.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        diff_b_a = b - a
        out = np.add(a, diff_b_a * t)
        np.subtract(
            b, diff_b_a * (1 - t), out=out, where=t >= 0.5, casting="unsafe", dtype=out.dtype
        )
    return out


# --- exact order statistics ------------------------------------------------------------------


def _order_statistics(
    y: np.ndarray, ranks: np.ndarray, *, owned: bool, depth: int = 0, attempt: int = 0
) -> np.ndarray:
    """The ``ranks``-th smallest values of ``y`` (0-based, sorted, unique), as float64.

    ``owned`` says ``y`` may be reordered in place. Raises :class:`_NaNInput` if ``y`` holds NaN.
    """
    n = y.shape[0]
    if n <= SMALL or depth >= _MAX_DEPTH:
        return _by_sorting(y, ranks, owned=owned)
    plan = _plan(y, ranks, attempt)
    if plan is None:
        return _by_sorting(y, ranks, owned=owned)
    cut_values, cut_le, labels = plan
    counts, kept = _scan(y, cut_values, cut_le, labels)
    if counts[-1] != n:  # the last cut is `x <= +inf`: only NaN fails it
        raise _NaNInput
    settled = _settle(kept, cut_values, labels, counts, ranks, depth=depth)
    if settled is None:
        # Cannot happen with NaN-free input; never trust a scan that does not add up.
        return _by_sorting(y, ranks, owned=owned)
    out, missed = settled
    if missed.any():
        # The subsample was unlucky for these ranks: a fresh, wider attempt, then sorting.
        if attempt + 1 < _MAX_ATTEMPTS:
            out[missed] = _order_statistics(
                y, ranks[missed], owned=owned, depth=depth, attempt=attempt + 1
            )
        else:
            out[missed] = _by_sorting(y, ranks[missed], owned=owned)
    return out


def _settle(
    kept: np.ndarray,
    cut_values: np.ndarray,
    labels: np.ndarray,
    counts: np.ndarray,
    ranks: np.ndarray,
    *,
    depth: int = 0,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The order statistics a scan has captured, from its exact counts and kept elements.

    ``counts[i]`` elements of the column (``counts[-1]`` of them in all) satisfy cut ``i``;
    ``kept`` holds the elements of the kept cells, in any order. Returns the values (NaN where
    missed) and a mask of the ranks that fell into a skipped cell, or None if the kept
    elements do not add up to the counts.
    """
    n = int(counts[-1])
    # Cell j holds the elements between cut j-1 and cut j: ranks [bounds[j], bounds[j+1]).
    bounds = np.concatenate(([0], counts, [n]))
    sizes = np.diff(bounds)
    is_kept = labels == _KEEP
    if kept.shape[0] != int(sizes[is_kept].sum()):
        return None
    # In sorted order, the kept set is the kept cells one after the other.
    kept_offset = np.cumsum(np.where(is_kept, sizes, 0)) - np.where(is_kept, sizes, 0)

    cell = np.searchsorted(counts, ranks, side="right")
    label = labels[cell]
    out = np.full(ranks.shape[0], np.nan)

    point = label == _POINT
    # A point cell lies between `x < v` and `x <= v`: every element in it equals v.
    out[point] = cut_values[cell[point]]

    keep = label == _KEEP
    if keep.any():
        local = kept_offset[cell[keep]] + (ranks[keep] - bounds[cell[keep]])
        local_ranks, inverse = np.unique(local, return_inverse=True)
        if kept.shape[0] > _MIN_SHRINK * n:
            found = _by_sorting(kept, local_ranks, owned=True)
        else:
            found = _order_statistics(kept, local_ranks, owned=True, depth=depth + 1)
        out[keep] = found[inverse]
    return out, label == _SKIP


def _by_sorting(y: np.ndarray, ranks: np.ndarray, *, owned: bool) -> np.ndarray:
    """Order statistics by partition (one rank) or sort (several): both exact.

    numpy's partition has a SIMD path only for a single kth; with several it is several
    times slower than numpy's SIMD sort, so several ranks are read off a full sort.
    """
    work = y if owned else y.copy()
    if ranks.shape[0] == 1:
        # A second kth (e.g. -1 to expose NaN) would leave the SIMD path; max() propagates
        # NaN instead, for one more memory-bound pass.
        work.partition(int(ranks[0]))
        if np.isnan(work.max()):
            raise _NaNInput
    else:
        work.sort()  # NaN sorts last
        if np.isnan(work[-1]):
            raise _NaNInput
    return work[ranks].astype(np.float64)


def _plan(
    y: np.ndarray, ranks: np.ndarray, attempt: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Comparison cuts that bracket each rank, from a sorted subsample of ``y``
    (:func:`_cuts`)."""
    n = y.shape[0]
    m = min(SUBSAMPLE, n // 16)
    stride = n // m
    rng = np.random.default_rng([_SEED, attempt])
    # One value at a random position of each stratum: as good as a simple random sample for
    # i.i.d. data, and immune to periodic layouts (e.g. antithetic pairs) that fool a stride.
    picks = np.arange(0, m * stride, stride) + rng.integers(0, stride, size=m)
    sample = y.take(picks)
    sample.sort()
    return _cuts(sample, n, ranks, attempt)


def _cuts(
    sample: np.ndarray,
    n: int,
    ranks: np.ndarray,
    attempt: int,
    max_cuts: int = _MAX_CUTS,
    sigmas: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Comparison cuts that bracket each rank of a column of ``n`` elements, placed by a
    sorted random ``sample`` of it.

    Returns ``(cut_values, cut_le, labels)``: cut ``i`` is the predicate ``x <= v_i`` if
    ``cut_le[i]`` else ``x < v_i``; the cuts are sorted so the predicates are nested, and
    ``labels[j]`` (length ``len(cuts) + 1``) says what to do with cell ``j``, the elements
    between cut ``j - 1`` and cut ``j``: skip (only count), keep (extract), or point (all
    equal to one value). The last cut is ``x <= +inf``, so its count detects NaN. Returns
    None when a single pass would not pay off (more than ``max_cuts`` cuts, or too much of
    the column kept). Brackets are ``sigmas`` (default :data:`WINDOW_SIGMAS`) binomial
    standard deviations of the sample rank wide, doubled with each ``attempt``.
    """
    m = sample.shape[0]
    if np.isnan(sample[-1]):
        raise _NaNInput
    lo, hi = _windows(m, n, ranks, attempt, sigmas)
    # A value seen twice in the (sorted) subsample may be a long run of ties in y.
    repeats = sample[1:] == sample[:-1]
    tied = np.zeros(m, dtype=bool)
    tied[1:] |= repeats
    tied[:-1] |= repeats
    cut_values, cut_le, labels = _bracket(
        lambda i: float(sample[i]), lambda i: bool(tied[i]), lo, hi, m, sample.dtype
    )
    if cut_values.shape[0] > max_cuts:
        return None
    # Fraction of the subsample in kept cells: what one pass would have to extract.
    sample_counts = np.where(
        cut_le,
        np.searchsorted(sample, cut_values, side="right"),
        np.searchsorted(sample, cut_values, side="left"),
    )
    sample_sizes = np.diff(np.concatenate(([0], sample_counts, [m])))
    if sample_sizes[labels == _KEEP].sum() > _MAX_KEPT_FRACTION * m:
        return None
    return cut_values, cut_le, labels


def _windows(
    m: int, n: int, ranks: np.ndarray, attempt: int, sigmas: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Indexes into a sorted random sample of ``m`` of a column's ``n`` elements whose values
    bracket each rank, ``sigmas`` (default :data:`WINDOW_SIGMAS`) binomial standard
    deviations wide, doubled with each ``attempt``; below 0 or above ``m - 1``: open towards
    that end."""
    r = ranks.astype(np.float64)
    frac = (r + 0.5) / n
    width = WINDOW_SIGMAS if sigmas is None else sigmas
    half = width * 2.0**attempt * np.sqrt(m * frac * (1.0 - frac)) + 2.0
    # s[lo] <= x_(r) needs lo + 1 sample values <= x_(r): about Binomial(m, (r + 1) / n) of
    # them; s[hi] >= x_(r) needs at most hi sample values < x_(r): about Binomial(m, r / n).
    lo = np.floor(m * (r + 1) / n - half).astype(np.intp) - 1
    hi = np.ceil(m * r / n + half).astype(np.intp)
    return lo, hi


def _bracket(
    value: Callable[[int], float],
    tied: Callable[[int], bool],
    lo: np.ndarray,
    hi: np.ndarray,
    m: int,
    dtype: np.dtype,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cuts and cell labels for brackets from sample index ``lo`` to ``hi`` (see
    :func:`_cuts`), given the sorted sample's ``value`` at an index and whether it is
    ``tied`` with a neighbour."""
    sentinel = (float("inf"), True)  # `x <= +inf`: true for everything but NaN
    cuts: set[tuple[float, bool]] = {sentinel}
    ranges: list[tuple[tuple[float, bool] | None, tuple[float, bool]]] = []
    for i_lo, i_hi in zip(lo.tolist(), hi.tolist(), strict=True):
        low = value(i_lo) if i_lo >= 0 else None
        high = value(i_hi) if i_hi <= m - 1 else None
        if low is not None and high is not None and low == high:
            cuts.update({(low, False), (low, True)})  # the rank sits in a run of ties
            continue
        start: tuple[float, bool] | None = None  # None: from the bottom cell
        if low is not None:
            if tied(i_lo):
                cuts.update({(low, False), (low, True)})
                start = (low, True)
            else:
                start = (low, False)
                cuts.add(start)
        end = sentinel
        if high is not None:
            if tied(i_hi):
                cuts.update({(high, False), (high, True)})
                end = (high, False)
            else:
                end = (high, True)
                cuts.add(end)
        ranges.append((start, end))

    # Python floats sort by value then `<` before `<=`; -0.0 and 0.0 merge, as they compare.
    ordered = sorted(cuts)
    position = {cut: i for i, cut in enumerate(ordered)}
    n_cuts = len(ordered)
    labels = np.full(n_cuts + 1, _SKIP, dtype=np.int8)
    marks = np.zeros(n_cuts + 2, dtype=np.intp)
    for start, end in ranges:
        marks[0 if start is None else position[start] + 1] += 1
        marks[position[end] + 1] -= 1
    labels[np.cumsum(marks)[:-1] > 0] = _KEEP
    for i in range(n_cuts - 1):
        (v0, le0), (v1, le1) = ordered[i], ordered[i + 1]
        if v0 == v1 and not le0 and le1:
            labels[i + 1] = _POINT

    # Drop cuts between two cells that are handled alike: they would cost a comparison and
    # tell nothing. Point cells keep their two cuts; the NaN sentinel always stays.
    same = (labels[:-1] == labels[1:]) & (labels[:-1] != _POINT)
    same[-1] = False
    keep_cut = ~same
    cut_values = np.array([v for v, _ in ordered], dtype=dtype)[keep_cut]
    cut_le = np.array([le for _, le in ordered], dtype=bool)[keep_cut]
    return cut_values, cut_le, np.concatenate((labels[:1], labels[1:][keep_cut]))


def _scan(
    y: np.ndarray, cut_values: np.ndarray, cut_le: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Count every cut's predicate over ``y`` and extract the elements of the kept cells.

    An element of cell ``j`` satisfies exactly the predicates of cuts ``j, j+1, ...``. The
    union of kept cells is therefore the XOR of the predicates of the cuts where "kept"
    switches on or off (the top cell, above the NaN sentinel, is never kept), so one boolean
    buffer accumulates the extraction mask with one XOR per such cut.
    """
    n = y.shape[0]
    chunk = max(1, _CHUNK_BYTES // y.itemsize)
    is_kept = labels == _KEEP
    toggles = is_kept[:-1] != is_kept[1:]
    # Same-dtype scalars: the comparisons are exact and never widen the chunk.
    ops = [
        (np.less_equal if le else np.less, y.dtype.type(v), bool(tog))
        for v, le, tog in zip(cut_values.tolist(), cut_le.tolist(), toggles.tolist(), strict=True)
    ]
    first_toggle = int(np.argmax(toggles)) if toggles.any() else -1
    counts = [0] * len(ops)
    scratch = np.empty(min(chunk, n), dtype=bool)
    mask = np.empty(min(chunk, n), dtype=bool)
    # A strided column would be re-read from memory by every comparison: copy each chunk once.
    staging = None if y.flags.c_contiguous else np.empty(min(chunk, n), dtype=y.dtype)
    parts = []
    for begin in range(0, n, chunk):
        block = y[begin : begin + chunk]
        size = block.shape[0]
        if staging is not None:
            staging[:size] = block
            block = staging[:size]
        tmp = scratch[:size]
        acc = mask[:size]
        for i, (compare, value, toggle) in enumerate(ops):
            if i == first_toggle:
                compare(block, value, out=acc)
                counts[i] += int(np.count_nonzero(acc))
                continue
            compare(block, value, out=tmp)
            counts[i] += int(np.count_nonzero(tmp))
            if toggle:
                np.logical_xor(acc, tmp, out=acc)
        if first_toggle >= 0:
            parts.append(np.compress(acc, block))
    kept = np.concatenate(parts) if parts else np.empty(0, dtype=y.dtype)
    return np.array(counts, dtype=np.intp), kept


# --- columns that arrive block by block ------------------------------------------------------


@dataclass(frozen=True)
class Brackets:
    """Comparison cuts around the order statistics a column's percentiles need, placed by a
    pilot sample before the column exists, so that each of its blocks can be tallied as it is
    made (:func:`tally_column`) and the exact percentiles found without keeping the column.

    Attributes
    ----------
    n : int
        Length of the whole column.
    quantiles : ndarray, shape (k,)
        Percentile levels divided by 100, as ``np.percentile`` computes them.
    extra : ndarray of int, shape (e,)
        Other wanted ranks (e.g. the bounds of confidence intervals).
    ranks : ndarray of int
        Every rank whose order statistic is needed (sorted, unique).
    cut_values, cut_le, labels : ndarray
        The cuts and cell labels (see ``_cuts``); the last cut is ``x <= +inf``.
    """

    n: int
    quantiles: np.ndarray
    extra: np.ndarray
    ranks: np.ndarray
    cut_values: np.ndarray
    cut_le: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class Tally:
    """What the blocks of a column tallied against its :class:`Brackets` left: how many
    elements, how many of them satisfy each cut, and the elements of the kept cells (in any
    order, as one array per block: they are joined once, when the column is settled)."""

    size: int
    counts: np.ndarray
    kept: tuple[np.ndarray, ...]

    def merge(self, other: Tally) -> Tally:
        """The tally of both sets of elements (in any order: the result is the same)."""
        return Tally(self.size + other.size, self.counts + other.counts, self.kept + other.kept)


def bracket_column(
    pilot: np.ndarray, n: int, q: Sequence[float] | np.ndarray, extra_ranks: np.ndarray
) -> Brackets | None:
    """Brackets for the percentiles ``q`` and the order statistics ``extra_ranks`` of a column
    of ``n`` elements, from ``pilot``, a random sample of that column (e.g. its first block,
    when blocks are independent draws).

    Returns None when tallying would not pay (the levels are too dense to bracket apart): the
    column then needs a pass of its own (:func:`percentiles_and_order_statistics`). A pilot
    that holds NaN gives brackets that report NaN, as ``np.percentile`` does.
    """
    quantiles = _quantile_levels(q)
    extra = np.asarray(extra_ranks, dtype=np.intp)
    ranks = _needed_ranks(n, quantiles, extra)
    sample = np.sort(_as_float_column(pilot))
    try:
        plan = _cuts(sample, n, ranks, 0, _MAX_CUTS_TALLIED, _TALLY_SIGMAS)
    except _NaNInput:
        # Only the NaN sentinel: the tally then shows the NaN and settles as NaN.
        plan = (np.array([np.inf], dtype=sample.dtype), np.array([True]),
                np.array([_SKIP, _SKIP], dtype=np.int8))
    if plan is None:
        return None
    cut_values, cut_le, labels = plan
    return Brackets(n, quantiles, extra, ranks, cut_values, cut_le, labels)


def tally_column(values: np.ndarray, brackets: Brackets) -> Tally:
    """Count one block of a column against its brackets and keep what lies inside them.

    ``values`` (any real dtype, converted as :func:`exact_percentiles` converts a column) is
    not modified. One pass over the block with a comparison per cut: run it while the block
    is in cache, where it was made.
    """
    column = np.asarray(values, dtype=brackets.cut_values.dtype)
    counts, kept = _scan(column, brackets.cut_values, brackets.cut_le, brackets.labels)
    return Tally(column.shape[0], counts.astype(np.int64), (kept,))


def settle_column(brackets: Brackets, tally: Tally) -> tuple[np.ndarray, np.ndarray] | None:
    """Percentiles and ``extra`` order statistics of the whole column, from its merged tally.

    Returns
    -------
    (percentiles, order_statistics) or None
        Exactly what :func:`percentiles_and_order_statistics` gives for the whole column
        (NaN everywhere if it holds NaN); None if the pilot misplaced a bracket (a rank fell
        outside every kept cell: the column then needs a pass of its own).

    Raises
    ------
    ValueError
        If the tally does not hold exactly ``n`` elements.
    """
    n = brackets.n
    if tally.size != n:
        raise ValueError(f"the tally holds {tally.size} elements, not {n}")
    if int(tally.counts[-1]) != n:
        # Elements that fail `x <= +inf` are NaN: numpy's percentiles are then all NaN.
        return (np.full(brackets.quantiles.shape, np.nan), np.full(brackets.extra.shape, np.nan))
    kept = np.concatenate(tally.kept) if len(tally.kept) > 1 else tally.kept[0].copy()
    settled = _settle(kept, brackets.cut_values, brackets.labels, tally.counts, brackets.ranks)
    if settled is None:
        raise ValueError("the tally's kept elements do not add up to its counts")
    stats, missed = settled
    if missed.any():
        return None
    return _from_order_statistics(stats, brackets.ranks, n, brackets.quantiles, brackets.extra)


def refine_brackets(brackets: Brackets, tally: Tally) -> Brackets:
    """Narrower brackets, placed by the elements a tally has seen.

    The elements tallied so far are a random sample of the column much larger than the
    pilot, and their order statistics inside the kept cells are known exactly: brackets
    placed by them (``_TALLY_SIGMAS`` wide) keep ever fewer elements of
    the blocks still to come, about ``1/sqrt(seen)`` of each. Every cut of the result is a
    cut of ``brackets`` or lies inside one of its kept cells, so that any tally against
    ``brackets`` carries over exactly (:func:`retally`).

    Returns ``brackets`` itself where it cannot narrow them: a window that reaches beyond
    the elements seen (levels 0 and 100) or into a cell they skipped, NaN seen, too many
    cuts.
    """
    size, counts = tally.size, tally.counts
    if size == 0 or int(counts[-1]) != size:
        return brackets
    lo, hi = _windows(size, brackets.n, brackets.ranks, 0, _TALLY_SIGMAS)
    if lo.min() < 0 or hi.max() > size - 1:
        return brackets
    kept = np.sort(np.concatenate(tally.kept))
    bounds = np.concatenate(([0], counts, [size]))
    cell_sizes = np.diff(bounds)
    is_kept = brackets.labels == _KEEP
    kept_offset = np.cumsum(np.where(is_kept, cell_sizes, 0)) - np.where(is_kept, cell_sizes, 0)

    def value(rank: int) -> float:
        """The seen elements' order statistic at ``rank``, if the tally holds it."""
        cell = int(np.searchsorted(counts, rank, side="right"))
        if brackets.labels[cell] == _KEEP:
            return float(kept[kept_offset[cell] + rank - bounds[cell]])
        if brackets.labels[cell] == _POINT:
            return float(brackets.cut_values[cell])
        raise _Unplaced

    def tied(rank: int) -> bool:
        own = value(rank)
        for other in (rank - 1, rank + 1):
            if 0 <= other < size:
                try:
                    if value(other) == own:
                        return True
                except _Unplaced:
                    return True  # unknown: bracketed as a run of ties, which is always exact
        return False

    try:
        cut_values, cut_le, labels = _bracket(
            value, tied, lo, hi, size, brackets.cut_values.dtype
        )
    except _Unplaced:
        return brackets
    refined = Brackets(brackets.n, brackets.quantiles, brackets.extra, brackets.ranks,
                       cut_values, cut_le, labels)
    if cut_values.shape[0] > _MAX_CUTS_TALLIED or _carried_cuts(brackets, refined) is None:
        return brackets
    return refined


def _carried_cuts(old: Brackets, new: Brackets) -> tuple[np.ndarray, np.ndarray] | None:
    """For each cut of ``new``: the index of the equal cut of ``old`` (−1 if none) and the
    cell of ``old`` it lies in. None unless every cut of ``new`` is a cut of ``old`` or lies
    inside a kept cell of ``old``, and every kept cell of ``new`` lies inside kept cells of
    ``old`` (whose elements a tally against ``old`` holds)."""
    keys = list(zip(old.cut_values.tolist(), old.cut_le.tolist(), strict=True))
    equal = np.full(new.cut_values.shape[0], -1, dtype=np.intp)
    cells = np.empty(new.cut_values.shape[0], dtype=np.intp)
    for i, cut in enumerate(zip(new.cut_values.tolist(), new.cut_le.tolist(), strict=True)):
        # Python floats sort by value, then `<` before `<=`: the order of nested predicates.
        position = bisect.bisect_left(keys, cut)
        cells[i] = position
        if position < len(keys) and keys[position] == cut:
            equal[i] = position
        elif old.labels[position] != _KEEP:
            return None
    # New cell i lies between new cuts i - 1 and i: the old cells from `first` to `last`.
    last = np.where(equal >= 0, equal, cells)
    first = np.concatenate(([0], np.where(equal >= 0, equal + 1, cells)))[:-1]
    old_kept = old.labels == _KEEP
    for cell in np.flatnonzero(new.labels[:-1] == _KEEP).tolist():
        if not old_kept[first[cell] : last[cell] + 1].all():
            return None
    return equal, cells


def retally(tally: Tally, old: Brackets, new: Brackets) -> Tally:
    """A tally made against ``old`` brackets, as if made against ``new`` ones, exactly.

    ``new`` must come from ``old`` by :func:`refine_brackets` (possibly several times): an
    element outside the kept cells of ``old`` satisfies a cut of ``new`` exactly when it
    satisfies the cut of ``old`` at or just below it; the kept elements are compared anew.
    """
    if new is old:
        return tally
    carried = _carried_cuts(old, new)
    if carried is None:
        raise ValueError("the new brackets do not refine the old ones")
    equal, cells = carried
    kept = np.concatenate(tally.kept) if tally.kept else np.empty(0, old.cut_values.dtype)
    only_count = np.full(old.labels.shape, _SKIP, dtype=np.int8)
    kept_per_old_cut, _ = _scan(kept, old.cut_values, old.cut_le, only_count)
    outside = tally.counts - kept_per_old_cut  # elements of the skipped and point cells
    below = np.where(equal >= 0, equal, cells - 1)
    base = np.where(below >= 0, outside[np.maximum(below, 0)], 0)
    kept_per_new_cut, new_kept = _scan(kept, new.cut_values, new.cut_le, new.labels)
    return Tally(tally.size, base + kept_per_new_cut, (new_kept,))

"""Paired differences between two scenarios simulated with common random numbers.

Path ``i`` of scenario A and path ``i`` of scenario B were driven by the same random inputs,
so ``B_i − A_i`` isolates the effect of the scenario: the noise the two share cancels. Every
interval here is computed from the paired paths, and beside it the interval an unpaired
comparison (two independent runs of the same size) would have given, to show the gain.

Percentile differences ``Q_B(q) − Q_A(q)`` get their interval by **sectioning**
(Asmussen & Glynn, *Stochastic Simulation*, 2007, §III.5a; Nakayama, ACM TOMACS 24(4),
2014): the ``n`` paths are cut into ``K`` consecutive batches of ``m = n // K`` paths, each an
independent smaller run; ``Δ_k`` is the percentile difference within batch ``k``, and the
interval is the full-sample difference ``Δ̂ ± t_{K−1} S / sqrt(K)``, ``S`` the standard
deviation of the ``Δ_k``. Pairs stay together inside a batch, so the interval reflects the
paired variance, without any density estimate; it costs one more selection pass over the
paths, where a bootstrap would cost one per replicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from simcore.stats.quantiles import column_percentiles, exact_percentiles
from simcore.stats.summary import INTERVAL_LEVEL, proportion_se

#: Batches of the sectioning intervals: enough degrees of freedom (t_19 = 2.09) for a stable
#: interval, few enough that each batch still has many paths on either side of P5 and P95.
DEFAULT_SECTIONS = 20


@dataclass(frozen=True)
class PairedDifference:
    """``B − A`` over paired paths, per column (year); shapes (W,) or () and (P, W) or (P,).

    Attributes
    ----------
    n, sections : int
        Paired paths, and batches of the sectioning intervals.
    mean_a, mean_b, mean_difference : ndarray
        Means of A and B, and the mean of ``B − A`` over the paths.
    se, se_unpaired : ndarray
        Standard error of the mean difference from the paired paths, ``sd(B − A) / sqrt(n)``,
        and for independent runs, ``sqrt(var(A) / n + var(B) / n)``.
    prob_greater, prob_greater_se, prob_less : ndarray
        ``P(B > A)`` on a path with its standard error, and ``P(B < A)``.
    percentile_a, percentile_b, percentile_difference : ndarray
        Percentiles (exact, numpy's linear definition) and ``Q_B − Q_A``.
    lower, upper : ndarray
        Paired sectioning interval of the difference.
    unpaired_lower, unpaired_upper : ndarray
        The same interval if A and B had come from independent runs: the batch spreads of
        A and B added in quadrature, ``t sqrt(S_A² + S_B²) / sqrt(K)``.
    """

    n: int
    sections: int
    mean_a: np.ndarray
    mean_b: np.ndarray
    mean_difference: np.ndarray
    se: np.ndarray
    se_unpaired: np.ndarray
    prob_greater: np.ndarray
    prob_greater_se: np.ndarray
    prob_less: np.ndarray
    percentile_a: np.ndarray
    percentile_b: np.ndarray
    percentile_difference: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    unpaired_lower: np.ndarray
    unpaired_upper: np.ndarray


def paired_difference(
    a: np.ndarray,
    b: np.ndarray,
    percentiles: Sequence[float],
    *,
    sections: int = DEFAULT_SECTIONS,
    interval_level: float = INTERVAL_LEVEL,
) -> PairedDifference:
    """Compare scenario B with scenario A path by path.

    Parameters
    ----------
    a, b : ndarray, shape (n, W) or (n,)
        The same variable in A and B, path ``i`` of each driven by the same random inputs;
        any real dtype, in the variable's units.
    percentiles : sequence of float, shape (P,)
        Levels in [0, 100].
    sections : int
        Batches ``K >= 2`` of the sectioning intervals. With fewer than ``2 K`` paths the
        percentile intervals are NaN (undefined).
    interval_level : float
        Level of the percentile intervals.

    Returns
    -------
    PairedDifference
        Identical inputs give differences of exactly 0 with intervals of zero width.

    Notes
    -----
    Columns are processed one at a time through three float64 buffers of ``n`` values.
    """
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if sections < 2:
        raise ValueError(f"sections must be at least 2 (got {sections})")
    n = a.shape[0]
    cols_a, cols_b = a.reshape(n, -1), b.reshape(n, -1)
    width = cols_a.shape[1]
    # Per column: mean A, mean B, mean B − A, its se, its unpaired se, P(B > A), P(B < A).
    moments = np.full((7, width), np.nan)
    # Per level and column: Q_A, Q_B, paired and unpaired half-widths of Q_B − Q_A.
    pct = np.full((4, len(percentiles), width), np.nan)
    m = n // sections
    half_scale = float(special.stdtrit(sections - 1, 0.5 + interval_level / 2)) / np.sqrt(sections)
    buf_a, buf_b, diff = np.empty(n), np.empty(n), np.empty(n)
    for j in range(width):
        np.copyto(buf_a, cols_a[:, j])
        np.copyto(buf_b, cols_b[:, j])
        np.subtract(buf_b, buf_a, out=diff)
        moments[:3, j] = buf_a.mean(), buf_b.mean(), diff.mean()
        if n > 1:
            moments[3, j] = diff.std(ddof=1) / np.sqrt(n)
            moments[4, j] = np.sqrt((buf_a.var(ddof=1) + buf_b.var(ddof=1)) / n)
        moments[5, j] = np.count_nonzero(buf_b > buf_a) / n
        moments[6, j] = np.count_nonzero(buf_b < buf_a) / n
        if m >= 2:
            # Batch k is paths k m … (k + 1) m − 1 of both scenarios: pairs stay together.
            batch_a = column_percentiles(
                buf_a[: sections * m].reshape(sections, m).T, percentiles
            )
            batch_b = column_percentiles(
                buf_b[: sections * m].reshape(sections, m).T, percentiles
            )
            pct[2, :, j] = half_scale * np.std(batch_b - batch_a, axis=1, ddof=1)
            pct[3, :, j] = half_scale * np.hypot(
                np.std(batch_a, axis=1, ddof=1), np.std(batch_b, axis=1, ddof=1)
            )
        # Full-sample percentiles last: they may reorder the buffers.
        pct[0, :, j] = exact_percentiles(buf_a, percentiles, overwrite_input=True)
        pct[1, :, j] = exact_percentiles(buf_b, percentiles, overwrite_input=True)
    shape, pshape = a.shape[1:], (len(percentiles), *a.shape[1:])
    difference = (pct[1] - pct[0]).reshape(pshape)
    paired, unpaired = pct[2].reshape(pshape), pct[3].reshape(pshape)
    return PairedDifference(
        n=n,
        sections=sections,
        mean_a=moments[0].reshape(shape),
        mean_b=moments[1].reshape(shape),
        mean_difference=moments[2].reshape(shape),
        se=moments[3].reshape(shape),
        se_unpaired=moments[4].reshape(shape),
        prob_greater=moments[5].reshape(shape),
        prob_greater_se=proportion_se(moments[5], n).reshape(shape),
        prob_less=moments[6].reshape(shape),
        percentile_a=pct[0].reshape(pshape),
        percentile_b=pct[1].reshape(pshape),
        percentile_difference=difference,
        lower=difference - paired,
        upper=difference + paired,
        unpaired_lower=difference - unpaired,
        unpaired_upper=difference + unpaired,
    )

"""Summary statistics of simulated variables: mean, sd, Monte Carlo error, percentiles.

Pure numpy over arrays shaped ``(sample, year)`` or ``(sample,)``; the store turns the
results into the file's ``summary`` group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simcore.quantiles import column_percentiles


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
    n : int
        Number of samples.
    """

    mean: np.ndarray
    sd: np.ndarray
    mcse: np.ndarray
    percentile: np.ndarray
    n: int


def summarize_values(values: np.ndarray, percentiles: Sequence[float]) -> VariableSummary:
    """Summarize one variable's samples.

    Parameters
    ----------
    values : ndarray, shape (n, H) or (n,)
        Samples along the first axis; float32 values are summed in float64.
    percentiles : sequence of float
        In [0, 100].

    Returns
    -------
    VariableSummary
    """
    columns = values.reshape(values.shape[0], -1)
    n, width = columns.shape
    mean = np.empty(width)
    sd = np.empty(width)
    buffer = np.empty(n, dtype=np.float64)
    for j in range(width):
        # One contiguous float64 column at a time bounds the memory to one column.
        np.copyto(buffer, columns[:, j])
        mean[j] = buffer.mean()
        sd[j] = buffer.std(ddof=1) if n > 1 else np.nan
    pct = column_percentiles(columns, percentiles)
    shape = values.shape[1:]
    return VariableSummary(
        mean=mean.reshape(shape),
        sd=sd.reshape(shape),
        mcse=(sd / np.sqrt(n)).reshape(shape),
        percentile=pct.reshape((len(percentiles), *shape)),
        n=n,
    )


def outcome_frequencies(codes: np.ndarray, n_outcomes: int) -> np.ndarray:
    """Share of samples with each negotiation outcome code per year.

    Parameters
    ----------
    codes : ndarray of int, shape (n, H)
        ``-1`` (no negotiation) or an outcome index ``0 … n_outcomes − 1``.
    n_outcomes : int
        Number of outcomes configured.

    Returns
    -------
    ndarray, shape (n_outcomes + 1, H)
        Row 0 is "no negotiation", row ``k + 1`` outcome ``k``; columns sum to 1.
    """
    n, horizon = codes.shape
    counts = np.empty((n_outcomes + 1, horizon))
    for t in range(horizon):
        counts[:, t] = np.bincount(codes[:, t].astype(np.intp) + 1, minlength=n_outcomes + 1)
    return counts / n

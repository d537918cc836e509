"""How Monte Carlo estimates settle as paths accumulate, and how many paths a precision needs.

A run's values never depend on its length (blocks are drawn whole, in order), so the first
``m`` paths of a file are exactly a run of ``m`` paths: summarizing growing prefixes shows
how the estimates would have looked with fewer paths, without simulating again.
"""

from __future__ import annotations

import numpy as np

#: Relative half-width wanted for the 95% intervals when none is given (0.01: ±1 %).
DEFAULT_PRECISION = 0.01


def checkpoints(n: int, *, smallest: int = 1000) -> list[int]:
    """Path counts ``n / 2^k`` (rounded down) from the first at least ``smallest`` up to ``n``.

    Parameters
    ----------
    n : int
        Paths in the file.
    smallest : int
        Fewest paths at the first checkpoint; with ``n < 2 * smallest`` only ``n`` is left.

    Returns
    -------
    list of int
        Ascending, ending with ``n``.
    """
    points = [n]
    while points[-1] // 2 >= smallest:
        points.append(points[-1] // 2)
    return points[::-1]


def paths_needed(
    estimate: float | np.ndarray, half_width: float | np.ndarray, n: int, precision: float
) -> np.ndarray:
    """Paths for the confidence interval's half-width to be ``precision × |estimate|``.

    Monte Carlo intervals shrink as ``1 / sqrt(n)`` (for the mean, ``z σ / sqrt(n)``; for a
    percentile, ``z sqrt(p (1 - p) / n) / f(ξ)``), so a half-width ``h`` observed with ``n``
    paths becomes ``precision × |estimate|`` at ``n (h / (precision |estimate|))²`` paths.

    Parameters
    ----------
    estimate : float or ndarray
        The statistic, in its units.
    half_width : float or ndarray
        Half the width of its confidence interval with ``n`` paths, same units.
    n : int
        Paths behind ``estimate`` and ``half_width``.
    precision : float
        Relative precision wanted, e.g. 0.01 for ±1 %.

    Returns
    -------
    ndarray of float
        Paths needed, rounded up, at least 1; ``inf`` when the estimate is 0 (a relative
        precision is then unreachable) and NaN when the interval is undefined.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(half_width, dtype=np.float64) / (
            precision * np.abs(np.asarray(estimate, dtype=np.float64))
        )
    # A zero-width interval at a non-zero estimate (an atom) needs no more than one path.
    return np.maximum(np.ceil(n * ratio**2), 1.0)

"""Mean and variance accumulated block by block (Chan et al.'s pairwise update).

Each chunk task reduces its own blocks while they are in cache; the runner folds the
blocks' moments in block order, so the result does not depend on the chunk size or on
which worker computed what.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Moments:
    """Count, mean and sum of squared deviations of samples, per column.

    Attributes
    ----------
    count : int
        Samples.
    mean : ndarray, shape (H,) or ()
        Mean per column, in the variable's units.
    m2 : ndarray, shape (H,) or ()
        ``Σ (x − mean)²`` per column, in squared units.
    """

    count: int
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """Moments of ``values`` along the first axis (sums in float64, two passes).

        Both sums are numpy's reductions (pairwise, in an order fixed by the algorithm), not
        ``einsum``, whose inner loops add in an order that depends on the CPU's vector width.
        """
        mean = values.mean(axis=0, dtype=np.float64)
        deviation = np.subtract(values, mean, dtype=np.float64)
        m2 = np.square(deviation, out=deviation).sum(axis=0)
        return cls(count=values.shape[0], mean=mean, m2=np.asarray(m2))

    def merge(self, other: Moments) -> Moments:
        """The moments of both sets of samples together."""
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / count)
        return Moments(count=count, mean=mean, m2=m2)

    def sd(self) -> np.ndarray:
        """Sample standard deviation (ddof = 1); NaN for a single sample."""
        if self.count < 2:
            return np.full_like(self.mean, np.nan)
        return np.sqrt(self.m2 / (self.count - 1))

    def mcse(self) -> np.ndarray:
        """Monte Carlo standard error of the mean (:func:`mean_standard_error`)."""
        return mean_standard_error(self.sd(), self.count)


def mean_standard_error(sd: np.ndarray, n: int) -> np.ndarray:
    """Monte Carlo standard error of a mean of ``n`` samples, ``sd / sqrt(n)``.

    >>> float(mean_standard_error(np.array(2.0), 100))
    0.2
    """
    return sd / np.sqrt(n)

"""Space-filling designs over a box of judgments, and the marginal laws that shape them.

A design is ``M`` points in the unit cube ``[0, 1)^d``, one column per varied key, drawn with
an explicit :class:`numpy.random.Generator` (the same generator state gives the same points):

- ``lhs``: a Latin hypercube (McKay, Beckman & Conover 1979): each of the ``M`` equal strata
  of each coordinate holds exactly one point, at a uniform position inside its stratum
  (:class:`scipy.stats.qmc.LatinHypercube`, scrambled, no optimization).
- ``sobol``: the first ``M`` points of a scrambled Sobol' sequence (Owen scrambling with a
  linear matrix scramble, :class:`scipy.stats.qmc.Sobol`); ``M`` must be a power of two,
  where the sequence's balance properties hold (every elementary interval of volume
  ``1/M`` holds one point).

Each column is then mapped through the inverse CDF of its marginal law (:class:`Marginal`):
uniform on ``[low, high]`` unless a law is given. Inverse CDFs are scalar library code
(``scipy.special``) or correctly rounded arithmetic, so the stored points do not depend on
the machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import numpy as np
from scipy import special
from scipy.stats import qmc

from simcore.core.errors import ParameterError

__all__ = [
    "DESIGNS",
    "BetaMarginal",
    "DesignKind",
    "Marginal",
    "NormalMarginal",
    "TriangularMarginal",
    "UniformMarginal",
    "scale_design",
    "unit_design",
]

#: The space-filling designs.
DesignKind = Literal["lhs", "sobol"]
DESIGNS: tuple[str, ...] = get_args(DesignKind)


def unit_design(kind: DesignKind, points: int, dimensions: int,
                rng: np.random.Generator) -> np.ndarray:
    """``points`` points of a space-filling design in ``[0, 1)^dimensions``.

    Parameters
    ----------
    kind : {"lhs", "sobol"}
        The design (module docstring).
    points : int
        ``M >= 2``; a power of two for ``sobol``.
    dimensions : int
        ``d >= 1``, the number of varied keys.
    rng : numpy.random.Generator
        Drives the stratum positions and permutations (``lhs``) or the scrambling
        (``sobol``).

    Returns
    -------
    ndarray, shape (points, dimensions), float64

    Raises
    ------
    ParameterError
        Too few points, or a Sobol' design of a size that is not a power of two.

    Examples
    --------
    >>> design = unit_design("lhs", 4, 2, np.random.default_rng(0))
    >>> np.sort(np.floor(design * 4), axis=0).T.tolist()  # one point per stratum
    [[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]]
    """
    if points < 2:
        raise ParameterError(f"{{points}}: a design needs at least 2 points (got {points})")
    if dimensions < 1:
        raise ParameterError("{vary}: give at least one key to vary")
    if kind == "lhs":
        return qmc.LatinHypercube(dimensions, rng=rng).random(points)
    if kind == "sobol":
        if points & (points - 1):
            below = 1 << (points.bit_length() - 1)
            raise ParameterError(
                f"{{points}}: a Sobol' design needs a power of two, where its balance "
                f"properties hold (got {points}; {below} or {2 * below} would do)"
            )
        return qmc.Sobol(dimensions, scramble=True, rng=rng).random_base2(
            points.bit_length() - 1
        )
    raise ParameterError(f"{{design}}: {kind!r} is not a design (one of {', '.join(DESIGNS)})")


class Marginal(Protocol):
    """The law of one varied key: its inverse CDF over the unit interval.

    Any object with these members can shape a design column (an elicited or pooled law,
    for instance).
    """

    @property
    def support(self) -> tuple[float, float]:
        """The smallest and largest values the law can take (infinite if unbounded)."""
        ...

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The values at cumulative probabilities ``u`` in ``[0, 1)``."""
        ...

    def describe(self) -> str:
        """The law as the command line writes it (``uniform(0.1, 0.6)``)."""
        ...


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class UniformMarginal:
    """Uniform on ``[low, high]``: ``low + u (high − low)``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"uniform: needs finite LOW < HIGH (got {self.low}, {self.high})")

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u, dtype=np.float64) * (self.high - self.low)

    def describe(self) -> str:
        return f"uniform({_number(self.low)}, {_number(self.high)})"


@dataclass(frozen=True)
class TriangularMarginal:
    """Triangular on ``[low, high]`` with its mode at ``mode``."""

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)
                and self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular: needs LOW <= MODE <= HIGH, LOW < HIGH (got {self.low}, "
                f"{self.mode}, {self.high})"
            )

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        width = self.high - self.low
        split = (self.mode - self.low) / width
        rising = self.low + np.sqrt(u * width * (self.mode - self.low))
        falling = self.high - np.sqrt((1.0 - u) * width * (self.high - self.mode))
        return np.where(u < split, rising, falling)

    def describe(self) -> str:
        return (f"triangular({_number(self.low)}, {_number(self.mode)}, "
                f"{_number(self.high)})")


@dataclass(frozen=True)
class BetaMarginal:
    """Beta(a, b) stretched onto ``[low, high]`` (default the unit interval)."""

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if not (self.a > 0 and self.b > 0 and math.isfinite(self.a) and math.isfinite(self.b)):
            raise ValueError(f"beta: needs A > 0 and B > 0 (got {self.a}, {self.b})")
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"beta: needs LOW < HIGH (got {self.low}, {self.high})")

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        unit = special.betaincinv(self.a, self.b, np.asarray(u, dtype=np.float64))
        return self.low + unit * (self.high - self.low)

    def describe(self) -> str:
        bounds = ("" if (self.low, self.high) == (0.0, 1.0)
                  else f", {_number(self.low)}, {_number(self.high)}")
        return f"beta({_number(self.a)}, {_number(self.b)}{bounds})"


@dataclass(frozen=True)
class NormalMarginal:
    """Normal with mean ``mean`` and standard deviation ``sd`` (unbounded: a point outside
    what the key allows is refused when its scenario is validated)."""

    mean: float
    sd: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean) and self.sd > 0 and math.isfinite(self.sd)):
            raise ValueError(f"normal: needs SD > 0 (got {self.mean}, {self.sd})")

    @property
    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * special.ndtri(np.asarray(u, dtype=np.float64))

    def describe(self) -> str:
        return f"normal({_number(self.mean)}, {_number(self.sd)})"


def scale_design(unit: np.ndarray, marginals: list[Marginal]) -> np.ndarray:
    """Map each column of a unit design through its marginal's inverse CDF.

    Parameters
    ----------
    unit : ndarray, shape (M, d)
        Points in ``[0, 1)^d`` (:func:`unit_design`).
    marginals : list of Marginal, length d

    Returns
    -------
    ndarray, shape (M, d), float64

    Examples
    --------
    >>> scale_design(np.array([[0.0, 0.5], [0.5, 0.25]]),
    ...              [UniformMarginal(10, 20), TriangularMarginal(0, 0, 1)]).tolist()
    [[10.0, 0.2928932188134524], [15.0, 0.1339745962155614]]
    """
    if unit.shape[1] != len(marginals):
        raise ValueError(f"{unit.shape[1]} design columns for {len(marginals)} marginals")
    return np.column_stack([m.ppf(unit[:, j]) for j, m in enumerate(marginals)])

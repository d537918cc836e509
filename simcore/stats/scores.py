"""Proper scores of a forecast law that mixes point masses, normals and scaled Betas.

A negotiation outcome's first-year change is such a law: a status quo is an atom at the
rule's rate, an ``increase`` a normal, a ``demand`` a Beta-distributed concession scaled by
the gap (MODEL.md §6). Its scores against a realized value known to a recording interval:

- the mid-PIT ``½ (F(lo⁻) + F(hi))``, so that an atom inside the interval counts half
  (Czado, Gneiting & Held 2009, for discrete laws);
- the CRPS ``∫ (F(x) − 1{x ≥ y})² dx`` (Gneiting & Raftery 2007, proper for any law), by
  Simpson's rule between the law's breakpoints (its atoms, the ends of its Betas, its
  normals' ±12 sd) where ``F`` is smooth, added with :func:`math.fsum`;
- the probability of a bin, whose logarithm is the proper log score of the binned outcome
  (Good 1952), finite at the atoms where a density is not.

CDFs go through scipy's ``ndtr`` and ``betainc`` (scalar C code, no SIMD variants), so the
scores are the same on every machine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["Law", "Normal", "PointMass", "ScaledBeta", "crps", "interval_mid_pit",
           "interval_probability", "mixture"]

#: A normal's CDF below ``mean − 12 sd`` is below 1e-32: the CRPS integral stops there.
NORMAL_REACH = 12
#: Simpson intervals per segment between breakpoints (even).
SIMPSON_INTERVALS = 256
#: Levels of a Beta's quantiles that split its support, so that Simpson's segments follow
#: where its mass is.
BETA_SPLITS = (0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999)


@dataclass(frozen=True)
class PointMass:
    """All mass at ``location``."""

    location: float

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """``P(X ≤ x)``."""
        return (x >= self.location).astype(float)

    def cdf_below(self, x: np.ndarray) -> np.ndarray:
        """``P(X < x)``."""
        return (x > self.location).astype(float)

    def breaks(self) -> list[float]:
        """Where the CDF jumps."""
        return [self.location]


@dataclass(frozen=True)
class Normal:
    """``N(mean, sd²)``, ``sd > 0``."""

    mean: float
    sd: float

    def __post_init__(self) -> None:
        if not self.sd > 0:
            raise ValueError(f"a normal needs sd > 0 (got {self.sd}); use a PointMass")

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """``Φ((x − mean) / sd)``."""
        return np.asarray(special.ndtr((x - self.mean) / self.sd))

    cdf_below = cdf

    def breaks(self) -> list[float]:
        """Every sd from ``−12`` to ``+12``: segments on which the CDF is smooth and small."""
        return [self.mean + k * self.sd for k in range(-NORMAL_REACH, NORMAL_REACH + 1)]


@dataclass(frozen=True)
class ScaledBeta:
    """``origin + scale · S`` with ``S ~ Beta(a, b)``; ``scale`` may be negative."""

    origin: float
    scale: float
    a: float
    b: float

    def __post_init__(self) -> None:
        if self.scale == 0 or not (self.a > 0 and self.b > 0):
            raise ValueError("a scaled Beta needs scale ≠ 0 and a, b > 0 "
                             f"(got {self.scale}, {self.a}, {self.b}); use a PointMass")

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """``P(X ≤ x)``."""
        share = np.clip((x - self.origin) / self.scale, 0.0, 1.0)
        below = np.asarray(special.betainc(self.a, self.b, share))
        return below if self.scale > 0 else 1.0 - below

    cdf_below = cdf

    def breaks(self) -> list[float]:
        """Its ends and quantiles (:data:`BETA_SPLITS`)."""
        inner = special.betaincinv(self.a, self.b, np.array(BETA_SPLITS))
        return [self.origin + self.scale * float(s) for s in (0.0, *inner, 1.0)]


Component = PointMass | Normal | ScaledBeta


@dataclass(frozen=True)
class Law:
    """A finite mixture: ``components[k]`` with probability ``weights[k]`` (summing to 1)."""

    weights: tuple[float, ...]
    components: tuple[Component, ...]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """``P(X ≤ x)``."""
        return _weighted(self.weights, [c.cdf(x) for c in self.components])

    def cdf_below(self, x: np.ndarray) -> np.ndarray:
        """``P(X < x)``."""
        return _weighted(self.weights, [c.cdf_below(x) for c in self.components])

    def breaks(self) -> list[float]:
        """Every component's breakpoints, sorted, without repeats."""
        return sorted({b for c in self.components for b in c.breaks()})


def _weighted(weights: Sequence[float], values: Sequence[np.ndarray]) -> np.ndarray:
    """``Σ_k w_k v_k`` elementwise, in component order."""
    total = np.zeros_like(values[0], dtype=float)
    for weight, value in zip(weights, values, strict=True):
        total += weight * value
    return total


def mixture(parts: Sequence[tuple[float, Component]]) -> Law:
    """A :class:`Law` from ``(weight, component)`` pairs, the weights scaled to sum to 1
    (parts of weight 0 dropped).

    Examples
    --------
    >>> law = mixture([(0.55, PointMass(0.0)), (0.35, Normal(0.05, 0.1)), (0.0, PointMass(1))])
    >>> [round(w, 4) for w in law.weights], len(law.components)
    ([0.6111, 0.3889], 2)
    """
    kept = [(w, c) for w, c in parts if w > 0]
    if not kept:
        raise ValueError("a law needs a part of positive weight")
    total = math.fsum(w for w, _ in kept)
    return Law(tuple(w / total for w, _ in kept), tuple(c for _, c in kept))


def interval_probability(law: Law, low: float, high: float) -> float:
    """``P(low ≤ X ≤ high)``; its logarithm is the log score of that bin."""
    return float(law.cdf(np.array([high]))[0] - law.cdf_below(np.array([low]))[0])


def interval_mid_pit(law: Law, low: float, high: float) -> float:
    """``½ (P(X < low) + P(X ≤ high))``: the PIT of a value known to lie in ``[low, high]``,
    an atom inside counting half.

    Examples
    --------
    An atom inside the interval, then one below it:

    >>> atom = mixture([(1.0, PointMass(0.02))])
    >>> interval_mid_pit(atom, 0.0195, 0.0205), interval_mid_pit(atom, 0.03, 0.031)
    (0.5, 1.0)
    """
    return float(0.5 * (law.cdf_below(np.array([low]))[0] + law.cdf(np.array([high]))[0]))


def crps(law: Law, y: float) -> float:
    """``∫ (F(x) − 1{x ≥ y})² dx``, in the units of ``y``.

    Simpson's rule with :data:`SIMPSON_INTERVALS` intervals on each segment between the
    law's breakpoints and ``y``: ``F`` is smooth inside a segment, its right end is taken
    as the left limit (an atom's jump belongs to the next segment). Outside the first and
    last breakpoints the integrand is 0 (below 1e-60 for a normal's tails).

    Examples
    --------
    A point mass misses by its distance; a fair coin between 0 and 1 scores ``0.25`` at
    ``y = 0.25`` (``E|X − y| − ½ E|X − X'| = 0.5 − 0.25``):

    >>> round(crps(mixture([(1.0, PointMass(0.1))]), 0.04), 12)
    0.06
    >>> round(crps(mixture([(0.5, PointMass(0.0)), (0.5, PointMass(1.0))]), 0.25), 12)
    0.25
    """
    points = sorted({*law.breaks(), y})
    k = SIMPSON_INTERVALS
    simpson = np.ones(k + 1)
    simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
    parts: list[float] = []
    for left, right in itertools.pairwise(points):
        x = np.linspace(left, right, k + 1)
        f = law.cdf(x)
        f[-1] = law.cdf_below(np.array([right]))[0]
        above = 1.0 if left >= y else 0.0
        integrand = (f - above) ** 2 * simpson
        parts.append((right - left) / (3 * k) * math.fsum(integrand.tolist()))
    return math.fsum(parts)

"""Numbers rounded to a stated number of digits, and the ties where that is fragile.

A value computed in floating point carries an error of a few units in the last place (ulp)
that may depend on the machine (the BLAS kernel, the SIMD level, the maths library).
Rounded to ``d`` digits it is the same everywhere unless it lies near a rounding boundary,
the midpoint between two ``d``-digit numbers: within :data:`TIE_BAND` (relative) of one,
another machine could round the other way. Such a value is a :class:`Tie`: it is still
rounded (half to even, from its exact binary value) but reported, never silently trusted.
The same band marks a decision taken by comparing two computed numbers (:meth:`Rounder.decision`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

#: Relative distance from a rounding boundary below which a value is a tie: about 4,500
#: ulps, far above the few ulps by which machines differ, far below any rounding step used.
TIE_BAND = 1e-12


@dataclass(frozen=True)
class Tie:
    """A value too close to a boundary for its rounding (or its decision) to be certain.

    Attributes
    ----------
    name : str
        What the value is (``"inflation.kr.mean"``).
    value : float
        The unrounded value.
    boundary : float
        The boundary it is near: the midpoint of two roundings, or the other side of a
        comparison.
    written : str
        What was written (the rounded value, or the decision taken).
    other : str
        What another machine might write instead.
    """

    name: str
    value: float
    boundary: float
    written: str
    other: str

    def __str__(self) -> str:
        return (f"{self.name} = {self.value!r} is within {TIE_BAND:g} (relative) of "
                f"{self.boundary!r}: {self.written} is written, another machine may write "
                f"{self.other}")


def _scale(value: float) -> float:
    """The magnitude the band is relative to: ``|value|``, but at least 1 for values
    (correlations, t-ratios) whose errors are absolute on the scale of 1."""
    return max(abs(value), 1.0)


@dataclass
class Rounder:
    """Rounds named values and decisions, collecting the ties in :attr:`ties`."""

    ties: list[Tie] = field(default_factory=list)

    def _quantize(self, name: str, value: float, exponent: int, scale: float) -> float:
        """``value`` rounded to a multiple of ``10**exponent``; records a tie."""
        exact = Decimal(value)  # the binary value, exactly
        step = Decimal(1).scaleb(exponent)
        rounded = exact.quantize(step, rounding=ROUND_HALF_EVEN)
        lower = exact.quantize(step, rounding=ROUND_FLOOR)
        upper = exact.quantize(step, rounding=ROUND_CEILING)
        if lower != upper:
            midpoint = (lower + upper) / 2
            if abs(exact - midpoint) <= Decimal(TIE_BAND) * Decimal(scale):
                other = upper if rounded == lower else lower
                self.ties.append(Tie(name, value, float(midpoint), f"{rounded:f}",
                                     f"{other:f}"))
        return float(rounded) + 0.0  # + 0.0: −0.0 becomes 0.0

    def significant(self, name: str, value: float, digits: int) -> float:
        """``value`` to ``digits`` significant digits (0, NaN and ±inf unchanged)."""
        if value == 0.0 or not math.isfinite(value):
            return value
        exponent = Decimal(value).adjusted() - digits + 1
        return self._quantize(name, value, exponent, abs(value))

    def decimals(self, name: str, value: float, places: int) -> float:
        """``value`` to ``places`` decimals; the band is relative to ``max(|value|, 1)``."""
        if not math.isfinite(value):
            return value
        return self._quantize(name, value, -places, _scale(value))

    def decision(self, name: str, value: float, threshold: float, taken: str, other: str
                 ) -> None:
        """Record a tie when ``value``, compared with ``threshold`` to decide ``taken``, is
        within the band of it (relative to ``max(|value|, 1)``)."""
        if abs(value - threshold) <= TIE_BAND * _scale(value):
            self.ties.append(Tie(name, value, threshold, taken, other))

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

import numpy as np

#: Relative distance from a rounding boundary below which a value is a tie: about 4,500
#: ulps, far above the few ulps by which machines differ, far below any rounding step used.
TIE_BAND = 1e-12
#: 10^k for k = 0 … 22: exactly representable, so scaling by them is one exact operation.
_POWERS_OF_TEN = np.array([10.0**k for k in range(23)])


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

    def significant_values(self, name: str, values: np.ndarray, digits: int) -> np.ndarray:
        """Each of ``values`` to ``digits`` significant digits, as :meth:`significant` (ties
        named ``name[k]``) but vectorized.

        A value ``v`` with decimal exponent ``e`` (of its last kept digit) is scaled by an
        exact power of ten, ``m = v · 10^−e`` (one rounding); unless ``m`` lies within 1e-6
        of a half-integer (far above that rounding's error, far below a step), the rounded
        value is ``rint(m) · 10^e``, computed as a product or a quotient of exact numbers,
        hence the double nearest the decimal result: what :meth:`significant` returns. The
        others (and exponents beyond ±22, whose powers of ten are not exact) go through
        :meth:`significant`, which records the tie if it is one. An exponent one off next to
        a power of ten (where ``log10`` may err) only changes how many digits of ``10^k``
        are written: the value is the same.
        """
        values = np.asarray(values, dtype=float)
        out = values.copy()
        magnitude = np.abs(values)
        regular = np.isfinite(values) & (magnitude > 0.0)
        exponent = np.zeros(values.shape)
        exponent[regular] = np.floor(np.log10(magnitude[regular])) - digits + 1
        regular &= np.abs(exponent) <= 22
        power = _POWERS_OF_TEN[np.abs(exponent[regular]).astype(np.intp)]
        negative = exponent[regular] < 0
        scaled = np.where(negative, values[regular] * power, values[regular] / power)
        whole = np.rint(scaled)
        near_half = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) <= 1e-6
        out[regular] = np.where(negative, whole / power, whole * power) + 0.0
        slow = ~regular & np.isfinite(values) & (magnitude > 0.0)
        slow[np.flatnonzero(regular)[near_half]] = True
        for k in np.flatnonzero(slow).tolist():
            out[k] = self.significant(f"{name}[{k}]", float(values[k]), digits)
        return out

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

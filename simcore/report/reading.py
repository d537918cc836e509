"""Numbers as a reader uses them: ``$1.10 bn``, ``₩1.55 trillion``, ``36%``.

The rounding rule of the report's reading text and tables (docs/model-notes.md, "The HTML
report"): money and rates to **three significant digits** in the display unit of their
variable (billions of dollars, trillions of won; 1,000 or more: a whole number), shares and
probabilities in **percent**, whole from 10 % up and to one decimal below (``36%``,
``4.7%``). A difference is shown to the last digit of what it separates, signed (a
difference of shares in points). A value is rounded from its exact binary value, half away
from zero, which is what a browser's ``Number.prototype.toFixed`` does, so that the page's
script writes the same text for the same number.

A number whose 95 % Monte Carlo interval is wider than its last digit shown can settle (its
larger half-width, ``max(x − lower, upper − x)``, exceeds half a unit of that digit) is
*unsettled*: the simulation's precision cannot fix that digit wherever the value falls
between two roundings. It is shown with :data:`MARK` after it, never silently, and the ±
tables of the appendix give its error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from simcore.core.variables import VariableSpec

__all__ = ["MARK", "SIGNIFICANT", "Reading", "digits", "half_unit", "half_width", "last_place",
           "precision_sentence", "reading", "relative_error", "shown_difference", "shown_value",
           "unit_words"]

#: Significant digits of money and rates.
SIGNIFICANT = 3
#: After a number whose Monte Carlo error could change its last digit shown.
MARK = "†"
#: How each display unit reads: the text before the digits and the text after them.
_UNITS = {
    "USD bn": ("$", " bn"),
    "USD k": ("$", "k"),
    "KRW tn": ("₩", " trillion"),
    "%": ("", "%"),
}


def unit_words(display_unit: str) -> tuple[str, str]:
    """How a display unit reads around the digits: ``("$", " bn")`` for ``USD bn``."""
    return _UNITS.get(display_unit, ("", f" {display_unit}" if display_unit else ""))


def last_place(value: float, percent: bool = False) -> int:
    """The power of ten of the last digit ``value`` (in display units) shows under the
    reading rule: ``-2`` for ``1.10``, ``-1`` for ``12.3`` and for a share of ``4.7``, ``0``
    for ``1,235``, for ``37`` (a share) and for 0.

    >>> last_place(1.1), last_place(12.345), last_place(9.996), last_place(999.7)
    (-2, -1, -1, 1)
    """
    if percent:
        return 0 if abs(value) >= 10 else -1
    exact = Decimal(value)  # the binary value, exactly
    if abs(value) >= 1000 or exact.is_zero():
        return 0
    place = exact.adjusted() - (SIGNIFICANT - 1)
    rounded = exact.quantize(Decimal(1).scaleb(place), rounding=ROUND_HALF_UP)
    # 9.996 → 10.00 would show one digit too many: the place moves up with the rounding.
    return place + 1 if rounded.adjusted() > exact.adjusted() else place


def digits(value: float, percent: bool = False, place: int | None = None) -> str:
    """The digits of ``value`` (already in display units) under the reading rule, or to the
    power of ten ``place`` (a difference shown to the last digit of what it separates).

    >>> digits(1.1), digits(12.345), digits(0.5886), digits(1234.5), digits(36.5, True)
    ('1.10', '12.3', '0.589', '1,235', '37')
    >>> digits(9.996), digits(999.7), digits(-0.4665), digits(4.66, True), digits(9.96, True)
    ('10.0', '1,000', '-0.467', '4.7', '10.0')
    >>> digits(-0.02, True), digits(0.0), digits(-0.000679, place=-2), digits(0.025, place=-2)
    ('0.0', '0', '0.00', '0.03')
    """
    if not math.isfinite(value):
        return "—"
    if place is None:
        place = last_place(value, percent)
    rounded = Decimal(value).quantize(Decimal(1).scaleb(place), rounding=ROUND_HALF_UP)
    return _unsigned_zero(f"{rounded:,.{max(0, -place)}f}")


def _unsigned_zero(text: str) -> str:
    """``-0`` (a small negative rounded to nothing) reads ``0``."""
    return text.lstrip("-") if text.strip("-0.,") == "" else text


@dataclass(frozen=True)
class Reading:
    """A number as the reading text shows it.

    Attributes
    ----------
    text : str
        ``"$1.35 bn"``, with :data:`MARK` after it when unsettled.
    number : str
        The same without the unit (``"1.35"``, ``"+4.55"``), for a table whose heading
        names the unit.
    value : float
        The exact value, in the file's units.
    unsettled : bool
        Its 95 % Monte Carlo interval's larger half-width exceeds half a unit of the last
        digit shown (:func:`half_width`, :func:`half_unit`).
    error : float
        Its relative Monte Carlo error (:func:`relative_error`; NaN without an interval).
    """

    text: str
    number: str
    value: float
    unsettled: bool
    error: float = math.nan


def reading(
    value: float,
    spec: VariableSpec,
    *,
    lower: float | None = None,
    upper: float | None = None,
    like: float | None = None,
    to: float | None = None,
) -> Reading:
    """``value`` (in the file's units) as a reader reads it, checked against its interval.

    Parameters
    ----------
    value : float
        The estimate, in the file's units (USD, KRW, a fraction).
    spec : VariableSpec
        Its variable (display unit and scale).
    lower, upper : float, optional
        Its 95 % Monte Carlo interval; where the interval's larger half-width exceeds half a
        unit of the last digit shown, the text ends in :data:`MARK`.
    like : float, optional
        ``value`` is a difference of amounts like this one (in the file's units): it is
        signed and shown to the last digit ``like`` shows (``+$4.55 bn``, ``−$0.02 bn``,
        ``0.00``; a difference of shares in points: ``+3 points``).
    to : float, optional
        ``value`` is shown, unsigned, to the last digit this amount shows (a total beside
        the total it is compared with: ``$11.65 bn`` beside ``$7.08 bn``).

    Returns
    -------
    Reading
    """
    percent = spec.display_unit == "%"
    scale = spec.display_scale
    signed = like is not None
    place = last_place(next(v for v in (like, to, value) if v is not None) / scale, percent)
    shown = digits(value / scale, percent, place)
    unsettled = half_width(value, lower, upper) / scale > half_unit(place)
    negative = shown.startswith("-")
    zero = shown.strip("0.,") == ""
    sign = "−" if negative else "+" if signed and not zero else ""
    number = sign + shown.lstrip("-")
    if percent and signed:
        text = f"{number} points"
    else:
        prefix, suffix = unit_words(spec.display_unit)
        text = f"{sign}{prefix}{shown.lstrip('-')}{suffix}"
    mark = MARK if unsettled else ""
    return Reading(text + mark, number + mark, value, unsettled,
                   relative_error(value, lower, upper))


def shown_value(value: float, spec: VariableSpec, like: float) -> float:
    """``value`` (in the file's units) rounded as the reading text shows it to the last
    digit ``like`` shows, back in the file's units: ``1.1646e10`` → ``1.165e10`` beside
    ``7.08e9``. The digits are parsed as a decimal, as the page's script parses them, so
    both get the same binary number."""
    percent = spec.display_unit == "%"
    place = last_place(like / spec.display_scale, percent)
    return float(digits(value / spec.display_scale, percent, place).replace(",", "")) \
        * spec.display_scale


def shown_difference(value: float, reference: float, spec: VariableSpec, *,
                     lower: float, upper: float) -> Reading:
    """``value − reference`` as the difference of the two numbers shown, both to the last
    digit ``reference`` shows (:func:`shown_value`), signed: what a reader who subtracts
    one shown number from the other finds (``$11.65 bn − $7.08 bn``: ``+$4.57 bn``), where
    rounding the exact difference could differ from it by one in the last digit.

    Parameters
    ----------
    value, reference : float
        The two amounts, in the file's units.
    spec : VariableSpec
        Their variable.
    lower, upper : float
        The difference's 95 % Monte Carlo interval, for its mark and its error.

    >>> from simcore.core.variables import VARIABLES
    >>> usd = VARIABLES["contribution_usd"]
    >>> shown_difference(1.1646e10, 7.0765e9, usd, lower=4.5e9, upper=4.6e9).text
    '+$4.57 bn†'
    >>> shown_difference(2.006e9, 1.004e9, usd, lower=1.0e9, upper=1.004e9).text  # 2.01 − 1.00
    '+$1.01 bn†'
    """
    shown = shown_value(value, spec, reference) - shown_value(reference, spec, reference)
    return reading(shown, spec, lower=lower, upper=upper, like=reference)


def half_width(value: float, lower: float | None, upper: float | None) -> float:
    """The larger distance from ``value`` to a (finite) end of its interval, in the units
    of ``value``: 0 without an interval, and for an atom (a zero-width interval).

    >>> half_width(10.0, 9.0, 10.5), half_width(10.0, None, None), half_width(2.0, 2.0, 2.0)
    (1.0, 0.0, 0.0)
    """
    distances = [0.0]
    if lower is not None and math.isfinite(lower):
        distances.append(value - lower)
    if upper is not None and math.isfinite(upper):
        distances.append(upper - value)
    return max(distances)


def half_unit(place: int) -> float:
    """Half a unit of the digit at the power of ten ``place``: ``0.005`` for ``-2``.

    Written as the decimal ``5e{place - 1}`` and parsed, so that the page's script (which
    parses the same text) compares against the very same binary number.

    >>> half_unit(-2), half_unit(0), half_unit(1)
    (0.005, 0.5, 5.0)
    """
    return float(f"5e{place - 1}")


def relative_error(value: float, lower: float | None, upper: float | None) -> float:
    """The larger distance from ``value`` to an end of its interval, relative to
    ``|value|`` (NaN when there is no interval or the value is 0)."""
    if lower is None or upper is None or not value or not (
            math.isfinite(lower) and math.isfinite(upper)):
        return math.nan
    return half_width(value, lower, upper) / abs(value)


def precision_sentence(readings: Mapping[str, Reading], paths: str) -> str:
    """One sentence on how precise the numbers shown are, from their relative errors.

    Parameters
    ----------
    readings : mapping of str to Reading
        What each number is (``"baseline, median payment in 2031"``) and how it reads.
    paths : str
        How many paths each scenario has, in words (``"100,000 paths per scenario"``).
    """
    errors = {what: r.error for what, r in readings.items() if math.isfinite(r.error)}
    if not errors:
        return f"Simulation precision: {paths}; every number shown is exact (no Monte Carlo " \
               "error: it does not vary between paths)."
    ranked = sorted(errors.values())
    middle = ranked[(len(ranked) - 1) // 2]
    worst = max(errors, key=lambda what: errors[what])
    marked = sum(r.unsettled for r in readings.values())
    return (
        f"Simulation precision: {paths}. Half the numbers shown are within "
        f"±{_percent(middle)} of what unlimited paths would give and all within "
        f"±{_percent(errors[worst])} (the least precise: {worst}), at 95% confidence"
        + (f"; {MARK} marks the {marked} of {len(readings)} numbers whose last digit that "
           "error could change"
           if marked else "; none has a last digit that error could change")
        + ". The appendix gives each number's Monte Carlo error."
    )


def _percent(fraction: float) -> str:
    """A relative error in words: ``0.12%``, ``3.4%`` (two significant digits), ``140%``."""
    percent = 100 * fraction
    return f"{percent:.2g}%" if percent < 10 else f"{percent:,.0f}%"

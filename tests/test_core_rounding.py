"""Rounding to stated digits, and the ties reported where a machine's last bits could matter."""

from __future__ import annotations

import math

import pytest

from simcore.core.rounding import TIE_BAND, Rounder


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (0.024828190676850142, 4, 0.02483),
    (0.514450127877238, 4, 0.5145),
    (1181.430808649833, 4, 1181.0),
    (0.0999951, 4, 0.1),          # the carry into a new digit
    (-0.0012345678, 4, -0.001235),
    (0.09599734844823012, 4, 0.096),
    (42.7, 2, 43.0),
    (0.0046, 2, 0.0046),
])
def test_significant_digits_by_hand(value: float, digits: int, expected: float) -> None:
    rounder = Rounder()
    assert rounder.significant("x", value, digits) == expected
    assert rounder.ties == []


def test_zero_and_non_finite_values_are_left_alone() -> None:
    rounder = Rounder()
    assert rounder.significant("x", 0.0, 4) == 0.0
    assert math.isnan(rounder.significant("x", math.nan, 4))
    assert rounder.significant("x", math.inf, 4) == math.inf
    assert math.isnan(rounder.decimals("x", math.nan, 3))
    assert rounder.ties == []


def test_decimals_by_hand_and_no_negative_zero() -> None:
    rounder = Rounder()
    assert rounder.decimals("r", 0.7437227234805935, 3) == 0.744
    assert rounder.decimals("r", -0.27677982341513907, 3) == -0.277
    small = rounder.decimals("r", -0.0002, 3)
    assert small == 0.0 and math.copysign(1.0, small) == 1.0  # written 0.0, not -0.0
    assert rounder.decimals("t", 1.3712, 2) == 1.37
    assert rounder.ties == []


def test_an_exact_midpoint_is_rounded_half_to_even_and_reported() -> None:
    rounder = Rounder()
    assert rounder.decimals("shocks.correlation[a, b]", 0.125, 2) == 0.12  # 0.125 is exact
    assert rounder.significant("inflation.kr.mean", 2.5, 1) == 2.0
    first, second = rounder.ties
    assert (first.name, first.value, first.boundary) == ("shocks.correlation[a, b]", 0.125,
                                                         0.125)
    assert (first.written, first.other) == ("0.12", "0.13")
    assert (second.written, second.other) == ("2", "3")
    assert str(first) == ("shocks.correlation[a, b] = 0.125 is within 1e-12 (relative) of "
                          "0.125: 0.12 is written, another machine may write 0.13")


def test_the_tie_band_is_relative_and_no_wider() -> None:
    # 0.024825 is not exact in binary: its double is within an ulp of the midpoint of 0.02482
    # and 0.02483, a tie; a value 10 bands away is not.
    rounder = Rounder()
    rounder.significant("a", 0.024825, 4)
    rounder.significant("b", 0.024825 * (1 + 10 * TIE_BAND), 4)
    rounder.significant("c", 0.024825 * (1 - 0.5 * TIE_BAND), 4)
    assert [t.name for t in rounder.ties] == ["a", "c"]
    assert rounder.ties[0].boundary == 0.024825


def test_a_decision_near_its_threshold_is_reported() -> None:
    rounder = Rounder()
    rounder.decision("fx test", 2.99 + 1e-13, 2.99, "identified", "a random walk")
    rounder.decision("fx test, clear", 2.99 + 1e-9, 2.99, "identified", "a random walk")
    (tie,) = rounder.ties
    assert (tie.name, tie.written, tie.other) == ("fx test", "identified", "a random walk")

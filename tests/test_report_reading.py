"""The reading rule: numbers rounded as a reader uses them, and the mark where the Monte
Carlo error could change the last digit shown."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from simcore.core.variables import VARIABLES
from simcore.report.reading import (
    MARK,
    digits,
    half_unit,
    half_width,
    last_place,
    precision_sentence,
    reading,
)

USD = VARIABLES["contribution_usd"]
KRW = VARIABLES["contribution_krw"]
SHARE = VARIABLES["rok_share"]


@pytest.mark.parametrize(("value", "percent", "shown"), [
    (1.1, False, "1.10"), (1.354, False, "1.35"), (12.345, False, "12.3"),
    (0.58861, False, "0.589"), (123.45, False, "123"), (1234.5, False, "1,235"),
    (9.996, False, "10.0"), (99.96, False, "100"), (999.7, False, "1,000"),
    (-0.46649, False, "-0.466"), (0.0, False, "0"), (-1e-9, False, "-0.00000000100"),
    (36.02, True, "36"), (36.5, True, "37"), (4.66, True, "4.7"), (9.96, True, "10.0"),
    (0.04, True, "0.0"), (-0.04, True, "0.0"), (100.0, True, "100"),
])
def test_digits(value: float, percent: bool, shown: str) -> None:
    assert digits(value, percent) == shown


def test_ties_round_half_away_from_zero_on_the_exact_binary_value() -> None:
    # 1.125 and 37.5 are exact in binary: true ties, rounded away from zero (as a
    # browser's toFixed does); 1.005 is stored just below 1.005, so it rounds down.
    exact, below = (Decimal(x) for x in (1.125, 1.005))  # the binary values, exactly
    assert exact == Decimal("1.125") and below < Decimal("1.005")
    assert digits(1.125) == "1.13" and digits(-1.125) == "-1.13"
    assert digits(1.005) == "1.00"
    assert digits(37.5, True) == "38" and digits(0.25, True) == "0.3"


def test_last_place_follows_the_digits_shown() -> None:
    for value in (1.1, 12.345, 0.58861, 9.996, 999.7, 1234.5):
        shown = digits(value)
        decimals = len(shown.split(".")[1]) if "." in shown else 0
        place = last_place(value)
        assert max(0, -place) == decimals
        assert digits(value, place=place) == shown


def test_amounts_read_with_their_units() -> None:
    assert reading(1.1e9, USD).text == "$1.10 bn"
    assert reading(1.55e12, KRW).text == "₩1.55 trillion"
    assert reading(0.3602, SHARE).text == "36%"
    assert reading(0.0466, SHARE).number == "4.7"
    assert reading(-4.5e8, USD).text == "−$0.450 bn"


def test_differences_are_signed_to_the_last_digit_of_what_they_separate() -> None:
    # A total of $7.17 bn shows hundredths: so does its difference.
    assert reading(4.5514e9, USD, like=7.17e9).text == "+$4.55 bn"
    assert reading(-6.79e5, USD, like=1.07e9).text == "$0.00 bn"
    assert reading(-2.5e7, USD, like=1.07e9).number == "−0.03"
    assert reading(0.18, SHARE, like=0.34).text == "+18 points"
    assert reading(-0.004, SHARE, like=0.06).text == "−0.4 points"


def test_a_number_is_marked_when_its_half_width_exceeds_half_its_last_digit() -> None:
    settled = reading(1.352e9, USD, lower=1.3505e9, upper=1.3535e9)
    assert settled.text == "$1.35 bn" and not settled.unsettled
    # ±$0.0051 bn around $1.35 bn: more than half a unit (0.005) of the hundredths shown.
    unsettled = reading(1.352e9, USD, lower=1.3469e9, upper=1.3531e9)
    assert unsettled.text == f"$1.35 bn{MARK}" and unsettled.number == f"1.35{MARK}"
    assert unsettled.unsettled
    assert unsettled.error == pytest.approx(0.0051e9 / 1.352e9)
    # A narrow interval across a rounding boundary (its ends read 1.35 and 1.36) is settled:
    # where the value falls is luck, the precision is what counts.
    assert not reading(1.3549e9, USD, lower=1.3548e9, upper=1.3551e9).unsettled
    # A wide one inside one rounding step (both ends read 1.35) is not.
    assert reading(1.3452e9, USD, lower=1.3451e9, upper=1.3549e9).unsettled
    # Exceeds, not reaches: ±0.5 around a whole number ($1,235 bn), exact in binary.
    assert not reading(1.235e12, USD, lower=1.2345e12, upper=1.2355e12).unsettled
    assert reading(1.235e12, USD, lower=1.2345e12, upper=1.235501e12).unsettled
    # Shares: half a point from 10%, a twentieth of one below.
    assert not reading(0.36, SHARE, lower=0.3551, upper=0.3649).unsettled
    assert reading(0.36, SHARE, lower=0.3549, upper=0.36).unsettled
    assert reading(0.047, SHARE, lower=0.0464, upper=0.047).unsettled
    # A difference: half a unit of the last digit of what it separates ($7.17 bn: 0.005).
    assert not reading(4.55e9, USD, lower=4.546e9, upper=4.554e9, like=7.17e9).unsettled
    assert reading(4.55e9, USD, lower=4.544e9, upper=4.554e9, like=7.17e9).unsettled
    # An atom (a known amount) has a zero-width interval: never marked.
    assert not reading(1.0e9, USD, lower=1.0e9, upper=1.0e9).unsettled
    assert not reading(1.0e9, USD).unsettled
    assert math.isnan(reading(1.0e9, USD).error)


def test_half_width_and_half_unit() -> None:
    assert half_width(1.0, 0.7, 1.1) == pytest.approx(0.3)
    assert half_width(1.0, None, 1.25) == 0.25 and half_width(1.0, math.nan, None) == 0.0
    assert [half_unit(p) for p in (-3, -2, -1, 0, 1)] == [0.0005, 0.005, 0.05, 0.5, 5.0]


def test_precision_sentence_names_the_median_and_the_least_precise() -> None:
    readings = {
        "a": reading(1.0e9, USD, lower=0.999e9, upper=1.001e9),      # ±0.1%
        "b": reading(2.0e9, USD, lower=1.99e9, upper=2.01e9),        # ±0.5%
        "c": reading(3.0e9, USD, lower=2.91e9, upper=3.03e9),        # ±3% (the lower end)
        "d": reading(4.0e9, USD, lower=4.0e9, upper=4.0e9),          # exact
    }
    text = precision_sentence(readings, "1,000 simulated paths per scenario")
    assert text.startswith("Simulation precision: 1,000 simulated paths per scenario. ")
    assert "Half the numbers shown are within ±0.1% " in text
    assert "all within ±3% (the least precise: c)" in text
    assert f"{MARK} marks the 2 of 4 numbers whose last digit" in text

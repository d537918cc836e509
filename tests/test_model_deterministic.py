"""Zero volatilities and one troop level: every path equals the hand recursion of MODEL.md.

The expected numbers were computed with plain Python floats from the formulas of MODEL.md
§2, §4, §6 and §7 (not with the engine); the inputs are the baseline's with
``fx.anchor = 1300``, ``horizon = 3``, ``agreement.last_year = 2027`` and a single
``status_quo`` outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from simcore.config.schema import Scenario
from simcore.model.engine import simulate
from tests.conftest import DETERMINISTIC

# π_kr,t = 0.0248 + 0.51 (π_kr,t−1 − 0.0248), π_kr,0 = 0.021
INFLATION_KR = [0.022862, 0.02381162, 0.0242959262]
# π_us,t = 0.0258 + 0.41 (π_us,t−1 − 0.0258), π_us,0 = 0.0263
INFLATION_US = [0.026005, 0.02588405, 0.0258344605]
# x_t = x_t−1 + (π_kr,t − π_us,t) + 0.1 (ln 1300 − x_t−1), x_0 = ln 1421.4
FX = [1404.345696278365, 1390.6598467442493, 1379.1928022108857]
# 2026 known; 2027 = 1.5192e12 · (1 + 0.021) → 1.5511032e12 → 1.5511e12;
# 2028: scheduled negotiation, status quo: · (1 + round(0.022862, 0.001) = 0.023) → 1.5868e12
CONTRIBUTION_KRW = [1.5192e12, 1.5511e12, 1.5868e12]
CONTRIBUTION_USD = [1081784922.349254, 1115369803.5010977, 1150528046.155921]
CONTRIBUTION_USD_REAL = [1054366131.1097449, 1059671191.7699804, 1065545920.9663948]
OTHER_SUPPORT_USD = [589967429.0992905, 609959784.9205134, 629973935.4474043]
# G_t = 3.3e9 · P_us,t, the US cost before any offset
US_COST_GROSS_USD = [3385816500.0, 3473455143.5768247, 3563189983.2820826]
# offset_share 1: U_t = G_t − (C_t^USD − R_t), R_t = 1.4028e12 · P_kr,t / X_t, the base-year
# amount at Korean prices (1.021736e9, 1.056360e9, 1.091022e9): the 12th SMA pays about
# $0.06bn a year beyond it, which the US no longer pays
US_COST_USD = [3325767762.268628, 3414445323.1454754, 3503683463.849148]
TOTAL_COST_USD = [4997520113.717173, 5139774911.567086, 5284185445.452473]
ROK_SHARE = [0.33451638280753, 0.33568193512497, 0.3369491854483667]
COST_PER_TROOP_USD = [175351.58293744465, 180342.9793532311, 185410.01562991133]
CUM_CONTRIBUTION_USD = 3347682772.0062723
CUM_TOTAL_COST_USD = 15421480470.736732
PV_CONTRIBUTION_USD = 3154515782.8829846
# offset_share 0 (the rule before it existed): the US cost is G_t, every payment is new
WITHOUT_OFFSET = {
    "us_cost_usd": US_COST_GROSS_USD,
    "total_cost_usd": [5057568851.4485445, 5198784731.998436, 5343691964.885407],
    "rok_share": [0.33054465506084724, 0.3318717118256956, 0.3331969719256651],
    "cost_per_troop_usd": [177458.556191177, 182413.49936836617, 187497.96368018974],
}

EXPECTED = {
    "inflation_kr": INFLATION_KR,
    "inflation_us": INFLATION_US,
    "fx_krw_per_usd": FX,
    "contribution_krw": CONTRIBUTION_KRW,
    "contribution_usd": CONTRIBUTION_USD,
    "contribution_usd_real": CONTRIBUTION_USD_REAL,
    "other_support_usd": OTHER_SUPPORT_USD,
    "us_cost_usd": US_COST_USD,
    "total_cost_usd": TOTAL_COST_USD,
    "rok_share": ROK_SHARE,
    "cost_per_troop_usd": COST_PER_TROOP_USD,
    "troops": [28500, 28500, 28500],
    "negotiation_outcome": [-1, -1, 0],
}


@pytest.fixture
def paths(make_scenario: Callable[..., Scenario]) -> dict[str, np.ndarray]:
    return simulate(make_scenario(DETERMINISTIC), seed=0)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_path_equals_the_hand_recursion(paths: dict[str, np.ndarray], name: str) -> None:
    values = paths[name]
    assert values.shape == (64, 3)
    expected = np.broadcast_to(np.asarray(EXPECTED[name]), values.shape)
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=0)


def test_horizon_totals(paths: dict[str, np.ndarray]) -> None:
    np.testing.assert_allclose(paths["cum_contribution_usd"], CUM_CONTRIBUTION_USD, rtol=1e-12)
    np.testing.assert_allclose(paths["cum_total_cost_usd"], CUM_TOTAL_COST_USD, rtol=1e-12)
    np.testing.assert_allclose(paths["pv_contribution_usd"], PV_CONTRIBUTION_USD, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(WITHOUT_OFFSET))
def test_without_offset_the_us_cost_ignores_the_payment(
    make_scenario: Callable[..., Scenario], name: str
) -> None:
    paths = simulate(make_scenario({**DETERMINISTIC, "us_cost": {"offset_share": 0.0}}), seed=0)
    expected = np.broadcast_to(np.asarray(WITHOUT_OFFSET[name]), paths[name].shape)
    np.testing.assert_allclose(paths[name], expected, rtol=1e-12, atol=0)


def test_a_full_offset_keeps_the_total_at_the_gross_cost_plus_the_reference(
    paths: dict[str, np.ndarray],
) -> None:
    """With offset_share 1 the total no longer depends on what Korea pays, only on what the
    presence costs: G_t + R_t + O_t."""
    price_kr = np.cumprod(1 + np.asarray(INFLATION_KR))
    reference = 1.4028e12 * price_kr / np.asarray(FX)
    expected = np.asarray(US_COST_GROSS_USD) + reference + np.asarray(OTHER_SUPPORT_USD)
    np.testing.assert_allclose(paths["total_cost_usd"][0], expected, rtol=1e-12)


def test_defense_growth_is_not_stored_when_no_rule_reads_it(paths: dict[str, np.ndarray]) -> None:
    assert "defense_growth" not in paths


#: Drivers with no shock and no drift: each must stay at its initial value, bit for bit
#: (``exp(log x)`` and ``μ(1 − φ) + φμ`` can each miss it by an ulp).
CONSTANT_DRIVERS: dict[str, tuple[dict[str, Any], str, float]] = {
    "fx, no reversion": (
        {"fx": {"volatility": 0.0, "ppp": 0.0, "reversion": 0.0}}, "fx_krw_per_usd", 1421.4),
    "fx, reverting to its start": (
        {"fx": {"volatility": 0.0, "ppp": 0.0, "reversion": 0.3, "anchor": 1421.4}},
        "fx_krw_per_usd", 1421.4),
    "kr inflation at its mean": (
        {"inflation": {"kr": {"volatility": 0.0, "initial": 0.0248, "mean": 0.0248}}},
        "inflation_kr", 0.0248),
    "us inflation at its mean": (
        {"inflation": {"us": {"volatility": 0.0, "initial": 0.0313, "mean": 0.0313,
                              "persistence": 0.93}}},
        "inflation_us", 0.0313),
}


@pytest.mark.parametrize("case", sorted(CONSTANT_DRIVERS))
def test_a_driver_with_no_shock_and_no_drift_keeps_its_initial_value_exactly(
    make_scenario: Callable[..., Scenario], case: str
) -> None:
    changes, variable, initial = CONSTANT_DRIVERS[case]
    paths = simulate(make_scenario({**DETERMINISTIC, **changes}), seed=0)
    assert np.all(paths[variable] == initial), paths[variable][0].tolist()

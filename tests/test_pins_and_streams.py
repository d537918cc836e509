"""Pinned values (MODEL.md §4b) and reproducible block streams (MODEL.md §8)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.model.engine import simulate, simulate_block

Factory = Callable[..., Scenario]
N = 5000


def _inflation_shock(rate: np.ndarray, mean: float, phi: float, sigma: float) -> np.ndarray:
    """Recover z_t from consecutive AR(1) rates (years 2 … H)."""
    return (rate[:, 1:] - mean * (1 - phi) - phi * rate[:, :-1]) / sigma


def test_inflation_pin_holds_and_leaves_other_draws(make_scenario: Factory) -> None:
    free = make_scenario({"run": {"samples": N}})
    pinned = make_scenario({"run": {"samples": N}, "pins": {"kr_inflation": {2028: 0.03}}})
    a, b = simulate(free, seed=3), simulate(pinned, seed=3)
    assert np.all(b["inflation_kr"][:, 2] == 0.03)
    np.testing.assert_array_equal(a["inflation_kr"][:, :2], b["inflation_kr"][:, :2])
    kr = free.inflation.kr
    za = _inflation_shock(a["inflation_kr"], kr.mean, kr.persistence, kr.volatility)
    zb = _inflation_shock(b["inflation_kr"], kr.mean, kr.persistence, kr.volatility)
    # The 2028 shock is discarded; every later shock is the same draw.
    np.testing.assert_allclose(za[:, 2:], zb[:, 2:], rtol=0, atol=1e-9)
    # Other drivers are untouched before the pin feeds into them.
    np.testing.assert_array_equal(a["inflation_us"], b["inflation_us"])
    np.testing.assert_array_equal(a["troops"], b["troops"])


def test_fx_pin_is_a_level(make_scenario: Factory) -> None:
    paths = simulate(make_scenario({"run": {"samples": N}, "pins": {"fx": {2026: 1300.0}}}),
                     seed=3)
    np.testing.assert_allclose(paths["fx_krw_per_usd"][:, 0], 1300.0, rtol=1e-15)
    assert np.unique(paths["fx_krw_per_usd"][:, 1]).size > 1


def test_troop_pin_continues_the_chain(make_scenario: Factory) -> None:
    paths = simulate(
        make_scenario({"run": {"samples": N},
                       "troops": {"transition": [[0.5, 0.5], [0.0, 1.0]]},
                       "pins": {"troops": {2026: 28500}}}),
        seed=3,
    )
    troops = paths["troops"]
    assert np.all(troops[:, 0] == 28500)
    assert 0.45 < np.mean(troops[:, 1] == 24000) < 0.55  # one step on from the pinned state
    assert np.all(troops[:, 2:][troops[:, 1:-1] == 24000] == 24000)  # 24000 absorbs


def test_defense_pin(make_scenario: Factory) -> None:
    paths = simulate(
        make_scenario({"run": {"samples": N},
                       "agreement": {"escalation": {"rule": "defense_budget"}},
                       "pins": {"defense": {2030: -0.01}}}),
        seed=3,
    )
    assert np.all(paths["defense_growth"][:, 4] == -0.01)


def test_same_seed_same_values_whatever_the_run_length(make_scenario: Factory) -> None:
    """Block 0 of a 2-block run equals a 1-block run: the block is the unit of randomness."""
    short = make_scenario({"run": {"samples": 1000}})
    long = make_scenario({"run": {"samples": BLOCK_SIZE + 10}})
    a = simulate_block(short, 0, seed=99)
    b = simulate_block(long, 0, seed=99)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name][:1000])


def test_blocks_draw_different_streams(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 2 * BLOCK_SIZE}})
    a, b = simulate_block(scenario, 0, seed=5), simulate_block(scenario, 1, seed=5)
    assert not np.array_equal(a["inflation_kr"][:100], b["inflation_kr"][:100])


def test_seed_zero_is_a_seed(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 100}})
    a, b = simulate(scenario, seed=0), simulate(scenario, seed=0)
    c = simulate(scenario, seed=1)
    np.testing.assert_array_equal(a["fx_krw_per_usd"], b["fx_krw_per_usd"])
    assert not np.array_equal(a["fx_krw_per_usd"], c["fx_krw_per_usd"])


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_samplers(make_scenario: Factory, sampler: str) -> None:
    """Sobol'/LHS shocks are standard normal and reproducible; the mean error is small."""
    scenario = make_scenario({"run": {"samples": 4096, "sampler": sampler}})
    a, b = simulate(scenario, seed=8), simulate(scenario, seed=8)
    np.testing.assert_array_equal(a["contribution_krw"], b["contribution_krw"])
    kr = scenario.inflation.kr
    first_year_mean = kr.mean + kr.persistence * (kr.initial - kr.mean)
    # Stratified designs beat the plain MC error sd / sqrt(n) on a one-dimensional mean.
    assert abs(a["inflation_kr"][:, 0].mean() - first_year_mean) < kr.volatility / np.sqrt(4096)


def test_student_t_scenario_runs(make_scenario: Factory) -> None:
    paths = simulate(
        make_scenario({"run": {"samples": 2000}, "shocks": {"distribution": "student_t",
                                                            "dof": 5}}),
        seed=1,
    )
    assert np.all(np.isfinite(paths["fx_krw_per_usd"]))


def test_public_api_for_notebooks() -> None:
    import simcore
    from tests.conftest import BASELINE

    scenario = simcore.load_scenario(BASELINE).with_overrides(samples=10)
    assert simcore.simulate(scenario, seed=0)["troops"].shape == (10, 6)
    assert set(simcore.__all__) >= {"load_scenario", "simulate", "run_scenarios"}
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        _ = simcore.nonsense

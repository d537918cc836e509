"""Pinned values (MODEL.md §4b) and reproducible block streams (MODEL.md §8)."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

import numpy as np
import pytest

from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.types import Sampler
from simcore.model.engine import simulate, simulate_block
from simcore.model.params import resolve_params
from simcore.model.sampling import N_SHOCKS, N_UNIFORMS, SAMPLERS, RawDraws, draw_block

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


#: Every sampler but plain Monte Carlo: the stratified designs.
QUASI_RANDOM = [sampler for sampler in get_args(Sampler) if sampler != "mc"]


def test_every_sampler_has_an_entry_in_the_registry() -> None:
    assert list(SAMPLERS) == list(get_args(Sampler))


@pytest.mark.parametrize("sampler", get_args(Sampler))
class TestSamplerContract:
    """What every entry of SAMPLERS promises (MODEL.md §8), checked on each one alike."""

    HORIZON = 3

    def draw(self, sampler: Sampler, *, seed: int = 4, block: int = 0, n: int = BLOCK_SIZE,
             dof: float | None = None) -> RawDraws:
        return SAMPLERS[sampler](seed=seed, block=block, n=n, horizon=self.HORIZON, dof=dof)

    def test_shapes_and_types(self, sampler: Sampler) -> None:
        raw = self.draw(sampler, n=1000, dof=5.0)
        assert raw.normals.shape == (N_SHOCKS, self.HORIZON, 1000)
        assert raw.uniforms.shape == (self.HORIZON, N_UNIFORMS, 1000)
        assert raw.chi2 is not None and raw.chi2.shape == (self.HORIZON, 1000)
        assert {a.dtype for a in (raw.normals, raw.uniforms, raw.chi2)} == {np.dtype(np.float64)}
        assert self.draw(sampler, n=1000).chi2 is None

    def test_the_same_seed_and_block_draw_the_same_inputs(self, sampler: Sampler) -> None:
        for a, b in zip(self.draw(sampler, block=2, dof=5.0), self.draw(sampler, block=2, dof=5.0),
                        strict=True):
            np.testing.assert_array_equal(a, b)

    def test_a_short_block_is_the_start_of_a_full_one(self, sampler: Sampler) -> None:
        full, short = self.draw(sampler, block=1, dof=5.0), self.draw(sampler, block=1, n=777,
                                                                      dof=5.0)
        for name in RawDraws._fields:
            np.testing.assert_array_equal(getattr(full, name)[..., :777], getattr(short, name))

    def test_blocks_and_seeds_draw_different_inputs(self, sampler: Sampler) -> None:
        first = self.draw(sampler).normals
        assert not np.array_equal(first, self.draw(sampler, block=1).normals)
        assert not np.array_equal(first, self.draw(sampler, seed=5).normals)

    def test_the_marginals_are_standard(self, sampler: Sampler) -> None:
        """Every coordinate's mean within 5 Monte Carlo standard errors of N(0, 1), U(0, 1)
        and chi²(ν) (the stratified designs are far closer)."""
        dof = 5.0
        raw = self.draw(sampler, dof=dof)
        root_n = np.sqrt(BLOCK_SIZE)
        assert np.all(np.abs(raw.normals.mean(axis=-1)) < 5 / root_n)
        assert np.all(np.abs(raw.normals.std(axis=-1) - 1) < 5 * np.sqrt(0.5) / root_n)
        assert raw.uniforms.min() >= 0 and raw.uniforms.max() < 1
        assert np.all(np.abs(raw.uniforms.mean(axis=-1) - 0.5) < 5 * np.sqrt(1 / 12) / root_n)
        assert raw.chi2 is not None and raw.chi2.min() > 0
        assert np.all(np.abs(raw.chi2.mean(axis=-1) - dof) < 5 * np.sqrt(2 * dof) / root_n)

    def test_draw_block_correlates_and_groups_the_registry_draws(
        self, sampler: Sampler, make_scenario: Factory
    ) -> None:
        params = resolve_params(make_scenario({"run": {"sampler": sampler}}))
        raw = SAMPLERS[sampler](seed=6, block=1, n=500, horizon=params.horizon, dof=None)
        draws = draw_block(params, seed=6, block=1, n=500)
        np.testing.assert_array_equal(draws.troop_u, raw.uniforms[:, 0, :])
        np.testing.assert_array_equal(draws.negotiation_u, raw.uniforms[:, 1:, :])
        assert draws.w is None
        factor = params.correlation_factor
        for k in range(N_SHOCKS):
            expected = sum(factor[k, j] * raw.normals[j] for j in range(N_SHOCKS))
            np.testing.assert_allclose(draws.g[k], expected, rtol=0, atol=1e-12)

    def test_a_run_is_reproducible_and_independent_of_its_length(
        self, sampler: Sampler, make_scenario: Factory
    ) -> None:
        """Block 0 of a 2-block run equals a 1-block run: the block is the unit of randomness."""
        short = make_scenario({"run": {"samples": 1000, "sampler": sampler}})
        long = make_scenario({"run": {"samples": BLOCK_SIZE + 10, "sampler": sampler}})
        a, b = simulate_block(short, 0, seed=99), simulate_block(long, 0, seed=99)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name][:1000])
        np.testing.assert_array_equal(simulate(short, seed=99)["contribution_krw"],
                                      a["contribution_krw"])


@pytest.mark.parametrize("sampler", QUASI_RANDOM)
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

"""Inflation as a trend plus a gap, tables of draws, the real anchor (MODEL.md §1, §2, §2a, §4).

Closed forms within 3 Monte Carlo standard errors (fixed seeds), exact identities bit for
bit, and hand recursions in plain Python floats.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.model.engine import simulate, simulate_block, simulate_paths
from simcore.model.params import resolve_params
from simcore.model.sampling import draw_block
from tests.conftest import DETERMINISTIC

Factory = Callable[..., Scenario]
N = 200_000
YEARS = np.arange(1, 7)


def _within(estimate: np.ndarray, truth: np.ndarray, se: np.ndarray, k: float = 3.0) -> None:
    z = np.abs(np.asarray(estimate) - truth) / se
    assert np.all(z < k), f"|estimate - truth| / se = {z}"


def _variance_se(values: np.ndarray) -> np.ndarray:
    """Standard error of the sample variance of each column, from the columns' own fourth
    moments: sd((x − x̄)²) / √n."""
    centred = values - values.mean(axis=0)
    return (centred**2).std(axis=0, ddof=1) / math.sqrt(values.shape[0])


def test_a_trend_plus_an_ar1_gap_has_the_closed_form_mean_and_variance(
    make_scenario: Factory
) -> None:
    """E[π_t] = τ_0 + φ^t (π_0 − τ_0); Var[π_t] = t s_τ² + s_g² (1 − φ^{2t}) / (1 − φ²):
    the trend shocks are independent of the gap's."""
    tau0, phi, s_g, s_t = 0.03, 0.6, 0.01, 0.004
    scenario = make_scenario({"run": {"samples": N}, "inflation": {"kr": {
        "mean": tau0, "persistence": phi, "volatility": s_g, "trend_volatility": s_t}}})
    rate = simulate(scenario, seed=31)["inflation_kr"]
    pi0 = scenario.inflation.kr.initial
    mean = tau0 + phi**YEARS * (pi0 - tau0)
    variance = YEARS * s_t**2 + s_g**2 * (1 - phi ** (2 * YEARS)) / (1 - phi**2)
    _within(rate.mean(axis=0), mean, np.sqrt(variance / N))
    _within(rate.var(axis=0, ddof=1), variance, variance * np.sqrt(2 / (N - 1)))


def test_stochastic_volatility_grows_the_variance_as_the_lognormal_says(
    make_scenario: Factory
) -> None:
    """φ = 0, frozen trend: π_t = τ_0 + s_t z_t with ln s_t² = ln s_0² + γ Σ ν, so
    Var[π_t] = s_0² E[exp(γ Σ_{j≤t} ν_j)] = s_0² exp(t γ² / 2)."""
    s0, gamma = 0.01, 0.4
    scenario = make_scenario({"run": {"samples": N}, "inflation": {"us": {
        "persistence": 0.0, "volatility": s0, "log_variance_sd": gamma}}})
    rate = simulate(scenario, seed=32)["inflation_us"]
    variance = s0**2 * np.exp(YEARS * gamma**2 / 2)
    _within(rate.var(axis=0, ddof=1), variance, _variance_se(rate))
    # The volatility moves: year 6's variance is e^(6 · 0.08) = 1.6 times year 0's.
    assert rate[:, 5].var() > 1.4 * s0**2


def test_a_local_level_with_stochastic_volatility_moves_its_trend_volatility_too(
    make_scenario: Factory
) -> None:
    """φ = 0, s_g = 0: π_t − τ_0 = Σ_j s^τ_j ζ_j, Var = s_0² Σ_{j≤t} exp(j γ² / 2)."""
    s0, gamma = 0.005, 0.5
    scenario = make_scenario({"run": {"samples": N}, "inflation": {"kr": {
        "persistence": 0.0, "volatility": 0.0, "trend_volatility": s0,
        "log_variance_sd": gamma}}})
    rate = simulate(scenario, seed=33)["inflation_kr"]
    variance = s0**2 * np.cumsum(np.exp(YEARS * gamma**2 / 2))
    _within(rate.var(axis=0, ddof=1), variance, _variance_se(rate))


def test_a_frozen_trend_is_the_ar1_bit_for_bit(make_scenario: Factory) -> None:
    """trend_volatility 0 and γ 0 written out give the same bits as a configuration without
    the keys (the AR(1) of 0.2)."""
    plain = make_scenario({"run": {"samples": 3000}})
    explicit = make_scenario({"run": {"samples": 3000}, "inflation": {
        "kr": {"trend_volatility": 0.0, "log_variance_sd": 0.0},
        "us": {"trend_volatility": 0.0}}})
    a, b = simulate(plain, seed=4), simulate(explicit, seed=4)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_a_table_of_identical_rows_gives_the_numbers_bit_for_bit(make_scenario: Factory) -> None:
    scalar = make_scenario({"run": {"samples": 3000}})
    kr, fx = scalar.inflation.kr, scalar.fx
    tables = make_scenario({"run": {"samples": 3000},
                            "inflation": {"kr": {"mean": [kr.mean] * 7,
                                                 "persistence": [kr.persistence] * 7,
                                                 "volatility": [kr.volatility] * 7}},
                            "fx": {"volatility": [fx.volatility] * 3}})
    a, b = simulate(scalar, seed=5), simulate(tables, seed=5)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_each_sample_reads_the_row_its_uniform_picks(make_scenario: Factory) -> None:
    """Row ⌊u · M⌋ of the table: with φ = 0 and no shock, π_1 is the row's τ_0."""
    means = [0.01, 0.02, 0.03, 0.04, 0.05]
    scenario = make_scenario({"run": {"samples": 2000}, "inflation": {"kr": {
        "mean": means, "persistence": 0.0, "volatility": 0.0}}})
    params = resolve_params(scenario)
    draws = draw_block(params, seed=6, block=0, n=2000)
    assert draws.parameter_u is not None and draws.parameter_u.shape == (4, 2000)
    rows = np.floor(draws.parameter_u[0] * len(means)).astype(int)
    rate = simulate_paths(params, draws)["inflation_kr"]
    np.testing.assert_allclose(rate[:, 0], np.asarray(means)[rows], rtol=1e-13, atol=1e-17)
    # Every row is used about equally often (uniforms).
    counts = np.bincount(rows, minlength=5)
    assert np.all(np.abs(counts - 400) < 4 * math.sqrt(2000 * 0.2 * 0.8))


def test_a_uniform_just_below_one_reads_the_last_row(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 4}, "inflation": {"kr": {
        "mean": [0.01, 0.02, 0.03], "persistence": 0.0, "volatility": 0.0}}})
    params = resolve_params(scenario)
    draws = draw_block(params, seed=6, block=0, n=4)
    u = np.array(draws.parameter_u)
    u[0] = [0.0, 1.0 / 3.0, np.nextafter(1.0, 0.0), 0.999999]
    rate = simulate_paths(params, dataclasses.replace(draws, parameter_u=u))["inflation_kr"]
    np.testing.assert_allclose(rate[:, 0], [0.01, 0.02, 0.03, 0.03], rtol=1e-13)


def test_a_mixture_of_rows_has_the_mixture_moments(make_scenario: Factory) -> None:
    """Equal-weight rows: E[π_1] is the rows' mean of τ_0 + φ (π_0 − τ_0); Var[π_1] the mean
    of the rows' σ² plus the variance of their means."""
    tau = np.array([0.01, 0.02, 0.04, 0.03])
    phi = np.array([0.5, -0.2, 0.8, 0.0])
    sigma = np.array([0.01, 0.02, 0.005, 0.015])
    scenario = make_scenario({"run": {"samples": N}, "inflation": {"kr": {
        "mean": tau.tolist(), "persistence": phi.tolist(), "volatility": sigma.tolist()}}})
    rate = simulate(scenario, seed=7)["inflation_kr"][:, 0]
    pi0 = scenario.inflation.kr.initial
    means = tau + phi * (pi0 - tau)
    variance = np.mean(sigma**2) + np.var(means)
    _within(rate.mean(), means.mean(), math.sqrt(variance / N))
    _within(rate.var(ddof=1), variance, _variance_se(rate[:, None])[0])


def test_scenarios_that_share_a_table_share_its_rows(make_scenario: Factory) -> None:
    table = {"mean": [0.01, 0.03], "persistence": [0.2, 0.7], "volatility": [0.01, 0.02]}
    a = make_scenario({"run": {"samples": 3000}, "inflation": {"kr": table}})
    b = make_scenario({"run": {"samples": 3000}, "inflation": {"kr": table},
                       "fx": {"volatility": [0.05, 0.06, 0.07]},
                       "agreement": {"reopen_probability": 0.5}})
    pa, pb = simulate(a, seed=8), simulate(b, seed=8)
    np.testing.assert_array_equal(pa["inflation_kr"], pb["inflation_kr"])
    np.testing.assert_array_equal(pa["inflation_us"], pb["inflation_us"])
    assert not np.array_equal(pa["fx_krw_per_usd"], pb["fx_krw_per_usd"])


def test_the_further_inputs_are_drawn_only_when_read_and_keep_the_other_streams(
    make_scenario: Factory
) -> None:
    plain = resolve_params(make_scenario())
    trend = resolve_params(make_scenario({"inflation": {"kr": {"trend_volatility": 0.003,
                                                               "log_variance_sd": 0.2}},
                                          "fx": {"volatility": [0.05, 0.07]}}))
    a = draw_block(plain, seed=9, block=1, n=1000)
    b = draw_block(trend, seed=9, block=1, n=1000)
    assert a.parameter_u is None and a.trend_e is None and a.log_variance_e is None
    assert b.parameter_u is not None and b.parameter_u.shape == (4, 1000)
    assert b.trend_e is not None and b.trend_e.shape == (2, 6, 1000)
    assert b.log_variance_e is not None and b.log_variance_e.shape == (2, 2, 6, 1000)
    for name in ("g", "troop_u", "negotiation_u"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    # Each comes from its own child stream (b, 3), (b, 4), (b, 5), whole blocks then a prefix.
    children = np.random.SeedSequence(9, spawn_key=(1,)).spawn(6)
    expected = {
        "parameter_u": np.random.default_rng(children[3]).random((4, BLOCK_SIZE)),
        "trend_e": np.random.default_rng(children[4]).standard_normal((2, 6, BLOCK_SIZE)),
        "log_variance_e": np.random.default_rng(children[5]).standard_normal(
            (2, 2, 6, BLOCK_SIZE)),
    }
    for name, full in expected.items():
        np.testing.assert_array_equal(getattr(b, name), full[..., :1000], err_msg=name)


def test_a_pin_fixes_the_rate_while_the_trend_moves_on(make_scenario: Factory) -> None:
    """With φ = 0 the year after a pin is τ_{t+1} + s_g z: its spread is the trend's
    accumulated spread plus the gap's, not reset by the pin."""
    s_g, s_t = 0.002, 0.006
    changes: dict[str, Any] = {"run": {"samples": N}, "inflation": {"kr": {
        "persistence": 0.0, "volatility": s_g, "trend_volatility": s_t}}}
    free = simulate(make_scenario(changes), seed=10)["inflation_kr"]
    pinned = simulate(make_scenario({**changes, "pins": {"kr_inflation": {2028: 0.05}}}),
                      seed=10)["inflation_kr"]
    assert np.all(pinned[:, 2] == 0.05)
    # φ = 0: the gap forgets the pin; the trend never saw it. Later years are the free ones.
    np.testing.assert_allclose(pinned[:, 3:], free[:, 3:], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(pinned[:, :2], free[:, :2])


def _hand_exchange_rate(kappa: float, beta: float, anchor: float, x0: float,
                        gaps: list[float], real: bool) -> list[float]:
    """MODEL.md §4 in plain Python floats, σ = 0."""
    x, cumulated, out = math.log(x0), 0.0, []
    for gap in gaps:
        target = math.log(anchor) + (beta * cumulated if real else 0.0)
        x = x + beta * gap + kappa * (target - x)
        cumulated += gap
        out.append(math.exp(x))
    return out


@pytest.mark.parametrize("real", [True, False])
def test_the_exchange_rate_reverts_to_a_real_or_a_nominal_anchor(
    make_scenario: Factory, real: bool
) -> None:
    """Inflation at its means (no shock, started there): a constant gap of −0.5 points; the
    real anchor moves with the cumulated pass-through, the nominal one does not."""
    kappa, beta, anchor = 0.3, 1.0, 1300.0
    paths = simulate(make_scenario({**DETERMINISTIC, "run": {"horizon": 6, "samples": 8},
                                    "inflation": {"kr": {"volatility": 0.0, "initial": 0.02,
                                                         "mean": 0.02},
                                                  "us": {"volatility": 0.0, "initial": 0.025,
                                                         "mean": 0.025}},
                                    "fx": {"reversion": kappa, "ppp": beta, "anchor": anchor,
                                           "volatility": 0.0, "real_anchor": real}}), seed=0)
    expected = _hand_exchange_rate(kappa, beta, anchor, 1421.4, [-0.005] * 6, real)
    np.testing.assert_allclose(paths["fx_krw_per_usd"], np.broadcast_to(expected, (8, 6)),
                               rtol=1e-13)
    # The real anchor has moved 2.5 points down with the gap by year 6 (c_5 = −0.025): the
    # rate ends about κ-weighted that much below the nominal anchor's path.
    nominal = _hand_exchange_rate(kappa, beta, anchor, 1421.4, [-0.005] * 6, False)
    assert (expected[-1] < nominal[-1]) == real


def test_student_t_shocks_leave_the_exchange_rate_gaussian(make_scenario: Factory) -> None:
    """MODEL.md §1: with β = 0 the rate reads only its own shock, which stays g_fx: the paths
    equal the normal scenario's bit for bit, while the inflation paths differ."""
    normal = make_scenario({"run": {"samples": 5000}, "fx": {"ppp": 0.0}})
    student = make_scenario({"run": {"samples": 5000}, "fx": {"ppp": 0.0},
                             "shocks": {"distribution": "student_t", "dof": 4}})
    a, b = simulate_block(normal, 0, seed=11), simulate_block(student, 0, seed=11)
    np.testing.assert_array_equal(a["fx_krw_per_usd"], b["fx_krw_per_usd"])
    assert not np.array_equal(a["inflation_kr"], b["inflation_kr"])

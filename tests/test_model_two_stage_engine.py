"""The engine in two stages: draws built by hand or mixed give the paths they should."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import special

from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.model.agreement import round_to_step
from simcore.model.engine import simulate_block, simulate_paths
from simcore.model.params import ModelParams, resolve_params
from simcore.model.sampling import (
    N_SHOCKS,
    N_UNIFORMS,
    NEGOTIATION_ROLES,
    UNIFORM_ROLES,
    BlockDraws,
    draw_block,
)
from tests.conftest import DETERMINISTIC, deep_update
from tests.test_model_deterministic import EXPECTED

Factory = Callable[..., Scenario]

#: The deterministic scenario of test_model_deterministic.py with the baseline's volatilities back:
#: all-zero shocks g must give the same hand-computed paths.
ZERO_SHOCKS = deep_update(
    copy.deepcopy(DETERMINISTIC),
    {"inflation": {"kr": {"volatility": None}, "us": {"volatility": None}},
     "fx": {"volatility": None}, "defense": {"volatility": None}},
)
DEMAND = {"kind": "demand", "probability": 0.5, "term": 5,
          "demand_usd": {"values": [5e9, 10e9], "probabilities": [0.6, 0.4]},
          "concession": {"a": 2.0, "b": 8.0}}


def _draws(params: ModelParams, n: int, *, g: float = 0.0, troop_u: float = 0.5,
           negotiation_u: float = 0.5, w: float | None = None) -> BlockDraws:
    """Draws with every entry of a group set to one value."""
    horizon = params.horizon
    return BlockDraws(
        g=np.full((N_SHOCKS, horizon, n), g),
        w=None if w is None else np.full((horizon, n), w),
        troop_u=np.full((horizon, n), troop_u),
        negotiation_u=np.full((horizon, len(NEGOTIATION_ROLES), n), negotiation_u),
    )


def _scenario(make_scenario: Factory, changes: dict[str, Any]) -> Scenario:
    return make_scenario(deep_update(copy.deepcopy(ZERO_SHOCKS), changes))


@pytest.mark.parametrize("tail", [None, 5.0], ids=["normal", "student_t"])
def test_zero_shocks_give_the_hand_recursion(make_scenario: Factory, tail: float | None) -> None:
    """g = 0 makes every shock 0, whatever the volatility and W: MODEL.md by hand."""
    changes = {} if tail is None else {"shocks": {"distribution": "student_t", "dof": tail}}
    params = resolve_params(_scenario(make_scenario, changes))
    assert params.kr_inflation.volatility > 0 and params.fx.volatility > 0
    paths = simulate_paths(params, _draws(params, 5, w=None if tail is None else 0.7))
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(paths[name], np.broadcast_to(expected, (5, 3)),
                                   rtol=1e-12, atol=0, err_msg=name)


def test_troop_uniforms_by_hand(make_scenario: Factory) -> None:
    """s_t = min{j : u_t < Σ_{k≤j} Q[s_t−1, k]} with Q = [[0.9, 0.1], [0.2, 0.8]], s_0 = 0."""
    params = resolve_params(_scenario(make_scenario, {"troops": {
        "levels": [28500, 24000], "initial": 28500, "transition": [[0.9, 0.1], [0.2, 0.8]]}}))
    draws = dataclasses.replace(
        _draws(params, 2), troop_u=np.array([[0.1, 0.95], [0.95, 0.1], [0.5, 0.1]])
    )
    troops = simulate_paths(params, draws)["troops"]
    np.testing.assert_array_equal(troops, [[28500, 24000, 24000], [24000, 28500, 28500]])


def test_negotiation_uniforms_by_hand(make_scenario: Factory) -> None:
    """2028 is negotiated: u_outcome < 0.5 keeps the status quo, else the demand formula."""
    params = resolve_params(_scenario(make_scenario, {"negotiation": {"outcomes": [
        {"kind": "status_quo", "probability": 0.5, "term": 5}, DEMAND]}}))
    u = np.full((3, 4, 3), 0.5)
    roles = {role: k for k, role in enumerate(NEGOTIATION_ROLES)}
    u[2, roles["outcome"]] = [0.3, 0.7, 0.7]
    u[2, roles["demand"]] = [0.9, 0.1, 0.7]
    u[2, roles["concession"]] = [0.9, 0.5, 0.25]
    paths = simulate_paths(params, dataclasses.replace(_draws(params, 3), negotiation_u=u))
    np.testing.assert_array_equal(paths["negotiation_outcome"][:, 2], [0, 1, 1])
    fx = EXPECTED["fx_krw_per_usd"][2]
    value = EXPECTED["contribution_krw"][1] / fx  # V = C_2027 / X_2028
    demanded = [
        round_to_step((value + float(special.betaincinv(2.0, 8.0, s)) * (d - value)) * fx, 1e8)
        for d, s in [(5e9, 0.5), (10e9, 0.25)]
    ]
    np.testing.assert_array_equal(
        paths["contribution_krw"][:, 2], [EXPECTED["contribution_krw"][2], *demanded]
    )


@pytest.mark.parametrize(
    ("changes", "samples", "with_defense"),
    [
        pytest.param({}, 3000, False, id="baseline"),
        pytest.param({}, BLOCK_SIZE + 5, False, id="full-block"),
        pytest.param({"run": {"sampler": "sobol"}}, 3000, False, id="sobol"),
        pytest.param({"run": {"sampler": "lhs"}}, 3000, False, id="lhs"),
        pytest.param({"shocks": {"distribution": "student_t", "dof": 4.5}}, 3000, False,
                     id="student_t"),
        pytest.param({"shocks": {"correlation": None}}, 3000, True, id="identity-with-defense"),
        pytest.param({"agreement": {"escalation": {"rule": "defense_budget"}}}, 3000, False,
                     id="defense-rule"),
    ],
)
def test_simulate_block_is_the_composition(
    make_scenario: Factory, changes: dict[str, Any], samples: int, with_defense: bool
) -> None:
    scenario = make_scenario(deep_update({"run": {"samples": samples}}, changes))
    params = resolve_params(scenario, with_defense=with_defense)
    n = min(samples, BLOCK_SIZE)
    got = simulate_block(scenario, 0, seed=17, with_defense=with_defense)
    want = simulate_paths(params, draw_block(params, seed=17, block=0, n=n))
    assert list(got) == list(want)
    assert ("defense_growth" in got) == params.uses_defense
    for name in got:
        assert got[name].dtype == want[name].dtype
        assert got[name].tobytes() == want[name].tobytes(), name


def test_draws_are_the_documented_streams(make_scenario: Factory) -> None:
    """g = L e from stream (b, 0); the uniform stream (b, 1) split by role; W from (b, 2)."""
    scenario = make_scenario({"shocks": {"distribution": "student_t", "dof": 5.0}})
    params = resolve_params(scenario)
    n, horizon, block = 100, params.horizon, 3
    draws = draw_block(params, seed=5, block=block, n=n)
    streams = np.random.SeedSequence(5, spawn_key=(block,)).spawn(3)
    e = np.random.default_rng(streams[0]).standard_normal((N_SHOCKS, horizon, BLOCK_SIZE))
    uniforms = np.random.default_rng(streams[1]).random((horizon, N_UNIFORMS, BLOCK_SIZE))
    w = np.random.default_rng(streams[2]).chisquare(5.0, (horizon, BLOCK_SIZE))
    factor = np.linalg.cholesky(scenario.shocks.full_correlation())
    np.testing.assert_allclose(draws.g, np.einsum("kj,jhn->khn", factor, e[..., :n]),
                               rtol=0, atol=1e-14)
    np.testing.assert_array_equal(draws.w, w[:, :n])
    np.testing.assert_array_equal(draws.troop_u, uniforms[:, UNIFORM_ROLES.index("troops"), :n])
    for k, role in enumerate(NEGOTIATION_ROLES):
        np.testing.assert_array_equal(draws.negotiation_u[:, k],
                                      uniforms[:, UNIFORM_ROLES.index(role), :n])
    assert (draws.n, draws.horizon) == (n, horizon)
    # The two uniform groups are views of one array, not copies.
    assert draws.troop_u.base is not None and draws.troop_u.base is draws.negotiation_u.base


def test_mixed_blocks_change_only_what_they_feed(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 2 * BLOCK_SIZE},
                              "agreement": {"reopen_probability": 0.3}})
    params = resolve_params(scenario)
    a = draw_block(params, seed=9, block=0, n=4000)
    b = draw_block(params, seed=9, block=1, n=4000)
    paths_a, paths_b = simulate_paths(params, a), simulate_paths(params, b)
    drivers = ("inflation_kr", "inflation_us", "fx_krw_per_usd")

    troops_from_b = simulate_paths(params, dataclasses.replace(a, troop_u=b.troop_u))
    np.testing.assert_array_equal(troops_from_b["troops"], paths_b["troops"])
    for name in (*drivers, "contribution_krw", "negotiation_outcome", "contribution_usd"):
        np.testing.assert_array_equal(troops_from_b[name], paths_a[name], err_msg=name)
    assert not np.array_equal(troops_from_b["us_cost_usd"], paths_a["us_cost_usd"])

    talks_from_b = simulate_paths(params, dataclasses.replace(a, negotiation_u=b.negotiation_u))
    for name in (*drivers, "troops"):
        np.testing.assert_array_equal(talks_from_b[name], paths_a[name], err_msg=name)
    assert not np.array_equal(talks_from_b["negotiation_outcome"], paths_a["negotiation_outcome"])
    assert not np.array_equal(talks_from_b["contribution_krw"], paths_a["contribution_krw"])

    shocks_from_b = simulate_paths(params, dataclasses.replace(a, g=b.g))
    for name in drivers:
        np.testing.assert_array_equal(shocks_from_b[name], paths_b[name], err_msg=name)
    np.testing.assert_array_equal(shocks_from_b["troops"], paths_a["troops"])


def test_simulate_paths_does_not_write_its_inputs(make_scenario: Factory) -> None:
    params = resolve_params(make_scenario({"shocks": {"distribution": "student_t", "dof": 5}}))
    draws = draw_block(params, seed=2, block=0, n=500)
    before = {f.name: np.copy(getattr(draws, f.name)) for f in dataclasses.fields(draws)}
    simulate_paths(params, draws)
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(draws, name), value, err_msg=name)


def test_draws_must_cover_the_horizon(make_scenario: Factory) -> None:
    params = resolve_params(make_scenario())
    with pytest.raises(ValueError, match="draws cover 5 years but the parameters 6"):
        simulate_paths(params, _draws(dataclasses.replace(params, horizon=5), 3))


def test_resolved_years_are_indices(make_scenario: Factory) -> None:
    params = resolve_params(make_scenario({"pins": {"fx": {2027: 1300.0}}}))
    assert params.agreement.amounts_krw == {0: 1.5192e12}
    assert params.agreement.last_year_index == 4  # 2030
    assert params.pins["fx"] == {1: 1300.0}
    assert params.years.tolist() == list(range(2026, 2032))
    assert params.escalation_rules == (params.agreement.escalation,)  # the demand's is equal
    assert not params.uses_defense
    assert resolve_params(make_scenario(), with_defense=True).uses_defense


PINS = {
    "kr_inflation": ("inflation_kr", 2027, 0.0123456789),
    "us_inflation": ("inflation_us", 2028, -0.0041),
    "defense": ("defense_growth", 2029, 0.0337),
    "fx": ("fx_krw_per_usd", 2027, 1052.29),
    "troops": ("troops", 2028, 24000),
}


@pytest.mark.parametrize("driver", sorted(PINS))
def test_a_pinned_value_is_the_value(make_scenario: Factory, driver: str) -> None:
    """Stored exactly: 1052.29, not exp(log(1052.29)) = 1052.2899999999997."""
    variable, year, value = PINS[driver]
    scenario = make_scenario({"run": {"samples": 300},
                              "agreement": {"escalation": {"rule": "defense_budget"}},
                              "pins": {driver: {year: value}}})
    params = resolve_params(scenario)
    paths = simulate_paths(params, draw_block(params, seed=4, block=0, n=300))
    column = paths[variable][:, year - 2026]
    assert column.tolist() == [value] * 300


def test_the_year_after_an_fx_pin_evolves_from_its_log(make_scenario: Factory) -> None:
    """x_t = ln 1052.29 + (π_kr − π_us) + 0.1 (ln 1300 − ln 1052.29) with zero shocks."""
    params = resolve_params(_scenario(make_scenario, {"pins": {"fx": {2026: 1052.29}}}))
    paths = simulate_paths(params, _draws(params, 2))
    pinned = np.log(1052.29)
    gap = EXPECTED["inflation_kr"][1] - EXPECTED["inflation_us"][1]
    expected = np.exp(pinned + gap + 0.1 * (np.log(1300.0) - pinned))
    np.testing.assert_allclose(paths["fx_krw_per_usd"][:, 1], expected, rtol=1e-14)

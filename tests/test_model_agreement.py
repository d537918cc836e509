"""The agreement, its escalation rules and negotiation outcomes (MODEL.md §6)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import special

from simcore.config.schema import Scenario
from simcore.core.outcomes import KIND_CODES
from simcore.model.agreement import NO_NEGOTIATION, escalation_rate, round_to_step
from simcore.model.engine import simulate
from simcore.model.params import CpiRuleParams, resolve_params
from simcore.model.sampling import NEGOTIATION_ROLES, draw_block
from tests.conftest import deep_update

Factory = Callable[..., Scenario]
STATUS_QUO = [{"kind": "status_quo", "probability": 1.0, "term": 5}]


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        pytest.param(0.0215, 0.001, 0.022, id="decimal-half-rounds-up"),
        pytest.param(0.0214999, 0.001, 0.021, id="below-half"),
        pytest.param(-0.0215, 0.001, -0.021, id="negative-half-rounds-up"),
        pytest.param(1.5511032e12, 1e8, 1.5511e12, id="amount"),
        pytest.param(1.55115e12, 1e8, 1.5512e12, id="amount-half"),
        pytest.param(0.0215, 0.0, 0.0215, id="step-0-no-rounding"),
    ],
)
def test_round_to_step(value: float, step: float, expected: float) -> None:
    assert round_to_step(value, step) == pytest.approx(expected, rel=1e-15, abs=0)


def test_rate_rounded_then_clipped() -> None:
    rule = CpiRuleParams(cap=0.05, floor=0.0, lag=2)
    rates = np.array([0.0499, 0.05049, 0.0551, -0.0004, -0.0006, 0.0215])
    got = escalation_rate(rule, rates, rate_step=0.001)
    np.testing.assert_allclose(got, [0.05, 0.05, 0.05, 0.0, 0.0, 0.022], rtol=1e-15)


def _run(
    make_scenario: Factory, changes: dict[str, Any], samples: int = 2000, seed: int = 7
) -> tuple[Scenario, dict[str, np.ndarray]]:
    scenario = make_scenario(_merge({"run": {"samples": samples}}, changes))
    return scenario, simulate(scenario, seed=seed)


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return deep_update(copy.deepcopy(a), copy.deepcopy(b))


def test_twelfth_sma_2027_amount(make_scenario: Factory) -> None:
    """2026 known 1.5192e12; cpi cap 5% lag 2 and 2.1% CPI in 2025 give 1.5511e12 exactly."""
    _, paths = _run(make_scenario, {"agreement": {"reopen_probability": 0.0}})
    krw = paths["contribution_krw"]
    assert np.all(krw[:, 0] == 1.5192e12)
    assert np.all(krw[:, 1] == 1.5511e12)


@pytest.mark.parametrize(
    ("changes", "expected_2027"),
    [
        pytest.param({"inflation": {"kr": {"initial": 0.08}}}, 1.5952e12, id="cap-binds"),
        pytest.param({"inflation": {"kr": {"initial": 0.0449}}}, 1.5876e12, id="cap-not-binding"),
        pytest.param(
            {
                "inflation": {"kr": {"initial": -0.02}},
                "agreement": {"escalation": {"rule": "cpi", "cap": 0.05, "floor": 0.01}},
            },
            1.5344e12,
            id="floor-binds",
        ),
        pytest.param(
            {
                "inflation": {"kr": {"initial": -0.02}},
                "agreement": {"escalation": {"rule": "cpi", "cap": 0.05}},
            },
            1.4888e12,
            id="no-floor-deflation-shrinks",
        ),
        pytest.param(
            {
                "agreement": {"escalation": {"rule": "cpi", "lag": 1}},
                "pins": {"kr_inflation": {2026: 0.0349}},
            },
            1.5724e12,
            id="lag-1-reads-2026",
        ),
        pytest.param(
            {
                "agreement": {"escalation": {"rule": "cpi", "lag": 0}},
                "pins": {"kr_inflation": {2027: 0.03}},
            },
            1.5648e12,
            id="lag-0-reads-2027",
        ),
        pytest.param(
            {"agreement": {"escalation": {"rule": "defense_budget"}},
             "pins": {"defense": {2026: 0.07}}},
            1.6255e12,
            id="defense-lag-1",
        ),
        pytest.param(
            {"agreement": {"escalation": {"rule": "fixed", "rate": 0.04}}},
            1.5800e12,
            id="fixed-4pct",
        ),
    ],
)
def test_escalation_2027(
    make_scenario: Factory, changes: dict[str, Any], expected_2027: float
) -> None:
    # 1.5192e12 · (1 + g), g: 0.05 | 0.045 | 0.01 | −0.02 | 0.035 | 0.03 | 0.07 | 0.04,
    # rounded to 1e8 KRW.
    _, paths = _run(make_scenario, _merge({"agreement": {"reopen_probability": 0.0}}, changes))
    assert np.all(paths["contribution_krw"][:, 1] == expected_2027)


def test_cpi_lag_2_reads_previous_before_year_1(make_scenario: Factory) -> None:
    """Without a known 2026 amount, 2026 grows by π_kr,−1 = previous (2.32% → 2.3%)."""
    _, paths = _run(
        make_scenario, {"agreement": {"amounts_krw": {}, "reopen_probability": 0.0}}
    )
    # 1.4028e12 · 1.023 = 1.4350644e12 → 1.4351e12; 2027: · 1.021 = 1.4652371e12 → 1.4652e12
    assert np.all(paths["contribution_krw"][:, 0] == 1.4351e12)
    assert np.all(paths["contribution_krw"][:, 1] == 1.4652e12)


def test_defense_lag_1_reads_initial_in_year_1(make_scenario: Factory) -> None:
    _, paths = _run(
        make_scenario,
        {"agreement": {"amounts_krw": {}, "reopen_probability": 0.0,
                       "escalation": {"rule": "defense_budget"}}},
    )
    # 1.4028e12 · (1 + 0.031) = 1.4462868e12 → 1.4463e12
    assert np.all(paths["contribution_krw"][:, 0] == 1.4463e12)
    assert "defense_growth" in paths


def test_fixed_growth_equals_compound_interest(make_scenario: Factory) -> None:
    """``fixed`` growth without rounding: C_t = C_0 (1 + r)^t in every sample."""
    scenario, paths = _run(
        make_scenario,
        {"agreement": {"amounts_krw": {}, "last_year": 2031, "reopen_probability": 0.0,
                       "escalation": {"rule": "fixed", "rate": 0.04},
                       "rate_step": 0.0, "amount_step": 0.0}},
    )
    t = np.arange(1, scenario.run.horizon + 1)
    np.testing.assert_allclose(
        paths["contribution_krw"], np.broadcast_to(1.4028e12 * 1.04**t, (2000, 6)), rtol=1e-14
    )


def test_usd_cpi_keeps_the_real_usd_value(make_scenario: Factory) -> None:
    """``usd_cpi`` without rounding: the contribution in base-year USD stays C_0 / X_0."""
    _, paths = _run(
        make_scenario,
        {"agreement": {"amounts_krw": {}, "last_year": 2031, "reopen_probability": 0.0,
                       "escalation": {"rule": "usd_cpi"}, "amount_step": 0.0}},
    )
    np.testing.assert_allclose(paths["contribution_usd_real"], 1.4028e12 / 1421.40, rtol=1e-12)


def test_status_quo_renews_at_scheduled_negotiations(make_scenario: Factory) -> None:
    _, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2027, "reopen_probability": 0.0},
         "negotiation": {"outcomes": [{"kind": "status_quo", "probability": 1.0, "term": 2}]}},
    )
    # last_year 2027 → negotiate 2028, renewed to 2029 → negotiate 2030, renewed to 2031.
    assert np.all(paths["negotiation_outcome"] == [-1, -1, 0, -1, 0, -1])
    krw = paths["contribution_krw"]
    g = np.clip(round_to_step(paths["inflation_kr"][:, 0], 0.001), None, 0.05)  # π_kr,2026
    assert np.all(krw[:, 2] == round_to_step(krw[:, 1] * (1 + g), 1e8))


def test_lapse_repeats_and_cuts_funding(make_scenario: Factory) -> None:
    _, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2028, "reopen_probability": 0.0},
         "negotiation": {"outcomes": [{"kind": "lapse", "probability": 1.0,
                                       "funding_fraction": 0.5}]}},
    )
    lapse = KIND_CODES["lapse"]
    assert np.all(paths["negotiation_outcome"] == [-1, -1, -1, lapse, lapse, lapse])
    krw = paths["contribution_krw"]
    for t in (3, 4, 5):
        assert np.all(krw[:, t] == round_to_step(0.5 * krw[:, t - 1], 1e8))


def test_lapse_ends_known_amounts_for_good(make_scenario: Factory) -> None:
    """A reopening in 2026 that lapses: the known 2027 amount no longer applies."""
    _, paths = _run(
        make_scenario,
        {"agreement": {"amounts_krw": {2027: 9.9e12}, "last_year": 2028,
                       "reopen_probability": 1.0},
         "negotiation": {"outcomes": [{"kind": "lapse", "probability": 1.0}]}},
    )
    assert np.all(paths["negotiation_outcome"][:, 0] == KIND_CODES["lapse"])
    assert np.all(paths["contribution_krw"] == 1.4028e12)  # frozen, f = 1, every year


def test_known_years_are_never_reopened(make_scenario: Factory) -> None:
    _, paths = _run(
        make_scenario,
        {"agreement": {"reopen_probability": 1.0}, "negotiation": {"outcomes": STATUS_QUO}},
    )
    codes = paths["negotiation_outcome"]
    assert np.all(codes[:, 0] == NO_NEGOTIATION)  # 2026 has a known amount
    assert np.all(codes[:, 1:] == 0)


def test_failed_reopening_does_not_extend_the_agreement(make_scenario: Factory) -> None:
    """Status quo at a reopening leaves last_year: 2028 is still a scheduled negotiation."""
    _, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2027, "reopen_probability": 0.5},
         "negotiation": {"outcomes": [{"kind": "status_quo", "probability": 1.0, "term": 5}]}},
    )
    codes = paths["negotiation_outcome"]
    assert 0.4 < np.mean(codes[:, 1] == 0) < 0.6  # reopened in 2027 about half the time
    assert np.all(codes[:, 2] == 0)  # scheduled 2028 for everyone, renewed to 2032


def test_reopening_frequency(make_scenario: Factory) -> None:
    p = 0.03
    scenario, paths = _run(
        make_scenario,
        {"agreement": {"reopen_probability": p}, "negotiation": {"outcomes": STATUS_QUO}},
        samples=100_000,
    )
    # Years 2027-2030 are agreement years without known amounts; status quo never ends it.
    share = np.mean(paths["negotiation_outcome"][:, 1:5] == 0, axis=0)
    se = np.sqrt(p * (1 - p) / scenario.run.samples)
    assert np.all(np.abs(share - p) < 3 * se)


def test_demand_outcome_formula(make_scenario: Factory) -> None:
    """C_t = (V + s (D − V)) X_t with V = C_t−1 / X_t and s = Beta(a, b) quantile of u."""
    demand = {"kind": "demand", "probability": 1.0, "term": 5,
              "demand_usd": {"values": [5e9, 10e9], "probabilities": [0.6, 0.4]},
              "concession": {"a": 2.0, "b": 8.0}}
    scenario, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2027, "reopen_probability": 0.0, "amount_step": 0.0},
         "negotiation": {"outcomes": [demand]}},
    )
    draws = draw_block(resolve_params(scenario), seed=7, block=0, n=2000)
    u_demand = draws.negotiation_u[2, NEGOTIATION_ROLES.index("demand")]
    u_concession = draws.negotiation_u[2, NEGOTIATION_ROLES.index("concession")]
    demand_usd = np.where(u_demand < 0.6, 5e9, 10e9)
    share = special.betaincinv(2.0, 8.0, u_concession)
    fx = paths["fx_krw_per_usd"][:, 2]
    value = paths["contribution_krw"][:, 1] / fx
    np.testing.assert_allclose(
        paths["contribution_krw"][:, 2], (value + share * (demand_usd - value)) * fx, rtol=1e-12
    )
    assert np.all(paths["negotiation_outcome"][:, 2] == KIND_CODES["demand"])
    assert np.all(paths["negotiation_outcome"][:, 3:] == NO_NEGOTIATION)  # term 5: to 2032
    # The demand agreement goes on with the cpi rule, lag 2: 2029 grows by π_kr,2027.
    g = np.clip(round_to_step(paths["inflation_kr"][:, 1], 0.001), None, 0.05)
    np.testing.assert_allclose(
        paths["contribution_krw"][:, 3], paths["contribution_krw"][:, 2] * (1 + g), rtol=1e-12
    )


def test_demand_concession_share_has_beta_mean(make_scenario: Factory) -> None:
    demand = {"kind": "demand", "probability": 1.0, "term": 5,
              "demand_usd": {"values": [5e9], "probabilities": [1.0]},
              "concession": {"a": 2.0, "b": 8.0}}
    _, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2030, "reopen_probability": 0.0, "amount_step": 0.0},
         "negotiation": {"outcomes": [demand]}},
        samples=50_000,
    )
    fx = paths["fx_krw_per_usd"][:, 5]
    value = paths["contribution_krw"][:, 4] / fx
    share = (paths["contribution_usd"][:, 5] - value) / (5e9 - value)
    mean, sd = 2.0 / 10.0, np.sqrt(2.0 * 8.0 / (10.0**2 * 11.0))
    assert abs(share.mean() - mean) < 3 * sd / np.sqrt(share.size)


def test_demand_outcome_rule_replaces_the_rule_in_force(make_scenario: Factory) -> None:
    demand = {"kind": "demand", "probability": 1.0, "term": 5,
              "demand_usd": {"values": [5e9], "probabilities": [1.0]},
              "concession": {"a": 2.0, "b": 8.0},
              "escalation": {"rule": "fixed", "rate": 0.07}}
    _, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2027, "reopen_probability": 0.0},
         "negotiation": {"outcomes": [demand]}},
    )
    krw = paths["contribution_krw"]
    for t in (3, 4, 5):
        assert np.all(krw[:, t] == round_to_step(krw[:, t - 1] * 1.07, 1e8))


def test_status_quo_after_lapse_renews_the_lapsed_rule(make_scenario: Factory) -> None:
    outcomes = [{"kind": "lapse", "probability": 0.5, "funding_fraction": 0.5},
                {"kind": "status_quo", "probability": 0.5, "term": 5}]
    _, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2027, "reopen_probability": 0.0,
                       "escalation": {"rule": "fixed", "rate": 0.02}},
         "negotiation": {"outcomes": outcomes}},
    )
    codes, krw = paths["negotiation_outcome"], paths["contribution_krw"]
    lapsed_then_renewed = (codes[:, 2] == KIND_CODES["lapse"]) & (
        codes[:, 3] == KIND_CODES["status_quo"])
    assert lapsed_then_renewed.sum() > 100
    rows = np.flatnonzero(lapsed_then_renewed)
    assert np.all(krw[rows, 2] == round_to_step(0.5 * krw[rows, 1], 1e8))
    assert np.all(krw[rows, 3] == round_to_step(1.02 * krw[rows, 2], 1e8))
    assert np.all(codes[rows, 4:] == NO_NEGOTIATION)  # renewed for 5 years from 2029

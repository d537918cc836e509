"""The ``increase`` outcome (MODEL.md §6): a new agreement whose first year moves by a rate."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import special

from simcore.config.schema import Scenario
from simcore.core.errors import ConfigError
from simcore.core.outcomes import KIND_CODES
from simcore.model.agreement import NO_NEGOTIATION, first_year_rate, round_to_step
from simcore.model.engine import simulate
from simcore.model.params import IncreaseParams, resolve_params
from simcore.model.sampling import NEGOTIATION_ROLES, draw_block
from tests.conftest import deep_update

Factory = Callable[..., Scenario]


def _increase(**changes: Any) -> dict[str, Any]:
    return {"kind": "increase", "probability": 1.0, "term": 5,
            "first_year": {"mean": 0.05, "sd": 0.0}, **changes}


def _run(make_scenario: Factory, changes: dict[str, Any], samples: int = 500,
         seed: int = 3) -> tuple[Scenario, dict[str, np.ndarray]]:
    scenario = make_scenario(deep_update({"run": {"samples": samples}}, copy.deepcopy(changes)))
    return scenario, simulate(scenario, seed=seed)


def test_sd_zero_by_hand(make_scenario: Factory) -> None:
    """m = 0.0549 rounds to 5.5%; the new agreement runs 2 years on a fixed 2%.

    2027 = 1.5511e12 (known 2026 · 1.021); 2028 = 1.5511e12 · 1.055 = 1.6364105e12 → 1.6364e12;
    2029 = · 1.02 → 1.6691e12; 2030 (scheduled again) = · 1.055 → 1.7609e12;
    2031 = · 1.02 → 1.7961e12.
    """
    outcome = _increase(term=2, first_year={"mean": 0.0549, "sd": 0.0},
                        escalation={"rule": "fixed", "rate": 0.02})
    _, paths = _run(make_scenario, {"agreement": {"last_year": 2027, "reopen_probability": 0.0},
                                    "negotiation": {"outcomes": [outcome]}})
    expected = [1.5192e12, 1.5511e12, 1.6364e12, 1.6691e12, 1.7609e12, 1.7961e12]
    assert (paths["contribution_krw"] == expected).all()
    increase = KIND_CODES["increase"]
    assert (paths["negotiation_outcome"] == [-1, -1, increase, -1, increase, -1]).all()


def test_default_rule_is_the_rule_in_force(make_scenario: Factory) -> None:
    """No escalation given: 2029 grows by the agreement's cpi rule (lag 2, cap 5%)."""
    _, paths = _run(make_scenario, {"agreement": {"last_year": 2027, "reopen_probability": 0.0},
                                    "negotiation": {"outcomes": [_increase()]}})
    krw = paths["contribution_krw"]
    assert (krw[:, 2] == round_to_step(1.5511e12 * 1.05, 1e8)).all()
    g = np.clip(round_to_step(paths["inflation_kr"][:, 1], 0.001), None, 0.05)  # π_kr,2027
    assert (krw[:, 3] == round_to_step(krw[:, 2] * (1 + g), 1e8)).all()


def test_first_year_rates_match_mean_and_sd(make_scenario: Factory) -> None:
    """Unrounded, r = C_2028 / C_2027 − 1 has mean m and sd s within 3 MCSE."""
    n, m, s = 20_000, 0.05, 0.07
    scenario, paths = _run(
        make_scenario,
        {"agreement": {"last_year": 2027, "reopen_probability": 0.0, "rate_step": 0.0,
                       "amount_step": 0.0},
         "negotiation": {"outcomes": [_increase(first_year={"mean": m, "sd": s})]}},
        samples=n, seed=11,
    )
    krw = paths["contribution_krw"]
    rate = krw[:, 2] / krw[:, 1] - 1
    assert abs(rate.mean() - m) < 3 * s / np.sqrt(n)
    assert abs(rate.std(ddof=1) - s) < 3 * s / np.sqrt(2 * (n - 1))
    # The rate is read from the concession uniform: no random input of its own.
    draws = draw_block(resolve_params(scenario), seed=11, block=0, n=n)
    u = draws.negotiation_u[2, NEGOTIATION_ROLES.index("concession")]
    np.testing.assert_allclose(rate, m + s * special.ndtri(u), rtol=0, atol=1e-12)


def test_first_year_rate_is_rounded_and_floored() -> None:
    outcome = IncreaseParams(probability=1.0, first_year_mean=0.0, first_year_sd=0.5, term=1,
                             escalation=None)
    u = np.array([0.0, special.ndtr(-3.0), 0.5, special.ndtr(0.0431)])
    got = first_year_rate(outcome, u, rate_step=0.001)
    np.testing.assert_allclose(got, [-1.0, -1.0, 0.0, 0.022], rtol=1e-12, atol=1e-15)
    certain = IncreaseParams(probability=1.0, first_year_mean=0.05, first_year_sd=0.0, term=1,
                             escalation=None)
    assert (first_year_rate(certain, np.array([0.0, 0.5]), rate_step=0.0) == 0.05).all()


@pytest.mark.parametrize("outcome", [
    _increase(first_year={"mean": 0.1, "sd": 0.0}),
    {"kind": "demand", "probability": 1.0, "term": 5,
     "demand_usd": {"values": [5e9], "probabilities": [1.0]}, "concession": {"a": 2, "b": 8}},
], ids=["increase", "demand"])
def test_a_new_agreement_ends_the_known_amounts(make_scenario: Factory,
                                                outcome: dict[str, Any]) -> None:
    """Reopened in 2027 (2026 is known, never reopened): 2028's known amount no longer holds.

    With reopenings certain every later year is negotiated; for the increase each is · 1.1:
    2027 = 1.5192e12 · 1.1 → 1.6711e12, 2028 = · 1.1 → 1.8382e12.
    """
    known_2028 = 1.60000001e12
    _, paths = _run(make_scenario, {
        "agreement": {"amounts_krw": {2026: 1.5192e12, 2028: known_2028},
                      "reopen_probability": 1.0},
        "negotiation": {"outcomes": [outcome]}})
    krw, codes = paths["contribution_krw"], paths["negotiation_outcome"]
    code = KIND_CODES[outcome["kind"]]
    assert (codes == [NO_NEGOTIATION, code, code, code, code, code]).all()
    assert (krw[:, 0] == 1.5192e12).all() and (krw[:, 2] != known_2028).all()
    if outcome["kind"] == "increase":
        assert (krw[:, 1] == 1.6711e12).all() and (krw[:, 2] == 1.8382e12).all()


def test_names_and_codes_know_the_kind(make_scenario: Factory) -> None:
    scenario = make_scenario({"negotiation": {"outcomes": [
        {"kind": "status_quo", "probability": 0.5, "term": 5},
        _increase(probability=0.25), _increase(probability=0.25)]}})
    assert scenario.outcome_names == ["status_quo", "increase", "increase_2"]
    assert scenario.outcome_codes == [0, 3, 11]


def test_its_rule_joins_the_rules(make_scenario: Factory) -> None:
    """An increase on defense_budget makes defense growth a stored variable."""
    _, paths = _run(make_scenario, {"negotiation": {"outcomes": [
        _increase(escalation={"rule": "defense_budget", "lag": 1})]}}, samples=10)
    assert "defense_growth" in paths
    with pytest.raises(ConfigError, match=r"defense: the \[defense\] section is required"):
        make_scenario({"defense": None, "negotiation": {"outcomes": [
            _increase(escalation={"rule": "defense_budget"})]}})


@pytest.mark.parametrize(("first_year", "message"), [
    ({"mean": 0.05, "sd": -0.01},
     r"negotiation\.outcomes\[0\]\.first_year\.sd: must be greater than or equal to 0 "
     r"\(got -0\.01\)"),
    ({"mean": -1.0, "sd": 0.1},
     r"negotiation\.outcomes\[0\]\.first_year\.mean: must be greater than -1 \(got -1\.0\)"),
    ({"mean": 0.05}, r"negotiation\.outcomes\[0\]\.first_year\.sd: required key is missing"),
    ({"mean": 0.05, "sd": 0.1, "median": 0.0},
     r"negotiation\.outcomes\[0\]\.first_year\.median: unknown key.*allowed: mean, sd"),
])
def test_invalid_first_year_is_one_line_naming_the_key(
    make_scenario: Factory, first_year: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        make_scenario({"negotiation": {"outcomes": [_increase(first_year=first_year)]}})
    assert "\n" not in str(caught.value)

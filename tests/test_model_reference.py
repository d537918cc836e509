"""The vectorized engine equals the plain per-sample model (tests/reference_model.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from simcore.config.schema import Scenario
from simcore.model.engine import simulate_block
from simcore.model.params import resolve_params
from simcore.model.sampling import draw_block
from tests.reference_model import simulate_reference

Factory = Callable[..., Scenario]
N = 400

MIXED_OUTCOMES = [
    {"kind": "status_quo", "probability": 0.3, "term": 2},
    {"kind": "demand", "probability": 0.4, "term": 3,
     "demand_usd": {"values": [5e9, 10e9], "probabilities": [0.6, 0.4]},
     "concession": {"a": 2.0, "b": 8.0},
     "escalation": {"rule": "defense_budget", "cap": 0.06, "floor": 0.0}},
    {"kind": "lapse", "probability": 0.3, "funding_fraction": 0.5},
]

INCREASE_OUTCOMES = [
    {"kind": "increase", "probability": 0.4, "term": 2, "first_year": {"mean": 0.05, "sd": 0.07},
     "escalation": {"rule": "fixed", "rate": 0.02}},
    {"kind": "status_quo", "probability": 0.2, "term": 3},
    MIXED_OUTCOMES[1] | {"probability": 0.2},
    {"kind": "increase", "probability": 0.1, "term": 4, "first_year": {"mean": -0.1, "sd": 0.0}},
    {"kind": "lapse", "probability": 0.1, "funding_fraction": 0.9},
]

#: Judgments as pools of experts (MODEL.md §6): mixtures sampled by their exact inverse CDF.
POOLED_OUTCOMES = [
    {"kind": "status_quo", "probability": 0.3, "term": 2},
    {"kind": "demand", "probability": 0.4, "term": 3,
     "demand_usd": {"mixture": [
         {"weight": 0.5, "family": "lognormal", "meanlog": 22.6, "sdlog": 0.3},
         {"weight": 0.5, "family": "gamma", "shape": 9.0, "scale": 8e8}]},
     "concession": {"mixture": [{"weight": 0.25, "a": 2.0, "b": 8.0},
                                {"weight": 0.75, "a": 5.0, "b": 5.0}]}},
    {"kind": "lapse", "probability": 0.3,
     "funding_fraction": {"mixture": [{"weight": 0.5, "a": 9.0, "b": 1.0},
                                      {"weight": 0.5, "a": 3.0, "b": 3.0}]}},
]

CASES = {
    "baseline": {},
    "student-t": {"shocks": {"distribution": "student_t", "dof": 4.5}},
    # a full offset (the baseline's) that the $10bn demands push to its floor of 0 in some paths
    "mixed-outcomes": {"agreement": {"last_year": 2027, "reopen_probability": 0.2},
                       "negotiation": {"outcomes": MIXED_OUTCOMES}},
    "pooled-judgments": {"agreement": {"last_year": 2027, "reopen_probability": 0.2},
                         "negotiation": {"outcomes": POOLED_OUTCOMES}},
    "increase-outcomes": {"agreement": {"last_year": 2026, "reopen_probability": 0.2},
                          "negotiation": {"outcomes": INCREASE_OUTCOMES}},
    "usd-cpi": {"agreement": {"escalation": {"rule": "usd_cpi"}, "reopen_probability": 0.1}},
    "fixed-and-pins": {
        "agreement": {"escalation": {"rule": "fixed", "rate": 0.035}},
        "pins": {"kr_inflation": {2027: 0.03}, "fx": {2029: 1500.0},
                 "troops": {2028: 24000}, "us_inflation": {2026: 0.02}},
    },
    "trend-and-gap": {"inflation": {"kr": {"trend_volatility": 0.004, "persistence": 0.3},
                                    "us": {"trend_volatility": 0.002}}},
    "stochastic-volatility": {
        "inflation": {"kr": {"trend_volatility": 0.003, "log_variance_sd": 0.4},
                      "us": {"log_variance_sd": 0.2}},
        "pins": {"kr_inflation": {2028: 0.01}}},
    "tables-of-draws": {
        "inflation": {"kr": {"mean": [0.01, 0.02, 0.03, 0.035, 0.04],
                             "persistence": [0.1, 0.5, -0.2, 0.9, 0.0],
                             "volatility": [0.01, 0.005, 0.02, 0.0, 0.011],
                             "trend_volatility": [0.0, 0.0, 0.0, 0.004, 0.006]},
                      "us": {"volatility": [0.01, 0.03]}},
        "fx": {"volatility": [0.03, 0.05, 0.08], "reversion": 0.0},
        "defense": {"real_growth": [0.01, 0.05]},
        "agreement": {"escalation": {"rule": "defense_budget", "lag": 1}},
        "pins": {"us_inflation": {2027: 0.02}}},
    "real-anchor": {"fx": {"reversion": 0.3, "anchor": [1250.0, 1300.0, 1400.0],
                           "ppp": [1.0, 0.5, 0.0], "real_anchor": True},
                    "pins": {"fx": {2028: 1350.0}}},
    "three-levels": {"troops": {"levels": [28500, 24000, 20000], "initial": 24000,
                                "transition": [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1],
                                               [0.0, 0.3, 0.7]]},
                     "us_cost": {"troop_elasticity": 0.7, "offset_share": 0.4}},
}


@pytest.mark.parametrize("changes", list(CASES.values()), ids=list(CASES))
def test_engine_equals_per_sample_model(make_scenario: Factory, changes: dict[str, Any]) -> None:
    scenario = make_scenario({"run": {"samples": N}, **changes})
    draws = draw_block(resolve_params(scenario), seed=21, block=0, n=N)
    expected = simulate_reference(scenario, draws)
    got = simulate_block(scenario, 0, seed=21)
    for name, values in got.items():
        if name == "defense_growth":
            continue
        np.testing.assert_allclose(values, expected[name], rtol=1e-11, atol=0, err_msg=name)

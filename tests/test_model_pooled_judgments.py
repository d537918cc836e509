"""Judgments the model samples as pools of experts (MODEL.md §6): a concession share, a
demand and a lapse's funding fraction drawn from mixtures by their exact inverse CDF."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from simcore.config.schema import DemandOutcome, LapseOutcome, Scenario
from simcore.model.engine import simulate
from simcore.model.params import resolve_params
from simcore.model.sampling import NEGOTIATION_ROLES, draw_block
from simcore.stats.elicitation import Distribution, linear_pool

Factory = Callable[..., Scenario]
POOLED_CONCESSION = {"mixture": [{"weight": 0.25, "a": 2.0, "b": 8.0},
                                 {"weight": 0.5, "a": 3.0, "b": 5.0},
                                 {"weight": 0.25, "a": 10.0, "b": 10.0}]}
POOLED_DEMAND = {"mixture": [
    {"weight": 0.6, "family": "lognormal", "meanlog": math.log(6e9), "sdlog": 0.25},
    {"weight": 0.4, "family": "gamma", "shape": 16.0, "scale": 6e8}]}
#: One scheduled negotiation, in 2031 (the 12th SMA ends in 2030), and nothing else random
#: about the amounts: no reopening, no rounding.
ONE_NEGOTIATION = {"last_year": 2030, "reopen_probability": 0.0, "amount_step": 0.0}


def _demand_scenario(make_scenario: Factory, samples: int, **demand: object) -> Scenario:
    outcome = {"kind": "demand", "probability": 1.0, "term": 5,
               "demand_usd": {"values": [5e9], "probabilities": [1.0]},
               "concession": POOLED_CONCESSION} | demand
    return make_scenario({"run": {"samples": samples}, "agreement": ONE_NEGOTIATION,
                          "negotiation": {"outcomes": [outcome]}})


def _uniform(scenario: Scenario, role: str, seed: int) -> np.ndarray:
    draws = draw_block(resolve_params(scenario), seed=seed, block=0, n=scenario.run.samples)
    return np.asarray(draws.negotiation_u[5, NEGOTIATION_ROLES.index(role)])


def test_the_pooled_concession_is_the_pool_quantile_of_the_concession_uniform(
    make_scenario: Factory,
) -> None:
    scenario = _demand_scenario(make_scenario, 2000, demand_usd=POOLED_DEMAND)
    paths = simulate(scenario, seed=7)
    outcome = scenario.negotiation.outcomes[0]
    assert isinstance(outcome, DemandOutcome)
    share = outcome.concession.law().ppf(_uniform(scenario, "concession", 7))
    demand = outcome.demand_usd.law().ppf(_uniform(scenario, "demand", 7))
    fx = paths["fx_krw_per_usd"][:, 5]
    value = paths["contribution_krw"][:, 4] / fx
    np.testing.assert_allclose(paths["contribution_krw"][:, 5],
                               (value + share * (demand - value)) * fx, rtol=1e-12)
    # The pool the configuration describes is the experts' linear pool.
    pool = linear_pool([Distribution("beta", (2.0, 8.0)), Distribution("beta", (3.0, 5.0)),
                        Distribution("beta", (10.0, 10.0))], [1, 2, 1])
    assert outcome.concession.law() == pool


def test_a_pooled_mixture_sampled_by_the_model_has_the_pools_quantiles(
    make_scenario: Factory,
) -> None:
    """The concession shares implied by the stored amounts: at each level p, the pool's CDF
    at the sample's P-quantile is p within 4 standard errors sqrt(p (1 − p) / n)."""
    n = 40_000
    scenario = _demand_scenario(make_scenario, n)
    paths = simulate(scenario, seed=11)
    value = paths["contribution_krw"][:, 4] / paths["fx_krw_per_usd"][:, 5]
    share = (paths["contribution_usd"][:, 5] - value) / (5e9 - value)
    outcome = scenario.negotiation.outcomes[0]
    assert isinstance(outcome, DemandOutcome)
    pool = outcome.concession.law()
    for p in (0.05, 0.25, 0.5, 0.75, 0.95):
        reached = float(pool.cdf(np.quantile(share, p)))
        assert abs(reached - p) <= 4 * math.sqrt(p * (1 - p) / n), p
    # The pool is not a Beta: a single Beta with the pool's mean misses its quartiles.
    single = Distribution("beta", (pool.mean * 12, (1 - pool.mean) * 12))
    assert abs(float(single.cdf(np.quantile(share, 0.25))) - 0.25) > 0.02


@pytest.mark.parametrize("law", [{"a": 8.0, "b": 2.0},
                                 {"mixture": [{"weight": 0.5, "a": 9.0, "b": 1.0},
                                              {"weight": 0.5, "a": 3.0, "b": 3.0}]}])
def test_a_lapse_funding_fraction_drawn_from_its_law(
    make_scenario: Factory, law: dict[str, object]
) -> None:
    lapse = {"kind": "lapse", "probability": 1.0, "funding_fraction": law}
    scenario = make_scenario({"run": {"samples": 1000}, "agreement": ONE_NEGOTIATION,
                              "negotiation": {"outcomes": [lapse]}})
    paths = simulate(scenario, seed=3)
    outcome = scenario.negotiation.outcomes[0]
    assert isinstance(outcome, LapseOutcome) and not isinstance(outcome.funding_fraction, float)
    fraction = outcome.funding_fraction.law().ppf(_uniform(scenario, "concession", 3))
    krw = paths["contribution_krw"]
    np.testing.assert_allclose(krw[:, 5], fraction * krw[:, 4], rtol=1e-14)
    assert np.all(fraction <= 1.0)

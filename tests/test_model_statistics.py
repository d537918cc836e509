"""Closed forms within 3 Monte Carlo standard errors (fixed seeds)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.model.engine import simulate
from simcore.model.params import resolve_params
from simcore.model.sampling import draw_block
from simcore.model.shocks import model_shocks
from simcore.stats.linalg import correlation_factor
from tests.conftest import BASELINE

Factory = Callable[..., Scenario]
N = 200_000


def _within(estimate: np.ndarray, truth: np.ndarray, se: np.ndarray, k: float = 3.0) -> None:
    z = np.abs(np.asarray(estimate) - truth) / se
    assert np.all(z < k), f"|estimate - truth| / se = {z}"


def test_lognormal_random_walk_mean(make_scenario: Factory) -> None:
    """κ = 0, β = 0: X_t = X_0 exp(σ Σ z), E[X_t] = X_0 exp(t σ² / 2)."""
    sigma, x0 = 0.074, 1421.40
    paths = simulate(
        make_scenario({"run": {"samples": N}, "fx": {"reversion": 0.0, "ppp": 0.0}}), seed=11
    )
    fx = paths["fx_krw_per_usd"]
    t = np.arange(1, 7)
    truth = x0 * np.exp(t * sigma**2 / 2)
    _within(fx.mean(axis=0), truth, fx.std(axis=0, ddof=1) / np.sqrt(N))


@pytest.mark.parametrize("country", ["kr", "us"])
def test_ar1_mean_and_variance(make_scenario: Factory, country: str) -> None:
    """E[π_t] = μ + φ^t (π_0 − μ); Var[π_t] = σ² (1 − φ^{2t}) / (1 − φ²)."""
    scenario = make_scenario({"run": {"samples": N}})
    process = getattr(scenario.inflation, country)
    paths = simulate(scenario, seed=12)
    rate = paths[f"inflation_{country}"]
    t = np.arange(1, 7)
    mu, phi, sigma = process.mean, process.persistence, process.volatility
    mean = mu + phi**t * (process.initial - mu)
    variance = sigma**2 * (1 - phi ** (2 * t)) / (1 - phi**2)
    _within(rate.mean(axis=0), mean, np.sqrt(variance / N))
    # Normal shocks: the sample variance has standard error σ_t² sqrt(2 / (N − 1)).
    _within(rate.var(axis=0, ddof=1), variance, variance * np.sqrt(2 / (N - 1)))


def test_troop_law_is_row_of_matrix_power(make_scenario: Factory) -> None:
    q = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.0, 0.3, 0.7]]
    levels = [28500, 24000, 20000]
    paths = simulate(
        make_scenario({"run": {"samples": N},
                       "troops": {"levels": levels, "initial": 24000, "transition": q}}),
        seed=13,
    )
    troops = paths["troops"]
    qm = np.asarray(q)
    for t in range(6):
        law = np.linalg.matrix_power(qm, t + 1)[1]
        share = np.array([np.mean(troops[:, t] == level) for level in levels])
        _within(share, law, np.sqrt(np.maximum(law * (1 - law), 1e-12) / N))


def _shocks(correlation: np.ndarray, dof: float | None = None) -> np.ndarray:
    params = dataclasses.replace(
        resolve_params(load_scenario(BASELINE)),
        dof=dof, correlation=correlation, correlation_factor=correlation_factor(correlation),
    )
    samples = []
    for block in range(4):
        draws = draw_block(params, seed=14, block=block, n=65536)
        samples.append(model_shocks(draws.g, dof=dof, w=draws.w))
    return np.concatenate([s.reshape(4, -1) for s in samples], axis=1)


CORRELATION = np.array(
    [[1.0, 0.64, 0.22, 0.0], [0.64, 1.0, 0.0, 0.0], [0.22, 0.0, 1.0, -0.3], [0.0, 0.0, -0.3, 1.0]]
)


def test_shock_correlations_match_the_matrix() -> None:
    z = _shocks(CORRELATION)
    n = z.shape[1]
    estimate = np.corrcoef(z)
    # Standard error of a sample correlation of normals: (1 − ρ²) / sqrt(n).
    _within(estimate, CORRELATION, (1 - CORRELATION**2) / np.sqrt(n) + 1e-12)


def test_singular_correlation_is_factored() -> None:
    singular = np.array([[1.0, 1.0, 0, 0], [1.0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])
    factor = correlation_factor(singular)
    np.testing.assert_allclose(factor @ factor.T, singular, atol=1e-12)
    z = _shocks(singular)
    np.testing.assert_allclose(z[0], z[1], atol=1e-9)


def test_student_t_shocks_have_unit_variance() -> None:
    """ν = 6: marginal t_6 with unit variance; kurtosis 6, so SE(var) = sqrt(5 / n)."""
    z = _shocks(CORRELATION, dof=6.0)
    n = z.shape[1]
    _within(z.var(axis=1, ddof=1), np.ones(4), np.full(4, np.sqrt(5 / n)))
    # Tail dependence: the shared chi-square makes |z| co-move even for uncorrelated drivers.
    big = np.abs(z) > 3
    assert np.mean(big[0] & big[3]) > 2 * np.mean(big[0]) * np.mean(big[3])


def test_driver_order_does_not_change_the_shocks(make_scenario: Factory) -> None:
    """R is given over listed drivers in any order; the canonical factor is the same."""
    reordered = make_scenario(
        {"shocks": {"drivers": ["fx", "defense", "kr_inflation", "us_inflation"],
                    "correlation": [[1.0, 0.0, 0.22, 0.0], [0.0, 1.0, 0.0, 0.0],
                                    [0.22, 0.0, 1.0, 0.64], [0.0, 0.0, 0.64, 1.0]]}}
    )
    original = make_scenario()
    np.testing.assert_array_equal(
        reordered.shocks.full_correlation(), original.shocks.full_correlation()
    )

"""Berkowitz's test and the null sd of the mean PIT, against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special, stats

from simcore.stats.forecast_tests import berkowitz_test, mean_pit_null_sd


def _exact_ar1_log_likelihood(params: np.ndarray, z: np.ndarray) -> float:
    mu, log_sigma, rho = params
    sigma2 = math.exp(2 * log_sigma)
    first = stats.norm.logpdf(z[0], mu, math.sqrt(sigma2 / (1 - rho * rho)))
    rest = stats.norm.logpdf(z[1:], mu + rho * (z[:-1] - mu), math.sqrt(sigma2)).sum()
    return float(first + rest)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_berkowitz_maximises_the_exact_ar1_likelihood(seed: int) -> None:
    """The profile over ρ equals a 3-parameter optimisation of the exact likelihood."""
    rng = np.random.default_rng(seed)
    z = np.empty(25)
    z[0] = rng.standard_normal()
    for t in range(1, 25):
        z[t] = 0.3 + 0.4 * z[t - 1] + 1.3 * rng.standard_normal()
    pit = special.ndtr(z)
    result = berkowitz_test(pit, floor=1e-9)
    best = optimize.minimize(lambda p: -_exact_ar1_log_likelihood(p, z), x0=[0.0, 0.0, 0.0],
                             bounds=[(-5, 5), (-3, 3), (-0.99, 0.99)], method="L-BFGS-B")
    null = float(stats.norm.logpdf(z).sum())
    assert result.statistic == pytest.approx(2 * (-best.fun - null), rel=1e-6)
    assert result.p_value == pytest.approx(stats.chi2.sf(result.statistic, 3), rel=1e-12)
    assert (result.mean, result.sd, result.autocorrelation) == pytest.approx(
        (best.x[0], math.exp(best.x[1]), best.x[2]), rel=1e-3, abs=1e-4)


def test_berkowitz_has_its_size_and_its_power() -> None:
    """Uniform PITs reject at 5% about 5% of the time (n = 100: the χ²₃ approximation,
    binomial SE 0.7 points over 1000 sequences); too-narrow forecasts (z of sd 1.5) reject
    almost always."""
    rng = np.random.default_rng(9)
    calibrated = [berkowitz_test(rng.random(100), floor=1e-9).p_value for _ in range(1000)]
    rate = np.mean(np.array(calibrated) < 0.05)
    assert abs(rate - 0.05) < 3 * math.sqrt(0.05 * 0.95 / 1000)
    narrow = [berkowitz_test(special.ndtr(1.5 * rng.standard_normal(100)), floor=1e-9).p_value
              for _ in range(200)]
    assert np.mean(np.array(narrow) < 0.05) > 0.95


def test_a_pit_of_zero_or_one_is_floored() -> None:
    result = berkowitz_test(np.array([0.0, 0.5, 1.0, 0.3, 0.7]), floor=0.5 / 1000)
    assert math.isfinite(result.statistic)


def test_the_mean_pit_sd_at_lead_one_is_that_of_independent_uniforms() -> None:
    for n in (1, 15, 20):
        assert mean_pit_null_sd(n, 1) == pytest.approx(math.sqrt(1 / 12 / n), rel=1e-15)


@pytest.mark.parametrize(("n", "lead", "persistence"), [(14, 2, 1.0), (10, 6, 1.0),
                                                         (12, 4, 0.5)])
def test_the_mean_pit_sd_matches_a_simulated_calibrated_forecaster(
    n: int, lead: int, persistence: float
) -> None:
    """Forecasts of an AR(1) from consecutive origins with the true law: the sd of their
    mean PIT over 40,000 replications, within 3 standard errors (sd · 1/√(2(R − 1)))."""
    rng = np.random.default_rng(10)
    reps = 40_000
    shocks = rng.standard_normal((reps, n + lead))
    weights = persistence ** np.arange(lead)[::-1]
    errors = np.stack([shocks[:, o + 1:o + 1 + lead] @ weights for o in range(n)], axis=1)
    pit = special.ndtr(errors / math.sqrt(weights @ weights))
    simulated = pit.mean(axis=1).std(ddof=1)
    expected = mean_pit_null_sd(n, lead, persistence)
    assert abs(simulated - expected) < 3 * simulated / math.sqrt(2 * (reps - 1))


def test_the_random_walk_gives_the_widest_band() -> None:
    for lead in range(2, 7):
        walk = mean_pit_null_sd(12, lead, 1.0)
        for phi in np.linspace(0.0, 0.99, 12):
            assert mean_pit_null_sd(12, lead, float(phi)) <= walk + 1e-15

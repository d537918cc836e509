"""Posterior draws of the drivers' parameters against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simcore.stats.posterior import (
    PERSISTENCE_BOUND,
    AR1Summary,
    ar1_posterior,
    local_level_draws,
    local_level_posterior,
    random_walk_variance,
    sd_grid,
)


def _summary(x: np.ndarray, y: np.ndarray) -> AR1Summary:
    design = np.column_stack([np.ones_like(x), x])
    v = np.linalg.inv(design.T @ design)
    coef = v @ design.T @ y
    residuals = y - design @ coef
    return AR1Summary(intercept=coef[0], slope=coef[1], v_cc=v[0, 0], v_cp=v[0, 1],
                      v_pp=v[1, 1], rss=float(residuals @ residuals), n=y.size)


def _rejection(fit: AR1Summary, rng: np.random.Generator, size: int) -> np.ndarray:
    """The same posterior the plain way: σ² from its marginal, (c, φ) | σ² normal, draws
    with |φ| ≥ 1 rejected. Returns (c, φ, σ) rows."""
    out: list[np.ndarray] = []
    v = np.array([[fit.v_cc, fit.v_cp], [fit.v_cp, fit.v_pp]])
    factor = np.linalg.cholesky(v)
    while sum(len(o) for o in out) < size:
        variance = fit.rss / rng.chisquare(fit.n - 2, size)
        coef = (np.array([fit.intercept, fit.slope])[:, None]
                + factor @ rng.standard_normal((2, size)) * np.sqrt(variance))
        keep = np.abs(coef[1]) < 1
        out.append(np.column_stack([coef[0, keep], coef[1, keep], np.sqrt(variance[keep])]))
    return np.concatenate(out)[:size]


@pytest.mark.parametrize("slope", [0.5, 0.97])
def test_the_ar1_posterior_equals_rejection_sampling(slope: float) -> None:
    """Exact draws (truncated t, then σ² | φ, then c | φ, σ²) have the law of the joint's
    draws with |φ| ≥ 1 rejected: two-sample KS on each parameter and on τ_0."""
    rng = np.random.default_rng(1)
    y = np.empty(16)
    y[0] = 0.03
    for t in range(1, 16):
        y[t] = 0.01 + slope * y[t - 1] + 0.01 * rng.standard_normal()
    fit = _summary(y[:-1], y[1:])
    mine = ar1_posterior(fit, np.random.default_rng(2), 20_000)
    plain = _rejection(fit, np.random.default_rng(3), 20_000)
    intercept = mine.mean * (1 - mine.persistence)
    for a, b in ((intercept, plain[:, 0]), (mine.persistence, plain[:, 1]),
                 (mine.volatility, plain[:, 2])):
        assert stats.ks_2samp(a, b).pvalue > 0.001
    assert np.all(mine.trend_volatility == 0.0)


def test_an_explosive_estimate_still_gives_stationary_draws() -> None:
    """φ̂ ≈ 1.1 (as one synthetic history gave 0.2's backtest) or far beyond, with a tiny
    standard error: no error, every draw inside the bound, the mass on the estimate's side
    (spread over it by the t marginal's polynomial tail)."""
    rng = np.random.default_rng(4)
    x = 0.02 + 0.01 * np.arange(10)
    for slope, noise in ((1.1, 0.003), (1.5, 1e-6), (-3.0, 1e-6)):
        fit = _summary(x, 0.001 + slope * x + noise * rng.standard_normal(10))
        draws = ar1_posterior(fit, np.random.default_rng(5), 2000)
        assert np.all(np.abs(draws.persistence) <= PERSISTENCE_BOUND)
        assert np.all(np.isfinite(draws.mean)) and np.all(draws.volatility > 0)
        assert abs(np.median(draws.persistence)) > 0.7
        assert np.sign(np.median(draws.persistence)) == np.sign(slope)


def test_the_local_level_likelihood_is_that_of_the_differences() -> None:
    """With a diffuse initial level the likelihood is that of Δπ, MA(1) with variance
    σ_η² + 2σ_ε² and lag-1 covariance −σ_ε²: the grid's posterior weights are its normalised
    densities (log-uniform prior = uniform over the grid)."""
    rng = np.random.default_rng(5)
    levels = 0.03 + np.cumsum(0.004 * rng.standard_normal(20)) + 0.008 * rng.standard_normal(20)
    posterior = local_level_posterior(levels)
    diffs = np.diff(levels)
    n = diffs.size
    log_density = []
    for noise, level in zip(posterior.noise_sd, posterior.level_sd, strict=True):
        cov = (np.eye(n) * (level**2 + 2 * noise**2)
               - noise**2 * (np.eye(n, k=1) + np.eye(n, k=-1)))
        log_density.append(stats.multivariate_normal(np.zeros(n), cov).logpdf(diffs))
    weight = np.exp(np.array(log_density) - max(log_density))
    np.testing.assert_allclose(posterior.weight, weight / weight.sum(), rtol=1e-8, atol=1e-14)


def test_the_last_level_is_the_gaussian_conditional() -> None:
    """a_T and P_T equal the conditional law of τ_T given π_1..T, computed from the joint
    Gaussian with a vague prior on τ_1 (variance 1 for rates of order 0.01)."""
    levels = np.array([0.02, 0.025, 0.018, 0.03, 0.028, 0.035])
    posterior = local_level_posterior(levels)
    k = 17 * 60 + 40  # one grid point
    noise, level = posterior.noise_sd[k], posterior.level_sd[k]
    n = levels.size
    steps = np.tril(np.ones((n, n)))  # τ_t = τ_1 + Σ η
    tau_cov = 1.0 * np.ones((n, n)) + level**2 * (steps @ steps.T - np.ones((n, n)))
    obs_cov = tau_cov + noise**2 * np.eye(n)
    gain = tau_cov[-1] @ np.linalg.inv(obs_cov)
    np.testing.assert_allclose(posterior.level[k], gain @ levels, rtol=1e-6)
    np.testing.assert_allclose(posterior.level_variance[k],
                               tau_cov[-1, -1] - gain @ tau_cov[:, -1], rtol=1e-4)


def test_local_level_draws_follow_the_grid_weights() -> None:
    levels = np.array([0.02, 0.025, 0.018, 0.03, 0.028, 0.035, 0.01, 0.012])
    posterior = local_level_posterior(levels)
    draws = local_level_draws(posterior, np.random.default_rng(6), 40_000)
    assert np.all(draws.persistence == 0.0)
    grid = sd_grid()
    assert set(np.unique(draws.volatility)) <= set(grid.tolist())
    # E[σ_ε] under the draws is the weights' mean, within Monte Carlo error.
    mean = float(posterior.weight @ posterior.noise_sd)
    sd = math.sqrt(float(posterior.weight @ (posterior.noise_sd - mean) ** 2))
    assert abs(draws.volatility.mean() - mean) < 4 * sd / math.sqrt(40_000)
    # τ_T: the mixture of the grid points' normals.
    level_mean = float(posterior.weight @ posterior.level)
    level_sd = math.sqrt(float(posterior.weight @ (posterior.level_variance
                                                   + (posterior.level - level_mean) ** 2)))
    assert abs(draws.mean.mean() - level_mean) < 4 * level_sd / math.sqrt(40_000)


def test_a_long_history_does_not_underflow_the_likelihood() -> None:
    levels = 0.02 + 0.001 * np.random.default_rng(7).standard_normal(600)
    posterior = local_level_posterior(levels)
    assert np.isfinite(posterior.weight).all() and posterior.weight.sum() == pytest.approx(1.0)


def test_the_random_walk_variance_is_the_scaled_inverse_chi_square() -> None:
    """σ² = Σy²/χ²_n: E[σ²] = Σy² / (n − 2)."""
    y = np.array([0.05, -0.03, 0.08, -0.02, 0.01, 0.04, -0.06, 0.02, 0.0, -0.01])
    sigma = random_walk_variance(y, np.random.default_rng(8), 200_000)
    variance = sigma**2
    expected = float(y @ y) / (y.size - 2)
    assert abs(variance.mean() - expected) < 4 * variance.std() / math.sqrt(variance.size)
    with pytest.raises(ValueError, match="at least 2 increments"):
        random_walk_variance(y[:1], np.random.default_rng(8), 10)

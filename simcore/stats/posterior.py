"""Posterior draws of the drivers' parameters (docs/spec/METHODS.md §C).

Three models, each an exact sampler (no Markov chain, no rejection):

- :func:`ar1_posterior`: the Bayesian AR(1) ``y_t = c + φ y_{t−1} + σ e_t`` under the flat
  prior on ``(c, φ, ln σ)`` restricted to ``|φ| < 1`` (Zellner 1971, ch. 7): φ from its
  marginal, a Student t on ``n − 2`` degrees of freedom around the OLS estimate truncated to
  (−1, 1) and drawn by its inverse CDF; then ``σ² | φ`` (a scaled inverse chi-square on
  ``n − 1``) and ``c | φ, σ²`` (normal). A persistence estimate at or beyond 1 is no
  error: the posterior is still proper on (−1, 1), its mass piled near the bound.
- :func:`local_level_posterior`: the local level model ``π_t = τ_t + ε_t``, ``τ_t = τ_{t−1} +
  η_t`` (Muth 1960; Harvey 1989) with a diffuse initial level and log-uniform priors on both
  sds over a grid (the posterior computed exactly at every grid point by the Kalman filter),
  and the last level ``τ_T ~ N(a_T, P_T)`` given the grid point.
- :func:`random_walk_variance`: ``σ² = Σ y_t² / χ²_n`` for driftless increments ``y``
  under the prior ∝ 1/σ².

Randomness enters through the ``numpy.random.Generator`` passed in. No number goes through
BLAS, LAPACK or numpy's SIMD-specific exp and log: arithmetic is elementwise, logs and
exponentials are :mod:`math`'s or scipy's scalar special functions, the Student t's CDF and
quantile are scipy's (the same scalar code on every CPU), and sums are sequential.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

#: Persistence draws are kept within ±this bound, so that a table rounded to 4 significant
#: digits stays inside (−1, 1).
PERSISTENCE_BOUND = 0.9999
#: The grid of the local level model's sds: log-uniform on [0.1, 3] percentage points, in
#: fractions per year, ``GRID_POINTS`` values on each axis.
GRID_RANGE = (0.001, 0.03)
GRID_POINTS = 60
#: A running product of variances is logged and restarted below this (a variance is at least
#: 1e-6 here, so one more year cannot underflow it).
_FOLD_BELOW = 1e-250


@dataclass(frozen=True)
class AR1Summary:
    """What the AR(1) posterior needs of the OLS fit of ``y`` on ``[1, x]``.

    Attributes
    ----------
    intercept, slope : float
        OLS ``ĉ`` and ``φ̂``.
    v_cc, v_cp, v_pp : float
        ``(XᵀX)⁻¹``: its intercept, cross and slope entries.
    rss : float
        Residual sum of squares.
    n : int
        Pairs ``(x_t, y_t)``, at least 3.
    """

    intercept: float
    slope: float
    v_cc: float
    v_cp: float
    v_pp: float
    rss: float
    n: int


@dataclass(frozen=True)
class InflationDraws:
    """Parameter draws of one inflation driver, each an array of shape (M,): the trend's
    base-year level ``mean`` (τ_0), the gap's ``persistence`` (φ) and ``volatility`` (s^g),
    the trend's ``trend_volatility`` (s^τ)."""

    mean: np.ndarray
    persistence: np.ndarray
    volatility: np.ndarray
    trend_volatility: np.ndarray

    def columns(self) -> dict[str, np.ndarray]:
        """The draws by parameter name, in the order of a draws file's columns."""
        return {"mean": self.mean, "persistence": self.persistence,
                "volatility": self.volatility, "trend_volatility": self.trend_volatility}


def _truncated_t(df: float, location: float, scale: float, u: np.ndarray) -> np.ndarray:
    """Draws of ``location + scale · T``, T ~ t(df), truncated to (−1, 1), by inverse CDF.

    Worked on the side of the location's sign where the interval lies in the lower tail (the
    interval is symmetric), so that its probabilities are small numbers stored accurately
    rather than differences of numbers near 1.
    """
    sign = -1.0 if location < 0 else 1.0
    m = abs(location)
    lower = float(special.stdtr(df, (-1.0 - m) / scale))
    upper = float(special.stdtr(df, (1.0 - m) / scale))
    if not upper > lower:  # the whole mass beyond floating point: the nearest bound
        return np.full(u.shape, sign * PERSISTENCE_BOUND)
    t = special.stdtrit(df, lower + u * (upper - lower))
    draws = sign * (m + scale * t)
    return np.clip(draws, -PERSISTENCE_BOUND, PERSISTENCE_BOUND)


def ar1_posterior(fit: AR1Summary, rng: np.random.Generator, size: int) -> InflationDraws:
    """Exact draws from the Bayesian AR(1) posterior, as inflation parameters.

    The rows are ``τ_0 = c / (1 − φ)`` (the mean), φ, σ and a trend volatility of 0: the AR(1)
    with a frozen trend (MODEL.md §2). Uses ``rng`` for ``size`` uniforms, chi-squares and
    normals, in that order.
    """
    n = fit.n
    if n < 3:
        raise ValueError(f"the AR(1) posterior needs at least 3 pairs (got {n})")
    scale = math.sqrt(fit.rss * fit.v_pp / (n - 2))
    phi = _truncated_t(n - 2, fit.slope, scale, rng.random(size))
    offset = phi - fit.slope
    variance = (fit.rss + offset * offset / fit.v_pp) / rng.chisquare(n - 1, size)
    conditional = fit.v_cc - fit.v_cp * fit.v_cp / fit.v_pp
    intercept = (fit.intercept + (fit.v_cp / fit.v_pp) * offset
                 + np.sqrt(variance * conditional) * rng.standard_normal(size))
    return InflationDraws(mean=intercept / (1.0 - phi), persistence=phi,
                          volatility=np.sqrt(variance), trend_volatility=np.zeros(size))


def sd_grid() -> np.ndarray:
    """The grid of either sd of the local level model, log-uniform on :data:`GRID_RANGE`."""
    low, high = (math.log(v) for v in GRID_RANGE)
    step = (high - low) / (GRID_POINTS - 1)
    return np.array([math.exp(low + k * step) for k in range(GRID_POINTS)])


@dataclass(frozen=True)
class LocalLevelPosterior:
    """The local level model's posterior on the grid.

    Attributes
    ----------
    noise_sd, level_sd : ndarray, shape (G,)
        σ_ε and σ_η of each grid point (all pairs of :func:`sd_grid`).
    weight : ndarray, shape (G,)
        Posterior probability of each grid point (sums to 1).
    level, level_variance : ndarray, shape (G,)
        ``a_T`` and ``P_T``: the last level's mean and variance given the data and the point.
    """

    noise_sd: np.ndarray
    level_sd: np.ndarray
    weight: np.ndarray
    level: np.ndarray
    level_variance: np.ndarray


def local_level_posterior(levels: np.ndarray) -> LocalLevelPosterior:
    """The exact grid posterior of the local level model of ``levels`` (at least 3 years).

    The initial level is diffuse: the first observation fixes ``a_1 = π_1``,
    ``P_1 = σ_ε²`` (Durbin & Koopman 2012, §2.9), and the likelihood is that of the later
    observations given it, ``Σ_t [ln F_t + v_t² / F_t] / −2`` with ``v_t`` the one-step
    error and ``F_t`` its variance. The priors are log-uniform, i.e. uniform over the grid.
    """
    values = [float(v) for v in levels]
    if len(values) < 3:
        raise ValueError(f"the local level posterior needs at least 3 years (got {len(values)})")
    grid = sd_grid()
    noise = np.repeat(grid, grid.size)
    level_sd = np.tile(grid, grid.size)
    noise_var, level_var = noise * noise, level_sd * level_sd
    a = np.full(noise.size, values[0])
    p = noise_var.copy()
    # Σ ln F_t as ln Π F_t, logged by math.log once per point (no SIMD log on arrays), the
    # product folded into the sum before it could underflow.
    product = np.ones(noise.size)
    log_product = [0.0] * noise.size
    quadratic = np.zeros(noise.size)
    for value in values[1:]:
        predicted = p + level_var
        f = predicted + noise_var
        v = value - a
        quadratic += v * v / f
        product *= f
        if product.min() < _FOLD_BELOW:
            log_product = [s + math.log(x) for s, x in zip(log_product, product.tolist(),
                                                            strict=True)]
            product.fill(1.0)
        gain = predicted / f
        a = a + gain * v
        p = predicted * noise_var / f
    log_likelihood = np.array([-0.5 * (s + math.log(x) + q) for s, x, q in zip(
        log_product, product.tolist(), quadratic.tolist(), strict=True)])
    top = float(log_likelihood.max())
    weight = np.array([math.exp(value - top) for value in log_likelihood.tolist()])
    weight /= math.fsum(weight.tolist())
    return LocalLevelPosterior(noise_sd=noise, level_sd=level_sd, weight=weight, level=a,
                               level_variance=p)


def local_level_draws(posterior: LocalLevelPosterior, rng: np.random.Generator, size: int
                      ) -> InflationDraws:
    """Draws of the local level model as inflation parameters: a grid point by its posterior
    probability (inverse CDF of a uniform), then ``τ_T ~ N(a_T, P_T)``; the gap is white noise
    (φ = 0) with sd σ_ε, the trend's sd σ_η. Uses ``rng`` for ``size`` uniforms, then
    ``size`` normals."""
    cumulative = np.cumsum(posterior.weight)
    point = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    np.minimum(point, cumulative.size - 1, out=point)
    level = (posterior.level[point]
             + np.sqrt(posterior.level_variance[point]) * rng.standard_normal(size))
    return InflationDraws(mean=level, persistence=np.zeros(size),
                          volatility=posterior.noise_sd[point],
                          trend_volatility=posterior.level_sd[point])


def random_walk_variance(increments: np.ndarray, rng: np.random.Generator, size: int
                         ) -> np.ndarray:
    """Draws of σ for driftless increments ``y_t = σ e_t``: ``σ² = Σ y² / χ²_n`` (the
    posterior under the prior ∝ 1/σ²). Uses ``rng`` for ``size`` chi-squares."""
    values = [float(v) for v in increments]
    if len(values) < 2:
        raise ValueError(f"the random walk's variance needs at least 2 increments "
                         f"(got {len(values)})")
    sum_of_squares = math.fsum(v * v for v in values)
    return np.sqrt(sum_of_squares / rng.chisquare(len(values), size))

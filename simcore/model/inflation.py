"""CPI inflation as a trend plus an AR(1) gap (docs/spec/MODEL.md §2).

    π_t = τ_t + g_t
    τ_t = τ_{t−1} + s^τ_t ζ_t                 ζ: the trend shock, independent
    g_t = φ g_{t−1} + s^g_t z_t               z: the driver's correlated shock (§1)
    ln (s_t)² = ln (s_{t−1})² + γ ν_t          for the trend's and the gap's sd alike
    g_0 = π_0 − τ_0

A frozen trend (``trend_volatility`` 0) with γ = 0 is 0.2's AR(1) with mean τ_0, computed
with exactly its operations, so such a configuration gives the same bits as before. Every
parameter may be a number or one value per sample (the samples' rows of a table of draws,
§2a); the arithmetic is elementwise either way.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from simcore.model.drivers import Pins, year_columns
from simcore.model.params import InflationParams


def simulate_inflation(
    shocks: np.ndarray,
    process: InflationParams,
    *,
    trend_shocks: np.ndarray | None = None,
    log_variance_shocks: np.ndarray | None = None,
    pins: Pins | None = None,
) -> np.ndarray:
    """Annual CPI inflation, a trend plus an AR(1) gap (MODEL.md §2).

    Computed on the change since the base year, ``d_t = π_t − π_0``, with
    ``e_t = τ_t − τ_0`` the trend's change:
    ``d_t = s^g_t z_t + (1 − φ)(τ_0 − π_0) + (e_t − φ e_{t−1}) + φ d_{t−1}``, so that a rate
    with no shock and no drift stays ``π_0`` exactly. A pinned year takes its value in every
    sample: the trend and the volatilities move on as in any year, the gap takes the rest.

    Parameters
    ----------
    shocks : ndarray, shape (n, H)
        Unit-variance shocks ``z_t`` of this driver.
    process : InflationParams
        ``initial`` (``π_0``), ``mean`` (``τ_0``), ``persistence`` (``φ``, ``|φ| < 1``),
        ``volatility`` (``s^g_0``), ``trend_volatility`` (``s^τ_0``) and ``log_variance_sd``
        (``γ``); rates and sds as fractions per year; each parameter but γ a number or one
        value per sample, shape (n,).
    trend_shocks : ndarray, shape (n, H), optional
        ``ζ_t``; required when the trend moves.
    log_variance_shocks : ndarray, shape (2, n, H), optional
        ``ν_t`` of the trend's and of the gap's log variance; required when γ > 0.
    pins : mapping of int to float, optional
        Year index → rate in every sample.

    Returns
    -------
    ndarray, shape (n, H)
        Inflation rate per sample and year, fraction per year.
    """
    n, horizon = shocks.shape
    pins = pins or {}
    moving = process.moving_trend
    sv = process.stochastic_volatility
    if moving and trend_shocks is None:
        raise ValueError("a moving trend needs its trend shocks")
    if sv and log_variance_shocks is None:
        raise ValueError("stochastic volatility needs the log-variance shocks")
    rate = year_columns(n, horizon)
    initial, persistence = process.initial, process.persistence
    # The recursion runs on the change since π_0, so a rate with no shock and no drift
    # (σ = 0 and τ_0 = π_0) stays π_0 exactly.
    drift = (1.0 - persistence) * (process.mean - initial)
    gap_sd: np.ndarray | float = process.volatility
    trend_sd: np.ndarray | float = process.trend_volatility
    half_gamma = 0.5 * process.log_variance_sd
    log_variance: list[np.ndarray | float] = [0.0, 0.0]  # Σ ν of the trend, of the gap
    trend_change: np.ndarray | float = 0.0  # e_{t−1}
    previous: np.ndarray | float = 0.0
    for t in range(horizon):
        column = rate[:, t]
        if sv:
            assert log_variance_shocks is not None
            # s_t = s_0 exp(γ/2 Σ ν): scipy's expm1 is the same scalar code on every CPU.
            for k in (0, 1):
                log_variance[k] = log_variance[k] + log_variance_shocks[k, :, t]
            trend_sd = process.trend_volatility * (
                1.0 + special.expm1(half_gamma * np.asarray(log_variance[0])))
            gap_sd = process.volatility * (
                1.0 + special.expm1(half_gamma * np.asarray(log_variance[1])))
        if moving:
            assert trend_shocks is not None
            trend_now = trend_change + trend_sd * trend_shocks[:, t]
            trend_step = trend_now - persistence * trend_change
            trend_change = trend_now
        if t in pins:
            column.fill(pins[t] - initial)
        else:
            np.multiply(shocks[:, t], gap_sd, out=column)
            column += drift
            if moving:
                column += trend_step
            column += persistence * previous
        previous = column
    rate += initial
    for t, value in pins.items():
        rate[:, t] = value
    return rate

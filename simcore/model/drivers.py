"""The drivers other than inflation (:mod:`simcore.model.inflation`): price indices, defense
growth, exchange rate, troops.

Sections refer to docs/spec/MODEL.md. Every function is pure and vectorized over samples:
arrays are shaped ``(sample, year)`` (allocated in column order so that one year of all
samples is contiguous; the year loop is the only loop). Parameters come resolved
(:mod:`simcore.model.params`). ``pins`` map a year index ``t`` (0 for the first simulated year) to
the value that the driver takes in that year in every sample (§4b), exactly as given: its
shock is drawn and discarded, and later years evolve from the pinned value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy import special

from simcore.model.params import DefenseParams, FxParams, TroopParams

Pins = Mapping[int, float]


def year_columns(n: int, horizon: int, dtype: type = np.float64) -> np.ndarray:
    """An uninitialised (n, H) array in column order: one year of all samples is contiguous."""
    return np.empty((n, horizon), dtype=dtype, order="F")


def _across_years(value: float | np.ndarray) -> float | np.ndarray:
    """A parameter ready to combine with (n, H) arrays: a number, or one value per sample
    as a column (n, 1)."""
    return value if isinstance(value, float) else np.asarray(value)[:, None]


def price_index(rate: np.ndarray) -> np.ndarray:
    """Price level relative to the base year, ``P_t = Π_{s≤t} (1 + π_s)``; shape (n, H)."""
    n, horizon = rate.shape
    level = year_columns(n, horizon)
    np.add(rate[:, 0], 1.0, out=level[:, 0])
    for t in range(1, horizon):
        # Column by column: a cumprod along the short axis of a column-order array is strided.
        np.add(rate[:, t], 1.0, out=level[:, t])
        level[:, t] *= level[:, t - 1]
    return level


def simulate_defense_growth(
    shocks: np.ndarray,
    kr_inflation: np.ndarray,
    defense: DefenseParams,
    *,
    pins: Pins | None = None,
) -> np.ndarray:
    """ROK defense budget growth ``d_t = π_kr,t + g_real + σ_d z_t`` (MODEL.md §3).

    Parameters
    ----------
    shocks : ndarray, shape (n, H)
        Unit-variance shocks of the defense driver.
    kr_inflation : ndarray, shape (n, H)
        Korean inflation, fraction per year.
    defense : DefenseParams
        ``real_growth`` and ``volatility``, fractions per year.
    pins : mapping of int to float, optional
        Year index → growth rate.

    Returns
    -------
    ndarray, shape (n, H)
        Nominal defense budget growth, fraction per year.
    """
    growth = np.asfortranarray(
        kr_inflation + _across_years(defense.real_growth)
        + _across_years(defense.volatility) * shocks
    )
    for t, value in (pins or {}).items():
        growth[:, t] = value
    return growth


def simulate_exchange_rate(
    shocks: np.ndarray,
    kr_inflation: np.ndarray,
    us_inflation: np.ndarray,
    fx: FxParams,
    *,
    pins: Pins | None = None,
) -> np.ndarray:
    """KRW per USD on a log scale with PPP pass-through and reversion (MODEL.md §4).

    ``x_t = x_{t−1} + β (π_kr,t − π_us,t) + κ (ln X̄ + β c_{t−1} − x_{t−1}) + σ z_t`` with
    ``c_{t−1} = Σ_{s<t} (π_kr,s − π_us,s)`` for a real anchor and 0 for a nominal one,
    ``X_t = exp(x_t)``, computed on the change since the base year (see the comment in the
    code).

    Parameters
    ----------
    shocks : ndarray, shape (n, H)
        Unit-variance shocks of the exchange-rate driver.
    kr_inflation, us_inflation : ndarray, shape (n, H)
        Fractions per year.
    fx : FxParams
        ``initial`` and ``anchor`` (``X_0``, ``X̄``, KRW per USD), ``reversion`` (``κ`` in
        [0, 1]), ``ppp`` (``β``), ``volatility`` (``σ`` of the annual log change), each but
        ``initial`` a number or one value per sample (n,); ``real_anchor``.
    pins : mapping of int to float, optional
        Year index → rate in KRW per USD, stored exactly (not ``exp(log(rate))``).

    Returns
    -------
    ndarray, shape (n, H)
        Exchange rate, KRW per USD.
    """
    n, horizon = shocks.shape
    pins = pins or {}
    # The recursion runs on y_t = x_t − x_0, the log change since the base year, and the rate
    # is X_0 (1 + expm1(y_t)): with no shock and no drift y_t = 0 and the rate is X_0 exactly
    # (exp(log X_0) can miss it by an ulp). scipy's expm1 is the same scalar code on every CPU;
    # numpy's exp has an AVX-512 implementation whose last bit differs from the others.
    log_change = year_columns(n, horizon)
    reversion, ppp, volatility = fx.reversion, fx.ppp, fx.volatility
    log_initial = math.log(fx.initial)
    assert fx.log_anchor is not None
    pull = reversion * (fx.log_anchor - log_initial)
    # A real anchor moves with the cumulated pass-through: the pull is on the real rate.
    real_pull = fx.real_anchor and bool(np.any(np.asarray(reversion) * np.asarray(ppp) != 0.0))
    cumulated_gap: np.ndarray | float = 0.0
    previous: np.ndarray | float = 0.0
    for t in range(horizon):
        column = log_change[:, t]
        gap = kr_inflation[:, t] - us_inflation[:, t] if real_pull else None
        if t in pins:
            column.fill(math.log(pins[t]) - log_initial)
        else:
            np.subtract(kr_inflation[:, t], us_inflation[:, t], out=column)
            column *= ppp
            column += volatility * shocks[:, t]
            column += (1.0 - reversion) * previous + pull
            if real_pull:
                column += reversion * ppp * cumulated_gap
        if gap is not None:
            cumulated_gap = cumulated_gap + gap
        previous = column
    rate = special.expm1(log_change, out=log_change)
    rate *= fx.initial
    rate += fx.initial
    # Pinned years are stored exactly as given; later years already evolved from log(pin).
    for t, value in pins.items():
        rate[:, t] = value
    return rate


def simulate_troop_states(
    uniforms: np.ndarray, troops: TroopParams, *, pins: Pins | None = None
) -> np.ndarray:
    """Markov chain of troop-level indices (MODEL.md §5).

    ``s_t = min{ j : u_t < Σ_{k≤j} Q[s_{t−1}, k] }``.

    Parameters
    ----------
    uniforms : ndarray, shape (n, H)
        ``u_t ~ U(0, 1)``.
    troops : TroopParams
        ``transition`` (``Q``, rows sum to 1), ``initial_state`` (``s_0``) and ``levels``.
    pins : mapping of int to int, optional
        Year index → troop level (persons, one of ``levels``); the chain continues from
        its state.

    Returns
    -------
    ndarray of int8, shape (n, H)
        State index per sample and year.
    """
    n, horizon = uniforms.shape
    pins = pins or {}
    cumulative = np.cumsum(troops.transition, axis=1)
    # The last state takes whatever rounding leaves above the final cumulative sum.
    cumulative[:, -1] = np.inf
    states = year_columns(n, horizon, np.int8)
    previous = np.full(n, troops.initial_state, dtype=np.int8)
    for t in range(horizon):
        column = states[:, t]
        if t in pins:
            column.fill(troops.levels.index(int(pins[t])))
        else:
            column.fill(0)
            for j in range(cumulative.shape[1] - 1):
                column += uniforms[:, t] >= cumulative[previous, j]
        previous = column
    return states

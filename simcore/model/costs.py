"""Costs and derived quantities (docs/spec/MODEL.md §7): pure array arithmetic, shapes (n, H).

Sums over years run in year order and powers of scalars are Python floats, so that no stored
number depends on a BLAS kernel or on numpy's SIMD level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simcore.model.params import CostParams


def troop_cost_factor(states: np.ndarray, levels: Sequence[int], costs: CostParams) -> np.ndarray:
    """``(N_t / N_0)^e`` per sample and year, looked up by troop state.

    The power is taken once per level in Python floats rather than per sample with numpy's
    ``power``, whose SIMD implementation differs between CPUs in the last bit.

    Parameters
    ----------
    states : ndarray of int, shape (n, H)
        Troop state indices (:func:`simcore.model.drivers.simulate_troop_states`).
    levels : sequence of int
        Troop level of each state, persons.
    costs : CostParams
        ``base_troops`` (``N_0``) and ``troop_elasticity`` (``e``).

    Returns
    -------
    ndarray, shape (n, H)
        The dimensionless factor.

    Examples
    --------
    >>> costs = CostParams(base_troops=20.0, other_support_krw=0.0, us_cost_usd=1.0,
    ...                    troop_elasticity=0.5, offset_share=1.0, discount_rate=0.0)
    >>> troop_cost_factor(np.array([[0, 1]]), [20, 5], costs).tolist()
    [[1.0, 0.5]]
    """
    by_state = np.array(
        [(level / costs.base_troops) ** costs.troop_elasticity for level in levels]
    )
    return by_state[states]


def sum_over_years(values: np.ndarray, weights: Sequence[float] | None = None) -> np.ndarray:
    """``Σ_t w_t x_t`` per sample, added in year order (shape (n, H) → (n,)).

    Parameters
    ----------
    values : ndarray, shape (n, H)
    weights : sequence of float, optional
        One per year; none sums the values as they are.

    Examples
    --------
    >>> sum_over_years(np.array([[1.0, 2.0, 3.0]]), [1.0, 0.5, 0.25]).tolist()
    [2.75]
    """
    if weights is None:
        total = values[:, 0].copy()
        for t in range(1, values.shape[1]):
            total += values[:, t]
        return total
    total = values[:, 0] * weights[0]
    for t in range(1, values.shape[1]):
        total += values[:, t] * weights[t]
    return total


def us_own_cost(
    gross: np.ndarray,
    contribution_krw: np.ndarray,
    *,
    base_contribution_krw: float,
    kr_price: np.ndarray,
    fx: np.ndarray,
    offset_share: float,
) -> np.ndarray:
    """``U_t = max(G_t − θ (C_t^USD − R_t), 0)``: what the US pays itself (MODEL.md §7).

    ``R_t = C_0 P_kr,t / X_t`` is the base-year contribution kept at Korean prices, valued
    at the year's rate: what the base-year arrangement, under which the US cost ``U_0`` was
    measured, would pay. The share ``θ`` of any payment beyond it replaces US spending (and
    of any shortfall, the US funds), never more than the US pays: the rest is new spending.
    With ``θ = 0`` the US cost is ``G_t`` itself, bit for bit.

    Parameters
    ----------
    gross : ndarray, shape (n, H)
        ``G_t = U_0 (N_t / N_0)^e P_us,t``, USD: the US cost before any offset.
    contribution_krw : ndarray, shape (n, H)
        ``C_t``, KRW (``C_t^USD = C_t / X_t``).
    base_contribution_krw : float
        ``C_0``, the base-year contribution, KRW.
    kr_price : ndarray, shape (n, H)
        ``P_kr,t`` (base year = 1).
    fx : ndarray, shape (n, H)
        ``X_t``, KRW per USD.
    offset_share : float
        ``θ`` in [0, 1].

    Returns
    -------
    ndarray, shape (n, H)
        ``U_t``, USD.

    Examples
    --------
    A payment 2 above the reference replaces 1.5 of a gross US cost of 10 at θ = 0.75; one
    of 30 above it can replace no more than the 10 the US pays:

    >>> one = np.ones((1, 2))
    >>> us_own_cost(np.full((1, 2), 10.0), np.array([[7.0, 35.0]]), base_contribution_krw=5.0,
    ...             kr_price=one, fx=one, offset_share=0.75).tolist()
    [[8.5, 0.0]]
    """
    if offset_share == 0:
        return gross
    beyond = (contribution_krw - base_contribution_krw * kr_price) / fx
    return np.maximum(gross - offset_share * beyond, 0.0)


def derive_costs(
    contribution_krw: np.ndarray,
    *,
    fx: np.ndarray,
    kr_price: np.ndarray,
    us_price: np.ndarray,
    troops: np.ndarray,
    troop_factor: np.ndarray,
    base_contribution_krw: float,
    costs: CostParams,
) -> dict[str, np.ndarray]:
    """Every cost of MODEL.md §7 from the contribution and the drivers.

    Parameters
    ----------
    contribution_krw : ndarray, shape (n, H)
        ``C_t``, KRW.
    fx : ndarray, shape (n, H)
        ``X_t``, KRW per USD.
    kr_price, us_price : ndarray, shape (n, H)
        Price indices ``P_kr,t``, ``P_us,t`` (base year = 1).
    troops : ndarray, shape (n, H)
        ``N_t``, persons.
    troop_factor : ndarray, shape (n, H)
        ``(N_t / N_0)^e`` (:func:`troop_cost_factor`).
    base_contribution_krw : float
        ``C_0``, the base-year contribution, KRW (:func:`us_own_cost`).
    costs : CostParams
        ``base_troops`` (``N_0``, persons), ``other_support_krw`` (``O_0``, KRW at
        base-year prices), ``us_cost_usd`` (``U_0``, USD at base-year prices),
        ``troop_elasticity`` (``e`` in ``G_t = U_0 (N_t / N_0)^e P_us,t``),
        ``offset_share`` (``θ`` of :func:`us_own_cost`) and ``discount_rate`` (``r`` of
        the present value, fraction per year).

    Returns
    -------
    dict of str to ndarray
        ``contribution_usd``, ``contribution_usd_real``, ``other_support_usd``,
        ``us_cost_usd``, ``total_cost_usd``, ``rok_share``, ``cost_per_troop_usd`` (n, H),
        all USD but the share (fraction); ``cum_contribution_usd``,
        ``cum_total_cost_usd`` and ``pv_contribution_usd`` (n,), USD.
    """
    contribution_usd = contribution_krw / fx
    other_usd = costs.other_support_krw * kr_price / fx
    gross = costs.us_cost_usd * us_price
    if costs.troop_elasticity != 0:
        gross *= troop_factor
    us_cost = us_own_cost(gross, contribution_krw, base_contribution_krw=base_contribution_krw,
                          kr_price=kr_price, fx=fx, offset_share=costs.offset_share)
    rok_paid = contribution_usd + other_usd
    total = us_cost + rok_paid
    horizon = contribution_krw.shape[1]
    discount = [(1.0 + costs.discount_rate) ** -t for t in range(1, horizon + 1)]
    return {
        "contribution_usd": contribution_usd,
        "contribution_usd_real": contribution_usd / us_price,
        "other_support_usd": other_usd,
        "us_cost_usd": us_cost,
        "total_cost_usd": total,
        "rok_share": rok_paid / total,
        "cost_per_troop_usd": total / troops,
        "cum_contribution_usd": sum_over_years(contribution_usd),
        "cum_total_cost_usd": sum_over_years(total),
        "pv_contribution_usd": sum_over_years(contribution_usd, discount),
    }

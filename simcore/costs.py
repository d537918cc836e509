"""Costs and derived quantities (docs/spec/MODEL.md §7): pure array arithmetic, shapes (n, H)."""

from __future__ import annotations

import numpy as np

from simcore.params import CostParams


def derive_costs(
    contribution_krw: np.ndarray,
    *,
    fx: np.ndarray,
    kr_price: np.ndarray,
    us_price: np.ndarray,
    troops: np.ndarray,
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
    costs : CostParams
        ``base_troops`` (``N_0``, persons), ``other_support_krw`` (``O_0``, KRW at
        base-year prices), ``us_cost_usd`` (``U_0``, USD at base-year prices),
        ``troop_elasticity`` (``e`` in ``U_t = U_0 (N_t / N_0)^e P_us,t``) and
        ``discount_rate`` (``r`` of the present value, fraction per year).

    Returns
    -------
    dict of str to ndarray
        ``contribution_usd``, ``contribution_usd_real``, ``other_support_usd``,
        ``us_cost_usd``, ``total_cost_usd``, ``rok_share``, ``cost_per_troop_usd`` (n, H),
        all USD but the share (fraction); ``cum_contribution_usd`` and
        ``pv_contribution_usd`` (n,), USD.
    """
    contribution_usd = contribution_krw / fx
    other_usd = costs.other_support_krw * kr_price / fx
    troop_ratio = troops / costs.base_troops
    us_cost = costs.us_cost_usd * us_price
    troop_elasticity = costs.troop_elasticity
    if troop_elasticity != 0:
        us_cost *= troop_ratio if troop_elasticity == 1 else troop_ratio**troop_elasticity
    rok_paid = contribution_usd + other_usd
    total = us_cost + rok_paid
    horizon = contribution_krw.shape[1]
    discount = (1.0 + costs.discount_rate) ** -np.arange(1, horizon + 1)
    return {
        "contribution_usd": contribution_usd,
        "contribution_usd_real": contribution_usd / us_price,
        "other_support_usd": other_usd,
        "us_cost_usd": us_cost,
        "total_cost_usd": total,
        "rok_share": rok_paid / total,
        "cost_per_troop_usd": total / troops,
        "cum_contribution_usd": contribution_usd.sum(axis=1),
        "pv_contribution_usd": contribution_usd @ discount,
    }

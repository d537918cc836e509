"""The shocks the drivers read, normal or multivariate Student-t (docs/spec/MODEL.md §1).

The correlated Gaussian shocks come from :func:`simcore.stats.linalg.correlate_shocks`, an
explicit sum over the drivers in a fixed order (the same bits on every machine). Student-t
shocks are refused for the exchange rate: a t increment of the log rate gives ``X_t`` and
``1 / X_t`` infinite means, so the exchange rate's shock stays Gaussian.
"""

from __future__ import annotations

import numpy as np

from simcore.core.types import DRIVERS

#: The drivers whose shocks a Student-t mixing variable scales: all but the exchange rate.
TAIL_DRIVERS = tuple(driver for driver in DRIVERS if driver != "fx")


def model_shocks(g: np.ndarray, *, dof: float | None, w: np.ndarray | None) -> np.ndarray:
    """The unit-variance shocks ``z_t`` the drivers read.

    Parameters
    ----------
    g : ndarray, shape (K, H, n)
        Correlated standard Gaussian shocks ``g_t``, drivers in
        :data:`~simcore.core.types.DRIVERS` order.
    dof : float or None
        Student-t degrees of freedom ``ν > 2``; None gives normal shocks.
    w : ndarray, shape (H, n), or None
        ``W_t ~ chi²(ν)``, one per sample-year shared by the shocks of
        :data:`TAIL_DRIVERS` (required with dof).

    Returns
    -------
    ndarray, shape (K, H, n)
        ``g`` itself for normal shocks; for Student-t shocks a new array, ``g_t · sqrt((ν −
        2) / W_t)`` for the drivers of :data:`TAIL_DRIVERS` and ``g_t`` for the exchange rate.
    """
    if dof is None:
        return g
    if w is None:
        raise ValueError("Student-t shocks need the mixing variables w")
    z = g * np.sqrt((dof - 2.0) / w)
    fx = DRIVERS.index("fx")
    z[fx] = g[fx]
    return z

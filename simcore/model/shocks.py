"""The shocks the drivers read, normal or multivariate Student-t (docs/spec/MODEL.md §1).

The correlated Gaussian shocks come from :func:`simcore.stats.linalg.correlate_shocks`, an
explicit sum over the drivers in a fixed order (the same bits on every machine).
"""

from __future__ import annotations

import numpy as np


def model_shocks(g: np.ndarray, *, dof: float | None, w: np.ndarray | None) -> np.ndarray:
    """The unit-variance shocks ``z_t`` the drivers read.

    Parameters
    ----------
    g : ndarray, shape (K, H, n)
        Correlated standard Gaussian shocks ``g_t``.
    dof : float or None
        Student-t degrees of freedom ``ν > 2``; None gives normal shocks.
    w : ndarray, shape (H, n), or None
        ``W_t ~ chi²(ν)``, one per sample-year shared by all K shocks (required with dof).

    Returns
    -------
    ndarray, shape (K, H, n)
        ``g`` itself for normal shocks; ``g_t · sqrt((ν − 2) / W_t)`` (a new array) for
        Student-t shocks.
    """
    if dof is None:
        return g
    if w is None:
        raise ValueError("Student-t shocks need the mixing variables w")
    return g * np.sqrt((dof - 2.0) / w)

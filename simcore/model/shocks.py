"""Correlated standard shocks, normal or multivariate Student-t (docs/spec/MODEL.md §1).

The arithmetic here is elementwise and in a fixed order, so that the shocks are the same bits
on every machine: the factor (:func:`simcore.stats.linalg.correlation_factor`) is computed in
Python floats (no LAPACK) and the correlation is an explicit sum over the drivers (no BLAS
product, whose order of additions and use of fused multiply-add are the kernel's choice).
"""

from __future__ import annotations

import numpy as np


def correlate_shocks(normals: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Correlated standard Gaussian shocks ``g_t = L e_t``.

    Each ``g_i = Σ_k L[i, k] e_k`` is summed over ``k`` in increasing order, skipping zero
    coefficients, one year at a time (so that the year's slices stay in cache).

    Parameters
    ----------
    normals : ndarray, shape (K, H, n)
        Independent standard normals ``e_t``.
    factor : ndarray, shape (K, K)
        ``L`` from :func:`simcore.stats.linalg.correlation_factor`.

    Returns
    -------
    ndarray, shape (K, H, n)
        ``g_t``; ``normals`` itself when ``L`` is the identity (no copy).

    Examples
    --------
    >>> from simcore.stats.linalg import correlation_factor
    >>> e = np.array([[[1.0]], [[2.0]]])
    >>> correlate_shocks(e, correlation_factor(np.array([[1.0, 0.6], [0.6, 1.0]]))).ravel()
    array([1. , 2.2])
    """
    size = factor.shape[0]
    if np.array_equal(factor, np.eye(size)):
        return normals
    terms = [
        [(k, float(factor[i, k])) for k in range(size) if factor[i, k] != 0.0]
        for i in range(size)
    ]
    out = np.empty_like(normals)
    term = np.empty_like(normals[0, 0])
    for t in range(normals.shape[1]):
        for i, row in enumerate(terms):
            column = out[i, t]
            if not row:
                column.fill(0.0)
                continue
            (first, coefficient), *rest = row
            np.multiply(normals[first, t], coefficient, out=column)
            for k, coefficient in rest:
                np.multiply(normals[k, t], coefficient, out=term)
                column += term
    return out


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

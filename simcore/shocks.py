"""Correlated standard shocks, normal or multivariate Student-t (docs/spec/MODEL.md §1)."""

from __future__ import annotations

import numpy as np


def correlation_factor(correlation: np.ndarray) -> np.ndarray:
    """A factor ``L`` with ``L @ L.T == correlation``.

    Cholesky when the matrix is positive definite; for a singular (positive semi-definite)
    matrix, the symmetric square root from its eigen-decomposition, whose tiny negative
    eigenvalues from rounding are set to 0.

    Parameters
    ----------
    correlation : ndarray, shape (K, K)
        Symmetric, unit diagonal, positive semi-definite (validated by the config).
    """
    try:
        return np.linalg.cholesky(correlation)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(correlation)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def correlate_shocks(normals: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Correlated standard Gaussian shocks ``g_t = L e_t``.

    Parameters
    ----------
    normals : ndarray, shape (K, H, n)
        Independent standard normals ``e_t``.
    factor : ndarray, shape (K, K)
        ``L`` from :func:`correlation_factor`.

    Returns
    -------
    ndarray, shape (K, H, n)
        ``g_t``; ``normals`` itself when ``L`` is the identity (no copy).
    """
    if np.array_equal(factor, np.eye(factor.shape[0])):
        return normals
    # One matrix product over all sample-years: (K, K) @ (K, H·n).
    return (factor @ normals.reshape(factor.shape[0], -1)).reshape(normals.shape)


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

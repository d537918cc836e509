"""Correlated standard shocks, normal or multivariate Student-t (MODEL.md §1)."""

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


def correlate_shocks(
    normals: np.ndarray,
    factor: np.ndarray,
    *,
    dof: float | None = None,
    chi2: np.ndarray | None = None,
) -> np.ndarray:
    """Turn independent standard normals into correlated unit-variance shocks.

    Parameters
    ----------
    normals : ndarray, shape (K, H, n), C-contiguous
        Independent standard normals ``e_t``.
    factor : ndarray, shape (K, K)
        ``L`` from :func:`correlation_factor`.
    dof : float, optional
        Student-t degrees of freedom ``ν > 2``; None gives normal shocks.
    chi2 : ndarray, shape (H, n), optional
        ``W_t ~ chi²(ν)``, one per sample-year, shared by all K shocks (required with dof).

    Returns
    -------
    ndarray, shape (K, H, n)
        ``z_t = L e_t``, times ``sqrt((ν − 2) / W_t)`` for Student-t shocks.
    """
    if np.array_equal(factor, np.eye(factor.shape[0])):
        shocks = normals.copy()
    else:
        # One matrix product over all sample-years: (K, K) @ (K, H·n).
        shocks = (factor @ normals.reshape(factor.shape[0], -1)).reshape(normals.shape)
    if dof is not None:
        if chi2 is None:
            raise ValueError("Student-t shocks need chi-square variates")
        shocks *= np.sqrt((dof - 2.0) / chi2)
    return shocks

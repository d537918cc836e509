"""Small dense linear algebra on correlation matrices, the same bits on every machine.

No LAPACK: the factor is computed in Python floats with correctly rounded inner sums, so it
does not depend on the BLAS or LAPACK build (docs/model-notes.md, "Arithmetic").
"""

from __future__ import annotations

import math

import numpy as np

#: Smallest eigenvalue accepted for a positive semi-definite correlation matrix.
PSD_TOLERANCE = 1e-10
#: A Cholesky pivot at or below this is a direction the correlation matrix does not span
#: (a singular, positive semi-definite matrix): its column of the factor is zero.
ZERO_PIVOT = 1e-12


def correlation_factor(correlation: np.ndarray) -> np.ndarray:
    """The lower-triangular factor ``L`` with ``L @ L.T == correlation``.

    The Cholesky–Crout recursion in Python floats, each inner sum correctly rounded
    (:func:`math.fsum`), so the factor does not depend on the BLAS or LAPACK build. For a
    singular (positive semi-definite) matrix, a pivot at or below :data:`ZERO_PIVOT` gives a
    zero column: ``L @ L.T`` then equals the matrix to within about ``sqrt(ZERO_PIVOT)``.

    Parameters
    ----------
    correlation : ndarray, shape (K, K)
        Symmetric, unit diagonal, positive semi-definite (validated by the config).

    Returns
    -------
    ndarray, shape (K, K)
        ``L``, lower triangular.

    Examples
    --------
    >>> correlation_factor(np.array([[1.0, 0.6], [0.6, 1.0]])).tolist()
    [[1.0, 0.0], [0.6, 0.8]]
    >>> correlation_factor(np.ones((2, 2))).tolist()  # perfectly correlated: rank 1
    [[1.0, 0.0], [1.0, 0.0]]
    """
    size = correlation.shape[0]
    a = np.asarray(correlation, dtype=np.float64).tolist()
    factor = [[0.0] * size for _ in range(size)]
    for j in range(size):
        pivot = math.fsum([a[j][j], *(-factor[j][m] * factor[j][m] for m in range(j))])
        if pivot <= ZERO_PIVOT:
            continue
        diagonal = math.sqrt(pivot)
        factor[j][j] = diagonal
        for i in range(j + 1, size):
            dot = math.fsum([a[i][j], *(-factor[i][m] * factor[j][m] for m in range(j))])
            factor[i][j] = dot / diagonal
    return np.array(factor)


def correlate_shocks(normals: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Correlated standard Gaussian shocks ``g_t = L e_t``.

    Each ``g_i = Σ_k L[i, k] e_k`` is summed over ``k`` in increasing order, skipping zero
    coefficients, one year at a time (so that the year's slices stay in cache).

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

    Examples
    --------
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

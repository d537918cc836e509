"""The nearest correlation matrix (Higham 2002), for a correlation estimated pair by pair.

A matrix of correlations each estimated on the years its pair shares need not be positive
semi-definite. :func:`nearest_correlation` finds the correlation matrix closest to it in the
Frobenius norm by alternating projections with Dykstra's correction (N. J. Higham, "Computing
the nearest correlation matrix — a problem from finance", IMA J. Numer. Anal. 22 (2002)
329–343, Algorithm 3.3), projecting onto the matrices whose eigenvalues are at least a floor
(so that the result is positive definite, not merely on the boundary) and onto the unit
diagonal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simcore.stats.linalg import PSD_TOLERANCE

#: Smallest eigenvalue of a repaired matrix (METHODS.md §C).
EIGENVALUE_FLOOR = 1e-8
#: Stop when successive iterates differ by less than this (relative Frobenius norm).
TOLERANCE = 1e-14
MAX_ITERATIONS = 100_000


@dataclass(frozen=True)
class Repair:
    """The result of :func:`nearest_correlation`.

    Attributes
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric, unit diagonal, eigenvalues ≥ 0 (≥ the floor up to rounding when repaired).
    repaired : bool
        False when the input was already a positive semi-definite correlation matrix, up to
        rounding (then
        ``matrix`` is the input itself).
    distance : float
        Frobenius norm of the change.
    iterations : int
        Alternating-projection steps taken (0 when not repaired).
    """

    matrix: np.ndarray
    repaired: bool
    distance: float
    iterations: int


def _project_eigenvalues(matrix: np.ndarray, floor: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    projected = (vectors * np.maximum(values, floor)) @ vectors.T
    return (projected + projected.T) / 2.0


def nearest_correlation(
    matrix: np.ndarray, *, floor: float = EIGENVALUE_FLOOR, tolerance: float = TOLERANCE
) -> Repair:
    """The nearest correlation matrix to a symmetric ``matrix`` with unit diagonal.

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric with unit diagonal (e.g. pairwise correlations).
    floor : float
        Smallest eigenvalue of the result when a repair is needed.
    tolerance : float
        Convergence threshold on the relative change of the iterate.

    Returns
    -------
    Repair
        The input unchanged if a scenario would accept it (smallest eigenvalue ≥
        −:data:`~simcore.config.schema.PSD_TOLERANCE`, rounding); otherwise the nearest matrix
        with unit diagonal and eigenvalues ≥ ``floor``, and the Frobenius distance.
    """
    a = np.asarray(matrix, dtype=float)
    if not np.allclose(a, a.T, rtol=0.0, atol=1e-12) or not np.allclose(np.diag(a), 1.0):
        raise ValueError("nearest_correlation needs a symmetric matrix with unit diagonal")
    if np.linalg.eigvalsh(a)[0] >= -PSD_TOLERANCE:
        return Repair(matrix=a.copy(), repaired=False, distance=0.0, iterations=0)
    y = a.copy()
    correction = np.zeros_like(a)
    iterations, change = 0, math.inf
    while change >= tolerance:
        if iterations == MAX_ITERATIONS:
            raise ArithmeticError(f"nearest_correlation did not converge in {iterations} steps")
        r = y - correction
        x = _project_eigenvalues(r, floor)
        correction = x - r  # Dykstra's correction: undo the last projection's step
        y_next = x.copy()
        np.fill_diagonal(y_next, 1.0)
        change = float(np.linalg.norm(y_next - y) / np.linalg.norm(y_next))
        y, iterations = y_next, iterations + 1
    return Repair(matrix=y, repaired=True, distance=float(np.linalg.norm(y - a)),
                  iterations=iterations)

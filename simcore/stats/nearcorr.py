"""The nearest correlation matrix (Higham 2002), for a correlation estimated pair by pair.

A matrix of correlations each estimated on the years its pair shares need not be positive
semi-definite. :func:`nearest_correlation` finds the correlation matrix closest to it in the
Frobenius norm by alternating projections with Dykstra's correction (N. J. Higham, "Computing
the nearest correlation matrix — a problem from finance", IMA J. Numer. Anal. 22 (2002)
329–343, Algorithm 3.3), projecting onto the matrices whose eigenvalues are at least a floor
(so that the result is positive definite, not merely on the boundary) and onto the unit
diagonal. :func:`round_correlation` rounds such a matrix to a few decimals and keeps it
positive definite.

Every number here is computed in Python floats in a fixed order (:func:`symmetric_eigen`,
cyclic Jacobi rotations; sums by :func:`math.fsum`), not by LAPACK, whose last bits depend
on the machine's kernel: the repair is the same on every machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simcore.core.rounding import Rounder
from simcore.stats.linalg import PSD_TOLERANCE

#: Smallest eigenvalue of a repaired, and of a rounded, matrix (METHODS.md §C).
EIGENVALUE_FLOOR = 1e-8
#: Stop when successive iterates differ by less than this (relative Frobenius norm).
TOLERANCE = 1e-14
MAX_ITERATIONS = 100_000
#: A Jacobi rotation is skipped when its off-diagonal entry is below this times the
#: matrix's Frobenius norm (2⁻⁶⁰: below the accuracy of any eigen-solver in doubles).
JACOBI_NEGLIGIBLE = 2.0**-60
MAX_SWEEPS = 100
#: When a rounded matrix falls below the floor, its off-diagonals are multiplied by
#: ``1 − m · SHRINK_STEP`` for m = 1, 2, … and rounded again until it does not.
SHRINK_STEP = 0.001


@dataclass(frozen=True)
class Repair:
    """The result of :func:`nearest_correlation`.

    Attributes
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric, unit diagonal, eigenvalues ≥ 0 (≥ the floor up to rounding when repaired).
    repaired : bool
        False when the input was already a positive semi-definite correlation matrix, up to
        rounding (then ``matrix`` is the input itself).
    distance : float
        Frobenius norm of the change.
    iterations : int
        Alternating-projection steps taken (0 when not repaired).
    smallest : float
        The input's smallest eigenvalue (repaired when below −PSD_TOLERANCE).
    """

    matrix: np.ndarray
    repaired: bool
    distance: float
    iterations: int
    smallest: float


def frobenius(matrix: np.ndarray) -> float:
    """The Frobenius norm, summed exactly (:func:`math.fsum`)."""
    return math.sqrt(math.fsum(float(v) * float(v) for v in np.ravel(matrix)))


def symmetric_eigen(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors (columns) of a small symmetric matrix.

    Cyclic Jacobi rotations (Golub & Van Loan, *Matrix Computations*, §8.5) in Python floats:
    every operation is one correctly rounded IEEE operation in a fixed order, so the result
    has the same bits on every machine. Accurate to about ``ε ‖A‖`` like LAPACK's; meant for
    the 4×4 shock correlation (cost ∝ K³ per sweep, a few sweeps).

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric (only the upper triangle is read).

    Returns
    -------
    values : ndarray, shape (K,)
    vectors : ndarray, shape (K, K)
        ``matrix ≈ vectors · diag(values) · vectorsᵀ``.
    """
    k = len(matrix)
    a = [[float(matrix[min(i, j)][max(i, j)]) for j in range(k)] for i in range(k)]
    v = [[1.0 if i == j else 0.0 for j in range(k)] for i in range(k)]
    negligible = JACOBI_NEGLIGIBLE * frobenius(np.asarray(a))
    for _ in range(MAX_SWEEPS):
        rotated = False
        for p in range(k):
            for q in range(p + 1, k):
                apq = a[p][q]
                if abs(apq) <= negligible:
                    a[p][q] = a[q][p] = 0.0
                    continue
                rotated = True
                theta = (a[q][q] - a[p][p]) / (2.0 * apq)
                # The smaller root of t² + 2θt − 1 = 0 (rotation angle at most π/4).
                t = (1.0 / (2.0 * theta) if abs(theta) > 1e150 else
                     math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1.0)))
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for r in range(k):
                    if r not in (p, q):
                        arp, arq = a[r][p], a[r][q]
                        a[r][p] = a[p][r] = c * arp - s * arq
                        a[r][q] = a[q][r] = s * arp + c * arq
                a[p][p] -= t * apq
                a[q][q] += t * apq
                a[p][q] = a[q][p] = 0.0
                for r in range(k):
                    vrp, vrq = v[r][p], v[r][q]
                    v[r][p] = c * vrp - s * vrq
                    v[r][q] = s * vrp + c * vrq
        if not rotated:
            break
    else:
        raise ArithmeticError(f"symmetric_eigen did not converge in {MAX_SWEEPS} sweeps")
    order = sorted(range(k), key=lambda i: a[i][i])
    values = np.array([a[i][i] for i in order])
    vectors = np.array([[v[r][i] for i in order] for r in range(k)])
    return values, vectors


def smallest_eigenvalue(matrix: np.ndarray) -> float:
    """The smallest eigenvalue of a symmetric matrix (:func:`symmetric_eigen`)."""
    return float(symmetric_eigen(matrix)[0][0])


def _project_eigenvalues(matrix: np.ndarray, floor: float) -> np.ndarray:
    values, vectors = symmetric_eigen(matrix)
    kept = np.maximum(values, floor)
    k = len(values)
    projected = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            projected[i, j] = projected[j, i] = math.fsum(
                float(vectors[i, m] * kept[m] * vectors[j, m]) for m in range(k))
    return projected


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
    smallest = smallest_eigenvalue(a)
    if smallest >= -PSD_TOLERANCE:
        return Repair(matrix=a.copy(), repaired=False, distance=0.0, iterations=0,
                      smallest=smallest)
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
        change = frobenius(y_next - y) / frobenius(y_next)
        y, iterations = y_next, iterations + 1
    return Repair(matrix=y, repaired=True, distance=frobenius(y - a), iterations=iterations,
                  smallest=smallest)


def round_correlation(matrix: np.ndarray, decimals: int, rounder: Rounder,
                      names: tuple[str, ...]) -> tuple[np.ndarray, float]:
    """A correlation matrix rounded to ``decimals``, kept positive definite.

    The off-diagonals are rounded; if the result's smallest eigenvalue is below
    :data:`EIGENVALUE_FLOOR` (rounding moves each entry by up to half a step, which can push
    a matrix near singular, such as a repaired one, out of the PSD cone), they are first
    multiplied by ``s = 1 − m · SHRINK_STEP`` for m = 1, 2, …, 1000 (towards the identity, which
    raises every eigenvalue by ``(1 − s)(1 − λ)``) and rounded again, until it is not. The
    steps are the same on every machine; ties at any step tried are recorded.

    Parameters
    ----------
    matrix : ndarray, shape (K, K)
        Symmetric, unit diagonal, positive semi-definite.
    decimals : int
        Decimals of each entry.
    rounder : Rounder
        Collects the ties, named ``shocks.correlation[a, b]`` from ``names``.
    names : tuple of str
        The K rows' names.

    Returns
    -------
    rounded : ndarray, shape (K, K)
    shrink : float
        The factor ``s`` applied (1.0 when rounding alone kept it positive definite).
    """
    k = len(names)
    steps = round(1.0 / SHRINK_STEP)
    for m in range(steps):
        shrink = (steps - m) / steps
        rounded = np.eye(k)
        for i in range(k):
            for j in range(i):
                rounded[i, j] = rounded[j, i] = rounder.decimals(
                    f"shocks.correlation[{names[j]}, {names[i]}]",
                    shrink * float(matrix[i, j]), decimals)
        if smallest_eigenvalue(rounded) >= EIGENVALUE_FLOOR:
            return rounded, shrink
    return np.eye(k), 0.0

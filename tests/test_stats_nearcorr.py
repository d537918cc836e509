"""Nearest correlation matrix (Higham 2002)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from simcore.config.schema import ShocksSection
from simcore.core.rounding import Rounder
from simcore.core.types import DRIVERS
from simcore.stats.nearcorr import (
    EIGENVALUE_FLOOR,
    nearest_correlation,
    round_correlation,
    smallest_eigenvalue,
    symmetric_eigen,
)

HIGHAM = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])


def _unit_diagonal_symmetric(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random symmetric matrix with entries in [−1, 1] and a unit diagonal: a candidate
    correlation matrix, often not positive semi-definite."""
    b = rng.uniform(-1, 1, (size, size))
    a = (b + b.T) / 2
    np.fill_diagonal(a, 1.0)
    return a


def test_matches_highams_published_example() -> None:
    # Higham (2002), IMA J. Numer. Anal. 22, §5: A = [[1,1,0],[1,1,1],[0,1,1]] has nearest
    # correlation matrix with off-diagonals 0.7607 (twice) and 0.1573 (to four decimals);
    # our own convergence to 1e-14 gives 0.76068985 and 0.15729811.
    a = HIGHAM
    repair = nearest_correlation(a)
    assert repair.repaired
    x = repair.matrix
    assert x[0, 1] == pytest.approx(0.7607, abs=5e-5)
    assert x[1, 2] == pytest.approx(0.7607, abs=5e-5)
    assert x[0, 2] == pytest.approx(0.1573, abs=5e-5)
    assert repair.distance == pytest.approx(np.linalg.norm(x - a))
    assert repair.smallest == pytest.approx(1 - math.sqrt(2))  # eigenvalues 1, 1 ± √2


def test_result_is_a_correlation_matrix_above_the_floor() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = _unit_diagonal_symmetric(rng, 5)
        if np.linalg.eigvalsh(a)[0] >= 0:
            continue
        x = nearest_correlation(a).matrix
        np.testing.assert_array_equal(np.diag(x), 1.0)
        np.testing.assert_array_equal(x, x.T)
        assert np.linalg.eigvalsh(x)[0] >= EIGENVALUE_FLOOR * (1 - 1e-3)
        # Closer to A than the identity, a correlation matrix that is always feasible.
        assert np.linalg.norm(x - a) <= np.linalg.norm(np.eye(5) - a)


def test_identity_on_a_positive_semidefinite_input() -> None:
    rng = np.random.default_rng(3)
    z = rng.standard_normal((50, 4))
    a = np.corrcoef(z, rowvar=False)
    repair = nearest_correlation(a)
    assert not repair.repaired and repair.distance == 0.0 and repair.iterations == 0
    np.testing.assert_array_equal(repair.matrix, a)
    singular = np.ones((3, 3))  # PSD with zero eigenvalues: left alone
    np.testing.assert_array_equal(nearest_correlation(singular).matrix, singular)


def test_jacobi_eigenvalues_by_hand() -> None:
    # [[a, b], [b, c]]: (a + c)/2 ± √(((a − c)/2)² + b²); ones(3): 0, 0, 3.
    values, vectors = symmetric_eigen(np.array([[2.0, 1.0], [1.0, 4.0]]))
    np.testing.assert_allclose(values, [3 - math.sqrt(2), 3 + math.sqrt(2)], rtol=1e-15)
    assert abs((math.sqrt(2) - 1) * vectors[0, 0] + vectors[1, 0]) < 1e-15  # (A − λ)v = 0
    values, _ = symmetric_eigen(np.ones((3, 3)))
    np.testing.assert_allclose(values, [0.0, 0.0, 3.0], atol=1e-15)
    values, vectors = symmetric_eigen(np.diag([3.0, -1.0, 2.0]))
    np.testing.assert_array_equal(values, [-1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.abs(vectors), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])


def test_jacobi_decomposes_random_symmetric_matrices() -> None:
    rng = np.random.default_rng(1)
    for k in (1, 2, 4, 5, 8):
        for _ in range(10):
            b = rng.standard_normal((k, k))
            a = (b + b.T) / 2
            values, vectors = symmetric_eigen(a)
            scale = np.abs(values).max()
            np.testing.assert_allclose(values, np.linalg.eigvalsh(a), rtol=0, atol=1e-14 * scale)
            np.testing.assert_allclose(vectors @ np.diag(values) @ vectors.T, a, rtol=0,
                                       atol=1e-14 * scale)
            np.testing.assert_allclose(vectors.T @ vectors, np.eye(k), rtol=0, atol=1e-14)
            assert smallest_eigenvalue(a) == values[0]


def _accepted(matrix: np.ndarray) -> bool:
    """Whether a scenario's own validation (simcore.config) accepts the correlation."""
    try:
        ShocksSection(drivers=list(DRIVERS[:len(matrix)]), correlation=matrix.tolist())
    except ValidationError:
        return False
    return True


def test_rounding_a_repaired_matrix_shrinks_it_just_enough_to_stay_definite() -> None:
    repaired = nearest_correlation(HIGHAM).matrix
    names = ("a", "b", "c")
    rounder = Rounder()
    rounded, shrink = round_correlation(repaired, 3, rounder, names)
    # Rounded alone (0.761, 0.157) the matrix has a negative eigenvalue and the config
    # rejects it; one step of shrinking (× 0.999: 0.7599, 0.15714) fixes that.
    plain = np.array([[1, 0.761, 0.157], [0.761, 1, 0.761], [0.157, 0.761, 1]])
    assert smallest_eigenvalue(plain) < -1e-4 and not _accepted(plain)
    assert shrink == 0.999
    np.testing.assert_array_equal(
        rounded, [[1, 0.760, 0.157], [0.760, 1, 0.760], [0.157, 0.760, 1]])
    assert smallest_eigenvalue(rounded) >= EIGENVALUE_FLOOR and _accepted(rounded)
    assert rounder.ties == []


def test_rounding_a_definite_matrix_needs_no_shrink_and_reports_a_tie() -> None:
    a = np.array([[1.0, 0.7437227234805935, 0.0625], [0.7437227234805935, 1.0, -0.3],
                  [0.0625, -0.3, 1.0]])
    rounder = Rounder()
    rounded, shrink = round_correlation(a, 3, rounder, ("x", "y", "z"))
    assert shrink == 1.0
    np.testing.assert_array_equal(rounded, [[1, 0.744, 0.062], [0.744, 1, -0.3],
                                            [0.062, -0.3, 1]])
    (tie,) = rounder.ties  # 0.0625 = 1/16 is exact: half to even gives 0.062
    assert (tie.name, tie.written, tie.other) == ("shocks.correlation[x, z]", "0.062", "0.063")


def test_rounding_always_ends_at_a_definite_matrix() -> None:
    rng = np.random.default_rng(5)
    for _ in range(10):
        a = _unit_diagonal_symmetric(rng, 4)
        repaired = nearest_correlation(a).matrix
        rounded, shrink = round_correlation(repaired, 3, Rounder(), tuple("abcd"))
        assert 0.0 <= shrink <= 1.0 and _accepted(rounded)
        assert smallest_eigenvalue(rounded) >= EIGENVALUE_FLOOR
        np.testing.assert_array_equal(rounded, np.round(rounded, 3))
        off = ~np.eye(4, dtype=bool)
        assert np.abs(rounded - shrink * repaired)[off].max() <= 0.0005 + 1e-15

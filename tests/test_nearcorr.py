"""Nearest correlation matrix (Higham 2002)."""

from __future__ import annotations

import numpy as np
import pytest

from simcore.stats.nearcorr import EIGENVALUE_FLOOR, nearest_correlation


def test_matches_highams_published_example() -> None:
    # Higham (2002), IMA J. Numer. Anal. 22, §5: A = [[1,1,0],[1,1,1],[0,1,1]] has nearest
    # correlation matrix with off-diagonals 0.7607 (twice) and 0.1573 (to four decimals);
    # our own convergence to 1e-14 gives 0.76068985 and 0.15729811.
    a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    repair = nearest_correlation(a)
    assert repair.repaired
    x = repair.matrix
    assert x[0, 1] == pytest.approx(0.7607, abs=5e-5)
    assert x[1, 2] == pytest.approx(0.7607, abs=5e-5)
    assert x[0, 2] == pytest.approx(0.1573, abs=5e-5)
    assert repair.distance == pytest.approx(np.linalg.norm(x - a))


def test_result_is_a_correlation_matrix_above_the_floor() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        b = rng.uniform(-1, 1, (5, 5))
        a = (b + b.T) / 2
        np.fill_diagonal(a, 1.0)
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

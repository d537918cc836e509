"""The correlation factor and the correlated shocks: exact algebra, no BLAS or LAPACK."""

from __future__ import annotations

import numpy as np
import pytest

from simcore.stats.linalg import ZERO_PIVOT, correlate_shocks, correlation_factor


def _random_correlation(rng: np.random.Generator, size: int, rank: int) -> np.ndarray:
    vectors = rng.normal(size=(size, rank))
    gram = vectors @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(gram))
    matrix = gram * np.outer(scale, scale)
    np.fill_diagonal(matrix, 1.0)
    return matrix


@pytest.mark.parametrize("seed", range(20))
def test_the_factor_of_a_positive_definite_matrix_is_lapacks_cholesky(seed: int) -> None:
    correlation = _random_correlation(np.random.default_rng(seed), 4, 6)
    factor = correlation_factor(correlation)
    np.testing.assert_allclose(factor, np.linalg.cholesky(correlation), rtol=0, atol=1e-14)
    assert np.array_equal(factor, np.tril(factor))


@pytest.mark.parametrize(("seed", "rank"), [(s, r) for s in range(10) for r in (1, 2, 3)])
def test_the_factor_of_a_singular_matrix_reproduces_it(seed: int, rank: int) -> None:
    correlation = _random_correlation(np.random.default_rng(seed), 4, rank)
    factor = correlation_factor(correlation)
    # A zero pivot's column is dropped: the product is exact to about sqrt(ZERO_PIVOT).
    np.testing.assert_allclose(factor @ factor.T, correlation, rtol=0,
                               atol=4 * np.sqrt(ZERO_PIVOT))
    assert np.count_nonzero(np.any(factor != 0.0, axis=0)) == rank


def test_perfectly_correlated_drivers_share_one_shock_exactly() -> None:
    correlation = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert correlation_factor(correlation).tolist() == [
        [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]
    ]


def test_correlated_shocks_are_the_ordered_sum_of_each_drivers_terms() -> None:
    rng = np.random.default_rng(5)
    normals = rng.standard_normal((4, 3, 1000))
    factor = correlation_factor(_random_correlation(rng, 4, 4))
    shocks = correlate_shocks(normals, factor)
    for i in range(4):  # the same order of additions, written out
        expected = factor[i, 0] * normals[0]
        for k in range(1, i + 1):
            expected = expected + factor[i, k] * normals[k]
        assert np.array_equal(shocks[i], expected)
    np.testing.assert_allclose(shocks, np.einsum("ik,ktn->itn", factor, normals), atol=1e-14)


def test_the_identity_factor_returns_the_normals_themselves() -> None:
    normals = np.zeros((4, 2, 3))
    assert correlate_shocks(normals, np.eye(4)) is normals

"""The grouped Shapley estimator on functions with known answers (METHODS.md §S).

Tolerances are 4 reported standard errors (plus a rounding allowance), with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simcore.core.errors import SmasimInputError
from simcore.run.parallel import InProcessExecutor
from simcore.stats.shapley import (
    GroupInputs,
    InputDesign,
    ShapleyEstimate,
    ShapleyPrecisionWarning,
    _shapley_numerators,
    estimate_shapley,
    inner_variance,
    pseudo_solve,
    shapley_weights,
    subsets,
)


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)


def _angle(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(-np.pi, np.pi, n)


def _pair(rho: float) -> np.ndarray:
    return np.array([[1.0, rho], [rho, 1.0]])


def _within(estimate: np.ndarray, se: np.ndarray, expected: float | np.ndarray) -> None:
    assert np.all(np.abs(estimate - expected) <= 4 * se + 1e-9), (estimate, se, expected)


#: Per-year correlation between A and B; 1.0 makes R singular (the pseudo-inverse path).
RHOS = (0.0, 0.5, -0.8, 1.0)


def _linear_in_a(inputs: GroupInputs) -> np.ndarray:
    """Y_t = (t + 1) · g_A,t: linear in group A alone, one output per year."""
    scale = np.arange(1, len(RHOS) + 1)[:, None]
    return (scale * inputs.gaussian[0]).T


@pytest.fixture(scope="module")
def linear_estimate() -> ShapleyEstimate:
    design = InputDesign(
        groups=("A", "B", "unused", "empty"),
        gaussian=("A", "B"),
        correlation=np.stack([_pair(rho) for rho in RHOS]),
        independent={"unused": _uniform},
    )
    return estimate_shapley(design, _linear_in_a, outer=2**14, batches=16, seed=7)


def test_linear_in_one_correlated_group_gives_the_closed_form(linear_estimate):
    rho2 = np.square(RHOS)
    est = linear_estimate
    _within(est.shapley[:, 0], est.shapley_se[:, 0], 1 - rho2 / 2)
    _within(est.shapley[:, 1], est.shapley_se[:, 1], rho2 / 2)
    # Var(E[Y | g_A]) = Var(Y); Var(E[Y | g_B]) = ρ² Var(Y); E[Var(Y | g_B)] = (1 − ρ²) Var(Y).
    _within(est.closed[:, 0], est.closed_se[:, 0], 1.0)
    _within(est.closed[:, 1], est.closed_se[:, 1], rho2)
    _within(est.total[:, 0], est.total_se[:, 0], 1 - rho2)
    # B never enters Y: with A held, Y is the same in every inner draw.
    np.testing.assert_array_equal(est.total[:, 1], 0.0)


def test_a_group_with_no_path_or_no_inputs_gets_exactly_zero(linear_estimate):
    est = linear_estimate
    for index in (est.shapley, est.shapley_se, est.closed, est.total):
        np.testing.assert_array_equal(index[:, 2:], 0.0)
    # Uncorrelated in year 1: B has no path to Y there, so exactly 0 too.
    assert est.shapley[0, 1] == 0.0 and est.closed[0, 1] == 0.0


def test_effects_sum_to_one(linear_estimate):
    np.testing.assert_allclose(linear_estimate.shapley.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_nested_and_plain_variance_agree(linear_estimate):
    expected = np.arange(1, len(RHOS) + 1) ** 2.0
    # Both are sample variances of about 2^14 (plain) and 2^15 (nested) draws of a normal.
    np.testing.assert_allclose(linear_estimate.variance, expected, rtol=4 * math.sqrt(2 / 2**14))
    np.testing.assert_allclose(
        linear_estimate.nested_variance, expected, rtol=4 * math.sqrt(1 / 2**14)
    )


def _ishigami(inputs: GroupInputs, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x1, x2, x3 = (inputs.independent[name] for name in ("x1", "x2", "x3"))
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


@pytest.fixture(scope="module")
def ishigami_estimate() -> ShapleyEstimate:
    design = InputDesign(
        groups=("x1", "x2", "x3"),
        gaussian=(),
        correlation=np.zeros((1, 0, 0)),
        independent={"x1": _angle, "x2": _angle, "x3": _angle},
    )
    return estimate_shapley(design, _ishigami, outer=2**16, batches=32, seed=0)


def test_ishigami_closed_and_total_are_the_sobol_indices(ishigami_estimate):
    est = ishigami_estimate
    _within(est.closed[0], est.closed_se[0], [0.3139, 0.4424, 0.0])
    _within(est.total[0], est.total_se[0], [0.5576, 0.4424, 0.2437])
    # Shapley splits the x1-x3 interaction (0.2437) evenly between them.
    _within(est.shapley[0], est.shapley_se[0], [0.3139 + 0.2437 / 2, 0.4424, 0.2437 / 2])


def test_independent_inputs_closed_below_shapley_below_total(ishigami_estimate):
    est = ishigami_estimate
    slack = 4 * np.hypot(est.shapley_se, np.maximum(est.closed_se, est.total_se))
    assert np.all(est.closed <= est.shapley + slack)
    assert np.all(est.shapley <= est.total + slack)


def _linear_gaussian_shapley(a: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Exact Shapley effects of Y = a·g, g ~ N(0, R): c(S) = a_Sᵀ Σ_{S|K∖S} a_S."""
    k = len(a)
    cost = []
    for members in subsets(k):
        s = sorted(members)
        rest = [j for j in range(k) if j not in members]
        cov = r[np.ix_(s, s)] - r[np.ix_(s, rest)] @ np.linalg.pinv(r[np.ix_(rest, rest)]) @ r[
            np.ix_(rest, s)
        ]
        cost.append(a[s] @ cov @ a[s] if s else 0.0)
    weight = shapley_weights(k)
    effects = np.zeros(k)
    for mask, members in enumerate(subsets(k)):
        for j in range(k):
            if j not in members:
                effects[j] += weight[len(members)] * (cost[mask | 1 << j] - cost[mask])
    return effects / cost[-1]


def test_three_correlated_gaussian_groups_match_the_exact_conditional_variances():
    r = np.array([[1.0, 0.64, 0.22], [0.64, 1.0, -0.3], [0.22, -0.3, 1.0]])
    a = np.array([1.0, -2.0, 0.5])
    design = InputDesign(
        groups=("kr", "us", "fx"), gaussian=("kr", "us", "fx"), correlation=r[None]
    )

    def linear(inputs: GroupInputs) -> np.ndarray:
        return np.tensordot(a, inputs.gaussian[:, 0], axes=1)

    est = estimate_shapley(design, linear, outer=2**14, batches=16, seed=3)
    _within(est.shapley[0], est.shapley_se[0], _linear_gaussian_shapley(a, r))


def test_an_unread_coordinate_is_marginalised_out():
    """B correlated with A (ρ = 0.9) but unread in year 2: no share there; ρ²/2 in year 1."""
    design = InputDesign(
        groups=("A", "B"),
        gaussian=("A", "B"),
        correlation=np.stack([_pair(0.9), _pair(0.9)]),
        read=np.array([[True, True], [True, False]]),
    )
    est = estimate_shapley(design, lambda x: x.gaussian[0].T, outer=2**12, batches=8, seed=1)
    _within(est.shapley[0, 1], est.shapley_se[0, 1], 0.81 / 2)
    assert est.shapley[1, 1] == 0.0 and est.shapley[1, 0] == 1.0


def test_a_group_read_in_no_year_has_no_inputs():
    design = InputDesign(
        groups=("A", "B"), gaussian=("A", "B"), correlation=_pair(0.9)[None],
        read=np.array([[True, False]]),
    )
    assert design.active == ("A",)


def test_constant_output_is_no_variance():
    design = InputDesign(
        groups=("A",), gaussian=("A",), correlation=np.ones((1, 1, 1))
    )

    def some_constant(inputs: GroupInputs) -> np.ndarray:
        g = inputs.gaussian[0, 0]
        return np.stack([g, np.full_like(g, 1.2345)], axis=1)

    est = estimate_shapley(design, some_constant, outer=256, batches=4, seed=2)
    assert est.no_variance.tolist() == [False, True]
    assert est.shapley[0, 0] == 1.0
    for index in (est.shapley, est.shapley_se, est.closed, est.total):
        assert np.isnan(index[1]).all()
    assert est.variance[1] == 0.0


@pytest.mark.filterwarnings("ignore::simcore.stats.shapley.ShapleyPrecisionWarning")
def test_same_seed_same_bits_whatever_the_threads(ishigami_estimate):
    design = InputDesign(
        groups=("x1", "x2", "x3"), gaussian=(), correlation=np.zeros((1, 0, 0)),
        independent={"x1": _angle, "x2": _angle, "x3": _angle},
    )
    again = estimate_shapley(
        design, _ishigami, outer=2**16, batches=32, seed=0,
        map_ordered=InProcessExecutor(threads=2).map_ordered,
    )
    for name in ("shapley", "shapley_se", "closed", "total", "variance", "nested_variance"):
        np.testing.assert_array_equal(getattr(again, name), getattr(ishigami_estimate, name))
    other = estimate_shapley(design, _ishigami, outer=2**12, batches=4, seed=1)
    first = estimate_shapley(design, _ishigami, outer=2**12, batches=4, seed=0)
    assert not np.array_equal(other.shapley, first.shapley)


def test_imprecise_effects_are_named_in_a_warning():
    design = InputDesign(groups=("A", "B"), gaussian=("A", "B"), correlation=_pair(0.5)[None])
    with pytest.warns(ShapleyPrecisionWarning, match=r"Y2027 A"):
        estimate_shapley(
            design, lambda x: x.gaussian[0, 0] * x.gaussian[1, 0], outer=64, batches=4, seed=5,
            output_names=["Y2027"],
        )


@pytest.mark.filterwarnings("ignore::simcore.stats.shapley.ShapleyPrecisionWarning")
def test_progress_counts_model_evaluations():
    design = InputDesign(groups=("A", "B"), gaussian=("A", "B"), correlation=_pair(0.5)[None])
    calls: list[tuple[int, int]] = []
    estimate_shapley(
        design, lambda x: x.gaussian[0, 0], outer=64, batches=4, seed=5,
        progress=lambda done, total: calls.append((done, total)),
    )
    # 3 subsets × 16 outer × 3 inner + 16 plain, per batch.
    assert calls == [(b * 160, 640) for b in range(1, 5)]


def test_inner_variance_is_exactly_zero_for_equal_values():
    values = np.full((3, 5), 0.1 + 0.2)
    assert np.all(inner_variance(values) == 0.0)
    x = np.array([[1.0], [2.0], [4.0]])
    np.testing.assert_allclose(inner_variance(x), np.var(x, axis=0, ddof=1))


def test_inner_variance_matches_numpy_and_a_hand_case():
    values = np.random.default_rng(2).normal(size=(5, 40, 3))
    np.testing.assert_allclose(inner_variance(values), np.var(values, axis=0, ddof=1),
                               rtol=1e-14)
    # Deviations 1, 2, 3 from 0: (14 − 6²/4) / 3.
    assert inner_variance(np.array([[0.0], [1.0], [2.0], [3.0]]))[0] == 5 / 3


def _random_correlation(rng: np.random.Generator, size: int, rank: int) -> np.ndarray:
    """A random correlation matrix of the given rank (B Bᵀ scaled to unit diagonal)."""
    b = rng.standard_normal((size, rank))
    scale = 1.0 / np.sqrt(np.einsum("ij,ij->i", b, b))
    r = (b * scale[:, None]) @ (b * scale[:, None]).T
    np.fill_diagonal(r, 1.0)
    return r


@pytest.mark.parametrize("singular", [False, True])
def test_pseudo_solve_is_the_moore_penrose_solution(singular):
    """Against LAPACK's pinv on random blocks of correlation matrices (up to 4 × 4, as for
    the four drivers): the same within 1e-12 where the block is well conditioned, and
    always a solution orthogonal to the null space."""
    rng = np.random.default_rng(5)
    compared = 0
    for _ in range(1500):
        size = int(rng.integers(1 + singular, 5))
        rank = int(rng.integers(1, size)) if singular else size
        full = _random_correlation(rng, size + 1, rank)
        r, b = full[:size, :size], full[:size, size]
        x = np.array(pseudo_solve(r, b))
        eigenvalues, vectors = np.linalg.eigh(r)
        null = vectors[:, eigenvalues < 1e-9]
        assert null.shape[1] == size - rank
        np.testing.assert_allclose(r @ x, b, atol=1e-9)
        np.testing.assert_allclose(null.T @ x, 0.0, atol=1e-9)
        spanned = eigenvalues[eigenvalues >= 1e-9]
        if spanned.max() / spanned.min() < 100:
            compared += 1
            np.testing.assert_allclose(x, np.linalg.pinv(r, hermitian=True) @ b, rtol=0,
                                       atol=1e-12)
    assert compared > 1000


def test_pseudo_solve_of_hand_cases_is_exact():
    assert pseudo_solve(np.eye(3), np.array([0.1, -0.2, 0.3])) == [0.1, -0.2, 0.3]
    assert pseudo_solve(_pair(0.5), np.array([0.5, 1.0])) == [0.0, 1.0]
    assert pseudo_solve(_pair(0.6), np.array([0.3, 0.5])) == [0.0, 0.5]
    # Perfectly correlated sources share the coefficient equally (the minimum norm).
    assert pseudo_solve(np.ones((2, 2)), np.array([0.8, 0.8])) == [0.4, 0.4]
    assert pseudo_solve(np.ones((3, 3)), np.array([0.9, 0.9, 0.9])) == [0.3, 0.3, 0.3]
    block = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert pseudo_solve(block, np.array([0.3, 0.3, 0.5])) == [0.15, 0.15, 0.5]
    assert pseudo_solve(np.zeros((0, 0)), np.zeros(0)) == []


def test_draws_are_the_factor_times_the_normals_year_by_year():
    """Per year its own factor (a singular and an unread coordinate included): the matrix
    product within rounding, and the fixed-order multiply-add exactly."""
    r = np.array([[1.0, 0.64, 0.22], [0.64, 1.0, -0.3], [0.22, -0.3, 1.0]])
    design = InputDesign(
        groups=("a", "b", "c"), gaussian=("a", "b", "c"),
        correlation=np.stack([r, np.ones((3, 3)), r]),
        read=np.array([[True] * 3, [True] * 3, [True, False, True]]),
    )
    drawn = design.draw(np.random.default_rng(4), 1000).gaussian
    normals = np.random.default_rng(4).standard_normal((3, 3, 1000))
    np.testing.assert_allclose(drawn, np.einsum("tij,jtn->itn", design.factors, normals),
                               rtol=0, atol=1e-15)
    factor = design.factors[0]
    expected = factor[2, 0] * normals[0, 0] + factor[2, 1] * normals[1, 0]
    expected += factor[2, 2] * normals[2, 0]
    np.testing.assert_array_equal(drawn[2, 0], expected)
    np.testing.assert_array_equal(drawn[:, 1], np.broadcast_to(normals[0, 1], (3, 1000)))
    np.testing.assert_array_equal(drawn[1, 2], normals[1, 2])  # unread: independent


def test_shapley_numerators_match_the_weighted_sum_and_hand_cases():
    rng = np.random.default_rng(6)
    for k in (1, 3, 5):
        costs = rng.random((2**k, 4))
        weight = shapley_weights(k)
        for j, got in enumerate(_shapley_numerators(costs, k)):
            without = [m for m in range(2**k) if not m >> j & 1]
            weights = np.array([weight[m.bit_count()] for m in without])
            expected = np.tensordot(weights, costs[np.array(without) | 1 << j]
                                    - costs[without], axes=1)
            np.testing.assert_allclose(got, expected, rtol=1e-14)
    # c(∅) = 0, c({0}) = 1, c({1}) = 2, c({0, 1}) = 4: ½·1 + ½·2 and ½·2 + ½·3.
    np.testing.assert_array_equal(
        _shapley_numerators(np.array([[0.0], [1.0], [2.0], [4.0]]), 2)[:, 0], [1.5, 2.5])
    # Of three groups, one adds 0.9 to every subset and the others nothing: exactly 0.9
    # (0.9 times the weights 1/3, 1/6, 1/6, 1/3, summed in order, is 0.8999999999999999).
    costs = np.array([[(m >> 2 & 1) * 0.9] for m in range(8)])
    np.testing.assert_array_equal(_shapley_numerators(costs, 3)[:, 0], [0.0, 0.0, 0.9])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inner": 1}, "at least 2"),
        ({"outer": 100, "batches": 8}, "multiple of the 8 batches"),
        ({"batches": 1}, "at least 2"),
    ],
)
def test_bad_sizes_are_refused(kwargs, message):
    design = InputDesign(groups=("A",), gaussian=("A",), correlation=np.ones((1, 1, 1)))
    options = {"outer": 64, "batches": 4, "seed": 0, **kwargs}
    with pytest.raises(SmasimInputError, match=message):
        estimate_shapley(design, lambda x: x.gaussian[0, 0], **options)


def test_design_refuses_groups_it_does_not_list():
    with pytest.raises(SmasimInputError, match="distinct members"):
        InputDesign(groups=("A",), gaussian=("A", "B"), correlation=np.ones((1, 2, 2)))

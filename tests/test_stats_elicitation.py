"""Fits to elicited quantiles, linear and logarithmic pools, Dirichlets from Beta marginals:
known answers (simcore.stats.elicitation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from simcore.stats.elicitation import (
    AMOUNT_FAMILIES,
    Distribution,
    Family,
    Mixture,
    best_fit,
    check_quantile_judgment,
    dirichlet_from_betas,
    fit_distribution,
    fit_families,
    inverse_cdf,
    linear_pool,
    linear_pool_probabilities,
    log_pool,
    log_pool_probabilities,
)

QUARTILES = (0.25, 0.5, 0.75)


def test_beta_2_8_is_recovered_from_its_exact_quartiles() -> None:
    fit = fit_distribution(stats.beta(2, 8).ppf(QUARTILES), QUARTILES, "beta")
    assert fit.family == "beta"
    np.testing.assert_allclose(fit.distribution.parameters, (2.0, 8.0), rtol=1e-8)
    assert fit.sse < 1e-20
    np.testing.assert_allclose(fit.fitted_values, stats.beta(2, 8).ppf(QUARTILES), rtol=1e-9)
    np.testing.assert_allclose(fit.fitted_levels, QUARTILES, atol=1e-10)


@pytest.mark.parametrize(("family", "law", "parameters"), [
    ("normal", stats.norm(7e9, 2e9), (7e9, 2e9)),
    ("lognormal", stats.lognorm(0.4, scale=7e9), (math.log(7e9), 0.4)),
    ("gamma", stats.gamma(3.0, scale=2e9), (3.0, 2e9)),
    ("beta", stats.beta(0.5, 0.5), (0.5, 0.5)),
    ("beta", stats.beta(30, 3), (30.0, 3.0)),
])
def test_each_family_is_recovered_from_exact_quantiles(
    family: Family, law: stats.rv_continuous, parameters: tuple[float, float]
) -> None:
    levels = (0.05, 0.5, 0.95)
    fit = fit_distribution(law.ppf(levels).tolist(), levels, family)
    np.testing.assert_allclose(fit.distribution.parameters, parameters, rtol=1e-7)


def test_amounts_fit_the_same_in_any_unit() -> None:
    """Billions of dollars and dollars give the same law, scaled."""
    values = (5.0, 7.0, 10.0)
    for family in AMOUNT_FAMILIES:
        small = fit_distribution(values, QUARTILES, family)
        large = fit_distribution([v * 1e9 for v in values], QUARTILES, family)
        np.testing.assert_allclose(large.fitted_values, np.array(small.fitted_values) * 1e9,
                                   rtol=1e-7)
        assert large.sse == pytest.approx(small.sse, rel=1e-5, abs=1e-20)


def test_the_best_fit_is_the_smallest_sum_of_squares_and_finds_the_true_family() -> None:
    values = stats.lognorm(0.6, scale=7.0).ppf((0.05, 0.25, 0.5, 0.75, 0.95))
    fits = fit_families(values, (0.05, 0.25, 0.5, 0.75, 0.95), AMOUNT_FAMILIES)
    assert [f.family for f in fits] == list(AMOUNT_FAMILIES)
    best = best_fit(fits)
    assert best.family == "lognormal"
    assert best.sse == min(f.sse for f in fits) < 1e-20 < min(f.sse for f in fits if f is not best)


@pytest.mark.parametrize(("values", "levels", "message"), [
    ((0.1, 0.2), (0.45, 0.55), "reach below 0.4 and above 0.6"),
    ((0.2, 0.1, 0.3), QUARTILES, "values must increase"),
    ((0.1, 0.2, 0.3), (0.5, 0.25, 0.75), "levels must increase"),
    ((0.1, 0.2, 1.3), QUARTILES, r"fractions in \[0, 1\]"),
    ((0.1,), (0.5,), "at least two"),
    ((0.1, 0.2), QUARTILES, "one value per level"),
])
def test_judgments_no_fit_could_honour_are_refused(
    values: tuple[float, ...], levels: tuple[float, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_quantile_judgment(values, levels, families=("beta",))


def test_a_lognormal_or_gamma_needs_positive_amounts() -> None:
    with pytest.raises(ValueError, match="positive amounts for a gamma fit"):
        fit_distribution((-1.0, 2.0, 3.0), QUARTILES, "gamma")
    assert fit_distribution((-1.0, 2.0, 3.0), QUARTILES, "normal").sse >= 0


def test_linear_pool_of_two_normals_has_the_closed_form_cdf() -> None:
    pool = linear_pool([Distribution("normal", (0.0, 1.0)), Distribution("normal", (2.0, 1.0))],
                       [1, 1])
    assert float(pool.cdf(0.0)) == pytest.approx(0.261375, abs=5e-7)
    assert float(pool.cdf(0.0)) == pytest.approx(0.5 * (0.5 + stats.norm.cdf(-2.0)), rel=1e-15)
    assert pool.mean == 1.0


def test_log_pool_of_two_normals_is_exactly_normal_0_4_1_6() -> None:
    experts = [Distribution("normal", (0.0, 1.0)), Distribution("normal", (2.0, 2.0))]
    pooled = log_pool(experts, [0.5, 0.5])
    assert pooled.family == "normal"
    assert pooled.parameters[0] == pytest.approx(0.4, abs=1e-15)
    assert pooled.parameters[1] ** 2 == pytest.approx(1.6, abs=1e-15)
    # The definition: the normalized product of the densities to the weights.
    grid = np.linspace(-12, 12, 20001)
    product = np.sqrt(stats.norm(0, 1).pdf(grid) * stats.norm(2, 2).pdf(grid))
    product /= integrate.trapezoid(product, grid)
    np.testing.assert_allclose(product, pooled.pdf(grid), atol=1e-9)


@pytest.mark.parametrize(("family", "experts"), [
    ("beta", [(2.0, 8.0), (5.0, 5.0), (1.5, 3.0)]),
    ("gamma", [(2.0, 1.5), (4.0, 0.5), (3.0, 1.0)]),
    ("lognormal", [(0.0, 0.5), (0.4, 0.3), (-0.2, 0.8)]),
])
def test_log_pools_in_closed_form_are_the_normalized_weighted_product(
    family: Family, experts: list[tuple[float, float]]
) -> None:
    laws = [Distribution(family, p) for p in experts]
    weights = [0.5, 0.3, 0.2]
    pooled = log_pool(laws, weights)
    top = 1 - 1e-6 if family == "beta" else 30.0
    grid = np.linspace(1e-6, top, 200001)
    product = np.ones_like(grid)
    for weight, law in zip(weights, laws, strict=True):
        product *= law.pdf(grid) ** weight
    product /= integrate.trapezoid(product, grid)
    np.testing.assert_allclose(product, pooled.pdf(grid), atol=2e-6 * pooled.pdf(grid).max())


def test_log_pool_needs_one_family() -> None:
    with pytest.raises(ValueError, match="one family"):
        log_pool([Distribution("normal", (0, 1)), Distribution("gamma", (2, 1))], [1, 1])


def test_categorical_pools_of_two_experts_give_the_hand_computed_vectors() -> None:
    a, b = (0.5, 0.3, 0.2), (0.2, 0.5, 0.3)
    # Linear: the average, outcome by outcome.
    assert linear_pool_probabilities([a, b], [1, 1]) == pytest.approx((0.35, 0.40, 0.25),
                                                                       abs=1e-15)
    # Weighted 3:1: 0.75·a + 0.25·b.
    assert linear_pool_probabilities([a, b], [3, 1]) == pytest.approx((0.425, 0.35, 0.225),
                                                                       abs=1e-15)
    # Log: √(a_k b_k) normalized: √0.10, √0.15, √0.06 over their sum 0.948475.
    root = (math.sqrt(0.10), math.sqrt(0.15), math.sqrt(0.06))
    expected = tuple(r / sum(root) for r in root)
    pooled = log_pool_probabilities([a, b], [1, 1])
    assert pooled == pytest.approx(expected, abs=1e-15)
    assert pooled == pytest.approx((0.333407, 0.408338, 0.258256), abs=5e-7)
    assert math.fsum(pooled) == pytest.approx(1.0, abs=1e-15)


def test_a_log_pool_rules_out_what_any_expert_rules_out() -> None:
    pooled = log_pool_probabilities([(0.6, 0.4, 0.0), (0.3, 0.3, 0.4)], [1, 1])
    assert pooled[2] == 0.0
    assert pooled[0] == pytest.approx(math.sqrt(0.18) / (math.sqrt(0.18) + math.sqrt(0.12)))


def test_probability_vectors_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        linear_pool_probabilities([(0.5, 0.4), (0.5, 0.5)], [1, 1])


def test_dirichlet_marginals_give_the_dirichlet_back() -> None:
    alpha = np.array([6.0, 3.0, 1.0])
    marginals = [
        fit_distribution(stats.beta(a, alpha.sum() - a).ppf(QUARTILES), QUARTILES, "beta")
        .distribution for a in alpha
    ]
    np.testing.assert_allclose(dirichlet_from_betas(marginals), alpha, rtol=1e-6)


def test_dirichlet_total_matches_the_marginal_sds_in_least_squares() -> None:
    """SHELF's "opt": √(n+1) = Σ v(n_k+1) / Σ v √(n_k+1) minimises Σ (sd_k − c_k/√(n+1))²."""
    marginals = [Distribution("beta", (5.0, 5.0)), Distribution("beta", (2.0, 10.0)),
                 Distribution("beta", (1.0, 3.0))]
    alpha = dirichlet_from_betas(marginals)
    total = sum(alpha)
    sd = np.array([stats.beta(*m.parameters).std() for m in marginals])
    c = np.array([math.sqrt(m.mean * (1 - m.mean)) for m in marginals])

    def loss(n: float) -> float:
        return float(((sd - c / math.sqrt(n + 1)) ** 2).sum())

    assert loss(total) < min(loss(total * 1.001), loss(total * 0.999))
    means = np.array([m.mean for m in marginals])
    np.testing.assert_allclose(np.array(alpha) / total, means / means.sum(), rtol=1e-14)


def test_mixture_quantiles_invert_the_cdf_to_a_few_ulps() -> None:
    pool = linear_pool([Distribution("beta", (2.0, 8.0)), Distribution("beta", (3.0, 5.0)),
                        Distribution("beta", (10.0, 10.0))], [1, 1, 1])
    u = np.random.default_rng(7).random(20_000)
    x = pool.ppf(u)
    assert np.all(np.diff(x[np.argsort(u)]) >= 0)
    assert np.abs(pool.cdf(x) - u).max() <= 8 * np.finfo(float).eps
    # Against an independent bracketed solve from the components' quantiles.
    ends = np.array([c.ppf(u) for c in pool.components])
    np.testing.assert_allclose(inverse_cdf(pool.cdf, u, ends.min(0), ends.max(0)), x,
                               rtol=1e-11)
    assert pool.ppf(np.array([0.0, 1.0])).tolist() == [0.0, 1.0]


def test_mixture_quantiles_of_amounts_and_unbounded_laws() -> None:
    pool = linear_pool([Distribution("lognormal", (22.6, 0.4)),
                        Distribution("gamma", (3.0, 2e9))], [2, 1])
    u = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(pool.cdf(pool.ppf(u)), u, rtol=0, atol=1e-14)
    normal = linear_pool([Distribution("normal", (0.0, 1.0)), Distribution("normal", (2.0, 1.0))],
                         [1, 1])
    assert float(normal.ppf(0.261375)) == pytest.approx(0.0, abs=2e-6)


def test_a_mixture_of_one_component_is_that_component_bit_for_bit() -> None:
    beta = Distribution("beta", (2.0, 8.0))
    u = np.random.default_rng(3).random(1000)
    assert np.array_equal(Mixture((beta,), (1.0,)).ppf(u), beta.ppf(u))


def test_linear_pools_of_pools_flatten_with_scaled_weights() -> None:
    a, b, c = (Distribution("beta", p) for p in ((2.0, 8.0), (3.0, 3.0), (8.0, 2.0)))
    nested = linear_pool([linear_pool([a, b], [1, 1]), c], [2, 1])
    assert nested.components == (a, b, c)
    assert nested.weights == pytest.approx((1 / 3, 1 / 3, 1 / 3), abs=1e-15)


def test_mixture_weights_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        Mixture((Distribution("beta", (1, 1)), Distribution("beta", (2, 2))), (0.5, 0.6))
    with pytest.raises(ValueError, match="positive"):
        Distribution("beta", (0.0, 1.0))

"""Budgets by year (simcore.stats.budget): the Euler allocation of the total's percentile."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import special

import simcore.stats.budget
from simcore.stats.budget import allocate_budget, default_window

MU = np.array([1.0, 2.0, 3.0])
SD = np.array([1.0, 0.5, 2.0])
LEVEL = 80.0


def independent_normals(seed: int, n: int) -> np.ndarray:
    return MU + SD * np.random.default_rng(seed).standard_normal((n, MU.size))


def closed_form(level: float) -> tuple[float, np.ndarray]:
    """``q = Q_S(p)`` and ``E[X_t | S = q] = μ_t + σ_t² (q − μ_S) / σ_S²`` for normal years."""
    sd_total = np.sqrt((SD**2).sum())
    q = MU.sum() + sd_total * special.ndtri(level / 100)
    return q, MU + SD**2 * (q - MU.sum()) / sd_total**2


def test_budgets_add_up_to_the_percentile_of_the_total(rng: np.random.Generator) -> None:
    x = rng.lognormal(mean=[0.0, 0.5, 1.0, 0.2], sigma=0.4, size=(50_000, 4))
    result = allocate_budget(x, LEVEL)
    # q is numpy's percentile of the per-path total, bit for bit.
    assert result.total == np.percentile(x.sum(axis=1), LEVEL)
    assert result.budget.sum() == pytest.approx(result.total, rel=1e-13)
    assert result.scale == pytest.approx(1.0, abs=4 * result.scale_se)


def test_allocation_matches_the_closed_form_of_independent_normal_years() -> None:
    x = independent_normals(7, 400_000)
    result = allocate_budget(x, LEVEL)
    _, expected = closed_form(LEVEL)
    assert np.all(result.budget_lower <= expected)
    assert np.all(expected <= result.budget_upper)
    # The interval is informative: a few percent of the value, not the whole range.
    assert np.all(result.budget_upper - result.budget_lower < 0.05 * np.abs(expected))


def test_per_year_percentiles_and_proportional_split() -> None:
    x = independent_normals(3, 100_000)
    result = allocate_budget(x, LEVEL)
    per_year = np.percentile(x, LEVEL, axis=0)
    np.testing.assert_array_equal(result.percentile, per_year)
    assert result.percentile_sum == pytest.approx(per_year.sum(), rel=1e-15)
    assert result.overshoot == pytest.approx(per_year.sum() - result.total, rel=1e-13)
    # Independent years: the sum of per-year P80s exceeds the P80 of the total.
    assert result.overshoot > 0
    means = x.mean(axis=0)
    np.testing.assert_allclose(result.proportional, result.total * means / means.sum(),
                               rtol=1e-13)


def test_comonotone_years_get_their_own_percentiles() -> None:
    z = np.random.default_rng(11).standard_normal(200_000)
    # Increasing functions of one shock, of different shapes: one order for every year.
    x = np.column_stack([np.exp(0.3 * z), 2.0 + 0.5 * z, np.exp(1.0 + 0.6 * z) + z])
    result = allocate_budget(x, LEVEL)
    # Linear interpolation between the same ranks is additive over comonotone columns.
    assert result.overshoot == pytest.approx(0.0, abs=1e-12 * result.total)
    assert np.all(result.budget_lower <= result.percentile)
    assert np.all(result.percentile <= result.budget_upper)
    # Every path below its year's P80 in one year is below it in all: joint = p.
    assert result.joint_confidence == pytest.approx(LEVEL / 100, abs=1e-5)


def test_intervals_cover_at_their_nominal_rate() -> None:
    seeds = 200
    _, expected = closed_form(LEVEL)
    covered = np.zeros(MU.size)
    for seed in range(seeds):
        result = allocate_budget(independent_normals(seed, 4_000), LEVEL)
        covered += (result.budget_lower <= expected) & (expected <= result.budget_upper)
    rate = covered / seeds
    binomial_sd = np.sqrt(0.95 * 0.05 / seeds)
    assert np.all(np.abs(rate - 0.95) <= 3 * binomial_sd), rate


def test_a_known_year_keeps_its_value(rng: np.random.Generator) -> None:
    x = rng.normal(10.0, 2.0, size=(20_000, 3))
    x[:, 1] = 1234.5
    result = allocate_budget(x, 70.0)
    assert result.constant.tolist() == [False, True, False]
    assert result.budget[1] == 1234.5
    assert result.budget_lower[1] == result.budget_upper[1] == 1234.5
    assert result.budget.sum() == pytest.approx(result.total, rel=1e-13)


def test_all_years_known() -> None:
    x = np.tile([3.0, 4.0], (100, 1))
    result = allocate_budget(x, 90.0)
    assert result.total == 7.0
    assert result.budget.tolist() == [3.0, 4.0]
    assert result.scale == 1.0
    assert result.joint_confidence == 1.0


def test_joint_confidence_of_independent_years_is_the_product() -> None:
    x = independent_normals(5, 200_000)
    result = allocate_budget(x, LEVEL)
    expected = (LEVEL / 100) ** MU.size
    assert result.joint_confidence == pytest.approx(expected, abs=3 * result.joint_confidence_se)


def test_joint_confidence_error_matches_its_spread_over_seeds() -> None:
    estimates, errors = [], []
    for seed in range(200):
        result = allocate_budget(independent_normals(seed, 4_000), LEVEL)
        estimates.append(result.joint_confidence)
        errors.append(result.joint_confidence_se)
    spread = np.std(estimates, ddof=1)
    # 200 seeds estimate a standard deviation to about ±5 %.
    assert np.mean(errors) == pytest.approx(spread, rel=0.2)
    # Thresholds estimated from the same paths halve the spread: the binomial formula,
    # sqrt(P (1 − P) / n), would be about twice too wide here.
    expected = (LEVEL / 100) ** MU.size
    assert spread < 0.6 * np.sqrt(expected * (1 - expected) / 4_000)


def test_window_mean_by_hand_with_ties() -> None:
    # Totals 0, 1, 2, 3, 5, 5, 8: P50 is 3; distances 3, 2, 1, 0, 2, 2, 5.
    x = np.array([[0, 0], [1, 0], [1, 1], [2, 1], [4, 1], [3, 2], [4, 4]], dtype=float)
    result = allocate_budget(x, 50.0, window=3)
    assert result.total == 3.0
    # The 3rd smallest distance is 2, shared by rows 1, 4 and 5: five paths, ties included.
    assert result.window == 3
    assert result.window_paths == 5
    means = x[[1, 2, 3, 4, 5]].mean(axis=0)  # (2.2, 1.0), adding up to 3.2
    np.testing.assert_allclose(result.budget, means * 3.0 / 3.2, rtol=1e-15)
    assert result.scale == pytest.approx(3.0 / 3.2, rel=1e-15)
    # Fewer than two paths per batch: no sectioning intervals.
    assert np.isnan(result.budget_lower).all()
    assert np.isnan(result.joint_confidence_se)


def test_memory_order_and_dtype_do_not_change_the_result(rng: np.random.Generator) -> None:
    x = rng.gamma(2.0, 1.0, size=(30_001, 5)).astype(np.float32)
    c_order = allocate_budget(x, LEVEL)
    f_order = allocate_budget(np.asfortranarray(x), LEVEL)
    np.testing.assert_array_equal(c_order.budget, f_order.budget)
    np.testing.assert_array_equal(c_order.budget_upper, f_order.budget_upper)
    assert c_order.joint_confidence_se == f_order.joint_confidence_se
    np.testing.assert_array_equal(c_order.percentile, np.percentile(x, LEVEL, axis=0))


def test_input_is_not_modified(rng: np.random.Generator) -> None:
    x = rng.normal(size=(5_000, 3))
    before = x.copy()
    allocate_budget(x, LEVEL)
    np.testing.assert_array_equal(x, before)


def test_default_window() -> None:
    assert default_window(10_000) == 400
    assert default_window(10_001) == 4 * 101
    assert default_window(10) == 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"level": 0.0}, "level", id="level-0"),
        pytest.param({"level": 100.0}, "level", id="level-100"),
        pytest.param({"window": 0}, "window", id="window-0"),
        pytest.param({"window": 11}, "window", id="window-beyond-n"),
        pytest.param({"sections": 1}, "sections", id="one-section"),
    ],
)
def test_bad_arguments(kwargs: dict[str, float], message: str) -> None:
    x = np.ones((10, 2)) + np.arange(10)[:, None]
    with pytest.raises(ValueError, match=message):
        allocate_budget(x, **kwargs)


def test_bad_values() -> None:
    with pytest.raises(ValueError, match="2-D"):
        allocate_budget(np.ones(10))
    x = np.ones((10, 2))
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        allocate_budget(x)
    # Totals -2, 1, 1: P50 is 1, but the three nearest paths average 0.
    with pytest.raises(ValueError, match="add up to zero"):
        allocate_budget(np.array([[-2.0], [1.0], [1.0]]), 50.0, window=3)


def test_docstring_examples_run() -> None:
    failures, _ = doctest.testmod(simcore.stats.budget, optionflags=doctest.ELLIPSIS)
    assert failures == 0

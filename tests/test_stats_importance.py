"""Importance-weighted summaries: Kish's effective sample size, weighted moments, percentiles
with Woodruff intervals, exceedance (simcore.stats.importance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simcore.stats.importance import (
    WeightedColumn,
    effective_sample_size,
    weighted_exceedance,
    weighted_summary,
)
from simcore.stats.summary import exceedance, summarize_values

LEVELS = [5, 25, 50, 80, 95]


def test_effective_sample_size_is_kish() -> None:
    weights = np.array([0.5, 0.5, 2.0, 1.0])
    assert effective_sample_size(weights) == pytest.approx(4.0**2 / (0.25 + 0.25 + 4 + 1))
    assert effective_sample_size(3.0 * weights) == pytest.approx(effective_sample_size(weights))
    assert effective_sample_size(np.zeros(3)) == 0.0


def test_equal_weights_give_the_unweighted_summary() -> None:
    values = np.random.default_rng(1).lognormal(size=(5001, 3))
    plain = summarize_values(values, LEVELS)
    weighted = weighted_summary(values, np.full(5001, 0.37), LEVELS)
    np.testing.assert_allclose(weighted.mean, plain.mean, rtol=1e-13)
    np.testing.assert_allclose(weighted.sd, plain.sd, rtol=1e-12)
    np.testing.assert_allclose(weighted.mcse, plain.mcse, rtol=1e-12)
    np.testing.assert_allclose(weighted.percentile, plain.percentile, rtol=1e-12)
    # Woodruff's interval is the normal approximation of the order-statistic one.
    np.testing.assert_allclose(weighted.percentile_lower, plain.percentile_lower, rtol=0.02)
    np.testing.assert_allclose(weighted.percentile_upper, plain.percentile_upper, rtol=0.02)


def test_plotting_positions_are_the_middles_of_the_weights_stretched_to_0_and_1() -> None:
    column = WeightedColumn.of(np.array([3.0, 1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0, 0.0]))
    assert column.values.tolist() == [1.0, 2.0, 3.0]  # weight 0 left out
    # Middles 1/8, 4/8, 7/8 → 0, 1/2, 1.
    np.testing.assert_allclose(column.positions, [0.0, 0.5, 1.0])
    assert float(column.quantile(0.25)) == pytest.approx(1.5)
    assert float(column.quantile(0.75)) == pytest.approx(2.5)


def test_weighted_moments_are_the_weighted_sums() -> None:
    values = np.array([1.0, 2.0, 4.0])
    weights = np.array([1.0, 2.0, 1.0])
    summary = weighted_summary(values, weights, [50])
    share = weights / 4
    mean = 0.25 * 1 + 0.5 * 2 + 0.25 * 4
    assert float(summary.mean) == pytest.approx(mean)
    correction = 1 - float(np.sum(share**2))
    assert float(summary.sd) == pytest.approx(
        math.sqrt(float(np.sum(share * (values - mean) ** 2)) / correction))
    assert float(summary.mcse) == pytest.approx(
        math.sqrt(float(np.sum(share**2 * (values - mean) ** 2)) / correction))


def test_reweighted_normal_sample_has_the_target_law_within_its_intervals() -> None:
    """N(0, 1) paths weighted by φ(x − 0.5)/φ(x) are N(0.5, 1): over 200 seeds, the 95%
    Woodruff intervals of P50 and P80 cover the truth as often as they claim."""
    covered = {50: 0, 80: 0}
    seeds = 200
    for seed in range(seeds):
        x = np.random.default_rng(seed).standard_normal(2000)
        weights = np.exp(0.5 * x - 0.125)
        summary = weighted_summary(x, weights, [50, 80])
        for k, level in enumerate((50, 80)):
            truth = 0.5 + stats.norm.ppf(level / 100)
            covered[level] += summary.percentile_lower[k] <= truth <= summary.percentile_upper[k]
    sd = math.sqrt(seeds * 0.95 * 0.05)
    for level, count in covered.items():
        assert abs(count - 0.95 * seeds) <= 3.5 * sd, (level, count)


def test_the_mean_error_accounts_for_the_weights() -> None:
    """Over seeds, the spread of the weighted mean matches its reported standard error."""
    means, errors = [], []
    for seed in range(300):
        x = np.random.default_rng(seed).standard_normal(1000)
        summary = weighted_summary(x, np.exp(0.8 * x - 0.32), [50])
        means.append(float(summary.mean))
        errors.append(float(summary.mcse))
    spread = float(np.std(means, ddof=1))
    # The sd of 300 draws is known to about ±4% (1/√(2·299)); allow 4 of those.
    assert spread == pytest.approx(float(np.mean(errors)), rel=0.17)
    assert float(np.mean(means)) == pytest.approx(0.8, abs=4 * spread / math.sqrt(300))


def test_weighted_exceedance() -> None:
    values = np.array([[1.0, 5.0], [3.0, 1.0], [0.0, 0.0], [4.0, np.nan]])
    weights = np.array([1.0, 1.0, 2.0, 0.0])
    tail = weighted_exceedance(values, weights, [2.0])
    np.testing.assert_allclose(tail.probability, [[0.25, 0.25]])
    np.testing.assert_allclose(tail.any_probability, [0.5])
    share = weights / 4
    above = np.array([0.0, 1.0, 0.0, 1.0])
    expected = math.sqrt(float(np.sum(share**2 * (above - 0.25) ** 2)))
    assert float(tail.se[0, 0]) == pytest.approx(expected)
    plain = exceedance(values[:3], [2.0])
    same = weighted_exceedance(values[:3], np.ones(3), [2.0])
    np.testing.assert_allclose(same.probability, plain.probability)
    np.testing.assert_allclose(same.se, plain.se)

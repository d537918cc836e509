"""Summary statistics: order-statistic intervals, exceedance, convergence, the summary group."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
from scipy import stats

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.core.errors import ResultFileError
from simcore.io.layout import SUMMARY_STATISTICS
from simcore.io.reader import open_summary, read_samples, read_summary
from simcore.run.runner import run_scenarios
from simcore.stats.convergence import checkpoints, paths_needed
from simcore.stats.summary import (
    exceedance,
    normal_quantile,
    order_statistic_ranks,
    percentile_intervals,
    proportion_se,
    summarize_values,
)
from tests.conftest import BASELINE

N_FILE = 5_000


@pytest.fixture(scope="module")
def result_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path]:
    scenario = load_scenario(BASELINE).with_overrides(samples=N_FILE, seed=7)
    path = tmp_path_factory.mktemp("summary") / "baseline.h5"
    run_scenarios([scenario], path)
    return scenario, path


# --- order-statistic intervals ---------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 10, 2_000, 100_000, 10_000_000])
def test_ranks_are_binomial_quantiles(n: int) -> None:
    """l = F⁻¹(α/2) and u = F⁻¹(1 − α/2) + 1 (1-based), as scipy.stats.binom.ppf gives them."""
    levels = np.array([0.0, 1e-4, 2.5, 5.0, 50.0, 80.0, 95.0, 99.9, 100.0])
    lower, upper = order_statistic_ranks(n, levels, 0.95)
    expected_lower = np.clip(stats.binom.ppf(0.025, n, levels / 100) - 1, 0, n - 1)
    expected_upper = np.clip(stats.binom.ppf(0.975, n, levels / 100), 0, n - 1)
    np.testing.assert_array_equal(lower, expected_lower)
    np.testing.assert_array_equal(upper, expected_upper)


@pytest.mark.parametrize("n", [1, 100, 10_000_000])
def test_ranks_of_vanishing_levels(n: int) -> None:
    """Below ~1e-14 % scipy's bdtrik gives NaN; the law is then all at 0 (the minimum)."""
    lower, upper = order_statistic_ranks(n, [1e-20, 1e-14, 100 - 1e-14])
    expected_upper = np.clip(stats.binom.ppf(0.975, n, np.array([1e-22, 1e-16, 1 - 1e-16])),
                             0, n - 1)
    np.testing.assert_array_equal(lower[:2], [0, 0])
    np.testing.assert_array_equal(upper, expected_upper)


def test_intervals_are_order_statistics_around_the_estimate(rng: np.random.Generator) -> None:
    values = rng.lognormal(size=(3_001, 3))
    levels = [2.5, 50.0, 80.0, 97.5]
    estimate, lower, upper = percentile_intervals(values, levels)
    np.testing.assert_array_equal(estimate, np.percentile(values, levels, axis=0))
    lo_rank, hi_rank = order_statistic_ranks(3_001, levels)
    ordered = np.sort(values, axis=0)
    np.testing.assert_array_equal(lower, ordered[lo_rank])
    np.testing.assert_array_equal(upper, ordered[hi_rank])
    assert np.all(lower <= estimate) and np.all(estimate <= upper)


def test_long_columns_use_the_selection_path(rng: np.random.Generator) -> None:
    """Beyond quantiles.SMALL the bounds come from the bracketing pass: still exact."""
    values = rng.standard_normal(400_000).astype(np.float32)
    _, lower, upper = percentile_intervals(values, [5.0, 50.0])
    lo_rank, hi_rank = order_statistic_ranks(values.shape[0], [5.0, 50.0])
    ordered = np.sort(values)
    np.testing.assert_array_equal(lower, ordered[lo_rank])
    np.testing.assert_array_equal(upper, ordered[hi_rank])


def test_intervals_cover_the_true_quantile_at_their_exact_rate() -> None:
    """200 seeds of a lognormal: coverage counts follow Binomial(200, c), c the exact coverage.

    For a continuous law the interval covers exactly when l <= B <= u - 1, B ~ Binomial(n, p),
    so c = F(u - 1) - F(l - 1) >= 0.95 is known; the count of covering seeds must lie within
    3.5 binomial standard deviations of 200 c.
    """
    n, seeds = 2_000, 200
    levels = np.array([5.0, 50.0, 80.0, 95.0])
    truth = np.exp(stats.norm.ppf(levels / 100))
    covered = np.zeros(levels.shape[0])
    for seed in range(seeds):
        sample = np.random.default_rng(seed).lognormal(size=n)
        _, lower, upper = percentile_intervals(sample, levels)
        covered += (lower <= truth) & (truth <= upper)
    lo_rank, hi_rank = order_statistic_ranks(n, levels)
    # 0-based ranks lo = l − 1 and hi = u − 1, so c = F(u − 1) − F(l − 1) = F(hi) − F(lo).
    exact = stats.binom.cdf(hi_rank, n, levels / 100) - stats.binom.cdf(lo_rank, n, levels / 100)
    assert np.all(exact >= 0.95)
    tolerance = 3.5 * np.sqrt(seeds * exact * (1 - exact))
    assert np.all(np.abs(covered - seeds * exact) <= tolerance), (covered, seeds * exact)


def test_atoms_give_zero_width_and_nan_gives_nan() -> None:
    constant = np.full((500, 2), 1.5e12)
    s = summarize_values(constant, [5.0, 50.0, 95.0])
    assert np.all(s.percentile_lower == 1.5e12) and np.all(s.percentile_upper == 1.5e12)
    missing = np.full(500, np.nan)
    estimate, lower, upper = percentile_intervals(missing, [50.0])
    assert np.isnan(estimate).all() and np.isnan(lower).all() and np.isnan(upper).all()


def test_moments_and_their_error(rng: np.random.Generator) -> None:
    values = rng.normal(3.0, 2.0, size=(10_000, 2))
    s = summarize_values(values, [50.0])
    np.testing.assert_allclose(s.mean, values.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(s.sd, values.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(s.mcse, s.sd / 100.0, rtol=1e-15)
    one = summarize_values(values[:1], [50.0])
    assert np.isnan(one.sd).all() and np.isnan(one.mcse).all()


def test_normal_quantile() -> None:
    assert normal_quantile(0.95) == pytest.approx(1.959963984540054, abs=1e-14)


# --- exceedance ------------------------------------------------------------------------------


def test_exceedance_of_a_threshold_below_every_value_is_one(rng: np.random.Generator) -> None:
    values = rng.lognormal(size=(1_000, 4))
    tail = exceedance(values, [0.0, values.max() + 1.0])
    np.testing.assert_array_equal(tail.probability[0], 1.0)
    np.testing.assert_array_equal(tail.se[0], 0.0)
    np.testing.assert_array_equal(tail.probability[1], 0.0)
    assert tail.any_probability.tolist() == [1.0, 0.0]


def test_exceedance_matches_the_law_within_its_error(rng: np.random.Generator) -> None:
    n = 40_000
    values = rng.standard_normal((n, 3))
    tail = exceedance(values, [1.0])
    truth = stats.norm.sf(1.0)
    assert np.all(np.abs(tail.probability[0] - truth) < 4 * tail.se[0])
    p = tail.probability[0]
    np.testing.assert_allclose(tail.se[0], np.sqrt(p * (1 - p) / n))
    # In any of three independent years: 1 − (1 − p)³.
    any_truth = 1 - (1 - truth) ** 3
    assert abs(tail.any_probability[0] - any_truth) < 4 * tail.any_se[0]
    assert tail.any_probability[0] == np.mean((values > 1.0).any(axis=1))


def test_exceedance_of_horizon_totals_and_nan() -> None:
    values = np.array([1.0, 2.0, 3.0, np.nan])
    tail = exceedance(values, [1.5])
    assert tail.probability.shape == (1,)
    assert tail.probability[0] == tail.any_probability[0] == 0.5
    assert proportion_se(0.5, 4) == 0.25
    # A missing year does not hide an exceedance in another year of the same path.
    yearly = np.array([[np.nan, 2.0], [1.0, np.nan], [np.nan, np.nan]])
    tail = exceedance(yearly, [1.5])
    np.testing.assert_array_equal(tail.probability[0], [0.0, 1 / 3])
    assert tail.any_probability[0] == 1 / 3


# --- convergence -----------------------------------------------------------------------------


def test_checkpoints_double_up_to_all_paths() -> None:
    assert checkpoints(100_000) == [1_562, 3_125, 6_250, 12_500, 25_000, 50_000, 100_000]
    assert checkpoints(1_500) == [1_500]
    assert checkpoints(4_000, smallest=1_000) == [1_000, 2_000, 4_000]


def test_paths_needed_scales_with_the_square_of_the_precision() -> None:
    # Half-width 2 % of the estimate with 10,000 paths: ±1 % needs 4 times as many.
    assert paths_needed(100.0, 2.0, 10_000, 0.01) == 40_000
    assert paths_needed(-100.0, 0.5, 10_000, 0.01) == 2_500
    assert paths_needed(5.0, 0.0, 1_000, 0.01) == 1
    assert np.isinf(paths_needed(0.0, 1.0, 1_000, 0.01))
    assert np.isnan(paths_needed(np.nan, 1.0, 1_000, 0.01))


# --- the summary group -----------------------------------------------------------------------


def test_summary_group_stores_the_intervals(result_file: tuple[Scenario, Path]) -> None:
    scenario, path = result_file
    levels = scenario.run.percentiles
    lo_rank, hi_rank = order_statistic_ranks(N_FILE, levels)
    with (
        xr.open_dataset(path, engine="h5netcdf") as ds,
        xr.open_dataset(path, engine="h5netcdf", group="summary") as summary,
    ):
        for name in ("contribution_usd", "rok_share", "troops", "cum_contribution_usd"):
            ordered = np.sort(ds[name].values, axis=0)
            lower = summary[f"{name}_percentile_lower"]
            np.testing.assert_array_equal(lower, ordered[lo_rank])
            np.testing.assert_array_equal(summary[f"{name}_percentile_upper"], ordered[hi_rank])
            assert lower.dims == summary[f"{name}_percentile"].dims
            assert lower.attrs["confidence_level"] == 0.95
            assert lower.attrs["units"] == ds[name].attrs["units"]


def test_read_samples_reads_one_variable(result_file: tuple[Scenario, Path]) -> None:
    _, path = result_file
    with h5py.File(path, "r") as handle:
        expected = handle["rok_share"][()]
    np.testing.assert_array_equal(read_samples(path, "rok_share"), expected)
    with pytest.raises(ResultFileError, match="has no variable 'nonsense'"):
        read_samples(path, "nonsense")


def test_read_summary_equals_xarray_and_reads_only_what_is_asked(
    result_file: tuple[Scenario, Path],
) -> None:
    _, path = result_file
    everything = open_summary(path)
    xr.testing.assert_identical(read_summary(path), everything)
    some = read_summary(path, ["rok_share", "cum_contribution_usd"])
    assert sorted(some.data_vars) == sorted(
        f"{name}_{stat}" for name in ("rok_share", "cum_contribution_usd")
        for stat in SUMMARY_STATISTICS
    )
    assert set(some.coords) == {"year", "percentile", "outcome"}
    xr.testing.assert_identical(some["rok_share_percentile_lower"],
                                everything["rok_share_percentile_lower"])
    assert some.attrs == everything.attrs


def test_threads_and_given_moments_do_not_change_the_summary() -> None:
    from simcore.stats.moments import Moments

    values = np.random.default_rng(5).lognormal(0.0, 1.0, (200_000, 3))
    serial = summarize_values(values, [5, 50, 95])
    threaded = summarize_values(values, [5, 50, 95], threads=2, moments=Moments.of(values))
    for field in ("percentile", "percentile_lower", "percentile_upper"):
        np.testing.assert_array_equal(getattr(threaded, field), getattr(serial, field))
    np.testing.assert_allclose(threaded.mean, serial.mean, rtol=1e-13)
    np.testing.assert_allclose(threaded.sd, serial.sd, rtol=1e-10)


# --- a summary made from tallies of blocks ---------------------------------------------------


def _summary_bytes(summary: object) -> dict[str, bytes]:
    return {field: np.asarray(getattr(summary, field)).tobytes()
            for field in ("mean", "sd", "mcse", "percentile", "percentile_lower",
                          "percentile_upper")}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize("shape", [(6,), ()], ids=["per-year", "scalar"])
def test_a_summary_from_block_tallies_equals_the_summary_of_all_values(
    dtype: type, shape: tuple[int, ...]
) -> None:
    from simcore.stats.moments import Moments
    from simcore.stats.summary import (
        plan_summary,
        refine_summary,
        retally_summary,
        settle_summary,
        tally_summary,
    )

    rng = np.random.default_rng(16)
    n, block = 150_001, 16_384
    values = (rng.lognormal(0.0, 1.0, (n, *shape)) * 1000).astype(dtype)
    values[:, ...] += (np.arange(6) if shape else 0)  # columns unlike each other
    levels = [5, 10, 25, 50, 75, 90, 95]
    moments = Moments.of(values)
    expected = summarize_values(values, levels, moments=moments)
    plan = plan_summary(values[:block], n, levels)
    tally = None
    for number, start in enumerate(rng.permutation(np.arange(0, n, block))):
        # Blocks in the engine's column order, as the runner tallies them.
        part = tally_summary(np.asfortranarray(values[start : start + block]), plan)
        tally = part if tally is None else tally.merge(part)
        if number == 3:  # narrowed once, as a run does while its blocks arrive
            refined = refine_summary(plan, tally)
            tally, plan = retally_summary(tally, plan, refined), refined
    assert tally is not None

    def unused() -> np.ndarray:
        raise AssertionError("every column was bracketed: nothing is read again")

    assert _summary_bytes(settle_summary(plan, tally, moments, unused)) == _summary_bytes(expected)


def test_columns_that_need_every_value_get_them_once() -> None:
    from simcore.stats.moments import Moments
    from simcore.stats.summary import plan_summary, settle_summary, tally_summary

    rng = np.random.default_rng(17)
    n = 100_000
    # Column 0's pilot (its sorted head) misplaces the brackets; column 1's levels are fine.
    values = np.stack([np.sort(rng.standard_normal(n)), rng.standard_normal(n)], axis=1)
    levels = [50]
    plan = plan_summary(values[:4_096], n, levels)
    tally = tally_summary(values, plan)
    calls = []

    def all_values() -> np.ndarray:
        calls.append(1)
        return values

    moments = Moments.of(values)
    got = settle_summary(plan, tally, moments, all_values)
    assert calls == [1]
    assert _summary_bytes(got) == _summary_bytes(summarize_values(values, levels, moments=moments))

"""Paired comparisons under common random numbers: exact zeros, coverage, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from scipy import special, stats
from simcore.cli.main import cli

from simcore.config.load import load_scenario
from simcore.run.runner import run_scenarios
from simcore.stats.compare import paired_difference
from tests.conftest import ROOT

N = 4_000
LEVELS = [5.0, 50.0, 95.0]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A batch of baseline and drawdown, and each scenario run on its own with the same seed."""
    folder = tmp_path_factory.mktemp("compare")
    scenarios = {
        name: load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(samples=N, seed=5)
        for name in ("baseline", "drawdown")
    }
    paths = {
        name: run_scenarios([s], folder / f"{name}.h5").path for name, s in scenarios.items()
    }
    paths["batch"] = run_scenarios(list(scenarios.values()), folder / "batch.h5", batch=True).path
    other_seed = scenarios["drawdown"].with_overrides(seed=6)
    paths["other_seed"] = run_scenarios([other_seed], folder / "seed6.h5").path
    return paths


def compare(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["compare", *args])
    return result.exit_code, result.output


def records(*args: str) -> list[dict[str, object]]:
    code, output = compare(*args, "--format", "json")
    assert code == 0, output
    return json.loads(output)["records"]


# --- the kernel ------------------------------------------------------------------------------


def test_identical_scenarios_differ_by_exactly_zero(rng: np.random.Generator) -> None:
    a = rng.lognormal(size=(3_000, 3))
    d = paired_difference(a, a.copy(), LEVELS)
    for array in (d.mean_difference, d.se, d.percentile_difference, d.lower, d.upper,
                  d.prob_greater, d.prob_less):
        assert np.all(array == 0.0)
    assert np.all(d.unpaired_upper > 0)  # independent runs would have seen noise


def test_a_constant_shift_is_found_with_a_vanishing_interval(rng: np.random.Generator) -> None:
    a = rng.standard_normal(5_000)
    d = paired_difference(a, a + 0.25, LEVELS)
    np.testing.assert_allclose(d.percentile_difference, 0.25, rtol=0, atol=1e-14)
    assert np.all(d.upper - d.lower < 1e-13)
    assert d.prob_greater == 1.0 and d.prob_greater_se == 0.0 and d.prob_less == 0.0
    np.testing.assert_allclose(d.mean_difference, 0.25, atol=1e-14)


def test_moments_and_probabilities_equal_numpy(rng: np.random.Generator) -> None:
    a = rng.lognormal(size=(2_001, 2))
    b = a * rng.uniform(0.8, 1.3, size=a.shape)
    d = paired_difference(a, b, LEVELS)
    n = a.shape[0]
    np.testing.assert_allclose(d.mean_difference, (b - a).mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(d.se, (b - a).std(axis=0, ddof=1) / np.sqrt(n), rtol=1e-12)
    np.testing.assert_allclose(
        d.se_unpaired, np.sqrt((a.var(axis=0, ddof=1) + b.var(axis=0, ddof=1)) / n), rtol=1e-12
    )
    np.testing.assert_array_equal(d.prob_greater, np.mean(b > a, axis=0))
    np.testing.assert_array_equal(d.percentile_difference,
                                  np.percentile(b, LEVELS, axis=0) - np.percentile(a, LEVELS,
                                                                                     axis=0))


def test_sectioning_interval_is_the_t_interval_of_batch_differences(
    rng: np.random.Generator,
) -> None:
    a = rng.standard_normal(2_000)
    b = 0.8 * a + 0.6 * rng.standard_normal(2_000)
    d = paired_difference(a, b, [50.0], sections=10)
    batch = np.percentile(b.reshape(10, 200), 50, axis=1) - np.percentile(a.reshape(10, 200), 50,
                                                                           axis=1)
    half = special.stdtrit(9, 0.975) * batch.std(ddof=1) / np.sqrt(10)
    np.testing.assert_allclose(d.upper - d.percentile_difference, half, rtol=1e-12)
    assert d.sections == 10


def test_paired_intervals_cover_at_the_nominal_rate() -> None:
    """200 seeds, B = 0.9 A + 0.44 Z + 0.1 (both normal): every percentile differs by 0.1.

    Count of covering seeds within 3.5 binomial standard deviations of 200 × 0.95. Pairing
    narrows the intervals: for the mean by sqrt(2 / (2 − 2 × 0.9)) = 3.2 exactly in
    expectation; for percentiles (the correlation of tail indicators is below 0.9) by about
    1.6-1.9 on average, though a single seed's 20-batch estimate may not show it.
    """
    seeds, n, shift = 200, 4_000, 0.1
    covered = np.zeros(len(LEVELS))
    narrowing = np.zeros(len(LEVELS))
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        a = rng.standard_normal(n)
        b = 0.9 * a + np.sqrt(1 - 0.81) * rng.standard_normal(n) + shift
        d = paired_difference(a, b, LEVELS)
        covered += (d.lower <= shift) & (shift <= d.upper)
        narrowing += (d.unpaired_upper - d.unpaired_lower) / (d.upper - d.lower) / seeds
        assert d.se_unpaired / d.se == pytest.approx(np.sqrt(2 / 0.2), rel=0.1)
    tolerance = 3.5 * np.sqrt(seeds * 0.95 * 0.05)
    assert np.all(np.abs(covered - seeds * 0.95) <= tolerance), covered
    assert np.all(narrowing > 1.4), narrowing


def test_too_few_paths_leave_the_percentile_interval_undefined() -> None:
    d = paired_difference(np.arange(30.0), np.arange(30.0) + 1, [50.0])
    assert np.isnan(d.lower).all() and d.percentile_difference[0] == 1.0


# --- the command -----------------------------------------------------------------------------


def test_batch_comparison_equals_numpy_on_the_paired_samples(files: dict[str, Path]) -> None:
    rows = records(str(files["batch"]), "--scenario", "baseline", "--scenario", "drawdown",
                   "--var", "total_cost_usd", "--years", "2028-2029")
    with xr.open_dataset(files["batch"], engine="h5netcdf") as ds:
        a = ds["total_cost_usd"].sel(scenario="baseline").values[:, 2:4]
        b = ds["total_cost_usd"].sel(scenario="drawdown").values[:, 2:4]
    assert [r["year"] for r in rows] == [2028, 2029]
    for j, row in enumerate(rows):
        assert row["scenario_a"] == "baseline" and row["scenario_b"] == "drawdown"
        assert row["mean_diff"] == pytest.approx((b - a)[:, j].mean(), rel=1e-12)
        assert row["prob_b_greater"] == np.mean(b[:, j] > a[:, j])
        assert row["p50_diff"] == np.percentile(b[:, j], 50) - np.percentile(a[:, j], 50)
        assert row["p50_diff_lower"] < row["p50_diff"] < row["p50_diff_upper"]
        # Fewer troops, lower US cost on every path where the drawdown happened.
        assert row["mean_diff_upper"] < 0
        assert row["mean_diff_narrowing"] == pytest.approx(
            row["mean_diff_se_unpaired"] / row["mean_diff_se"])
        assert row["mean_diff_narrowing"] > 1.5


def test_same_scenario_twice_is_zero_with_zero_width(files: dict[str, Path]) -> None:
    rows = records(str(files["batch"]), "--scenario", "drawdown", "--scenario", "drawdown")
    assert {r["variable"] for r in rows} == {"contribution_usd", "contribution_krw", "rok_share",
                                             "total_cost_usd", "cum_contribution_usd",
                                             "cum_total_cost_usd"}
    for row in rows:
        for key in ("mean_diff", "mean_diff_se", "p5_diff", "p5_diff_lower", "p5_diff_upper",
                    "p95_diff_upper", "prob_b_greater"):
            assert row[key] == 0.0, key


def test_two_files_of_one_design_pair_like_a_batch(files: dict[str, Path]) -> None:
    batch = records(str(files["batch"]), "--scenario", "baseline", "--scenario", "drawdown",
                    "--var", "rok_share")
    apart = records(str(files["baseline"]), str(files["drawdown"]), "--var", "rok_share")
    assert apart[0]["scenario_a"] == "baseline.h5:baseline"
    for x, y in zip(batch, apart, strict=True):
        for key in ("mean_diff", "mean_diff_se", "p50_diff", "p50_diff_lower", "prob_b_greater"):
            assert x[key] == y[key], key


def test_table_states_the_method(files: dict[str, Path]) -> None:
    code, output = compare(str(files["batch"]), "--scenario", "baseline", "--scenario",
                           "drawdown", "--var", "rok_share")
    assert code == 0, output
    for text in ("B − A", "Δ mean ±se", "ΔP50 ±ci", "P(B>A) %", "common random numbers",
                 "sectioning", "(×"):
        assert text in output


@pytest.mark.parametrize(
    ("which", "args", "message"),
    [
        pytest.param("batch", ["--scenario", "baseline"], "--scenario: give two scenarios",
                     id="one-scenario"),
        pytest.param("batch", ["--scenario", "baseline", "--scenario", "lapse"],
                     "--scenario: unknown scenario(s) lapse", id="unknown"),
        pytest.param("two-files", ["--scenario", "baseline"], "with two files give none, or two",
                     id="two-files-one-scenario"),
        pytest.param("other-seed", [], "do not share random inputs: seed differs (5 vs 6)",
                     id="seed"),
        pytest.param("batch-and-file", [], "is a batch of baseline, drawdown", id="batch-file"),
    ],
)
def test_bad_comparisons_exit_2(files: dict[str, Path], which: str, args: list[str],
                                message: str) -> None:
    paths = {
        "batch": [files["batch"]],
        "two-files": [files["baseline"], files["drawdown"]],
        "other-seed": [files["baseline"], files["other_seed"]],
        "batch-and-file": [files["batch"], files["drawdown"]],
    }[which]
    code, output = compare(*map(str, paths), *args)
    assert code == 2
    assert message in output
    assert output.strip().count("\n") == 0


def test_normal_quantile_of_the_t_interval() -> None:
    assert special.stdtrit(19, 0.975) == pytest.approx(stats.t.ppf(0.975, 19), rel=1e-12)

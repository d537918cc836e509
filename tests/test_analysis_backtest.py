"""smasim backtest: scores, no look-ahead, calibration on synthetic truth, the file, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from scipy import stats
from simcore.cli.main import cli

from simcore.analysis import backtest as backtest_module
from simcore.analysis.backtest import (
    CRPS_RATIO_CHECK,
    INTERVALS,
    LEVELS,
    DriverBacktest,
    Method,
    acceptance,
    acceptance_checks,
    backtest_drivers,
    backtest_sma,
    crps_sorted,
    describe_check,
    driver_records,
    interval_hits,
    mid_pit,
    read_backtest,
    wilson_interval,
)
from simcore.config.schema import Scenario
from simcore.core.types import DRIVERS
from simcore.evidence.history import load_history
from simcore.model.engine import simulate
from simcore.stats.forecast_tests import berkowitz_test, mean_pit_null_sd
from tests.evidence_data import TRUE, simulate_series, write_synthetic
from tests.test_evidence_history import copy_data


def test_mid_pit_counts_ties_by_half() -> None:
    x = np.array([[1.0], [2.0], [2.0], [3.0]])
    assert mid_pit(x, np.array([2.0]))[0] == (1 + 0.5 * 2) / 4
    assert mid_pit(x, np.array([0.0]))[0] == 0.0
    assert mid_pit(x, np.array([9.0]))[0] == 1.0
    assert mid_pit(x, np.array([2.5]))[0] == 0.75


def test_crps_from_sorted_samples_equals_the_double_sum() -> None:
    rng = np.random.default_rng(1)
    x = np.sort(rng.normal(size=(300, 3)), axis=0)
    y = np.array([-0.3, 0.0, 2.5])
    for j in range(3):
        brute = (np.abs(x[:, j] - y[j]).mean()
                 - 0.5 * np.abs(x[:, j, None] - x[None, :, j]).mean())
        assert crps_sorted(x[:, j:j + 1], y[j:j + 1])[0] == pytest.approx(brute, rel=1e-12)
    point = np.full((10, 1), 2.0)  # a point forecast's CRPS is its absolute error
    assert crps_sorted(point, np.array([3.5]))[0] == pytest.approx(1.5, abs=1e-15)


def test_crps_spread_matches_the_matrix_product_and_a_hand_case() -> None:
    x = np.sort(np.random.default_rng(3).normal(size=(2000, 5)), axis=0)
    y = np.linspace(-1.0, 1.0, 5)
    weights = 2.0 * np.arange(1, 2001) - 2001.0
    expected = np.abs(x - y).mean(axis=0) - weights @ x / 2000**2
    np.testing.assert_allclose(crps_sorted(x, y), expected, rtol=1e-13)
    # E|X − 2.5| = 1 and ½ E|X − X'| = (−3·1 − 1·2 + 1·3 + 3·4) / 16 for X on 1, 2, 3, 4.
    samples = np.array([[1.0], [2.0], [3.0], [4.0]])
    assert crps_sorted(samples, np.array([2.5]))[0] == 1.0 - 10.0 / 16.0


def test_wilson_interval_of_five_in_ten() -> None:
    lower, upper = wilson_interval(np.array(0.5), np.array(10))
    assert (float(lower), float(upper)) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    lower, upper = wilson_interval(np.array(1.0), np.array(5))
    assert float(upper) == pytest.approx(1.0) and float(lower) == pytest.approx(0.5655, abs=1e-4)


def test_intervals_are_closed() -> None:
    quantiles = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])  # at LEVELS
    hits, scored = interval_hits(quantiles, np.array(2.0))  # the 80% interval's lower end
    assert scored and list(hits) == [False, True, True]
    hits, _ = interval_hits(quantiles, np.array(7.0))
    assert list(hits) == [False, False, True]


def test_no_look_ahead(tmp_path: Path) -> None:
    folder = copy_data(tmp_path / "data")
    origin = 2015
    for name in ("macro.csv", "defense_budget.csv"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        changed = [lines[0]]
        for line in lines[1:]:
            cells = line.split(",")
            if int(cells[0]) > origin:  # every later value changes
                cells[1:4] = [str(float(c) * 1.7 + 0.3) if c[0].isdigit() else c
                              for c in cells[1:4]]
            changed.append(",".join(cells))
        (folder / name).write_text("\n".join(changed) + "\n", encoding="utf-8")
    kwargs = {"start": origin, "end": origin, "samples": 3000, "horizon": 3}
    before = backtest_drivers(load_history(), **kwargs)
    after = backtest_drivers(load_history(folder), **kwargs)
    np.testing.assert_array_equal(before.forecast, after.forecast)  # bit-identical, NaN too
    assert np.isfinite(before.forecast[:3]).all()
    assert not np.array_equal(before.realized[:3], after.realized[:3])


def _synthetic_backtest(tmp_path: Path) -> tuple[dict, object]:
    # 300 years, every origin with at least 150 of them: the parameters are estimated
    # (point estimates narrow the intervals a little), but from long windows, and the 0.2
    # method is the model that drew the data (AR(1) inflation, PPP pass-through 1). The
    # shipped default's own test is tests/test_analysis_backtest_truth.py.
    rng = np.random.default_rng(20261201)
    series = simulate_series(rng, 300, reversion=0.0)
    folder = write_synthetic(tmp_path / "data", 1801, series)
    result = backtest_drivers(load_history(folder), start=1950, end=2099, window_start=1801,
                              horizon=1, samples=4000, method="plug-in")
    records = {(r["driver"], r["lead"], r["level"]): r for r in driver_records(result)}
    return records, result


@pytest.mark.slow
def test_a_correctly_specified_model_is_calibrated(tmp_path: Path) -> None:
    records, result = _synthetic_backtest(tmp_path)
    for d, driver in enumerate(("kr_inflation", "us_inflation", "fx")):
        for level in INTERVALS:
            r = records[(driver, 1, level)]
            assert r["n"] == 150
            assert r["rate_lower"] <= level <= r["rate_upper"], (driver, level, r["rate"])
        pits = result.pit[d, :, 0]
        assert abs(pits.mean() - 0.5) < 3 * math.sqrt(1 / 12 / pits.size)
        assert stats.kstest(pits, "uniform").pvalue > 0.001


def test_half_the_true_volatility_fails_visibly() -> None:
    # One-year-ahead forecasts of an AR(1) inflation from its true parameters, scored on
    # 300 realized values: full volatility covers, half the volatility does not.
    rng = np.random.default_rng(9)
    p = TRUE["kr"]
    series = simulate_series(rng, 301, reversion=0.0)["kr"][0]
    centre = p["mean"] + p["persistence"] * (series[:-1] - p["mean"])
    z = rng.standard_normal((4000, 1))
    realized = series[1:]
    rates = {}
    for scale in (1.0, 0.5):
        samples = np.sort(centre + scale * p["volatility"] * z, axis=0)
        quantiles = np.quantile(samples, LEVELS, axis=0).T
        hits, _ = interval_hits(quantiles, realized)
        rates[scale] = hits.mean(axis=0)
        pits = mid_pit(samples, realized)
        if scale == 1.0:
            assert abs(pits.mean() - 0.5) < 3 * math.sqrt(1 / 12 / 300)
        else:
            assert pits.std() > 0.35  # U-shaped: too many values in the tails
    for j, level in enumerate(INTERVALS):
        lower, upper = wilson_interval(np.array(rates[1.0][j]), np.array(300))
        assert lower <= level <= upper
        lower, upper = wilson_interval(np.array(rates[0.5][j]), np.array(300))
        assert upper < level - 0.1  # fails by a wide margin
    assert rates[0.5][1] == pytest.approx(2 * stats.norm.cdf(0.5 * 1.2816) - 1, abs=0.08)


def test_sma_backtest_statuses() -> None:
    records = backtest_sma(load_history(), samples=2000)
    statuses = {(r["agreement"], r["year"]): r["status"] for r in records}
    assert statuses == {
        ("8th", 2009): "known", ("8th", 2010): "determined", ("8th", 2011): "official",
        ("8th", 2012): "official", ("8th", 2013): "official",
        ("9th", 2014): "known", ("9th", 2015): "determined", ("9th", 2016): "official",
        ("9th", 2017): "official", ("9th", 2018): "official",
        ("11th", 2020): "known", ("11th", 2021): "known", ("11th", 2022): "official",
        ("11th", 2023): "derived", ("11th", 2024): "derived", ("11th", 2025): "official",
        ("12th", 2026): "known", ("12th", 2027): "determined",
    }
    for r in records:
        assert (r["pit"] is None) == (r["status"] != "official")
        assert list(r) == ["agreement", "year", "official_krw", "status", "pit", "in_50",
                           "in_80", "in_90"]
    assert next(r for r in records if r["year"] == 2010)["official_krw"] == 7904e8


@pytest.mark.parametrize("method", ["posterior", "plug-in"])
def test_the_years_the_data_fix_replay_the_recorded_amounts_exactly(
    method: Method, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every year an agreement's rule fixes from data observed at the origin (the 8th's 2010,
    the 9th's 2015 by the CPI rule, the 12th's 2027 by its cap) is the recorded amount in
    every path, to the won, whichever drivers draw the later years."""
    replayed: dict[int, np.ndarray] = {}

    def spy(scenario: Scenario, *, seed: int) -> dict[str, np.ndarray]:
        paths = simulate(scenario, seed=seed)
        replayed.update(zip(scenario.years.tolist(), paths["contribution_krw"].T, strict=True))
        return paths

    monkeypatch.setattr(backtest_module, "simulate", spy)
    records = backtest_sma(load_history(), samples=200, method=method)
    determined = {r["year"]: r["official_krw"] for r in records if r["status"] == "determined"}
    assert determined == {2010: 7904e8, 2015: 9320e8, 2027: 15511e8}
    for year, amount in determined.items():
        assert np.all(replayed[year] == amount), (year, np.unique(replayed[year]))


@pytest.mark.slow
def test_cli_json_file_and_coverage_plot(tmp_path: Path) -> None:
    out = tmp_path / "bt.nc"
    runner = CliRunner()
    args = ["backtest", "--from", "2018", "--to", "2024", "--horizon", "3", "--samples",
            "2000", "--format", "json", "-o", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["schema_version", "drivers", "sma", "verdicts", "acceptance",
                          "negotiations", "negotiation_models"]
    assert [v["driver"] for v in data["verdicts"]] == list(DRIVERS)
    assert list(data["verdicts"][0]) == ["driver", "passed", "berkowitz_p", "crps_ratio",
                                         "origins", "failed"]
    assert list(data["acceptance"][0]) == ["driver", "check", "lead", "level", "value",
                                           "lower", "upper", "passed"]
    assert data["verdicts"][0]["passed"] is None  # 7 origins: too few to judge
    assert list(data["drivers"][0]) == [
        "driver", "lead", "level", "hits", "n", "n_eff", "rate", "rate_lower", "rate_upper",
        "mean_pit", "sd_pit", "mean_crps", "mean_crps_no_change"]
    first = data["drivers"][0]
    assert first["driver"] == "kr_inflation" and first["lead"] == 1 and first["n"] == 7
    lead2 = next(r for r in data["drivers"] if r["driver"] == "fx" and r["lead"] == 2)
    assert lead2["n"] == 6 and lead2["n_eff"] == 3  # 2019–2024 origins; ceil(6 / 2)
    forecast, realized, pit, leads = read_backtest(out)
    assert forecast.shape == (4, 7, 3, 7) and list(leads) == [1, 2, 3]
    assert math.isnan(realized[0, -1, 1])  # Korean CPI of 2026 not observed yet
    assert realized[3, -1, 1] == pytest.approx(0.075)  # defense growth 2026 is
    hits, scored = interval_hits(forecast, realized)
    for r in data["drivers"]:
        d, k = DRIVERS.index(r["driver"]), r["lead"] - 1
        assert r["hits"] == int(hits[d, :, k, INTERVALS.index(r["level"])].sum())
        assert r["n"] == int(scored[d, :, k].sum())
        assert r["mean_pit"] == pytest.approx(pit[d, scored[d, :, k], k].mean(), abs=1e-15)
    again = runner.invoke(cli, args)
    assert again.exit_code == 2 and "exists" in again.output
    image = tmp_path / "coverage.png"
    result = runner.invoke(cli, ["plot", "--kind", "coverage", str(out), "-o", str(image)])
    assert result.exit_code == 0, result.output
    assert image.stat().st_size > 10_000
    result = runner.invoke(cli, ["plot", "--kind", "history", "-o", str(tmp_path / "h.svg")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["plot", "--kind", "history", str(out), "-o",
                                 str(tmp_path / "h2.svg")])
    assert result.exit_code == 2
    assert result.output == (f"Error: {out} is not a folder: FILE for --kind history is a data "
                             "folder of the shipped layout (default: the shipped data)\n")


@pytest.mark.slow
def test_cli_workbook_equals_the_json(tmp_path: Path) -> None:
    """-o FILE.xlsx writes the tables' workbook (no netCDF file): the driver sheet's rates,
    Wilson bounds, PITs and CRPS equal the JSON records in %, every digit."""
    runner = CliRunner()
    args = ["backtest", "--from", "2021", "--to", "2024", "--horizon", "2", "--samples",
            "2000"]
    out = tmp_path / "bt.xlsx"
    result = runner.invoke(cli, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["bt.xlsx"]
    data = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["driver backtest", "verdicts", "SMA backtest",
                               "negotiation models", "negotiations by agreement", "about"]
    verdicts = [row for row in list(book["verdicts"].iter_rows(values_only=True))[2:]
                if row[0] in DRIVERS]
    assert [(row[0], row[1], row[2]) for row in verdicts] == [
        (v["driver"], "too few origins", v["origins"]) for v in data["verdicts"]]
    rows = list(book["driver backtest"].iter_rows(values_only=True))
    header = list(rows[1])
    assert header == ["driver", "lead [years]", "interval [%]", "held", "rate [%]",
                      "Wilson 95% lower [%]", "Wilson 95% upper [%]", "n_eff", "mean PIT",
                      "sd PIT", "CRPS", "CRPS no-change"]
    body = rows[2:2 + len(data["drivers"])]
    # A workbook keeps 16 significant digits.
    digits = {"rel": 1e-15, "abs": 0.0}
    for row, record in zip(body, data["drivers"], strict=True):
        assert row[:3] == (record["driver"], record["lead"], 100 * record["level"])
        assert row[4:7] == pytest.approx((100 * record["rate"], 100 * record["rate_lower"],
                                          100 * record["rate_upper"]), **digits)
        assert row[7] == record["n_eff"]
        assert (row[8], row[10]) == pytest.approx((record["mean_pit"], record["mean_crps"]),
                                                  **digits)
    sma = list(book["SMA backtest"].iter_rows(values_only=True))[2:2 + len(data["sma"])]
    for row, record in zip(sma, data["sma"], strict=True):
        assert row[1] == record["year"]
        assert row[2] == pytest.approx(record["official_krw"] / 1e8, **digits)


def test_every_history_panel_title_fits_in_the_figure(tmp_path: Path) -> None:
    from simcore.report.evidence_plots import history_chart
    from simcore.report.figure import save_figure

    figure = history_chart(load_history())
    save_figure(figure, tmp_path / "h.png")
    renderer = figure.canvas.get_renderer()
    width = figure.bbox.width
    for ax in figure.axes:
        box = ax.title.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= width, ax.get_title()


def test_bad_backtest_options_are_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["backtest", "--from", "1999"])
    assert result.exit_code == 2 and "window start" in result.output
    result = runner.invoke(cli, ["plot", "--kind", "coverage", str(tmp_path / "none.nc"),
                                 "-o", str(tmp_path / "c.png")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_backtest_samples_take_scientific_notation_like_run() -> None:
    from simcore.cli.backtest import backtest_command
    from simcore.cli.options import Count

    (samples,) = [p for p in backtest_command.params if p.name == "samples"]
    assert isinstance(samples.type, Count)
    assert samples.type.convert("2e4", samples, None) == 20_000
    result = CliRunner().invoke(cli, ["backtest", "--samples", "2.5"])
    assert result.exit_code == 2 and "must be a whole number" in result.output


def test_methods_are_cited_by_their_path_in_the_repository() -> None:
    from tests.conftest import ROOT

    assert (ROOT / "docs" / "spec" / "METHODS.md").exists()
    help_text = CliRunner().invoke(cli, ["backtest", "--help"]).output
    assert "docs/spec/METHODS.md §C" in " ".join(help_text.split())
    for name in ("calibrated", "history", "variants/calibrated-1996"):
        header = (ROOT / "configs" / f"{name}.toml").read_text(encoding="utf-8")[:2000]
        assert "(docs/spec/METHODS.md §C)" in header and " (METHODS.md" not in header


def _handmade(pit: np.ndarray, hits_at: float, crps: float) -> DriverBacktest:
    """A backtest of one driver at 12 origins and 2 leads whose forecast quantiles are
    LEVELS themselves: a realized value ``hits_at`` lies inside the intervals it lies in."""
    origins, leads = np.arange(2000, 2012), np.arange(1, 3)
    shape = (len(DRIVERS), origins.size, leads.size)
    forecast = np.full((*shape, len(LEVELS)), np.nan)
    forecast[0] = np.array(LEVELS)
    realized = np.full(shape, np.nan)
    realized[0] = hits_at
    full = np.full(shape, np.nan)
    pits = full.copy()
    pits[0] = pit[:, None]
    ones = full.copy()
    ones[0] = 1.0
    return DriverBacktest(origins=origins, leads=leads, forecast=forecast, realized=realized,
                          pit=pits, crps=ones * crps, crps_no_change=ones * 2.0,
                          crps_benchmark=ones, window_start=1990, samples=1000, source="t")


def test_the_acceptance_checks_are_the_stated_tests() -> None:
    pit = np.linspace(0.05, 0.95, 12)
    result = _handmade(pit, 0.5, crps=1.02)
    checks = acceptance_checks(result, "kr_inflation")
    by_name = {(c.check, c.lead, c.level): c for c in checks}
    # Every value inside every interval: 100% coverage, whose Wilson interval on n_eff = 12
    # (76–100%) excludes 50% and contains 80% and 90%; on n_eff = 6 at lead 2, 61–100%.
    coverage = by_name["coverage", 1, 0.5]
    lower, upper = wilson_interval(np.array(1.0), np.array(12))
    assert (coverage.value, coverage.lower, coverage.upper) == (1.0, float(lower), float(upper))
    assert not coverage.passed and not by_name["coverage", 2, 0.5].passed
    assert by_name["coverage", 1, 0.8].passed and by_name["coverage", 2, 0.9].passed
    band = 2 * mean_pit_null_sd(12, 2)
    mean_pit = by_name["mean PIT", 2, None]
    assert (mean_pit.lower, mean_pit.upper) == pytest.approx((0.5 - band, 0.5 + band))
    assert mean_pit.passed and mean_pit.value == pytest.approx(0.5)
    berkowitz = by_name["Berkowitz p", 1, None]
    assert berkowitz.value == berkowitz_test(pit, floor=0.5 / 1000).p_value
    ratio = by_name[CRPS_RATIO_CHECK, None, None]
    assert ratio.value == pytest.approx(1.02) and ratio.passed
    verdict = acceptance(result)[0]
    assert verdict.driver == "kr_inflation" and verdict.passed is False
    assert verdict.crps_ratio == pytest.approx(1.02) and verdict.origins == 12
    assert describe_check(coverage) == (
        "50% interval at lead 1: held 100%, Wilson 95% 76–100% excludes 50%")
    worse = acceptance(_handmade(pit, 0.5, crps=1.06))[0]
    assert [c.check for c in worse.failed if c.lead is None] == [CRPS_RATIO_CHECK]
    assert describe_check(worse.failed[-1]) == (
        "CRPS / 0.2 method's, mean over leads: 1.06 > 1.05")


@pytest.mark.slow
@pytest.mark.parametrize(("window_start", "start"), [(2000, 2010), (1996, 2005)])
def test_the_shipped_default_passes_its_acceptance_rule_on_both_evaluation_sets(
    window_start: int, start: int
) -> None:
    """METHODS.md §C: what `smasim backtest` prints with its defaults and with
    --window-start 1996 --from 2005; the 0.2 method fails Korean inflation on both."""
    history = load_history()
    result = backtest_drivers(history, start=start, window_start=window_start)
    verdicts = {v.driver: v.passed for v in acceptance(result)}
    assert verdicts == {"kr_inflation": True, "us_inflation": True, "fx": True,
                        "defense": None}
    plug_in = backtest_drivers(history, start=start, window_start=window_start,
                               samples=20_000, method="plug-in")
    assert {v.driver: v.passed for v in acceptance(plug_in)}["kr_inflation"] is False


@pytest.mark.slow
def test_the_ninth_smas_amounts_lie_inside_the_90_percent_interval() -> None:
    """The Korean-inflation failure seen through the CPI rule: 0.2's point estimates put
    the 9th SMA's 2016–2018 amounts below even the 90% interval."""
    records = backtest_sma(load_history())
    ninth = [r for r in records if r["agreement"] == "9th" and r["status"] == "official"]
    assert [r["year"] for r in ninth] == [2016, 2017, 2018]
    assert all(r["in_90"] for r in ninth), [r["pit"] for r in ninth]
    plug_in = backtest_sma(load_history(), samples=20_000, method="plug-in")
    assert not any(r["in_90"] for r in plug_in
                   if r["agreement"] == "9th" and r["status"] == "official")


def test_the_verdict_table_lists_each_failed_check_on_its_own_line() -> None:
    from simcore.report.backtest import driver_tables, verdict_tables

    result = _handmade(np.linspace(0.05, 0.95, 12), 0.5, crps=1.06)
    (verdict,) = acceptance(result)
    (table,) = verdict_tables([verdict])
    assert table.header == ["driver", "verdict", "origins", "Berkowitz p", "CRPS / 0.2",
                            "failed checks"]
    assert table.rows[0][:5] == ["kr_inflation", "FAIL", "12",
                                 f"{verdict.berkowitz_p:.3f}", "1.060"]
    assert [row[5] for row in table.rows] == [describe_check(c) for c in verdict.failed]
    assert all(row[:5] == ["", "", "", "", ""] for row in table.rows[1:])
    (drivers,) = driver_tables([], method="plug-in")
    assert "the 0.2 method: point estimates" in drivers.caption

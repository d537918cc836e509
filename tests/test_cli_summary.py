"""`smasim summary`: stored and computed statistics with their errors, options, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.config.load import load_scenario
from simcore.core.errors import SmasimInputError
from simcore.model.drivers import price_index
from simcore.read.choices import parse_years
from simcore.read.queries import convergence_rows, summary_rows
from simcore.report.render import format_with_error
from simcore.run.runner import run_scenarios
from simcore.stats.summary import normal_quantile, order_statistic_ranks
from tests.conftest import ROOT, result_file

N = 4_000
YEARS = list(range(2026, 2032))


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return result_file(tmp_path_factory.mktemp("single"), ["baseline"], samples=N, seed=3,
                       batch=False)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return result_file(tmp_path_factory.mktemp("batch"), ["baseline", "drawdown"], samples=N,
                       seed=3)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["summary", *args])
    return result.exit_code, result.output


def samples(path: Path, name: str, scenario: str | None = None) -> np.ndarray:
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        data = ds[name] if scenario is None else ds[name].sel(scenario=scenario)
        return data.values


def json_records(*args: str) -> list[dict[str, object]]:
    code, output = invoke(*args, "--format", "json")
    assert code == 0, output
    document = json.loads(output)
    assert document["schema_version"] == 1
    return document["records"]


# --- values ----------------------------------------------------------------------------------


def test_stored_percentiles_come_with_their_intervals(single: Path) -> None:
    records = json_records(str(single), "--var", "contribution_usd")
    with xr.open_dataset(single, engine="h5netcdf", group="summary") as summary:
        p50 = summary["contribution_usd_percentile"].sel(percentile=50).values
        lower = summary["contribution_usd_percentile_lower"].sel(percentile=50).values
        upper = summary["contribution_usd_percentile_upper"].sel(percentile=50).values
        mcse = summary["contribution_usd_mcse"].values
    assert [r["year"] for r in records] == YEARS
    assert [r["p50"] for r in records] == list(p50)
    assert [r["p50_lower"] for r in records] == list(lower)
    assert [r["p50_upper"] for r in records] == list(upper)
    assert [r["mcse"] for r in records] == list(mcse)
    assert all(r["scenario"] == "baseline" and r["paths"] == N for r in records)


def test_computed_percentiles_equal_order_statistics(single: Path) -> None:
    records = json_records(str(single), "--var", "rok_share", "--percentiles", "50,80")
    values = samples(single, "rok_share")
    lo, hi = order_statistic_ranks(N, [80.0])
    ordered = np.sort(values, axis=0)
    assert [r["p80"] for r in records] == list(np.percentile(values, 80, axis=0))
    assert [r["p80_lower"] for r in records] == list(ordered[lo[0]])
    assert [r["p80_upper"] for r in records] == list(ordered[hi[0]])


def test_csv_and_json_round_trip_to_the_same_numbers(batch: Path) -> None:
    args = [str(batch), "--percentiles", "5,50,80", "--exceed", "1.2e9", "--years", "2030-2031"]
    records = json_records(*args)
    code, output = invoke(*args, "--format", "csv")
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert set(row) == set(record)
        for key, value in record.items():
            if value is None:
                assert row[key] == "", key
            elif isinstance(value, float):
                assert float(row[key]) == value, key
            else:
                assert row[key] == str(value), key


def test_scenarios_and_years(batch: Path) -> None:
    records = json_records(str(batch), "--var", "total_cost_usd", "--scenario", "drawdown",
                           "--years", "2027,2029-2030", "--percentiles", "50")
    assert [(r["scenario"], r["year"]) for r in records] == [
        ("drawdown", 2027), ("drawdown", 2029), ("drawdown", 2030)
    ]
    values = samples(batch, "total_cost_usd", "drawdown")
    expected = np.percentile(values, 50, axis=0)[[1, 3, 4]]
    assert [r["p50"] for r in records] == list(expected)
    assert [r["mean"] for r in records] == pytest.approx(list(values.mean(axis=0)[[1, 3, 4]]),
                                                         rel=1e-12)


def test_exceedance_per_year_and_in_any_year(single: Path) -> None:
    records = json_records(str(single), "--var", "contribution_usd", "--exceed", "0",
                           "--exceed", "1.3e9", "--years", "2029-2031")
    values = samples(single, "contribution_usd")[:, 3:]
    yearly, horizon = records[:3], records[3]
    for j, record in enumerate(yearly):
        assert record["exceed_0"] == 1.0 and record["exceed_0_se"] == 0.0
        p = np.mean(values[:, j] > 1.3e9)
        assert record["exceed_1.3e+09"] == p
        assert record["exceed_1.3e+09_se"] == pytest.approx(np.sqrt(p * (1 - p) / N))
    assert horizon["year"] == "horizon" and horizon["mean"] is None
    assert horizon["exceed_1.3e+09"] == np.mean((values > 1.3e9).any(axis=1))
    code, output = invoke(str(single), "--var", "contribution_usd", "--exceed", "1.3e9")
    assert code == 0 and "probability of exceeding" in output and "any year" in output


def test_real_prices(single: Path) -> None:
    records = json_records(str(single), "--real", "--var", "contribution_usd",
                           "--var", "total_cost_usd", "--var", "contribution_krw",
                           "--var", "cum_contribution_usd", "--var", "rok_share",
                           "--percentiles", "50", "--years", "2031")
    by_name = {r["variable"]: r for r in records}
    assert set(by_name) == {"contribution_usd_real", "total_cost_usd_real",
                            "contribution_krw_real", "cum_contribution_usd_real", "rok_share"}
    us_price = price_index(samples(single, "inflation_us"))
    kr_price = price_index(samples(single, "inflation_kr"))
    real_usd = samples(single, "contribution_usd_real")
    np.testing.assert_array_equal(real_usd, samples(single, "contribution_usd") / us_price)
    assert by_name["contribution_usd_real"]["p50"] == np.percentile(real_usd[:, -1], 50)
    total = samples(single, "total_cost_usd") / us_price
    assert by_name["total_cost_usd_real"]["p50"] == np.percentile(total[:, -1], 50)
    krw = samples(single, "contribution_krw") / kr_price
    assert by_name["contribution_krw_real"]["p50"] == np.percentile(krw[:, -1], 50)
    assert by_name["cum_contribution_usd_real"]["p50"] == np.percentile(real_usd.sum(axis=1), 50)
    assert by_name["cum_contribution_usd_real"]["year"] == "horizon"
    assert by_name["rok_share"]["p50"] == np.percentile(samples(single, "rok_share")[:, -1], 50)


def test_convergence_prefix_is_a_shorter_run(single: Path, tmp_path: Path) -> None:
    """The first m paths of a run are the run of m paths: same summary, stored there."""
    rows = convergence_rows(single, variables=["rok_share"], years="2031",
                            percentiles=[50.0], precision=0.001)
    assert [r.n for r in rows] == [1_000, 2_000, 4_000]
    scenario = load_scenario(ROOT / "configs" / "baseline.toml").with_overrides(samples=2_000,
                                                                               seed=3)
    shorter = run_scenarios([scenario], tmp_path / "short.h5").path
    (stored,) = summary_rows(shorter, variables=["rok_share"], years="2031", percentiles=[50.0])
    # Stored means are merged block by block while simulating: equal up to rounding.
    assert rows[1].mean == pytest.approx(stored.mean, rel=1e-13)
    assert rows[1].mcse == pytest.approx(stored.mcse, rel=1e-9)
    assert rows[1].percentiles[50.0] == stored.percentiles[50.0]
    (full,) = summary_rows(single, variables=["rok_share"], years="2031", percentiles=[50.0])
    assert rows[-1].percentiles == full.percentiles
    assert rows[-1].mean == pytest.approx(full.mean, rel=1e-13)
    # Paths needed: n (h / (ε |x|))², h = z·mcse for the mean, half the interval for P50.
    last = rows[-1]
    z = normal_quantile()
    assert last.paths_needed["mean"] == np.ceil(N * (z * last.mcse / (0.001 * last.mean)) ** 2)
    p50 = last.percentiles[50.0]
    half = (p50.upper - p50.lower) / 2
    assert last.paths_needed["p50"] == np.ceil(N * (half / (0.001 * p50.value)) ** 2)


def test_convergence_table_and_csv(single: Path) -> None:
    code, output = invoke(str(single), "--convergence", "--var", "cum_contribution_usd",
                          "--percentiles", "50,80")
    assert code == 0, output
    assert "convergence" in output and "Paths needed" in output and "4,000" in output
    code, output = invoke(str(single), "--convergence", "--var", "cum_contribution_usd",
                          "--format", "csv", "--precision", "0.02")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [int(r["paths"]) for r in rows] == [1_000, 2_000, 4_000]
    assert {"paths_needed_mean", "paths_needed_p50"} <= set(rows[0])


# --- formats ---------------------------------------------------------------------------------


def test_table_shows_errors_compactly(single: Path) -> None:
    code, output = invoke(str(single), "--var", "rok_share", "--years", "2031")
    assert code == 0, output
    assert "mean ±se" in output and "P50 ±ci" in output and "2031" in output
    assert "order statistics" in output and "Monte Carlo standard error" in output


def test_markdown_and_output_file(single: Path, tmp_path: Path) -> None:
    out = tmp_path / "memo.md"
    code, output = invoke(str(single), "--var", "rok_share", "--years", "2031",
                          "--format", "markdown", "-o", str(out))
    assert code == 0 and output == ""
    text = out.read_text()
    assert text.startswith("**baseline: rok_share [%]")
    assert "| year | mean ±se |" in text and "\n| 2031 | " in text
    table = tmp_path / "table.txt"
    code, _ = invoke(str(single), "--var", "rok_share", "-o", str(table))
    assert code == 0
    assert "\x1b[" not in table.read_text() and "2031" in table.read_text()


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--var", "nonsense"], "--var: unknown variable(s) nonsense", id="var"),
        pytest.param(["--scenario", "lapse"], "--scenario: unknown scenario(s) lapse",
                     id="scenario"),
        pytest.param(["--years", "2040"], "--years: 2040 outside the file's horizon 2026-2031",
                     id="year-outside"),
        pytest.param(["--years", "27-31"], "--years: expected a year, a range FIRST-LAST",
                     id="year-syntax"),
        pytest.param(["--years", "2031-2027"], "--years: range 2031-2027 ends before it starts",
                     id="year-backwards"),
        pytest.param(["--percentiles", "-1"], "--percentiles: each must lie in [0, 100]",
                     id="pct"),
        pytest.param(["--real", "--var", "pv_contribution_usd"],
                     "--real: pv_contribution_usd is a present value", id="real-pv"),
        pytest.param(["--exceed", "nan"], "--exceed: thresholds must be finite", id="exceed"),
        pytest.param(["--convergence", "--precision", "2"], "--precision: must lie in (0, 1)",
                     id="precision"),
        pytest.param(["--convergence", "--exceed", "1"], "--convergence and --exceed",
                     id="both"),
    ],
)
def test_bad_options_are_one_line_exit_2(batch: Path, args: list[str], message: str) -> None:
    code, output = invoke(str(batch), *args)
    assert code == 2
    assert message in output
    assert output.strip().count("\n") == 0 and "Traceback" not in output


def test_parse_years() -> None:
    assert parse_years("2027-2029,2031, 2028", YEARS) == [2027, 2028, 2029, 2031]
    with pytest.raises(SmasimInputError, match="2025, 2032 outside"):
        parse_years("2025,2032", YEARS)


def test_files_without_stored_intervals_get_them_from_the_samples(
    single: Path, tmp_path: Path
) -> None:
    """A file written before intervals were stored: same rows, computed from the samples."""
    import shutil

    import h5py

    old = tmp_path / "old.h5"
    shutil.copy(single, old)
    with h5py.File(old, "r+") as handle:
        for bound in ("lower", "upper"):
            del handle[f"summary/rok_share_percentile_{bound}"]
    assert summary_rows(old, variables=["rok_share"]) == summary_rows(single,
                                                                       variables=["rok_share"])


@pytest.mark.parametrize(
    ("value", "error", "scale", "text"),
    [
        pytest.param(1.1312e9, 0.0041e9, 1e9, "1.131 ±0.004", id="bn"),
        pytest.param(-0.4921e9, 0.0034e9, 1e9, "-0.492 ±0.003", id="negative"),
        pytest.param(28_500.0, 15.0, 1.0, "28,500 ±15", id="persons"),
        pytest.param(1.5e12, 0.0, 1e12, "1.500 ±0", id="atom"),
        pytest.param(float("nan"), 1.0, 1.0, "—", id="undefined"),
    ],
)
def test_errors_are_shown_to_their_first_digit(value: float, error: float, scale: float,
                                               text: str) -> None:
    assert format_with_error(value, error, scale) == text


def test_exceed_of_a_share_takes_fractions(single: Path) -> None:
    code, output = invoke(str(single), "--var", "rok_share", "--exceed", "50")
    assert code == 2
    assert ("--exceed: thresholds for rok_share are fractions (0.5 = 50%): give e.g. 0.5, "
            "not 50") in output


@pytest.mark.parametrize(("suffix", "check"), [(".csv", "variable,"), (".json", '"variable"'),
                                               (".md", "| year")])
def test_output_format_follows_the_suffix(single: Path, tmp_path: Path, suffix: str,
                                          check: str) -> None:
    out = tmp_path / f"summary{suffix}"
    code, output = invoke(str(single), "--var", "rok_share", "-o", str(out))
    assert code == 0, output
    assert check in out.read_text()


def test_outcome_probabilities_equal_the_stored_codes(batch: Path) -> None:
    from simcore.read.queries import outcome_rows

    rows = outcome_rows(batch, scenarios=["drawdown"])
    codes = samples(batch, "negotiation_outcome", "drawdown")
    assert [(r.outcome, r.code) for r in rows[:4]] == [
        ("no_negotiation", -1), ("status_quo", 0), ("demand", 1), ("lapse", 2)]
    for row in rows:
        j = row.year - 2026
        share = np.mean(codes[:, j] == row.code)
        assert row.probability == pytest.approx(share, abs=1e-15)
        assert row.se == pytest.approx(np.sqrt(share * (1 - share) / N), abs=1e-15)
    # Baseline/drawdown: the 12th SMA ends in 2030, so every path without a later-ending
    # agreement negotiates in 2031; nobody negotiates in 2026 (a known amount).
    assert [r.probability for r in rows if r.year == 2026] == [1.0, 0.0, 0.0, 0.0]


def test_outcome_table_and_errors(batch: Path) -> None:
    code, output = invoke(str(batch), "--outcomes", "--scenario", "baseline")
    assert code == 0, output
    assert "baseline: negotiation outcomes [% of paths]" in output and "lapse" in output
    assert "drawdown" not in output
    code, output = invoke(str(batch), "--outcomes", "--scenario", "nowhere")
    assert code == 2 and "--scenario: nowhere not in" in output

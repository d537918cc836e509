"""Shapley effects of the SMA model, the sensitivity file and `smasim sensitivity`."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import tomli_w
import xarray as xr
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.analysis.sensitivity import (
    ESTIMATED,
    GROUPS,
    NO_VARIANCE_STATUS,
    NOT_APPLICABLE,
    SensitivityResult,
    analyse_sensitivity,
    input_design,
    model_inputs,
    outer_sizes,
    shocks_read,
)
from simcore.analysis.sensitivity_file import (
    labelled_dataset,
    read_sensitivity,
    write_sensitivity,
)
from simcore.config.schema import Scenario
from simcore.model.engine import simulate_paths
from simcore.model.params import resolve_params
from simcore.model.sampling import draw_block
from simcore.report.sensitivity import sensitivity_tables
from simcore.run.parallel import InProcessExecutor
from tests.conftest import BASELINE, DETERMINISTIC, SCALAR_BASELINE, deep_update

#: Only the exchange rate is random: every other driver, the troops and the talks are fixed.
FX_ONLY = deep_update(copy.deepcopy(DETERMINISTIC), {"fx": {"volatility": 0.074}})
#: Small analyses, fast tests: imprecise effects are expected and not the point here.
pytestmark = pytest.mark.filterwarnings("ignore::simcore.stats.shapley.ShapleyPrecisionWarning")
RECORD_KEYS = ["variable", "year", "group", "shapley", "shapley_se", "closed", "total"]


def _result(scenario: Scenario, **options: Any) -> Any:
    options = {"seed": 11, "outer": 2048, "tornado_samples": 4096, **options}
    return analyse_sensitivity(scenario, **options)


@pytest.fixture(scope="module")
def fx_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sens") / "fx-only.toml"
    data = deep_update(tomllib.loads(SCALAR_BASELINE.read_text()), copy.deepcopy(FX_ONLY))
    path.write_text(tomli_w.dumps(data))
    return path


def test_only_one_random_driver_takes_the_whole_variance(
    make_scenario: Callable[..., Scenario],
) -> None:
    result = _result(make_scenario(copy.deepcopy(FX_ONLY)),
                     variables=["contribution_usd", "contribution_krw", "cum_contribution_usd"])
    assert result.groups == GROUPS
    usd = result.variables.index("contribution_usd")
    fx = GROUPS.index("fx")
    years = [y for y in result.years if y != "horizon"]
    for y in range(len(years)):
        assert result.status[usd, y] == ESTIMATED
        expected = np.zeros(len(GROUPS))
        expected[fx] = 1.0
        # Exactly: the other groups have no inputs, or inputs that change nothing.
        np.testing.assert_array_equal(result.shapley[usd, y], expected)
        np.testing.assert_array_equal(result.closed[usd, y], expected)
        np.testing.assert_array_equal(result.total[usd, y], expected)
    # A known amount in KRW, grown by a rule of observed (or fixed) inflation: no variance.
    krw = result.variables.index("contribution_krw")
    assert (result.status[krw, : len(years)] == NO_VARIANCE_STATUS).all()
    assert np.isnan(result.shapley[krw, : len(years)]).all()
    assert result.status[krw, -1] == NOT_APPLICABLE
    assert result.status[result.variables.index("cum_contribution_usd"), -1] == ESTIMATED


def test_a_pinned_or_unused_driver_is_marginalised_out(
    make_scenario: Callable[..., Scenario],
) -> None:
    """Korean inflation is correlated with fx (0.22) but pinned: its share is exactly 0."""
    changes = deep_update(copy.deepcopy(FX_ONLY), {
        "inflation": {"kr": {"volatility": 0.0111}},
        "pins": {"kr_inflation": {2026: 0.02, 2027: 0.02, 2028: 0.02}},
    })
    scenario = make_scenario(changes)
    assert not shocks_read(resolve_params(scenario))[:, 0].any()
    result = _result(scenario, variables=["contribution_usd"])
    kr, defense = GROUPS.index("kr_inflation"), GROUPS.index("defense")
    np.testing.assert_array_equal(result.shapley[0, :, kr], 0.0)
    np.testing.assert_array_equal(result.shapley[0, :, defense], 0.0)
    # Unpinned, the correlated Korean shock takes a share of the fx-driven variance.
    del changes["pins"]
    free = _result(make_scenario(changes), variables=["contribution_usd"])
    assert (free.shapley[0, :, kr] > 4 * free.shapley_se[0, :, kr]).all()


def test_student_t_mixing_is_its_own_group(make_scenario: Callable[..., Scenario]) -> None:
    """Korean inflation's t-scaled shock: the mixing takes a share; the exchange rate's
    shock stays Gaussian (MODEL.md §1), so the mixing takes none of it."""
    changes = deep_update(copy.deepcopy(DETERMINISTIC),
                          {"inflation": {"kr": {"volatility": 0.011}},
                           "shocks": {"distribution": "student_t", "dof": 4}})
    scenario = make_scenario(changes)
    assert input_design(resolve_params(scenario)).active == ("kr_inflation", "tail", "troops",
                                                             "negotiation")
    result = _result(scenario, variables=["inflation_kr"], outer=2**14)
    tail = GROUPS.index("tail")
    assert (result.shapley[0, :, tail] > 4 * result.shapley_se[0, :, tail]).all()
    np.testing.assert_allclose(result.shapley[0].sum(axis=1), 1.0, atol=1e-12)
    fx_only = make_scenario(deep_update(copy.deepcopy(FX_ONLY),
                                        {"shocks": {"distribution": "student_t", "dof": 4}}))
    result = _result(fx_only, variables=["fx_krw_per_usd"], outer=2**12)
    np.testing.assert_array_equal(result.shapley[0, :, tail], 0.0)


def test_parameter_draws_and_moving_trends_are_groups_of_their_own(
    make_scenario: Callable[..., Scenario],
) -> None:
    """Korean inflation alone random, its parameters a table of draws and its trend moving:
    the table's row uniform (``parameters``) and the trend shocks (``inflation_trend``) take
    shares of its variance beside its own gap shocks; the three add up to 1."""
    changes = deep_update(copy.deepcopy(DETERMINISTIC), {"inflation": {"kr": {
        "mean": [0.0, 0.02, 0.06], "volatility": [0.002, 0.004, 0.006],
        "persistence": 0.3, "trend_volatility": 0.006}}})
    scenario = make_scenario(changes)
    assert input_design(resolve_params(scenario)).active == (
        "kr_inflation", "troops", "negotiation", "inflation_trend", "parameters")
    result = _result(scenario, variables=["inflation_kr"], outer=2**14)
    for group in ("kr_inflation", "inflation_trend", "parameters"):
        g = GROUPS.index(group)
        assert (result.shapley[0, :, g] > 4 * result.shapley_se[0, :, g]).all(), group
    np.testing.assert_allclose(result.shapley[0].sum(axis=1), 1.0, atol=1e-12)
    inputs = model_inputs(resolve_params(scenario),
                          draw_block(resolve_params(scenario), seed=1, block=0, n=10))
    assert "Korean inflation parameter row" in inputs
    assert "Korean inflation trend shock 2027" in inputs


def test_same_bits_on_one_and_two_threads(make_scenario: Callable[..., Scenario]) -> None:
    scenario = make_scenario({"run": {"horizon": 3}})
    one = _result(scenario, variables=["rok_share"], map_ordered=InProcessExecutor(1).map_ordered)
    two = _result(scenario, variables=["rok_share"], map_ordered=InProcessExecutor(2).map_ordered)
    for name in ("shapley", "shapley_se", "closed", "total", "variance_ratio", "rank_correlation"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))


def test_tornado_inputs_are_those_of_an_ordinary_run(
    make_scenario: Callable[..., Scenario],
) -> None:
    scenario = make_scenario(copy.deepcopy(FX_ONLY))
    params = resolve_params(scenario)
    draws = draw_block(params, seed=3, block=0, n=500)
    inputs = model_inputs(params, draws)
    np.testing.assert_array_equal(inputs["KRW/USD shock 2027"], draws.g[2, 1])
    assert "Korean inflation shock 2027" not in inputs  # volatility 0: not an input
    assert inputs["negotiation outcome uniform 2028"] is not None
    result = _result(scenario, variables=["fx_krw_per_usd"], years="2027")
    top = np.nanargmax(np.abs(result.rank_correlation[0, 0]))
    assert result.inputs[top] == "KRW/USD shock 2027"
    # The log rate is a sum of the shocks so far, the exchange rate monotone in it.
    fx = simulate_paths(params, draws)["fx_krw_per_usd"][:, 1]
    assert np.corrcoef(np.argsort(np.argsort(fx)), np.argsort(np.argsort(
        inputs["KRW/USD shock 2027"])))[0, 1] > 0.5


def test_outer_sizes_round_up_to_whole_batches() -> None:
    assert outer_sizes(2**19) == (2**19, 32)
    assert outer_sizes(1000) == (1024, 32)
    assert outer_sizes(2**21) == (2**21, 128)


def test_file_round_trip_and_layout(make_scenario: Callable[..., Scenario], tmp_path: Path) -> None:
    result = _result(make_scenario(copy.deepcopy(FX_ONLY)),
                     variables=["contribution_usd", "cum_contribution_usd"])
    path = write_sensitivity(result, tmp_path / "s.nc", command="test")
    dataset = read_sensitivity(path)
    assert dict(dataset.sizes) == {"variable": 2, "year": 4, "group": len(GROUPS),
                                   "input": len(result.inputs)}
    for name in ("shapley", "shapley_se", "closed", "total"):
        assert dataset[name].dims == ("variable", "year", "group")
        assert dataset[name].attrs["units"] == "1" and dataset[name].attrs["long_name"]
        np.testing.assert_array_equal(dataset[name].values, getattr(result, name))
    assert list(dataset["year"].values) == ["2026", "2027", "2028", "horizon"]
    assert dataset.attrs["seed"] == "11" and "[fx]" in dataset.attrs["config_toml"]
    assert dataset["status"].attrs["flag_meanings"] == "estimated no_variance not_applicable"
    assert not list(tmp_path.glob(".*partial"))
    with pytest.raises(Exception, match="exists"):
        write_sensitivity(result, path, command="test")


def _made_up(scenario: Scenario, variables: tuple[str, ...],
             years: tuple[int | str, ...]) -> SensitivityResult:
    """A result with distinct made-up numbers in every cell (no estimation: the file only)."""
    shape = (len(variables), len(years))
    cells = np.arange(np.prod(shape) * len(GROUPS), dtype=float).reshape(*shape, len(GROUPS))
    status = np.full(shape, ESTIMATED, dtype=np.int8)
    status[0, -1] = NOT_APPLICABLE
    return SensitivityResult(
        scenario=scenario, seed=11, seed_source="config", variables=variables, years=years,
        groups=GROUPS, shapley=cells / 1000, shapley_se=cells / 2000, closed=cells / 3000,
        total=cells / 4000, variance_ratio=np.arange(np.prod(shape), dtype=float).reshape(shape),
        status=status, inputs=("fx_shock_2026", "fx_shock_2027"),
        rank_correlation=np.arange(np.prod(shape) * 2, dtype=float).reshape(*shape, 2) / 10,
        outer=1024, inner=2, batches=32, tornado_samples=100,
    )


@pytest.mark.parametrize(
    ("variables", "years"),
    [
        pytest.param(("contribution_usd", "cum_contribution_usd"), (2026, 2027, "horizon"),
                     id="yearly-and-horizon"),
        pytest.param(("contribution_usd",), (2026, 2027), id="yearly"),
        pytest.param(("cum_contribution_usd",), ("horizon",), id="horizon"),
    ],
)
def test_the_file_stores_integer_years_and_horizon_totals_apart(
    make_scenario: Callable[..., Scenario], tmp_path: Path, variables: tuple[str, ...],
    years: tuple[int | str, ...],
) -> None:
    result = _made_up(make_scenario(copy.deepcopy(FX_ONLY)), variables, years)
    path = write_sensitivity(result, tmp_path / "s.nc", command="test")
    calendar = [y for y in years if y != "horizon"]
    with xr.open_dataset(path, engine="h5netcdf") as stored:
        assert stored.attrs["smasim_kind"] == "sensitivity"
        if calendar:
            assert stored["year"].dtype == np.int32
            assert stored["year"].values.tolist() == calendar
            assert stored["shapley"].dims == ("variable", "year", "group")
            np.testing.assert_array_equal(stored["shapley"], result.shapley[:, :len(calendar)])
        else:
            assert "year" not in stored.dims
        if "horizon" in years:
            assert stored["shapley_horizon"].dims == ("variable", "group")
            assert stored["rank_correlation_horizon"].dims == ("variable", "input")
            for name in ("shapley", "total", "variance_ratio", "status", "rank_correlation"):
                np.testing.assert_array_equal(stored[f"{name}_horizon"],
                                              getattr(result, name)[:, -1])
        else:
            assert not [name for name in stored.data_vars if str(name).endswith("_horizon")]
    # Read back, the analysis's view: one year dimension labelled by text, as before.
    read = read_sensitivity(path)
    expected = labelled_dataset(result)
    read.attrs = expected.attrs = {}
    xr.testing.assert_identical(read, expected)
    assert read["year"].values.tolist() == [str(y) for y in years]


def test_a_file_of_smasim_0_1_with_text_years_is_still_read(
    make_scenario: Callable[..., Scenario], tmp_path: Path
) -> None:
    result = _made_up(make_scenario(copy.deepcopy(FX_ONLY)), ("contribution_usd",
                                                              "cum_contribution_usd"),
                      (2026, 2027, "horizon"))
    old = labelled_dataset(result).assign_attrs(smasim_kind="sensitivity", smasim_version="0.1")
    old.to_netcdf(tmp_path / "old.nc", engine="h5netcdf")
    read = read_sensitivity(tmp_path / "old.nc")
    assert read["year"].values.tolist() == ["2026", "2027", "horizon"]
    np.testing.assert_array_equal(read["shapley"], result.shapley)


def test_table_has_years_as_rows_and_groups_as_columns(
    make_scenario: Callable[..., Scenario],
) -> None:
    result = _result(make_scenario(copy.deepcopy(FX_ONLY)), variables=["contribution_usd",
                                                                       "contribution_krw"])
    usd, krw = sensitivity_tables(result)
    assert usd.header[: 1 + len(GROUPS)] == ["year", *GROUPS]
    assert [row[0] for row in usd.rows] == ["2026", "2027", "2028"]
    assert usd.rows[0][1 + GROUPS.index("fx")] == "100.0 ±0"
    assert usd.rows[0][1 + GROUPS.index("troops")] == "0"
    assert krw.rows[0][1] == "no variance"


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["sensitivity", *args])


def test_cli_json_has_exactly_the_contract_keys(fx_only: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.nc"
    result = _invoke(str(fx_only), "--samples", "1024", "--var", "contribution_usd",
                     "--var", "cum_contribution_usd", "--years", "2027-2028",
                     "--format", "json", "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)["records"]
    assert all(list(r) == RECORD_KEYS for r in records)
    assert {r["year"] for r in records} == {2027, 2028, "horizon"}
    assert len(records) == 3 * len(GROUPS)
    fx = [r for r in records if r["group"] == "fx"]
    assert all(r["shapley"] == pytest.approx(1.0, abs=1e-12) for r in fx)
    assert out.exists()
    # Refuses to overwrite; a table format to -o writes only the table.
    again = _invoke(str(fx_only), "--samples", "1024", "-o", str(out), "-q")
    assert again.exit_code == 2 and "exists" in again.output
    table = tmp_path / "t.csv"
    csv_run = _invoke(str(fx_only), "--samples", "1024", "--var", "contribution_usd",
                      "-o", str(table), "-q")
    assert csv_run.exit_code == 0, csv_run.output
    assert table.read_text().splitlines()[0] == ",".join(RECORD_KEYS)


def test_cli_workbook_equals_the_json(fx_only: Path, tmp_path: Path) -> None:
    """-o FILE.xlsx writes the Shapley table as a sheet (shares in %, their errors in columns
    of their own) and no netCDF file; every cell equals the JSON record, and the about sheet
    names the seed and the configuration's hash."""
    args = [str(fx_only), "--samples", "1024", "--seed", "5", "--var", "contribution_usd",
            "--years", "2027-2028", "-q"]
    book_path, json_path = tmp_path / "s.xlsx", tmp_path / "s.json"
    for out in (book_path, json_path):
        result = _invoke(*args, "-o", str(out))
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.xlsx"]
    records = json.loads(json_path.read_text())["records"]
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames == ["contribution_usd Shapley", "about"]
    rows = list(book["contribution_usd Shapley"].iter_rows(values_only=True))
    header = list(rows[1])
    assert header[:3] == ["year", f"{GROUPS[0]} [%]", f"{GROUPS[0]} se [%]"]
    by_year = {row[0]: row for row in rows[2:4]}
    assert set(by_year) == {2027, 2028}
    for record in records:
        row = by_year[record["year"]]
        value = row[header.index(f"{record['group']} [%]")]
        error = row[header.index(f"{record['group']} se [%]")]
        assert value == pytest.approx(100 * record["shapley"], rel=1e-15, abs=1e-13)
        assert error == pytest.approx(100 * record["shapley_se"], rel=1e-15, abs=1e-13)
    about = {row[0]: row[1] for row in book["about"].iter_rows(min_row=3, values_only=True)}
    assert about["seed"] == "5" and len(about["config sha256"]) == 64


def test_cli_bad_variable_is_one_line(fx_only: Path, tmp_path: Path) -> None:
    result = _invoke(str(fx_only), "--var", "nonsense", "-o", str(tmp_path / "x.nc"))
    assert result.exit_code == 2
    assert result.output.startswith("Error: --var: nonsense")
    assert not (tmp_path / "x.nc").exists()


def test_plot_kinds_draw_the_sensitivity_file(fx_only: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.nc"
    assert _invoke(str(fx_only), "--samples", "1024", "-o", str(out), "-q").exit_code == 0
    for kind, extra in (("shapley", []), ("tornado", ["--years", "2027"])):
        image = tmp_path / f"{kind}.png"
        result = CliRunner().invoke(cli, ["plot", "--kind", kind, str(out), *extra,
                                          "-o", str(image)])
        assert result.exit_code == 0, result.output
        assert image.stat().st_size > 10_000
    # Groups in words, and only those with a share: here the exchange rate alone.
    image = tmp_path / "shapley.svg"
    result = CliRunner().invoke(cli, ["plot", "--kind", "shapley", str(out), "--var",
                                      "contribution_usd", "--title", "What moves it",
                                      "-o", str(image)])
    assert result.exit_code == 0, result.output
    svg = image.read_text()
    assert "the exchange rate" in svg and "What moves it" in svg
    assert not any(words in svg for words in ("Korean inflation", "troop cuts",
                                              "the negotiations"))
    assert not any(f">{group}<" in svg for group in GROUPS)
    assert "ROK SMA contribution, nominal [USD bn]" in svg
    bad = CliRunner().invoke(cli, ["plot", "--kind", "tornado", str(out), "--years", "2040",
                                   "-o", str(tmp_path / "b.png")])
    assert bad.exit_code == 2 and "--years" in bad.output


@pytest.mark.slow
def test_one_and_two_dask_workers_give_the_same_bits(tmp_path: Path) -> None:
    files = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.nc"
        result = _invoke(str(BASELINE), "--samples", "2048", "--var", "rok_share", "--years",
                         "2030-2031", "--workers", workers, "-o", str(out), "-q")
        assert result.exit_code == 0, result.output
        files.append(read_sensitivity(out))
    for name in ("shapley", "shapley_se", "closed", "total", "rank_correlation"):
        np.testing.assert_array_equal(files[0][name].values, files[1][name].values)



def test_cli_imprecision_is_one_warning_line_in_percentage_points(tmp_path: Path) -> None:
    table = tmp_path / "s.csv"
    result = CliRunner().invoke(cli, ["sensitivity", str(BASELINE), "--samples", "1024",
                                      "--var", "contribution_krw", "--years", "2027", "-q",
                                      "-o", str(table)])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("Warning: standard error above 0.01 (1 percentage point of "
                           "variance share) for ")
    assert line.endswith("; use more samples")
    assert "shapley.py" not in result.stderr and "UserWarning" not in result.stderr


def test_set_help_of_sensitivity_speaks_of_one_configuration() -> None:
    text = " ".join(CliRunner().invoke(cli, ["sensitivity", "--help"]).output.split())
    assert "Applied before validation." in text and "every scenario" not in text
    run_text = " ".join(CliRunner().invoke(cli, ["run", "--help"]).output.split())
    assert "a batch applies it to every scenario" in run_text

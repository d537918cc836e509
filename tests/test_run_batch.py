"""Batches: one file, a scenario dimension, common random numbers, compatibility checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.config.load import check_batch
from simcore.config.schema import Scenario
from simcore.core.errors import ConfigError, ParameterError
from simcore.model.engine import simulate
from simcore.run.runner import StorageOptions, run_scenarios
from tests.conftest import ROOT, SCALAR_BASELINE

Factory = Callable[..., Scenario]
CONFIGS = sorted((ROOT / "configs").glob("*.toml"))


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "batch.h5"
    res = CliRunner().invoke(
        cli, ["batch", *map(str, CONFIGS), "-o", str(out), "--samples", "3000", "-q"]
    )
    assert res.exit_code == 0, res.output
    assert f"{len(CONFIGS)} scenarios x 3,000 paths" in res.output  # one per shipped config
    return out


def test_batch_has_a_scenario_dimension(batch_file: Path) -> None:
    with xr.open_dataset(batch_file, engine="h5netcdf") as ds:
        assert list(ds["scenario"].values) == [p.stem for p in CONFIGS]
        assert ds["contribution_usd"].dims == ("scenario", "sample", "year")
        assert ds["cum_contribution_usd"].dims == ("scenario", "sample")
        # The baseline reads no defense budget, but a batch keeps the union of variables.
        assert "defense_growth" not in ds or ds["defense_growth"].dims[0] == "scenario"
    with xr.open_dataset(batch_file, engine="h5netcdf", group="summary") as summary:
        assert summary["contribution_usd_mean"].dims == ("scenario", "year")
        assert summary["contribution_usd_percentile"].dims == ("scenario", "percentile", "year")


def test_each_scenario_equals_its_own_run(batch_file: Path) -> None:
    from simcore.config.load import load_scenario

    with xr.open_dataset(batch_file, engine="h5netcdf") as ds:
        for path in CONFIGS:
            scenario = load_scenario(path).with_overrides(samples=3000)
            expected = simulate(scenario, seed=scenario.run.seed or 0)
            got = ds.sel(scenario=path.stem)
            np.testing.assert_array_equal(got["contribution_krw"], expected["contribution_krw"])
            np.testing.assert_array_equal(got["fx_krw_per_usd"], expected["fx_krw_per_usd"])


def test_common_random_numbers_pair_the_samples(batch_file: Path) -> None:
    """Same shocks in every scenario: drivers that no scenario changes are identical."""
    with xr.open_dataset(batch_file, engine="h5netcdf") as ds:
        base = ds.sel(scenario="baseline")
        drawdown = ds.sel(scenario="drawdown")
        np.testing.assert_array_equal(base["inflation_kr"], drawdown["inflation_kr"])
        np.testing.assert_array_equal(base["contribution_usd"], drawdown["contribution_usd"])
        diff = (drawdown["us_cost_usd"] - base["us_cost_usd"]).values
        # From 2027 the drawdown pins 24,000 troops: the US cost before the offset (its own
        # cost plus the payment beyond the base-year amount, offset_share = 1) falls by the
        # troop ratio, in every path where the offset leaves the US paying something.
        price_kr = np.cumprod(1 + base["inflation_kr"].values, axis=1)
        beyond = (base["contribution_krw"].values - 1.4028e12 * price_kr) / base[
            "fx_krw_per_usd"].values
        gross_base = base["us_cost_usd"].values + beyond
        gross_drawdown = drawdown["us_cost_usd"].values + beyond
        paying = (base["us_cost_usd"].values > 0) & (drawdown["us_cost_usd"].values > 0)
        troops = base["troops"].values
        np.testing.assert_allclose((gross_drawdown / gross_base)[:, 1:][paying[:, 1:]],
                                   (24000 / troops)[:, 1:][paying[:, 1:]], rtol=1e-9)
        assert paying[:, 1:].mean() > 0.99
        assert np.all(diff[:, 0] == 0)


def test_outcome_codes_are_the_fixed_table(batch_file: Path) -> None:
    with xr.open_dataset(batch_file, engine="h5netcdf") as ds:
        meanings = ds["negotiation_outcome"].attrs["flag_meanings"].split()
        assert meanings == ["no_negotiation", "status_quo", "demand", "lapse", "increase"]
        codes = ds["negotiation_outcome"]
        assert set(np.unique(codes.sel(scenario="history"))) <= {-1, 2, 3}
        # us-demand-2027 has one outcome, a demand: its codes must read as "demand" (1).
        assert set(np.unique(codes.sel(scenario="us-demand-2027"))) == {-1, 1}
        # lapse.toml has one outcome, a lapse (2), every year from 2031.
        assert np.all(codes.sel(scenario="lapse", year=2031) == 2)


def test_duplicate_names_are_an_error(make_scenario: Factory) -> None:
    a = make_scenario()
    message = r"run\.name: .*unique; repeated: baseline \(a\.toml, b\.toml\)"
    with pytest.raises(ConfigError, match=message):
        check_batch([a, a], ["a.toml", "b.toml"])


@pytest.mark.parametrize(
    ("key", "value"),
    [("base_year", 2024), ("horizon", 5), ("samples", 10), ("seed", 1), ("sampler", "lhs")],
)
def test_disagreeing_scenarios_name_the_key_and_files(
    make_scenario: Factory, key: str, value: object
) -> None:
    other = make_scenario({"run": {"name": "other", key: value}})
    with pytest.raises(ConfigError, match=rf"run\.{key}: scenarios of a batch must agree.*a\.toml"
                                          rf" has .*, b\.toml has"):
        check_batch([make_scenario(), other], ["a.toml", "b.toml"])


def test_batch_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["batch", str(CONFIGS[0]), str(CONFIGS[0]), "-o",
                              str(tmp_path / "x.h5")])
    assert res.exit_code == 2
    assert "run.name: scenario names in a batch must be unique" in res.output
    assert not (tmp_path / "x.h5").exists()


def test_command_line_overrides_make_scenarios_agree(make_scenario: Factory,
                                                     tmp_path: Path) -> None:
    a = make_scenario({"run": {"samples": 10, "seed": 1}})
    b = make_scenario({"run": {"name": "b", "samples": 20, "seed": 2}})
    a, b = (s.with_overrides(samples=500, seed=9) for s in (a, b))
    check_batch([a, b], ["a.toml", "b.toml"])
    result = run_scenarios([a, b], tmp_path / "ab.h5", batch=True)
    assert result.scenarios == ["baseline", "b"] and result.samples == 500


# --------------------------------------------------------------------------------------------
# run_scenarios checks what the command line checks, and names its own arguments


def test_run_scenarios_refuses_what_cannot_run_as_one_batch(make_scenario: Factory,
                                                            tmp_path: Path) -> None:
    a = make_scenario({"run": {"samples": 1500}})
    more = make_scenario({"run": {"name": "more", "samples": 2000}})
    out = tmp_path / "x.h5"
    # Before: a raw HDF5 error while writing; now one line before anything is written.
    with pytest.raises(ConfigError, match=r"^run\.samples: scenarios of a batch must agree "
                       r"\(common random numbers\); scenarios\[0\] has 1500, scenarios\[1\] "
                       r"has 2000$"):
        run_scenarios([a, more], out, batch=True)
    # Before: a file whose scenario index repeats a name.
    with pytest.raises(ConfigError, match=r"^run\.name: scenario names in a batch must be "
                       r"unique; repeated: baseline \(scenarios\[0\], scenarios\[2\]\)$"):
        run_scenarios([a, make_scenario({"run": {"name": "b", "samples": 1500}}), a], out,
                      batch=True)
    with pytest.raises(ParameterError, match=r"^scenarios: 2 scenarios need batch=True"):
        run_scenarios([a, more], out)
    with pytest.raises(ParameterError, match=r"^scenarios: none given"):
        run_scenarios([], out)
    with pytest.raises(ParameterError, match=r"^scenarios\[0\]: a PosixPath, not a Scenario; "
                       r"load one with simcore\.load_scenario\(path\)$"):
        run_scenarios([CONFIGS[0]], out)  # type: ignore[list-item]
    with pytest.raises(ParameterError, match=r"^seed must be a whole number from 0 \(got -1\)$"):
        run_scenarios([a], out, seed=-1)
    with pytest.raises(ParameterError, match=r"^chunk_size must be at least 1 sample"):
        run_scenarios([a], out, chunk_size=0)
    with pytest.raises(ParameterError, match=r"^store: a list of variable names, e\.g\. "
                       r"\['troops'\], not a string$"):
        run_scenarios([a], out, storage=StorageOptions(store="troops"))
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a partial file


def test_a_seed_given_to_the_run_wins_over_disagreeing_configured_seeds(
    make_scenario: Factory, tmp_path: Path
) -> None:
    a = make_scenario({"run": {"samples": 500, "seed": 1}})
    b = make_scenario({"run": {"name": "b", "samples": 500, "seed": 2}})
    with pytest.raises(ConfigError, match=r"^run\.seed: scenarios of a batch must agree"):
        run_scenarios([a, b], tmp_path / "x.h5", batch=True)
    result = run_scenarios([a, b], tmp_path / "x.h5", batch=True, seed=5)
    assert result.seed == 5 and result.seed_source == "argument"
    with xr.open_dataset(result.path, engine="h5netcdf") as ds:
        expected = simulate(b, seed=5)["contribution_usd"]
        np.testing.assert_array_equal(ds["contribution_usd"].sel(scenario="b"), expected)


def test_batch_cli_names_the_files_of_disagreeing_samples(tmp_path: Path) -> None:
    # The 0.2 baseline: a copy elsewhere of a shipped one would not find its draws files.
    text = SCALAR_BASELINE.read_text()
    files = []
    for name, samples in (("a", 1000), ("b", 2000)):
        path = tmp_path / f"{name}.toml"
        # The first `name =` is run.name (the outcomes have names too).
        path.write_text(re.sub(r'(?m)^name = "\w+"', f'name = "{name}"',
                               re.sub(r"(?m)^samples = [\d_]+", f"samples = {samples}", text),
                               count=1))
        files.append(path)
    out = tmp_path / "x.h5"
    res = CliRunner().invoke(cli, ["batch", *map(str, files), "-o", str(out), "-q"])
    assert res.exit_code == 2
    assert res.output.strip() == (
        f"Error: run.samples: scenarios of a batch must agree (common random numbers); "
        f"{files[0]} has 1000, {files[1]} has 2000"
    )
    assert not out.exists()

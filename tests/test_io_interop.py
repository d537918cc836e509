"""The result file opens in whatever the next analysis uses, and is CF-compliant.

Readers: xarray (h5netcdf and netcdf4 engines), the netCDF4 library, h5py, pandas through
``to_dataframe()``, the documentation's own Python example, and, where installed, R's ``ncdf4``
and GNU Octave's MATLAB-compatible ``ncread``. The IOOS compliance checker reports no
error for the CF version the file declares, except the accepted unknown units (MODEL.md
§9: UDUNITS has no currencies).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path

import h5py
import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.core.variables import VARIABLES
from simcore.io.layout import CF_CONVENTIONS
from simcore.model.engine import simulate
from simcore.run.runner import StorageOptions, run_scenarios
from tests.conftest import BASELINE, ROOT

Factory = Callable[..., Scenario]
N = 500
SEED = 9
#: MODEL.md §9: the only "unknown units" findings a CF checker may report.
ACCEPTED_UNITS = {"KRW", "USD", "KRW/USD"}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(BASELINE).with_overrides(samples=N, seed=SEED)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory, scenario: Scenario) -> Path:
    # ".nc": CF §2.1 asks netCDF files to be named so; smasim accepts any name.
    return run_scenarios([scenario], tmp_path_factory.mktemp("interop") / "baseline.nc").path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenarios = [
        load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(samples=N, seed=SEED)
        for name in ("baseline", "us-demand-2027", "lapse")
    ]
    return run_scenarios(scenarios, tmp_path_factory.mktemp("interop") / "batch.nc",
                         batch=True).path


# --------------------------------------------------------------------------------------------
# Readers


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_engines_read_the_samples_and_the_summary(
    single: Path, scenario: Scenario, engine: str
) -> None:
    expected = simulate(scenario, seed=SEED)
    with xr.open_dataset(single, engine=engine) as ds:
        assert list(ds["year"].values) == list(range(2026, 2032))
        for name, values in expected.items():
            np.testing.assert_array_equal(ds[name].values, values)
            assert ds[name].attrs["units"] == VARIABLES[name].units
        assert ds.attrs["Conventions"] == CF_CONVENTIONS
    with xr.open_dataset(single, engine=engine, group="summary") as summary:
        np.testing.assert_allclose(summary["contribution_usd_mean"].values,
                                   expected["contribution_usd"].mean(axis=0), rtol=1e-12)
        assert summary["percentile"].attrs["units"] == "percent"


@pytest.mark.parametrize("engine", ["h5netcdf", "netcdf4"])
def test_xarray_selects_scenarios_of_a_batch_by_name(batch: Path, engine: str) -> None:
    with xr.open_dataset(batch, engine=engine) as ds:
        assert [str(s) for s in ds["scenario"].values] == ["baseline", "us-demand-2027", "lapse"]
        paired = ds["contribution_usd"].sel(scenario="lapse") - ds["contribution_usd"].sel(
            scenario="baseline")
        assert paired.dims == ("sample", "year")
        # Common random numbers: the exchange rate path is the same in every scenario.
        np.testing.assert_array_equal(ds["fx_krw_per_usd"].sel(scenario="lapse"),
                                      ds["fx_krw_per_usd"].sel(scenario="baseline"))


def test_netcdf4_library(single: Path, batch: Path, scenario: Scenario) -> None:
    expected = simulate(scenario, seed=SEED)
    with netCDF4.Dataset(single) as nc:
        assert nc.data_model == "NETCDF4"
        assert nc.Conventions == CF_CONVENTIONS
        assert dict(nc.dimensions.items()).keys() == {"sample", "year"}
        usd = nc["contribution_usd"]
        usd.set_auto_mask(False)
        np.testing.assert_array_equal(usd[:], expected["contribution_usd"])
        outcome = nc["negotiation_outcome"]
        assert outcome.dtype == np.int8
        assert list(outcome.flag_values) == [-1, 0, 1, 2, 3]
        assert outcome.flag_meanings == "no_negotiation status_quo demand lapse increase"
        assert nc["troops"].dtype == np.int32
        assert "summary" in nc.groups
        assert nc.groups["summary"]["contribution_usd_percentile"].shape == (7, 6)
    with netCDF4.Dataset(batch) as nc:
        assert list(nc["scenario"][:]) == ["baseline", "us-demand-2027", "lapse"]


def test_h5py(single: Path, scenario: Scenario) -> None:
    expected = simulate(scenario, seed=SEED)
    with h5py.File(single, "r") as handle:
        for name, values in expected.items():
            np.testing.assert_array_equal(handle[name][()], values)
        assert handle["contribution_usd"].attrs["units"] == b"USD" or \
            handle["contribution_usd"].attrs["units"] == "USD"
        assert int(handle.attrs["smasim_complete"]) == 1


def test_pandas_dataframes(single: Path, batch: Path, scenario: Scenario) -> None:
    expected = simulate(scenario, seed=SEED)
    with xr.open_dataset(single) as ds:
        frame = ds.to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.names == ["sample", "year"]
    assert len(frame) == N * 6
    np.testing.assert_array_equal(
        frame["rok_share"].to_numpy().reshape(N, 6), expected["rok_share"]
    )
    # A horizon total is repeated along the years it does not depend on.
    np.testing.assert_array_equal(
        frame["cum_contribution_usd"].xs(2031, level="year").to_numpy(),
        expected["cum_contribution_usd"],
    )
    with xr.open_dataset(batch) as ds:
        frame = ds[["contribution_usd", "troops"]].to_dataframe()
    assert frame.index.names == ["scenario", "sample", "year"]
    assert frame.loc["lapse"].shape == (N * 6, 2)
    assert frame["troops"].dtype == np.int32


#: The page whose examples read a result file from Python, R and MATLAB (each run here).
OTHER_TOOLS = ROOT / "docs" / "howto" / "other-tools.md"


def _example_block(language: str) -> str:
    text = OTHER_TOOLS.read_text()
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)
    (block,) = [b for b in blocks if "outputs/baseline.h5" in b]
    return block


def test_the_python_example_runs(single: Path, capsys: pytest.CaptureFixture[str],
                                    scenario: Scenario) -> None:
    code = _example_block("python").replace("outputs/baseline.h5", str(single))
    namespace: dict[str, object] = {}
    exec(compile(code, str(OTHER_TOOLS), "exec"), namespace)
    printed = capsys.readouterr().out
    median = np.percentile(simulate(scenario, seed=SEED)["contribution_usd"], 50, axis=0)
    np.testing.assert_allclose(np.array(printed.strip("[]\n").split(), dtype=float), median,
                               rtol=1e-6)
    frame = namespace["df"]
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["contribution_usd", "rok_share"]


def test_the_in_memory_and_dask_example_runs(batch: Path) -> None:
    text = OTHER_TOOLS.read_text()
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S)
               if "simulate_dataset" in b]
    code = (code.replace("configs/baseline.toml", str(ROOT / "configs" / "baseline.toml"))
            .replace("samples=20_000", "samples=2_000").replace("outputs/batch.h5", str(batch)))
    namespace: dict[str, object] = {}
    exec(compile(code, str(OTHER_TOOLS), "exec"), namespace)
    ds = namespace["ds"]
    assert isinstance(ds, xr.Dataset) and ds.sizes["sample"] == 2_000
    above = namespace["above_10bn"]
    assert isinstance(above, xr.DataArray) and above.dims == ("year",)
    np.testing.assert_array_equal(above, (ds["contribution_usd"].values > 10e9).mean(axis=0))
    mean_usd = namespace["mean_usd"]
    assert isinstance(mean_usd, xr.DataArray) and mean_usd.dims == ("scenario", "year")
    with xr.open_dataset(batch) as whole:
        np.testing.assert_allclose(mean_usd, whole["contribution_usd"].mean("sample"),
                                   rtol=1e-12)


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed here")
def test_the_r_example(single: Path, scenario: Scenario) -> None:
    code = _example_block("r").replace("outputs/baseline.h5", str(single))
    code = code.replace("apply(", "print(apply(").replace("0.95))", "0.95)))")
    done = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=120)
    if "there is no package called" in done.stderr:
        pytest.skip("R's ncdf4 package is not installed here")
    assert done.returncode == 0, done.stderr
    expected = np.quantile(simulate(scenario, seed=SEED)["contribution_usd"], [0.05, 0.5, 0.95],
                           axis=0)
    rows = [line.split()[1:] for line in done.stdout.splitlines() if "%" in line]
    np.testing.assert_allclose(np.array(rows, dtype=float), expected, rtol=1e-6)


@pytest.mark.skipif(shutil.which("octave-cli") is None, reason="GNU Octave is not installed")
def test_the_matlab_example_in_octave(single: Path, scenario: Scenario) -> None:
    code = _example_block("matlab").replace("outputs/baseline.h5", str(single))
    code = code.replace("prctile(usd, [5 50 95], 2)", "disp(prctile(usd, [5 50 95], 2))")
    code = code.replace("ncdisp(", "% ncdisp(")
    done = subprocess.run(["octave-cli", "--eval", f"pkg load netcdf; {code}"],
                          capture_output=True, text=True, timeout=300)
    if "package netcdf is not installed" in done.stderr:
        pytest.skip("Octave's netcdf package is not installed here")
    assert done.returncode == 0, done.stderr
    # Octave's prctile uses another definition than numpy's: compare loosely, and the shape.
    rows = np.array([line.split() for line in done.stdout.splitlines() if line.strip()],
                    dtype=float)
    values = simulate(scenario, seed=SEED)["contribution_usd"]
    assert rows.shape == (6, 3)
    np.testing.assert_allclose(rows[:, 1], np.median(values, axis=0), rtol=1e-2)


@pytest.mark.skipif(shutil.which("ncdump") is None, reason="netCDF's ncdump is not installed")
def test_ncdump(batch: Path) -> None:
    done = subprocess.run(["ncdump", "-h", str(batch)], capture_output=True, text=True,
                          timeout=60, check=True)
    assert "double contribution_usd(scenario, sample, year) ;" in done.stdout
    assert 'contribution_usd:units = "USD" ;' in done.stdout
    assert "group: summary {" in done.stdout


# --------------------------------------------------------------------------------------------
# CF conventions: the IOOS compliance checker


def cf_findings(path: Path) -> tuple[list[str], dict[str, str]]:
    """Failed checks' messages at the declared CF version, and checks that crashed."""
    from compliance_checker.runner import CheckSuite

    suite = CheckSuite()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the checker's other plugins
        suite.load_all_available_checkers()
    with xr.open_dataset(path) as ds:
        version = ds.attrs["Conventions"].removeprefix("CF-")
    test = f"cf:{version}"
    groups, crashed = suite.run_all(suite.load_dataset(str(path)), [test], skip_checks=[])[test]
    failed = []
    for result in groups:
        passed = (result.value[0] == result.value[1] if isinstance(result.value, tuple)
                  else bool(result.value))
        if not passed:
            failed += [f"{result.name}: {message}" for message in result.msgs]
    return failed, {name: str(error[0]) for name, error in crashed.items()}


UNKNOWN_UNITS = re.compile(r'^§3\.1 Units: units for (\w+), "([^"]+)" are not recognized')


def assert_only_accepted_findings(path: Path) -> list[str]:
    failed, crashed = cf_findings(path)
    others = []
    flagged = []
    for finding in failed:
        match = UNKNOWN_UNITS.match(finding)
        if match and match[2] in ACCEPTED_UNITS:
            flagged.append(match[1])
        else:
            others.append(finding)
    assert others == [], others
    # A string-valued `scenario` coordinate (for `ds.sel(scenario="lapse")`) makes the
    # checker's monotonicity check crash on strings; it crashes on nothing else.
    assert set(crashed) <= {"check_coordinate_variables_strict_monotonicity"}, crashed
    return flagged


def test_cf_single_run_has_only_the_accepted_unknown_units(single: Path) -> None:
    flagged = assert_only_accepted_findings(single)
    money = {name for name, spec in VARIABLES.items() if spec.units in ACCEPTED_UNITS}
    assert set(flagged) == money


def test_cf_batch(batch: Path) -> None:
    assert assert_only_accepted_findings(batch)


def test_cf_float32_compressed_with_defense_growth(make_scenario: Factory,
                                                  tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": 300},
                              "agreement": {"escalation": {"rule": "defense_budget"}}})
    path = run_scenarios([scenario], tmp_path / "defense.nc",
                         storage=StorageOptions(float32=True, compress=True)).path
    with xr.open_dataset(path) as ds:
        assert "defense_growth" in ds and ds["defense_growth"].dtype == np.float32
    assert_only_accepted_findings(path)


def test_no_int64_variables_before_cf_1_9(batch: Path) -> None:
    with h5py.File(batch, "r") as handle:
        kinds = {}
        handle.visititems(lambda name, obj: kinds.update({name: obj.dtype})
                          if isinstance(obj, h5py.Dataset) else None)
    assert not [name for name, dtype in kinds.items() if dtype == np.int64]

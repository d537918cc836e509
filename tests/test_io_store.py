"""Result files: round trips through xarray and h5py, the summary group, atomic writes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from simcore.config.load import load_scenario, parse_scenario
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import OutputExistsError, ResultFileError
from simcore.core.variables import VARIABLES
from simcore.io.layout import COMPLETE_ATTR, file_layout
from simcore.io.partial import (
    CREATING_SUFFIX,
    TEMP_SUFFIX,
    final_path,
    remove_stale_temporaries,
    temporary_path,
)
from simcore.io.reader import check_result_file
from simcore.io.writer import ResultWriter
from simcore.model.engine import simulate
from simcore.run.runner import StorageOptions, run_scenarios

Factory = Callable[..., Scenario]
N = BLOCK_SIZE + 4_000  # two blocks, the second one short


@pytest.fixture(scope="module")
def two_block_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path]:
    from tests.conftest import BASELINE

    scenario = load_scenario(BASELINE).with_overrides(samples=N, seed=42)
    path = tmp_path_factory.mktemp("run") / "baseline.h5"
    run_scenarios([scenario], path, chunk_size=1)
    return scenario, path


def test_xarray_round_trip_equals_the_engine(two_block_run: tuple[Scenario, Path]) -> None:
    scenario, path = two_block_run
    expected = simulate(scenario, seed=42)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        assert list(ds["year"].values) == list(range(2026, 2032))
        assert ds.sizes["sample"] == N
        for name, values in expected.items():
            np.testing.assert_array_equal(ds[name].values, values)


def test_h5py_reads_the_same_values(two_block_run: tuple[Scenario, Path]) -> None:
    scenario, path = two_block_run
    expected = simulate(scenario, seed=42)
    with h5py.File(path, "r") as handle:
        np.testing.assert_array_equal(handle["contribution_usd"][()], expected["contribution_usd"])
        assert handle["negotiation_outcome"].dtype == np.int8
        assert handle["troops"].dtype == np.int32
        assert handle["summary"]["contribution_usd_mean"].shape == (6,)


def test_cf_attributes_and_provenance(two_block_run: tuple[Scenario, Path]) -> None:
    scenario, path = two_block_run
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        for name in ds.data_vars:
            assert ds[name].attrs["units"] == VARIABLES[str(name)].units
            assert ds[name].attrs["long_name"]
        outcome = ds["negotiation_outcome"].attrs
        # Every kind, whether the scenario has it or not: one table for every file.
        assert list(outcome["flag_values"]) == [-1, 0, 1, 2, 3]
        assert outcome["flag_meanings"] == "no_negotiation status_quo demand lapse increase"
        attrs = ds.attrs
        assert attrs["Conventions"] == "CF-1.8"
        assert attrs["seed"] == "42" and attrs["seed_source"] == "config"
        assert attrs["block_size"] == BLOCK_SIZE and attrs["sampler"] == "mc"
        assert attrs["n_samples"] == N
        assert attrs[COMPLETE_ATTR] == 1
        assert parse_scenario(attrs["config_toml"]) == scenario
        assert attrs["config_sha256"] == scenario.config_hash()
        assert "numpy=" in attrs["library_versions"]
        assert attrs["history"].startswith(attrs["created"])


def test_summary_group_equals_numpy_on_the_stored_samples(
    two_block_run: tuple[Scenario, Path],
) -> None:
    scenario, path = two_block_run
    percentiles = scenario.run.percentiles
    with (
        xr.open_dataset(path, engine="h5netcdf") as ds,
        xr.open_dataset(path, engine="h5netcdf", group="summary") as summary,
    ):
        assert list(summary["percentile"].values) == percentiles
        for name in ("contribution_usd", "rok_share", "fx_krw_per_usd", "troops",
                     "cum_contribution_usd"):
            values = ds[name].values
            np.testing.assert_allclose(summary[f"{name}_mean"], values.mean(axis=0), rtol=1e-12)
            sd = values.std(axis=0, ddof=1)
            np.testing.assert_allclose(summary[f"{name}_sd"], sd, rtol=1e-10)
            np.testing.assert_allclose(summary[f"{name}_mcse"], sd / np.sqrt(N), rtol=1e-10)
            np.testing.assert_array_equal(
                summary[f"{name}_percentile"], np.percentile(values, percentiles, axis=0)
            )
        codes = ds["negotiation_outcome"].values
        freq = summary["negotiation_outcome_frequency"].values
        # The summary counts the codes the scenario configures, named as it names them.
        assert list(summary["outcome"].values) == [-1, 0, 1, 2]
        assert list(summary["outcome_name"].values) == ["no_negotiation", *scenario.outcome_names]
        for k, code in enumerate([-1, 0, 1, 2]):
            np.testing.assert_allclose(freq[k], np.mean(codes == code, axis=0), rtol=1e-12)


def test_chunk_size_does_not_change_a_byte(
    two_block_run: tuple[Scenario, Path], tmp_path: Path
) -> None:
    scenario, path = two_block_run
    other = run_scenarios([scenario], tmp_path / "big-chunks.h5", chunk_size=10 * BLOCK_SIZE).path
    with h5py.File(path, "r") as a, h5py.File(other, "r") as b:
        for name in VARIABLES:
            if name in a:
                assert a[name][()].tobytes() == b[name][()].tobytes(), name


def test_float32_halves_the_floats(make_scenario: Factory, tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": 1000}})
    path = run_scenarios([scenario], tmp_path / "f32.h5",
                         storage=StorageOptions(float32=True)).path
    expected = simulate(scenario, seed=scenario.run.seed or 0)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        assert ds["contribution_usd"].dtype == np.float32
        assert ds["troops"].dtype == np.int32
        np.testing.assert_array_equal(
            ds["contribution_usd"].values, expected["contribution_usd"].astype(np.float32)
        )


def test_compressed_file_has_the_same_values(make_scenario: Factory, tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": 3000}})
    plain = run_scenarios([scenario], tmp_path / "plain.h5").path
    packed = run_scenarios([scenario], tmp_path / "packed.h5",
                           storage=StorageOptions(compress=True)).path
    with h5py.File(plain, "r") as a, h5py.File(packed, "r") as b:
        assert b["contribution_usd"].compression == "gzip"
        np.testing.assert_array_equal(a["contribution_usd"][()], b["contribution_usd"][()])


def test_existing_output_is_kept_without_overwrite(make_scenario: Factory, tmp_path: Path) -> None:
    target = tmp_path / "out.h5"
    target.write_bytes(b"precious")
    scenario = make_scenario({"run": {"samples": 100}})
    with pytest.raises(OutputExistsError, match="exists; pass overwrite=True"):
        run_scenarios([scenario], target)
    assert target.read_bytes() == b"precious"
    run_scenarios([scenario], target, overwrite=True)
    check_result_file(target)


def test_interrupted_run_leaves_nothing(make_scenario: Factory, tmp_path: Path) -> None:
    target = tmp_path / "out.h5"
    target.write_bytes(b"previous result")

    def interrupt(done: int, total: int) -> None:
        assert list(tmp_path.glob(f"*{TEMP_SUFFIX}")), "a temporary file is being written"
        raise KeyboardInterrupt

    scenario = make_scenario({"run": {"samples": 3 * BLOCK_SIZE}})
    with pytest.raises(KeyboardInterrupt):
        run_scenarios([scenario], target, overwrite=True, chunk_size=1, progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5"]
    assert target.read_bytes() == b"previous result"


def test_unseeded_run_records_its_entropy(make_scenario: Factory, tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": 500, "seed": None}})
    result = run_scenarios([scenario], tmp_path / "a.h5")
    assert result.seed_source == "entropy"
    with xr.open_dataset(result.path, engine="h5netcdf") as ds:
        seed = int(ds.attrs["seed"])
        assert ds.attrs["seed_source"] == "entropy"
        np.testing.assert_array_equal(
            ds["fx_krw_per_usd"].values, simulate(scenario, seed=seed)["fx_krw_per_usd"]
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param(b"not hdf5 at all", "not an HDF5/netCDF-4 file", id="text"),
    ],
)
def test_bad_result_files(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "x.h5"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ResultFileError, match=message):
        check_result_file(path)


def test_foreign_and_truncated_files(two_block_run: tuple[Scenario, Path], tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(foreign, engine="h5netcdf")
    with pytest.raises(ResultFileError, match="not a smasim result file"):
        check_result_file(foreign)
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(two_block_run[1].read_bytes()[: 1 << 20])
    with pytest.raises(ResultFileError, match="truncated"):
        check_result_file(truncated)


def test_the_partial_file_appears_only_with_its_whole_structure(
    make_scenario: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []
    create = ResultWriter._create_structure

    def observed(writer: ResultWriter) -> None:
        create(writer)
        # Structure written, not yet renamed: nothing a reader would take for the run's file.
        seen.append(sorted(p.name.rsplit(".", 1)[-1] for p in tmp_path.iterdir()))

    monkeypatch.setattr(ResultWriter, "_create_structure", observed)
    scenario = make_scenario({"run": {"samples": 100}})
    layout = file_layout([scenario], batch=False)
    with ResultWriter(tmp_path / "out.h5", layout, {"smasim_version": "test"}) as writer:
        assert seen == [["smasim-creating"]]
        assert [p.name for p in tmp_path.iterdir()] == [writer.temp.name]
        # Read by another process, as `smasim info` would (this one holds the file open).
        probe = ("import sys; from simcore.io.reader import read_structure; "
                 "s = read_structure(sys.argv[1]); print(s['complete'], s['dims'])")
        done = subprocess.run([sys.executable, "-c", probe, str(writer.temp)],
                              capture_output=True, text=True, check=True, timeout=60)
        assert done.stdout == "False {'sample': 100, 'year': 6}\n"
        writer.release()


def test_a_stale_file_of_an_interrupted_creation_is_removed(tmp_path: Path) -> None:
    temp = temporary_path(tmp_path / "x.h5")
    stale = temp.with_name(temp.name.replace(str(os.getpid()), "999999999")
                           .removesuffix(TEMP_SUFFIX) + CREATING_SUFFIX)
    stale.write_bytes(b"\x89HDF")
    assert final_path(stale) == tmp_path / "x.h5"
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists()

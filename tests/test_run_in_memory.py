"""A small run into a labelled xarray Dataset in memory: what the file would hold, no file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import simcore
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import ConfigError, ParameterError
from simcore.run.in_memory import IN_MEMORY_LIMIT, simulate_dataset
from simcore.run.parallel import InProcessExecutor
from simcore.run.runner import StorageOptions, run_scenarios

Factory = Callable[..., Scenario]
#: Attributes that say when a file was made, or that it is complete: a dataset has neither.
WHEN = ("created", "history", "smasim_complete")


def _opened(path: Path) -> xr.Dataset:
    with xr.open_dataset(path, engine="h5netcdf") as dataset:
        loaded = dataset.load()
    loaded.attrs = {k: v for k, v in loaded.attrs.items() if k not in WHEN}
    return loaded


def _undated(dataset: xr.Dataset) -> xr.Dataset:
    dataset.attrs = {k: v for k, v in dataset.attrs.items() if k not in WHEN}
    return dataset


def test_a_single_run_equals_the_file_run_scenarios_writes(make_scenario: Factory,
                                                            tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": BLOCK_SIZE + 700, "seed": 3}})
    path = run_scenarios([scenario], tmp_path / "run.h5").path
    memory = simulate_dataset([scenario])
    # Values, dtypes, dimensions, coordinates, every CF attribute, the provenance.
    xr.testing.assert_identical(_undated(memory), _opened(path))
    assert memory["contribution_usd"].dims == ("sample", "year")
    assert memory["year"].dtype == np.int32
    assert memory["negotiation_outcome"].attrs["flag_meanings"].startswith("no_negotiation ")
    assert memory.attrs["seed"] == "3" and memory.attrs["Conventions"] == "CF-1.8"
    assert list(tmp_path.iterdir()) == [path]


def test_a_batch_with_storage_options_and_swept_coordinates_equals_its_file(
    make_scenario: Factory, tmp_path: Path
) -> None:
    a = make_scenario({"run": {"samples": 3000, "seed": 5}})
    b = make_scenario({"run": {"name": "lapse", "samples": 3000, "seed": 5},
                       "agreement": {"escalation": {"rule": "defense_budget", "lag": 1}}})
    storage = StorageOptions(float32=True, store=["contribution_usd", "defense_growth",
                                                  "negotiation_outcome"])
    swept = {"sweep_x": (np.array([1.5, 2.5]), {"long_name": "swept value of x"})}
    path = run_scenarios([a, b], tmp_path / "batch.h5", batch=True, seed=9, storage=storage,
                         scenario_coords=swept).path
    memory = simulate_dataset([a, b], batch=True, seed=9, storage=storage, scenario_coords=swept,
                              executor=InProcessExecutor(2))
    xr.testing.assert_identical(_undated(memory), _opened(path))
    assert list(memory.data_vars) == ["defense_growth", "negotiation_outcome",
                                      "contribution_usd"]
    assert memory["contribution_usd"].dtype == np.float32
    assert memory.attrs["summary_only_variables"].split()[0] == "inflation_kr"
    np.testing.assert_array_equal(memory["sweep_x"], [1.5, 2.5])


def test_it_checks_its_scenarios_as_a_run_does(make_scenario: Factory) -> None:
    a = make_scenario({"run": {"samples": 100}})
    other = make_scenario({"run": {"name": "b", "samples": 200}})
    with pytest.raises(ConfigError, match=r"scenarios\[0\] has 100, scenarios\[1\] has 200"):
        simulate_dataset([a, other], batch=True)
    with pytest.raises(ParameterError, match=r"^scenarios: 2 scenarios need batch=True"):
        simulate_dataset([a, other])


def test_a_run_above_the_limit_is_refused_with_the_way_to_a_file(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 2_000_000}})
    message = (r"^max_bytes: 2,000,000 paths hold 1\.\d GB, more than the 1\.0 GB an in-memory "
               r"run may; run to a file \(run_scenarios\) and open it lazily with "
               r"xarray\.open_dataset\(path, chunks=\{'sample': 65536\}\), keep fewer "
               r"variables \(StorageOptions\(store=\[\.\.\.\]\)\), or raise max_bytes$")
    with pytest.raises(ParameterError, match=message):
        simulate_dataset([scenario])
    assert IN_MEMORY_LIMIT == 10**9
    # Under a limit the caller sets: two variables of 300 paths fit where all do not.
    small = make_scenario({"run": {"samples": 300}})
    kept = StorageOptions(store=["contribution_usd", "troops"])
    limit = 300 * small.run.horizon * (8 + 4)  # float64 and int32 a path-year
    with pytest.raises(ParameterError, match=r"^max_bytes: 300 paths hold .* kB, more than"):
        simulate_dataset([small], max_bytes=limit)
    dataset = simulate_dataset([small], storage=kept, max_bytes=limit)
    assert list(dataset.data_vars) == ["troops", "contribution_usd"]
    assert dataset["troops"].shape == (300, small.run.horizon)


def test_the_root_api_offers_it() -> None:
    assert simcore.simulate_dataset is simulate_dataset
    assert simcore.StorageOptions is StorageOptions
    assert {"simulate_dataset", "StorageOptions"} <= set(simcore.__all__)

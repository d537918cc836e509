"""Outcome codes mean the same in every file (MODEL.md §9): files concatenate without
relabelling, and each file names the configured outcome behind each code."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario, scenario_from_dict
from simcore.io.reader import read_outcome_frequency
from simcore.read.queries import outcome_rows
from simcore.run.runner import run_scenarios
from tests.conftest import BASELINE, result_file

N, SEED = 400, 5
NAMES = ("baseline", "history", "lapse")


@pytest.fixture(scope="module")
def single_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("single-runs")
    return {name: result_file(folder, [name], samples=N, seed=SEED, batch=False)
            for name in NAMES}


def _decode(codes: xr.DataArray) -> np.ndarray:
    """Codes as words, by the CF flag attributes the array carries."""
    attrs = codes.attrs
    meaning = dict(zip(np.asarray(attrs["flag_values"]).tolist(),
                       str(attrs["flag_meanings"]).split(), strict=True))
    return np.vectorize(meaning.__getitem__, otypes=[object])(codes.values)


@pytest.mark.parametrize("order", [NAMES, NAMES[::-1]], ids=["baseline-first", "lapse-first"])
def test_concatenated_run_files_keep_every_meaning(
    single_runs: dict[str, Path], order: tuple[str, ...]
) -> None:
    """xr.concat keeps the first file's flag attributes: they must hold for every file."""
    opened = [xr.open_dataset(single_runs[name], engine="h5netcdf") for name in order]
    try:
        combined = xr.concat([ds["negotiation_outcome"] for ds in opened],
                             dim=pd.Index(list(order), name="scenario"))
        for name, ds in zip(order, opened, strict=True):
            assert ds["negotiation_outcome"].attrs["flag_meanings"] == (
                "no_negotiation status_quo demand lapse increase")
            np.testing.assert_array_equal(_decode(combined.sel(scenario=name)),
                                          _decode(ds["negotiation_outcome"]))
        words = {name: _decode(combined.sel(scenario=name)) for name in order}
    finally:
        for ds in opened:
            ds.close()
    # The example: a 100%-lapse scenario stays a lapse (its code was 0, "status_quo"
    # or "increase" once concatenated with another file's labels).
    assert set(words["lapse"][:, -1]) == {"lapse"}
    assert set(words["history"].ravel()) == {"no_negotiation", "increase", "lapse"}
    assert set(words["baseline"].ravel()) == {"no_negotiation", "status_quo", "demand", "lapse"}


def test_concatenated_summaries_align_outcomes_by_code(single_runs: dict[str, Path]) -> None:
    summaries = [xr.open_dataset(single_runs[name], engine="h5netcdf", group="summary")
                 for name in NAMES]
    try:
        combined = xr.concat(summaries, dim=pd.Index(list(NAMES), name="scenario"), join="outer",
                             data_vars="all")
        frequency = combined["negotiation_outcome_frequency"]
        assert list(combined["outcome"].values) == [-1, 0, 1, 2, 3]
        assert frequency.sel(scenario="lapse", outcome=2, year=2031) == 1.0
        assert frequency.sel(scenario="history", outcome=3, year=2031) > 0.5
        assert np.isnan(frequency.sel(scenario="history", outcome=1)).all()  # no demand
        assert combined["outcome_name"].sel(scenario="history", outcome=3) == "increase"
    finally:
        for ds in summaries:
            ds.close()


def _two_demands(baseline: dict[str, Any]) -> Scenario:
    """The baseline with its demand split in two named demands, a large one listed last."""
    data = copy.deepcopy(baseline)
    outcomes = data["negotiation"]["outcomes"]
    small = outcomes[1] | {"name": "small", "probability": 0.2, "demand_usd": 5e9}
    big = copy.deepcopy(small) | {"name": "big", "probability": 0.15, "demand_usd": 10e9}
    data["negotiation"]["outcomes"] = [outcomes[0], small, outcomes[2], big]
    data["run"] |= {"name": "two-demands", "samples": N}
    return scenario_from_dict(data)


def test_a_repeated_kind_has_a_stable_code_and_the_file_names_each_entry(
    baseline_dict: dict[str, Any], tmp_path: Path
) -> None:
    two = _two_demands(baseline_dict)
    assert two.outcome_codes == [0, 1, 2, 9]
    base = load_scenario(BASELINE).with_overrides(samples=N)
    path = run_scenarios([base, two], tmp_path / "two.h5", batch=True, seed=SEED).path
    with (xr.open_dataset(path, engine="h5netcdf") as ds,
          xr.open_dataset(path, engine="h5netcdf", group="summary") as summary):
        attrs = ds["negotiation_outcome"].attrs
        assert list(attrs["flag_values"]) == [-1, 0, 1, 2, 3, 9]
        assert attrs["flag_meanings"].split()[-1] == "demand_2"
        codes = ds["negotiation_outcome"].sel(scenario="two-demands").values
        assert list(summary["outcome"].values) == [-1, 0, 1, 2, 9]
        assert summary["outcome_name"].values.tolist() == [
            ["no_negotiation", "status_quo", "demand", "lapse", ""],
            ["no_negotiation", "status_quo", "small", "lapse", "big"],
        ]
    assert set(np.unique(codes)) == {-1, 0, 1, 2, 9}
    rows = outcome_rows(path, scenarios=["two-demands"])
    assert [(r.outcome, r.code) for r in rows if r.year == 2031] == [
        ("no_negotiation", -1), ("status_quo", 0), ("small", 1), ("lapse", 2), ("big", 9)]
    for row in rows:
        share = np.mean(codes[:, row.year - 2026] == row.code)
        assert row.probability == pytest.approx(share, abs=1e-15)
    # The baseline has no second demand: no row for it.
    assert {r.code for r in outcome_rows(path, scenarios=["baseline"])} == {-1, 0, 1, 2}


def test_a_file_without_names_reads_its_codes_by_its_own_flag_meanings(
    single_runs: dict[str, Path], tmp_path: Path
) -> None:
    """Files written before outcomes had names: each code is named by its meaning."""
    old = tmp_path / "old.h5"
    old.write_bytes(single_runs["history"].read_bytes())
    with h5py.File(old, "r+") as handle:
        del handle["summary"]["outcome_name"]
    frequency = read_outcome_frequency(old)
    assert frequency.codes.tolist() == [-1, 2, 3]
    assert frequency.names.tolist() == [["no_negotiation", "lapse", "increase"]]
    assert frequency.share.shape == (1, 3, 6)

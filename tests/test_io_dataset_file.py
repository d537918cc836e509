"""The one writer and reader of smasim's files that are not runs (io.dataset_file): atomic
writes, the kind, provenance and CF attributes, integer years, one-line refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from simcore.core.errors import OutputExistsError, ResultFileError
from simcore.io.dataset_file import check_dataset, read_dataset, write_dataset
from simcore.io.layout import KIND_ATTR, OTHER_KINDS
from simcore.io.provenance import origin_attrs
from tests.conftest import result_file


def _dataset(year_dtype: str = "int32") -> xr.Dataset:
    return xr.Dataset(
        {"share": (("year",), np.array([0.25, 0.5]), {"long_name": "a share", "units": "1"})},
        coords={"year": ("year", np.array([2026, 2027], dtype=year_dtype),
                         {"long_name": "calendar year", "units": "1"})},
        attrs={"title": "a test", "source": "the test's own"},
    )


def test_a_dataset_round_trips_with_its_kind_and_provenance(tmp_path: Path) -> None:
    path = write_dataset(_dataset(), tmp_path / "new" / "t.nc", kind="backtest",
                         provenance=origin_attrs("smasim test"))
    assert path == tmp_path / "new" / "t.nc"
    assert sorted(p.name for p in path.parent.iterdir()) == ["t.nc"]  # no partial file left
    read = read_dataset(path, kind="backtest")
    xr.testing.assert_equal(read, _dataset())
    assert read["year"].dtype == np.int32 and read["share"].attrs["long_name"] == "a share"
    # Provenance first, the dataset's own attributes after it (and winning), the kind last.
    keys = list(read.attrs)
    assert keys[0] == "Conventions" and keys[-1] == KIND_ATTR
    assert read.attrs["Conventions"] == "CF-1.8" and read.attrs[KIND_ATTR] == "backtest"
    assert read.attrs["source"] == "the test's own" and read.attrs["title"] == "a test"
    assert read.attrs["history"].endswith(" smasim test")
    assert "smasim_version" in read.attrs and "library_versions" in read.attrs
    with h5py.File(path, "r") as handle:
        assert handle.attrs[KIND_ATTR] == "backtest"


def test_an_existing_file_is_replaced_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "t.nc"
    path.write_bytes(b"mine")
    with pytest.raises(OutputExistsError, match=r"t\.nc: exists; pass overwrite=True"):
        write_dataset(_dataset(), path, kind="backtest", provenance=origin_attrs("x"))
    assert path.read_bytes() == b"mine"
    write_dataset(_dataset(), path, kind="backtest", provenance=origin_attrs("x"),
                  overwrite=True)
    assert read_dataset(path, kind="backtest")["share"].values.tolist() == [0.25, 0.5]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda d: d.assign_coords(year=d["year"].astype(str)),
                     r"backtest dataset, year: years stored as <U\d+; years are integers",
                     id="text-years"),
        pytest.param(lambda d: d.assign_coords(year=d["year"].astype(float)),
                     "years stored as float64", id="float-years"),
        pytest.param(lambda d: d.assign(share=d["share"].assign_attrs(long_name="")),
                     "share: no long_name attribute", id="no-long-name"),
        pytest.param(lambda d: d.assign(count=("year", np.array([1, 2], dtype=np.int64),
                                               {"long_name": "a count"})),
                     "count: 64-bit integers, which CF-1.8 does not have", id="int64"),
    ],
)
def test_a_dataset_that_breaks_the_contract_is_a_bug_found_before_writing(
    tmp_path: Path, change: Callable[[xr.Dataset], xr.Dataset], message: str
) -> None:
    dataset = change(_dataset())
    with pytest.raises(ValueError, match=message):
        write_dataset(dataset, tmp_path / "t.nc", kind="backtest", provenance=origin_attrs("x"))
    assert list(tmp_path.iterdir()) == []


def test_a_lead_in_years_counts_years_too() -> None:
    dataset = _dataset().assign_coords(lead=("lead", [0.5], {"long_name": "ahead",
                                                            "units": "year"}))
    with pytest.raises(ValueError, match="lead: years stored as float64"):
        check_dataset(dataset, kind="backtest")


def test_kinds_and_provenance_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"kind 'explore': not a file kind of "
                       r"simcore\.io\.layout\.OTHER_KINDS \(sensitivity, backtest, discover\)"):
        write_dataset(_dataset(), tmp_path / "t.nc", kind="explore",
                      provenance=origin_attrs("x"))
    with pytest.raises(ValueError, match="provenance: no smasim_version"):
        write_dataset(_dataset(), tmp_path / "t.nc", kind="backtest", provenance={})
    assert set(OTHER_KINDS) == {"sensitivity", "backtest", "discover"}


def test_each_wrong_file_is_one_line(tmp_path: Path) -> None:
    backtest = write_dataset(_dataset(), tmp_path / "b.nc", kind="backtest",
                             provenance=origin_attrs("x"))
    foreign = tmp_path / "foreign.nc"
    _dataset().to_netcdf(foreign, engine="h5netcdf")
    text = tmp_path / "text.nc"
    text.write_text("not netcdf")
    run = result_file(tmp_path, ["baseline"], samples=100, seed=1, batch=False)
    cases = {
        tmp_path / "missing.nc": f"{tmp_path / 'missing.nc'}: no such file",
        tmp_path: f"{tmp_path}: is a directory, not a smasim sensitivity file",
        text: f"{text}: not a readable netCDF-4 file (",
        backtest: f"{backtest}: not a smasim sensitivity file; it is a smasim backtest file, "
                  f"read by {OTHER_KINDS['backtest']}",
        run: f"{run}: not a smasim sensitivity file; it is a smasim run, read by smasim "
             "summary, compare, plot or report",
        foreign: f"{foreign}: not a smasim sensitivity file; smasim did not write it",
    }
    for path, message in cases.items():
        with pytest.raises(ResultFileError) as caught:
            read_dataset(path, kind="sensitivity")
        assert str(caught.value).startswith(message), str(caught.value)
        assert "\n" not in str(caught.value)

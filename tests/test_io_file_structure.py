"""A result file's structure is what xarray's ``to_netcdf`` writes for the same dataset.

The writer creates the structure through h5netcdf (xarray's writer would import dask for
lazy placeholders); every netCDF client reads what xarray writes, so the oracle here is
xarray itself: dimensions, variables in creation order, dtypes, storage, fill values, CF
attributes (``coordinates`` included) and dimension scales must all be the same.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
import xarray as xr

from simcore.config.load import load_scenario
from simcore.io.layout import (
    SUMMARY_FLOAT_ATTR,
    SUMMARY_ONLY_ATTR,
    FileLayout,
    _coordinates,
    _variable_attrs,
    file_layout,
)
from simcore.io.provenance import provenance_attrs
from simcore.io.writer import ResultWriter
from tests.conftest import ROOT

SCENARIOS = [load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(samples=1_000)
             for name in ("baseline", "drawdown")]
SWEPT = {
    "fx_volatility": (np.array([0.1, 0.2]), {"long_name": "swept value of fx.volatility"}),
    "agreement_term": (np.array([3, 5], dtype=np.int32), {"long_name": "swept value of term"}),
    "outcome_table": (np.array(["{ a = 1 }", "{ a = 2 }"], dtype=object),
                      {"long_name": "swept value of outcomes"}),
}
LAYOUTS = {
    "single": file_layout(SCENARIOS[:1], batch=False),
    "batch": file_layout(SCENARIOS, batch=True),
    "float32, compressed": file_layout(SCENARIOS, batch=True, float32=True, compress=True),
    "sweep": replace(file_layout(SCENARIOS, batch=True, store=["contribution_usd"]),
                     scenario_coords=SWEPT),
    "store none": file_layout(SCENARIOS[:1], batch=False, store=[]),
    "sweep, store none": replace(file_layout(SCENARIOS, batch=True, store=[]),
                                 scenario_coords=SWEPT),
}


def _xarray_structure(path: Path, layout: FileLayout, attrs: dict[str, Any]) -> None:
    """The structure as xarray writes it, with dask placeholders for the samples."""
    import dask.array

    data_vars = {
        name: (layout.dims(name),
               dask.array.empty(layout.shape(name), dtype=layout.dtype(name),
                                chunks=layout.shape(name)),
               _variable_attrs(name, layout))
        for name in layout.variables
    }
    attrs = dict(attrs)
    if layout.summary_only:
        attrs[SUMMARY_ONLY_ATTR] = " ".join(layout.summary_only)
        attrs[SUMMARY_FLOAT_ATTR] = "float32" if layout.float32 else "float64"
    encoding: dict[str, dict[str, Any]] = {}
    for name in layout.variables:
        encoding[name] = {"dtype": layout.dtype(name), "_FillValue": None}
        if layout.compress:
            encoding[name].update(zlib=True, complevel=4, chunksizes=tuple(
                min(size, 65536) if dim == "sample" else 1 if dim == "scenario" else size
                for dim, size in zip(layout.dims(name), layout.shape(name), strict=True)))
        else:
            encoding[name]["contiguous"] = True
    xr.Dataset(data_vars, coords=_coordinates(layout), attrs=attrs).to_netcdf(
        path, engine="h5netcdf", encoding=encoding, compute=False, invalid_netcdf=False)


def _attr(handle: h5py.File, key: str, value: Any) -> Any:
    if key == "DIMENSION_LIST":
        return [[handle[ref].name for ref in refs] for refs in value]
    if key == "REFERENCE_LIST":
        return [(handle[ref].name, int(index)) for ref, index in value]
    if isinstance(value, np.ndarray):
        return value.dtype.str, repr(value.tolist())  # repr: NaN equals NaN
    if isinstance(value, np.generic):
        return value.dtype.str, value.item()
    return type(value).__name__, value


def _structure(path: Path) -> list[tuple[Any, ...]]:
    """Everything about a file but its data and the netCDF library's version stamp."""
    entries: list[tuple[Any, ...]] = []
    with h5py.File(path, "r") as handle:
        def attrs(obj: h5py.HLObject) -> dict[str, Any]:
            return {key: _attr(handle, key, value) for key, value in obj.attrs.items()
                    if key != "_NCProperties"}

        def visit(name: str, obj: h5py.HLObject) -> None:
            if isinstance(obj, h5py.Dataset):
                plist = obj.id.get_create_plist()
                fill = obj.fillvalue if obj.dtype.kind in "fiu" else None
                entries.append((name, obj.shape, obj.dtype.str,
                                str(h5py.check_string_dtype(obj.dtype)), obj.chunks,
                                obj.compression, obj.compression_opts, str(fill),
                                plist.get_fill_time(), plist.get_layout(), attrs(obj)))
            else:
                entries.append((name, attrs(obj)))

        entries.append(("/", attrs(handle)))
        handle.visititems(visit)
    return entries


@pytest.mark.parametrize("case", LAYOUTS)
def test_the_structure_is_what_xarray_writes(case: str, tmp_path: Path) -> None:
    layout = LAYOUTS[case]
    attrs = provenance_attrs(SCENARIOS, seed=2**100 + 7, seed_source="entropy",
                             command="smasim batch")
    oracle = tmp_path / "xarray.h5"
    _xarray_structure(oracle, layout, attrs)
    with ResultWriter(tmp_path / "run.h5", layout, attrs) as writer:
        writer.release()
        assert _structure(writer.temp) == _structure(oracle)

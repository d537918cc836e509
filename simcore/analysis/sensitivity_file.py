"""The sensitivity file: one netCDF-4 file per analysis (METHODS.md §S).

Dimensions ``variable``, ``year`` (calendar years as text, and ``"horizon"`` for totals over
the horizon), ``group`` and ``input``; variables ``shapley``, ``shapley_se``, ``closed``,
``total`` (variable, year, group), ``variance_ratio`` and ``status`` (variable, year), and
``rank_correlation`` (variable, year, input). Global attributes carry the configuration and
the seed as in a run file, and the estimator's sizes. Written through xarray (engine
h5netcdf) under a temporary name and renamed when complete."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from simcore.analysis.sensitivity import STATUS_MEANINGS, SensitivityResult
from simcore.core.errors import ResultFileError
from simcore.io.atomic import replacing
from simcore.io.layout import KIND_ATTR
from simcore.io.provenance import provenance_attrs

#: The value of :data:`~simcore.io.layout.KIND_ATTR` that marks a sensitivity file.
KIND = "sensitivity"


_INDEX_ATTRS = {
    "shapley": "Shapley effect of the input group: its share of the output's variance",
    "shapley_se": "standard error of the Shapley effect (batch means)",
    "closed": "closed (first-order) index of the group: Var(E[Y | X_group]) / Var(Y)",
    "total": "total index of the group: E[Var(Y | X_other groups)] / Var(Y)",
}


def sensitivity_dataset(result: SensitivityResult, *, command: str) -> xr.Dataset:
    """The result as an xarray Dataset with CF attributes and provenance."""
    scenario = result.scenario
    triple = ("variable", "year", "group")
    data_vars: dict[str, tuple[Any, ...]] = {
        name: (triple, getattr(result, name), {"units": "1", "long_name": text})
        for name, text in _INDEX_ATTRS.items()
    }
    data_vars["variance_ratio"] = (
        ("variable", "year"),
        result.variance_ratio,
        {"units": "1", "long_name": "nested variance estimate over the plain variance of an "
         "independent sample (1 within Monte Carlo error)"},
    )
    data_vars["status"] = (
        ("variable", "year"),
        result.status.astype(np.int8),
        {"long_name": "whether the indices are estimated",
         "flag_values": np.arange(len(STATUS_MEANINGS), dtype=np.int8),
         "flag_meanings": " ".join(STATUS_MEANINGS)},
    )
    data_vars["rank_correlation"] = (
        ("variable", "year", "input"),
        result.rank_correlation,
        {"units": "1", "long_name": "Spearman rank correlation of the output with the input "
         f"over {result.tornado_samples} paths of an ordinary run"},
    )
    coords = {
        "variable": ("variable", list(result.variables), {"long_name": "output variable"}),
        "year": ("year", [str(y) for y in result.years],
                 {"long_name": "calendar year, or 'horizon' for a total over the horizon"}),
        "group": ("group", list(result.groups), {"long_name": "group of random inputs"}),
        "input": ("input", list(result.inputs), {"long_name": "scalar random input"}),
    }
    attrs = provenance_attrs([scenario], seed=result.seed, seed_source=result.seed_source,
                             command=command)
    attrs.update({
        "title": "smasim: which uncertainty drives each year (grouped Shapley effects)",
        KIND_ATTR: KIND,
        "outer_draws": result.outer,
        "inner_draws": result.inner,
        "batches": result.batches,
        "tornado_samples": result.tornado_samples,
    })
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def write_sensitivity(
    result: SensitivityResult, path: str | Path, *, command: str, overwrite: bool = False
) -> Path:
    """Write the result to ``path``: under a temporary name, renamed when complete.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False, or ``path`` is a directory.
    """
    path = Path(path)
    dataset = sensitivity_dataset(result, command=command)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path, overwrite=overwrite) as temp:
        dataset.to_netcdf(temp, engine="h5netcdf")
    return path


def read_sensitivity(path: str | Path) -> xr.Dataset:
    """A sensitivity file, loaded into memory.

    Raises
    ------
    ResultFileError
        Missing, unreadable, or not a smasim sensitivity file.
    """
    path = Path(path)
    if not path.is_file():
        raise ResultFileError(f"{path}: no such file")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as dataset:
            loaded = dataset.load()
    except (OSError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ResultFileError(f"{path}: not a readable netCDF-4 file ({reason})") from None
    if loaded.attrs.get(KIND_ATTR) != KIND:
        raise ResultFileError(
            f"{path}: not a smasim sensitivity file (write one with smasim sensitivity)"
        )
    return loaded

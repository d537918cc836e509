"""The sensitivity file: one netCDF-4 file per analysis (METHODS.md §S).

In the file, dimensions ``variable``, ``year`` (calendar years, int32), ``group`` and
``input``; variables ``shapley``, ``shapley_se``, ``closed``, ``total`` (variable, year,
group), ``variance_ratio`` and ``status`` (variable, year), and ``rank_correlation``
(variable, year, input). A horizon variable (a total over the horizon) has no year: its
results are in the same variables with the suffix ``_horizon`` and no ``year`` dimension
(``shapley_horizon (variable, group)`` …), present when one is analysed. Global attributes
carry the configuration and the seed as in a run file, and the estimator's sizes. Written and
read through :mod:`simcore.io.dataset_file` (kind ``sensitivity``).

:func:`read_sensitivity` gives the analysis's view of a file: one ``year`` dimension labelled
by text, the calendar years then ``"horizon"`` (what the tables and figures read), as files
of smasim 0.1 stored it; such files are read as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from simcore.analysis.sensitivity import STATUS_MEANINGS, SensitivityResult
from simcore.core.records import HORIZON
from simcore.io.dataset_file import read_dataset, write_dataset
from simcore.io.provenance import provenance_attrs

#: The file kind (:data:`~simcore.io.layout.OTHER_KINDS`) of a sensitivity file.
KIND = "sensitivity"

#: Suffix of the variables holding the results of horizon variables, which have no year.
HORIZON_SUFFIX = "_horizon"

#: The ``year`` coordinate of the analysis's view (:func:`read_sensitivity`).
_LABELLED_YEAR = {"long_name": "calendar year, or 'horizon' for a total over the horizon"}


_INDEX_ATTRS = {
    "shapley": "Shapley effect of the input group: its share of the output's variance",
    "shapley_se": "standard error of the Shapley effect (batch means)",
    "closed": "closed (first-order) index of the group: Var(E[Y | X_group]) / Var(Y)",
    "total": "total index of the group: E[Var(Y | X_other groups)] / Var(Y)",
}


def labelled_dataset(result: SensitivityResult) -> xr.Dataset:
    """The result as the analysis sees it: one ``year`` dimension labelled by text, the
    calendar years then ``"horizon"`` (what :func:`read_sensitivity` gives back)."""
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
        "year": ("year", [str(y) for y in result.years], _LABELLED_YEAR),
        "group": ("group", list(result.groups), {"long_name": "group of random inputs"}),
        "input": ("input", list(result.inputs), {"long_name": "scalar random input"}),
    }
    attrs = {
        "title": "smasim: which uncertainty drives each year (grouped Shapley effects)",
        "outer_draws": result.outer,
        "inner_draws": result.inner,
        "batches": result.batches,
        "tornado_samples": result.tornado_samples,
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def sensitivity_dataset(result: SensitivityResult) -> xr.Dataset:
    """The result as the file stores it: integer years, horizon variables apart (the module's
    layout), with CF attributes; provenance is added when it is written."""
    labelled = labelled_dataset(result)
    labels = [str(y) for y in labelled["year"].values]
    calendar = [label for label in labels if label != HORIZON]
    by_year = [str(name) for name in labelled.data_vars if "year" in labelled[name].dims]
    if calendar:
        stored = labelled.sel(year=calendar).assign_coords(
            year=("year", np.asarray(calendar, dtype=np.int32),
                  {"long_name": "calendar year", "units": "1"}))
    else:  # horizon variables only: no year at all
        stored = labelled.drop_vars([*by_year, "year"])
    if HORIZON in labels:
        total = labelled.sel(year=HORIZON, drop=True)
        for name in by_year:
            stored[name + HORIZON_SUFFIX] = total[name].assign_attrs(
                comment="of the horizon variables: totals over the horizon, which have no year"
            )
    return stored


def write_sensitivity(
    result: SensitivityResult, path: str | Path, *, command: str, overwrite: bool = False
) -> Path:
    """Write the result to ``path``: under a temporary name, renamed when complete.

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False, or ``path`` is a directory.
    """
    provenance = provenance_attrs([result.scenario], seed=result.seed,
                                  seed_source=result.seed_source, command=command)
    return write_dataset(sensitivity_dataset(result), path, kind=KIND, provenance=provenance,
                         overwrite=overwrite)


def read_sensitivity(path: str | Path) -> xr.Dataset:
    """A sensitivity file, loaded into memory, in the analysis's view: one ``year``
    dimension labelled ``"2026"`` … and ``"horizon"`` (see the module).

    Raises
    ------
    ResultFileError
        Missing, unreadable, or not a smasim sensitivity file.
    """
    stored = read_dataset(path, kind=KIND)
    if "year" in stored.coords and stored["year"].dtype.kind in "OSU":
        return stored  # smasim 0.1: the years were text already
    totals = [str(name) for name in stored.data_vars if str(name).endswith(HORIZON_SUFFIX)]
    parts = []
    if "year" in stored.dims:
        yearly = stored.drop_vars(totals)
        parts.append(yearly.assign_coords(
            year=("year", [str(y) for y in stored["year"].values], _LABELLED_YEAR)))
    if totals:
        horizon = stored[totals].rename({name: name.removesuffix(HORIZON_SUFFIX)
                                         for name in totals})
        horizon = horizon.expand_dims(year=[HORIZON]).assign_coords(
            year=("year", [HORIZON], _LABELLED_YEAR))
        for name in horizon.data_vars:
            horizon[name].attrs.pop("comment", None)
        parts.append(horizon)
    labelled = xr.concat(parts, dim="year", combine_attrs="override") if len(parts) > 1 \
        else parts[0]
    return labelled.transpose("variable", "year", ...)

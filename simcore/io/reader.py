"""Reading result files: checking them, their structure, samples, summaries and outcome counts.

The read side's only contact with HDF5 (h5py) and xarray; :mod:`simcore.read.select` builds on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import xarray as xr

from simcore.core.errors import (
    PathsNotStoredError,
    ResultFileError,
    literal,
)
from simcore.core.variables import VARIABLES
from simcore.io.layout import (
    _INTERNAL_ATTRS,
    COMPLETE_ATTR,
    KIND_ATTR,
    OTHER_KINDS,
    SUMMARY_GROUP,
    SUMMARY_ONLY_ATTR,
    SUMMARY_STATISTICS,
    OutcomeFrequency,
)

_log = logging.getLogger(__name__)


def read_structure(path: str | Path) -> dict[str, Any]:
    """What a result file holds, complete or not, without reading its samples.

    Parameters
    ----------
    path : str or Path
        A smasim result file (or the partial file of an interrupted run).

    Returns
    -------
    dict
        ``attrs`` (global attributes, decoded), ``dims`` (name to size), ``coords`` (name
        to list of values, for ``year`` and ``scenario``), ``variables`` (name to a dict of
        ``dims``, ``dtype``, ``units``, ``long_name``, ``compression``: ``"zlib"`` or None),
        ``groups`` (names), ``group_descriptions`` (per group but the summary, its
        ``attrs`` and its one-dimensional ``variables``' attributes) and ``complete``.
    """
    path = check_result_file(path, complete=False)
    variables: dict[str, dict[str, Any]] = {}
    dims: dict[str, int] = {}
    coords: dict[str, list[Any]] = {}
    try:
        # h5py alone (xarray would import dask), and without HDF5's lock: the partial file
        # of a run in progress is described too.
        with h5py.File(path, "r", locking=False) as handle:
            attrs = _global_attrs(handle)
            groups = [name for name, item in handle.items() if isinstance(item, h5py.Group)]
            described = {name: _group_description(handle[name]) for name in groups
                         if name != SUMMARY_GROUP}
            for name, item in handle.items():
                if not isinstance(item, h5py.Dataset):
                    continue
                if item.attrs.get("CLASS") == b"DIMENSION_SCALE":
                    if _attr_value(item.attrs.get("NAME", b"")) == name:  # a coordinate
                        values = item.asstr()[()] if h5py.check_string_dtype(item.dtype) \
                            else item[()]
                        coords[name] = [v.item() if isinstance(v, np.generic) else v
                                        for v in values]
                    continue
                names = _dimension_names(item)
                if names == ("scenario",):  # a batch's coordinate (a sweep's values)
                    continue
                dims.update((d, int(n)) for d, n in zip(names, item.shape, strict=True)
                            if d not in dims)
                variables[name] = {
                    "dims": names,
                    "dtype": str(item.dtype),
                    "units": _attr_value(item.attrs.get("units", "")),
                    "long_name": _attr_value(item.attrs.get("long_name", "")),
                    "compression": "zlib" if item.compression == "gzip" else None,
                }
    except OSError as err:
        raise _unreadable(path, err) from None
    # A file that keeps no paths (--store none) has its dimensions in its coordinates only.
    for name, values in coords.items():
        dims.setdefault(name, len(values))
    return {
        "attrs": attrs,
        "dims": dims,
        "coords": coords,
        "variables": variables,
        "groups": groups,
        "group_descriptions": described,
        # A sensitivity or backtest file is written whole and renamed: it is complete.
        "complete": (COMPLETE_ATTR in attrs and SUMMARY_GROUP in groups)
                    or attrs.get(KIND_ATTR) in OTHER_KINDS,
    }


def existing_file(path: str | Path, what: str) -> Path:
    """``path``, or :class:`ResultFileError` if it does not exist or is a directory (not
    ``what`` a command expected, e.g. ``"a result file"``)."""
    path = Path(path)
    if not path.exists():
        raise ResultFileError(f"{path}: no such file")
    if path.is_dir():
        raise ResultFileError(f"{path}: is a directory, not {what}")
    return path


def check_result_file(path: str | Path, *, complete: bool = True) -> Path:
    """Raise :class:`ResultFileError` unless ``path`` is a smasim result file.

    Parameters
    ----------
    path : str or Path
        The file to check.
    complete : bool
        Also require the file to be complete (its run finished and wrote the summary);
        ``False`` accepts the partial file of an interrupted run, e.g. to describe it.

    Returns
    -------
    Path
        ``path``, checked.

    Raises
    ------
    ResultFileError
        One line naming the file and what is wrong: missing, a directory, unreadable, not
        HDF5 (a netCDF-3 file is named as such), truncated, not written by smasim, or
        incomplete.
    """
    path = existing_file(path, "a result file")
    try:
        if not h5py.is_hdf5(path):
            with path.open("rb") as handle:
                classic = handle.read(4)[:3] == b"CDF"
            kind = "a netCDF-3 file" if classic else "not an HDF5/netCDF-4 file"
            raise ResultFileError(f"{path}: {kind}, not a smasim result file")
        # A partial file may be open in the run writing it, which holds HDF5's lock.
        with h5py.File(path, "r", locking=complete) as handle:
            attrs = handle.attrs
            if "smasim_version" not in attrs:
                raise ResultFileError(f"{path}: not a smasim result file (no smasim_version)")
            kind = _attr_value(attrs.get(KIND_ATTR, ""))
            if complete and kind in OTHER_KINDS:
                raise ResultFileError(
                    f"{path} is a smasim {kind} file, not a run: use {OTHER_KINDS[kind]}"
                )
            if complete and COMPLETE_ATTR not in attrs:
                raise ResultFileError(f"{path}: incomplete result file (the run did not finish)")
            if complete and SUMMARY_GROUP not in handle:
                raise ResultFileError(f"{path}: has no '{SUMMARY_GROUP}' group")
    except PermissionError:
        raise ResultFileError(f"{path}: not readable (permission denied)") from None
    except OSError as err:
        if "unable to lock file" in str(err):
            raise ResultFileError(
                f"{path}: locked by a process writing it; wait until it has finished"
            ) from None
        raise _unreadable(path, err) from None
    return path


def open_summary(path: str | Path) -> xr.Dataset:
    """The ``summary`` group of a result file, loaded into memory, with the file's attrs."""
    path = check_result_file(path)
    with xr.open_dataset(path, group=SUMMARY_GROUP, engine="h5netcdf") as group:
        summary = group.load()
    with h5py.File(path, "r") as handle:
        summary.attrs.update(_global_attrs(handle))
    return summary


def _group_description(group: h5py.Group) -> dict[str, Any]:
    """A group's attributes, and the attributes of its one-dimensional variables (an
    exploration's design: each varied key's law and range), decoded."""
    variables = {
        name: {k: _attr_value(v) for k, v in item.attrs.items() if k not in _INTERNAL_ATTRS}
        for name, item in group.items()
        if isinstance(item, h5py.Dataset) and item.ndim == 1
    }
    return {"attrs": _global_attrs(group), "variables": variables}


def _dimension_names(dataset: h5py.Dataset) -> tuple[str, ...]:
    """Names of a netCDF-4 variable's dimensions (its attached dimension scales)."""
    return tuple(dim[0].name.rsplit("/", 1)[-1] for dim in dataset.dims)


def _global_attrs(handle: h5py.File) -> dict[str, Any]:
    """A file's global attributes, decoded, without HDF5/netCDF bookkeeping (``_…``)."""
    return {k: _attr_value(v) for k, v in handle.attrs.items() if not k.startswith("_")}


def _unreadable(path: Path, err: OSError) -> ResultFileError:
    """The error for a file HDF5 cannot read, with the first line of HDF5's reason."""
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return ResultFileError(f"{path}: unreadable or truncated HDF5 file ({reason})")


def _attr_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_samples(
    path: str | Path, name: str, *, scenario: int | None = None, complete: bool = True
) -> np.ndarray:
    """One variable's samples (of one scenario), as stored, read straight from HDF5.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    name : str
        A variable of the file.
    scenario : int, optional
        Index along the ``scenario`` dimension of a batch file; None for a single run.
    complete : bool
        Require a complete file (False: the run's own summary phase reads its samples).

    Returns
    -------
    ndarray, shape (n, H) or (n,)
        In the stored dtype and the file's units. Only this variable (and scenario) is read:
        h5py copies the contiguous slab with no xarray decoding, at the disk's speed.
    """
    with h5py.File(check_result_file(path, complete=complete), "r") as handle:
        if name not in handle:
            summary_only = _attr_value(handle.attrs.get(SUMMARY_ONLY_ATTR, "")).split()
            if name in summary_only:
                stored = ", ".join(v for v in handle if v in VARIABLES) or "no variable"
                raise PathsNotStoredError(
                    f"{literal(path)}: {name} has a summary but no paths in this file (its run "
                    f"stored the paths of {stored}); run it with {{store}} {name} to keep them"
                )
            raise ResultFileError(f"{path}: has no variable {name!r}")
        dataset = handle[name]
        return dataset[scenario] if scenario is not None else dataset[()]


def read_scenario_coords(
    path: str | Path, *, complete: bool = True
) -> dict[str, tuple[np.ndarray, dict[str, Any]]]:
    """The extra coordinates along ``scenario`` of a batch file (a sweep's swept values).

    ``complete=False`` also reads the file of a run that did not finish (its structure,
    coordinates included, is written first).

    Returns
    -------
    dict
        Name to (values, shape (scenarios,); CF attributes), in file order; empty for a
        single run or a batch without them.
    """
    coords = {}
    path = check_result_file(path, complete=complete)
    with h5py.File(path, "r", locking=complete) as handle:
        for name, item in handle.items():
            # Dimension scales (scenario, sample, year) are not coordinates of this kind.
            if (isinstance(item, h5py.Dataset) and item.ndim == 1
                    and _attr_value(item.attrs.get("CLASS", b"")) != "DIMENSION_SCALE"
                    and _dimension_names(item) == ("scenario",)):
                values = item[()]
                if values.dtype.kind == "O":
                    values = np.asarray([_attr_value(v) for v in values], dtype=object)
                attrs = {k: _attr_value(v) for k, v in item.attrs.items()
                         if k not in _INTERNAL_ATTRS}
                coords[name] = (values, attrs)
    return coords


def read_summary(path: str | Path, variables: Sequence[str] | None = None) -> xr.Dataset:
    """The summary group's statistics of some variables, read with h5py.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    variables : sequence of str, optional
        Sample variables whose statistics (``<name>_mean``, ``_sd``, ``_mcse``,
        ``_percentile``, ``_percentile_lower``, ``_percentile_upper``) are wanted; names the
        file does not summarize are skipped. None: every variable of the group.

    Returns
    -------
    xarray.Dataset
        Equal to :func:`open_summary` restricted to those variables (with every coordinate
        and the file's global attributes), but only the datasets asked for are read and
        nothing is decoded through xarray's backends: a few milliseconds instead of ~0.2 s.
    """
    path = check_result_file(path)
    with h5py.File(path, "r") as handle:
        group = handle[SUMMARY_GROUP]
        wanted = None if variables is None else {
            f"{v}_{stat}" for v in variables for stat in SUMMARY_STATISTICS
        }
        data: dict[str, Any] = {}
        for name, dataset in group.items():
            # A dimension scale, or a variable along the dimension of its own name (the
            # group's dimensions may live in the root group): a coordinate, always read.
            if dataset.attrs.get("CLASS") == b"DIMENSION_SCALE":
                dims: tuple[str, ...] = (name,)
            elif wanted is None or name in wanted or dataset.ndim == 1:
                dims = _dimension_names(dataset)
            else:
                continue
            if wanted is not None and name not in wanted and dims != (name,):
                continue
            values = (
                dataset.asstr()[()] if h5py.check_string_dtype(dataset.dtype) else dataset[()]
            )
            attrs = {k: _attr_value(v) for k, v in dataset.attrs.items()
                     if k not in _INTERNAL_ATTRS}
            data[name] = (dims, values, attrs)
        attrs = {k: _attr_value(v) for k, v in group.attrs.items()}
        attrs.update(_global_attrs(handle))
    coords = {name: data.pop(name) for name in list(data) if data[name][0] == (name,)}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def read_outcome_frequency(path: str | Path) -> OutcomeFrequency:
    """The summary group's ``negotiation_outcome_frequency`` with its codes and each
    scenario's names for them.

    A file written before outcomes had names (no ``outcome_name``) names each code by its
    own ``flag_meanings``, in every scenario.
    """
    path = check_result_file(path)
    with h5py.File(path, "r") as handle:
        group = handle[SUMMARY_GROUP]
        share = group["negotiation_outcome_frequency"][()]
        codes = group["outcome"][()]
        scenarios = list(handle["scenario"].asstr()[()]) if "scenario" in handle else None
        if "outcome_name" in group:
            names = np.asarray(group["outcome_name"].asstr()[()], dtype=object)
        else:
            attrs = handle["negotiation_outcome"].attrs
            meaning = dict(zip(attrs["flag_values"].tolist(),
                               _attr_value(attrs["flag_meanings"]).split(), strict=True))
            names = np.asarray([[meaning[int(code)] for code in codes]] * len(scenarios or [None]),
                               dtype=object)
        years = handle["year"][()]
        n = int(_attr_value(handle.attrs["n_samples"]))
    batch = scenarios is not None
    return OutcomeFrequency(
        codes=codes,
        names=names if names.ndim == 2 else names[np.newaxis],
        years=years,
        scenarios=scenarios,
        share=share if batch else share[np.newaxis],
        n=n,
    )

"""smasim's netCDF files that are not runs (sensitivity, backtest, and the kinds to come):
one writer, one reader.

An analysis builds its dataset, a pure function of its result: variables and coordinates
with their CF attributes, and its own global attributes (``title``, its sizes). It then calls
:func:`write_dataset` with the file's kind and provenance, and reads a file back with
:func:`read_dataset`. The contract:

- **kind**: one of :data:`~simcore.io.layout.OTHER_KINDS` (a new kind is one entry there,
  saying what reads it), stored in the :data:`~simcore.io.layout.KIND_ATTR` attribute; a run
  file has none. :func:`read_dataset` refuses a file of another kind in one line that names
  it and what reads it.
- **provenance**: the global attributes that say how the data were made, first in the file:
  :func:`~simcore.io.provenance.provenance_attrs` for an analysis of scenarios (their
  configurations and seed, so it can be run again), else
  :func:`~simcore.io.provenance.origin_attrs` (versions, time, command). The dataset's own
  attributes follow and may refine them (``title``, ``source``).
- **CF-1.8**: ``Conventions`` is set; every variable and coordinate has a ``long_name``; no
  variable is 64-bit integer; a coordinate of years (named ``year`` or ``*_year``, or in
  units of ``year``) holds integers.
- **atomic**: written under a temporary name beside the file and renamed when complete
  (:func:`simcore.io.atomic.replacing`); an existing file is replaced only with
  ``overwrite``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import xarray as xr

from simcore.core.errors import ResultFileError
from simcore.io.atomic import replacing
from simcore.io.layout import CF_CONVENTIONS, KIND_ATTR, OTHER_KINDS
from simcore.io.reader import existing_file

__all__ = ["check_dataset", "read_dataset", "write_dataset"]


def _check_kind(kind: str) -> None:
    if kind not in OTHER_KINDS:
        raise ValueError(f"kind {kind!r}: not a file kind of simcore.io.layout.OTHER_KINDS "
                         f"({', '.join(OTHER_KINDS)})")


def _counts_years(name: str, attrs: Mapping[str, object]) -> bool:
    return name == "year" or name.endswith("_year") or attrs.get("units") == "year"


def check_dataset(dataset: xr.Dataset, *, kind: str) -> None:
    """Raise ValueError unless ``dataset`` keeps the CF rules of the module's contract
    (a long name everywhere, no 64-bit integers, years as integers): a dataset an analysis
    builds wrong is a bug, found before anything is written."""
    _check_kind(kind)
    for name, variable in dataset.variables.items():
        where = f"{kind} dataset, {name}"
        if not variable.attrs.get("long_name"):
            raise ValueError(f"{where}: no long_name attribute (CF)")
        if variable.dtype.kind in "iu" and variable.dtype.itemsize == 8:
            raise ValueError(f"{where}: 64-bit integers, which CF-1.8 does not have")
        if (name in dataset.coords and _counts_years(str(name), variable.attrs)
                and variable.dtype.kind not in "iu"):
            raise ValueError(f"{where}: years stored as {variable.dtype}; years are integers")


def write_dataset(
    dataset: xr.Dataset,
    path: str | Path,
    *,
    kind: str,
    provenance: Mapping[str, object],
    overwrite: bool = False,
) -> Path:
    """Write ``dataset`` as a smasim file of ``kind``: under a temporary name, renamed when
    complete.

    Parameters
    ----------
    dataset : xarray.Dataset
        What the analysis built (:func:`check_dataset`); not changed.
    path : str or Path
        The file; missing folders are created.
    kind : str
        One of :data:`~simcore.io.layout.OTHER_KINDS`.
    provenance : mapping
        Global attributes saying how the data were made; must include ``smasim_version``
        (:func:`~simcore.io.provenance.provenance_attrs` or
        :func:`~simcore.io.provenance.origin_attrs`).
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False, or is a directory.
    ValueError
        The dataset breaks the contract, the kind is unknown or the provenance lacks
        ``smasim_version``.
    """
    check_dataset(dataset, kind=kind)
    if "smasim_version" not in provenance:
        raise ValueError("provenance: no smasim_version (use provenance_attrs or origin_attrs)")
    written = dataset.copy(deep=False)
    written.attrs = {"Conventions": CF_CONVENTIONS, **provenance, **dataset.attrs,
                     KIND_ATTR: kind}
    path = Path(path)
    with replacing(path, overwrite=overwrite) as temp:
        written.to_netcdf(temp, engine="h5netcdf")
    return path


def read_dataset(path: str | Path, *, kind: str) -> xr.Dataset:
    """A smasim file of ``kind``, loaded into memory (the file is closed on return).

    Raises
    ------
    ResultFileError
        One line naming the file and what is wrong: missing, a directory, not a readable
        netCDF-4 file, or a file of another kind (a run, another analysis, not smasim's),
        named with what reads it.
    """
    _check_kind(kind)
    path = existing_file(path, f"a smasim {kind} file")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as dataset:
            loaded = dataset.load()
    except (OSError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ResultFileError(f"{path}: not a readable netCDF-4 file ({reason})") from None
    found = loaded.attrs.get(KIND_ATTR)
    if found != kind:
        if found in OTHER_KINDS:
            what = f"it is a smasim {found} file, read by {OTHER_KINDS[str(found)]}"
        elif "smasim_version" in loaded.attrs:
            what = "it is a smasim run, read by smasim summary, compare, plot or report"
        else:
            what = "smasim did not write it"
        raise ResultFileError(f"{path}: not a smasim {kind} file; {what}")
    return loaded

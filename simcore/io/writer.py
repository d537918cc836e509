"""Writing a result file: netCDF-4/HDF5 through h5netcdf, streamed block by block.

A result file is built in three steps, all under a temporary name in the destination folder:

1. its structure (dimensions, coordinates, every variable's CF attributes, provenance) is
   written through h5netcdf as xarray would write it, with no sample data held in memory;
2. blocks of samples are written into their slice of each variable as they are simulated
   (past the page cache where the disk allows, :mod:`simcore.io.direct_io`);
3. the ``summary`` group is appended, the file is marked complete, flushed, and renamed to
   its final name.

An exception or interrupt at any point removes the temporary file: nothing that looks like
a result is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5netcdf
import h5py
import numpy as np
import xarray as xr

from simcore.core.errors import ParameterError, literal
from simcore.core.text import human_bytes
from simcore.core.variables import VARIABLES
from simcore.io.atomic import refuse_existing
from simcore.io.direct_io import ALIGNMENT, ALIGNMENT_THRESHOLD, DirectWriter
from simcore.io.layout import (
    COMPLETE_ATTR,
    SUMMARY_GROUP,
    FileLayout,
    _coordinates,
    _storage,
    _variable_attrs,
    global_attrs,
)
from simcore.io.partial import (
    CREATING_SUFFIX,
    TEMP_SUFFIX,
    remove_stale_temporaries,
    temporary_path,
)
from simcore.io.reader import _log


def _existing_ancestor(path: Path) -> Path:
    """``path`` or its nearest existing ancestor (where a new folder would be created)."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


#: Bytes a result file needs beyond its sample data: HDF5 metadata and the summary group.
FILE_OVERHEAD = 1 << 20


def check_free_space(path: Path, needed: int, *, force: bool = False) -> None:
    """Refuse to start a file of about ``needed`` bytes where there is not that much room.

    Parameters
    ----------
    path : Path
        The result file to be written (its folder may not exist yet).
    needed : int
        Bytes the file will hold.
    force : bool
        Do not refuse (the estimate may be pessimistic, e.g. with compression).

    Raises
    ------
    ParameterError
        The file system holding ``path`` has less than ``needed`` bytes free.
    """
    if force:
        return
    where = _existing_ancestor(path.parent)
    free = shutil.disk_usage(where).free
    if needed > free:
        raise ParameterError(
            f"{literal(path)}: the result needs about {human_bytes(needed)} but "
            f"{literal(where)} has {human_bytes(free)} free; free some space, write elsewhere "
            "(another {output}), use fewer {samples} or {float32}, or pass {force} to try "
            "anyway"
        )


@dataclass(frozen=True)
class DirectTarget:
    """Where each variable's samples lie in a result file with contiguous storage.

    A contiguous HDF5 dataset keeps its values as one C-order run of bytes at a fixed file
    offset, so a chunk computed anywhere on this machine can be written straight to its
    place with ``pwrite`` (past the page cache where aligned: :mod:`simcore.io.direct_io`):
    no copy to a single writer, and the bytes are those h5py would write. Picklable: a dask
    worker that sees the file (:meth:`visible`: this machine, or a file system shared with
    it) writes its chunks itself.

    Attributes
    ----------
    path : str
        The temporary file being built.
    samples : int
        Samples per scenario.
    offsets : dict of str to int
        Byte offset of each variable's data.
    row_bytes : dict of str to int
        Bytes of one sample of each variable (``horizon × itemsize`` or ``itemsize``).
    size : int
        Bytes of the file once every dataset is allocated (as the writer leaves it).
    """

    path: str
    samples: int
    offsets: dict[str, int]
    row_bytes: dict[str, int]
    size: int

    def visible(self) -> bool:
        """Whether this process sees the file the run's writer created (the probe).

        The temporary name holds the writer's host and process id, and the file has its
        final size from the start: a file of that name and size is the run's file, on this
        machine or on a file system shared with it. Decided by what the process sees, not by
        host names.
        """
        try:
            return os.stat(self.path).st_size == self.size
        except OSError:
            return False

    def write(
        self, start: int, values: Mapping[str, np.ndarray], *, scenario: int | None = None
    ) -> None:
        """Write samples ``start …`` of every variable (of one scenario) to their place."""
        first_row = (scenario or 0) * self.samples + start
        try:
            with DirectWriter(self.path) as writer:
                for name, offset in self.offsets.items():
                    writer.write(values[name], offset + first_row * self.row_bytes[name])
        except OSError as err:
            # Name the file (a disk full has none): the error line then names the result.
            raise OSError(err.errno, err.strerror, self.path) from err


class ResultWriter:
    """Build one result file under a temporary name; rename it only when complete.

    Use as a context manager: leaving the block by an exception (including
    ``KeyboardInterrupt``) removes the temporary file; :meth:`commit` renames it.

    Parameters
    ----------
    path : Path
        Final file name.
    layout : FileLayout
        Variables, sizes and storage types.
    attrs : mapping
        Global attributes (provenance).
    overwrite : bool
        Replace an existing file at ``path`` (only when the new one is complete).
    force : bool
        Try even when the destination seems to lack the free space the file needs.
    """

    def __init__(
        self,
        path: Path,
        layout: FileLayout,
        attrs: Mapping[str, Any],
        *,
        overwrite: bool = False,
        force: bool = False,
    ) -> None:
        self.path = Path(path)
        self.layout = layout
        self.attrs = dict(attrs)
        self.overwrite = overwrite
        self.force = force
        self.temp = temporary_path(self.path)
        self._creating = self.temp.with_name(self.temp.name.removesuffix(TEMP_SUFFIX)
                                             + CREATING_SUFFIX)
        self._file: h5py.File | None = None

    def __enter__(self) -> ResultWriter:
        refuse_existing(self.path, self.overwrite)
        check_free_space(self.path, self.layout.nbytes() + FILE_OVERHEAD, force=self.force)
        folder = self.path.parent.absolute()
        # Folders this writer makes, deepest first, so that a failed run removes them again.
        self._created = [d for d in (folder, *folder.parents) if not d.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(folder)
        try:
            try:
                self._creating.open("wb").close()
            except OSError as err:
                # Say where, in the user's terms: the folder, not the hidden file's name.
                raise OSError(
                    err.errno, f"cannot create a file in {self.path.parent} ({err.strerror})",
                    str(self.path),
                ) from err
            self._create_structure()
            # Only a file whose metadata is complete takes the partial file's name: a
            # reader that finds it (``smasim info``) never sees a half-written structure.
            os.replace(self._creating, self.temp)
            self._file = h5py.File(self.temp, "r+")
        except BaseException:
            self._discard()
            raise
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is not None:
            self._discard()

    def _discard(self) -> None:
        """Close and remove the temporary file; never mask the error that led here."""
        if self._file is not None:
            with contextlib.suppress(Exception):
                self._file.close()
            self._file = None
        for temp in (self._creating, self.temp):
            try:
                temp.unlink()
            except OSError as err:
                if temp.exists():
                    # E.g. the file system went read-only: a later run removes it as stale.
                    _log.warning("could not remove %s (%s)", temp, err.strerror)
        for folder in self._created:
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _create_structure(self) -> None:
        """Write the file's metadata: dimensions, coordinates, attributes, and every
        variable's storage, allocated but not written.

        Written through h5netcdf as xarray's ``to_netcdf`` writes a dataset with lazy
        placeholders (CF ``coordinates`` attributes, ``_FillValue`` on float coordinates,
        the same dimension and creation order), which needs dask arrays for them (0.13 s
        of a small run); ``tests/test_io_file_structure.py`` checks the two are the same.
        """
        layout = self.layout
        coords = _coordinates(layout)
        attrs = global_attrs(layout, self.attrs)
        # CF: each data variable names the non-dimension coordinates along its dimensions;
        # those along none of them (no data variable at all) are named globally.
        auxiliary = sorted(name for name, (dim, _, _) in coords.items() if name != dim)
        unattached = set(auxiliary)
        # Dimensions in the order the variables first use them, data variables first.
        dims = {dim: size for name in layout.variables
                for dim, size in zip(layout.dims(name), layout.shape(name), strict=True)}
        for dim, values, _ in coords.values():
            dims.setdefault(dim, len(values))
        # Large datasets start on a disk-block boundary: whole blocks of samples then go to
        # disk without the page cache (simcore.io.direct_io).
        with h5netcdf.File(self._creating, "w", alignment_threshold=ALIGNMENT_THRESHOLD,
                           alignment_interval=ALIGNMENT) as handle:
            handle.attrs.update(attrs)
            handle.dimensions = dims
            for name in layout.variables:
                variable = handle.create_variable(name, layout.dims(name), **_storage(name, layout))
                variable_attrs = _variable_attrs(name, layout)
                # A scenario coordinate lies along `scenario`, which every batch variable has.
                attached = [c for c in auxiliary if coords[c][0] in layout.dims(name)]
                if attached:
                    variable_attrs["coordinates"] = " ".join(attached)
                    unattached.difference_update(attached)
                variable.attrs.update(variable_attrs)
            for name, (dim, values, coord_attrs) in coords.items():
                values = np.asarray(values)
                if values.dtype.kind == "O":
                    coord = handle.create_variable(name, (dim,), dtype=h5py.string_dtype(),
                                                   data=values)
                else:
                    # xarray's default: floats get a NaN fill value, integers none.
                    fill = {"fillvalue": np.nan} if values.dtype.kind == "f" else {}
                    coord = handle.create_variable(name, (dim,), data=values, **fill)
                coord.attrs.update(coord_attrs)
            if unattached:
                handle.attrs["coordinates"] = " ".join(sorted(unattached))
            if not layout.compress:
                for name in layout.variables:
                    # Writing the last element allocates the whole contiguous region (no
                    # fill value, so nothing else is written); the samples overwrite it.
                    handle.variables[name][tuple(size - 1 for size in layout.shape(name))] = 0

    def direct_target(self) -> DirectTarget | None:
        """Let other threads or processes on this machine write the samples themselves.

        Allocates every dataset's contiguous storage and records where it starts in the
        file; the HDF5 handle is reopened and does no data I/O until :meth:`end_direct`
        (so HDF5 buffers nothing that the other writers change). None where the layout
        does not allow it (compressed, i.e. chunked, storage).
        """
        assert self._file is not None, "direct_target outside the writer's context"
        if self.layout.compress or sys.byteorder != "little":
            return None
        offsets: dict[str, int] = {}
        for name in self.layout.variables:
            dataset = self._file[name]
            dtype = self.layout.dtype(name)
            if dataset.chunks is not None or dataset.dtype != dtype.newbyteorder("<"):
                return None
            # Allocated when the structure was created; the handle stays open, unwritten,
            # so that other processes see a run in progress (HDF5's file lock).
            offset = dataset.id.get_offset()
            if offset is None:
                return None
            offsets[name] = int(offset)
        return DirectTarget(
            path=str(self.temp.absolute()),
            samples=self.layout.samples,
            offsets=offsets,
            size=self.temp.stat().st_size,
            row_bytes={
                name: self.layout.dtype(name).itemsize
                * (len(self.layout.years) if VARIABLES[name].per_year else 1)
                for name in self.layout.variables
            },
        )

    def end_direct(self) -> None:
        """Reopen the file after :meth:`direct_target`'s writers are done (fresh buffers)."""
        if self._file is not None:
            self._file.close()
        self._file = h5py.File(self.temp, "r+")

    def write_block(
        self, start: int, values: Mapping[str, np.ndarray], *, scenario: int | None = None
    ) -> None:
        """Write samples ``start … start + n`` of every variable (of one scenario)."""
        assert self._file is not None, "write_block outside the writer's context"
        for name in self.layout.variables:
            block = values[name]
            target = self._file[name]
            rows = slice(start, start + block.shape[0])
            where: tuple[int | slice, ...] = (rows,) if scenario is None else (scenario, rows)
            target[where] = np.ascontiguousarray(block, dtype=self.layout.dtype(name))

    def release(self) -> None:
        """Close the HDF5 handle (the samples are all written): others may now read them."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def commit(self, summary: xr.Dataset,
               groups: Mapping[str, xr.Dataset] | None = None) -> Path:
        """Append the summary group and any further ``groups`` (by name), mark the file
        complete, flush and rename it."""
        self.release()
        summary.to_netcdf(self.temp, mode="a", group=SUMMARY_GROUP, engine="h5netcdf")
        for name, group in (groups or {}).items():
            group.to_netcdf(self.temp, mode="a", group=name, engine="h5netcdf")
        with h5py.File(self.temp, "r+") as handle:
            handle.attrs[COMPLETE_ATTR] = np.int8(1)
        with open(self.temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(self.temp, self.path)
        return self.path

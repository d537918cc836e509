"""Writing a result's samples to disk past the page cache (direct I/O), where the system allows.

A buffered write copies every byte into the page cache, and on a virtual machine each page
the kernel fills there may be memory the hypervisor must map in first. Measured on the 2-core
machine this project is developed on (6 GB in 3 MB writes onto its ext4 disk): buffered,
19.6 s of system time and 0.26 GB/s; with ``O_DIRECT``, which hands the process's own buffers
to the disk, 0.6 s of system time and 2.0–2.5 GB/s. A run's writer thread copying into the
page cache competes for the cores with the threads that simulate; a direct write only waits
for the disk.

Direct I/O needs the file offset, the length and the buffer's address aligned to the
device's block (:data:`ALIGNMENT`). The result file's large datasets start on such a
boundary (:data:`ALIGNMENT_THRESHOLD`), and a full block of samples fills whole pages, so
a chunk simulated into :func:`aligned_empty` memory goes to disk unchanged. The parts of a
write that are not aligned (a short last block, a dataset too small to be aligned, a
buffer received from another process) go through the page cache as before, and so does
everything where the platform or the file system refuses direct I/O (macOS, some network
file systems). The bytes written are the same either way.
"""

from __future__ import annotations

import errno
import os
from types import TracebackType

import numpy as np
from numpy.typing import DTypeLike

#: Bytes: file offsets, lengths and buffer addresses of direct writes are multiples of this,
#: the largest logical block size of common disks (512 B or 4 KiB).
ALIGNMENT = 4096
#: Bytes: datasets at least this large start on an :data:`ALIGNMENT` boundary in the file
#: (smaller ones, a few pages at most, are written through the page cache anyway).
ALIGNMENT_THRESHOLD = 65536
#: ``O_DIRECT`` where the platform has it (Linux), else 0: every write is buffered.
_O_DIRECT: int = getattr(os, "O_DIRECT", 0)


def aligned_empty(
    shape: int | tuple[int, ...], dtype: DTypeLike, *, phase: int = 0
) -> np.ndarray:
    """An uninitialised C-order array whose data starts ``phase`` bytes past an
    :data:`ALIGNMENT` boundary.

    Memory for bytes bound for file offset ``p`` takes ``phase = p``: its whole pages then
    line up with the file's, and :meth:`DirectWriter.write` hands them to the disk as they
    are.
    """
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    raw = np.empty(count * dtype.itemsize + ALIGNMENT, dtype=np.uint8)
    skip = (phase - raw.ctypes.data) % ALIGNMENT
    return raw[skip : skip + count * dtype.itemsize].view(dtype).reshape(shape)


def aligned_copy(array: np.ndarray, *, phase: int = 0) -> np.ndarray:
    """A C-order copy of ``array`` in :func:`aligned_empty` memory."""
    copy = aligned_empty(array.shape, array.dtype, phase=phase)
    np.copyto(copy, array)
    return copy


class DirectWriter:
    """Write byte ranges of one existing file, directly to disk where the alignment allows.

    Use as a context manager; :meth:`write` may be called any number of times.

    Parameters
    ----------
    path : str
        The file (it exists; it is neither created nor truncated).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._buffered = -1
        self._direct: int | None = None

    def __enter__(self) -> DirectWriter:
        self._buffered = os.open(self.path, os.O_WRONLY)
        if _O_DIRECT:
            try:
                self._direct = os.open(self.path, os.O_WRONLY | _O_DIRECT)
            except OSError as err:
                if err.errno != errno.EINVAL:  # EINVAL: this file system has no direct I/O
                    os.close(self._buffered)
                    raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for fd in (self._buffered, self._direct):
            if fd is not None and fd >= 0:
                os.close(fd)
        self._buffered, self._direct = -1, None

    def write(self, values: np.ndarray, position: int) -> None:
        """Write ``values``' bytes (C order) at byte ``position`` of the file.

        The whole pages in the middle go directly to disk (copied to aligned memory first
        if ``values`` is not already there), the partial pages at either end through the
        page cache.
        """
        data = np.ascontiguousarray(values).reshape(-1).view(np.uint8)
        if self._direct is None:
            self._write_buffered(data, position)
            return
        head = min(-position % ALIGNMENT, data.size)
        body = (data.size - head) // ALIGNMENT * ALIGNMENT
        self._write_buffered(data[:head], position)
        if body:
            middle = data[head : head + body]
            if middle.ctypes.data % ALIGNMENT:
                middle = aligned_copy(middle)
            self._write_direct(middle, position + head)
        self._write_buffered(data[head + body :], position + head + body)

    def _write_direct(self, data: np.ndarray, position: int) -> None:
        done = 0
        while self._direct is not None and done < data.size:
            try:
                done += os.pwrite(self._direct, data[done:].data, position + done)
            except OSError as err:
                # EINVAL: this file or device wants another alignment (or a short write
                # left the rest unaligned); the page cache takes the rest of the run.
                if err.errno != errno.EINVAL:
                    raise
                os.close(self._direct)
                self._direct = None
        self._write_buffered(data[done:], position + done)

    def _write_buffered(self, data: np.ndarray, position: int) -> None:
        done = 0
        while done < data.size:
            done += os.pwrite(self._buffered, data[done:].data, position + done)

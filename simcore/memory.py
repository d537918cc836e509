"""Allocator settings that keep block-sized arrays in the process heap.

A block's arrays are a few MB each. glibc's malloc serves them with fresh ``mmap`` pages
(or trims freed heap back to the kernel), so every block pays for the kernel zeroing and
faulting its pages in again: measured here, that doubled the engine's time (1e6 baseline
paths: 0.94 s before, 0.54 s after). Raising the mmap and trim thresholds keeps the freed
memory for the next block, and one arena for every thread keeps worker threads from
mapping heaps of their own. :func:`release_memory` hands the memory back between a run's
simulation and its summary.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
#: Largest mmap threshold glibc accepts on 64-bit systems (4 * 1024 * 1024 * sizeof(long)).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Freed heap kept before trimming back to the kernel.
TRIM_THRESHOLD = 1024 * 1024 * 1024


#: The same settings as environment variables, for processes about to start (dask workers):
#: glibc reads them at start-up, before any thread has its own arena.
ALLOCATOR_ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
    "MALLOC_ARENA_MAX": "1",
}


@functools.cache
def configure_allocator() -> bool:
    """Tune glibc malloc for block-sized arrays; a no-op elsewhere.

    One arena for all threads: a thread with an arena of its own maps fresh pages for every
    block (measured: a block simulated on a worker thread took twice as long as on the main
    thread). Threads that allocated before this call keep their arenas, so call it early.

    Returns
    -------
    bool
        True if the settings were applied (glibc found and accepted them).
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        and mallopt(_M_ARENA_MAX, 1)
    )


def release_memory() -> None:
    """Return the heap kept for block-sized arrays to the kernel (glibc; no-op elsewhere).

    Called between a run's simulation and its summary, whose arrays have other sizes.
    """
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        ctypes.CDLL(name).malloc_trim(0)
    except (OSError, AttributeError):
        return

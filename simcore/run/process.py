"""Process settings for block-sized work: the allocator, and BLAS threads.

A block's arrays are a few MB each. glibc's malloc serves them with fresh ``mmap`` pages
(or trims freed heap back to the kernel), so every block pays for the kernel zeroing and
faulting its pages in again: measured here, that doubled the engine's time (1e6 baseline
paths: 0.94 s before, 0.54 s after). Raising the mmap and trim thresholds keeps the freed
memory for the next block, and one arena for every thread keeps worker threads from
mapping heaps of their own. :func:`release_memory` hands the memory back between a run's
simulation and its summary.

The engine's one BLAS call (the 4×4 correlation factor times a block's shocks) is too small
for threads, yet OpenBLAS runs it on every core and its idle threads then spin: measured
here, that doubled a block's CPU time (72 ms → 37 ms per 65,536 baseline paths with one
BLAS thread) and took the other core from the run's second worker.
:func:`configure_process` applies both settings. :func:`objects_frozen` keeps the objects
alive when a run starts out of the garbage collector's view while it runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Iterator

from threadpoolctl import threadpool_limits

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
#: Largest mmap threshold glibc accepts on 64-bit systems (4 * 1024 * 1024 * sizeof(long)).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Freed heap kept before trimming back to the kernel.
TRIM_THRESHOLD = 1024 * 1024 * 1024


#: The same settings as environment variables, for processes about to start (dask workers):
#: glibc reads them at start-up, before any thread has its own arena; BLAS libraries size
#: their thread pools from them when they load.
ALLOCATOR_ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": str(MMAP_THRESHOLD),
    "MALLOC_TRIM_THRESHOLD_": str(TRIM_THRESHOLD),
    "MALLOC_ARENA_MAX": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


@functools.cache
def configure_process() -> bool:
    """Tune this process for simulating blocks: :func:`configure_allocator` and one BLAS
    thread (:func:`limit_blas_threads`). Idempotent.

    Returns
    -------
    bool
        True if the allocator settings were applied.
    """
    limit_blas_threads()
    return configure_allocator()


@contextlib.contextmanager
def objects_frozen() -> Iterator[None]:
    """Keep the objects alive on entry (the loaded modules: numpy, scipy, xarray, dask …)
    out of the cyclic garbage collector's view until exit.

    A run makes many small objects per block (moments, tallies, futures), and each full
    collection then traversed every loaded module's objects: 67 ms apiece with xarray and
    dask loaded, 1% of a 1e7-path run's CPU in perf. Objects made inside are collected as
    before; on exit the frozen ones are handed back, so a notebook's cyclic garbage from
    before the run is still collected later. A process that froze objects itself is left
    as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@functools.cache
def limit_blas_threads() -> None:
    """Run BLAS on one thread in this process from now on (the engine's products are
    4×4 by 4×n; threads only spin). The parallelism is the run's: one block per worker."""
    threadpool_limits(limits=1, user_api="blas")


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

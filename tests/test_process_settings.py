"""Process settings for block-sized work (simcore.memory)."""

from __future__ import annotations

import os
import subprocess
import sys

from simcore.memory import ALLOCATOR_ENVIRONMENT


def test_a_run_limits_blas_to_one_thread() -> None:
    """After configure_process (which every chunk task calls), BLAS runs on one thread: its
    idle threads would otherwise spin on the core another block needs."""
    code = (
        "from threadpoolctl import threadpool_info\n"
        "import numpy\n"
        "from simcore.memory import configure_process\n"
        "configure_process()\n"
        "print(sorted({p['num_threads'] for p in threadpool_info() "
        "if p['user_api'] == 'blas'}))\n"
    )
    # The machine's environment, less any thread limit it already sets.
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert out.stdout.strip() == "[1]"


def test_dask_workers_start_with_one_blas_thread() -> None:
    assert ALLOCATOR_ENVIRONMENT["OPENBLAS_NUM_THREADS"] == "1"
    assert ALLOCATOR_ENVIRONMENT["MKL_NUM_THREADS"] == "1"


def test_a_run_freezes_the_loaded_modules_out_of_the_collector() -> None:
    """A full collection would otherwise traverse every loaded module's objects, again and
    again during a run: after configure_process they are frozen, later objects are not."""
    code = (
        "import gc\n"
        "import xarray\n"
        "from simcore.memory import configure_process\n"
        "before = gc.get_freeze_count()\n"
        "configure_process()\n"
        "frozen = gc.get_freeze_count()\n"
        "junk = [[] for _ in range(1000)]\n"
        "print(before, frozen > 10_000, gc.get_freeze_count() == frozen)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["0", "True", "True"]

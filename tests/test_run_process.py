"""Process settings for block-sized work (simcore.run.process)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from simcore.config.load import load_scenario
from simcore.run.process import ALLOCATOR_ENVIRONMENT
from tests.conftest import BASELINE


def test_a_run_limits_blas_to_one_thread() -> None:
    """After configure_process (which every chunk task calls), BLAS runs on one thread: its
    idle threads would otherwise spin on the core another block needs."""
    code = (
        "from threadpoolctl import threadpool_info\n"
        "import numpy\n"
        "from simcore.run.process import configure_process\n"
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


def test_a_run_keeps_the_loaded_objects_out_of_the_collector_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection would otherwise traverse every loaded module's objects again and
    again during a run; after the run they are handed back (a notebook's cyclic garbage
    from before the run must still be collectable)."""
    import simcore.run.runner as runner_module

    assert gc.get_freeze_count() == 0
    frozen: list[int] = []
    simulate_into = runner_module.simulate_into

    def recorded(*args: Any, **kwargs: Any) -> Any:
        frozen.append(gc.get_freeze_count())
        return simulate_into(*args, **kwargs)

    monkeypatch.setattr(runner_module, "simulate_into", recorded)
    scenario = load_scenario(BASELINE).with_overrides(samples=1_000)
    runner_module.run_scenarios([scenario], tmp_path / "x.h5")
    assert frozen and frozen[0] > 10_000
    assert gc.get_freeze_count() == 0
    # A process that froze objects itself keeps them frozen.
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        runner_module.run_scenarios([scenario], tmp_path / "y.h5")
        # Not handed back (a few frozen objects may have been freed meanwhile).
        assert gc.get_freeze_count() > before // 2
    finally:
        gc.unfreeze()

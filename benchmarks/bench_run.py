"""End-to-end `smasim run` against its floor, a per-sample loop, and 1 vs 2 workers.

Everything is measured in this one run (never asserted; machines here are shared):

- end-to-end ``smasim run`` of configs/baseline.toml (simulate + write + summary group), as a
  child process: wall time and the child's peak RSS (``os.wait4``);
- the floor: numpy drawing the random numbers the model uses, spread over every core (one
  generator per thread), plus h5py writing the same bytes uncompressed (same dtypes and
  shapes, flushed and fsynced like a run's file);
- the per-sample Python loop of the same model (tests/reference_model.py) on a small N,
  scaled to the run's N;
- ``--workers 1`` against ``--workers 2`` (dask LocalCluster processes), end to end and for
  the simulation alone (chunk tasks whose values are dropped in the worker), which shows
  how the engine scales when the disk is not the bound; the bound is named: the disk when
  writing the bytes takes longer than simulating them on two workers, else the cores.

Usage: python benchmarks/bench_run.py [--samples 1e7] [--quick] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.config import load_scenario  # noqa: E402
from simcore.parallel import default_threads, open_executor  # noqa: E402
from simcore.params import resolve_params  # noqa: E402
from simcore.runner import ChunkTask, plan_run, plan_summaries, simulate_chunk  # noqa: E402
from simcore.sampling import (  # noqa: E402
    BLOCK_SIZE,
    N_SHOCKS,
    N_UNIFORMS,
    block_count,
    draw_block,
)
from simcore.store import file_layout  # noqa: E402
from tests.reference_model import simulate_reference  # noqa: E402

BASELINE = ROOT / "configs" / "baseline.toml"
SMASIM = Path(sys.executable).with_name("smasim")


def run_child(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a child process."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss * 1024


def smasim_run(samples: int, out: Path, *extra: str) -> tuple[float, int]:
    return run_child([str(SMASIM), "run", str(BASELINE), "--samples", str(samples),
                      "-o", str(out), "--overwrite", "-q", *extra])


def draw_floor(samples: int, horizon: int, threads: int) -> float:
    """Seconds for numpy to draw the run's normals and uniforms (reused buffers), the blocks
    spread over ``threads`` threads, each with its own generator (numpy draws without the
    GIL)."""
    blocks = block_count(samples)

    def draw(thread: int) -> None:
        rng = np.random.default_rng(thread)
        normals = np.empty(BLOCK_SIZE * N_SHOCKS * horizon)
        uniforms = np.empty(BLOCK_SIZE * N_UNIFORMS * horizon)
        for _ in range(thread, blocks, threads):
            rng.standard_normal(out=normals)
            rng.random(out=uniforms)

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(draw, range(threads)))
    return time.perf_counter() - start


def write_floor(samples: int, out: Path) -> tuple[float, int]:
    """Seconds for h5py to write the file's bytes uncompressed, and the bytes."""
    scenario = load_scenario(BASELINE).with_overrides(samples=samples)
    layout = file_layout([scenario], batch=False)
    buffers = {
        name: np.ones((BLOCK_SIZE, *layout.shape(name)[1:]), dtype=layout.dtype(name))
        for name in layout.variables
    }
    start = time.perf_counter()
    with h5py.File(out, "w") as handle:
        datasets = {
            name: handle.create_dataset(name, shape=layout.shape(name), dtype=layout.dtype(name))
            for name in layout.variables
        }
        for first in range(0, samples, BLOCK_SIZE):
            stop = min(first + BLOCK_SIZE, samples)
            for name, dataset in datasets.items():
                dataset[first:stop] = buffers[name][: stop - first]
        handle.flush()
        os.fsync(handle.id.get_vfd_handle())
    elapsed = time.perf_counter() - start
    out.unlink()
    return elapsed, layout.nbytes()


def simulate_without_file(task: ChunkTask) -> int:
    """A chunk simulated and reduced, its values dropped: no transfer, no disk."""
    return simulate_chunk(task).samples


def engine_on_workers(samples: int, workers: int) -> float:
    """Seconds for a LocalCluster of ``workers`` processes to run every chunk task of a run
    (simulate, reduce the moments, tally the summary's brackets), writing nothing."""
    plan = plan_run([load_scenario(BASELINE).with_overrides(samples=samples)], seed=1)
    summaries = plan_summaries(plan)[0]
    tasks = [replace(task, summaries=summaries) for task in plan.tasks()]
    with open_executor(workers=workers) as executor:
        list(executor.map_ordered(simulate_without_file, tasks[:workers]))  # warm the workers
        start = time.perf_counter()
        done = sum(executor.map_ordered(simulate_without_file, tasks))
        elapsed = time.perf_counter() - start
    assert done == samples
    return elapsed


def loop_rate(horizon: int, n: int = 2000) -> float:
    """Sample-years per second of the per-sample Python loop."""
    scenario = load_scenario(BASELINE).with_overrides(samples=n)
    draws = draw_block(resolve_params(scenario), seed=1, block=0, n=n)
    start = time.perf_counter()
    simulate_reference(scenario, draws)
    return n * horizon / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=float, default=1e7)
    parser.add_argument("--quick", action="store_true", help="1e6 paths")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where files are written")
    parser.add_argument("--no-workers", action="store_true", help="skip the 1 vs 2 workers run")
    args = parser.parse_args()
    samples = int(1e6 if args.quick else args.samples)
    horizon = load_scenario(BASELINE).run.horizon
    work = Path(args.dir)
    out = work / "bench-run.h5"

    t_run, rss = smasim_run(samples, out)
    out.unlink()
    cores = default_threads()
    t_draw = draw_floor(samples, horizon, cores)
    t_write, nbytes = write_floor(samples, work / "bench-floor.h5")
    floor = t_draw + t_write
    t_loop = samples * horizon / loop_rate(horizon)

    gib = 1024**3
    print(f"baseline, {samples:,} paths x {horizon} years, {nbytes / 1e9:.2f} GB of samples, "
          f"{os.cpu_count()} cores")
    print(f"{'what':<52}{'seconds':>10}")
    print(f"{'smasim run end to end (default: in process)':<52}{t_run:>10.2f}"
          f"   peak RSS {rss / gib:.2f} GiB")
    print(f"{f'floor: numpy draws of the randoms ({cores} cores)':<52}{t_draw:>10.2f}")
    print(f"{'floor: h5py writes the same bytes (+fsync)':<52}{t_write:>10.2f}"
          f"   {nbytes / t_write / 1e9:.2f} GB/s")
    print(f"{'per-sample Python loop, scaled from 2,000 paths':<52}{t_loop:>10.1f}")
    print(f"end to end / floor: {t_run / floor:.2f}x (target <= 2x)   "
          f"speed-up on the per-sample loop: {t_loop / t_run:.0f}x (target >= 100x)   "
          f"peak RSS {rss / gib:.2f} GiB (target <= 1.5 GiB at 1e7)")
    if args.no_workers:
        return
    t_one, rss_one = smasim_run(samples, out, "--workers", "1")
    out.unlink()
    t_two, rss_two = smasim_run(samples, out, "--workers", "2")
    out.unlink()
    for label, seconds, peak in (("1", t_one, rss_one), ("2", t_two, rss_two)):
        print(f"{f'--workers {label} (dask LocalCluster)':<52}{seconds:>10.2f}"
              f"   peak RSS {peak / gib:.2f} GiB")
    print(f"2 workers vs 1: {t_one / t_two:.2f}x faster (target >= 1.6x)")
    e_one, e_two = engine_on_workers(samples, 1), engine_on_workers(samples, 2)
    print(f"{'simulation alone on 1 worker (no file)':<52}{e_one:>10.2f}")
    print(f"{'simulation alone on 2 workers (no file)':<52}{e_two:>10.2f}")
    print(f"simulation alone, 2 workers vs 1: {e_one / e_two:.2f}x faster")
    bound = "the disk" if t_write > e_two else "the cores"
    print(f"bound: {bound} (writing the bytes {t_write:.2f} s, simulating them on 2 workers "
          f"{e_two:.2f} s)")


if __name__ == "__main__":  # dask starts worker processes that import this module
    main()

"""End-to-end `smasim run` against its floor, onto disk and into memory, and 1 vs 2 cores.

Everything is measured in this one run (never asserted; machines here are shared):

- end-to-end ``smasim run`` of configs/baseline.toml (simulate + write + summary group), as a
  child process: wall time and the child's peak RSS (``os.wait4``), once with the file onto
  the disk (``--dir``) and once into memory (``--memory-dir``, default /dev/shm), each
  against its own floor;
- the floor: numpy drawing the random numbers the model uses, spread over every core (one
  generator per thread), plus h5py writing the same bytes uncompressed (same dtypes and
  shapes, flushed and fsynced like a run's file) to the same place, before and after the
  run (their mean counts: see ``place_rows``); and, for comparison, the same bytes written
  as a run writes them where the disk allows (past the page cache, ``O_DIRECT``), which on
  a virtual machine can be several times faster than through the page cache;
- the per-sample Python loop of the same model (tests/reference_model.py) on a small N,
  scaled to the run's N;
- 1 core against 2: the default run (threads of one process) with the child confined to one
  core, and ``--workers 1`` against ``--workers 2`` (dask LocalCluster processes), both onto
  the disk, which a run writes past the page cache (into memory, the kernel's copy would
  take the cores' time); and the simulation alone (chunks simulated and reduced, nothing
  written) on 1 and 2 threads and on 1 and 2 dask workers. The bound is named: the disk
  when writing the bytes as a run does takes longer than simulating them on two cores,
  else the cores.

Usage: python benchmarks/bench_run.py [--samples 1e7] [--quick] [--dir /tmp]
       [--memory-dir /dev/shm] [--no-workers]
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

from simcore.config.load import load_scenario  # noqa: E402
from simcore.core.design import BLOCK_SIZE, block_count  # noqa: E402
from simcore.core.system import default_threads  # noqa: E402
from simcore.io.direct_io import ALIGNMENT, DirectWriter, aligned_copy  # noqa: E402
from simcore.io.layout import file_layout  # noqa: E402
from simcore.model.params import resolve_params  # noqa: E402
from simcore.model.sampling import N_SHOCKS, N_UNIFORMS, draw_block  # noqa: E402
from simcore.run.parallel import ChunkExecutor, InProcessExecutor, open_executor  # noqa: E402
from simcore.run.runner import ChunkTask, plan_run, plan_summaries, simulate_chunk  # noqa: E402
from tests.reference_model import simulate_reference  # noqa: E402

BASELINE = ROOT / "configs" / "baseline.toml"
SMASIM = Path(sys.executable).with_name("smasim")


def run_child(args: list[str], *, cores: int | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of a child process, confined to the first ``cores``
    cores this process may use if given."""
    allowed = sorted(os.sched_getaffinity(0))
    confine = None if cores is None else (lambda: os.sched_setaffinity(0, allowed[:cores]))
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, preexec_fn=confine)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss * 1024


def smasim_run(samples: int, out: Path, *extra: str, cores: int | None = None,
               keep: bool = False) -> tuple[float, int]:
    """Wall seconds and peak RSS of ``smasim run`` (on the first ``cores`` cores if given);
    the file is removed afterwards unless ``keep``."""
    args = [str(SMASIM), "run", str(BASELINE), "--samples", str(samples), "-o", str(out),
            "--overwrite", "-q", *extra]
    out.unlink(missing_ok=True)
    try:
        return run_child(args, cores=cores)
    finally:
        if not keep:
            out.unlink(missing_ok=True)  # a leftover file would crowd the next run's memory


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


def direct_write_floor(samples: int, out: Path) -> float:
    """Seconds to write the file's bytes as a run does where the disk allows it: from aligned
    memory, past the page cache (simcore.io.direct_io), each variable from a block boundary,
    then fsync: what the disk itself takes."""
    scenario = load_scenario(BASELINE).with_overrides(samples=samples)
    layout = file_layout([scenario], batch=False)
    buffers = [aligned_copy(np.ones((BLOCK_SIZE, *layout.shape(name)[1:]),
                                    dtype=layout.dtype(name)))
               for name in layout.variables]
    start = time.perf_counter()
    out.write_bytes(b"")
    with DirectWriter(str(out)) as writer:
        offset = 0
        for buffer in buffers:
            row_bytes = buffer.nbytes // BLOCK_SIZE
            for first in range(0, samples, BLOCK_SIZE):
                rows = min(BLOCK_SIZE, samples - first)
                writer.write(buffer[:rows], offset + first * row_bytes)
            offset += -(-samples * row_bytes // ALIGNMENT) * ALIGNMENT
    with open(out, "rb+") as handle:
        os.fsync(handle.fileno())
    elapsed = time.perf_counter() - start
    out.unlink()
    return elapsed


def simulate_without_file(task: ChunkTask) -> int:
    """A chunk simulated and reduced, its values dropped: no transfer, no disk."""
    return simulate_chunk(task).samples


def chunk_tasks(samples: int) -> list[ChunkTask]:
    """The run's chunk tasks with the pilot's brackets (no file)."""
    plan = plan_run([load_scenario(BASELINE).with_overrides(samples=samples)], seed=1)
    summaries = plan_summaries(plan)[0]
    return [replace(task, summaries=summaries) for task in plan.tasks()]


def engine_on(executor: ChunkExecutor, tasks: list[ChunkTask]) -> float:
    """Seconds for ``executor`` to run every chunk task (simulate, reduce the moments, tally
    the summary's brackets), writing nothing, after warming it on as many tasks as it has
    slots."""
    list(executor.map_ordered(simulate_without_file, tasks[: executor.slots]))
    start = time.perf_counter()
    done = sum(executor.map_ordered(simulate_without_file, tasks))
    elapsed = time.perf_counter() - start
    assert done == tasks[0].samples  # one scenario
    return elapsed


def engine_on_threads(tasks: list[ChunkTask], threads: int) -> float:
    """Simulation alone on ``threads`` threads of this process (the default run)."""
    return engine_on(InProcessExecutor(threads), tasks)


def engine_on_workers(tasks: list[ChunkTask], workers: int) -> float:
    """Simulation alone on a LocalCluster of ``workers`` processes."""
    with open_executor(workers=workers) as executor:
        return engine_on(executor, tasks)


def loop_rate(horizon: int, n: int = 2000) -> float:
    """Sample-years per second of the per-sample Python loop."""
    scenario = load_scenario(BASELINE).with_overrides(samples=n)
    draws = draw_block(resolve_params(scenario), seed=1, block=0, n=n)
    start = time.perf_counter()
    simulate_reference(scenario, draws)
    return n * horizon / (time.perf_counter() - start)


def place_rows(label: str, folder: Path, samples: int, t_draw: float) -> tuple[float, float]:
    """Run and floor writing into ``folder``; prints them; returns (run, write floor).

    The write floor is taken before and after the run, after a first write that is not
    timed: on a virtual machine, writing into memory pages the machine has not touched
    lately can cost several times more (the hypervisor maps them in; measured here, 22 s
    instead of 4 s for the first 5.7 GB onto disk after the page cache was dropped), and a floor
    taken right after the run reuses the pages the run's deleted file freed. The ratio is
    given against the mean of the two.
    """
    write_floor(samples, folder / "bench-floor.h5")  # touches the memory the others reuse
    t_before, nbytes = write_floor(samples, folder / "bench-floor.h5")
    t_run, rss = smasim_run(samples, folder / "bench-run.h5")
    t_after, _ = write_floor(samples, folder / "bench-floor.h5")
    t_direct = direct_write_floor(samples, folder / "bench-floor.h5")
    t_write = (t_before + t_after) / 2
    floor = t_draw + t_write
    gib = 1024**3
    print(f"{f'smasim run end to end, {label} ({folder})':<52}{t_run:>10.2f}"
          f"   peak RSS {rss / gib:.2f} GiB (target <= 1.5 GiB at 1e7)")
    print(f"{f'floor: h5py writes the same bytes (+fsync), {label}':<52}{t_write:>10.2f}"
          f"   {nbytes / t_write / 1e9:.2f} GB/s (before / after the run: {t_before:.2f} / "
          f"{t_after:.2f} s)")
    print(f"{'  the same bytes past the page cache (O_DIRECT)':<52}{t_direct:>10.2f}"
          f"   {nbytes / t_direct / 1e9:.2f} GB/s")
    print(f"  {label}: end to end / floor ({t_draw:.2f} + {t_write:.2f} s): "
          f"{t_run / floor:.2f}x (target <= 2x); / draws + direct write "
          f"({t_draw:.2f} + {t_direct:.2f} s): {t_run / (t_draw + t_direct):.2f}x")
    return t_run, t_write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=float, default=1e7)
    parser.add_argument("--quick", action="store_true", help="1e6 paths")
    parser.add_argument("--dir", default=tempfile.gettempdir(),
                        help="where files go onto the disk (default: the temporary folder)")
    parser.add_argument("--memory-dir", default="/dev/shm",
                        help="a folder in memory (tmpfs); '' to skip the in-memory rows")
    parser.add_argument("--no-workers", action="store_true",
                        help="skip the 1 vs 2 cores and workers runs")
    args = parser.parse_args()
    samples = int(1e6 if args.quick else args.samples)
    horizon = load_scenario(BASELINE).run.horizon
    memory = Path(args.memory_dir) if args.memory_dir and Path(args.memory_dir).is_dir() else None
    cores = default_threads()
    t_draw = draw_floor(samples, horizon, cores)
    t_loop = samples * horizon / loop_rate(horizon)
    layout = file_layout([load_scenario(BASELINE).with_overrides(samples=samples)], batch=False)

    print(f"baseline, {samples:,} paths x {horizon} years, {layout.nbytes() / 1e9:.2f} GB of "
          f"samples, {os.cpu_count()} cores")
    print(f"{'what':<52}{'seconds':>10}")
    print(f"{f'floor: numpy draws of the randoms ({cores} cores)':<52}{t_draw:>10.2f}")
    t_run, _ = place_rows("onto disk", Path(args.dir), samples, t_draw)
    if memory is not None:
        place_rows("into memory", memory, samples, t_draw)
    print(f"{'per-sample Python loop, scaled from 2,000 paths':<52}{t_loop:>10.1f}"
          f"   the run is {t_loop / t_run:.0f}x faster")
    if args.no_workers or cores < 2:
        return
    # Onto the disk: a run writes there past the page cache, which costs the cores almost
    # nothing, while a file in memory costs them the kernel's copy into memory pages.
    where = Path(args.dir)
    out = where / "bench-cores.h5"
    t_one, _ = smasim_run(samples, out, cores=1)
    t_two, _ = smasim_run(samples, out, cores=2)
    w_one, _ = smasim_run(samples, out, "--workers", "1")
    w_two, _ = smasim_run(samples, out, "--workers", "2")
    t_write = direct_write_floor(samples, where / "bench-floor.h5")
    tasks = chunk_tasks(samples)
    e_one, e_two = engine_on_threads(tasks, 1), engine_on_threads(tasks, 2)
    d_one, d_two = engine_on_workers(tasks, 1), engine_on_workers(tasks, 2)
    print(f"1 core vs 2, files in {where}:")
    rows = (("smasim run on 1 core / on 2 cores (threads)", t_one, t_two),
            ("smasim run --workers 1 / --workers 2 (dask)", w_one, w_two),
            ("simulation alone, 1 thread / 2 threads", e_one, e_two),
            ("simulation alone, 1 dask worker / 2", d_one, d_two))
    for label, one, two in rows:
        print(f"  {label:<50}{one:>7.2f} /{two:>6.2f} s   {one / two:.2f}x (target >= 1.6x)")
    bound = "the disk" if t_write > e_two else "the cores"
    print(f"bound: {bound} (writing the bytes as a run does {t_write:.2f} s, simulating them "
          f"on 2 threads {e_two:.2f} s)")


if __name__ == "__main__":  # dask starts worker processes that import this module
    main()

"""1e8 baseline paths with `--store contribution_usd`: wall time, file size, peak RSS, and
what the summary costs beside the simulation (printed, never asserted).

- ``smasim run configs/baseline.toml --samples 1e8 --store contribution_usd`` as a child
  process: wall time, the file's size, the child's peak RSS (``os.wait4``);
- the summary's share: the same chunk tasks run with and without tallying the brackets of
  every variable (8 blocks, best of 3, against the brackets a run has after 64 blocks), and
  the time the run spends settling the percentiles once every block is in (measured in this
  process at ``--settle-samples``).

Usage: python benchmarks/bench_store.py [--samples 1e8] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_engine import best_of  # noqa: E402
from benchmarks.bench_run import BASELINE, smasim_run  # noqa: E402
from simcore.config.load import load_scenario  # noqa: E402
from simcore.io.layout import file_layout  # noqa: E402
from simcore.io.writer import ResultWriter  # noqa: E402
from simcore.run.runner import (  # noqa: E402
    ScenarioReduction,
    StorageOptions,
    plan_run,
    plan_summaries,
    simulate_chunk,
    simulate_into,
    summarize_run,
)

STORED = "contribution_usd"


def tally_share(samples: int, warm: int = 64, blocks: int = 8) -> tuple[float, float]:
    """Seconds for ``blocks`` chunk tasks without and with the summary's tallies, against
    the brackets a run has after ``warm`` blocks (narrowed after 4, 16 and 64)."""
    plan = plan_run([load_scenario(BASELINE).with_overrides(samples=samples)], seed=1,
                    storage=StorageOptions(store=[STORED]))
    tasks = plan.tasks()
    outcomes = (len(plan.layout.outcome_codes), len(plan.layout.years))
    reduction = ScenarioReduction(plan_summaries(plan)[0], np.zeros(outcomes, dtype=np.int64))
    for task in tasks[:warm]:
        task = replace(task, summaries=dict(reduction.plans))
        reduction.add(simulate_chunk(task), task.summaries)
    bare = tasks[warm : warm + blocks]
    tallied = [replace(task, summaries=reduction.plans) for task in bare]
    without = best_of(3, lambda: [simulate_chunk(task) for task in bare])
    with_tallies = best_of(3, lambda: [simulate_chunk(task) for task in tallied])
    return without, with_tallies


def settle_time(samples: int, folder: Path) -> tuple[float, float]:
    """Seconds to simulate (with tallies) and to settle the summary, in this process."""
    plan = plan_run([load_scenario(BASELINE).with_overrides(samples=samples)], seed=1,
                    storage=StorageOptions(store=[STORED]))
    with ResultWriter(folder / "bench-settle.h5", plan.layout, {}, overwrite=True) as writer:
        start = time.perf_counter()
        reductions = simulate_into(plan, writer)
        simulated = time.perf_counter() - start
        writer.release()
        start = time.perf_counter()
        summarize_run(plan, writer.temp, reductions)
        settled = time.perf_counter() - start
        writer.temp.unlink()  # never committed: the summary is all that was timed
    return simulated, settled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=float, default=1e8)
    parser.add_argument("--settle-samples", type=float, default=1e7)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where files are written")
    args = parser.parse_args()
    samples, work = int(args.samples), Path(args.dir)
    out = work / "bench-store.h5"

    seconds, rss = smasim_run(samples, out, "--store", STORED, keep=True)
    size = out.stat().st_size
    out.unlink()
    without, with_tallies = tally_share(samples)
    simulated, settled = settle_time(int(args.settle_samples), work)
    gib = 1024**3
    everything = file_layout([load_scenario(BASELINE).with_overrides(samples=samples)],
                             batch=False).nbytes()
    print(f"baseline, {samples:,} paths, --store {STORED}")
    print(f"smasim run end to end: {seconds:.1f} s, file {size / 1e9:.2f} GB "
          f"(every variable: {everything / 1e9:.0f} GB), peak RSS {rss / gib:.2f} GiB "
          "(target <= 2 GiB)")
    print(f"chunk tasks without / with the summary's tallies: {without:.3f} / "
          f"{with_tallies:.3f} s (the tallies add {with_tallies / without - 1:.0%})")
    print(f"at {int(args.settle_samples):,} paths in this process: simulate with tallies "
          f"{simulated:.2f} s, settle the percentiles {settled:.2f} s "
          f"({settled / simulated:.1%} of the simulation)")


if __name__ == "__main__":
    main()

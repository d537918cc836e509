"""Throughput of `smasim explore` against one `smasim batch` of the same number of paths
(printed, never asserted).

The issue's scale: a 256-point design at 1e5 paths per point must run in the time of the
same 2.56e7 paths in one batch (target: ratio <= 1.0 within noise), on threads and on dask.
Both write no paths (``--store none``); the exploration summarizes the variables it reports
(contribution_usd) and counts one threshold's exceedances; the batch summarizes every
variable of its one scenario, as ``smasim batch --store none`` does. Runs alternate so that
neither is measured only when warm; the best of the repeats is reported.

The design varies P(demand) over 0.1–0.6 and the reopening probability over 0–0.06, whose
means are the baseline's (0.35, 0.03): a path then costs the engine what a baseline path
does, and the ratio is the exploration's own overhead. (Varying the concession's mean makes
the engine itself slower, not the exploration: the Beta inverse CDF at non-integer a, b
costs about 3x what it costs at the baseline's a = 2, b = 8.)

Also: PRIM on the planted box of the tests (X ~ U(0,1)^5, N = 20,000) and its stability on
20 halves (5 with --quick), and, where ema_workbench is installed, its PRIM on the same data.

Usage: python benchmarks/bench_explore.py [--points 256] [--samples 1e5] [--workers 2]
       [--repeats 1] [--on both|threads|dask] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.analysis.explore import plan_exploration, run_exploration  # noqa: E402
from simcore.config.load import load_scenario  # noqa: E402
from simcore.run.parallel import ChunkExecutor, open_executor  # noqa: E402
from simcore.run.runner import StorageOptions, run_scenarios  # noqa: E402
from simcore.stats.prim import prim, prim_stability  # noqa: E402

CONFIG = ROOT / "configs" / "baseline.toml"
VARY = ["negotiation.outcomes.demand.probability=0.1:0.6",
        "agreement.reopen_probability=0:0.06"]


def explore_against_batch(points: int, samples: int, executor: ChunkExecutor,
                          repeats: int) -> tuple[float, float]:
    """Best-of seconds of an exploration (planning included) and of one batch scenario of
    ``points × samples`` paths, both without paths, on ``executor``."""
    explore_times, batch_times = [], []
    single = load_scenario(CONFIG).with_overrides(samples=points * samples)
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(repeats):
            start = time.perf_counter()
            run_scenarios([single], Path(folder) / f"batch{attempt}.h5", batch=True,
                          storage=StorageOptions(store=()),
                          executor=executor)
            batch_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            plan = plan_exploration(CONFIG, VARY, points=points, samples=samples,
                                    thresholds=["contribution_usd=2e9"])
            run_exploration(plan, Path(folder) / f"explore{attempt}.h5",
                            executor=executor)
            explore_times.append(time.perf_counter() - start)
    return min(explore_times), min(batch_times)


def prim_timings(resamples: int) -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    x = rng.random((n, 5))
    y = ((x[:, 0] >= 0.6) & (x[:, 1] <= 0.5)) ^ (rng.random(n) < 0.05)
    start = time.perf_counter()
    trajectory = prim(x, y)
    t_prim = time.perf_counter() - start
    start = time.perf_counter()
    prim_stability(x, y, trajectory, np.random.default_rng(2), resamples=resamples)
    t_stability = time.perf_counter() - start
    print(f"{'PRIM, planted box, 20,000 x 5 (boxes: ' + str(len(trajectory)) + ')':<58}"
          f"{t_prim:>8.2f} s")
    print(f"{f'  stability on {resamples} halves':<58}{t_stability:>8.2f} s")
    try:
        import pandas as pd
        from ema_workbench.analysis import prim as ema_prim
    except Exception:  # absent, or installed without its dependencies
        print("  ema_workbench: not installed (pip install ema-workbench to compare)")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(5)])
        start = time.perf_counter()
        ema_prim.Prim(frame, y.astype(int), threshold=0.8, peel_alpha=0.05, paste_alpha=0.05,
                      mass_min=0.05).find_box()
        print(f"{'  ema_workbench PRIM on the same data':<58}"
              f"{time.perf_counter() - start:>8.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=256)
    parser.add_argument("--samples", type=float, default=1e5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--on", choices=("both", "threads", "dask"), default="both",
                        help="where to run [default: both]")
    parser.add_argument("--quick", action="store_true",
                        help="32 points of 2e4 paths (make bench)")
    args = parser.parse_args()
    points, samples = (32, 20_000) if args.quick else (args.points, int(args.samples))
    print(f"explore {points} points x {samples:,} paths vs one batch of "
          f"{points * samples:,} paths, no paths stored ({os.cpu_count()} cores)")
    print(f"{'where':<24}{'explore s':>10}{'batch s':>10}{'ratio':>8}  (target <= 1.0)")
    executors: list[tuple[str, int | None]] = [
        ("threads", None), (f"dask, {args.workers} workers", args.workers)]
    for label, workers in executors:
        if args.on != "both" and not label.startswith(args.on):
            continue
        with open_executor(workers=workers) as executor:
            explore, batch = explore_against_batch(points, samples, executor, args.repeats)
        print(f"{label:<24}{explore:>10.1f}{batch:>10.1f}{explore / batch:>8.2f}")
    prim_timings(5 if args.quick else 20)


if __name__ == "__main__":
    main()

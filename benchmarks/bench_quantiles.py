"""Exact percentiles of long columns: simcore.stats.quantiles against numpy (never asserted).

For 1e7 float64 standard normals and 1e7 lognormals (sigma 3) and the fan-chart levels
q = 5, 10, 25, 50, 75, 90, 95, prints the wall time of
- ``np.percentile(x, q)`` (numpy's default "linear" method: the reference result);
- ``np.partition(x, ranks)`` on the 14 ranks that method needs (floor(h) and floor(h) + 1);
- ``np.sort(x)`` (numpy's SIMD sort; every rank read off it would also be exact);
- ``exact_percentiles(x, q)``;
and the speed-up of ``exact_percentiles`` over each, after checking it equals np.percentile
bit for bit. Times are the best and the median of ``--repeats`` calls; calls take three
columns in turn, so none finds its column still in cache from the call before.

Usage: python benchmarks/bench_quantiles.py [--samples 10000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.stats.quantiles import exact_percentiles  # noqa: E402

LEVELS = [5, 10, 25, 50, 75, 90, 95]
# Columns cycled through between calls: 3 x 80 MB exceeds any last-level cache here.
ROTATION = 3


def needed_ranks(n: int, levels: list[float]) -> np.ndarray:
    """The order statistics np.percentile's linear method reads (before its own [0, -1])."""
    virtual = (n - 1) * (np.asarray(levels, dtype=np.float64) / 100)
    below = np.floor(virtual).astype(np.intp)
    return np.unique(np.concatenate((below, np.minimum(below + 1, n - 1))))


def timed(work: Callable[[np.ndarray], object], columns: list[np.ndarray], repeats: int):
    """Best and median wall time (seconds) of ``work`` over ``repeats`` calls."""
    times = []
    for i in range(repeats):
        column = columns[i % len(columns)]
        start = time.perf_counter()
        work(column)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(20240611)
    n = args.samples
    ranks = needed_ranks(n, LEVELS)
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}")
    print(f"n = {n:,}, q = {LEVELS}, {len(ranks)} ranks, best / median of {args.repeats} calls")

    datasets = {
        "normal": [rng.standard_normal(n) for _ in range(ROTATION)],
        "lognormal(0, 3)": [rng.lognormal(0.0, 3.0, n) for _ in range(ROTATION)],
    }
    methods: dict[str, Callable[[np.ndarray], object]] = {
        "np.percentile": lambda x: np.percentile(x, LEVELS),
        "np.partition (needed ranks)": lambda x: np.partition(x, ranks),
        "np.sort": np.sort,
        "exact_percentiles": lambda x: exact_percentiles(x, LEVELS),
    }
    for name, columns in datasets.items():
        exact = all(
            np.array_equal(exact_percentiles(c, LEVELS), np.percentile(c, LEVELS)) for c in columns
        )
        print(f"\n{name}: exact_percentiles == np.percentile bit for bit: {exact}")
        results = {label: timed(work, columns, args.repeats) for label, work in methods.items()}
        ours_best, ours_median = results["exact_percentiles"]
        for label, (best, median) in results.items():
            line = f"  {label:28s} best {best * 1e3:7.1f} ms, median {median * 1e3:7.1f} ms"
            if label != "exact_percentiles":
                line += f"   speed-up x{best / ours_best:4.1f}"
                line += f" (medians x{median / ours_median:4.1f})"
            print(line)


if __name__ == "__main__":
    main()

"""Calibration and backtest times (printed, never asserted).

- ``smasim calibrate`` end to end in a fresh process (start-up, imports, data loading and
  validation, the estimates; target under 1 s), best and median of ``--repeats``;
- ``calibrate()`` alone in this process;
- the default backtest (origins 2010 to the last year of data, six leads, 1e5 paths per
  origin, and the SMA replay; target 30 s), once, through the library, split into the
  driver backtest and the SMA backtest.

Usage: python benchmarks/bench_evidence.py [--repeats 5] [--samples 100000]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.analysis.backtest import DEFAULT_SAMPLES, backtest_drivers, backtest_sma  # noqa: E402
from simcore.evidence.calibrate import calibrate  # noqa: E402
from simcore.evidence.history import load_history  # noqa: E402


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}")
    smasim = str(Path(sys.executable).with_name("smasim"))
    times = [_seconds([smasim, "calibrate", "--format", "json"]) for _ in range(args.repeats)]
    print(f"smasim calibrate (fresh process): best {min(times):.3f} s, median "
          f"{statistics.median(times):.3f} s (target < 1 s)")
    history = load_history()
    start = time.perf_counter()
    for _ in range(args.repeats):
        calibrate(history, negotiations=True)
    print(f"calibrate() in process: {(time.perf_counter() - start) / args.repeats * 1e3:.2f} ms")
    start = time.perf_counter()
    result = backtest_drivers(history, samples=args.samples)
    drivers = time.perf_counter() - start
    start = time.perf_counter()
    backtest_sma(history, samples=args.samples)
    sma = time.perf_counter() - start
    paths = result.origins.size * args.samples
    print(f"default backtest: drivers {drivers:.2f} s ({result.origins.size} origins x "
          f"{args.samples:,} paths x {result.leads.size} leads, "
          f"{paths / drivers / 1e6:.2f} M paths/s), SMA {sma:.2f} s, total "
          f"{drivers + sma:.2f} s (target 30 s)")


if __name__ == "__main__":
    main()

"""How fast a run stops on a signal, and how fast an unreachable scheduler is reported
(printed, never asserted: the tests check what happens, this script how long it takes).

- ``smasim run`` of ``--samples`` paths in a fresh process; once its partial file exists
  and it has written for ``--settle`` seconds, SIGINT or SIGTERM is sent, in process and
  with ``--workers 2`` (a dask LocalCluster); the time from the signal to the process's
  exit, against the spec's one second (docs/background/faults.md; a cluster adds its shutdown);
- ``smasim batch --scheduler`` at a port nobody listens on: the time to the one-line error,
  against the spec's 10 s.

Each is repeated ``--repeats`` times; the median and the maximum are printed.

Usage: python benchmarks/bench_stop.py [--repeats 3] [--samples 2000000] [--settle 0.3]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.io.partial import TEMP_SUFFIX  # noqa: E402

BASELINE = ROOT / "configs" / "baseline.toml"
#: Seconds after which the script gives up on a process (it then kills it).
HANG = 120.0


def _smasim() -> list[str]:
    script = Path(sys.executable).with_name("smasim")
    return [str(script)] if script.exists() else [sys.executable, "-c",
                                                  "from simcore.cli.main import main; main()"]


def _partial(folder: Path) -> bool:
    return any(folder.glob(f".*{TEMP_SUFFIX}"))


def stop_seconds(signum: int, options: list[str], samples: int, settle: float) -> float:
    """Seconds from ``signum`` to the exit of a run that is writing its samples."""
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [*_smasim(), "run", str(BASELINE), "-o", str(Path(folder) / "out.h5"), "-q",
             "--samples", str(samples), *options],
            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + HANG
        while not _partial(Path(folder)):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the run ended or hung before writing: raise --samples")
            time.sleep(0.02)
        time.sleep(settle)
        sent = time.perf_counter()
        process.send_signal(signum)
        process.wait(timeout=HANG)
        return time.perf_counter() - sent


def unreachable_seconds() -> float:
    """Seconds to the one-line error of a batch given a scheduler nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([*_smasim(), "batch", str(BASELINE), "-o", str(Path(folder) / "x.h5"),
                        "--samples", "1000", "--scheduler", f"tcp://127.0.0.1:{port}"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=HANG)
        return time.perf_counter() - start


def _line(what: str, times: list[float], target: float) -> str:
    return (f"{what:<40} median {statistics.median(times):6.2f} s   max {max(times):6.2f} s"
            f"   (spec: {target:g} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--settle", type=float, default=0.3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, {args.samples:,} paths")
    cases = [("SIGINT", signal.SIGINT, []), ("SIGTERM", signal.SIGTERM, []),
             ("SIGTERM, --workers 2", signal.SIGTERM, ["--workers", "2"])]
    for name, signum, options in cases:
        times = [stop_seconds(signum, options, args.samples, args.settle)
                 for _ in range(args.repeats)]
        print(_line(f"stop on {name}", times, 1.0))
    times = [unreachable_seconds() for _ in range(args.repeats)]
    print(_line("unreachable --scheduler, to the error", times, 10.0))


if __name__ == "__main__":
    main()

"""Reading results at scale: `smasim summary` on a 1e7-path file (printed, never asserted).

Builds (or, with --reuse, reuses) a baseline result file of --samples paths under /tmp
and prints, each measured in a fresh Python process (imports excluded, as a user's command
would run: fresh memory, nothing cached but the operating system's page cache), best of
--repeats:
- stored percentiles: ``summary_rows`` of the five headline variables (reads the summary
  group only), and the whole ``smasim summary`` command with its start-up;
- a computed percentile (P80, not stored) of contribution_usd with its order-statistic
  interval, against the time h5py takes to read that variable's samples; the ratio;
- the same for all five headline variables, and for ``--exceed 2e9``;
warm (file in the page cache) and cold (the file evicted with posix_fadvise first, so the
disk is read).

The file (~5.4 GB at 1e7 paths, float64) is deleted at the end unless --keep.

Usage: python benchmarks/bench_summary.py [--samples 1e7] [--path FILE] [--reuse] [--keep]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.config.load import load_scenario  # noqa: E402
from simcore.read.choices import HEADLINE_VARIABLES  # noqa: E402
from simcore.run.runner import run_scenarios  # noqa: E402

#: What a child process times, after its imports: name → Python statement using ``path``.
OPERATIONS = {
    "stored": "summary_rows(path)",
    "read-one": "read(path, ('contribution_usd',))",
    "p80-one": "summary_rows(path, variables=['contribution_usd'], percentiles=[80.0])",
    "read-all": f"read(path, {HEADLINE_VARIABLES!r})",
    "p80-all": "summary_rows(path, percentiles=[80.0])",
    "exceed-one": "summary_rows(path, variables=['contribution_usd'], exceed=[2e9])",
}

_CHILD = """
import sys, time
import h5py
from simcore.read.queries import summary_rows  # noqa: E402
def read(path, names):
    with h5py.File(path, "r") as handle:
        for name in names:
            handle[name][()]
path = sys.argv[1]
start = time.perf_counter()
{statement}
print(time.perf_counter() - start)
"""


def evict(path: Path) -> None:
    """Drop the file's pages from the page cache, so that the next read hits the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def child_time(operation: str, path: Path, *, repeats: int, cold: bool) -> float:
    """Best time of ``repeats`` fresh processes running one operation (imports excluded)."""
    code = _CHILD.format(statement=OPERATIONS[operation])
    best = float("inf")
    for _ in range(repeats):
        if cold:
            evict(path)
        out = subprocess.run([sys.executable, "-c", code, str(path)], check=True,
                             capture_output=True, text=True, cwd=ROOT).stdout
        best = min(best, float(out.split()[-1]))
    return best


def wall_time(command: list[str], *, repeats: int) -> float:
    """Best wall time of ``repeats`` runs of a command."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=float, default=1e7)
    parser.add_argument("--path", type=Path, default=Path("/tmp/smasim-bench-summary.h5"))
    parser.add_argument("--reuse", action="store_true", help="Reuse --path if it exists.")
    parser.add_argument("--keep", action="store_true", help="Keep the file at the end.")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    samples = int(args.samples)
    path: Path = args.path

    if not (args.reuse and path.exists()):
        scenario = load_scenario(ROOT / "configs" / "baseline.toml").with_overrides(
            samples=samples, seed=20261128
        )
        start = time.perf_counter()
        run_scenarios([scenario], path, overwrite=True)
        print(f"built {path}: {samples:,} paths in {time.perf_counter() - start:.1f} s, "
              f"{path.stat().st_size / 2**30:.2f} GiB")
    else:
        print(f"reusing {path} ({path.stat().st_size / 2**30:.2f} GiB)")
    r = args.repeats
    evict(path)  # written pages reach the disk before anything is timed
    child_time("read-all", path, repeats=1, cold=False)  # and come back into the cache

    bin_dir = Path(sys.executable).parent
    print(f"\n{'what (fresh process each, best of ' + str(r) + ')':<58}{'warm s':>9}{'cold s':>9}")
    stored = child_time("stored", path, repeats=r, cold=False)
    stored_cold = child_time("stored", path, repeats=r, cold=True)
    print(f"{'stored percentiles, 5 headline variables':<58}{stored:>9.3f}{stored_cold:>9.3f}")
    command = wall_time([str(bin_dir / "smasim"), "summary", str(path)], repeats=r)
    startup = wall_time([sys.executable, "-c", "import simcore.cli.main"], repeats=r)
    print(f"{'`smasim summary FILE`, whole command (wall)':<58}{command:>9.3f}")
    print(f"{'  of which Python start-up + `import simcore.cli.main`':<58}{startup:>9.3f}")

    pairs = [
        ("read contribution_usd with h5py", "read-one",
         "P80 + interval of contribution_usd (computed)", "p80-one"),
        ("read the 5 headline variables with h5py", "read-all",
         "P80 + interval of the 5 headline variables", "p80-all"),
        ("read contribution_usd with h5py", "read-one",
         "--exceed 2e9 on contribution_usd", "exceed-one"),
    ]
    for read_label, read, work_label, work in pairs:
        times = {
            (op, cold): child_time(op, path, repeats=r, cold=cold)
            for op in (read, work) for cold in (False, True)
        }
        print(f"{read_label:<58}{times[read, False]:>9.3f}{times[read, True]:>9.3f}")
        print(f"{work_label:<58}{times[work, False]:>9.3f}{times[work, True]:>9.3f}")
        print(f"{'  ratio to the read':<58}{times[work, False] / times[read, False]:>8.2f}x"
              f"{times[work, True] / times[read, True]:>8.2f}x  (target <= 3x)")

    if not args.keep:
        path.unlink()
        print(f"\ndeleted {path} (pass --keep to keep it)")


if __name__ == "__main__":
    main()

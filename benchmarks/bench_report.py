"""`smasim report` and `smasim budget` at scale (printed, never asserted).

Builds (or, with --reuse, reuses) the shipped configs as one batch of --samples paths per
scenario under /tmp, then prints, best of --repeats:
- the whole ``smasim report`` command (a fresh process, start-up included) and the size of
  the HTML it writes; the target is under 10 s at 1e6 paths for the four scenarios;
- ``budget_rows`` of one scenario (``smasim budget --scenario baseline``, after imports)
  against the time to read that variable's samples of that scenario, and their ratio (the
  target is at most 3x), each in a fresh process, warm (file in the page cache) and cold
  (evicted first): the read by h5py alone, and through smasim's select layer (which also
  opens the summary group and checks the choices, as every read command does).

The file (~2.4 GB at 1e6 paths x 4 scenarios, float64) is deleted at the end unless --keep.

Usage: python benchmarks/bench_report.py [--samples 1e6] [--path FILE] [--reuse] [--keep]
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

from benchmarks.bench_summary import evict  # noqa: E402
from simcore.config.load import load_scenario  # noqa: E402
from simcore.run.runner import run_scenarios  # noqa: E402

SHIPPED = ("baseline", "drawdown", "lapse", "us-demand-2027")

#: What a child process times, after its imports: name → Python statement using ``path``.
OPERATIONS = {
    "read": "read_samples(path, 'contribution_usd', scenario=0)",
    "select": "s = select(path, variables=['contribution_usd'], scenarios=['baseline']); "
              "s.values(s.quantities[0], s.scenarios[0])",
    "budget": "budget_rows(path, scenarios=['baseline'])",
}

_CHILD = """
import sys, time
from simcore.report.budget import budget_rows  # noqa: E402
from simcore.read.select import select  # noqa: E402
from simcore.io.reader import read_samples  # noqa: E402
path = sys.argv[1]
start = time.perf_counter()
{statement}
print(time.perf_counter() - start)
"""


def timed_child(statement: str, path: Path, *, cold: bool = False) -> float:
    """Seconds one statement takes in a fresh interpreter (its imports not counted), after
    evicting the file from the page cache if ``cold``."""
    if cold:
        evict(path)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(statement=statement), str(path)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def timed_command(args: list[str]) -> float:
    """Wall seconds of a whole command, start-up included."""
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=float, default=1e6)
    parser.add_argument("--path", type=Path, default=Path("/tmp/smasim-bench-report.h5"))
    parser.add_argument("--reuse", action="store_true", help="Use --path if it exists.")
    parser.add_argument("--keep", action="store_true", help="Keep the result file.")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    samples = int(args.samples)
    if not (args.reuse and args.path.exists()):
        scenarios = [load_scenario(ROOT / "configs" / f"{name}.toml")
                     .with_overrides(samples=samples) for name in SHIPPED]
        start = time.perf_counter()
        run_scenarios(scenarios, args.path, batch=True, overwrite=True,
                      command="smasim batch " + " ".join(f"configs/{n}.toml" for n in SHIPPED))
        print(f"built {args.path} ({len(SHIPPED)} x {samples:,} paths) in "
              f"{time.perf_counter() - start:.1f} s")
    smasim = str(Path(sys.executable).with_name("smasim"))
    html = args.path.with_suffix(".html")
    try:
        # A first pass puts the file in the page cache, as after the run that wrote it.
        timed_child(OPERATIONS["read"], args.path)
        report = min(timed_command([smasim, "report", str(args.path), "-o", str(html),
                                    "--overwrite"]) for _ in range(args.repeats))
        print(f"smasim report, {len(SHIPPED)} scenarios x {samples:,} paths: {report:.2f} s "
              f"(target < 10 s), {html.stat().st_size / 1e6:.2f} MB of HTML")
        best = {
            (name, cold): min(timed_child(OPERATIONS[name], args.path, cold=cold)
                              for _ in range(args.repeats))
            for name in OPERATIONS for cold in (False, True)
        }
        print(f"{'contribution_usd of one scenario, fresh process':<52}{'warm s':>9}{'cold s':>9}")
        for name, what in [("read", "read by h5py"), ("select", "read through select"),
                           ("budget", "smasim budget (budget_rows)")]:
            print(f"{what:<52}{best[name, False]:>9.3f}{best[name, True]:>9.3f}")
        for name, what in [("read", "h5py read"), ("select", "select read")]:
            print(f"budget / {what}: {best['budget', False] / best[name, False]:.1f}x warm, "
                  f"{best['budget', True] / best[name, True]:.1f}x cold (target <= 3x)")
    finally:
        html.unlink(missing_ok=True)
        if not args.keep:
            args.path.unlink(missing_ok=True)
            os.sync()


if __name__ == "__main__":
    main()

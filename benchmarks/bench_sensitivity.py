"""Throughput of `smasim sensitivity` and `smasim sweep` (printed, never asserted).

Prints:
- the wall time of the default analysis of configs/baseline.toml (all headline variables,
  every year, N_o = 2^19 outer × N_i = 3 inner draws; target: within 60 s on 2 cores), its
  model evaluations per second, and the plain engine's paths per second on the same
  executor (draw a block, simulate it; target: the analysis at ≥ 0.5 of it);
- a sweep of 11 points (the demand probability 0 … 1, renormalized) at 1e5 paths against a
  batch of the same 11 configurations written as files (target: ≤ 1.2x).

Usage: python benchmarks/bench_sensitivity.py [--outer 524288] [--engine-samples 2097152]
       [--sweep-samples 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.analysis.sensitivity import DEFAULT_OUTER, analyse_sensitivity, input_design  # noqa: E402
from simcore.analysis.sweep import plan_sweep  # noqa: E402
from simcore.config.load import load_scenario  # noqa: E402
from simcore.core.design import BLOCK_SIZE, block_count  # noqa: E402
from simcore.model.engine import simulate_paths  # noqa: E402
from simcore.model.params import resolve_params  # noqa: E402
from simcore.model.sampling import draw_block  # noqa: E402
from simcore.run.parallel import open_executor  # noqa: E402
from simcore.run.process import configure_process  # noqa: E402
from simcore.run.runner import run_scenarios  # noqa: E402
from simcore.stats.shapley import ShapleyPrecisionWarning  # noqa: E402

SWEPT = "negotiation.outcomes[1].probability"


def engine_paths_per_second(config: Path, samples: int, executor: object) -> float:
    """Paths per second of drawing and simulating whole blocks, mapped over the executor."""
    scenario = load_scenario(config)
    params = resolve_params(scenario)

    def one_block(block: int) -> int:
        return len(simulate_paths(params, draw_block(params, seed=1, block=block,
                                                      n=BLOCK_SIZE))["contribution_usd"])

    start = time.perf_counter()
    done = sum(executor.map_ordered(one_block, range(block_count(samples))))
    return done / (time.perf_counter() - start)


def sweep_against_batch(config: Path, samples: int, repeats: int = 2) -> tuple[float, float]:
    """Best-of seconds of an 11-point sweep (planning included) and of a batch of the same
    11 configurations read from files, alternated so that neither runs only when warm."""
    plan = plan_sweep(config, [f"{SWEPT}=0:1:0.1"], renormalize=True, samples=samples)
    sweep_times, batch_times = [], []
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for k, scenario in enumerate(plan.scenarios):
            path = Path(folder) / f"point{k}.toml"
            path.write_text(scenario.to_toml())
            files.append(path)
        for attempt in range(repeats):
            start = time.perf_counter()
            batch = [load_scenario(path) for path in files]
            run_scenarios(batch, Path(folder) / f"batch{attempt}.h5", batch=True)
            batch_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            swept = plan_sweep(config, [f"{SWEPT}=0:1:0.1"], renormalize=True, samples=samples)
            run_scenarios(swept.scenarios, Path(folder) / f"sweep{attempt}.h5", batch=True,
                          scenario_coords=swept.coords)
            sweep_times.append(time.perf_counter() - start)
    return min(sweep_times), min(batch_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outer", type=int, default=DEFAULT_OUTER)
    parser.add_argument("--engine-samples", type=int, default=2**21)
    parser.add_argument("--sweep-samples", type=int, default=100_000)
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "baseline.toml")
    args = parser.parse_args()
    configure_process()
    scenario = load_scenario(args.config)
    active = len(input_design(resolve_params(scenario)).active)
    with open_executor() as executor:
        print(f"executor: {executor!r}")
        engine = engine_paths_per_second(args.config, args.engine_samples, executor)
        print(f"plain engine: {engine:,.0f} paths/s ({args.engine_samples:,} paths)")
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ShapleyPrecisionWarning)
            result = analyse_sensitivity(scenario, seed=1, outer=args.outer,
                                         map_ordered=executor.map_ordered)
        elapsed = time.perf_counter() - start
    evaluations = ((2**active - 1) * result.inner + 1) * result.outer + result.tornado_samples
    rate = evaluations / elapsed
    print(f"sensitivity: {elapsed:.1f} s for {evaluations:,} model evaluations "
          f"({active} groups with inputs, N_o = {result.outer:,}, N_i = {result.inner}, "
          f"{len(result.variables)} variables x {len(result.years)} years) [target <= 60 s]")
    print(f"  {rate:,.0f} evaluations/s = {rate / engine:.2f} x the plain engine "
          "[target >= 0.5]")
    largest = float(np.nanmax(result.shapley_se[result.status == 0]))
    print(f"  largest SE of a Shapley effect: {largest:.4f}; precision warnings: {len(caught)}")

    sweep, batch = sweep_against_batch(args.config, args.sweep_samples)
    print(f"sweep of 11 points x {args.sweep_samples:,} paths: {sweep:.1f} s; batch of the "
          f"same 11 configs: {batch:.1f} s; ratio {sweep / batch:.2f} [target <= 1.2]")


if __name__ == "__main__":
    main()

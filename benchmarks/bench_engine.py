"""Engine throughput against its floors and baselines, measured in one run (never asserted).

Prints sample-years per second of:
- the vectorized engine alone, in memory, on configs/baseline.toml (default 1e6 paths),
  and of that its first stage (drawing the random inputs, ``draw_block``);
- the same on the 0.2 baseline (tests/configs/baseline-0.2.toml: every driver parameter a
  number, AR(1) inflation), timed in turns with the shipped one: the cost of the drivers of
  MODEL.md §2/§2a (tables of draws, a moving trend) is their ratio;
- numpy drawing the same count of random numbers (the floor: normals and uniforms);
- the plain per-sample Python loop of the same model (tests/reference_model.py) on a
  smaller N;
and the ratios between them.

Usage: python benchmarks/bench_engine.py [--samples 1000000] [--loop-samples 2000] [--cpu-time]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simcore.config.load import load_scenario  # noqa: E402
from simcore.config.schema import Scenario  # noqa: E402
from simcore.core.design import BLOCK_SIZE, block_bounds, block_count  # noqa: E402
from simcore.model.engine import simulate_resolved_block  # noqa: E402
from simcore.model.params import resolve_params  # noqa: E402
from simcore.model.sampling import N_SHOCKS, N_UNIFORMS, draw_block  # noqa: E402
from simcore.run.process import configure_process  # noqa: E402
from tests.reference_model import simulate_reference  # noqa: E402

#: The clock: wall time, or with ``--cpu-time`` this process's CPU time (the engine runs on
#: one thread; on a machine shared with other work, CPU time varies far less).
clock = time.perf_counter


def best_of(repeats: int, work: object) -> float:
    """Smallest time of ``repeats`` calls: the least disturbed by a shared machine."""
    times = []
    for _ in range(repeats):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--loop-samples", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--config", default=str(ROOT / "configs" / "baseline.toml"))
    parser.add_argument("--scalar-config",
                        default=str(ROOT / "tests" / "configs" / "baseline-0.2.toml"))
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with this process's CPU time instead of the wall clock")
    args = parser.parse_args()
    global clock
    if args.cpu_time:
        clock = time.process_time
    tuned = configure_process()  # as smasim run does

    scenario = load_scenario(args.config).with_overrides(samples=args.samples)
    scalar = load_scenario(args.scalar_config).with_overrides(samples=args.samples)
    horizon = scenario.run.horizon
    sample_years = args.samples * horizon
    seed = 1

    def engine_of(which: Scenario) -> Callable[[], None]:
        # As a run does: the parameters (tables of draws included) resolved once, then
        # every block simulated from them.
        def run() -> None:
            params = resolve_params(which)
            for block in range(block_count(args.samples)):
                simulate_resolved_block(params, block, seed=seed, samples=args.samples)
        return run

    # Warm up imports and caches.
    simulate_resolved_block(resolve_params(scenario), 0, seed=seed, samples=args.samples)
    # In turns, so that a shared machine's load falls on both alike.
    t_engine, t_scalar = float("inf"), float("inf")
    for _ in range(args.repeats):
        t_engine = min(t_engine, best_of(1, engine_of(scenario)))
        t_scalar = min(t_scalar, best_of(1, engine_of(scalar)))
    params = resolve_params(scenario)

    def drawing() -> None:
        for block in range(block_count(args.samples)):
            start, stop = block_bounds(block, args.samples)
            draw_block(params, seed=seed, block=block, n=stop - start)

    t_draw = best_of(args.repeats, drawing)

    rng = np.random.default_rng(seed)
    normals = np.empty(BLOCK_SIZE * N_SHOCKS * horizon)
    uniforms = np.empty(BLOCK_SIZE * N_UNIFORMS * horizon)

    def floor() -> None:
        for _ in range(block_count(args.samples)):
            rng.standard_normal(out=normals)
            rng.random(out=uniforms)

    t_floor = best_of(args.repeats, floor)

    loop_n = min(args.loop_samples, BLOCK_SIZE)
    loop_scenario = scenario.with_overrides(samples=loop_n)
    draws = draw_block(resolve_params(loop_scenario), seed=seed, block=0, n=loop_n)
    t_loop = best_of(1, lambda: simulate_reference(loop_scenario, draws))
    loop_rate = loop_n * horizon / t_loop

    engine_rate = sample_years / t_engine
    floor_rate = sample_years / t_floor
    print(f"baseline, {args.samples:,} paths x {horizon} years, block {BLOCK_SIZE:,}, 1 core, "
          f"allocator tuned: {tuned}")
    print(f"{'what':<44}{'seconds':>10}{'sample-years/s':>16}")
    print(f"{'engine (blocks, parameters resolved once)':<44}{t_engine:>10.3f}"
          f"{engine_rate:>16.3e}")
    print(f"{'  the 0.2 baseline (scalar drivers)':<44}{t_scalar:>10.3f}"
          f"{sample_years / t_scalar:>16.3e}")
    print(f"{'  of which drawing (draw_block)':<44}{t_draw:>10.3f}"
          f"{sample_years / t_draw:>16.3e}")
    print(f"{'floor: numpy draws of the same randoms':<44}{t_floor:>10.3f}{floor_rate:>16.3e}")
    print(f"{f'per-sample Python loop ({loop_n:,} paths)':<44}{t_loop:>10.3f}{loop_rate:>16.3e}")
    print(f"new drivers / scalar drivers time: {t_engine / t_scalar:.2f}x   "
          f"scalar engine / floor time: {t_scalar / t_floor:.2f}x")
    print(f"engine / floor time: {t_engine / t_floor:.2f}x   "
          f"engine vs per-sample loop: {engine_rate / loop_rate:.0f}x faster   "
          f"target: >= 8e6 sample-years/s, >= 100x the loop")


if __name__ == "__main__":
    main()

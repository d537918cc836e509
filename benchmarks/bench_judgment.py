"""What pooled judgments and re-weighting cost, measured in one run (never asserted).

Prints:
- draws per second of a three-expert pooled mixture's exact inverse CDF (a concession
  share), against one Beta's (``betaincinv``) on the same uniforms;
- engine throughput (sample-years per second, in memory) of the pooled scenario
  (configs/variants/pooled.toml: three mixtures) against the baseline's;
- seconds to re-weight a file's paths (history counts, likelihood ratios) and to summarize
  one yearly variable under the weights, against the unweighted summary of the same paths.

Usage: python benchmarks/bench_judgment.py [--draws 1000000] [--samples 200000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_engine import best_of  # noqa: E402
from simcore.analysis.reweight import Judgment, history_counts, likelihood_ratios  # noqa: E402
from simcore.config.load import load_scenario  # noqa: E402
from simcore.core.design import block_count  # noqa: E402
from simcore.io.reader import read_samples  # noqa: E402
from simcore.model.engine import simulate_resolved_block  # noqa: E402
from simcore.model.params import ModelParams, resolve_params  # noqa: E402
from simcore.run.process import configure_process  # noqa: E402
from simcore.run.runner import run_scenarios  # noqa: E402
from simcore.stats.elicitation import Distribution, linear_pool  # noqa: E402
from simcore.stats.importance import weighted_summary  # noqa: E402
from simcore.stats.summary import summarize_values  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    configure_process()

    u = np.random.default_rng(1).random(args.draws)
    experts = [Distribution("beta", p) for p in ((1.001, 5.524), (1.519, 5.396), (0.9288, 12.24))]
    pool = linear_pool(experts, [1, 1, 1])
    one = best_of(args.repeats, lambda: experts[0].ppf(u))
    mixed = best_of(args.repeats, lambda: pool.ppf(u))
    print(f"inverse CDF, {args.draws:,} draws: one Beta {args.draws / one:,.0f}/s, "
          f"pool of 3 {args.draws / mixed:,.0f}/s (×{mixed / one:.1f} the time)")

    throughput = {}
    for name, config in (("baseline", "configs/baseline.toml"),
                         ("pooled", "configs/variants/pooled.toml")):
        scenario = load_scenario(ROOT / config).with_overrides(samples=args.samples)
        # As a run does: the parameters (and the pools' tables) resolved once, every block
        # simulated from them.
        params = resolve_params(scenario)

        def engine(params: ModelParams = params) -> None:
            for block in range(block_count(args.samples)):
                simulate_resolved_block(params, block, seed=1, samples=args.samples)

        seconds = best_of(args.repeats, engine)
        throughput[name] = args.samples * scenario.run.horizon / seconds
        print(f"engine, {name}: {throughput[name]:,.0f} sample-years/s")
    ratio = throughput["pooled"] / throughput["baseline"]
    print(f"pooled / baseline engine throughput: {ratio:.2f}")

    scenario = load_scenario(ROOT / "configs/variants/pooled.toml").with_overrides(
        samples=args.samples)
    with tempfile.TemporaryDirectory() as folder:
        path = run_scenarios([scenario], Path(folder) / "pooled.h5").path
        codes = read_samples(path, "negotiation_outcome")
        values = read_samples(path, "contribution_usd")
        new = Judgment((0.423076923077, 0.5, 0.076923076923), scenario.agreement.reopen_probability)
        ratios = likelihood_ratios(history_counts(scenario, codes), Judgment.of(scenario), new)
        weigh = best_of(args.repeats, lambda: likelihood_ratios(
            history_counts(scenario, codes), Judgment.of(scenario), new))
        levels = [5, 10, 25, 50, 75, 90, 95]
        weighted = best_of(args.repeats, lambda: weighted_summary(values, ratios, levels))
        plain = best_of(args.repeats, lambda: summarize_values(values, levels))
    print(f"re-weighting {args.samples:,} paths: weights {weigh:.3f} s; one yearly variable "
          f"summarized under them {weighted:.3f} s against {plain:.3f} s unweighted "
          f"(×{weighted / plain:.1f})")


if __name__ == "__main__":
    main()

"""``smasim explore``: a space-filling design over judgments, a Monte Carlo inside each point."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from simcore.analysis.explore import (
    DEFAULT_VARIABLES,
    compact_number,
    plan_exploration,
    run_exploration,
)
from simcore.read.choices import parse_percentiles
from simcore.run.parallel import open_executor
from simcore.run.runner import StorageOptions
from simcore.stats.designs import DESIGNS

from .options import (
    DEFAULT_OUTPUT_DIR,
    Choice,
    Count,
    batch_options,
    config_argument,
    run_output_option,
    store_list,
)
from .progress import progress_bar

#: Points of a design at most (each is a batch scenario per lever combination).
MAX_POINTS = 8192


@click.command("explore")
@config_argument
@click.option(
    "--vary", "vary", metavar="KEY=LOW:HIGH", multiple=True, required=True,
    help="A judgment to vary over a range (repeatable): uniform on LOW:HIGH, or a law: "
    "uniform(LOW, HIGH), triangular(LOW, MODE, HIGH), beta(A, B[, LOW, HIGH]), "
    "normal(MEAN, SD). E.g. --vary 'negotiation.outcomes[1].probability=0.1:0.6' (the other "
    "outcomes make up the rest in their proportions), --vary "
    "'negotiation.outcomes[1].concession.mean=0.1:0.5' (the Beta law's mean at its a + b).",
)
@click.option(
    "--lever", "levers", metavar="KEY=V1,V2,...", multiple=True,
    help="A choice under your control (repeatable; combinations crossed): TOML values "
    "separated by commas or START:STOP:STEP, each crossed with every point, e.g. --lever "
    "agreement.escalation.cap=0.03,0.05.",
)
@click.option("--points", type=Count(MAX_POINTS), required=True,
              help="Points of the design, e.g. 64 or 256 (a power of two for sobol).")
@click.option("--design", type=Choice(DESIGNS), default="lhs", show_default=True,
              help="lhs: Latin hypercube (one point in each of M strata of every key); "
              "sobol: scrambled Sobol' sequence.")
@click.option(
    "--threshold", "thresholds", metavar="VAR=VALUE[,VALUE...]", multiple=True,
    help="Report each point's probability that VAR exceeds VALUE, by year and over the "
    "horizon (repeatable), e.g. --threshold contribution_usd=2e9.",
)
@click.option(
    "--percentiles", default=None, metavar="Q,Q,...",
    help="Percentiles of every point, e.g. 5,50,80,95 [default: run.percentiles of CONFIG].",
)
@click.option(
    "--var", "variables", metavar="NAME", multiple=True,
    help=f"Variable whose per-point statistics the file keeps (repeatable) [default: "
    f"{', '.join(DEFAULT_VARIABLES)}, and every --threshold variable].",
)
@click.option(
    "--store", metavar="VAR[,VAR...]|none|all", default="none", callback=store_list,
    help="Keep the paths of these variables too (all: every variable; 256 points of 1e5 "
    "paths are 100+ GB) [default: none, the statistics only].",
)
@run_output_option(f"{DEFAULT_OUTPUT_DIR}/<run.name>-explore.h5")
@batch_options
def explore_command(
    config: Path,
    vary: tuple[str, ...],
    levers: tuple[str, ...],
    points: int,
    design: str,
    thresholds: tuple[str, ...],
    percentiles: str | None,
    variables: tuple[str, ...],
    store: tuple[str, ...] | None,
    output: Path | None,
    samples: int | None,
    seed: int | None,
    chunk_size: int | None,
    workers: int | None,
    scheduler: str | None,
    float32: bool,
    compress: bool,
    overwrite: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Run CONFIG at every point of a space-filling design over judgments (--vary), each
    crossed with every lever value (--lever), as one batch with common random numbers.

    Every scenario shares each path's random inputs, so differences between points are
    the judgments' effect, not sampling noise; a point run alone with its --set
    assignments (stored in the file) reproduces its paths. The file is a batch file with an
    `explore` group: the design, and each point's mean, percentiles and --threshold
    exceedance probabilities of the chosen variables, each with its Monte Carlo standard
    error. smasim discover finds the judgments under which an outcome happens; smasim
    robust compares the levers.
    """
    plan = plan_exploration(
        config, vary, points=points, levers=levers, design=design,
        samples=samples, seed=seed, thresholds=thresholds, variables=variables or None,
        percentiles=parse_percentiles(percentiles) if percentiles is not None else None,
    )
    destination = output or DEFAULT_OUTPUT_DIR / f"{plan.name}-explore.h5"
    combinations = len(plan.lever_rows)
    label = f"{plan.name}: {plan.points} points" + (
        f" x {combinations} levers" if plan.levers else "")
    with (
        open_executor(workers=workers, scheduler=scheduler) as executor,
        progress_bar(label, quiet=quiet) as progress,
    ):
        result = run_exploration(
            plan, destination,
            storage=StorageOptions(float32=float32, compress=compress, store=store),
            chunk_size=chunk_size, overwrite=overwrite, force=force, progress=progress,
            executor=executor, command=shlex.join(["smasim", *sys.argv[1:]]),
        )
    levered = f" x {combinations} lever combinations" if plan.levers else ""
    click.echo(
        f"Wrote {result.path} ({plan.points} {design} points{levered} x {result.samples:,} "
        f"paths, seed {result.seed} from {result.seed_source})."
    )
    variable, year = plan.variables[0], plan.scenarios[0].years[-1]
    if variable in plan.thresholds:
        where = f"{variable}[{year}].exceed({compact_number(plan.thresholds[variable][0])}) >= 0.2"
    else:
        level = max(plan.scenarios[0].run.percentiles)
        where = f"{variable}[{year}].p{level:g} > VALUE"
    click.echo(f"Next: smasim discover {shlex.quote(str(result.path))} --where '{where}'")

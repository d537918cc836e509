"""``smasim sweep``: a grid of parameter values run as one batch (common random numbers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simcore.analysis.sweep import plan_sweep, response_curves
from simcore.core.errors import SmasimInputError
from simcore.read.select import select

from .options import (
    DEFAULT_OUTPUT_DIR,
    batch_options,
    config_argument,
    run_output_option,
)
from .run import simulate_with_progress

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@click.command("sweep")
@config_argument
@click.option(
    "--set",
    "assignments",
    metavar="KEY=V1,V2,...",
    multiple=True,
    required=True,
    help="A key to sweep and its values (repeatable: the grid is the Cartesian product): "
    "TOML values separated by commas, e.g. --set fx.volatility=0.05,0.074,0.1, or a range "
    "START:STOP:STEP (ends included), e.g. --set negotiation.outcomes.demand.probability=0:1:0.1.",
)
@click.option(
    "--renormalize",
    is_flag=True,
    help="When an outcome probability is swept, rescale the other outcomes' probabilities "
    "(keeping their proportions) so that they still sum to 1.",
)
@run_output_option(f"{DEFAULT_OUTPUT_DIR}/<run.name>-sweep.h5")
@batch_options
def sweep_command(
    config: Path,
    assignments: tuple[str, ...],
    renormalize: bool,
    output: Path | None,
    samples: int | None,
    seed: int | None,
    **options: Any,
) -> None:
    """Run CONFIG once per point of a grid of values, as one batch file.

    Every grid point is a scenario named by its values (baseline_volatility-0.1) with the
    swept values as coordinates along `scenario`; all share each sample's random numbers,
    so differences between points are the parameter's effect, not noise. Every point is
    validated before anything runs. summary, compare and plot read the file as any batch;
    plot --kind response draws percentiles against the swept value.
    """
    plan = plan_sweep(config, assignments, renormalize=renormalize, samples=samples, seed=seed)
    destination = output or DEFAULT_OUTPUT_DIR / f"{plan.name}-sweep.h5"
    simulate_with_progress(plan.scenarios, destination, batch=True, seed=seed,
              scenario_coords=plan.coords, **options)


def response_figure(file: Path, variables: tuple[str, ...], years: str | None, real: bool
                    ) -> Figure:
    """``smasim plot --kind response FILE --var V --years Y``: percentiles against the
    swept value of a sweep file, drawn."""
    from simcore.report import sensitivity_plots
    from simcore.report.render import axis_label

    if len(variables) > 1:
        raise SmasimInputError("--var: a response chart shows one variable; name one")
    variable = variables[0] if variables else "contribution_usd"
    if years is None:
        # A response chart shows one year: without --years, the horizon's last.
        years = str(select(file, variables=[variable], real=real).years[-1])
    curves = response_curves(file, variable, years=years, real=real)
    when = f" in {curves.year}" if curves.year is not None else ""
    return sensitivity_plots.response_chart(
        curves.swept, curves.estimate, curves.lower, curves.upper,
        title=f"{file.name}: {curves.item.description}{when} against {curves.key}",
        xlabel=curves.key, ylabel=axis_label(curves.item), scale=curves.item.spec.display_scale,
        levels=curves.levels,
    )

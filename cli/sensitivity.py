"""``smasim sensitivity``: which uncertainty drives each year (grouped Shapley effects)."""

from __future__ import annotations

import shlex
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import click

from simcore.analysis.sensitivity import DEFAULT_INNER, DEFAULT_OUTER, analyse_sensitivity
from simcore.io.atomic import refuse_existing
from simcore.read.choices import HEADLINE_VARIABLES
from simcore.report.formats import SUFFIX_FORMATS
from simcore.report.sensitivity import sensitivity_about, sensitivity_tables
from simcore.run.parallel import open_executor
from simcore.run.runner import resolve_seed
from simcore.stats.shapley import ShapleyPrecisionWarning

from .options import (
    DEFAULT_OUTPUT_DIR,
    Count,
    config_argument,
    format_option,
    layout_option,
    load_config,
    overwrite_option,
    quiet_option,
    scheduler_option,
    seed_option,
    single_set_option,
    workers_option,
    years_option,
)
from .progress import progress_bar
from .tables import emit, output_format

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Outer draws at most (2^26: about 1.5e9 model paths with the baseline's 5 groups).
MAX_OUTER = 2**26


@click.command("sensitivity")
@config_argument
@click.option(
    "--var",
    "variables",
    multiple=True,
    help=f"Variable (repeatable) [default: {', '.join(HEADLINE_VARIABLES)}].",
)
@years_option
@click.option(
    "--samples",
    type=Count(MAX_OUTER),
    default=DEFAULT_OUTER,
    show_default=True,
    help=f"Outer draws N_o (each with N_i = {DEFAULT_INNER} inner draws per subset of "
    "groups); standard errors shrink as 1/sqrt(N_o). Rounded up to whole batches.",
)
@seed_option
@single_set_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="netCDF file [default: outputs/<run.name>-sensitivity.nc]; a name ending in .csv, "
    ".json, .md or .xlsx writes the table there instead (and no netCDF file).",
)
@format_option
@layout_option
@workers_option
@scheduler_option
@overwrite_option
@quiet_option
def sensitivity_command(
    config: Path,
    variables: tuple[str, ...],
    years: str | None,
    samples: int,
    seed: int | None,
    assignments: tuple[str, ...],
    output: Path | None,
    fmt: str | None,
    layout: str,
    workers: int | None,
    scheduler: str | None,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Split the variance of each variable in each year among the groups of random inputs.

    The groups are the four drivers' shocks (kr_inflation, us_inflation, fx, defense), the
    Student-t mixing (tail), the troop moves (troops), the negotiation draws
    (negotiation), the inflation trends' shocks (inflation_trend) and the rows of the
    parameters' tables of draws (parameters). Each group's Shapley effect is its share of
    the variance, valid under
    correlated inputs; the shares of a year sum to 100%. Also stored: closed and total
    indices, and Spearman rank correlations with each input (smasim plot --kind tornado).
    Same seed, same numbers, whatever --workers.
    """
    scenario = load_config(config, assignments, samples=None, seed=None)
    seed_value, seed_source = resolve_seed(
        scenario, seed, "command line" if seed is not None else None
    )
    table_file = output if output and output.suffix.lower() in SUFFIX_FORMATS else None
    netcdf = None if table_file else output or (
        DEFAULT_OUTPUT_DIR / f"{scenario.run.name}-sensitivity.nc"
    )
    # Before minutes of work: the table's file and format, then the netCDF file.
    output_format(fmt, table_file, overwrite, layout)
    refuse_existing(netcdf, overwrite)
    with (
        open_executor(workers=workers, scheduler=scheduler) as executor,
        progress_bar(f"{scenario.run.name} sensitivity", quiet=quiet) as progress,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always", ShapleyPrecisionWarning)
        result = analyse_sensitivity(
            scenario, seed=seed_value, seed_source=seed_source, variables=variables or None,
            years=years, outer=samples, map_ordered=executor.map_ordered, progress=progress,
        )
    for warning in caught:
        if issubclass(warning.category, ShapleyPrecisionWarning):
            click.echo(f"Warning: {warning.message}", err=True)
        else:
            warnings.warn(warning.message, warning.category, stacklevel=1)
    if netcdf is not None:
        # Imported here: only this branch needs xarray.
        from simcore.analysis.sensitivity_file import write_sensitivity

        write_sensitivity(result, netcdf, command=shlex.join(["smasim", *sys.argv[1:]]),
                          overwrite=overwrite)
    emit(result.rows(), lambda rows: sensitivity_tables(result), fmt, table_file, overwrite,
         layout=layout,
         about=lambda: [("configuration", str(config)), *sensitivity_about(result)])
    if netcdf is not None:
        click.echo(
            f"Wrote {netcdf} ({result.outer:,} outer x {result.inner} inner draws, seed "
            f"{result.seed} from {result.seed_source}).",
            err=True,
        )


def sensitivity_figure(kind: str, file: Path, variables: tuple[str, ...], years: str | None
                       ) -> Figure:
    """``smasim plot --kind shapley|tornado FILE``: a figure of a sensitivity file, drawn."""
    from simcore.analysis.sensitivity_file import read_sensitivity
    from simcore.report import sensitivity_plots
    from simcore.report.sensitivity_panels import drawn_groups, shapley_panels, tornado_selection

    dataset = read_sensitivity(file)
    name = dataset.attrs.get("scenario_names", "")
    if kind == "shapley":
        panels, groups, _ = drawn_groups(shapley_panels(dataset, variables),
                                         [str(g) for g in dataset["group"].values])
        return sensitivity_plots.shapley_chart(
            panels, groups,
            title=f"{name}: what drives each year's variance (Shapley shares by group "
            f"of inputs) — {file.name}",
        )
    correlations, label = tornado_selection(dataset, variables, years)
    return sensitivity_plots.tornado_chart(
        correlations, title=f"{name}: rank correlation of each input with the "
        f"output — {file.name}", label=label,
    )

"""``smasim discover``: the judgments under which an outcome happens (PRIM, CART)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from simcore.analysis.discover import discover, write_discovery
from simcore.io.atomic import refuse_existing
from simcore.report.figure import check_output, save_figure
from simcore.report.formats import SUFFIX_FORMATS
from simcore.stats.prim import RESAMPLES

from .options import (
    DEFAULT_OUTPUT_DIR,
    Count,
    format_option,
    layout_option,
    overwrite_option,
    seed_option,
)
from .tables import emit


@click.command("discover")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--where", required=True, metavar="EXPRESSION",
    help="The cases of interest: [not] VARIABLE[YEAR].STATISTIC OP VALUE, e.g. "
    "'contribution_usd[2031].p80 > 2e9' or 'contribution_usd[2031].exceed(2e9) >= 0.2' "
    "(STATISTIC: mean, pNN or exceed(T); [any] with exceed for some year of the horizon; "
    "OP: > >= < <=).",
)
@click.option("--box", type=click.IntRange(min=0), default=None,
              help="Show this box of the trajectory [default: the Pareto box of greatest "
              "weighted relative accuracy].")
@click.option("--resamples", type=Count(1000), default=RESAMPLES, show_default=True,
              help="Random halves PRIM is run again on, for the box's stability.")
@seed_option
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="netCDF file of the boxes, for smasim report --discover [default: "
    "outputs/<FILE's name>-discover.nc]; a name ending in .csv, .json, .md or .xlsx writes the "
    "trajectory there instead (and no netCDF file).",
)
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also draw the trajectory and the box over the points (.png or .svg).")
@format_option
@layout_option
@overwrite_option
def discover_command(
    file: Path,
    where: str,
    box: int | None,
    resamples: int,
    seed: int | None,
    output: Path | None,
    plot: Path | None,
    fmt: str | None,
    layout: str,
    overwrite: bool,
) -> None:
    """Find the judgments under which an outcome happens, in an exploration FILE
    (smasim explore).

    Each point of the design is a case of interest or not by --where. PRIM peels the space
    of the varied judgments (and levers) down to boxes where the cases concentrate: the
    trajectory with each box's coverage, density and restrictions, a chosen box with a
    quasi-p value per restriction and its stability on random halves; a CART tree and
    extra-trees feature scores cross-check it. Points whose statistic lies within two
    Monte Carlo standard errors of the threshold are counted: their side of it is
    uncertain.
    """
    table_file = output if output and output.suffix.lower() in SUFFIX_FORMATS else None
    netcdf = None if table_file else output or (
        DEFAULT_OUTPUT_DIR / f"{file.stem}-discover.nc")
    for target in (netcdf, table_file, plot):
        refuse_existing(target, overwrite)
    if plot is not None:
        check_output(plot)
    found = discover(file, where, box=box, seed=seed, resamples=resamples)
    from simcore.report.discovery import discovery_chart, discovery_tables

    if netcdf is not None:
        write_discovery(found, netcdf, command=shlex.join(["smasim", *sys.argv[1:]]),
                        overwrite=overwrite)
    emit(found.rows(), lambda rows: discovery_tables(found), fmt, table_file, overwrite,
         layout=layout)
    if plot is not None:
        figure = discovery_chart(found, title=f"{file.name}: {found.case.text}")
        click.echo(f"Wrote {save_figure(figure, plot, overwrite=overwrite)}", err=True)
    if netcdf is not None:
        click.echo(f"Wrote {netcdf} (smasim report … --discover {shlex.quote(str(netcdf))} "
                   "shows it).", err=True)

"""``smasim robust``: which lever holds up across the points of an exploration."""

from __future__ import annotations

from pathlib import Path

import click

from simcore.analysis.robust import robust
from simcore.io.atomic import refuse_existing
from simcore.report.figure import check_output, save_figure

from .options import (
    Choice,
    format_option,
    layout_option,
    read_output_option,
    read_overwrite_option,
)
from .tables import emit


@click.command("robust")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--outcome", required=True, metavar="STATISTIC",
              help="What each choice is scored by at each point: VARIABLE[YEAR].STATISTIC, "
              "e.g. 'contribution_usd[2031].p80' (STATISTIC: mean, pNN or exceed(T)).")
@click.option("--criterion", default=None, metavar="OP VALUE",
              help="What a satisfying outcome meets, e.g. '<= 2e9': adds the share of points "
              "meeting it (Starr's domain criterion).")
@click.option("--sense", type=Choice(("min", "max")), default="min", show_default=True,
              help="min: smaller outcomes are better (a cost); max: larger are.")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also draw the outcome and the regret of each choice across the points "
              "(.png or .svg).")
@read_output_option
@format_option
@layout_option
@read_overwrite_option
def robust_command(
    file: Path,
    outcome: str,
    criterion: str | None,
    sense: str,
    plot: Path | None,
    output: Path | None,
    fmt: str | None,
    layout: str,
    overwrite: bool,
) -> None:
    """Compare the levers of an exploration FILE (smasim explore --lever) across its points.

    Each lever combination is scored over the points of the design: the mean outcome
    (Laplace), the worst (Wald), the largest and 90th-percentile regret against the best
    lever at each point (Savage's minimax regret), and with --criterion the share of points
    meeting it (Starr's domain criterion); * marks each rule's choice.
    """
    for target in (output, plot):
        refuse_existing(target, overwrite)
    if plot is not None:
        check_output(plot)
    result = robust(file, outcome, criterion=criterion,
                    sense="max" if sense == "max" else "min")
    from simcore.report.robustness import robust_chart, robust_tables

    emit(result.rows(), lambda rows: robust_tables(result), fmt, output, overwrite, layout=layout)
    if plot is not None:
        figure = robust_chart(result, title=f"{file.name}: {result.statistic.label} by lever")
        click.echo(f"Wrote {save_figure(figure, plot, overwrite=overwrite)}", err=True)

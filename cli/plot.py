"""``smasim plot``: fan charts, S-curves and histograms of a result file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from simcore.core.errors import SmasimInputError
from simcore.io.atomic import refuse_existing
from simcore.read.select import select
from simcore.report.budget import DEFAULT_VARIABLE, budget_figure
from simcore.report.panels import PLOT_VARIABLES, distribution_panels, fan_panels, figure_title

from .options import (
    Choice,
    read_overwrite_option,
    real_option,
    scenario_option,
    years_option,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KINDS = ("fan", "cdf", "hist", "budget")
#: Kinds drawn from the shipped history (FILE: an optional data folder) and from a
#: ``smasim backtest -o`` file.
EVIDENCE_KINDS = ("history", "coverage")
#: Kinds drawn from a ``smasim sensitivity`` file, and from a ``smasim sweep`` file.
SENSITIVITY_KINDS = ("shapley", "tornado")
SWEEP_KINDS = ("response",)
_KIND_NAMES = {"fan": "fan chart", "cdf": "S-curve", "hist": "histogram"}


@click.command("plot")
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option(
    "--kind",
    type=Choice(KINDS + EVIDENCE_KINDS + SENSITIVITY_KINDS + SWEEP_KINDS),
    default="fan",
    show_default=True,
    help="fan: P5-P95 and P25-P75 bands and the median over the years (at most three "
    "scenario panels side by side); cdf: S-curve with P50/P70/P80 marked; hist: share of "
    "paths per bin; budget: one scenario's budgets by year stacked to the P80 of the total, "
    "beside the years' own P80s (as `smasim budget`); history: the shipped series (FILE: a "
    "data folder, default the shipped data); coverage: a smasim backtest file's coverage and "
    "PIT; shapley (a sensitivity file): shares of variance per year; tornado (a sensitivity "
    "file, one --var and --years): rank correlations, largest first; response (a sweep file, "
    "one --var, --years default the last year): P5/P50/P80/P95 against the swept value.",
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    help="Variable (repeatable: one block of panels each) "
    f"[default: {', '.join(PLOT_VARIABLES)}].",
)
@scenario_option
@years_option
@real_option
@click.option("--overlay", is_flag=True, help="Fan chart: all scenarios in one panel.")
@click.option(
    "--title",
    default=None,
    help="The figure's title [default: what it shows, the scenarios and the file].",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Image file, .png or .svg (refused if it exists, unless --overwrite).",
)
@read_overwrite_option
def plot_command(
    file: Path | None,
    kind: Literal[
        "fan", "cdf", "hist", "budget", "history", "coverage", "shapley", "tornado", "response"
    ],
    variables: tuple[str, ...],
    scenarios: tuple[str, ...],
    years: str | None,
    real: bool,
    overlay: bool,
    title: str | None,
    output: Path,
    overwrite: bool,
) -> None:
    """Draw the distribution of variables of a result FILE into an image (-o).

    cdf and hist show one year (--years 2031) or, for money, the total over the years
    chosen (default: the whole horizon).
    """
    if kind == "history" and file is not None and not file.is_dir():
        raise SmasimInputError(
            f"{file} is not a folder: FILE for --kind history is a data folder of the "
            "shipped layout (default: the shipped data)"
        )
    if file is None and kind != "history":
        raise click.UsageError(
            "--kind coverage needs the FILE written by smasim backtest -o" if kind == "coverage"
            else f"--kind {kind} needs a result FILE"
        )
    # matplotlib is imported only by this command: it would add ~0.5 s to every other one.
    from simcore.report.figure import check_output, save_figure, wrapped_title

    check_output(output)
    refuse_existing(output, overwrite)  # before the work of drawing, not after
    figure = _draw(kind, file, variables, scenarios, years, real, overlay)
    if title is not None:
        wrapped_title(figure, title)
    click.echo(f"Wrote {save_figure(figure, output, overwrite=overwrite)}")


def _draw(kind: str, file: Path | None, variables: tuple[str, ...], scenarios: tuple[str, ...],
          years: str | None, real: bool, overlay: bool) -> Figure:
    """The figure of ``kind``, drawn (nothing written)."""
    if kind in EVIDENCE_KINDS:
        from .evidence_plot import evidence_figure

        return evidence_figure(kind, file)
    assert file is not None  # checked by plot_command
    if kind in SENSITIVITY_KINDS:
        from .sensitivity import sensitivity_figure

        return sensitivity_figure(kind, file, variables, years)
    if kind in SWEEP_KINDS:
        from .sweep import response_figure

        return response_figure(file, variables, years, real)
    if kind == "budget":
        if len(variables) > 1:
            raise SmasimInputError("--var: a budget figure shows one variable")
        return budget_figure(file, variable=variables[0] if variables else DEFAULT_VARIABLE,
                             years=years, scenarios=scenarios or None, real=real)
    from simcore.report import plots

    selection = select(
        file,
        variables=variables or PLOT_VARIABLES,
        scenarios=scenarios or None,
        years=years,
        real=real,
    )
    title = figure_title(selection, _KIND_NAMES[kind])
    if kind == "fan":
        return plots.fan_chart(selection.years, fan_panels(selection), title=title,
                               overlay=overlay)
    panels = distribution_panels(selection, years_given=years is not None)
    draw = plots.cdf_chart if kind == "cdf" else plots.histogram
    return draw(panels, title=title)

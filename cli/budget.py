"""``smasim budget``: budgets by year that add up to a confidence level of the total."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from simcore.core.errors import SmasimInputError
from simcore.io.atomic import write_text
from simcore.report.budget import (
    PAYER_VARIABLE,
    budget_json,
    budget_rows,
    budget_tables,
    payer_variable,
)
from simcore.report.file_info import file_facts
from simcore.stats.budget import DEFAULT_LEVEL

from .options import (
    file_argument,
    format_option,
    layout_option,
    read_output_option,
    read_overwrite_option,
    real_option,
    scenario_option,
    years_option,
)
from .tables import emit, output_format


@click.command("budget")
@file_argument
@click.option(
    "--var",
    "variable",
    default=None,
    help="Yearly amount of money to budget (USD or KRW), e.g. contribution_usd, "
    f"total_cost_usd [default: {PAYER_VARIABLE}, the contribution in the currency the ROK "
    "pays it in; contribution_usd, with a note saying so, for a file that keeps only its "
    "paths].",
)
@click.option(
    "--level",
    type=float,
    default=DEFAULT_LEVEL,
    show_default=True,
    help="Confidence level of the total over the years, in percent: 80 budgets the total's "
    "P80 (a value in (0, 1] is refused as a likely fraction).",
)
@years_option
@scenario_option
@real_option
@format_option
@layout_option
@read_output_option
@read_overwrite_option
def budget_command(
    file: Path,
    variable: str | None,
    level: float,
    years: str | None,
    scenarios: tuple[str, ...],
    real: bool,
    fmt: str | None,
    layout: str,
    output: Path | None,
    overwrite: bool,
) -> None:
    """How much to budget each year of FILE so that the years together are covered at
    --level.

    \b
    budget        the year's share of the total's percentile: its average on the paths
                  whose total equals that percentile (Euler allocation), with a 95%
                  interval; the years add up to the total's percentile exactly
    own Pxx       the year's own percentile; these add up to more (usually), and together
                  cover every year less often than --level says
    proportional  the total split in proportion to the years' means

    A batch gives one budget per scenario (--scenario to choose). --format json prints
    an object whose `budgets` list one object per scenario, in the file's units.
    """
    if 0 < level <= 1:
        # 0.8 is surely P80 written as a fraction (as JSON reports the level): refuse it
        # rather than budget the total's P0.8.
        raise SmasimInputError(
            f"--level is a percentage (80 = P80); did you mean --level {100 * level:g}?"
        )
    written = output_format(fmt, output, overwrite, layout)
    if variable is None:
        variable, reason = payer_variable(file)
        if reason:
            click.echo(f"Note: {reason}.", err=True)
    rows = budget_rows(file, variable=variable, level=level, years=years,
                       scenarios=scenarios or None, real=real)
    if written != "json":
        emit(rows, budget_tables, written, output, overwrite, layout=layout,
             about=partial(file_facts, file))
    elif output is None:
        click.echo(budget_json(rows), nl=False)
    else:
        write_text(output, budget_json(rows), overwrite=overwrite)

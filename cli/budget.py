"""``smasim budget``: budgets by year that add up to a confidence level of the total."""

from __future__ import annotations

from pathlib import Path

import click

from simcore.core.errors import SmasimInputError
from simcore.io.atomic import refuse_existing, write_text
from simcore.report.budget import DEFAULT_VARIABLE, budget_json, budget_rows, budget_tables
from simcore.report.formats import format_for
from simcore.stats.budget import DEFAULT_LEVEL

from .options import (
    file_argument,
    format_option,
    read_output_option,
    read_overwrite_option,
    real_option,
    scenario_option,
    years_option,
)
from .tables import emit


@click.command("budget")
@file_argument
@click.option(
    "--var",
    "variable",
    default=DEFAULT_VARIABLE,
    show_default=True,
    help="Yearly amount of money to budget (USD or KRW), e.g. contribution_krw, "
    "total_cost_usd.",
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
@read_output_option
@read_overwrite_option
def budget_command(
    file: Path,
    variable: str,
    level: float,
    years: str | None,
    scenarios: tuple[str, ...],
    real: bool,
    fmt: str | None,
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
    one object per scenario (a list for several), in the file's units.
    """
    if 0 < level <= 1:
        # 0.8 is surely P80 written as a fraction (as JSON reports the level): refuse it
        # rather than budget the total's P0.8.
        raise SmasimInputError(
            f"--level is a percentage (80 = P80); did you mean --level {100 * level:g}?"
        )
    refuse_existing(output, overwrite)
    rows = budget_rows(file, variable=variable, level=level, years=years,
                       scenarios=scenarios or None, real=real)
    if format_for(fmt, output.suffix if output else "") != "json":
        emit(rows, budget_tables, fmt, output, overwrite)
    elif output is None:
        click.echo(budget_json(rows), nl=False)
    else:
        write_text(output, budget_json(rows), overwrite=overwrite)

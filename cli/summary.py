"""``smasim summary``: the headline, percentile tables with their errors, exceedance,
convergence."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import click

from simcore.core.errors import SmasimInputError
from simcore.read.choices import parse_percentiles
from simcore.read.queries import (
    assumption_rows,
    convergence_rows,
    headline_rows,
    outcome_rows,
    summary_rows,
)
from simcore.read.rows import AssumptionRow
from simcore.report.file_info import file_facts
from simcore.report.formats import Tables, TextTable
from simcore.report.render import (
    assumption_tables,
    headline_tables,
    outcome_tables,
    summary_tables,
)
from simcore.stats.convergence import DEFAULT_PRECISION

from .options import (
    detail_option,
    file_argument,
    format_option,
    layout_option,
    read_output_option,
    read_overwrite_option,
    selection_options,
    wants_headline,
)
from .tables import emit, output_format

#: Widest headline printed, whatever the terminal (columns wrap into blocks beyond it).
HEADLINE_WIDTH = 100


def headline_text(rows: Sequence[Any], width: int,
                  assumptions: Sequence[AssumptionRow] = ()) -> str:
    """The headline as plain lines, at most ``width`` columns, then what each scenario
    assumes about troops (which the US cost and the cost per troop follow), scenarios that
    assume the same on one line."""
    lines: list[str] = []
    for table in headline_tables(rows, width=width):
        if lines:
            lines.append("")
        lines += table.to_text(width=width)
    if assumptions:
        lines += ["", *textwrap.wrap("Troops assumed (the US cost and the cost per troop "
                                     "follow them):", width=width)]
        alike: dict[str, list[str]] = {}
        for row in assumptions:
            alike.setdefault(row.text, []).append(row.scenario)
        for text, scenarios in alike.items():
            lines += textwrap.wrap(f"{', '.join(scenarios)}: {text}", width=width,
                                   initial_indent="  ", subsequent_indent="    ")
    return "\n".join(lines) + "\n"


@click.command("summary")
@file_argument
@detail_option("--convergence and --outcomes")
@selection_options
@click.option(
    "--convergence",
    is_flag=True,
    help="Show how the mean and percentiles settle as paths accumulate (the first n/2^k "
    "paths, down to at least 1,000), and the paths needed for --precision.",
)
@click.option(
    "--outcomes",
    is_flag=True,
    help="Show how often each negotiation outcome (status quo, demand, lapse, none) "
    "happens per year, with its standard error, instead of variables.",
)
@click.option(
    "--precision",
    type=float,
    default=DEFAULT_PRECISION,
    show_default=True,
    help="With --convergence: relative half-width wanted for the 95% intervals (0.01: ±1%).",
)
@format_option
@layout_option
@read_output_option
@read_overwrite_option
def summary_command(
    file: Path,
    detail: bool,
    variables: tuple[str, ...],
    scenarios: tuple[str, ...],
    percentiles: str | None,
    years: str | None,
    real: bool,
    thresholds: tuple[float, ...],
    convergence: bool,
    outcomes: bool,
    precision: float,
    fmt: str | None,
    layout: str,
    output: Path | None,
    overwrite: bool,
) -> None:
    """Summary of a result FILE: by default the headline, else tables with their errors.

    The headline (terminal only): the contribution in USD per year, the total cost and their
    horizon totals, scenarios as rows and years as columns, each cell the median with its
    P5-P95 range, and the troop levels each scenario assumes. --detail (or any selection)
    shows the full tables, and --format csv/json/markdown writes them for programs. -o
    FILE.xlsx writes an Excel workbook: without a selection the headline's sheets, then the
    detailed tables'. --layout wide writes CSV as the tables read (the headline without a
    selection). Stored statistics are read from the file's `summary` group (no samples are
    read); percentiles not stored, --exceed, --real and --convergence read the samples of
    one variable at a time.
    """
    written = output_format(fmt, output, overwrite, layout)
    wanted = parse_percentiles(percentiles) if percentiles is not None else None
    about = partial(file_facts, file)
    if convergence and thresholds:
        raise SmasimInputError("--convergence and --exceed: give one or the other")
    if outcomes:
        emit(outcome_rows(file, scenarios=scenarios or None), outcome_tables, written, output,
             overwrite, layout=layout, about=about)
        return
    chosen = (detail, variables, scenarios, percentiles, years, real, thresholds, convergence)
    if wants_headline(written, output, *chosen):
        width = min(HEADLINE_WIDTH, shutil.get_terminal_size((HEADLINE_WIDTH, 40)).columns)
        click.echo(headline_text(headline_rows(file), width, assumption_rows(file)), nl=False)
        return
    if convergence:
        rows = convergence_rows(
            file, variables=variables or None, scenarios=scenarios or None, years=years,
            percentiles=wanted, real=real, precision=precision,
        )
    else:
        rows = summary_rows(
            file, variables=variables or None, scenarios=scenarios or None, years=years,
            percentiles=wanted, real=real, exceed=thresholds,
        )
    tables: Tables = summary_tables
    if not any(chosen) and (written == "xlsx" or layout == "wide"):
        # A workbook opens on the headline (and what each scenario assumes), and a wide CSV
        # without a selection is the headline: scenarios as rows, years as columns.
        headline = headline_tables(headline_rows(file), width=None)
        if written == "xlsx":
            headline += assumption_tables(assumption_rows(file))

        def with_headline(rows: Sequence[Any]) -> list[TextTable]:
            return [*headline, *(summary_tables(rows) if written == "xlsx" else [])]

        tables = with_headline
    emit(rows, tables, written, output, overwrite, layout=layout, about=about)

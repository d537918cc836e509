"""``smasim summary``: percentile tables with their errors, exceedance, convergence.

Options shared by ``summary``, ``compare`` and ``plot`` are defined here, once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from simcore.errors import SmasimInputError
from simcore.report import (
    TextTable,
    convergence_rows,
    outcome_rows,
    outcome_tables,
    parse_percentiles,
    summary_rows,
    summary_tables,
)

FORMATS = ("table", "csv", "json", "markdown")
#: Output formats implied by the suffix of -o when --format is not given.
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}

file_argument = click.argument("file", type=click.Path(path_type=Path))
var_option = click.option(
    "--var",
    "variables",
    multiple=True,
    help="Variable (repeatable) [default: contribution_usd, contribution_krw, rok_share, "
    "total_cost_usd, cum_contribution_usd].",
)
scenario_option = click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    help="Scenario of a batch file (repeatable) [default: all].",
)
years_option = click.option(
    "--years",
    default=None,
    metavar="YEARS",
    help="Years to show: 2027, 2027-2031 or 2027,2029-2030 [default: all].",
)
real_option = click.option(
    "--real",
    is_flag=True,
    help="Money in base-year prices: USD deflated by each path's US CPI (as "
    "contribution_usd_real), KRW by Korean CPI.",
)
percentiles_option = click.option(
    "--percentiles",
    default=None,
    help="Comma-separated percentiles, e.g. 5,50,80,95 [default: those stored in the file]. "
    "Percentiles not stored are computed from the samples.",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="table/markdown: readable units, for people; csv/json: the file's units (USD, KRW, "
    "fractions), for programs [default: from -o's suffix (.csv, .json, .md), else table].",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file instead of the terminal.",
)


class Record(Protocol):
    """A row that flattens to a CSV/JSON record."""

    def as_record(self) -> dict[str, object]: ...


def _records(rows: Sequence[Record]) -> list[dict[str, object]]:
    """Flat records sharing one set of keys (their union, in order; absent ones None)."""
    records = [row.as_record() for row in rows]
    keys = list(dict.fromkeys(key for record in records for key in record))
    return [{key: record.get(key) for key in keys} for record in records]


def records_csv(rows: Sequence[Record]) -> str:
    """CSV in the file's units; an undefined value is an empty cell."""
    records = _records(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else [],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def records_json(rows: Sequence[Record]) -> str:
    """A JSON list of records in the file's units; an undefined value is null."""
    return json.dumps(_records(rows), indent=2, allow_nan=False) + "\n"


def _rich_table(text: TextTable) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for k, name in enumerate(text.header):
        table.add_column(name, justify="left" if k == 0 else "right", no_wrap=True)
    for row in text.rows:
        table.add_row(*row)
    return table


def print_tables(tables: Sequence[TextTable], file: TextIO | None = None) -> None:
    """Each table with rich: title above, caption below, cells never cut or wrapped.

    To the terminal (``file`` None) with its colours, else as plain text to ``file``.
    """
    rendered = [_rich_table(text) for text in tables]
    probe = Console(width=10_000)
    needed = max([80, *(probe.measure(table).maximum for table in rendered)])
    if file is None:
        console = Console(width=max(needed, Console().width))
    else:
        console = Console(file=file, width=needed, color_system=None)
    for text, table in zip(tables, rendered, strict=True):
        console.print(Text(text.title, style="bold"))
        console.print(table)
        if text.caption:
            console.print(Text(text.caption, style="dim"))
        console.print()


def emit(
    rows: Sequence[Record],
    tables: Callable[[Sequence[Any]], list[TextTable]],
    fmt: str | None,
    output: Path | None,
) -> None:
    """Print ``rows`` in format ``fmt`` to the terminal, or write them to ``output``.

    Without ``fmt``, the format follows ``output``'s suffix (``.csv``, ``.json``, ``.md``).
    """
    fmt = fmt or SUFFIX_FORMATS.get(output.suffix.lower() if output else "", "table")
    if fmt == "table":
        if output is None:
            print_tables(tables(rows))
            return
        with output.open("w", encoding="utf-8") as handle:
            print_tables(tables(rows), handle)
        return
    if fmt == "markdown":
        text = "\n".join(table.to_markdown() for table in tables(rows))
    elif fmt == "csv":
        text = records_csv(rows)
    else:
        text = records_json(rows)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.command("summary")
@file_argument
@var_option
@scenario_option
@percentiles_option
@years_option
@real_option
@click.option(
    "--exceed",
    "thresholds",
    type=float,
    multiple=True,
    metavar="VALUE",
    help="Threshold in the variable's units, e.g. 2e9 USD (repeatable): the probability of "
    "exceeding it per year and in any year shown, with its standard error.",
)
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
    default=0.01,
    show_default=True,
    help="With --convergence: relative half-width wanted for the 95% intervals (0.01: ±1%).",
)
@format_option
@output_option
def summary_command(
    file: Path,
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
    output: Path | None,
) -> None:
    """Percentile summary of a result FILE, each statistic with its Monte Carlo error.

    Stored statistics are read from the file's `summary` group (no samples are read);
    percentiles not stored, --exceed, --real and --convergence read the samples of one
    variable at a time.
    """
    wanted = parse_percentiles(percentiles) if percentiles is not None else None
    if convergence and thresholds:
        raise SmasimInputError("--convergence and --exceed: give one or the other")
    if outcomes:
        emit(outcome_rows(file, scenarios=scenarios or None), outcome_tables, fmt, output)
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
    emit(rows, summary_tables, fmt, output)

"""``smasim summary``: percentile tables from a result file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from simcore.report import SummaryRow, parse_percentiles, percentile_label, summary_rows
from simcore.variables import VARIABLES

FORMATS = ("table", "csv", "json")


def _scaled(value: float, scale: float) -> str:
    scaled = value / scale
    magnitude = abs(scaled)
    if magnitude >= 1000:
        return f"{scaled:,.0f}"
    if magnitude >= 100:
        return f"{scaled:,.1f}"
    return f"{scaled:,.3f}"


def render_tables(rows: list[SummaryRow], console: Console) -> None:
    """One rich table per scenario and variable, years as rows, in readable units."""
    groups: dict[tuple[str | None, str], list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault((row.scenario, row.variable), []).append(row)
    for (scenario, name), group in groups.items():
        spec = VARIABLES[name]
        unit = spec.display_unit or spec.units
        title = f"{name} [{unit}] — {spec.long_name}"
        if scenario is not None:
            title = f"{scenario}: {title}"
        table = Table(title=title, title_justify="left")
        table.add_column("year", justify="right")
        table.add_column("mean ±mcse", justify="right")
        for q in group[0].percentiles:
            table.add_column(percentile_label(q).upper(), justify="right")
        for row in group:
            cells = [
                "horizon" if row.year is None else str(row.year),
                f"{_scaled(row.mean, spec.display_scale)} ±{_scaled(row.mcse, spec.display_scale)}",
            ]
            cells += [_scaled(v, spec.display_scale) for v in row.percentiles.values()]
            table.add_row(*cells)
        console.print(table)


def render_csv(rows: list[SummaryRow]) -> str:
    """CSV in the file's units, one row per scenario, variable and year."""
    records = [row.as_record() for row in rows]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def render_json(rows: list[SummaryRow]) -> str:
    """JSON list of records in the file's units."""
    return json.dumps([row.as_record() for row in rows], indent=2)


@click.command("summary")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--var",
    "variables",
    multiple=True,
    help="Variable to show (repeatable) [default: contribution_usd, contribution_krw, "
    "rok_share, total_cost_usd, cum_contribution_usd].",
)
@click.option(
    "--percentiles",
    default=None,
    help="Comma-separated percentiles, e.g. 5,50,95 [default: those stored in the file]. "
    "Percentiles not stored are computed from the samples.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: scaled units for reading; csv/json: the file's units, for programs.",
)
def summary_command(
    file: Path, variables: tuple[str, ...], percentiles: str | None, fmt: str
) -> None:
    """Print the percentile summary of a result FILE (reads its `summary` group)."""
    rows = summary_rows(
        file,
        variables=list(variables) or None,
        percentiles=parse_percentiles(percentiles) if percentiles is not None else None,
    )
    if fmt == "table":
        render_tables(rows, Console(width=max(100, Console().width)))
    elif fmt == "csv":
        click.echo(render_csv(rows), nl=False)
    else:
        click.echo(render_json(rows))

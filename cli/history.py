"""``smasim history``: the shipped historical series (or a folder of the same layout).

Also holds what the three evidence commands (history, calibrate, backtest) share: the
``--data`` and ``--format`` options and the width of their tables. They stay apart from
``simcore.cli.options`` so that these commands do not import pydantic's models or the run
side (calibrate runs in well under a second).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import click

from simcore.evidence.history import DATA_FILES, History, load_history, negotiation_records
from simcore.report.formats import TextTable

from .tables import command_line, echo_json, output_format, print_tables

SERIES = tuple(name.removesuffix(".csv") for name in DATA_FILES)

data_option = click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder holding sma_amounts.csv, macro.csv, defense_budget.csv and "
    "negotiations.csv in the shipped layout [default: the data shipped with smasim].",
)


#: history's -o: only a workbook is written to a file (the text formats go to the terminal).
workbook_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
    help="The workbook --format xlsx writes (refused if it exists, unless --overwrite).")
workbook_overwrite_option = click.option("--overwrite", is_flag=True,
                                         help="Replace the -o file if it exists.")


def format_option(*choices: str) -> Any:
    """``--format`` among ``choices``, the first the default."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help="Output format.")


#: Columns the evidence commands' tables are laid out for: their titles and captions wrap
#: at it (the tables themselves are never cut).
WIDTH = 100


def print_table(table: TextTable) -> None:
    """One table of an evidence command, by :func:`~simcore.cli.tables.print_tables`."""
    print_tables([table], min_width=WIDTH)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:g}"
    return str(value)


def _records(history: History, series: str) -> list[dict[str, Any]]:
    table = history.tables()[f"{series}.csv"]
    return [{column: values[k].item() for column, values in table.columns.items()}
            for k in range(len(table))]


def _negotiation_records(history: History) -> list[dict[str, Any]]:
    return [
        {"agreement": r.agreement, "first_year": r.first_year, "last_year": r.last_year,
         "first_year_change": r.first_year_change, "status_quo_change": r.status_quo_change,
         "lapse": r.lapse,
         "lapse_months": r.lapse_months, "us_ask_usd": r.us_ask_usd,
         "implied_concession": r.implied_concession}
        for r in negotiation_records(history)
    ]


def _negotiation_table(records: list[dict[str, Any]]) -> TextTable:
    rows = [[r["agreement"], f"{r['first_year']}–{r['last_year']}",
             f"{100 * r['first_year_change']:+.1f}%", f"{100 * r['status_quo_change']:+.1f}%",
             "yes" if r["lapse"] else "",
             _cell(r["lapse_months"]),
             "" if math.isnan(r["us_ask_usd"]) else f"{r['us_ask_usd'] / 1e9:g}",
             "" if math.isnan(r["implied_concession"]) else f"{r['implied_concession']:.3f}"]
            for r in records]
    return TextTable(
        "Negotiations: each new agreement (negotiations.csv)",
        ["agreement", "years", "first-year change", "status quo", "lapse", "months",
         "US ask [USD bn]", "implied concession"], rows,
        "status quo: the change had the expiring agreement gone on under its own rule; "
        "implied concession s = (V_after − V_before) / (D − V_before), amounts in USD at "
        "each year's average rate", sheet="negotiations")


@click.command("history")
@click.option("--series", type=click.Choice(SERIES), default=None,
              help="One data file [default: all four].")
@click.option("--negotiations", is_flag=True,
              help="Each agreement's first-year change, lapse, US ask and implied concession "
              "share.")
@format_option("table", "csv", "json", "xlsx")
@data_option
@workbook_option
@workbook_overwrite_option
def history_command(series: str | None, negotiations: bool, fmt: str, data: Path | None,
                    output: Path | None, overwrite: bool) -> None:
    """Print the historical series smasim ships (sources: docs/data.md).

    --data reads a folder of the same layout instead (a copy with newer numbers).
    --format xlsx -o FILE.xlsx writes them as a workbook, a sheet per series.
    """
    from .main import InputError

    if fmt != "xlsx" and output is not None:
        raise InputError("-o: history writes a file only as a workbook (--format xlsx); "
                         "redirect the other formats")
    output_format(fmt, output, overwrite)
    history = load_history(data)
    names = [series] if series else list(SERIES)
    if negotiations:
        records = _negotiation_records(history)
        tables = [_negotiation_table(records)]
    else:
        tables = [_series_table(history, name) for name in names]
    if fmt == "xlsx":
        from simcore.report.xlsx import workbook_about, write_workbook

        assert output is not None  # output_format refused a workbook without one
        write_workbook(output, tables, [*workbook_about(command_line()),
                                        ("data", str(history.source))], overwrite=overwrite)
    elif negotiations and fmt == "json":
        echo_json({"records": records})
    elif negotiations and fmt == "csv":
        _echo_csv(records)
    elif fmt == "csv":
        if len(names) > 1:
            raise InputError("--format csv prints one file: add --series "
                             f"({', '.join(SERIES)})")
        _echo_csv(_records(history, names[0]))
    elif fmt == "json":
        echo_json({"series": {name: _records(history, name) for name in names}})
    else:
        for table in tables:
            print_table(table)


def _series_table(history: History, name: str) -> TextTable:
    records = _records(history, name)
    return TextTable(f"{name}.csv ({history.source})", list(records[0]),
                     [[_cell(v) for v in r.values()] for r in records], sheet=name)


def _echo_csv(records: list[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in r.items()} for r in records)
    click.echo(buffer.getvalue(), nl=False)

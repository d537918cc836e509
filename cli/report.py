"""``smasim report``: one self-contained HTML report of result files."""

from __future__ import annotations

from pathlib import Path

import click

from simcore.core.errors import SmasimInputError
from simcore.core.text import human_bytes
from simcore.io.atomic import refuse_existing, write_text

from .options import read_overwrite_option

#: Suffixes accepted for the report file.
HTML_SUFFIXES = (".html", ".htm")


@click.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write (refused if it exists, unless --overwrite).",
)
@click.option(
    "--sensitivity",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A file written by `smasim sensitivity -o`: adds the Shapley shares per year.",
)
@click.option(
    "--backtest",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A file written by `smasim backtest -o`: adds the forecast interval coverage.",
)
@click.option(
    "--notes",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A TOML file with a [report] table (title, question, bottom_line): your words for "
    "the first page, before those of the first scenario's [report] table.",
)
@click.option(
    "--discover",
    "discovery",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A file written by `smasim discover`: adds the judgments under which an outcome "
    "happens (the PRIM box and trajectory).",
)
@read_overwrite_option
def report_command(
    files: tuple[Path, ...],
    output: Path,
    sensitivity: Path | None,
    backtest: Path | None,
    notes: Path | None,
    discovery: Path | None,
    overwrite: bool,
) -> None:
    """Write one HTML report of result FILES for readers who never open Python.

    Its first page answers: the question, the bottom line in plain sentences built from
    the numbers, the fan chart of the ROK contribution for every scenario and five numbers
    for the first scenario (the central one) and the one that differs most. Then each
    scenario's question and its median and P80 by year (ROK contribution, cost of
    stationing, ROK share), S-curves, negotiation outcomes, differences from the first
    scenario, budgets by year, and the appendices: every number with its Monte Carlo error
    as `smasim summary`, `compare` and `budget` print it, how the configurations differ, and
    how the numbers were made (seed, paths, versions, config hashes, how to rerun). The
    file loads nothing from anywhere (figures are inline SVG), reads offline and prints on
    A4.
    """
    if output.suffix.lower() not in HTML_SUFFIXES:
        raise SmasimInputError(
            f"-o: {output} must end in .html (got {output.suffix or 'no suffix'})"
        )
    refuse_existing(output, overwrite)
    # matplotlib and the figures are imported only by the commands that draw.
    from simcore.report.html.report import build_report

    page = build_report(files, sensitivity=sensitivity, backtest=backtest, notes=notes,
                        discovery=discovery)
    write_text(output, page, overwrite=overwrite)
    click.echo(f"Wrote {output} ({human_bytes(len(page.encode()))})")

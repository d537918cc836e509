"""``smasim compare``: paired differences B − A under common random numbers."""

from __future__ import annotations

from pathlib import Path

import click

from simcore.read.choices import parse_percentiles
from simcore.read.queries import comparison_rows
from simcore.report.file_info import file_facts
from simcore.report.render import comparison_tables
from simcore.stats.compare import DEFAULT_SECTIONS

from .options import (
    file_argument,
    format_option,
    layout_option,
    read_output_option,
    read_overwrite_option,
    real_option,
    var_option,
    years_option,
)
from .tables import emit, output_format


@click.command("compare")
@file_argument
@click.argument("other", required=False, type=click.Path(path_type=Path))
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    help="Twice: scenario A, then B (B − A is reported). With two files, A names a scenario "
    "of FILE and B one of OTHER (needed only for batch files).",
)
@var_option
@click.option(
    "--percentiles",
    default="5,50,95",
    show_default=True,
    help="Comma-separated percentiles whose differences are shown.",
)
@years_option
@real_option
@click.option(
    "--sections",
    type=click.IntRange(min=2),
    default=DEFAULT_SECTIONS,
    show_default=True,
    help="Batches of paths for the percentile-difference intervals (sectioning).",
)
@format_option
@layout_option
@read_output_option
@read_overwrite_option
def compare_command(
    file: Path,
    other: Path | None,
    scenarios: tuple[str, ...],
    variables: tuple[str, ...],
    percentiles: str,
    years: str | None,
    real: bool,
    sections: int,
    fmt: str | None,
    layout: str,
    output: Path | None,
    overwrite: bool,
) -> None:
    """Compare scenario B with A path by path: FILE (a batch) or FILE OTHER (same design).

    Paths of the two scenarios share their random inputs, so each difference is paired:
    the mean of B − A with its standard error, each percentile's difference with a 95%
    interval (sectioning), the probabilities that B exceeds A and that it falls below A on
    a path, and how many times wider an unpaired comparison of independent runs would have
    been.
    """
    written = output_format(fmt, output, overwrite, layout)
    rows = comparison_rows(
        file,
        other,
        scenarios=scenarios,
        variables=variables or None,
        years=years,
        percentiles=parse_percentiles(percentiles),
        real=real,
        sections=sections,
    )
    def about() -> list[tuple[str, object]]:
        sides = [file] if other is None else [file, other]
        return [item for path in sides for item in file_facts(path)]

    emit(rows, comparison_tables, written, output, overwrite, layout=layout, about=about)

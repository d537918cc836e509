"""``smasim reweight``: the summary of a result file under other outcome probabilities."""

from __future__ import annotations

import shutil
import textwrap
from functools import partial
from pathlib import Path

import click

from simcore.analysis.reweight import (
    DEFAULT_MIN_ESS,
    reweight,
    reweighted_headline,
    reweighted_rows,
)
from simcore.read.choices import parse_percentiles
from simcore.read.queries import HEADLINE_QUANTITIES, assumption_rows
from simcore.report.file_info import file_facts
from simcore.report.reweighting import reweighted_tables

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
from .summary import HEADLINE_WIDTH, headline_text
from .tables import emit, output_format


@click.command("reweight")
@file_argument
@click.option(
    "--set",
    "assignments",
    metavar="KEY=VALUE",
    multiple=True,
    required=True,
    help="A judgment probability to summarize under (repeatable): an outcome's, "
    "negotiation.outcomes.demand.probability=0.5 (by name, or [1] by index), or "
    "agreement.reopen_probability=0.1. Applied to each scenario's stored configuration.",
)
@click.option(
    "--renormalize",
    is_flag=True,
    help="Rescale the outcomes not set so that all probabilities sum to 1, keeping their "
    "proportions.",
)
@click.option(
    "--min-ess",
    type=float,
    default=DEFAULT_MIN_ESS,
    show_default=True,
    help="Refuse when the effective sample size of the weights falls below this many paths "
    "(then simulate the new judgment afresh; the message gives the command).",
)
@detail_option()
@selection_options
@format_option
@layout_option
@read_output_option
@read_overwrite_option
def reweight_command(
    file: Path,
    assignments: tuple[str, ...],
    renormalize: bool,
    min_ess: float,
    detail: bool,
    variables: tuple[str, ...],
    scenarios: tuple[str, ...],
    percentiles: str | None,
    years: str | None,
    real: bool,
    thresholds: tuple[float, ...],
    fmt: str | None,
    layout: str,
    output: Path | None,
    overwrite: bool,
) -> None:
    """Summary of a result FILE under other outcome (or reopening) probabilities, without a
    rerun.

    Each stored path is weighted by the likelihood ratio of its negotiation history (which
    years negotiated, which outcome each drew) under the new probabilities: an exact
    importance sample of the new judgment. Shows what `smasim summary` shows (the headline,
    or with --detail or any selection the tables, in every --format), with Monte Carlo
    errors that account for the weights; one line per scenario on standard error gives the
    effective sample size. Refused: a change of anything else, probability for an outcome
    the run never drew, an effective sample size below --min-ess.
    """
    written = output_format(fmt, output, overwrite, layout)
    wanted = parse_percentiles(percentiles) if percentiles is not None else None
    headline = wants_headline(written, output, detail, variables, scenarios, percentiles, years,
                              real, thresholds)
    result = reweight(
        file, assignments, renormalize=renormalize, min_ess=min_ess,
        variables=HEADLINE_QUANTITIES if headline else variables or None,
        scenarios=scenarios or None, years=years, real=real,
    )
    facts = [f"Re-weighted {weights.describe()}." for weights in result.weights]
    if headline:
        width = min(HEADLINE_WIDTH, shutil.get_terminal_size((HEADLINE_WIDTH, 40)).columns)
        click.echo(headline_text(reweighted_headline(result), width, assumption_rows(file)),
                   nl=False)
        for line in facts:
            click.echo(textwrap.fill(line, width))
        return
    rows = reweighted_rows(result, percentiles=wanted, exceed=thresholds)
    emit(rows, partial(reweighted_tables, weights=result.weights), written, output, overwrite,
         layout=layout,
         about=lambda: [*file_facts(file), *(("re-weighting", line) for line in facts)])
    if written in ("csv", "json") or output:
        # The tables' captions say it; records have no caption: say it beside them.
        for line in facts:
            click.echo(line, err=True)

"""``smasim report``: one self-contained HTML file for readers who never open Python.

One more renderer over the read side's rows: the numbers come from the same functions as
``smasim summary`` (:func:`simcore.report.summary_rows`, :func:`~simcore.report.outcome_rows`),
``smasim compare`` (:func:`~simcore.report.comparison_rows`) and ``smasim budget``
(:func:`simcore.budget_report.budget_rows`), laid out by the same table functions
(:mod:`simcore.render`), and the figures are the ones ``smasim plot`` draws, inlined as SVG
(:mod:`simcore.html_document`). Sections, in order: the question each scenario answers and
what differs between them; the headline (P50 and P80 per year and of the horizon total,
with their intervals); fan charts and S-curves; negotiation outcomes; paired differences
against the first scenario; budgets by year; sensitivity and backtest when their files are
given; method and provenance.
"""

from __future__ import annotations

import html
import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.typing import LineStyleType

from simcore import plots
from simcore.budget_plot import budget_chart
from simcore.budget_report import (
    DEFAULT_VARIABLE,
    budget_explanation,
    budget_rows,
    budget_tables,
)
from simcore.errors import SmasimInputError
from simcore.figures import distribution_panels, fan_panels
from simcore.html_document import (
    Cell,
    Section,
    document,
    external_references,
    figure_html,
    paragraph,
    svg_settings,
    table_html,
    tiles,
)
from simcore.provenance import FileInfo, file_info
from simcore.render import (
    TextTable,
    comparison_tables,
    format_estimate,
    format_scaled,
    outcome_tables,
    title,
)
from simcore.report import comparison_rows, outcome_rows, summary_rows
from simcore.report_attachments import (
    coverage_tables,
    read_coverage,
    read_sensitivity,
    sensitivity_tables,
)
from simcore.rows import SummaryRow
from simcore.scenario_notes import config_differences, scenario_questions
from simcore.select import select
from simcore.store import check_result_file

__all__ = ["HEADLINE_LEVELS", "HEADLINE_VARIABLES", "build_report"]

#: The headline: each year's contribution and the horizon total (stored as a variable).
HEADLINE_VARIABLES = ("contribution_usd", "cum_contribution_usd")
#: Percentiles of the headline: the median and the P80 a budget office plans at.
HEADLINE_LEVELS = (50.0, 80.0)
#: The variable of the fan charts and the S-curves (its horizon total).
FIGURE_VARIABLE = "contribution_usd"
#: Dash patterns that tell overlaid scenario curves apart in black and white, in order.
DASHES: tuple[LineStyleType, ...] = (
    "-", "--", ":", "-.", (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1)),
)


@dataclass(frozen=True)
class _Source:
    """One result file of the report and what it says about itself."""

    path: Path
    info: FileInfo

    @property
    def scenarios(self) -> list[str]:
        return self.info.scenarios


def _tables_html(tables: Sequence[TextTable]) -> list[str]:
    """The read side's text tables as HTML tables (one more renderer of the same layout)."""
    return [table_html(t.title or "(continued)", t.header, t.rows, t.caption) for t in tables]


def _drawn(ident: str, draw: Callable[..., Figure], *args: Any, **kwargs: Any) -> str:
    """The SVG text of a :mod:`simcore.plots` figure, which writes a file: saved into a
    scratch folder under the page's settings, so it is rendered once."""
    with (tempfile.TemporaryDirectory(prefix="smasim-report-") as folder,
          matplotlib.rc_context(svg_settings(ident))):
        path = Path(folder) / "figure.svg"
        draw(*args, path, **kwargs)
        return path.read_text(encoding="utf-8")


def _dashed(figure: Figure, names: Sequence[str]) -> Figure:
    """Each scenario's curve (a line labelled with its name) and its legend entry (a text
    starting with its name) drawn with its own dash pattern, so that the overlaid curves
    stay apart when printed in black and white; other lines are left as they are."""
    def style(label: str) -> LineStyleType | None:
        matches = [k for k, name in enumerate(names) if label == name
                   or label.startswith(f"{name}:")]
        return DASHES[matches[0] % len(DASHES)] if matches else None

    for ax in figure.axes:
        pairs: list[tuple[Any, object]] = [(line, line.get_label()) for line in ax.get_lines()]
        legend = ax.get_legend()
        if legend is not None:
            pairs += [(handle, text.get_text())
                      for handle, text in zip(legend.legend_handles, legend.get_texts(),
                                              strict=True)]
        for artist, label in pairs:
            dash = style(str(label))
            if dash is not None and hasattr(artist, "set_linestyle"):
                artist.set_linestyle(dash)
    return figure


def _label(source: _Source, scenario: str, sources: Sequence[_Source]) -> str:
    """A scenario's name, with its file's name when the report has several files."""
    return scenario if len(sources) == 1 else f"{source.path.name}:{scenario}"


# --- sections --------------------------------------------------------------------------------


def _questions(sources: Sequence[_Source], root: Path | None) -> Section:
    parts = ["<dl>"]
    configs: dict[str, str] = {}
    for source in sources:
        history = str(source.info.attrs.get("history", ""))
        stored = source.info.configs()
        for question in scenario_questions(source.scenarios, history, root=root):
            name = _label(source, question.scenario, sources)
            configs[name] = stored[question.scenario]
            if question.question is None:
                text = ("Not stated: the result file keeps each configuration without its "
                        "comments, and no configuration file named in its history was found.")
            else:
                text = f"{question.question} (from {question.source})"
            parts.append(f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>")
    parts.append("</dl>\n")
    differences = config_differences(configs)
    if len(configs) == 1:
        parts.append(paragraph("One scenario: nothing to compare it with."))
    elif not differences:
        parts.append(paragraph("The scenarios' configurations are identical."))
    else:
        parts.append(table_html(
            "What differs between the scenarios' configurations",
            ["setting", *configs],
            [[d.key, *d.values.values()] for d in differences],
            "Every setting not listed is the same in all scenarios. — : not set (a section "
            "the scenario does not use).",
            numeric=False,
        ))
    return Section("questions", "The questions", "".join(parts))


def _headline_cells(row: SummaryRow) -> list[Cell]:
    scale = row.quantity.spec.display_scale
    cells = []
    for level in HEADLINE_LEVELS:
        estimate = row.percentiles[level]
        cells.append(Cell(format_estimate(estimate, scale), estimate.value))
    return cells


def _headline(sources: Sequence[_Source]) -> Section:
    parts = [paragraph(
        "P50: half of the simulated futures cost less. P80: four in five cost less, the level "
        "a budget with a 20 % risk of overrun plans at. ± is half the 95 % confidence "
        "interval of the estimate (Monte Carlo error), not the spread of outcomes."
    )]
    tables = []
    for source in sources:
        rows = summary_rows(source.path, variables=HEADLINE_VARIABLES,
                            percentiles=HEADLINE_LEVELS)
        for scenario in source.scenarios:
            mine = [r for r in rows if r.scenario == scenario]
            yearly = [r for r in mine if r.quantity.name == HEADLINE_VARIABLES[0]]
            total = [r for r in mine if r.quantity.name == HEADLINE_VARIABLES[1]]
            item = yearly[0].quantity
            body = [[Cell(str(r.year), None), *_headline_cells(r)] for r in yearly]
            body += [[Cell(f"{yearly[0].year}–{yearly[-1].year} total", None),
                      *_headline_cells(r)] for r in total]
            tables.append(table_html(
                title(item, _label(source, scenario, sources)),
                ["year", *(f"P{q:g} ±" for q in HEADLINE_LEVELS)],
                body,
                f"{yearly[0].n:,} paths. The total row is {HEADLINE_VARIABLES[1]}, the sum "
                "over the years on each path (its P80 is not the sum of the yearly P80s).",
            ))
    parts.append(tiles(tables))
    # The front page: what is asked, then the answer.
    return Section("headline", "Headline numbers", "".join(parts), new_page=False)


def _series_text(name: str, series: np.ndarray, years: Sequence[int], scale: float,
                 unit: str) -> str:
    p5, _, p50, _, p95 = series
    return (f"{name}: median {format_scaled(p50[0], scale)} in {years[0]}, "
            f"{format_scaled(p50[-1], scale)} in {years[-1]} {unit}; in {years[-1]}, 90 % of "
            f"paths between {format_scaled(p5[-1], scale)} and {format_scaled(p95[-1], scale)}.")


def _distributions(sources: Sequence[_Source]) -> Section:
    parts = []
    for k, source in enumerate(sources):
        selection = select(source.path, variables=[FIGURE_VARIABLE])
        item = selection.quantities[0]
        unit = item.display_unit
        panels = fan_panels(selection)
        fan = _drawn(f"fan-{k}", plots.fan_chart, selection.years, panels,
                     title=f"{item.name} by year — {source.path.name}")
        description = " ".join(
            _series_text(name, series, selection.years, panels[0].scale, unit)
            for name, series in panels[0].series.items()
        )
        parts.append(figure_html(fan, ident=f"fan-{k}", title=f"Fan chart of {item.name}",
                                 description=description + " Bands: P5–P95 and P25–P75."))
        totals = distribution_panels(selection, years_given=False)
        with tempfile.TemporaryDirectory(prefix="smasim-report-") as folder:
            curve = _dashed(
                plots.cdf_chart(totals, Path(folder) / "figure.svg",
                                title=f"{item.name}, {totals[0].description} — "
                                f"{source.path.name}"),
                list(totals[0].series),
            )
        marks = plots.CDF_MARKS
        description = " ".join(
            f"{name}: " + ", ".join(
                f"P{q:g} {format_scaled(v, totals[0].scale)}"
                for q, v in zip(marks, np.percentile(values, marks), strict=True)
            ) + f" {unit}."
            for name, values in totals[0].series.items()
        )
        parts.append(figure_html(
            curve, ident=f"scurve-{k}",
            title=f"S-curve of {item.name}, {totals[0].description}",
            description="Probability that the total stays at or below a value; one curve "
            "per scenario, each with its own dash pattern. " + description,
        ))
    return Section("distributions", "Fan charts and S-curves", "".join(parts))


def _outcomes(sources: Sequence[_Source]) -> Section:
    parts = [paragraph(
        "How often each outcome of the SMA negotiations happens in each year, in % of the "
        "simulated paths."
    )]
    for source in sources:
        parts.append(tiles(_tables_html(outcome_tables(outcome_rows(source.path)))))
    return Section("outcomes", "Negotiation outcomes", "".join(parts), new_page=False)


def _differences(sources: Sequence[_Source]) -> Section | None:
    pairs = [(source, scenario) for source in sources for scenario in source.scenarios]
    if len(pairs) < 2:
        return None
    (first, a), others = pairs[0], pairs[1:]
    parts = [paragraph(
        f"Each scenario against {_label(first, a, sources)}, path by path: scenarios of one "
        "run share their random numbers, so the difference is measured far more precisely "
        "than two separate runs would allow."
    )]
    tables: list[TextTable] = []
    notes = []
    caption = ""
    for source, b in others:
        other = None if source.path == first.path else source.path
        try:
            rows = comparison_rows(first.path, other, scenarios=[a, b],
                                   variables=HEADLINE_VARIABLES, percentiles=HEADLINE_LEVELS)
        except SmasimInputError as err:
            # Files of different designs have no paired paths: say so instead of guessing.
            notes.append(paragraph(f"{_label(source, b, sources)}: not paired ({err})."))
            continue
        yearly, horizon = comparison_tables(rows)
        caption = yearly.caption
        # One table per scenario: its years, then the horizon total (the same columns); the
        # caption, the same for every pair, is printed once below them.
        tables.append(TextTable(
            title=f"{yearly.title}; last row: {HEADLINE_VARIABLES[1]}, the horizon total",
            header=yearly.header, rows=[*yearly.rows, *horizon.rows],
        ))
    parts += [tiles(_tables_html(tables)), paragraph(caption, css_class="note"), *notes]
    # Follows the outcomes in print: together they fill whole pages.
    return Section("differences", f"Differences from {_label(first, a, sources)}",
                   "".join(parts), new_page=False)


def _budgets(sources: Sequence[_Source]) -> Section:
    parts = [paragraph(
        "How much to request each year so that the whole period is covered with 80 % "
        "confidence. The yearly amounts add up to the P80 of the total; requesting each "
        "year's own P80 instead asks for more in total and still covers every year less "
        "often than 80 %."
    )]
    for k, source in enumerate(sources):
        rows = budget_rows(source.path, variable=DEFAULT_VARIABLE)
        parts.append(paragraph(budget_explanation(rows), css_class="note"))
        parts.append(tiles(_tables_html(budget_tables(rows, explain=False))))
        first = rows[0].budget
        item = first.quantity
        figure = budget_chart(first.years, first.result, title=f"{first.scenario}: "
                              f"{item.name} budgets — {source.path.name}",
                              label=f"{item.name} [{item.display_unit}]",
                              scale=item.spec.display_scale)
        r = first.result
        scale = item.spec.display_scale
        parts.append(figure_html(
            figure, ident=f"budget-{k}", title=f"Budgets by year, {first.scenario}",
            description=(
                f"Stacked by year, the budget adds up to the total's P{r.level:g}, "
                f"{format_scaled(r.total, scale)} {item.display_unit}; the years' own "
                f"P{r.level:g}s add up to {format_scaled(r.percentile_sum, scale)}. By year, "
                "budget vs own percentile: " + "; ".join(
                    f"{year} {format_scaled(r.budget[t], scale)} vs "
                    f"{format_scaled(r.percentile[t], scale)}"
                    for t, year in enumerate(first.years)
                ) + "."
            ),
        ))
    return Section("budgets", "Budgets by year", "".join(parts))


def _sensitivity(path: Path) -> Section:
    rows = read_sensitivity(path)
    body = paragraph(
        "Which uncertainty drives each year: the share of the variance that each group of "
        f"random inputs explains (grouped Shapley effects), from {path.name}."
    ) + tiles(_tables_html(sensitivity_tables(rows)))
    return Section("sensitivity", "What drives the uncertainty", body)


def _backtest(path: Path) -> Section:
    rows = read_coverage(path)
    body = paragraph(
        "How the model's driver forecasts fared against history: from each past year, the "
        "drivers were calibrated on the data known then and simulated forward. The "
        f"simulations use point estimates of the parameters (intervals run narrow), from "
        f"{path.name}."
    ) + "".join(_tables_html(coverage_tables(rows)))
    return Section("backtest", "Backtest coverage", body, new_page=False)


def _provenance(sources: Sequence[_Source], extra: Sequence[str]) -> Section:
    parts = []
    for source in sources:
        attrs = source.info.attrs
        facts = [
            ("file", str(source.path)),
            ("created", str(attrs.get("created", "—"))),
            ("command", str(attrs.get("history", "—"))),
            ("seed", f"{attrs.get('seed', '—')} ({attrs.get('seed_source', 'recorded')})"),
            ("paths per scenario", f"{int(attrs.get('n_samples', 0)):,}"),
            ("sampler", f"{attrs.get('sampler', '—')}, bit generator "
                        f"{attrs.get('bit_generator', '—')}, blocks of "
                        f"{attrs.get('block_size', '—')} paths"),
            ("software", str(attrs.get("library_versions", attrs.get("source", "—")))),
        ] + [(f"config SHA-256, {name}", digest)
             for name, digest in source.info.config_hashes().items()]
        parts.append("<dl class=\"facts\">" + "".join(
            f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in facts
        ) + "</dl>\n")
    files = " ".join(shlex.quote(str(s.path)) for s in sources)
    parts.append("<h3>How to rerun</h3>\n" + paragraph(
        "Every result file holds its configurations and seed, so it can be simulated again "
        "bit for bit, and this report rebuilt from it:"
    ) + "<pre>" + html.escape(
        "\n".join([*(f"smasim rerun {shlex.quote(str(s.path))}" for s in sources),
                   f"smasim report {files}{''.join(extra)}"])
    ) + "</pre>\n")
    parts.append("<h3>How to read the Monte Carlo error</h3>\n" + paragraph(
        "Every number comes from a finite number of simulated paths, so it carries a Monte "
        "Carlo error: a second run with another seed would give a slightly different value. "
        "± after a percentile is half its 95 % confidence interval (from order statistics, no "
        "distribution assumed); after a mean, its standard error; after a paired difference, "
        "half its 95 % interval by sectioning (20 batches). When ± is small against the digits "
        "you use, the number is settled; otherwise run more paths. The error is not the "
        "spread of outcomes: P5–P95 and the S-curves show that."
    ) + paragraph(
        "Budgets by year split the total's P80 by the Euler allocation: each year's amount is "
        "its average on the paths whose total is exactly that P80, estimated from the paths "
        "nearest it, so the years add up to the total."
    ))
    return Section("method", "Method and provenance", "".join(parts))


# --- the document ----------------------------------------------------------------------------


def build_report(
    paths: Sequence[str | Path],
    *,
    sensitivity: str | Path | None = None,
    backtest: str | Path | None = None,
    root: Path | None = None,
) -> str:
    """The HTML report of one or more result files.

    Parameters
    ----------
    paths : sequence of str or Path
        Complete smasim result files (runs or batches); the first scenario of the first
        file is the reference of the paired differences.
    sensitivity : str or Path, optional
        A ``smasim sensitivity`` netCDF file: adds the Shapley section.
    backtest : str or Path, optional
        A ``smasim backtest -o`` file: adds the coverage section.
    root : Path, optional
        Where configuration files named in the files' history are looked for (their header
        comments state each scenario's question) [default: the working directory].

    Returns
    -------
    str
        A complete HTML document that makes no request when opened.

    Raises
    ------
    SmasimInputError
        A file is missing, incomplete or not a smasim file; an attached file has the wrong
        layout.
    """
    if not paths:
        raise SmasimInputError("files: give at least one result file")
    sources = []
    for path in paths:
        sources.append(_Source(Path(path), file_info(check_result_file(path))))
    sections = [_questions(sources, root), _headline(sources), _distributions(sources),
                _outcomes(sources)]
    differences = _differences(sources)
    if differences is not None:
        sections.append(differences)
    sections.append(_budgets(sources))
    extra = []
    if sensitivity is not None:
        sections.append(_sensitivity(Path(sensitivity)))
        extra.append(f" --sensitivity {shlex.quote(str(sensitivity))}")
    if backtest is not None:
        sections.append(_backtest(Path(backtest)))
        extra.append(f" --backtest {shlex.quote(str(backtest))}")
    sections.append(_provenance(sources, extra))
    names = ", ".join(_label(s, n, sources) for s in sources for n in s.scenarios)
    page = document(
        "SMA cost-sharing scenarios",
        sections,
        lead=f"Monte Carlo simulation of US–ROK Special Measures Agreement cost-sharing: "
        f"{names}.",
        footer=f"Made by smasim {sources[0].info.attrs.get('smasim_version', '')} from "
        f"{', '.join(s.path.name for s in sources)}. Self-contained: it loads nothing.",
    )
    leaks = external_references(page)
    if leaks:  # a bug, not a user error: never hand out a page that would reach out
        raise RuntimeError(f"the report would load {leaks[0]!r}")
    return page

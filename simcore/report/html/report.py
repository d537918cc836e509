"""``smasim report``: one self-contained HTML file for readers who never open Python.

One more renderer over the read side's rows: the numbers come from the same functions as
``smasim summary`` (:func:`simcore.read.queries.summary_rows`,
:func:`~simcore.read.queries.outcome_rows`),
``smasim compare`` (:func:`~simcore.read.queries.comparison_rows`) and ``smasim budget``
(:func:`simcore.report.budget.budget_rows`), laid out by the same table functions
(:mod:`simcore.report.render`), and the figures are the ones ``smasim plot`` draws, inlined as SVG
(:mod:`simcore.report.html.document`). Sections, in order: key findings in words and the headline
(P50 and P80 per year of the contribution, the total cost and the ROK share, and of the
horizon total, with their intervals); the question each scenario answers; whose judgment
the negotiation inputs are, when they were elicited; fan charts and S-curves; negotiation
outcomes; paired differences against the first scenario; budgets by
year; sensitivity and backtest when their files are given; an appendix of what differs
between the configurations; method and provenance. Variables are named in words (their
long names), table cells exactly as the commands print them.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from simcore.analysis.backtest import read_negotiation_backtest
from simcore.analysis.discover import read_discovery
from simcore.core.errors import SmasimInputError
from simcore.core.variables import VARIABLES
from simcore.io.provenance import FileInfo, file_info
from simcore.io.reader import check_result_file
from simcore.read.choices import Quantity
from simcore.read.queries import assumption_rows, comparison_rows, outcome_rows, summary_rows
from simcore.read.rows import ComparisonRow, SummaryRow, percentile_label
from simcore.read.select import select
from simcore.report import plots
from simcore.report.attachments import read_coverage, read_sensitivity
from simcore.report.backtest import coverage_tables, negotiation_tables
from simcore.report.budget import (
    DEFAULT_VARIABLE,
    budget_explanation,
    budget_rows,
    budget_tables,
)
from simcore.report.budget_plot import budget_chart
from simcore.report.discovery import discovery_chart, discovery_sentence, discovery_tables
from simcore.report.figure import dashed
from simcore.report.formats import TextTable
from simcore.report.html.document import (
    Cell,
    Section,
    document,
    external_references,
    figure_html,
    paragraph,
    table_html,
    tiles,
)
from simcore.report.html.judgment import judgment_section
from simcore.report.panels import distribution_panels, fan_panels
from simcore.report.render import (
    comparison_tables,
    format_estimate,
    format_scaled,
    format_with_error,
    outcome_tables,
)
from simcore.report.scenario_notes import config_differences, scenario_questions
from simcore.report.sensitivity import variance_share_tables

__all__ = ["KEY_LEVELS", "KEY_VARIABLES", "build_report"]

#: The key findings' numbers (the report's own headline; ``smasim summary``'s is
#: :data:`simcore.read.queries.HEADLINE_QUANTITIES`): each year's contribution and the
#: horizon total (stored as a variable).
KEY_VARIABLES = ("contribution_usd", "cum_contribution_usd")
#: Also in the headline and the differences, by year: what the alliance costs and the
#: ROK's share of it (a drawdown changes these, not the SMA contribution).
COST_VARIABLES = ("total_cost_usd", "rok_share")
#: Percentiles of the key findings: the median and the P80 a budget office plans at.
KEY_LEVELS = (50.0, 80.0)
#: The variable of the fan charts and the S-curves (its horizon total).
FIGURE_VARIABLE = "contribution_usd"
#: Significant digits of the numbers in the configuration differences.
CONFIG_DIGITS = 4


@dataclass(frozen=True)
class _Source:
    """One result file of the report and what it says about itself."""

    path: Path
    info: FileInfo

    @property
    def scenarios(self) -> list[str]:
        return self.info.scenarios


def _named(item: Quantity) -> str:
    """A variable in words with its display unit: ``ROK SMA contribution, nominal [USD bn]``."""
    return f"{item.description} [{item.display_unit}]"


def _words(code: str) -> str:
    """An outcome code as words: ``no_negotiation`` → ``no negotiation``."""
    return code.replace("_", " ")


#: A variable's code in a title, with its unit and long name after it as the read side
#: writes them (``contribution_usd [USD bn] — ROK SMA contribution, nominal``), or alone.
_CODES = [
    (re.compile(rf"\b{re.escape(name)}(?: \[([^\]]*)\] — {re.escape(spec.long_name)})?\b"),
     spec.long_name, spec.display_unit)
    for name, spec in sorted(VARIABLES.items(), key=lambda item: -len(item[0]))
]


def _worded(text: str) -> str:
    """``text`` with every variable's code replaced by its long name and unit (the unit
    tells apart long names that two currencies share)."""
    for code, long_name, unit in _CODES:
        def named(match: re.Match[str], name: str = long_name, unit: str = unit) -> str:
            shown = match[1] or unit
            return f"{name} [{shown}]" if shown else name

        text = code.sub(named, text)
    return text


def _in_words(table: TextTable) -> TextTable:
    """A read-side table with variables named in words in its title (its cells as they are,
    so that they still equal what the command prints)."""
    return replace(table, title=_worded(table.title))


def _tables_html(tables: Sequence[TextTable]) -> list[str]:
    """The read side's text tables as HTML tables (one more renderer of the same layout)."""
    return [table_html(t.title or "(continued)", t.header, t.rows, t.caption) for t in tables]


def _label(source: _Source, scenario: str, sources: Sequence[_Source]) -> str:
    """A scenario's name, with its file's name when the report has several files."""
    return scenario if len(sources) == 1 else f"{source.path.name}:{scenario}"


# --- sections --------------------------------------------------------------------------------


def _questions(sources: Sequence[_Source]) -> Section:
    parts = ["<dl>"]
    for source in sources:
        for question in scenario_questions(source.info.comments()):
            name = _label(source, question.scenario, sources)
            if question.question is None:
                text = ("Not stated: the result file keeps no opening comment of this "
                        "scenario's configuration, where its question would be.")
            else:
                text = question.question
            parts.append(f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>")
    parts.append("</dl>\n")
    if sum(len(s.scenarios) for s in sources) == 1:
        parts.append(paragraph("One scenario: nothing to compare it with."))
    else:
        parts.append(paragraph("The settings in which they differ are listed in the appendix "
                               "(Configuration differences)."))
    return Section("questions", "The questions", "".join(parts), new_page=False)


def _configuration(sources: Sequence[_Source]) -> Section | None:
    """Appendix: the settings in which the scenarios differ, for a reader (4 digits)."""
    configs: dict[str, str] = {}
    for source in sources:
        stored = source.info.configs()
        configs.update((_label(source, n, sources), stored[n]) for n in source.scenarios)
    if len(configs) == 1:
        return None
    differences = config_differences(configs, digits=CONFIG_DIGITS, whole=False)
    if not differences:
        body = paragraph("The scenarios' configurations are identical.")
    else:
        body = table_html(
            "What differs between the scenarios' configurations",
            ["setting", *configs],
            [[d.key, *d.values.values()] for d in differences],
            f"Numbers to {CONFIG_DIGITS} significant digits; every setting not listed reads "
            "the same in all scenarios at that precision. — : not set (a section the scenario "
            "does not use).",
            numeric=False,
        )
    return Section("configuration", "Appendix: configuration differences", body,
                   new_page=False)


def _headline_cells(row: SummaryRow) -> list[Cell]:
    scale = row.quantity.spec.display_scale
    cells = []
    for level in KEY_LEVELS:
        estimate = row.percentiles[level]
        cells.append(Cell(format_estimate(estimate, scale), estimate.value))
    return cells


def _amount(row: SummaryRow, level: float) -> str:
    """A percentile as the headline table shows it, without its ± (its digits are those
    its Monte Carlo error settles)."""
    return format_estimate(row.percentiles[level], row.quantity.spec.display_scale
                           ).split(" ±")[0]


def _findings(sources: Sequence[_Source], headline: Mapping[str, list[SummaryRow]],
              pairs: Sequence[_Pair]) -> str:
    """Key findings in words, from the headline's and the differences' own numbers, each
    scenario's with the troop levels it assumes (the US cost follows them)."""
    troops = {_label(source, row.scenario, sources): row.text
              for source in sources for row in assumption_rows(source.path)}
    sentences = []
    for name, rows in headline.items():
        yearly = [r for r in rows if r.quantity.name == KEY_VARIABLES[0]]
        (total,) = [r for r in rows if r.quantity.name == KEY_VARIABLES[1]]
        (share,) = [r for r in rows if r.quantity.name == COST_VARIABLES[1]
                    and r.year == yearly[-1].year]
        last = yearly[-1]
        unit = last.quantity.display_unit
        sentences.append(
            f"{name}: the ROK contribution in {last.year} is {_amount(last, 50)} {unit} at the "
            f"median (P80 {_amount(last, 80)}); over {yearly[0].year}–{last.year} it totals "
            f"{_amount(total, 50)} {unit} (P80 {_amount(total, 80)}); in {last.year} the ROK "
            f"carries {_amount(share, 50)} % of the total "
            f"stationing cost at the median. It assumes {troops[name]}."
        )
    paired = [p for p in pairs if p.rows]
    if paired:
        reference = paired[0].reference
        for variable, year, what in ((KEY_VARIABLES[1], None, "horizon total of the "
                                      "ROK contribution"),
                                     (COST_VARIABLES[0], "last", "total stationing cost in "
                                      "the last year")):
            def change(pair: _Pair, variable: str = variable, year: Any = year) -> ComparisonRow:
                rows = [r for r in pair.rows if r.quantity.name == variable]
                return rows[-1] if year == "last" else rows[0]

            largest = max(paired, key=lambda p: abs(change(p).percentiles[50.0].difference))
            row = change(largest)
            median = row.percentiles[50.0]
            if median.difference == 0:
                continue
            # As the differences table shows it, without its ± and sign.
            shown = format_with_error(median.difference, median.half_width,
                                      row.quantity.spec.display_scale).split(" ±")[0]
            sentences.append(
                f"The largest difference from {reference} in the {what} is {largest.label}'s: "
                f"{shown.lstrip('-')} "
                f"{row.quantity.display_unit} {'more' if median.difference > 0 else 'less'} at "
                "the median "
                f"{'over the horizon' if row.year is None else f'in {row.year}'}."
            )
    return "<ul class=\"findings\">" + "".join(
        f"<li>{html.escape(text)}</li>" for text in sentences) + "</ul>\n"


def _headline(sources: Sequence[_Source], pairs: Sequence[_Pair]) -> Section:
    headline: dict[str, list[SummaryRow]] = {}
    tables = []
    for source in sources:
        rows = summary_rows(source.path, variables=[*KEY_VARIABLES, *COST_VARIABLES],
                            percentiles=KEY_LEVELS)
        for scenario in source.scenarios:
            name = _label(source, scenario, sources)
            mine = headline[name] = [r for r in rows if r.scenario == scenario]
            by = {(r.quantity.name, r.year): r for r in mine}
            yearly = [r for r in mine if r.quantity.name == KEY_VARIABLES[0]]
            (total,) = [r for r in mine if r.quantity.name == KEY_VARIABLES[1]]
            n = total.n
            columns = [KEY_VARIABLES[0], *COST_VARIABLES]
            body = [[Cell(str(r.year), None),
                     *(c for v in columns for c in _headline_cells(by[v, r.year]))]
                    for r in yearly]
            body.append([Cell(f"{yearly[0].year}–{yearly[-1].year} total", None),
                         *_headline_cells(total),
                         *([Cell("—", None)] * (2 * len(COST_VARIABLES)))])
            tables.append(table_html(
                f"{name}: P50 and P80 by year",
                ["year", *(f"P{q:g} ±" for _ in columns for q in KEY_LEVELS)],
                body,
                groups=[("", 1), *((_named(by[v, yearly[0].year].quantity), len(KEY_LEVELS))
                                   for v in columns)],
            ))
    parts = [_findings(sources, headline, pairs), "<h3>Headline numbers</h3>\n", paragraph(
        "P50: half of the simulated futures cost less. P80: four in five cost less, the level "
        "a budget with a 20 % risk of overrun plans at. ± is half the 95 % confidence "
        "interval of the estimate (Monte Carlo error), not the spread of outcomes."
    ), *tables, paragraph(
        f"{n:,} paths per scenario. The total row sums the contribution over the years on "
        "each path (its P80 is not the sum of the yearly P80s); the cost and the share have "
        "no total here.", css_class="note")]
    # The front page: the answer first, then what was asked.
    return Section("headline", "Key findings", "".join(parts), new_page=False)


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
        named = _named(item)
        # Axes and panel titles name the variable in words, not by its code.
        panels = [replace(p, label=named) for p in fan_panels(selection)]
        fan = plots.fan_chart(selection.years, panels,
                              title=f"{item.description} by year — {source.path.name}")
        description = " ".join(
            _series_text(name, series, selection.years, panels[0].scale, unit)
            for name, series in panels[0].series.items()
        )
        parts.append(figure_html(fan, ident=f"fan-{k}",
                                 title=f"Fan chart of the {item.description}",
                                 description=description + " Bands: P5–P95 and P25–P75."))
        totals = [replace(p, label=named)
                  for p in distribution_panels(selection, years_given=False)]
        curve = dashed(
            plots.cdf_chart(totals, title=f"{item.description}, {totals[0].description} — "
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
            title=f"S-curve of the {item.description}, {totals[0].description}",
            description="Probability that the total stays at or below a value; one curve "
            "per scenario, each with its own dash pattern. " + description,
        ))
    return Section("distributions", "Fan charts and S-curves", "".join(parts),
                   new_page=False)


def _outcomes(sources: Sequence[_Source]) -> Section:
    parts = [paragraph(
        "How often each outcome of the SMA negotiations happens in each year, in % of the "
        "simulated paths."
    )]
    for source in sources:
        tables = [replace(t, header=[_words(h) for h in t.header], caption=_words(t.caption))
                  for t in outcome_tables(outcome_rows(source.path))]
        parts.append(tiles(_tables_html(tables)))
    return Section("outcomes", "Negotiation outcomes", "".join(parts), new_page=False)


@dataclass(frozen=True)
class _Pair:
    """A scenario against the report's first: ``compare``'s rows, or why there are none."""

    reference: str
    label: str
    rows: list[ComparisonRow]
    error: str = ""


def _pairs(sources: Sequence[_Source]) -> list[_Pair]:
    """Every scenario after the first against the first, over the headline's variables."""
    scenarios = [(source, scenario) for source in sources for scenario in source.scenarios]
    (first, a), pairs = scenarios[0], []
    reference = _label(first, a, sources)
    for source, b in scenarios[1:]:
        other = None if source.path == first.path else source.path
        try:
            rows = comparison_rows(first.path, other, scenarios=[a, b],
                                   variables=[*KEY_VARIABLES, *COST_VARIABLES],
                                   percentiles=KEY_LEVELS)
        except SmasimInputError as err:
            # Files of different designs have no paired paths: say so instead of guessing.
            pairs.append(_Pair(reference, _label(source, b, sources), [], str(err)))
            continue
        pairs.append(_Pair(reference, _label(source, b, sources), rows))
    return pairs


def _differences(pairs: Sequence[_Pair]) -> Section | None:
    if not pairs:
        return None
    reference = pairs[0].reference
    parts = [paragraph(
        f"Each scenario against {reference}, path by path: scenarios of one run share their "
        "random numbers, so the difference is measured far more precisely than two separate "
        "runs would allow. The factor in brackets after an interval, such as (×12.0), says "
        "how many times wider that interval would be had the two scenarios been simulated "
        "separately."
    )]
    tables: list[str] = []
    notes = []
    caption = ""
    costs: list[tuple[str, list[TextTable]]] = []
    named: dict[str, str] = {}
    for pair in pairs:
        if not pair.rows:
            notes.append(paragraph(f"{pair.label}: not paired ({pair.error})."))
            continue

        def table(variable: str, rows: Sequence[ComparisonRow] = pair.rows) -> TextTable:
            (found,) = comparison_tables([r for r in rows if r.quantity.name == variable])
            return found

        yearly, horizon = (table(v) for v in KEY_VARIABLES)
        caption = yearly.caption
        item = next(r.quantity for r in pair.rows if r.quantity.name == KEY_VARIABLES[0])
        # Per scenario: its years, then the horizon total (the same columns); the caption,
        # the same for every pair, is printed once below them.
        tables += _tables_html([TextTable(
            title=f"{pair.label} − {reference}: {_named(item)}; last row: the horizon total",
            header=yearly.header, rows=[*yearly.rows, *horizon.rows],
        )])
        costs.append((pair.label, [table(v) for v in COST_VARIABLES]))
        named.update((r.quantity.name, _named(r.quantity)) for r in pair.rows)
    parts += [tiles(tables), paragraph(caption, css_class="note"), *notes]
    parts += _cost_differences(costs, named, reference)
    # Follows the outcomes in print: together they fill whole pages.
    return Section("differences", f"Differences from {reference}", "".join(parts),
                   new_page=False)


def _cost_differences(costs: Sequence[tuple[str, list[TextTable]]],
                      named: Mapping[str, str], reference: str) -> list[str]:
    """The cost and the share compactly: for each, every scenario's ΔP50 by year, as
    ``compare`` prints it (one column per scenario)."""
    if not costs:
        return []
    parts = []
    for k, variable in enumerate(COST_VARIABLES):
        first = costs[0][1][k]
        column = first.header.index(f"Δ{percentile_label(KEY_LEVELS[0]).upper()} ±ci")
        parts.append(table_html(
            f"{named[variable]}: difference of the median (ΔP50) from {reference}",
            ["year", *(label for label, _ in costs)],
            [[row[0], *(tables[k].rows[i][column] for _, tables in costs)]
             for i, row in enumerate(first.rows)],
        ))
    return parts


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
        tables = [_in_words(t) for t in budget_tables(rows, explain=False)]
        parts.append(tiles(_tables_html(tables)))
        first = rows[0].budget
        item = first.quantity
        figure = budget_chart(first.years, first.result, title=f"{first.scenario}: "
                              f"{item.description} budgets — {source.path.name}",
                              label=_named(item),
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
    # Follows the differences in print: the sections fill whole pages (at most 12 for the
    # shipped batch with both attachments).
    return Section("budgets", "Budgets by year", "".join(parts), new_page=False)


def _sensitivity(path: Path) -> Section:
    rows = read_sensitivity(path)
    body = paragraph(
        "Which uncertainty drives each year: the share of the variance that each group of "
        f"random inputs explains (grouped Shapley effects), from {path.name}."
    ) + tiles(_tables_html([_in_words(t) for t in variance_share_tables(rows)]))
    # Short: follows the budgets in print.
    return Section("sensitivity", "What drives the uncertainty", body, new_page=False)


def _backtest(path: Path) -> Section:
    rows = read_coverage(path)
    body = paragraph(
        "How the model's driver forecasts fared against history: from each past year, the "
        "drivers were calibrated on the data known then and simulated forward, each path "
        "with parameters drawn from that calibration's posterior (smasim backtest's default; "
        "a file written with --method plug-in used 0.2's point estimates), from "
        f"{path.name}."
    ) + "".join(_tables_html(coverage_tables(rows)))
    negotiations = read_negotiation_backtest(path)
    if negotiations is not None:
        body += paragraph(
            "How the negotiation outcomes fared against the agreements since 1994: each one "
            "forecast by the history model fitted to the agreements before it, by the status "
            "quo and by each judgment scenario."
        ) + "".join(_tables_html(negotiation_tables(negotiations)))
    return Section("backtest", "Backtest coverage", body, new_page=False)


def _discovery(path: Path) -> Section:
    found = read_discovery(path)
    title = f"{found.case.text}: PRIM trajectory and box {found.box}"
    body = paragraph(
        f"Under which judgments the outcome happens: from the exploration {found.source} "
        f"(smasim explore), each point marked a case when {found.case.text}, and PRIM's boxes "
        f"of the varied judgments where the cases concentrate, from {path.name}. "
        + discovery_sentence(found)
    ) + figure_html(
        discovery_chart(found, title=title), ident="discovery", title=title,
        description=discovery_sentence(found),
    ) + "".join(_tables_html(discovery_tables(found)))
    return Section("discovery", "Under which judgments", body, new_page=False)


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
    # Follows the appendix in print: the page count stays within 12 for the shipped batch.
    return Section("method", "Method and provenance", "".join(parts), new_page=False)


# --- the document ----------------------------------------------------------------------------


def build_report(
    paths: Sequence[str | Path],
    *,
    sensitivity: str | Path | None = None,
    backtest: str | Path | None = None,
    discovery: str | Path | None = None,
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
    discovery : str or Path, optional
        A ``smasim discover`` file: adds the boxes of judgments section.

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
        info = file_info(check_result_file(path))
        if "explore" in info.groups:
            raise SmasimInputError(
                f"{path}: an exploration ({len(info.scenarios)} points and levers), not a "
                "report's run; report a run or batch and attach the exploration's findings "
                "with --discover (a smasim discover file)"
            )
        sources.append(_Source(Path(path), info))
    pairs = _pairs(sources)
    sections = [_headline(sources, pairs), _questions(sources)]
    judgments = judgment_section({_label(s, name, sources): record for s in sources
                                  for name, record in s.info.elicitations().items()})
    if judgments is not None:
        sections.append(judgments)
    sections += [_distributions(sources), _outcomes(sources)]
    differences = _differences(pairs)
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
    if discovery is not None:
        sections.append(_discovery(Path(discovery)))
        extra.append(f" --discover {shlex.quote(str(discovery))}")
    configuration = _configuration(sources)  # an appendix: follows the budgets in print
    if configuration is not None:
        sections.append(configuration)
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

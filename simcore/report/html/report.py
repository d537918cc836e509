"""``smasim report``: one self-contained HTML file for readers who never open Python.

One more renderer over the read side's rows: the numbers come from the same functions as
``smasim summary`` (:func:`simcore.read.queries.summary_rows`,
:func:`~simcore.read.queries.outcome_rows`), ``smasim compare``
(:func:`~simcore.read.queries.comparison_rows`) and ``smasim budget``
(:func:`simcore.report.budget.budget_rows`), and the figures are the ones ``smasim plot``
draws, inlined as SVG (:mod:`simcore.report.html.document`).

Sections, in order: the bottom line (the first page: the question, the answer in plain
sentences built from the numbers, the fan chart of the payment for every scenario and five
numbers; :mod:`simcore.report.html.front`); the scenarios (each one's question and
assumptions, and its numbers by year); whose judgment the negotiation inputs are, when they
were elicited; how the horizon totals spread (S-curves); the
negotiation outcomes; the differences from the central scenario; budgets by year; what
drives the answer and the backtest, when their files are given; then the appendices: every
number with its Monte Carlo error as the commands print it, what differs between the
configurations, and the method and provenance.

The reading tables round as readers do and carry no ± (:mod:`simcore.report.reading`,
:mod:`simcore.report.html.reading_tables`): a number whose Monte Carlo error could change its
last digit is marked, and one sentence on the first page says how precise the numbers are.
Variables, groups and outcomes are named in words everywhere.
"""

from __future__ import annotations

import html
import shlex
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simcore.analysis.backtest import read_negotiation_backtest
from simcore.analysis.discover import read_discovery
from simcore.analysis.sensitivity_file import read_sensitivity as read_sensitivity_file
from simcore.config.load import load_report_notes
from simcore.core.errors import SmasimInputError
from simcore.io.provenance import FileInfo, file_info
from simcore.io.reader import check_result_file
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
    budgets_of,
)
from simcore.report.budget_plot import budget_chart
from simcore.report.discovery import discovery_chart, discovery_sentence, discovery_tables
from simcore.report.figure import dashed
from simcore.report.formats import TextTable
from simcore.report.html.controls import controllables, controls_section, fan_geometry
from simcore.report.html.document import (
    Cell,
    Markup,
    Section,
    document,
    external_references,
    figure_html,
    paragraph,
    table_html,
    tiles,
)
from simcore.report.html.front import (
    FRONT_LEVELS,
    FRONT_VARIABLES,
    AuthorWords,
    LiveNumbers,
    ScenarioNumbers,
    bottom_line,
    default_title,
    fan_panel,
    key_table,
    main_alternative,
)
from simcore.report.html.judgment import judgment_section
from simcore.report.html.reading_tables import (
    budget_table,
    by_year_table,
    difference_table,
    outcome_table,
)
from simcore.report.panels import distribution_panels
from simcore.report.reading import MARK, Reading, precision_sentence
from simcore.report.render import (
    axis_label,
    comparison_tables,
    format_estimate,
    format_scaled,
)
from simcore.report.scenario_notes import config_differences, scenario_questions
from simcore.report.sensitivity import drivers_sentence, variance_share_tables
from simcore.report.sensitivity_panels import drawn_groups, shapley_panels, tornado_selection
from simcore.report.sensitivity_plots import shapley_chart, tornado_chart

__all__ = ["CONFIG_DIGITS", "COST_VARIABLES", "FIGURE_VARIABLE", "KEY_LEVELS",
           "KEY_VARIABLES", "build_report"]

#: The payment by year and its horizon total (stored as a variable).
KEY_VARIABLES = ("contribution_usd", "cum_contribution_usd")
#: Also by year, in the scenarios' tables and the differences: what the alliance costs and
#: the ROK's share of it (a drawdown changes these, not the SMA contribution).
COST_VARIABLES = ("total_cost_usd", "rok_share")
#: Percentiles of the tables by year: the median and the P80 a budget office plans at.
KEY_LEVELS = (50.0, 80.0)
#: The variable of the fan chart, the S-curves and the drivers' chart.
FIGURE_VARIABLE = "contribution_usd"
#: Significant digits of the numbers in the configuration differences.
CONFIG_DIGITS = 4
#: Every variable the report reads the summary of.
_SUMMARY_VARIABLES = tuple(dict.fromkeys([*FRONT_VARIABLES, *KEY_VARIABLES, *COST_VARIABLES]))
_LEVEL_WORDS = "P50: half of the simulated futures cost less. P80: four in five cost less"


@dataclass(frozen=True)
class _Source:
    """One result file of the report and what it says about itself."""

    path: Path
    info: FileInfo

    @property
    def scenarios(self) -> list[str]:
        return self.info.scenarios


def _words(code: str) -> str:
    """An outcome's name as words: ``no_negotiation`` → ``no negotiation``."""
    return code.replace("_", " ")


def _tables_html(tables: Sequence[TextTable]) -> list[str]:
    """The read side's text tables as HTML tables (one more renderer of the same layout)."""
    return [table_html(t.title or "(continued)", t.header, t.rows, t.caption) for t in tables]


def _label(source: _Source, scenario: str, sources: Sequence[_Source]) -> str:
    """A scenario's name, with its file's name when the report has several files."""
    return scenario if len(sources) == 1 else f"{source.path.name}:{scenario}"


def _labels(sources: Sequence[_Source]) -> list[str]:
    return [_label(s, n, sources) for s in sources for n in s.scenarios]


def _sentence(text: str | None) -> str:
    """``text`` ending as a sentence, and a space; nothing for None."""
    if not text:
        return ""
    return f"{text} " if text[-1] in ".?!" else f"{text}. "


def _paths_text(sources: Sequence[_Source]) -> str:
    counts = sorted({int(s.info.attrs.get("n_samples", 0)) for s in sources})
    return (f"{counts[0]:,} simulated paths per scenario" if len(counts) == 1
            else f"{counts[0]:,} to {counts[-1]:,} simulated paths per scenario")


# --- what the report reads -------------------------------------------------------------------


def _numbers(sources: Sequence[_Source]) -> list[ScenarioNumbers]:
    """Every scenario's summary rows at the first page's levels (the tables' P50 and P80
    among them), as ``smasim summary`` gives them."""
    found = []
    for source in sources:
        rows = summary_rows(source.path, variables=_SUMMARY_VARIABLES, percentiles=FRONT_LEVELS)
        for scenario in source.scenarios:
            found.append(ScenarioNumbers(
                _label(source, scenario, sources),
                {(r.quantity.name, r.year): r for r in rows if r.scenario == scenario}))
    return found


def _stored_words(source: _Source) -> dict[str, dict[str, str]]:
    """Each scenario's ``[report]`` table, as stored in the file with its configuration."""
    return {name: tomllib.loads(text).get("report", {})
            for name, text in source.info.configs().items()}


def _questions(sources: Sequence[_Source]) -> dict[str, str | None]:
    """Each scenario's question: its ``[report]`` question, else the one its
    configuration's opening comment asks (the result file keeps it); None where neither
    is found."""
    found: dict[str, str | None] = {}
    for source in sources:
        words = _stored_words(source)
        for question in scenario_questions(source.info.comments()):
            found[_label(source, question.scenario, sources)] = (
                words[question.scenario].get("question") or question.question)
    return found


def _author_words(sources: Sequence[_Source], notes: AuthorWords | None,
                  question: str | None) -> AuthorWords:
    """The notes file's words, else the central scenario's ``[report]`` table; the question
    falls back to the central scenario's."""
    stored = _stored_words(sources[0])[sources[0].scenarios[0]]
    given = notes or AuthorWords()
    return AuthorWords(
        title=given.title or stored.get("title"),
        question=given.question or stored.get("question") or question,
        bottom_line=given.bottom_line or stored.get("bottom_line"),
    )


@dataclass(frozen=True)
class _Pair:
    """A scenario against the report's first: ``compare``'s rows, or why there are none."""

    reference: str
    label: str
    rows: list[ComparisonRow]
    error: str = ""

    def of(self, variable: str) -> list[ComparisonRow]:
        """The rows of one variable, in year order (a horizon total: one row)."""
        return [r for r in self.rows if r.quantity.name == variable]


def _pairs(sources: Sequence[_Source]) -> list[_Pair]:
    """Every scenario after the first against the first, over the tables' variables."""
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


# --- sections --------------------------------------------------------------------------------


def _front(numbers: Sequence[ScenarioNumbers], words: AuthorWords,
           live: LiveNumbers, readings: Mapping[str, Reading], paths: str
           ) -> tuple[Section, Figure]:
    """The first page: the bottom line, the fan chart of the payment, five numbers, and how
    precise they are; and the chart as drawn (the page's controls redraw its bands)."""
    central, *others = numbers
    alternative = main_alternative(central, others)
    # The author's bottom line is theirs: only a generated one has live numbers.
    said = (paragraph(words.bottom_line) if words.bottom_line is not None
            else paragraph(bottom_line(central, alternative, live)))
    years, panel = fan_panel(numbers)
    item = central.quantity(FIGURE_VARIABLE)
    chart = plots.fan_small_multiples(
        years, panel, title=f"{item.description}: median and ranges by year",
        unit=item.display_unit)
    shown = [central] if alternative is None else [central, alternative]
    table = key_table(shown, live)
    precision = precision_sentence({**live.readings, **readings}, paths)
    body = (
        f'<div class="bottom-line">{said}</div>\n' + paragraph(precision, css_class="note")
        + figure_html(chart, ident="fan", title=f"{item.description} by year, every scenario",
                      description="Each panel one scenario, all on one scale: the line is the "
                      "median, the dark band holds half the simulated futures (P25–P75), the "
                      "light band nine in ten (P5–P95).")
        + table
    )
    return Section("bottom-line", "The bottom line", body, new_page=False), chart


def _controls(sources: Sequence[_Source], numbers: Sequence[ScenarioNumbers],
              live: LiveNumbers, chart: Figure) -> Section | None:
    """Controls for each negotiating scenario's probabilities, which recompute the first
    page in the page (:mod:`simcore.report.html.controls`); None when none can move."""
    items = controllables([(_label(source, name, sources), source.path, text)
                           for source in sources for name, text in source.info.configs().items()])
    return controls_section(items, numbers, live,
                            fan_geometry(chart, [n.label for n in numbers]))


def _scenarios(sources: Sequence[_Source], numbers: Sequence[ScenarioNumbers],
               questions: Mapping[str, str | None],
               keep: Callable[[str, Reading], None]) -> Section:
    """Each scenario's question and assumptions, and its numbers by year."""
    troops = {_label(source, row.scenario, sources): row.text
              for source in sources for row in assumption_rows(source.path)}
    parts = ["<dl>"]
    for label in _labels(sources):
        said = _sentence(questions[label]) + f"It assumes {troops[label]}."
        parts.append(f"<dt>{html.escape(label)}</dt><dd>{html.escape(said)}</dd>")
    parts.append("</dl>\n")
    unstated = [label for label, question in questions.items() if question is None]
    if unstated:
        parts.append(paragraph(
            f"No question is stated for {', '.join(unstated)}: the configuration sets no "
            "[report] question, and the result file keeps no opening comment of it, where "
            "the question would be.", css_class="note"))
    if len(questions) > 1:
        parts.append(paragraph("The settings in which they differ are listed in the "
                               "appendix (Configuration differences)."))
    parts.append("<h3>Year by year</h3>\n" + paragraph(
        f"{_LEVEL_WORDS}, the level a budget with a 20% risk of overrun plans at. The total "
        "row sums the payment over the years on each path (its P80 is not the sum of the "
        "yearly P80s). The cost of stationing counts South Korea's payments and other "
        "support and what the US pays itself; under the offset rule (us_cost.offset_share) "
        "a larger Korean payment replaces US spending in the share each scenario sets, so it "
        "moves cost from the US to Korea rather than adding to it."))
    parts.append(tiles([by_year_table(n, [KEY_VARIABLES[0], *COST_VARIABLES], KEY_LEVELS,
                                      KEY_VARIABLES[1], keep) for n in numbers]))
    return Section("scenarios", "The scenarios", "".join(parts))


def _distributions(sources: Sequence[_Source]) -> Section:
    parts = [paragraph("How the payment's total over the horizon is spread: the probability "
                       "that it stays at or below each value.")]
    for k, source in enumerate(sources):
        selection = select(source.path, variables=[FIGURE_VARIABLE])
        item = selection.quantities[0]
        totals = distribution_panels(selection, years_given=False)
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
            ) + f" {item.display_unit}."
            for name, values in totals[0].series.items()
        )
        parts.append(figure_html(
            curve, ident=f"scurve-{k}",
            title=f"S-curve of the {item.description}, {totals[0].description}",
            description="One curve per scenario, each with its own dash pattern. "
            + description,
        ))
    return Section("distributions", "How the totals spread", "".join(parts), new_page=False)


def _outcomes(sources: Sequence[_Source]) -> Section:
    parts = [paragraph(
        "How often each outcome of the SMA negotiations happens in each year, in % of the "
        "simulated paths (no negotiation: no talks that year)."
    )]
    tables = []
    for source in sources:
        rows = outcome_rows(source.path)
        for scenario in dict.fromkeys(r.scenario for r in rows):
            label = _label(source, scenario or source.scenarios[0], sources)
            tables.append(outcome_table(label, [r for r in rows if r.scenario == scenario],
                                        _words))
    parts.append(tiles(tables))
    return Section("outcomes", "Negotiation outcomes", "".join(parts), new_page=False)


def _differences(pairs: Sequence[_Pair], numbers: Sequence[ScenarioNumbers]
                 ) -> Section | None:
    """Each scenario's median (and the payment's P80) against the central scenario's, by
    year, as a reader reads them."""
    if not pairs:
        return None
    reference = pairs[0].reference
    paired = [p for p in pairs if p.rows]
    parts = [paragraph(
        f"Each scenario against {reference}, path by path: scenarios of one run share their "
        "random numbers, so a difference is measured far more precisely than two separate "
        "runs would allow. A difference of medians is not the median difference."
    )]
    if paired:
        labels = [p.label for p in paired]
        spec = {v: numbers[0].quantity(v).spec for v in (*KEY_VARIABLES, *COST_VARIABLES)}
        payment = [[*p.of(KEY_VARIABLES[0]), *p.of(KEY_VARIABLES[1])] for p in paired]
        named = axis_label(numbers[0].quantity(KEY_VARIABLES[0]))
        for level in KEY_LEVELS:
            parts.append(difference_table(
                f"{named}: difference of the {percentile_label(level).upper()} from "
                f"{reference} (last row: the horizon total)", labels, payment, level,
                spec[KEY_VARIABLES[0]]))
        for variable in COST_VARIABLES:
            item = numbers[0].quantity(variable)
            # A share's difference reads in percentage points.
            unit = "points" if item.display_unit == "%" else item.display_unit
            parts.append(difference_table(
                f"{item.description} [{unit}]: difference of the median from {reference}",
                labels, [p.of(variable) for p in paired], KEY_LEVELS[0], spec[variable]))
    parts += [paragraph(f"{p.label}: not paired ({p.error}).") for p in pairs if not p.rows]
    return Section("differences", f"Differences from {reference}", "".join(parts),
                   new_page=False)


def _budgets(sources: Sequence[_Source]) -> Section:
    parts = [paragraph(
        "How much to request each year so that the whole period is covered with 80% "
        "confidence. The yearly amounts add up to the P80 of the total; requesting each "
        "year's own P80 instead asks for more in total and still covers every year less "
        "often than 80%."
    )]
    for k, source in enumerate(sources):
        budgets = budgets_of(budget_rows(source.path, variable=DEFAULT_VARIABLE))
        parts.append(tiles([budget_table(replace(b, scenario=_label(source, b.scenario,
                                                                     sources)))
                            for b in budgets]))
        first = budgets[0]
        item = first.quantity
        r, scale = first.result, item.spec.display_scale
        figure = budget_chart(first.years, r, title=f"{first.scenario}: {item.description} "
                              f"budgets — {source.path.name}", label=axis_label(item),
                              scale=scale)
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
    return Section("budgets", "Budgets by year", "".join(parts), new_page=False)


def _drawn_variable(variables: Sequence[str]) -> str:
    """The sensitivity file's variable the report draws: the payment in dollars, else in
    won, else the file's first."""
    return next((v for v in (FIGURE_VARIABLE, "contribution_krw") if v in variables),
                variables[0])


def _drivers(path: Path) -> Section:
    """What drives the answer: the Shapley shares of the payment's variance per year,
    drawn, and what dominates which years in one sentence."""
    dataset = read_sensitivity_file(path)
    variables = [str(v) for v in dataset["variable"].values]
    variable = _drawn_variable(variables)
    panels, groups, dropped = drawn_groups(shapley_panels(dataset, [variable]),
                                           [str(g) for g in dataset["group"].values])
    (panel,) = panels
    sentence = drivers_sentence(panel.years, panel.shares, groups, "the payment")
    title = f"{panel.label}: share of each year's variance by group of inputs"
    body = paragraph(
        "Which uncertainty drives each year: the share of the variance of the payment that "
        f"each group of random inputs explains (grouped Shapley effects), from {path.name}. "
        + sentence
    ) + figure_html(
        shapley_chart(panels, groups, title=title), ident="shapley", title=title,
        description=sentence + (f" Left out, zero in every year: {', '.join(dropped)}."
                                if dropped else ""))
    return Section("sensitivity", "What drives the answer", body, new_page=False)


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


# --- appendices ------------------------------------------------------------------------------


def _estimate_cells(row: SummaryRow) -> list[Cell]:
    scale = row.quantity.spec.display_scale
    return [Cell(format_estimate(row.percentiles[q], scale), row.percentiles[q].value)
            for q in KEY_LEVELS]


def _yearly_errors(numbers: Sequence[ScenarioNumbers]) -> list[str]:
    """The tables by year with each number's ±, exactly as ``smasim summary`` prints them."""
    tables = []
    columns = [KEY_VARIABLES[0], *COST_VARIABLES]
    for n in numbers:
        years = n.years
        body = [[Cell(str(year), None), *(c for v in columns
                                          for c in _estimate_cells(n.rows[v, year]))]
                for year in years]
        body.append([Cell(f"{years[0]}–{years[-1]} total", None),
                     *_estimate_cells(n.rows[KEY_VARIABLES[1], None]),
                     *([Cell("—", None)] * (2 * len(COST_VARIABLES)))])
        tables.append(table_html(
            f"{n.label}: P50 and P80 by year, with their errors",
            ["year", *(f"P{q:g} ±" for _ in columns for q in KEY_LEVELS)], body,
            groups=[("", 1), *((axis_label(n.quantity(v)), len(KEY_LEVELS))
                               for v in columns)],
        ))
    return tables


def _difference_errors(pairs: Sequence[_Pair]) -> list[str]:
    """``smasim compare``'s tables: the payment per scenario, then the cost and the share's
    ΔP50 of every scenario."""
    parts: list[str] = []
    tables: list[str] = []
    caption = ""
    costs: list[tuple[str, list[TextTable]]] = []
    for pair in pairs:
        if not pair.rows:
            continue

        def table(variable: str, rows: Sequence[ComparisonRow] = pair.rows) -> TextTable:
            (found,) = comparison_tables([r for r in rows if r.quantity.name == variable])
            return found

        yearly, horizon = (table(v) for v in KEY_VARIABLES)
        caption = yearly.caption
        item = pair.of(KEY_VARIABLES[0])[0].quantity
        tables += _tables_html([TextTable(
            title=f"{pair.label} − {pair.reference}: {axis_label(item)}; last row: the "
            "horizon total", header=yearly.header, rows=[*yearly.rows, *horizon.rows])])
        costs.append((pair.label, [table(v) for v in COST_VARIABLES]))
    if not costs:
        return parts
    parts += [tiles(tables), paragraph(caption, css_class="note")]
    reference = pairs[0].reference
    for k, variable in enumerate(COST_VARIABLES):
        first = costs[0][1][k]
        column = first.header.index(f"Δ{percentile_label(KEY_LEVELS[0]).upper()} ±ci")
        item = next(r.quantity for p in pairs for r in p.of(variable))
        parts.append(table_html(
            f"{axis_label(item)}: difference of the median (ΔP50) from {reference}",
            ["year", *(label for label, _ in costs)],
            [[row[0], *(mine[k].rows[i][column] for _, mine in costs)]
             for i, row in enumerate(first.rows)],
        ))
    return parts


def _budget_errors(sources: Sequence[_Source]) -> list[str]:
    """``smasim budget``'s tables, titled in words."""
    parts = []
    for source in sources:
        rows = budget_rows(source.path, variable=DEFAULT_VARIABLE)
        tables = [replace(t, title=f"{b.scenario}: {axis_label(b.quantity)}: budget for the "
                          f"P{b.result.level:g} of the total")
                  for t, b in zip(budget_tables(rows, explain=False), budgets_of(rows),
                                  strict=True)]
        parts += [paragraph(budget_explanation(rows), css_class="note"),
                  tiles(_tables_html(tables))]
    return parts


def _sensitivity_errors(path: Path) -> list[str]:
    """The Shapley shares with their standard errors, and the tornado of the payment's
    last year."""
    tables = variance_share_tables(read_sensitivity(path))
    dataset = read_sensitivity_file(path)
    variable = _drawn_variable([str(v) for v in dataset["variable"].values])
    correlations, label = tornado_selection(dataset, [variable])
    title = f"{label}: rank correlation of each input with the payment"
    return [tiles(_tables_html(tables)), figure_html(
        tornado_chart(correlations, title=title, label=label), ident="tornado", title=title,
        description="The inputs most correlated with the payment, largest |ρ| first: "
        + "; ".join(f"{name} {rho:+.2f}" for name, rho in
                    zip(correlations.inputs[:5], correlations.rho[:5], strict=True)) + ".")]


def _errors(numbers: Sequence[ScenarioNumbers], pairs: Sequence[_Pair],
            sources: Sequence[_Source], sensitivity: Path | None) -> Section:
    """Appendix: every table of the report with its Monte Carlo errors, as the commands
    print it."""
    parts = [paragraph(
        "Every number comes from a finite number of simulated paths, so it carries a Monte "
        "Carlo error: a second run with another seed would give a slightly different value. "
        "± after a percentile is half its 95% confidence interval (from order statistics, no "
        "distribution assumed); after a mean, its standard error; after a paired difference, "
        "half its 95% interval by sectioning (20 batches). The error is not the spread of "
        f"outcomes: P5–P95 and the S-curves show that. The reading tables mark with {MARK} a "
        "number whose error could change its last digit."
    ), "<h3>The scenarios by year</h3>\n", tiles(_yearly_errors(numbers))]
    differences = _difference_errors(pairs)
    if differences:
        parts += ["<h3>Differences</h3>\n", paragraph(
            "The factor in brackets after an interval, such as (×12.0), says how many times "
            "wider that interval would be had the two scenarios been simulated separately."),
            *differences]
    parts += ["<h3>Budgets</h3>\n", *_budget_errors(sources)]
    parts.append(paragraph(
        "Negotiation outcomes: the standard error of a frequency p of n paths is "
        "sqrt(p(1 − p)/n), at most 0.5/√n (" + ", ".join(
            f"{100 * 0.5 / np.sqrt(int(s.info.attrs.get('n_samples', 1))):.2g} points for "
            f"{s.path.name}" for s in sources) + ")."))
    if sensitivity is not None:
        parts += ["<h3>What drives the answer</h3>\n", *_sensitivity_errors(sensitivity)]
    return Section("errors", "Appendix: Monte Carlo errors", "".join(parts))


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
    parts.append("<h3>How the numbers are read</h3>\n" + paragraph(
        "Reading tables: money to three significant digits in billions of dollars or "
        "trillions of won, shares and probabilities in percent (whole from 10%, one decimal "
        f"below); {MARK} marks a number whose Monte Carlo error could change the last digit "
        "shown. The appendix gives every number with its error, as smasim summary, compare "
        "and budget print it."
    ) + paragraph(
        "Budgets by year split the total's P80 by the Euler allocation: each year's amount is "
        "its average on the paths whose total is exactly that P80, estimated from the paths "
        "nearest it, so the years add up to the total."
    ))
    return Section("method", "Method and provenance", "".join(parts), new_page=False)


# --- the document ----------------------------------------------------------------------------


def build_report(
    paths: Sequence[str | Path],
    *,
    sensitivity: str | Path | None = None,
    backtest: str | Path | None = None,
    notes: str | Path | None = None,
    discovery: str | Path | None = None,
) -> str:
    """The HTML report of one or more result files.

    Parameters
    ----------
    paths : sequence of str or Path
        Complete smasim result files (runs or batches); the first scenario of the first
        file is the central scenario, the reference of the differences.
    sensitivity : str or Path, optional
        A ``smasim sensitivity`` netCDF file: adds what drives the answer.
    backtest : str or Path, optional
        A ``smasim backtest -o`` file: adds the coverage section.
    notes : str or Path, optional
        A TOML file with a ``[report]`` table (title, question, bottom_line): the author's
        words, before any the central scenario's configuration gives.
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
        layout; the notes file breaks its contract.
    """
    if not paths:
        raise SmasimInputError("files: give at least one result file")
    given = None
    if notes is not None:
        section = load_report_notes(notes)
        given = AuthorWords(section.title, section.question, section.bottom_line)
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
    numbers = _numbers(sources)
    pairs = _pairs(sources)
    questions = _questions(sources)
    words = _author_words(sources, given, questions[numbers[0].label])
    readings: dict[str, Reading] = {}
    scenarios = _scenarios(sources, numbers, questions, readings.__setitem__)
    live = LiveNumbers()
    front, chart = _front(numbers, words, live, readings, _paths_text(sources))
    sections = [front]
    controls = _controls(sources, numbers, live, chart)
    if controls is not None:
        sections.append(controls)
    first = len(sections)  # the first page, and its controls on the screen
    sections.append(scenarios)
    judgments = judgment_section({_label(s, name, sources): record for s in sources
                                  for name, record in s.info.elicitations().items()})
    if judgments is not None:
        sections.append(judgments)
    sections += [_distributions(sources), _outcomes(sources)]
    differences = _differences(pairs, numbers)
    if differences is not None:
        sections.append(differences)
    sections.append(_budgets(sources))
    extra = []
    if notes is not None:
        extra.append(f" --notes {shlex.quote(str(notes))}")
    if sensitivity is not None:
        sections.append(_drivers(Path(sensitivity)))
        extra.append(f" --sensitivity {shlex.quote(str(sensitivity))}")
    if backtest is not None:
        sections.append(_backtest(Path(backtest)))
        extra.append(f" --backtest {shlex.quote(str(backtest))}")
    if discovery is not None:
        sections.append(_discovery(Path(discovery)))
        extra.append(f" --discover {shlex.quote(str(discovery))}")
    sections.append(_errors(numbers, pairs, sources,
                            None if sensitivity is None else Path(sensitivity)))
    configuration = _configuration(sources)
    if configuration is not None:
        sections.append(configuration)
    sections.append(_provenance(sources, extra))
    title = words.title or default_title(numbers[0].years)
    page = document(
        title,
        sections,
        lead=Markup(f"<strong>The question.</strong> {html.escape(words.question)}")
        if words.question else "",
        before_contents=first,
        footer=f"Made by smasim {sources[0].info.attrs.get('smasim_version', '')} from "
        f"{', '.join(s.path.name for s in sources)}: {', '.join(_labels(sources))}. "
        "Self-contained: it loads nothing.",
    )
    leaks = external_references(page)
    if leaks:  # a bug, not a user error: never hand out a page that would reach out
        raise RuntimeError(f"the report would load {leaks[0]!r}")
    return page

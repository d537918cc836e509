"""The read side's rows laid out for people: numbers with their errors, and text tables.

:func:`summary_tables`, :func:`comparison_tables`, :func:`outcome_tables` and
:func:`headline_tables` turn the row dataclasses of :mod:`simcore.read.rows` into
:class:`~simcore.report.formats.TextTable` values of display strings with a title and a
caption; every file format (:data:`~simcore.report.formats.RENDERERS`) and the terminal's
rich tables are drawn from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from simcore.read.choices import Quantity
from simcore.read.rows import (
    AssumptionRow,
    ComparisonRow,
    Estimate,
    HeadlineRow,
    OutcomeRow,
    SummaryRow,
    percentile_label,
)
from simcore.report.formats import Column, Number, TextTable, whole
from simcore.stats.summary import INTERVAL_LEVEL

#: Shown where no interval exists (P0 and P100: the sample's minimum and maximum).
NO_INTERVAL = "n/a"


# --- numbers for people ----------------------------------------------------------------------


def _digits(scaled: float) -> int:
    """Decimals of a value in display units, by its size."""
    magnitude = abs(scaled)
    return 0 if magnitude >= 1000 else 1 if magnitude >= 100 else 3


def format_scaled(value: float | None, scale: float) -> Number:
    """A value in display units, with digits suited to its size (``—`` if undefined).

    A :class:`~simcore.report.formats.Number`: it keeps ``value / scale``.
    """
    if value is None or not math.isfinite(value):
        return Number("—", None)
    scaled = value / scale
    decimals = _digits(scaled)
    return Number(f"{scaled:,.{decimals}f}", scaled, decimals=decimals)


def format_with_error(value: float | None, error: float | None, scale: float) -> Number:
    """``1.131 ±0.004``: the error to one significant digit, the value to the same place.

    A :class:`~simcore.report.formats.Number` keeping both, in display units.
    """
    if value is None or error is None or not (math.isfinite(value) and math.isfinite(error)):
        return format_scaled(value, scale)
    scaled, err = value / scale, abs(error) / scale
    if err == 0:
        shown = format_scaled(value, scale)
        return Number(f"{shown} ±0", scaled, error=0.0, decimals=shown.decimals)
    # Decimals that show the error's first significant digit (at most 4: display units are
    # already bn, tn or %, so a smaller error reads as ±0.0000).
    decimals = min(4, max(0, -math.floor(math.log10(err))))
    return Number(f"{scaled:,.{decimals}f} ±{err:,.{decimals}f}", scaled, error=err,
                  decimals=decimals)


def format_estimate(estimate: Estimate, scale: float) -> Number:
    """``Pq ±h`` with ``h`` half the interval, or ``±n/a`` where no interval exists."""
    half = estimate.half_width
    if half is None and math.isfinite(estimate.value):
        shown = format_scaled(estimate.value, scale)
        return shown.with_text(f"{shown} ±{NO_INTERVAL}")
    return format_with_error(estimate.value, half, scale)


def swept_cell(value: object) -> str:
    """A swept value as a cell: a number as a :class:`~simcore.report.formats.Number`
    (``0.25``, ``1e+10``), anything else as its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Number(f"{value:g}", value)
    return str(value)


def key_label(key: str) -> str:
    """A configuration key as a table's header shows it: an outcome's key from the outcome's
    name (``negotiation.outcomes.demand.probability`` → ``demand.probability``)."""
    return key.removeprefix("negotiation.outcomes.")


def scenario_label(scenario: str, swept: dict[str, object]) -> str:
    """``baseline_demand.probability-0.25 (negotiation.outcomes.demand.probability =
    0.25)``: a scenario with the values that made it, if any."""
    if not swept:
        return scenario
    values = ", ".join(f"{key_label(key)} = {swept_cell(value)}" for key, value in swept.items())
    return f"{scenario} ({values})"


def title(item: Quantity, scenario: str | None = None) -> str:
    """``baseline: contribution_usd [USD bn] — ROK SMA contribution, nominal``."""
    head = f"{scenario}: " if scenario is not None else ""
    return f"{head}{item.name} [{item.display_unit}] — {item.description}"


def axis_label(item: Quantity) -> str:
    """A variable in words with its display unit, for an axis, a legend or a figure's
    title: ``ROK SMA contribution, nominal [USD bn]`` (the unit tells apart the long names
    that two currencies share)."""
    return f"{item.description} [{item.display_unit}]"


def _year_label(year: int | None, per_year: bool) -> str:
    if year is not None:
        return whole(year)
    return "any year" if per_year else "horizon"


#: What the ± of a percentile is, in a spreadsheet's header.
CI_HALF_WIDTH = f"{INTERVAL_LEVEL:.0%} CI half-width"


def statistics_columns(first: str, unit: str, levels: Sequence[float]) -> tuple[Column, ...]:
    """The columns of a statistics table: ``first`` (year or paths), the mean with its
    standard error, each percentile with half its confidence interval, in ``unit``."""
    return (Column(first), Column("mean", unit, error="se"),
            *(Column(percentile_label(q).upper(), unit, error=CI_HALF_WIDTH) for q in levels))


ERRORS_NOTE = (
    "± after a mean: its Monte Carlo standard error; after a percentile: half the width of "
    f"its {INTERVAL_LEVEL:.0%} confidence interval (order statistics, distribution-free)."
)
_EDGE_NOTE = f" ±{NO_INTERVAL}: P0 and P100 are the sample's extremes and have no interval."


def _statistics_cells(row: SummaryRow, first: str, scale: float) -> list[str]:
    return [
        first,
        format_with_error(row.mean, row.mcse, scale),
        *(format_estimate(e, scale) for e in row.percentiles.values()),
    ]


def _errors_note(rows: Sequence[SummaryRow]) -> str:
    edges = any(e.half_width is None for r in rows for e in r.percentiles.values())
    return ERRORS_NOTE + (_EDGE_NOTE if edges else "")


def _paths_text(paths: float) -> str:
    if math.isnan(paths):
        return NO_INTERVAL
    if not math.isfinite(paths):
        return "undefined (estimate is 0)"
    return f"{paths:,.0f}"


# --- tables ----------------------------------------------------------------------------------


def summary_tables(rows: Sequence[SummaryRow]) -> list[TextTable]:
    """Tables for people: per scenario and variable, years as rows, readable units.

    The statistics table shows ``mean ±mcse`` and ``Pq ±h`` (``h`` half the width of the 95%
    interval); an exceedance table follows when thresholds were given. Convergence rows
    (several path counts per year) give one table per year, paths as rows, and the paths
    needed for the requested precision.
    """
    groups: dict[tuple[str, str], list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault((row.scenario, row.quantity.name), []).append(row)
    tables = []
    for (name, _), group in groups.items():
        item = group[0].quantity
        scenario = scenario_label(name, group[0].swept)
        scale = item.spec.display_scale
        per_year = any(r.year is not None for r in group)
        stats = [r for r in group if r.mean is not None]
        header = ["year", "mean ±se"] + [
            f"{percentile_label(q).upper()} ±ci" for q in stats[0].percentiles
        ]
        unit = item.display_unit
        levels = list(stats[0].percentiles)
        if stats[0].frequencies:
            tables.append(_frequency_table(item, scenario, stats, per_year, sheet=name))
        elif any(r.paths_needed for r in stats):
            by_year: dict[int | None, list[SummaryRow]] = {}
            for r in stats:
                by_year.setdefault(r.year, []).append(r)
            for year, year_rows in by_year.items():
                needed = ", ".join(
                    f"{k} {_paths_text(v)}" for k, v in year_rows[-1].paths_needed.items()
                )
                tables.append(TextTable(
                    title=f"{title(item, scenario)}, {_year_label(year, per_year)}: "
                    "convergence",
                    header=["paths", *header[1:]],
                    rows=[_statistics_cells(r, whole(r.n), scale) for r in year_rows],
                    caption=f"Paths needed for the requested relative precision of the 95% "
                    f"intervals, estimated from all {year_rows[-1].n:,} paths: {needed}. "
                    + _errors_note(year_rows),
                    columns=statistics_columns("paths", unit, levels),
                    sheet=f"{name} {item.name} {_year_label(year, per_year)}",
                ))
        else:
            tables.append(TextTable(
                title=title(item, scenario),
                header=header,
                rows=[_statistics_cells(r, _year_label(r.year, per_year), scale) for r in stats],
                caption=f"{stats[0].n:,} paths. {_errors_note(stats)}",
                columns=statistics_columns("year", unit, levels),
                sheet=f"{name} {item.name}",
            ))
        tail = [r for r in group if r.exceedance]
        if tail:
            limits = [f"> {t / scale:g} {item.display_unit}" for t in tail[0].exceedance]
            tables.append(TextTable(
                title=f"{title(item, scenario)}: probability of exceeding, %",
                header=["year", *limits],
                rows=[
                    [_year_label(r.year, per_year)]
                    + [format_with_error(p, se, 0.01) for p, se in r.exceedance.values()]
                    for r in tail
                ],
                caption="± its standard error sqrt(p(1 − p)/n). \"any year\": the path "
                "exceeds in at least one of the years shown.",
                columns=(Column("year"),
                         *(Column(f"P({limit})", "%", error="se") for limit in limits)),
                sheet=f"{name} {item.name} exceed",
            ))
    return tables


def _frequency_table(item: Quantity, scenario: str, rows: Sequence[SummaryRow],
                     per_year: bool, sheet: str) -> TextTable:
    """A discrete variable's table: per year, the mean and the share of paths at each
    value, each ± its standard error."""
    values = list(rows[0].frequencies)
    unit = item.display_unit
    return TextTable(
        title=f"{title(item, scenario)}: share of paths at each level [%]",
        header=["year", "mean ±se", *(f"{value:,g} %" for value in values)],
        rows=[[_year_label(r.year, per_year),
               format_with_error(r.mean, r.mcse, item.spec.display_scale),
               *(format_with_error(*r.frequencies[value], 0.01) for value in values)]
              for r in rows],
        caption=f"{rows[0].n:,} paths. {item.name} takes a few values, so its distribution is "
        "the share of paths at each (± its standard error sqrt(p(1 − p)/n)), not percentiles; "
        "± after the mean: its Monte Carlo standard error.",
        columns=(Column("year"), Column("mean", unit, error="se"),
                 *(Column(f"at {value:,g} {unit}", "%", error="se") for value in values)),
        sheet=f"{sheet} {item.name}",
    )


def _times(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f" (×{ratio:,.1f})" if ratio < 100 else f" (×{ratio:,.0f})"


def comparison_tables(rows: Sequence[ComparisonRow]) -> list[TextTable]:
    """Tables for people: per variable, years as rows, ``B − A`` in readable units."""
    groups: dict[str, list[ComparisonRow]] = {}
    for row in rows:
        groups.setdefault(row.quantity.name, []).append(row)
    tables = []
    for group in groups.values():
        first = group[0]
        scale = first.quantity.spec.display_scale
        per_year = any(r.year is not None for r in group)
        unit = first.quantity.display_unit
        header = ["year", "mean A", "mean B", "Δ mean ±se", "P(B>A) %", "P(B<A) %"]
        header += [f"Δ{percentile_label(q).upper()} ±ci" for q in first.percentiles]
        columns = (Column("year"), Column("mean A", unit), Column("mean B", unit),
                   Column("Δ mean", unit, error="se"), Column("P(B>A)", "%", error="se"),
                   Column("P(B<A)", "%", error="se"),
                   *(Column(f"Δ{percentile_label(q).upper()}", unit, error=CI_HALF_WIDTH)
                     for q in first.percentiles))
        cells = []
        for r in group:
            difference = format_with_error(r.mean_difference, r.se, scale)
            line = [
                _year_label(r.year, per_year),
                format_scaled(r.mean_a, scale),
                format_scaled(r.mean_b, scale),
                difference.with_text(difference + _times(r.narrowing)),
                format_with_error(r.prob_greater, r.prob_greater_se, 0.01),
                format_with_error(r.prob_less, r.prob_less_se, 0.01),
            ]
            for d in r.percentiles.values():
                shown = format_with_error(d.difference, d.half_width, scale)
                line.append(shown.with_text(shown + _times(d.narrowing)))
            cells.append(line)
        tables.append(
            TextTable(
                title=f"{title(first.quantity)}: B − A, A = {first.scenario_a}, "
                f"B = {first.scenario_b}",
                header=header,
                rows=cells,
                caption=(
                    f"Paired over the same {first.n:,} paths (common random numbers). ± after "
                    "Δ mean: its standard error sd(B − A)/√n; after ΔPq: half the 95% interval "
                    f"(sectioning: {first.sections} batches, Student t). (×k): an unpaired "
                    "comparison of independent runs would be k times wider. P(B>A) and P(B<A): "
                    "the share of paths on which B is above or below A (ties are the rest), ± "
                    "its standard error."
                ),
                columns=columns,
                sheet=f"{first.quantity.name} B-A",
            )
        )
    return tables


def _share(probability: float, se: float) -> Number:
    """A share of paths in % with its standard error, both to three decimals."""
    value, error = format_scaled(probability, 0.01), format_scaled(se, 0.01)
    return Number(f"{value} ±{error}", value.value, error=error.value, decimals=3)


def outcome_tables(rows: Sequence[OutcomeRow]) -> list[TextTable]:
    """Per scenario, years as rows and one column per outcome, in % with their errors."""
    tables = []
    for scenario in dict.fromkeys(r.scenario for r in rows):
        mine = [r for r in rows if r.scenario == scenario]
        labels = list(dict.fromkeys(r.outcome for r in mine))
        years = list(dict.fromkeys(r.year for r in mine))
        cell = {(r.year, r.outcome): r for r in mine}
        name = "negotiation outcomes [% of paths]"
        tables.append(TextTable(
            title=f"{scenario}: {name}" if scenario else name,
            header=["year", *labels],
            rows=[[whole(year), *(_share(cell[year, label].probability, cell[year, label].se)
                                  for label in labels)]
                  for year in years],
            caption="± is the standard error sqrt(p(1-p)/n); no_negotiation: no talks that year",
            columns=(Column("year"), *(Column(label, "%", error="se") for label in labels)),
            sheet=f"{scenario} outcomes" if scenario else "outcomes",
        ))
    return tables


# --- the headline ----------------------------------------------------------------------------


def assumption_tables(rows: Sequence[AssumptionRow]) -> list[TextTable]:
    """What each scenario assumes that the headline does not show, one row per scenario and
    topic (``troops``), in words."""
    if not rows:
        return []
    return [TextTable(
        title="What each scenario assumes (the US cost and the cost per troop follow the "
        "troops)",
        header=["scenario", "topic", "assumption"],
        rows=[[r.scenario, r.topic, r.text] for r in rows],
        sheet="assumptions",
    )]


def headline_decimals(rows: Sequence[HeadlineRow]) -> int:
    """Decimals of one headline table: three significant digits of its largest median."""
    scale = rows[0].quantity.spec.display_scale
    largest = max((abs(c.median) / scale for r in rows for c in r.cells
                   if math.isfinite(c.median)), default=0.0)
    return 2 if largest < 10 else 1 if largest < 100 else 0


def headline_cell(median: float, low: float, high: float, scale: float, decimals: int
                  ) -> Number:
    """``1.35 (0.97–3.38)``: the median and the range, in display units."""
    if not math.isfinite(median):
        return Number("—", None)
    return Number(f"{median / scale:,.{decimals}f} "
                  f"({low / scale:,.{decimals}f}–{high / scale:,.{decimals}f})",
                  median / scale, low=low / scale, high=high / scale, decimals=decimals)


def headline_tables(rows: Sequence[HeadlineRow], width: int | None = 100) -> list[TextTable]:
    """Per quantity, scenarios as rows and years as columns, each cell ``median (low–high)``.

    A horizon total that sums a yearly quantity shown too (``sum_of`` in the variables
    table) is that quantity's last column, not a table of its own. Columns that would make
    a line wider than ``width`` characters go to a further block (an untitled table), so
    rows are never broken. The caption of the last table says how many paths and what the
    range means. Without ``width`` (a workbook's sheets), each quantity is one table, and
    each says it. A sweep's swept values follow the scenario, each in a column of its own
    (repeated in every block).
    """
    if not rows:
        return []
    groups: dict[str, list[HeadlineRow]] = {}
    for row in rows:
        groups.setdefault(row.quantity.name, []).append(row)
    # Per quantity: its column labels and, per scenario, its cells as text.
    columns: dict[str, tuple[list[str], dict[str, list[str]]]] = {}
    low, _, high = rows[0].levels
    keys = list(rows[0].swept)
    swept = {r.scenario: [swept_cell(r.swept[key]) for key in keys] for r in rows}
    for name, group in groups.items():
        scale = group[0].quantity.spec.display_scale
        decimals = headline_decimals(group)
        labels = [str(c.year) if c.year is not None else "horizon total" for c in group[0].cells]
        columns[name] = labels, {
            r.scenario: [headline_cell(c.median, c.low, c.high, scale, decimals) for c in r.cells]
            for r in group
        }
    for name, group in groups.items():
        base = group[0].quantity.spec.sum_of
        if base in columns and name in columns:
            labels, cells = columns.pop(name)
            columns[base][0].extend(labels)
            for scenario, texts in cells.items():
                columns[base][1][scenario].extend(texts)
    tables: list[TextTable] = []
    caption = (f"Median (P{low:g}–P{high:g}) of {rows[0].n:,} paths per scenario: "
               f"{high - low:g}% of paths lie in the range (it is not an error).")
    for name, (labels, cells) in columns.items():
        item = groups[name][0].quantity
        lead = ["scenario", *map(key_label, keys)]
        spec = [*map(Column, lead), *(Column(label, item.display_unit, statistic="median",
                                             low=f"P{low:g}", high=f"P{high:g}")
                                      for label in labels)]
        body = [[scenario, *swept[scenario], *texts] for scenario, texts in cells.items()]
        # The scenario and its swept values lead every block.
        ahead = len(lead)
        lead_width = sum(max(len(lead[k]), *(len(r[k]) for r in body)) + 2
                         for k in range(ahead))
        blocks: list[list[int]] = [[]]
        used = lead_width
        for k, label in enumerate(labels):
            cell = max(len(label), *(len(r[ahead + k]) for r in body)) + 2
            if blocks[-1] and width is not None and used + cell > width:
                blocks.append([])
                used = lead_width
            blocks[-1].append(ahead + k)
            used += cell
        for b, block in enumerate(blocks):
            tables.append(TextTable(
                title=title(item) if b == 0 else "",
                header=[*lead, *(labels[k - ahead] for k in block)],
                rows=[[*r[:ahead], *(r[k] for k in block)] for r in body],
                caption=caption if width is None else "",
                columns=(*spec[:ahead], *(spec[k] for k in block)),
                sheet=f"headline {name}",
            ))
    if tables and width is not None:
        tables[-1] = replace(tables[-1], caption=caption)
    return tables

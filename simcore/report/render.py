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
    ComparisonRow,
    Estimate,
    HeadlineRow,
    OutcomeRow,
    SummaryRow,
    percentile_label,
)
from simcore.report.formats import TextTable
from simcore.stats.summary import INTERVAL_LEVEL

#: Shown where no interval exists (P0 and P100: the sample's minimum and maximum).
NO_INTERVAL = "n/a"


# --- numbers for people ----------------------------------------------------------------------


def format_scaled(value: float | None, scale: float) -> str:
    """A value in display units, with digits suited to its size (``—`` if undefined)."""
    if value is None or not math.isfinite(value):
        return "—"
    scaled = value / scale
    magnitude = abs(scaled)
    if magnitude >= 1000:
        return f"{scaled:,.0f}"
    if magnitude >= 100:
        return f"{scaled:,.1f}"
    return f"{scaled:,.3f}"


def format_with_error(value: float | None, error: float | None, scale: float) -> str:
    """``1.131 ±0.004``: the error to one significant digit, the value to the same place."""
    if value is None or error is None or not (math.isfinite(value) and math.isfinite(error)):
        return format_scaled(value, scale)
    scaled, err = value / scale, abs(error) / scale
    if err == 0:
        return f"{format_scaled(value, scale)} ±0"
    # Decimals that show the error's first significant digit (at most 4: display units are
    # already bn, tn or %, so a smaller error reads as ±0.0000).
    decimals = min(4, max(0, -math.floor(math.log10(err))))
    return f"{scaled:,.{decimals}f} ±{err:,.{decimals}f}"


def format_estimate(estimate: Estimate, scale: float) -> str:
    """``Pq ±h`` with ``h`` half the interval, or ``±n/a`` where no interval exists."""
    half = estimate.half_width
    if half is None and math.isfinite(estimate.value):
        return f"{format_scaled(estimate.value, scale)} ±{NO_INTERVAL}"
    return format_with_error(estimate.value, half, scale)


def title(item: Quantity, scenario: str | None = None) -> str:
    """``baseline: contribution_usd [USD bn] — ROK SMA contribution, nominal``."""
    head = f"{scenario}: " if scenario is not None else ""
    return f"{head}{item.name} [{item.display_unit}] — {item.description}"


def axis_label(item: Quantity) -> str:
    """``contribution_usd [USD bn]``."""
    return f"{item.name} [{item.display_unit}]"


def _year_label(year: int | None, per_year: bool) -> str:
    if year is not None:
        return str(year)
    return "any year" if per_year else "horizon"


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
    for (scenario, _), group in groups.items():
        item = group[0].quantity
        scale = item.spec.display_scale
        per_year = any(r.year is not None for r in group)
        stats = [r for r in group if r.mean is not None]
        header = ["year", "mean ±se"] + [
            f"{percentile_label(q).upper()} ±ci" for q in stats[0].percentiles
        ]
        if any(r.paths_needed for r in stats):
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
                    rows=[_statistics_cells(r, f"{r.n:,}", scale) for r in year_rows],
                    caption=f"Paths needed for the requested relative precision of the 95% "
                    f"intervals, estimated from all {year_rows[-1].n:,} paths: {needed}. "
                    + _errors_note(year_rows),
                ))
        else:
            tables.append(TextTable(
                title=title(item, scenario),
                header=header,
                rows=[_statistics_cells(r, _year_label(r.year, per_year), scale) for r in stats],
                caption=f"{stats[0].n:,} paths. {_errors_note(stats)}",
            ))
        tail = [r for r in group if r.exceedance]
        if tail:
            tables.append(TextTable(
                title=f"{title(item, scenario)}: probability of exceeding, %",
                header=["year"] + [f"> {t / scale:g} {item.display_unit}"
                                   for t in tail[0].exceedance],
                rows=[
                    [_year_label(r.year, per_year)]
                    + [format_with_error(p, se, 0.01) for p, se in r.exceedance.values()]
                    for r in tail
                ],
                caption="± its standard error sqrt(p(1 − p)/n). \"any year\": the path "
                "exceeds in at least one of the years shown.",
            ))
    return tables


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
        header = ["year", "mean A", "mean B", "Δ mean ±se", "P(B>A) %"]
        header += [f"Δ{percentile_label(q).upper()} ±ci" for q in first.percentiles]
        cells = []
        for r in group:
            line = [
                _year_label(r.year, per_year),
                format_scaled(r.mean_a, scale),
                format_scaled(r.mean_b, scale),
                format_with_error(r.mean_difference, r.se, scale) + _times(r.narrowing),
                format_with_error(r.prob_greater, r.prob_greater_se, 0.01),
            ]
            line += [
                format_with_error(d.difference, d.half_width, scale) + _times(d.narrowing)
                for d in r.percentiles.values()
            ]
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
                    "comparison of independent runs would be k times wider."
                ),
            )
        )
    return tables


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
            rows=[
                [str(year)] + [
                    f"{format_scaled(cell[year, label].probability, 0.01)} "
                    f"±{format_scaled(cell[year, label].se, 0.01)}"
                    for label in labels
                ]
                for year in years
            ],
            caption="± is the standard error sqrt(p(1-p)/n); no_negotiation: no talks that year",
        ))
    return tables


# --- the headline ----------------------------------------------------------------------------


def headline_decimals(rows: Sequence[HeadlineRow]) -> int:
    """Decimals of one headline table: three significant digits of its largest median."""
    scale = rows[0].quantity.spec.display_scale
    largest = max((abs(c.median) / scale for r in rows for c in r.cells
                   if math.isfinite(c.median)), default=0.0)
    return 2 if largest < 10 else 1 if largest < 100 else 0


def headline_cell(median: float, low: float, high: float, scale: float, decimals: int) -> str:
    """``1.35 (0.97–3.38)``: the median and the range, in display units."""
    if not math.isfinite(median):
        return "—"
    return (f"{median / scale:,.{decimals}f} "
            f"({low / scale:,.{decimals}f}–{high / scale:,.{decimals}f})")


def headline_tables(rows: Sequence[HeadlineRow], width: int = 100) -> list[TextTable]:
    """Per quantity, scenarios as rows and years as columns, each cell ``median (low–high)``.

    A horizon total that sums a yearly quantity shown too (``sum_of`` in the variables
    table) is that quantity's last column, not a table of its own. Columns that would make
    a line wider than ``width`` characters go to a further block (an untitled table), so
    rows are never broken. The caption of the last table says how many paths and what the
    range means.
    """
    groups: dict[str, list[HeadlineRow]] = {}
    for row in rows:
        groups.setdefault(row.quantity.name, []).append(row)
    # Per quantity: its column labels and, per scenario, its cells as text.
    columns: dict[str, tuple[list[str], dict[str, list[str]]]] = {}
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
    for name, (labels, cells) in columns.items():
        body = [[scenario, *texts] for scenario, texts in cells.items()]
        first_width = max(len("scenario"), *(len(r[0]) for r in body))
        blocks: list[list[int]] = [[]]
        used = first_width
        for k, label in enumerate(labels):
            cell = max(len(label), *(len(r[k + 1]) for r in body)) + 2
            if blocks[-1] and used + cell > width:
                blocks.append([])
                used = first_width
            blocks[-1].append(k)
            used += cell
        for b, block in enumerate(blocks):
            tables.append(TextTable(
                title=title(groups[name][0].quantity) if b == 0 else "",
                header=["scenario", *(labels[k] for k in block)],
                rows=[[r[0], *(r[k + 1] for k in block)] for r in body],
            ))
    if tables:
        low, _, high = rows[0].levels
        tables[-1] = replace(tables[-1], caption=(
            f"Median (P{low:g}–P{high:g}) of {rows[0].n:,} paths per scenario: "
            f"{high - low:g}% of paths lie in the range (it is not an error)."
        ))
    return tables

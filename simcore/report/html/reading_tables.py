"""The report's reading tables: the read side's rows as a reader reads them.

Numbers are rounded by the reading rule (:mod:`simcore.report.reading`), with no ±: a
number whose Monte Carlo error could change its last digit carries
:data:`~simcore.report.reading.MARK`, and the appendix repeats each table with its errors
as the commands print it. Rows and columns that are zero throughout (years without talks,
outcomes that never happen, years in which no scenario differs) are left out, and the note
under the table says which.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from simcore.core.variables import VariableSpec
from simcore.read.rows import ComparisonRow, OutcomeRow
from simcore.report.budget import Budget
from simcore.report.html.document import Cell, table_html
from simcore.report.html.front import ScenarioNumbers
from simcore.report.reading import MARK, Reading, reading
from simcore.report.render import axis_label
from simcore.stats.summary import normal_quantile

__all__ = ["LEVEL_WORDS", "budget_table", "by_year_table", "difference_table",
           "outcome_table"]

#: How the reading tables name the percentiles they show.
LEVEL_WORDS = {50.0: "median", 80.0: "P80"}
#: The 97.5 % normal quantile: a frequency's 95 % interval is ``p ± z · se``.
_Z = normal_quantile(0.95)
_MARK_NOTE = f"{MARK}: the Monte Carlo error could change the last digit shown."


@dataclass(frozen=True)
class _Kept:
    """The rows and columns of a table of values that are not zero throughout."""

    rows: list[int]
    columns: list[int]

    @classmethod
    def of(cls, values: Sequence[Sequence[float]], *, row_columns: Sequence[int] | None = None
           ) -> _Kept:
        """Rows with a non-zero value among ``row_columns`` (default: every column), then
        the columns with a non-zero value in a kept row."""
        width = len(values[0]) if values else 0
        among = range(width) if row_columns is None else row_columns
        rows = [i for i, line in enumerate(values) if any(line[k] != 0 for k in among)]
        columns = [k for k in range(width) if any(values[i][k] != 0 for i in rows)]
        return cls(rows, columns)


def _left_out(what: Sequence[str], kind: str) -> str:
    return f"{kind}: {', '.join(what)}" if what else ""


def _note(parts: Sequence[str], extra: str = "") -> str:
    dropped = [p for p in parts if p]
    note = f"Left out, zero throughout: {'; '.join(dropped)}. " if dropped else ""
    return (note + extra).strip()


def by_year_table(numbers: ScenarioNumbers, variables: Sequence[str],
                  levels: Sequence[float], total: str,
                  keep: Callable[[str, Reading], None]) -> str:
    """One scenario's percentiles by year of each variable, then the horizon total of the
    first (``total``), as a reader reads them; each reading is passed to ``keep`` with what
    it is."""
    years = numbers.years
    marked = False

    def cells(variable: str, year: int | None) -> list[str | Cell]:
        nonlocal marked
        out: list[str | Cell] = []
        for level in levels:
            shown = numbers.reading(variable, year, level)
            marked |= shown.unsettled
            when = "over the horizon" if year is None else f"in {year}"
            keep(f"{numbers.label}'s {LEVEL_WORDS[level]} "
                 f"{numbers.quantity(variable).description} {when}", shown)
            out.append(Cell(shown.number, shown.value))
        return out

    body: list[list[str | Cell]] = [
        [str(year), *(c for v in variables for c in cells(v, year))] for year in years]
    body.append(["total", *cells(total, None),
                 *([Cell("—", None)] * (len(levels) * (len(variables) - 1)))])
    return table_html(
        f"{numbers.label}: median and P80 by year",
        ["year", *(LEVEL_WORDS[q] for _ in variables for q in levels)], body,
        f"total: {years[0]}–{years[-1]}. " + (_MARK_NOTE if marked else ""),
        groups=[("", 1), *((axis_label(numbers.quantity(v)), len(levels)) for v in variables)],
    )


def outcome_table(scenario: str, rows: Sequence[OutcomeRow],
                  words: Callable[[str], str]) -> str:
    """How often each negotiation outcome happens by year, in % of paths, without the years
    in which no path negotiates and the outcomes that never happen."""
    outcomes = list(dict.fromkeys(r.outcome for r in rows))
    years = list(dict.fromkeys(r.year for r in rows))
    cell = {(r.year, r.outcome): r for r in rows}
    values = [[cell[y, o].probability for o in outcomes] for y in years]
    talks = [k for k, o in enumerate(outcomes) if cell[years[0], o].code >= 0]
    kept = _Kept.of(values, row_columns=talks)
    spec = VariableSpec("1", "share of paths", "fraction", display_unit="%",
                        display_scale=0.01)
    body: list[list[str | Cell]] = []
    marked = False
    for i in kept.rows:
        line: list[str | Cell] = [str(years[i])]
        for k in kept.columns:
            found = cell[years[i], outcomes[k]]
            shown = reading(found.probability, spec, lower=found.probability - _Z * found.se,
                            upper=found.probability + _Z * found.se)
            marked |= shown.unsettled
            line.append(Cell(shown.number, found.probability))
        body.append(line)
    dropped_years = [str(years[i]) for i in range(len(years)) if i not in kept.rows]
    dropped = [words(outcomes[k]) for k in range(len(outcomes)) if k not in kept.columns]
    return table_html(
        f"{scenario}: negotiation outcomes [% of paths]",
        ["year", *(words(outcomes[k]) for k in kept.columns)], body,
        _note([_left_out(dropped_years, "years without talks"),
               _left_out(dropped, "outcomes that never happen")],
              _MARK_NOTE if marked else ""),
    )


def difference_table(title: str, labels: Sequence[str],
                     rows: Sequence[Sequence[ComparisonRow]], level: float,
                     spec: VariableSpec) -> str:
    """A percentile's difference from the reference scenario, one column per scenario
    (``rows``: each scenario's comparison rows, in the same order of years), as a reader
    reads it (to the last digit the reference's percentile shows); the years in which no
    scenario differs are left out."""
    values = [[r[i].percentiles[level].difference for r in rows] for i in range(len(rows[0]))]
    kept = _Kept.of(values)
    body: list[list[str | Cell]] = []
    marked = False
    for i in kept.rows:
        first = rows[0][i]
        line: list[str | Cell] = [str(first.year) if first.year is not None else "horizon"]
        for k in kept.columns:
            found = rows[k][i].percentiles[level]
            shown = reading(found.difference, spec, lower=found.lower, upper=found.upper,
                            like=found.a)
            marked |= shown.unsettled
            line.append(Cell(shown.number, found.difference))
        body.append(line)
    dropped_years = [str(rows[0][i].year) for i in range(len(values)) if i not in kept.rows]
    dropped = [labels[k] for k in range(len(labels)) if k not in kept.columns]
    return table_html(
        title, ["year", *(labels[k] for k in kept.columns)], body,
        _note([_left_out(dropped_years, "years in which no scenario differs"),
               _left_out(dropped, "scenarios that do not differ")],
              _MARK_NOTE if marked else ""),
    )


def budget_table(budget: Budget) -> str:
    """One scenario's budget by year (the Euler allocation of the total's percentile) and
    each year's own percentile, as a reader reads them."""
    r, spec = budget.result, budget.quantity.spec
    body: list[list[str | Cell]] = []
    marked = False
    for t, year in enumerate(budget.years):
        shown = reading(float(r.budget[t]), spec, lower=float(r.budget_lower[t]),
                        upper=float(r.budget_upper[t]))
        marked |= shown.unsettled
        own = reading(float(r.percentile[t]), spec)
        body.append([str(year), Cell(shown.number, float(r.budget[t])),
                     Cell(own.number, float(r.percentile[t]))])
    total = reading(float(r.total), spec)
    own_sum = reading(float(r.percentile_sum), spec)
    body.append(["total",
                 Cell(total.number, float(r.total)),
                 Cell(own_sum.number, float(r.percentile_sum))])
    return table_html(
        f"{budget.scenario}: budget for the P{r.level:g} of the total",
        ["year", f"budget [{spec.display_unit}]", f"own P{r.level:g} [{spec.display_unit}]"],
        body, f"total: {budget.years[0]}–{budget.years[-1]}. " + (_MARK_NOTE if marked else ""),
    )

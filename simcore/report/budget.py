"""Budgets by year of a result file: the Euler allocation per scenario, as rows and tables.

The three layers of the read side, for one analysis: :func:`budget_rows` reads a money
variable's paths through :func:`simcore.read.select.select` and allocates them
(:func:`simcore.stats.budget.allocate_budget`); :class:`BudgetYearRow` flattens one year for CSV;
:func:`budget_tables` lays the rows out for people (terminal, Markdown, HTML, Excel) and
:func:`budget_json` writes the budget contract's JSON (an object per scenario, in a list
whatever their number).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from simcore.core.errors import ParameterError, literal
from simcore.core.records import record_number
from simcore.io.provenance import file_info
from simcore.read.choices import Quantity
from simcore.read.select import select
from simcore.report.formats import Column, TextTable, json_document, whole
from simcore.report.render import (
    CI_HALF_WIDTH,
    axis_label,
    format_scaled,
    format_with_error,
    title,
)
from simcore.stats.budget import DEFAULT_LEVEL, BudgetResult, allocate_budget

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["BUDGET_KINDS", "DEFAULT_VARIABLE", "PAYER_VARIABLE", "Budget", "BudgetYearRow",
           "budget_explanation", "budget_figure", "budget_json", "budget_rows", "budget_tables",
           "budgets_of", "payer_variable"]

#: What the HTML report and ``smasim plot --kind budget`` budget unless told: the
#: contribution in US dollars, the unit of the US cost beside it.
DEFAULT_VARIABLE = "contribution_usd"
#: What ``smasim budget`` (and :func:`budget_rows`) budgets unless told: the contribution in
#: the currency its payer, the ROK, budgets and pays it (:func:`payer_variable`).
PAYER_VARIABLE = "contribution_krw"
#: Kinds of variable a budget can be made of: yearly amounts of money.
BUDGET_KINDS = ("USD", "KRW")


@dataclass(frozen=True, eq=False)  # arrays inside: compared and hashed by identity
class Budget:
    """The budget of one quantity in one scenario over the years chosen.

    Attributes
    ----------
    quantity : Quantity
        The money variable, nominal or in base-year prices.
    scenario : str
        Scenario name.
    years : list of int
        Calendar years, one per column of ``result``.
    result : BudgetResult
        The allocation, in the file's units.
    """

    quantity: Quantity
    scenario: str
    years: list[int]
    result: BudgetResult

    def scalars(self) -> dict[str, object]:
        """The budget's keys of the contract other than ``years``, in the file's units."""
        r = self.result
        return {
            "variable": self.quantity.name,
            "scenario": self.scenario,
            "level": r.level / 100,
            "total": record_number(r.total),
            "scale": record_number(r.scale),
            "joint_confidence": record_number(r.joint_confidence),
            "joint_confidence_se": record_number(r.joint_confidence_se),
        }

    def year_record(self, t: int) -> dict[str, object]:
        """Year ``t`` (a column index) as a record of the contract's ``years`` list."""
        r = self.result
        return {
            "year": self.years[t],
            "budget": record_number(r.budget[t]),
            "budget_lower": record_number(r.budget_lower[t]),
            "budget_upper": record_number(r.budget_upper[t]),
            "percentile": record_number(r.percentile[t]),
            "proportional": record_number(r.proportional[t]),
        }

    def as_json(self) -> dict[str, object]:
        """The object ``smasim budget --format json`` prints (the keys of the contract)."""
        return {**self.scalars(),
                "years": [self.year_record(t) for t in range(len(self.years))]}

    def year_rows(self) -> list[BudgetYearRow]:
        """One row per year, for CSV and tables."""
        return [BudgetYearRow(self, t) for t in range(len(self.years))]


@dataclass(frozen=True)
class BudgetYearRow:
    """One year of a :class:`Budget`: a CSV record repeats the budget's scalars beside it."""

    budget: Budget
    index: int

    def as_record(self) -> dict[str, object]:
        """``variable``, ``scenario``, ``level``, ``total``, ``scale``, the joint confidence,
        then the year's record of :meth:`Budget.as_json`, in the file's units."""
        return {**self.budget.scalars(), **self.budget.year_record(self.index)}


def payer_variable(path: str | Path) -> tuple[str, str]:
    """The variable a budget of ``path`` is made of when none is named, and why, when it is
    not :data:`PAYER_VARIABLE`.

    The contribution in KRW, the currency the ROK pays it in; in USD when the file keeps
    the USD paths but not the KRW ones (a run with ``--store``), with a sentence saying so.
    A file with neither keeps :data:`PAYER_VARIABLE`: the budget then says which paths are
    missing.

    Returns
    -------
    variable : str
    reason : str
        Empty when the variable is :data:`PAYER_VARIABLE`.
    """
    store = file_info(path).store
    if store is None or PAYER_VARIABLE in store or "contribution_usd" not in store:
        return PAYER_VARIABLE, ""
    return "contribution_usd", (
        f"{path} does not keep the paths of {PAYER_VARIABLE} (it was run with --store "
        f"{','.join(store)}), so the budget is of contribution_usd, in USD, not in KRW, the "
        "currency the ROK pays the contribution in"
    )


def budget_rows(
    path: str | Path,
    *,
    variable: str | None = None,
    level: float = DEFAULT_LEVEL,
    years: str | None = None,
    scenarios: Sequence[str] | None = None,
    real: bool = False,
) -> list[BudgetYearRow]:
    """Budgets by year of one money variable, per scenario of a result file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file (a run or a batch).
    variable : str, optional
        A yearly money variable (USD or KRW), e.g. ``contribution_usd`` [default: the
        payer's, :func:`payer_variable`].
    level : float
        Confidence level of the horizon total, in percent (80: the total's P80).
    years : str, optional
        Years text (``"2027-2031"``): the horizon whose total is budgeted [default: all].
    scenarios : sequence of str, optional
        Scenarios of a batch file [default: all, one budget each].
    real : bool
        In base-year prices (:func:`simcore.read.select.quantity`).

    Returns
    -------
    list of BudgetYearRow
        Per scenario, then year; ``row.budget`` is the scenario's :class:`Budget`.
    """
    if not 0 < level < 100:
        raise ParameterError(f"{{level}}: must lie strictly between 0 and 100 (got {level:g})")
    if variable is None:
        variable = payer_variable(path)[0]
    selection = select(path, variables=[variable], scenarios=scenarios, years=years, real=real)
    (item,) = selection.quantities
    if item.spec.kind not in BUDGET_KINDS or not item.per_year:
        raise ParameterError(
            f"{{variables}}: {literal(variable)} is not a yearly amount of money; a budget "
            "needs one "
            "(e.g. contribution_usd, contribution_krw, total_cost_usd)"
        )
    rows: list[BudgetYearRow] = []
    for scenario in selection.scenarios:
        # One scenario's paths in memory at a time.
        result = allocate_budget(selection.values(item, scenario), level)
        rows += Budget(item, scenario.name, list(selection.years), result).year_rows()
    return rows


def budgets_of(rows: Sequence[BudgetYearRow]) -> list[Budget]:
    """The budgets the rows are years of, one per scenario, in order."""
    return list(dict.fromkeys(row.budget for row in rows))


def budget_json(rows: Sequence[BudgetYearRow]) -> str:
    """The contract's JSON: an object whose ``budgets`` lists one object per scenario, in
    order (a list for one scenario too)."""
    return json_document({"budgets": [budget.as_json() for budget in budgets_of(rows)]})


def budget_explanation(rows: Sequence[BudgetYearRow]) -> str:
    """What the columns of :func:`budget_tables` mean (the same for every scenario)."""
    r = rows[0].budget.result
    level = f"P{r.level:g}"
    return (
        f"budget: what each year costs on the paths whose total is its {level} (Euler "
        f"allocation; ± half its {r.interval_level:.0%} interval, {r.sections} batches); the "
        f"years add up to the total's {level}. own {level}: each year's own percentile. "
        "proportional: the total split by the years' means."
    )


def _percent(value: float, error: float) -> str:
    """A probability in percent with its error, to the error's first digit but at most two
    decimals (``65.06 ±0.08``); an error that rounds to zero there is left out."""
    err = 100 * abs(error)
    if not err > 0:  # zero or NaN (too few paths for batches)
        return f"{100 * value:.2f}"
    decimals = min(2, max(0, -math.floor(math.log10(err))))
    if round(err, decimals) == 0:
        return f"{100 * value:.{decimals}f}"
    return f"{100 * value:.{decimals}f} ±{err:.{decimals}f}"


def coverage_sentence(budget: Budget) -> str:
    """How often budgeting every year at its own percentile covers all years.

    Only uncertain years can be exceeded: with none, every year is covered; with one (or a
    single year), its own
    percentile is the total's less the known years, so all years are covered at the level
    itself; with more, the sentence gives the estimated joint coverage and what the own
    percentiles add up to beside the total's.
    """
    r = budget.result
    level = f"P{r.level:g}"
    uncertain = [year for year, known in zip(budget.years, r.constant, strict=True) if not known]
    known = [str(year) for year, fixed in zip(budget.years, r.constant, strict=True) if fixed]
    if not uncertain:
        return (f"Every year is known (the same on every path): budgeting each at its own "
                f"{level} covers all years with certainty.")
    if len(budget.years) == 1:
        return (f"With one year, its own {level} is the total's {level}: it is covered with "
                f"probability {r.level:g} %, the level.")
    if len(uncertain) == 1:
        besides = f" ({', '.join(known)} known)" if known else ""
        return (f"Only {uncertain[0]} is uncertain{besides}, so budgeting every year at its "
                f"own {level} is budgeting the total's {level}: all years are covered with "
                f"probability {r.level:g} %, the level.")
    scale = budget.quantity.spec.display_scale
    overshoot = f"{format_scaled(abs(r.overshoot), scale)} {budget.quantity.display_unit}"
    more = "more" if r.overshoot >= 0 else "less"
    always = f" ({', '.join(known)} known, always covered)" if known else ""
    return (f"The own {level}s add up to {overshoot} {more} than the total's {level}, and "
            f"budgeting every year at its own {level} covers all years{always} with "
            f"probability {_percent(r.joint_confidence, r.joint_confidence_se)} %, not "
            f"{r.level:g} %.")


def budget_tables(rows: Sequence[BudgetYearRow], *, explain: bool = True) -> list[TextTable]:
    """Per scenario: each year's budget with its interval, its own percentile and the
    proportional split, then the horizon total.

    The caption gives the scenario's facts (how far the own percentiles overshoot, how often
    they would all hold, the scale factor), preceded by :func:`budget_explanation` if
    ``explain`` (a page showing several tables says it once instead).
    """
    tables = []
    for budget in budgets_of(rows):
        r = budget.result
        scale = budget.quantity.spec.display_scale
        level = f"P{r.level:g}"
        span = (f"{budget.years[0]}–{budget.years[-1]}" if len(budget.years) > 1
                else str(budget.years[0]))
        body: list[list[str]] = [
            [whole(year), format_with_error(r.budget[t],
                                            (r.budget_upper[t] - r.budget_lower[t]) / 2, scale),
             format_scaled(r.percentile[t], scale), format_scaled(r.proportional[t], scale)]
            for t, year in enumerate(budget.years)
        ]
        unit = budget.quantity.display_unit
        body.append([f"{span} total", format_scaled(r.total, scale),
                     format_scaled(r.percentile_sum, scale), format_scaled(r.total, scale)])
        tables.append(TextTable(
            title=f"{title(budget.quantity, budget.scenario)}: budget for the {level} of the "
            f"{span} total",
            header=["year", "budget", f"own {level}", "proportional"],
            rows=body,
            caption=(
                (f"{budget_explanation(rows)} " if explain else "")
                + f"{coverage_sentence(budget)} Scale factor "
                f"{format_with_error(r.scale, r.scale_se, 1)}; {r.window_paths:,} of {r.n:,} "
                f"paths nearest the total's {level}."
            ),
            columns=(Column("year"), Column("budget", unit, error=CI_HALF_WIDTH),
                     Column(f"own {level}", unit), Column("proportional", unit)),
            sheet=f"{budget.scenario} budget",
        ))
    return tables


def budget_figure(
    path: str | Path,
    *,
    variable: str = DEFAULT_VARIABLE,
    level: float = DEFAULT_LEVEL,
    years: str | None = None,
    scenarios: Sequence[str] | None = None,
    real: bool = False,
) -> Figure:
    """One scenario's budgets by year, drawn (:func:`simcore.report.budget_plot.budget_chart`).

    Parameters as :func:`budget_rows`; a batch needs exactly one scenario in ``scenarios``.
    Nothing is written: :func:`simcore.report.figure.save_figure` writes the figure.
    """
    # matplotlib is imported only when drawing: `smasim budget` does not need it.
    from simcore.report.budget_plot import budget_chart

    budgets = budgets_of(budget_rows(path, variable=variable, level=level, years=years,
                                   scenarios=scenarios, real=real))
    if len(budgets) != 1:
        raise ParameterError(
            "{scenarios}: a budget figure shows one scenario; choose one of "
            f"{literal(', '.join(b.scenario for b in budgets))}"
        )
    (budget,) = budgets
    return budget_chart(
        budget.years, budget.result,
        title=f"{budget.scenario} — budgets by year for the P{level:g} of the total — {path}",
        label=axis_label(budget.quantity), scale=budget.quantity.spec.display_scale,
    )

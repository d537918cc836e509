"""The report's first page: the question, the answer in plain sentences built from the
numbers, one chart and a small table.

A reader handed the report may read this page and nothing else, so it says what South Korea
pays each year in the central scenario (the report's first), the range that holds with 90 %
probability, and what the main alternative (the scenario whose six-year total differs most
from the central one's) changes; the fan chart of the payment for every scenario; and five
numbers for the central scenario and the alternative. Numbers read as a reader uses them
(:mod:`simcore.report.reading`), each the percentile ``smasim summary`` gives for the file.

The numbers that the page's script recomputes under other probabilities are registered in
:class:`LiveNumbers` and written as ``<span data-live="k">`` (the k-th registered number).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simcore.read.choices import Quantity
from simcore.read.rows import Estimate, SummaryRow
from simcore.report.html.document import Markup, table_html
from simcore.report.panels import FAN_LEVELS, Panel
from simcore.report.reading import Reading, reading, shown_difference
from simcore.report.render import axis_label

__all__ = ["FRONT_LEVELS", "FRONT_VARIABLES", "AuthorWords", "LiveNumber",
           "LiveNumbers", "ScenarioNumbers", "bottom_line", "default_title", "fan_panel",
           "key_table", "main_alternative"]

#: What the first page reads: the payment in dollars and in won, its total over the
#: horizon, and the ROK share of the cost of stationing.
PAYMENT, PAYMENT_KRW, TOTAL, SHARE = ("contribution_usd", "contribution_krw",
                                      "cum_contribution_usd", "rok_share")
FRONT_VARIABLES = (PAYMENT, PAYMENT_KRW, TOTAL, SHARE)
#: Its percentiles: the fan chart's bands and median, the P80 a budget plans at, and the
#: ends of the range that holds with 90 % probability.
FRONT_LEVELS = tuple(sorted({*FAN_LEVELS, 80.0}))
MEDIAN, BUDGET_LEVEL, RANGE = 50.0, 80.0, (5.0, 95.0)


@dataclass(frozen=True)
class ScenarioNumbers:
    """One scenario's summary rows, by variable and year (None: the horizon total).

    Attributes
    ----------
    label : str
        The scenario as the report names it.
    rows : mapping of (str, int or None) to SummaryRow
        ``smasim summary``'s rows at :data:`FRONT_LEVELS` (and any others).
    """

    label: str
    rows: Mapping[tuple[str, int | None], SummaryRow]

    @property
    def years(self) -> list[int]:
        """The simulated years."""
        return sorted(year for name, year in self.rows if name == PAYMENT and year is not None)

    def estimate(self, variable: str, year: int | None, level: float) -> Estimate:
        """A percentile with its 95 % interval, in the file's units."""
        return self.rows[variable, year].percentiles[level]

    def quantity(self, variable: str) -> Quantity:
        """The variable as the rows describe it."""
        return next(row.quantity for (name, _), row in self.rows.items() if name == variable)

    def reading(self, variable: str, year: int | None, level: float) -> Reading:
        """A percentile as a reader reads it (:func:`simcore.report.reading.reading`)."""
        found = self.estimate(variable, year, level)
        return reading(found.value, self.quantity(variable).spec, lower=found.lower,
                       upper=found.upper)


@dataclass(frozen=True)
class LiveNumber:
    """A number of the first page that the page's script recomputes: a percentile of one
    scenario, shown to its own last digit or to that of another scenario's same percentile
    (``digits_of``), or its difference from another scenario's (``minus``: the difference of
    the two numbers shown, to the last digit of the other's)."""

    scenario: str
    variable: str
    year: int | None
    level: float
    minus: str | None = None
    digits_of: str | None = None


@dataclass
class LiveNumbers:
    """The first page's numbers, in the order they were written; each reading is also kept
    under what it is, for the sentence on precision."""

    numbers: list[LiveNumber] = field(default_factory=list)
    readings: dict[str, Reading] = field(default_factory=dict)

    def markup(self, number: LiveNumber, shown: Reading, what: str) -> Markup:
        """``shown`` as ``<span class="live" data-live="k">``, registered as ``what``."""
        self.numbers.append(number)
        self.readings[what] = shown
        return Markup(f'<span class="live" data-live="{len(self.numbers) - 1}">'
                      f"{html.escape(shown.text)}</span>")


@dataclass(frozen=True)
class AuthorWords:
    """What the author wrote for the report (a scenario's ``[report]`` table, or the file
    given with ``--notes``); None where the report writes its own.

    Attributes
    ----------
    title : str, optional
        The report's title.
    question : str, optional
        The question the report answers (else the central scenario's).
    bottom_line : str, optional
        Sentences that replace the generated bottom line (they are the author's, so the
        page's script leaves them as written).
    """

    title: str | None = None
    question: str | None = None
    bottom_line: str | None = None


def default_title(years: Sequence[int]) -> str:
    """The title when the author gives none: the agreement spelled out, since a reader
    handed only the first page may not know what "SMA" stands for.

    >>> default_title([2026, 2031])
    'What South Korea pays for US forces under the Special Measures Agreement (SMA), 2026–2031'
    """
    return (f"What South Korea pays for US forces under the Special Measures Agreement (SMA), "
            f"{years[0]}–{years[-1]}")


def main_alternative(central: ScenarioNumbers, others: Sequence[ScenarioNumbers]
                     ) -> ScenarioNumbers | None:
    """The scenario whose median horizon total differs most from the central one's."""
    if not others:
        return None
    base = central.estimate(TOTAL, None, MEDIAN).value
    return max(others, key=lambda s: abs(s.estimate(TOTAL, None, MEDIAN).value - base))


def _number(live: LiveNumbers, numbers: ScenarioNumbers, variable: str, year: int | None,
            level: float, what: str) -> Markup:
    return live.markup(LiveNumber(numbers.label, variable, year, level),
                       numbers.reading(variable, year, level),
                       f"{numbers.label}'s {what}")


def bottom_line(central: ScenarioNumbers, alternative: ScenarioNumbers | None,
                live: LiveNumbers) -> Markup:
    """Two or three sentences: what South Korea pays in the central scenario, the range
    of the last year's payment with 90 % probability, and what the main alternative
    changes; every number a live span.

    The alternative's median total is shown to the last digit of the central one's, and
    its difference from it is the difference of the two numbers shown, so that a reader
    who subtracts one from the other finds the difference stated (METHODS.md §R, "The first
    page")."""
    years = central.years
    first, last = years[0], years[-1]

    def number(variable: str, year: int | None, level: float, what: str,
               numbers: ScenarioNumbers = central) -> Markup:
        return _number(live, numbers, variable, year, level, what)

    sentences = [
        f"In the central scenario, {html.escape(central.label)}, South Korea pays "
        f"{number(PAYMENT, first, MEDIAN, f'median payment in {first}')} in {first} and "
        f"{number(PAYMENT, last, MEDIAN, f'median payment in {last}')} "
        f"({number(PAYMENT_KRW, last, MEDIAN, f'median payment in {last}, in won')}) in "
        f"{last} at the median: "
        f"{number(TOTAL, None, MEDIAN, f'median total {first}–{last}')} over "
        f"{first}–{last}.",
        f"With 90% probability its {last} payment lies between "
        f"{number(PAYMENT, last, RANGE[0], f'P5 payment in {last}')} and "
        f"{number(PAYMENT, last, RANGE[1], f'P95 payment in {last}')}.",
    ]
    if alternative is not None:
        spec = central.quantity(TOTAL).spec
        a, b = (s.estimate(TOTAL, None, MEDIAN) for s in (central, alternative))
        total = live.markup(
            LiveNumber(alternative.label, TOTAL, None, MEDIAN, digits_of=central.label),
            reading(b.value, spec, lower=b.lower, upper=b.upper, to=a.value),
            f"{alternative.label}'s median total {first}–{last}, to {central.label}'s digits")
        change = live.markup(
            LiveNumber(alternative.label, TOTAL, None, MEDIAN, minus=central.label),
            shown_difference(b.value, a.value, spec, lower=b.lower - a.upper,
                             upper=b.upper - a.lower),
            f"{alternative.label}'s median total minus {central.label}'s")
        sentences.append(
            f"The main alternative, {html.escape(alternative.label)}, puts the "
            f"{first}–{last} total at {total} at the median ({change} against "
            f"{html.escape(central.label)}).")
    return Markup(" ".join(sentences))


def key_table(shown: Sequence[ScenarioNumbers], live: LiveNumbers) -> str:
    """The first page's table: five numbers for each scenario shown (the central one and
    the main alternative), each a live span."""
    years = shown[0].years
    first, last = years[0], years[-1]
    period = f"{first}–{last}"

    def cell(numbers: ScenarioNumbers, variable: str, year: int | None, level: float,
             what: str) -> Markup:
        return _number(live, numbers, variable, year, level, what)

    rows: list[list[str]] = [
        [f"Payment in {last}, median", *(Markup(
            f"{cell(s, PAYMENT, last, MEDIAN, f'median payment in {last}')} "
            f"({cell(s, PAYMENT_KRW, last, MEDIAN, f'median payment in {last}, in won')})")
            for s in shown)],
        [f"Payment in {last}, 90% range", *(Markup(
            f"{cell(s, PAYMENT, last, RANGE[0], f'P5 payment in {last}')} to "
            f"{cell(s, PAYMENT, last, RANGE[1], f'P95 payment in {last}')}") for s in shown)],
        [f"Total {period}, median",
         *(cell(s, TOTAL, None, MEDIAN, f"median total {period}") for s in shown)],
        [f"Total {period}, 80% budget (P80)",
         *(cell(s, TOTAL, None, BUDGET_LEVEL, f"P80 total {period}") for s in shown)],
        [f"ROK share of the cost of stationing in {last}, median",
         *(cell(s, SHARE, last, MEDIAN, f"median share in {last}") for s in shown)],
    ]
    return table_html(
        f"South Korea's SMA payments: {' and '.join(s.label for s in shown)}",
        ["", *(s.label for s in shown)], rows,
        "Payment: the ROK's contribution under the Special Measures Agreement (SMA), in "
        "current US dollars (in won in brackets). Median: half the simulated futures are "
        "below it; 90% range: nine in ten lie in it; 80% budget: four in five cost less. ROK "
        "share: its payments and other support over the cost of stationing (those plus what "
        "the US pays itself).",
    )


def fan_panel(numbers: Sequence[ScenarioNumbers]) -> tuple[list[int], Panel]:
    """The payment's percentiles at :data:`~simcore.report.panels.FAN_LEVELS` per scenario
    (what :func:`simcore.report.plots.fan_small_multiples` draws), from the summary rows."""
    years = numbers[0].years
    item = numbers[0].quantity(PAYMENT)
    series = {s.label: np.array([[s.estimate(PAYMENT, year, level).value for year in years]
                                 for level in FAN_LEVELS]) for s in numbers}
    return years, Panel(axis_label(item), item.spec.display_scale, series)

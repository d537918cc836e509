"""Rows of a report: statistics as dataclasses, built from arrays, never from files.

Each row carries the :class:`~simcore.read.select.Quantity` it describes (kind, units, display
unit and scale, nominal or in base-year prices), so a renderer (:mod:`simcore.report.render`)
labels and scales it without looking at the variable's name. Values stay in the file's
units (USD, KRW, fractions); ``as_record`` flattens a row for CSV and JSON.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from simcore.core.records import record_number, record_year
from simcore.io.layout import OutcomeFrequency
from simcore.read.choices import Quantity
from simcore.stats.compare import PairedDifference
from simcore.stats.convergence import paths_needed
from simcore.stats.markov import chain_marginals
from simcore.stats.summary import INTERVAL_LEVEL, Exceedance, normal_quantile, proportion_se

#: Percentile levels at the edge of the sample (its minimum and maximum): an estimate
#: exists, but no order-statistic interval does (no rank lies beyond the extremes).
EDGE_LEVELS = (0.0, 100.0)


class Row(Protocol):
    """A row that flattens to a CSV/JSON record."""

    def as_record(self) -> dict[str, object]: ...


def percentile_label(q: float) -> str:
    """``5`` → ``p5``, ``2.5`` → ``p2.5``."""
    return f"p{q:g}"


def threshold_label(threshold: float) -> str:
    """``2e9`` → ``exceed_2e+09``: the column of an exceedance probability."""
    return f"exceed_{threshold:g}"


def half_width(lower: float, upper: float) -> float | None:
    """Half the width of the interval ``[lower, upper]``; None where it is undefined (NaN)."""
    width = (upper - lower) / 2
    return width if math.isfinite(width) else None


@dataclass(frozen=True)
class Estimate:
    """A percentile with the bounds of its confidence interval, in the file's units.

    ``lower`` and ``upper`` are NaN where no interval exists (P0 and P100).
    """

    value: float
    lower: float
    upper: float

    @property
    def half_width(self) -> float | None:
        """Half the interval's width; None where no interval exists."""
        return half_width(self.lower, self.upper)


@dataclass(frozen=True)
class SummaryRow:
    """One year (``year=None``: the horizon) of one quantity of one scenario.

    Attributes
    ----------
    quantity : Quantity
        What the row describes; values in the file's units (USD, KRW, fractions).
    scenario : str
        Scenario name.
    year : int or None
        None for a horizon total, or for the "in any year" exceedance of a yearly variable.
    n : int
        Paths behind the statistics.
    mean, mcse, sd : float or None
        None in an exceedance-only horizon row.
    percentiles : dict of float to Estimate
        Per level, the percentile and its order-statistic confidence interval.
    exceedance : dict of float to (float, float)
        Per threshold, ``P(X > threshold)`` and its standard error.
    frequencies : dict of float to (float, float)
        A discrete variable (troops): per value it takes, the share of paths at it and its
        standard error; its percentiles are then not given.
    swept : dict of str to object
        The values that made the scenario, by configuration key (a sweep's swept values).
    paths_needed : dict of str to float
        Convergence rows: per statistic (``mean``, ``p50``, …), the paths needed for the
        requested relative precision.
    """

    quantity: Quantity
    scenario: str
    year: int | None
    n: int
    mean: float | None = None
    mcse: float | None = None
    sd: float | None = None
    percentiles: dict[float, Estimate] = field(default_factory=dict)
    exceedance: dict[float, tuple[float, float]] = field(default_factory=dict)
    paths_needed: dict[str, float] = field(default_factory=dict)
    frequencies: dict[float, tuple[float, float]] = field(default_factory=dict)
    swept: dict[str, object] = field(default_factory=dict)

    @property
    def variable(self) -> str:
        """Name of the quantity."""
        return self.quantity.name

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON: ``p5``, ``p5_lower``, ``p5_upper``, … ``exceed_…``;
        a discrete variable's ``share_28500``, ``share_28500_se``, … instead of percentiles;
        a sweep's swept values after ``scenario``, by key."""
        record: dict[str, object] = {
            "variable": self.quantity.name,
            "units": self.quantity.units,
            "scenario": self.scenario,
            **self.swept,
            "year": record_year(self.year),
            "paths": self.n,
            "mean": record_number(self.mean),
            "mcse": record_number(self.mcse),
            "sd": record_number(self.sd),
        }
        for q, estimate in self.percentiles.items():
            label = percentile_label(q)
            record[label] = record_number(estimate.value)
            record[f"{label}_lower"] = record_number(estimate.lower)
            record[f"{label}_upper"] = record_number(estimate.upper)
        for value, (share, se) in self.frequencies.items():
            record[f"share_{value:g}"] = record_number(share)
            record[f"share_{value:g}_se"] = record_number(se)
        for threshold, (probability, se) in self.exceedance.items():
            label = threshold_label(threshold)
            record[label] = record_number(probability)
            record[f"{label}_se"] = record_number(se)
        for stat, paths in self.paths_needed.items():
            record[f"paths_needed_{stat}"] = record_number(paths)
        return record


def _estimates(pct: np.ndarray, levels: Sequence[float]) -> dict[float, Estimate]:
    """Per level, the estimate and its interval from ``pct`` (3, P); P0/P100 get none."""
    return {
        q: Estimate(float(pct[0, k]), math.nan, math.nan) if q in EDGE_LEVELS
        else Estimate(*map(float, pct[:, k]))
        for k, q in enumerate(levels)
    }


def statistics_row(
    item: Quantity,
    scenario: str,
    year: int | None,
    n: int,
    moments: np.ndarray,
    pct: np.ndarray,
    levels: Sequence[float],
    *,
    exceedance: dict[float, tuple[float, float]] | None = None,
    paths_needed: dict[str, float] | None = None,
    frequencies: dict[float, tuple[float, float]] | None = None,
) -> SummaryRow:
    """A row from one column: ``moments`` (mean, mcse, sd) and ``pct`` (3, P)."""
    return SummaryRow(
        quantity=item,
        scenario=scenario,
        year=year,
        n=n,
        mean=float(moments[0]),
        mcse=float(moments[1]),
        sd=float(moments[2]),
        percentiles=_estimates(pct, levels),
        exceedance=exceedance or {},
        paths_needed=paths_needed or {},
        frequencies=frequencies or {},
    )


def row_years(item: Quantity, years: Sequence[int]) -> list[int | None]:
    """The rows' years: the years chosen, or ``[None]`` for a horizon total."""
    return list(years) if item.per_year else [None]


def summary_rows_of(
    item: Quantity,
    scenario: str,
    years: Sequence[int],
    n: int,
    moments: np.ndarray,
    pct: np.ndarray,
    levels: Sequence[float],
    tail: Exceedance | None = None,
    shares: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[SummaryRow]:
    """Rows of one quantity of one scenario.

    Parameters
    ----------
    item : Quantity
    scenario : str
    years : sequence of int
        Years chosen (ignored for a horizon total).
    n : int
        Paths.
    moments : ndarray, shape (3, W)
        Mean, MCSE and standard deviation per column.
    pct : ndarray, shape (3, P, W)
        Percentiles, lower and upper bounds per level and column.
    levels : sequence of float, shape (P,)
    tail : Exceedance, optional
        Adds ``P(X > t)`` per year, and for a yearly quantity a ``year=None`` row with the
        probability of exceeding in any year chosen.
    shares : (ndarray, ndarray), optional
        A discrete quantity's values, shape (L,), and the share of paths at each, shape
        (L, W) (:func:`simcore.stats.summary.value_frequencies`), with their standard errors.
    """
    thresholds = [] if tail is None else [float(t) for t in tail.thresholds]
    values, share = shares if shares is not None else (np.empty(0), np.empty((0, len(years))))
    share_se = proportion_se(share, n)
    rows = []
    for j, year in enumerate(row_years(item, years)):
        rows.append(statistics_row(
            item, scenario, year, n, moments[:, j], pct[:, :, j], levels,
            exceedance={} if tail is None else {
                t: (float(np.reshape(tail.probability[i], -1)[j]),
                    float(np.reshape(tail.se[i], -1)[j]))
                for i, t in enumerate(thresholds)
            },
            frequencies={float(v): (float(share[i, j]), float(share_se[i, j]))
                         for i, v in enumerate(values)},
        ))
    if tail is not None and item.per_year:
        rows.append(SummaryRow(
            quantity=item,
            scenario=scenario,
            year=None,
            n=n,
            exceedance={
                t: (float(tail.any_probability[i]), float(tail.any_se[i]))
                for i, t in enumerate(thresholds)
            },
        ))
    return rows


def convergence_rows_of(
    item: Quantity,
    scenario: str,
    years: Sequence[int],
    steps: Sequence[tuple[int, np.ndarray, np.ndarray]],
    levels: Sequence[float],
    precision: float,
) -> list[SummaryRow]:
    """Rows of one quantity of one scenario at growing path counts.

    Parameters
    ----------
    steps : sequence of (int, ndarray, ndarray)
        Per checkpoint ``m``: moments (3, W) and percentiles (3, P, W) of the first ``m``
        paths.
    precision : float
        Target relative half-width of the 95% intervals, for ``paths_needed``.
    """
    z = normal_quantile(INTERVAL_LEVEL)
    labels = ["mean", *map(percentile_label, levels)]
    rows = []
    for j, year in enumerate(row_years(item, years)):
        for m, moments, pct in steps:
            estimates = np.concatenate(([moments[0, j]], pct[0, :, j]))
            halves = np.concatenate(([z * moments[1, j]], (pct[2, :, j] - pct[1, :, j]) / 2))
            # P0 and P100 have no interval, so no precision to reach.
            halves[1:][np.isin(levels, EDGE_LEVELS)] = np.nan
            needed = paths_needed(estimates, halves, m, precision)
            rows.append(statistics_row(
                item, scenario, year, m, moments[:, j], pct[:, :, j], levels,
                paths_needed=dict(zip(labels, map(float, needed), strict=True)),
            ))
    return rows


# --- paired comparisons ----------------------------------------------------------------------


def _ratio(unpaired: float, paired: float) -> float | None:
    if not (math.isfinite(unpaired) and math.isfinite(paired)) or paired <= 0:
        return None
    return unpaired / paired


@dataclass(frozen=True)
class PercentileDifference:
    """``Q_B(q) − Q_A(q)`` with its paired and (for reference) unpaired intervals."""

    a: float
    b: float
    difference: float
    lower: float
    upper: float
    unpaired_lower: float
    unpaired_upper: float

    @property
    def half_width(self) -> float | None:
        """Half the paired interval's width; None where it is undefined."""
        return half_width(self.lower, self.upper)

    @property
    def narrowing(self) -> float | None:
        """How many times narrower the paired interval is than the unpaired one."""
        return _ratio(self.unpaired_upper - self.unpaired_lower, self.upper - self.lower)


@dataclass(frozen=True)
class ComparisonRow:
    """One year (``year=None``: horizon total) of ``B − A`` for one quantity.

    Attributes
    ----------
    quantity : Quantity
        What is compared, in the file's units.
    scenario_a, scenario_b : str
        Label of each side (``file:scenario`` when two files are compared).
    year : int or None
        None for a horizon total.
    n : int
        Paired paths.
    mean_a, mean_b, mean_difference : float
        Means, and the mean of the paired differences ``B − A``.
    se, se_unpaired : float
        Standard error of the mean difference, paired (``sd(B − A) / sqrt(n)``) and as it
        would be for independent runs (``sqrt(var A / n + var B / n)``).
    prob_greater, prob_greater_se, prob_less : float
        ``P(B > A)`` on a path, its standard error, and ``P(B < A)`` (ties are the rest).
    percentiles : dict of float to PercentileDifference
    sections : int
        Batches of the sectioning intervals.
    """

    quantity: Quantity
    scenario_a: str
    scenario_b: str
    year: int | None
    n: int
    mean_a: float
    mean_b: float
    mean_difference: float
    se: float
    se_unpaired: float
    prob_greater: float
    prob_greater_se: float
    prob_less: float
    percentiles: dict[float, PercentileDifference]
    sections: int

    @property
    def variable(self) -> str:
        """Name of the quantity."""
        return self.quantity.name

    @property
    def narrowing(self) -> float | None:
        """How many times smaller the paired standard error is than the unpaired one."""
        return _ratio(self.se_unpaired, self.se)

    @property
    def prob_less_se(self) -> float:
        """Standard error of ``P(B < A)``, ``sqrt(p (1 − p) / n)``."""
        return float(proportion_se(np.asarray(self.prob_less), self.n))

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON, in the file's units."""
        z = normal_quantile(INTERVAL_LEVEL)
        record: dict[str, object] = {
            "variable": self.quantity.name,
            "units": self.quantity.units,
            "scenario_a": self.scenario_a,
            "scenario_b": self.scenario_b,
            "year": record_year(self.year),
            "paths": self.n,
            "mean_a": record_number(self.mean_a),
            "mean_b": record_number(self.mean_b),
            "mean_diff": record_number(self.mean_difference),
            "mean_diff_se": record_number(self.se),
            "mean_diff_lower": record_number(self.mean_difference - z * self.se),
            "mean_diff_upper": record_number(self.mean_difference + z * self.se),
            "mean_diff_se_unpaired": record_number(self.se_unpaired),
            "mean_diff_narrowing": record_number(self.narrowing),
            "prob_b_greater": record_number(self.prob_greater),
            "prob_b_greater_se": record_number(self.prob_greater_se),
            "prob_b_less": record_number(self.prob_less),
            "prob_b_less_se": record_number(self.prob_less_se),
        }
        for q, d in self.percentiles.items():
            label = percentile_label(q)
            record.update({
                f"{label}_a": record_number(d.a),
                f"{label}_b": record_number(d.b),
                f"{label}_diff": record_number(d.difference),
                f"{label}_diff_lower": record_number(d.lower),
                f"{label}_diff_upper": record_number(d.upper),
                f"{label}_diff_unpaired_lower": record_number(d.unpaired_lower),
                f"{label}_diff_unpaired_upper": record_number(d.unpaired_upper),
                f"{label}_diff_narrowing": record_number(d.narrowing),
            })
        return record


def comparison_rows_of(
    item: Quantity, labels: Sequence[str], years: Sequence[int],
    diff: PairedDifference, levels: Sequence[float],
) -> Iterator[ComparisonRow]:
    """Rows of ``B − A`` for one quantity, one per year (or one horizon row)."""
    columns = row_years(item, years)
    width = len(columns)

    def column(array: np.ndarray, j: int) -> float:
        return float(np.reshape(array, -1)[j])

    def cell(array: np.ndarray, k: int, j: int) -> float:
        return float(np.reshape(array, (len(levels), width))[k, j])

    for j, year in enumerate(columns):
        yield ComparisonRow(
            quantity=item,
            scenario_a=labels[0],
            scenario_b=labels[1],
            year=year,
            n=diff.n,
            mean_a=column(diff.mean_a, j),
            mean_b=column(diff.mean_b, j),
            mean_difference=column(diff.mean_difference, j),
            se=column(diff.se, j),
            se_unpaired=column(diff.se_unpaired, j),
            prob_greater=column(diff.prob_greater, j),
            prob_greater_se=column(diff.prob_greater_se, j),
            prob_less=column(diff.prob_less, j),
            percentiles={
                q: PercentileDifference(
                    a=cell(diff.percentile_a, k, j),
                    b=cell(diff.percentile_b, k, j),
                    difference=cell(diff.percentile_difference, k, j),
                    lower=cell(diff.lower, k, j),
                    upper=cell(diff.upper, k, j),
                    unpaired_lower=cell(diff.unpaired_lower, k, j),
                    unpaired_upper=cell(diff.unpaired_upper, k, j),
                )
                for k, q in enumerate(levels)
            },
            sections=diff.sections,
        )


# --- negotiation outcomes --------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRow:
    """How often one negotiation outcome happened in one year of one scenario.

    Attributes
    ----------
    scenario : str, optional
        Scenario name (a single run's too, as :func:`simcore.read.select.outcome_frequency`
        names it; None only from a frequency without names).
    year : int
        Calendar year.
    outcome : str
        ``no_negotiation`` or the outcome's name in the scenario's configuration
        (``status_quo``, ``demand``, ``lapse``, …).
    code : int
        What ``negotiation_outcome`` stores for it (:mod:`simcore.core.outcomes`).
    probability, se : float
        Share of paths with that outcome, and its standard error ``sqrt(p (1 − p) / n)``.
    """

    scenario: str | None
    year: int
    outcome: str
    code: int
    probability: float
    se: float

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON."""
        return {"scenario": self.scenario, "year": self.year, "outcome": self.outcome,
                "code": self.code, "probability": self.probability, "se": self.se}


def outcome_rows_of(frequency: OutcomeFrequency, wanted: Sequence[str | None]
                    ) -> list[OutcomeRow]:
    """Per scenario in ``wanted``, year and outcome it configures (and no negotiation), its
    share of paths and standard error."""
    scenarios: list[str | None] = [*frequency.scenarios] if frequency.scenarios else [None]
    share = frequency.share
    se = proportion_se(share, frequency.n)
    return [
        OutcomeRow(scenario=scenario, year=int(year), outcome=str(label),
                   code=int(frequency.codes[k]), probability=float(share[s, k, j]),
                   se=float(se[s, k, j]))
        for s, scenario in enumerate(scenarios) if scenario in wanted
        for j, year in enumerate(frequency.years)
        for k, label in enumerate(frequency.names[s]) if label
    ]


# --- the headline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineCell:
    """One scenario and year (``year=None``: the horizon) of a headline quantity.

    ``median`` with the ``low``–``high`` range (P5–P95 of the paths), file's units.
    """

    year: int | None
    median: float
    low: float
    high: float


@dataclass(frozen=True)
class HeadlineRow:
    """One scenario of one headline quantity: its cells over the years.

    Attributes
    ----------
    quantity : Quantity
    scenario : str
    n : int
        Paths per scenario.
    levels : (float, float, float)
        Percentile levels of ``low``, ``median`` and ``high`` (5, 50, 95).
    cells : list of HeadlineCell
    swept : dict of str to object
        The values that made the scenario, by configuration key (a sweep's swept values).
    """

    quantity: Quantity
    scenario: str
    n: int
    levels: tuple[float, float, float]
    cells: list[HeadlineCell]
    swept: dict[str, object] = field(default_factory=dict)

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON: ``p50_2026``, ``p5_2026``, ``p95_2026``, …"""
        record: dict[str, object] = {"variable": self.quantity.name,
                                     "units": self.quantity.units,
                                     "scenario": self.scenario, **self.swept,
                                     "paths": self.n}
        low, mid, high = map(percentile_label, self.levels)
        for c in self.cells:
            key = str(record_year(c.year))
            record.update({f"{mid}_{key}": record_number(c.median),
                           f"{low}_{key}": record_number(c.low),
                           f"{high}_{key}": record_number(c.high)})
        return record


def headline_rows_of(rows: Sequence[SummaryRow], levels: tuple[float, float, float]
                     ) -> list[HeadlineRow]:
    """Summary rows holding ``levels``, regrouped as one headline row per quantity and
    scenario: quantities in the order of ``rows``, then scenarios."""
    groups: dict[tuple[str, str], list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault((row.quantity.name, row.scenario), []).append(row)
    names = list(dict.fromkeys(name for name, _ in groups))
    low, mid, high = levels
    return [
        HeadlineRow(
            quantity=group[0].quantity,
            scenario=scenario,
            n=group[0].n,
            levels=levels,
            cells=[HeadlineCell(r.year, r.percentiles[mid].value, r.percentiles[low].value,
                                r.percentiles[high].value) for r in group],
            swept=group[0].swept,
        )
        for (_, scenario), group in sorted(groups.items(), key=lambda kv: names.index(kv[0][0]))
    ]


# --- what a scenario assumes -----------------------------------------------------------------


@dataclass(frozen=True)
class AssumptionRow:
    """What a scenario assumes about one input, in words.

    Attributes
    ----------
    scenario : str
        Scenario name.
    topic : str
        The input (``troops``).
    text : str
        One sentence, with the exact probabilities the configuration implies.
    """

    scenario: str
    topic: str
    text: str

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON."""
        return {"scenario": self.scenario, "topic": self.topic, "text": self.text}


def _percent(p: float) -> str:
    return f"{100 * p:.3g}%"


def _move(level: int, to: int) -> str:
    return f"a {'cut' if to < level else 'rise'} to {to:,}"


def _pinned_spans(pins: Mapping[int, int]) -> list[str]:
    """``{2027: 24000, 2028: 24000}`` → ``["24,000 in 2027–2028"]``: runs of one level."""
    spans: list[list[int]] = []
    for year in sorted(pins):
        if spans and year == spans[-1][1] + 1 and pins[year] == pins[spans[-1][0]]:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return [f"{pins[a]:,} in {a}" if a == b else f"{pins[a]:,} in {a}–{b}" for a, b in spans]


def troop_assumption(levels: Sequence[int], initial: int, transition: Sequence[Sequence[float]],
                     pins: Mapping[int, int], base_year: int, horizon: int) -> str:
    """The troop chain of MODEL.md §5 in words, with its exact distribution in the last year.

    Parameters
    ----------
    levels : sequence of int
        Troop levels, persons.
    initial : int
        The level in the base year.
    transition : sequence of sequence of float
        Yearly transition matrix over ``levels``.
    pins : mapping of int to int
        Year → the level every path is held at.
    base_year, horizon : int
        The simulated years are ``base_year + 1 … base_year + horizon``.

    Examples
    --------
    >>> for part in troop_assumption([28500, 24000], 28500, [[0.95, 0.05], [0.0, 1.0]], {},
    ...                              2025, 6).split("; "):
    ...     print(part)
    troops 28,500 in 2025
    each year a 5% chance of a cut to 24,000 (never reversed)
    in 2031, 73.5% of paths at 28,500 and 26.5% at 24,000
    """
    start = levels.index(initial)
    steps = {year - base_year: levels.index(level) for year, level in pins.items()}
    marginals = chain_marginals(transition, start, horizon, steps)
    reached = {start, *(j for p in marginals for j, q in enumerate(p) if q > 0)}
    moves: dict[int, list[str]] = {}
    for i in sorted(reached):
        for j, p in enumerate(transition[i]):
            if j != i and p > 0:
                kept = " (never reversed)" if transition[j][j] == 1 else ""
                moves.setdefault(i, []).append(
                    f"a {_percent(p)} chance of {_move(levels[i], levels[j])}{kept}")
    parts = [f"troops {initial:,} in {base_year}"]
    if not moves:
        parts.append("no change modelled")
    elif list(moves) == [start] and len(moves) == 1:
        parts.append("each year " + " and ".join(moves[start]))
    else:
        parts.append("each year " + "; ".join(f"from {levels[i]:,}, " + " and ".join(text)
                                              for i, text in moves.items()))
    if pins:
        parts.append("pinned at " + ", ".join(_pinned_spans(pins)))
    last = sorted(((p, levels[j]) for j, p in enumerate(marginals[-1]) if p > 0),
                  key=lambda item: -item[0])
    year = base_year + horizon
    if len(last) == 1:
        parts.append(f"in {year}, {last[0][1]:,} in every path")
    else:
        shares = [f"{_percent(p)} at {level:,}" for p, level in last]
        shares[0] = shares[0].replace(" at ", " of paths at ", 1)
        parts.append(f"in {year}, " + ", ".join(shares[:-1]) + f" and {shares[-1]}")
    return "; ".join(parts)

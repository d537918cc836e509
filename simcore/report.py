"""What users read: summary, exceedance, convergence and comparison records of a result file.

Stored statistics are read from the file's ``summary`` group; anything else (percentiles
that are not stored, exceedance, values in base-year prices, convergence, paired
comparisons) is computed from the samples of one variable of one scenario at a time.
Records carry the file's units (USD, KRW, fractions); :class:`TextTable` renders them in
readable units ("USD bn", "%") for tables and Markdown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from simcore.compare import DEFAULT_SECTIONS, PairedDifference, paired_difference
from simcore.convergence import checkpoints, paths_needed
from simcore.drivers import price_index
from simcore.errors import SmasimInputError
from simcore.parallel import default_threads
from simcore.store import read_outcome_frequency, read_samples, read_summary
from simcore.summary import (
    INTERVAL_LEVEL,
    VariableSummary,
    exceedance,
    normal_quantile,
    percentile_intervals,
    summarize_values,
)
from simcore.variables import SUMMARIZED, VARIABLES, VariableSpec

#: What ``smasim summary`` and ``smasim compare`` show when no ``--var`` is given.
HEADLINE_VARIABLES = (
    "contribution_usd",
    "contribution_krw",
    "rok_share",
    "total_cost_usd",
    "cum_contribution_usd",
)

#: Global attributes on which two files must agree for their paths to be paired.
DESIGN_ATTRS = ("seed", "sampler", "bit_generator", "block_size", "n_samples", "base_year",
                "horizon")


# --- options ---------------------------------------------------------------------------------


def percentile_label(q: float) -> str:
    """``5`` → ``p5``, ``2.5`` → ``p2.5``."""
    return f"p{q:g}"


def parse_percentiles(text: str) -> list[float]:
    """``"5,50,95"`` → ``[5.0, 50.0, 95.0]`` (the range is checked against the file's use)."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SmasimInputError(
            f"--percentiles: expected numbers separated by commas, e.g. 5,50,95 (got {text!r})"
        ) from None
    if not values:
        raise SmasimInputError("--percentiles: give at least one percentile, e.g. 5,50,95")
    return values


_YEAR_ITEM = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def parse_years(text: str, available: Sequence[int]) -> list[int]:
    """``"2027-2029,2031"`` → ``[2027, 2028, 2029, 2031]``, each within ``available``.

    Parameters
    ----------
    text : str
        Comma-separated items, each a year or an inclusive range ``FIRST-LAST``.
    available : sequence of int
        The file's simulated years.

    Returns
    -------
    list of int
        Sorted, without repeats.
    """
    years: set[int] = set()
    for item in text.split(","):
        match = _YEAR_ITEM.match(item)
        if match is None:
            raise SmasimInputError(
                f"--years: expected a year, a range FIRST-LAST or a comma-separated list, "
                f"e.g. 2027-2031 (got {text!r})"
            )
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise SmasimInputError(f"--years: range {item.strip()} ends before it starts")
        years.update(range(first, last + 1))
    outside = sorted(years - set(available))
    if outside:
        raise SmasimInputError(
            f"--years: {', '.join(map(str, outside))} outside the file's horizon "
            f"{min(available)}-{max(available)}"
        )
    return sorted(years)


def check_thresholds(thresholds: Sequence[float]) -> list[float]:
    """``--exceed`` values: finite numbers in the variable's units, without repeats."""
    bad = [t for t in thresholds if not math.isfinite(t)]
    if bad:
        raise SmasimInputError(f"--exceed: thresholds must be finite numbers (got {bad})")
    return list(dict.fromkeys(float(t) for t in thresholds))


# --- what a row reports ----------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A variable as a report shows it: stored, or put in base-year prices from its samples.

    Attributes
    ----------
    name : str
        Name shown (``total_cost_usd_real`` for a variable put in base-year prices).
    source : str
        Variable read from the file.
    deflator : str, optional
        Inflation variable whose price index (base year = 1) divides the samples.
    horizon_sum : bool
        Sum the source's years per path (a horizon total in base-year prices).
    stored : bool
        The summary group holds this quantity's statistics.
    """

    name: str
    source: str
    deflator: str | None = None
    horizon_sum: bool = False
    stored: bool = True

    @property
    def per_year(self) -> bool:
        """Has a year axis."""
        return VARIABLES[self.source].per_year and not self.horizon_sum

    @property
    def units(self) -> str:
        """CF units of the values."""
        return VARIABLES[self.source].units


def quantity(name: str, *, real: bool) -> Quantity:
    """How ``name`` is read, nominal or (``real``) in base-year prices.

    Base-year prices divide each path's USD values by its simulated US price index
    ``P_us,t`` (as ``contribution_usd_real``) and its KRW values by the Korean one;
    ``cum_contribution_usd`` becomes the sum of ``contribution_usd_real`` over the years.
    Shares, rates, troops and the exchange rate are unchanged.
    """
    if not real:
        return Quantity(name, name)
    if name == "contribution_usd":
        return Quantity("contribution_usd_real", "contribution_usd_real")
    if name == "cum_contribution_usd":
        return Quantity("cum_contribution_usd_real", "contribution_usd_real", horizon_sum=True,
                        stored=False)
    if name == "pv_contribution_usd":
        raise SmasimInputError(
            "--real: pv_contribution_usd is a present value (already discounted); drop --real "
            "or choose another --var"
        )
    spec = VARIABLES[name]
    deflator = spec.deflator
    if deflator is None or name == "contribution_usd_real":
        return Quantity(name, name)
    return Quantity(f"{name}_real", name, deflator=deflator, stored=False)


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario of a file: its name and its index along ``scenario`` (None: single run)."""

    name: str
    index: int | None


@dataclass(frozen=True)
class Selection:
    """What to read from one result file, validated against it.

    Attributes
    ----------
    path : Path
        The result file.
    summary : xarray.Dataset
        Its summary group, with the file's global attributes.
    scenarios : list of ScenarioRef
        Scenarios chosen.
    quantities : list of Quantity
        Variables chosen, as they are read.
    years : list of int
        Years chosen (rows of per-year variables).
    year_index : ndarray of int
        Their positions along the file's ``year`` axis.
    """

    path: Path
    summary: xr.Dataset
    scenarios: list[ScenarioRef]
    quantities: list[Quantity]
    years: list[int]
    year_index: np.ndarray

    @property
    def n(self) -> int:
        """Paths per scenario."""
        return int(self.summary.attrs["n_samples"])

    def values(self, item: Quantity, scenario: ScenarioRef) -> np.ndarray:
        """Samples of one quantity of one scenario, shape (n, years chosen) or (n,)."""
        values = read_samples(self.path, item.source, scenario=scenario.index)
        if item.deflator is not None:
            deflator = read_samples(self.path, item.deflator, scenario=scenario.index)
            values = values / price_index(deflator)
        if item.horizon_sum:
            return values.sum(axis=1)
        if not item.per_year:
            return values
        first, last = int(self.year_index[0]), int(self.year_index[-1])
        if last - first + 1 == len(self.year_index):
            # A run of years is a view: no copy of a variable that may be gigabytes.
            return values[:, first : last + 1]
        return values[:, self.year_index]

    def stored(self, item: Quantity, scenario: ScenarioRef, stat: str) -> np.ndarray:
        """A statistic of the summary group, for the years chosen (percentiles first)."""
        data = self.summary[f"{item.source}_{stat}"]
        if scenario.index is not None:
            data = data.isel(scenario=scenario.index)
        if "year" in data.dims:
            data = data.isel(year=self.year_index)
        return np.asarray(data.values)


def _file_scenarios(summary: xr.Dataset) -> list[ScenarioRef]:
    if "scenario" in summary.dims:
        return [ScenarioRef(str(s), i) for i, s in enumerate(summary["scenario"].values)]
    return [ScenarioRef(str(summary.attrs.get("scenario_names", "")), None)]


def select(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    real: bool = False,
) -> Selection:
    """Check the variables, scenarios and years asked for against a result file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    variables : sequence of str, optional
        Default :data:`HEADLINE_VARIABLES`.
    scenarios : sequence of str, optional
        Scenario names; default every scenario of the file.
    years : str, optional
        ``--years`` text (:func:`parse_years`); default every year.
    real : bool
        Money in base-year prices (:func:`quantity`).

    Returns
    -------
    Selection
    """
    names = list(dict.fromkeys(variables or HEADLINE_VARIABLES))
    quantities = [quantity(n, real=real) for n in names if n in SUMMARIZED]
    # Only the statistics of these variables are read from the summary group.
    summary = read_summary(path, list(dict.fromkeys([*names, *(q.source for q in quantities)])))
    unknown = [n for n in names if f"{n}_mean" not in summary]
    if unknown:
        everything = read_summary(path)
        available = [n for n in SUMMARIZED if f"{n}_mean" in everything]
        raise SmasimInputError(
            f"--var: unknown variable(s) {', '.join(unknown)} in {path} "
            f"(available: {', '.join(available)})"
        )
    in_file = _file_scenarios(summary)
    chosen = in_file
    if scenarios:
        by_name = {s.name: s for s in in_file}
        missing = [s for s in scenarios if s not in by_name]
        if missing:
            raise SmasimInputError(
                f"--scenario: unknown scenario(s) {', '.join(missing)} in {path} "
                f"(available: {', '.join(by_name)})"
            )
        chosen = [by_name[s] for s in dict.fromkeys(scenarios)]
    all_years = [int(y) for y in summary["year"].values]
    wanted = parse_years(years, all_years) if years is not None else all_years
    return Selection(
        path=Path(path),
        summary=summary,
        scenarios=chosen,
        quantities=quantities,
        years=wanted,
        year_index=np.array([all_years.index(y) for y in wanted], dtype=np.intp),
    )


# --- records ---------------------------------------------------------------------------------


def _number(value: float | None) -> float | None:
    """Python float for records; NaN (undefined) becomes None (JSON null, empty CSV cell)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def threshold_label(threshold: float) -> str:
    """``2e9`` → ``exceed_2e+09``: the column of an exceedance probability."""
    return f"exceed_{threshold:g}"


@dataclass(frozen=True)
class Estimate:
    """A statistic with the bounds of its confidence interval, in the file's units."""

    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class SummaryRow:
    """One year (``year=None``: the horizon) of one quantity of one scenario.

    Attributes
    ----------
    variable, units, scenario : str
        What the row describes; money in the file's units (USD, KRW).
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
    paths_needed : dict of str to float
        Convergence rows: per statistic (``mean``, ``p50``, …), the paths needed for the
        requested relative precision.
    """

    variable: str
    units: str
    scenario: str
    year: int | None
    n: int
    mean: float | None = None
    mcse: float | None = None
    sd: float | None = None
    percentiles: dict[float, Estimate] = field(default_factory=dict)
    exceedance: dict[float, tuple[float, float]] = field(default_factory=dict)
    paths_needed: dict[str, float] = field(default_factory=dict)

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON: ``p5``, ``p5_lower``, ``p5_upper``, … ``exceed_…``."""
        record: dict[str, object] = {
            "variable": self.variable,
            "units": self.units,
            "scenario": self.scenario,
            "year": self.year,
            "paths": self.n,
            "mean": _number(self.mean),
            "mcse": _number(self.mcse),
            "sd": _number(self.sd),
        }
        for q, estimate in self.percentiles.items():
            label = percentile_label(q)
            record[label] = _number(estimate.value)
            record[f"{label}_lower"] = _number(estimate.lower)
            record[f"{label}_upper"] = _number(estimate.upper)
        for threshold, (probability, se) in self.exceedance.items():
            label = threshold_label(threshold)
            record[label] = _number(probability)
            record[f"{label}_se"] = _number(se)
        for stat, paths in self.paths_needed.items():
            record[f"paths_needed_{stat}"] = _number(paths)
        return record


def _statistics_row(
    item: Quantity,
    scenario: ScenarioRef,
    year: int | None,
    n: int,
    moments: np.ndarray,
    pct: np.ndarray,
    levels: Sequence[float],
    *,
    exceedance: dict[float, tuple[float, float]] | None = None,
    paths_needed: dict[str, float] | None = None,
) -> SummaryRow:
    """A row from one column: ``moments`` (mean, mcse, sd) and ``pct`` (3, P)."""
    return SummaryRow(
        variable=item.name,
        units=item.units,
        scenario=scenario.name,
        year=year,
        n=n,
        mean=float(moments[0]),
        mcse=float(moments[1]),
        sd=float(moments[2]),
        percentiles={q: Estimate(*map(float, pct[:, k])) for k, q in enumerate(levels)},
        exceedance=exceedance or {},
        paths_needed=paths_needed or {},
    )


def _as_arrays(summary: VariableSummary, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Moments ``(3, W)`` (mean, mcse, sd) and percentiles ``(3, P, W)`` of a summary."""
    moments = np.array([summary.mean, summary.mcse, summary.sd]).reshape(3, width)
    pct = np.array([summary.percentile, summary.percentile_lower, summary.percentile_upper])
    return moments, pct.reshape(3, -1, width)


def _levels(selection: Selection, percentiles: Sequence[float] | None) -> list[float]:
    """Percentile levels asked for (without repeats), or those stored in the file."""
    if percentiles is None:
        return [float(q) for q in selection.summary["percentile"].values]
    levels = list(dict.fromkeys(float(q) for q in percentiles))
    bad = [q for q in levels if not 0.0 <= q <= 100.0]
    if bad:
        raise SmasimInputError(f"--percentiles: each must lie in [0, 100] (got {bad})")
    return levels


def _missing_levels(selection: Selection, item: Quantity, wanted: Sequence[float]) -> list[float]:
    """Levels whose percentile and interval are not in the summary group.

    All of them for a quantity not stored, or for a file written before intervals were.
    """
    summary = selection.summary
    if not item.stored or f"{item.source}_percentile_lower" not in summary:
        return list(wanted)
    stored = [float(q) for q in summary["percentile"].values]
    return [q for q in wanted if q not in stored]


def _statistics(
    selection: Selection,
    item: Quantity,
    scenario: ScenarioRef,
    wanted: Sequence[float],
    samples: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Moments ``(3, W)`` (mean, mcse, sd) and percentiles ``(3, P, W)`` (value, lower, upper).

    Stored statistics are read; the others are computed from ``samples``.
    """
    width = len(selection.year_index) if item.per_year else 1
    if not item.stored:
        assert samples is not None
        return _as_arrays(summarize_values(samples, wanted, threads=default_threads()), width)
    moments = np.array([selection.stored(item, scenario, s) for s in ("mean", "mcse", "sd")])
    pct = np.empty((3, len(wanted), width))
    missing = _missing_levels(selection, item, wanted)
    if missing:
        assert samples is not None
        computed = np.array(percentile_intervals(samples, missing, threads=default_threads()))
        pct[:, [wanted.index(q) for q in missing]] = computed.reshape(3, len(missing), width)
    present = [k for k, q in enumerate(wanted) if q not in missing]
    if present:
        stored = [float(q) for q in selection.summary["percentile"].values]
        rows = [stored.index(wanted[k]) for k in present]
        pct[:, present] = np.array([
            selection.stored(item, scenario, stat)[rows]
            for stat in ("percentile", "percentile_lower", "percentile_upper")
        ]).reshape(3, len(present), width)
    return moments.reshape(3, width), pct


def summary_rows(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    percentiles: Sequence[float] | None = None,
    real: bool = False,
    exceed: Sequence[float] = (),
) -> list[SummaryRow]:
    """Rows of the percentile summary of a result file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    variables : sequence of str, optional
        Variable names; default :data:`HEADLINE_VARIABLES`.
    scenarios : sequence of str, optional
        Scenario names; default all.
    years : str, optional
        ``--years`` text, e.g. ``"2027-2031"``; default every year.
    percentiles : sequence of float, optional
        Default: the percentiles stored in the file. Others are computed from the samples.
    real : bool
        Money in base-year prices (:func:`quantity`).
    exceed : sequence of float
        Thresholds, in each variable's units: adds ``P(X > threshold)`` per year, and a
        horizon row (``year=None``) with the probability of exceeding in any chosen year.

    Returns
    -------
    list of SummaryRow
        Per scenario, variable, then year (``year=None`` for horizon rows).
    """
    selection = select(path, variables=variables, scenarios=scenarios, years=years, real=real)
    thresholds = check_thresholds(exceed)
    big = [t for t in thresholds if abs(t) > 1]
    fractions = [q.name for q in selection.quantities if VARIABLES[q.source].display_unit == "%"]
    if big and len(fractions) == len(selection.quantities):
        # Tables show shares and rates in %, but thresholds are in the file's units.
        raise SmasimInputError(
            f"--exceed: thresholds for {', '.join(fractions)} are fractions (0.5 = 50%): "
            f"give e.g. 0.5, not {', '.join(f'{t:g}' for t in big)}"
        )
    return _summary_rows(selection, percentiles, thresholds)


def _summary_rows(
    selection: Selection, percentiles: Sequence[float] | None, thresholds: Sequence[float]
) -> list[SummaryRow]:
    wanted = _levels(selection, percentiles)
    rows: list[SummaryRow] = []
    for scenario in selection.scenarios:
        for item in selection.quantities:
            needs_samples = bool(thresholds) or bool(_missing_levels(selection, item, wanted))
            # One variable of one scenario in memory at a time, and only when needed.
            samples = selection.values(item, scenario) if needs_samples else None
            moments, pct = _statistics(selection, item, scenario, wanted, samples)
            row_years: list[int | None] = list(selection.years) if item.per_year else [None]
            tail = exceedance(samples, thresholds) if samples is not None and thresholds else None
            for j, year in enumerate(row_years):
                rows.append(_statistics_row(
                    item, scenario, year, selection.n, moments[:, j], pct[:, :, j], wanted,
                    exceedance={} if tail is None else {
                        t: (float(np.reshape(tail.probability[i], -1)[j]),
                            float(np.reshape(tail.se[i], -1)[j]))
                        for i, t in enumerate(thresholds)
                    },
                ))
            if tail is not None and item.per_year:
                rows.append(SummaryRow(
                    variable=item.name,
                    units=item.units,
                    scenario=scenario.name,
                    year=None,
                    n=selection.n,
                    exceedance={
                        t: (float(tail.any_probability[i]), float(tail.any_se[i]))
                        for i, t in enumerate(thresholds)
                    },
                ))
    return rows


def convergence_rows(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    percentiles: Sequence[float] | None = None,
    real: bool = False,
    precision: float = 0.01,
    smallest: int = 1000,
) -> list[SummaryRow]:
    """How the mean and percentiles settle as paths accumulate, and how many are needed.

    Each row summarizes the first ``m`` paths of the file for ``m`` in
    :func:`simcore.convergence.checkpoints` (doubling up to all paths). Because every run's
    values never depend on its length, the first ``m`` paths *are* a run of ``m`` paths.

    Parameters
    ----------
    path, variables, scenarios, years, percentiles, real
        As :func:`summary_rows`.
    precision : float
        Target relative half-width of the 95% confidence intervals, e.g. 0.01 for ±1%.
    smallest : int
        Fewest paths at the first checkpoint.

    Returns
    -------
    list of SummaryRow
        Per scenario, variable, year, then checkpoint; ``paths_needed`` holds, for the mean
        and each percentile, :func:`simcore.convergence.paths_needed` from that checkpoint.
    """
    if not 0 < precision < 1:
        raise SmasimInputError(f"--precision: must lie in (0, 1), e.g. 0.01 (got {precision})")
    selection = select(path, variables=variables, scenarios=scenarios, years=years, real=real)
    wanted = _levels(selection, percentiles)
    z = normal_quantile(INTERVAL_LEVEL)
    labels = ["mean", *map(percentile_label, wanted)]
    rows: list[SummaryRow] = []
    for scenario in selection.scenarios:
        for item in selection.quantities:
            samples = selection.values(item, scenario)
            width = samples.shape[1] if samples.ndim == 2 else 1
            # Prefixes of the paths: the first m paths are a run of m paths.
            steps = [
                (m, *_as_arrays(summarize_values(samples[:m], wanted), width))
                for m in checkpoints(selection.n, smallest=smallest)
            ]
            row_years: list[int | None] = list(selection.years) if item.per_year else [None]
            for j, year in enumerate(row_years):
                for m, moments, pct in steps:
                    estimates = np.concatenate(([moments[0, j]], pct[0, :, j]))
                    halves = np.concatenate(
                        ([z * moments[1, j]], (pct[2, :, j] - pct[1, :, j]) / 2)
                    )
                    needed = paths_needed(estimates, halves, m, precision)
                    rows.append(_statistics_row(
                        item, scenario, year, m, moments[:, j], pct[:, :, j], wanted,
                        paths_needed=dict(zip(labels, map(float, needed), strict=True)),
                    ))
    return rows


# --- paired comparisons ----------------------------------------------------------------------


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
    def narrowing(self) -> float | None:
        """How many times narrower the paired interval is than the unpaired one."""
        return _ratio(self.unpaired_upper - self.unpaired_lower, self.upper - self.lower)


def _ratio(unpaired: float, paired: float) -> float | None:
    if not (math.isfinite(unpaired) and math.isfinite(paired)) or paired <= 0:
        return None
    return unpaired / paired


@dataclass(frozen=True)
class ComparisonRow:
    """One year (``year=None``: horizon total) of ``B − A`` for one quantity.

    Attributes
    ----------
    variable, units : str
        The quantity, in the file's units.
    scenario_a, scenario_b : str
        ``label`` of each side (``file:scenario`` when two files are compared).
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

    variable: str
    units: str
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
    def narrowing(self) -> float | None:
        """How many times smaller the paired standard error is than the unpaired one."""
        return _ratio(self.se_unpaired, self.se)

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON, in the file's units."""
        z = normal_quantile(INTERVAL_LEVEL)
        record: dict[str, object] = {
            "variable": self.variable,
            "units": self.units,
            "scenario_a": self.scenario_a,
            "scenario_b": self.scenario_b,
            "year": self.year,
            "paths": self.n,
            "mean_a": _number(self.mean_a),
            "mean_b": _number(self.mean_b),
            "mean_diff": _number(self.mean_difference),
            "mean_diff_se": _number(self.se),
            "mean_diff_lower": _number(self.mean_difference - z * self.se),
            "mean_diff_upper": _number(self.mean_difference + z * self.se),
            "mean_diff_se_unpaired": _number(self.se_unpaired),
            "mean_diff_narrowing": _number(self.narrowing),
            "prob_b_greater": _number(self.prob_greater),
            "prob_b_greater_se": _number(self.prob_greater_se),
            "prob_b_less": _number(self.prob_less),
        }
        for q, d in self.percentiles.items():
            label = percentile_label(q)
            record.update({
                f"{label}_a": _number(d.a),
                f"{label}_b": _number(d.b),
                f"{label}_diff": _number(d.difference),
                f"{label}_diff_lower": _number(d.lower),
                f"{label}_diff_upper": _number(d.upper),
                f"{label}_diff_unpaired_lower": _number(d.unpaired_lower),
                f"{label}_diff_unpaired_upper": _number(d.unpaired_upper),
                f"{label}_diff_narrowing": _number(d.narrowing),
            })
        return record


def _check_same_design(first: Selection, second: Selection) -> None:
    """Raise unless path ``i`` of one file used the random inputs of path ``i`` of the other."""
    for key in DESIGN_ATTRS:
        a, b = first.summary.attrs.get(key), second.summary.attrs.get(key)
        if a != b:
            raise SmasimInputError(
                f"compare: {first.path} and {second.path} do not share random inputs: {key} "
                f"differs ({a} vs {b}); run both with the same seed, samples and sampler, or "
                "as one batch"
            )


def comparison_rows(
    path: str | Path,
    other: str | Path | None = None,
    *,
    scenarios: Sequence[str] = (),
    variables: Sequence[str] | None = None,
    years: str | None = None,
    percentiles: Sequence[float] | None = None,
    real: bool = False,
    sections: int = DEFAULT_SECTIONS,
) -> list[ComparisonRow]:
    """Paired differences ``B − A`` under common random numbers.

    Parameters
    ----------
    path : str or Path
        A batch file holding both scenarios, or the file of A.
    other : str or Path, optional
        The file of B, of the same design (seed, samples, sampler, years) as ``path``.
    scenarios : sequence of str
        With one file: exactly two names, A then B. With two files: none (each file holds
        one scenario) or two, the first naming A in ``path``, the second B in ``other``.
    variables, years, percentiles, real
        As :func:`summary_rows`; percentiles default to those stored in ``path``.
    sections : int
        Batches for the percentile intervals (:func:`simcore.compare.paired_difference`).

    Returns
    -------
    list of ComparisonRow
        Per variable, then year.
    """
    if other is None:
        if len(scenarios) != 2:
            raise SmasimInputError(
                "--scenario: give two scenarios of the batch file, A then B (B − A is reported)"
                f" (got {len(scenarios)})"
            )
        side_a = select(path, variables=variables, scenarios=scenarios[:1], years=years,
                        real=real)
        side_b = select(path, variables=variables, scenarios=scenarios[1:], years=years,
                        real=real)
        labels = [side_a.scenarios[0].name, side_b.scenarios[0].name]
    else:
        if len(scenarios) not in (0, 2):
            raise SmasimInputError(
                "--scenario: with two files give none, or two (A in the first file, B in the "
                f"second) (got {len(scenarios)})"
            )
        picks = [[s] for s in scenarios] or [None, None]
        side_a = select(path, variables=variables, scenarios=picks[0], years=years, real=real)
        side_b = select(other, variables=variables, scenarios=picks[1], years=years, real=real)
        for side in (side_a, side_b):
            if len(side.scenarios) != 1:
                raise SmasimInputError(
                    f"--scenario: {side.path} is a batch of "
                    f"{', '.join(s.name for s in side.scenarios)}; name one scenario per file"
                )
        _check_same_design(side_a, side_b)
        labels = [f"{Path(s.path).name}:{s.scenarios[0].name}" for s in (side_a, side_b)]
    wanted = _levels(side_a, percentiles)
    rows: list[ComparisonRow] = []
    for item_a, item_b in zip(side_a.quantities, side_b.quantities, strict=True):
        diff = paired_difference(
            side_a.values(item_a, side_a.scenarios[0]),
            side_b.values(item_b, side_b.scenarios[0]),
            wanted,
            sections=sections,
        )
        row_years: list[int | None] = list(side_a.years) if item_a.per_year else [None]
        rows.extend(_comparison_rows(item_a, labels, row_years, diff, wanted))
    return rows


def _comparison_rows(
    item: Quantity, labels: Sequence[str], years: Sequence[int | None],
    diff: PairedDifference, wanted: Sequence[float],
) -> Iterator[ComparisonRow]:
    width = len(years)

    def column(array: np.ndarray, j: int) -> float:
        return float(np.reshape(array, -1)[j])

    def cell(array: np.ndarray, k: int, j: int) -> float:
        return float(np.reshape(array, (len(wanted), width))[k, j])

    for j, year in enumerate(years):
        yield ComparisonRow(
            variable=item.name,
            units=item.units,
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
                for k, q in enumerate(wanted)
            },
            sections=diff.sections,
        )


# --- figures ---------------------------------------------------------------------------------

#: Percentile levels of a fan chart: the outer band, the inner band, the median.
FAN_LEVELS = (5.0, 25.0, 50.0, 75.0, 95.0)


@dataclass(frozen=True)
class Panel:
    """One variable to draw, for one or several scenarios (:mod:`simcore.plots`).

    Attributes
    ----------
    label : str
        Axis label naming the variable and its display unit, e.g.
        ``"contribution_usd [USD bn]"``.
    scale : float
        Divisor from the file's units to the display unit (1e9 for USD bn).
    series : dict of str to ndarray
        Per scenario: for a fan chart, percentiles at :data:`FAN_LEVELS`, shape (5, H); for
        an S-curve or a histogram, the samples, shape (n,). In the file's units.
    description : str
        What the values are ("2031", "total 2026-2031"), shown in the panel title.
    """

    label: str
    scale: float
    series: dict[str, np.ndarray]
    description: str = ""


def _axis_label(name: str) -> str:
    spec = _spec(name)
    return f"{name} [{spec.display_unit or spec.units}]"


def figure_title(selection: Selection, kind: str) -> str:
    """``"baseline, drawdown — fan chart — outputs/batch.h5"``."""
    names = ", ".join(s.name for s in selection.scenarios)
    return f"{names} — {kind} — {selection.path}"


def fan_panels(selection: Selection) -> list[Panel]:
    """Per variable, the percentiles at :data:`FAN_LEVELS` per scenario, shape (5, years).

    Read from the summary group when stored (else computed from the samples), so the
    bands are exactly the summary's percentiles.
    """
    flat = [q.name for q in selection.quantities if not q.per_year]
    if flat:
        raise SmasimInputError(
            f"--kind fan: {', '.join(flat)} has no year axis (a horizon total); use --kind "
            "cdf or hist"
        )
    rows = _summary_rows(selection, FAN_LEVELS, ())
    panels = []
    for item in selection.quantities:
        series = {
            scenario.name: np.array([
                [r.percentiles[q].value for r in rows
                 if r.variable == item.name and r.scenario == scenario.name]
                for q in FAN_LEVELS
            ])
            for scenario in selection.scenarios
        }
        panels.append(Panel(_axis_label(item.name), _scale(item.name), series))
    return panels


def _years_text(years: Sequence[int]) -> str:
    """``2026-2031`` for a run of years, else ``2027, 2029``."""
    if len(years) > 1 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def distribution_panels(selection: Selection, *, years_given: bool) -> list[Panel]:
    """Per variable, each scenario's samples of one year or of a total over years.

    A yearly money variable (USD, KRW) is summed over the years chosen (one year: that
    year); another yearly variable needs one year, and is shown for the last one when no
    ``--years`` was given. Horizon totals are shown as they are.
    """
    years = selection.years
    panels = []
    for item in selection.quantities:
        pick: int | None = None  # None: sum the years chosen
        if not item.per_year:
            description = "horizon total"
        elif len(years) == 1:
            pick, description = 0, str(years[0])
        elif item.units in ("USD", "KRW"):
            description = f"total {_years_text(years)}"
        elif not years_given:
            pick, description = -1, str(years[-1])
        else:
            raise SmasimInputError(
                f"--years: {item.name} does not add up over years; choose one year "
                f"(e.g. --years {years[-1]})"
            )
        series = {}
        for scenario in selection.scenarios:
            values = selection.values(item, scenario)
            if item.per_year:
                values = values.sum(axis=1) if pick is None else values[:, pick]
            series[scenario.name] = values
        panels.append(Panel(_axis_label(item.name), _scale(item.name), series, description))
    return panels


# --- text tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TextTable:
    """A table of display strings: what the CLI prints with rich, or as Markdown."""

    title: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table under a bold title, numbers right-aligned."""
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.header) + " |")
        lines.append("|" + "|".join([":---"] + ["---:"] * (len(self.header) - 1)) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.caption:
            lines += ["", f"_{self.caption}_"]
        return "\n".join(lines) + "\n"


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


def _spec(name: str) -> VariableSpec:
    """Display attributes of a quantity (``X_real`` shows as ``X``)."""
    return VARIABLES.get(name) or VARIABLES[name.removesuffix("_real")]


def _title(name: str, scenario: str | None = None) -> str:
    spec = _spec(name)
    description = spec.long_name
    if name not in VARIABLES:
        description = f"{description.removesuffix(', nominal')}, in base-year prices"
    head = f"{scenario}: " if scenario is not None else ""
    return f"{head}{name} [{spec.display_unit or spec.units}] — {description}"


def _scale(name: str) -> float:
    return _spec(name).display_scale


def _year_label(year: int | None, per_year: bool) -> str:
    if year is not None:
        return str(year)
    return "any year" if per_year else "horizon"


_ERRORS_NOTE = (
    "± after a mean: its Monte Carlo standard error; after a percentile: half the width of "
    f"its {INTERVAL_LEVEL:.0%} confidence interval (order statistics, distribution-free)."
)


def _statistics_cells(row: SummaryRow, first: str, scale: float) -> list[str]:
    return [
        first,
        format_with_error(row.mean, row.mcse, scale),
        *(
            format_with_error(e.value, (e.upper - e.lower) / 2, scale)
            for e in row.percentiles.values()
        ),
    ]


def summary_tables(rows: Sequence[SummaryRow]) -> list[TextTable]:
    """Tables for people: per scenario and variable, years as rows, readable units.

    The statistics table shows ``mean ±mcse`` and ``Pq ±h`` (``h`` half the width of the 95%
    interval); an exceedance table follows when thresholds were given. Convergence rows
    (several path counts per year) give one table per year, paths as rows, and the paths
    needed for the requested precision.
    """
    groups: dict[tuple[str, str], list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault((row.scenario, row.variable), []).append(row)
    tables = []
    for (scenario, name), group in groups.items():
        scale = _scale(name)
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
                    title=f"{_title(name, scenario)}, {_year_label(year, per_year)}: "
                    "convergence",
                    header=["paths", *header[1:]],
                    rows=[_statistics_cells(r, f"{r.n:,}", scale) for r in year_rows],
                    caption=f"Paths needed for the requested relative precision of the 95% "
                    f"intervals, estimated from all {year_rows[-1].n:,} paths: {needed}. "
                    + _ERRORS_NOTE,
                ))
        else:
            tables.append(TextTable(
                title=_title(name, scenario),
                header=header,
                rows=[_statistics_cells(r, _year_label(r.year, per_year), scale) for r in stats],
                caption=f"{stats[0].n:,} paths. {_ERRORS_NOTE}",
            ))
        tail = [r for r in group if r.exceedance]
        if tail:
            unit = _spec(name).display_unit or _spec(name).units
            tables.append(TextTable(
                title=f"{_title(name, scenario)}: probability of exceeding, %",
                header=["year"] + [f"> {t / scale:g} {unit}" for t in tail[0].exceedance],
                rows=[
                    [_year_label(r.year, per_year)]
                    + [format_with_error(p, se, 0.01) for p, se in r.exceedance.values()]
                    for r in tail
                ],
                caption="± its standard error sqrt(p(1 − p)/n). \"any year\": the path "
                "exceeds in at least one of the years shown.",
            ))
    return tables


def _paths_text(paths: float) -> str:
    if not math.isfinite(paths):
        return "undefined (estimate is 0)"
    return f"{paths:,.0f}"


def comparison_tables(rows: Sequence[ComparisonRow]) -> list[TextTable]:
    """Tables for people: per variable, years as rows, ``B − A`` in readable units."""
    groups: dict[str, list[ComparisonRow]] = {}
    for row in rows:
        groups.setdefault(row.variable, []).append(row)
    tables = []
    for name, group in groups.items():
        scale = _scale(name)
        first = group[0]
        per_year = any(r.year is not None for r in group)
        levels = list(first.percentiles)
        header = ["year", "mean A", "mean B", "Δ mean ±se", "P(B>A) %"]
        header += [f"Δ{percentile_label(q).upper()} ±ci" for q in levels]
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
                format_with_error(d.difference, (d.upper - d.lower) / 2, scale)
                + _times(d.narrowing)
                for d in r.percentiles.values()
            ]
            cells.append(line)
        tables.append(
            TextTable(
                title=f"{_title(name)}: B − A, A = {first.scenario_a}, B = {first.scenario_b}",
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


def _times(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f" (×{ratio:,.1f})" if ratio < 100 else f" (×{ratio:,.0f})"


@dataclass(frozen=True)
class OutcomeRow:
    """How often one negotiation outcome happened in one year of one scenario.

    Attributes
    ----------
    scenario : str, optional
        Scenario name (None for a single run).
    year : int
        Calendar year.
    outcome : str
        ``no_negotiation`` or an outcome's label (``status_quo``, ``demand``, ``lapse``, …).
    probability, se : float
        Share of paths with that outcome, and its standard error ``sqrt(p (1 − p) / n)``.
    """

    scenario: str | None
    year: int
    outcome: str
    probability: float
    se: float

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON."""
        return {"scenario": self.scenario, "year": self.year, "outcome": self.outcome,
                "probability": self.probability, "se": self.se}


def outcome_rows(path: str | Path, *, scenarios: Sequence[str] | None = None) -> list[OutcomeRow]:
    """The probability of each negotiation outcome per year, from the summary group.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    scenarios : sequence of str, optional
        Scenarios of a batch file (default: all).
    """
    frequency = read_outcome_frequency(path)
    names: list[str | None] = list(frequency.scenarios or [None])
    wanted = list(scenarios or [n for n in names if n is not None]) or [None]
    unknown = [s for s in wanted if s not in names]
    if unknown:
        raise SmasimInputError(
            f"--scenario: {', '.join(map(str, unknown))} not in {path} "
            f"(scenarios: {', '.join(n for n in names if n is not None) or 'none, a single run'})"
        )
    share = frequency.share
    se = np.sqrt(share * (1.0 - share) / frequency.n)
    return [
        OutcomeRow(scenario=name, year=int(year), outcome=label,
                   probability=float(share[s, k, j]), se=float(se[s, k, j]))
        for s, name in enumerate(names) if name in wanted
        for j, year in enumerate(frequency.years)
        for k, label in enumerate(frequency.labels)
    ]


def outcome_tables(rows: Sequence[OutcomeRow]) -> list[TextTable]:
    """Per scenario, years as rows and one column per outcome, in % with their errors."""
    tables = []
    for scenario in dict.fromkeys(r.scenario for r in rows):
        mine = [r for r in rows if r.scenario == scenario]
        labels = list(dict.fromkeys(r.outcome for r in mine))
        years = list(dict.fromkeys(r.year for r in mine))
        cell = {(r.year, r.outcome): r for r in mine}
        title = "negotiation outcomes [% of paths]"
        tables.append(TextTable(
            title=f"{scenario}: {title}" if scenario else title,
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

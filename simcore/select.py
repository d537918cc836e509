"""Selecting quantities from a result file: the only read-side code that touches the store.

:func:`select` checks variables, scenarios and years against a file and returns a
:class:`Selection`, which hands out samples and stored statistics as arrays. Everything
downstream (:mod:`simcore.rows`, :mod:`simcore.render`, :mod:`simcore.figures`) works on
those arrays and never opens a file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from simcore.drivers import price_index
from simcore.errors import ParameterError, did_you_mean, literal
from simcore.parallel import default_threads
from simcore.store import OutcomeFrequency, read_outcome_frequency, read_samples, read_summary
from simcore.summary import VariableSummary, percentile_intervals, summarize_values
from simcore.variables import SUMMARIZED, VARIABLES, VariableSpec

#: What ``smasim summary`` and ``smasim compare`` show when no variable is chosen.
HEADLINE_VARIABLES = (
    "contribution_usd",
    "contribution_krw",
    "rok_share",
    "total_cost_usd",
    "cum_contribution_usd",
)

#: Global attributes on which two files must agree for their paths to be paired: the same
#: values make path ``i`` of one file use the random inputs of path ``i`` of the other.
DESIGN_ATTRS = ("seed", "sampler", "bit_generator", "block_size", "n_samples", "base_year",
                "horizon")


# --- parsing what is asked for ---------------------------------------------------------------


def parse_percentiles(text: str) -> list[float]:
    """``"5,50,95"`` → ``[5.0, 50.0, 95.0]`` (the range is checked against the file's use)."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ParameterError(
            f"{{percentiles}}: expected numbers separated by commas, e.g. 5,50,95 "
            f"(got {literal(repr(text))})"
        ) from None
    if not values:
        raise ParameterError("{percentiles}: give at least one percentile, e.g. 5,50,95")
    return values


def check_levels(percentiles: Sequence[float]) -> list[float]:
    """Percentile levels without repeats, each in [0, 100]."""
    levels = list(dict.fromkeys(float(q) for q in percentiles))
    bad = [q for q in levels if not 0.0 <= q <= 100.0]
    if bad:
        raise ParameterError(f"{{percentiles}}: each must lie in [0, 100] (got {bad})")
    return levels


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
            raise ParameterError(
                "{years}: expected a year, a range FIRST-LAST or a comma-separated list, "
                f"e.g. 2027-2031 (got {literal(repr(text))})"
            )
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise ParameterError(f"{{years}}: range {item.strip()} ends before it starts")
        years.update(range(first, last + 1))
    outside = sorted(years - set(available))
    if outside:
        raise ParameterError(
            f"{{years}}: {', '.join(map(str, outside))} outside the file's horizon "
            f"{min(available)}-{max(available)}"
        )
    return sorted(years)


def check_thresholds(thresholds: Sequence[float]) -> list[float]:
    """Exceedance thresholds: finite numbers in the variable's units, without repeats."""
    bad = [t for t in thresholds if not math.isfinite(t)]
    if bad:
        raise ParameterError(f"{{exceed}}: thresholds must be finite numbers (got {bad})")
    return list(dict.fromkeys(float(t) for t in thresholds))


def unknown_names(what: str, unknown: Sequence[str], available: Sequence[str],
                  where: str | Path) -> ParameterError:
    """``scenarios: unknown basline in f.h5; did you mean 'baseline'? (available: …)``
    (``--scenario: …`` on the command line)."""
    hint = did_you_mean(unknown[0], available) if len(unknown) == 1 else ""
    return ParameterError(
        f"{{{what}s}}: unknown {what}(s) {literal(', '.join(unknown))} in {literal(where)}"
        f"{literal(hint)} (available: {literal(', '.join(available))})"
    )


# --- what is read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A variable as a report shows it: stored, or put in base-year prices from its samples.

    Attributes
    ----------
    name : str
        Name shown (``total_cost_usd_real`` for a variable put in base-year prices).
    spec : VariableSpec
        What the values are: kind, units, long name, display unit and scale.
    source : str
        Variable read from the file.
    real : bool
        Put in base-year prices here (the title says so); a stored real variable such as
        ``contribution_usd_real`` already says so in its long name.
    deflator : str, optional
        Inflation variable whose price index (base year = 1) divides the samples.
    horizon_sum : bool
        Sum the source's years per path (a horizon total in base-year prices).
    stored : bool
        The summary group holds this quantity's statistics.
    """

    name: str
    spec: VariableSpec
    source: str
    real: bool = False
    deflator: str | None = None
    horizon_sum: bool = False
    stored: bool = True

    @property
    def per_year(self) -> bool:
        """Has a year axis."""
        return self.spec.per_year

    @property
    def units(self) -> str:
        """CF units of the values."""
        return self.spec.units

    @property
    def display_unit(self) -> str:
        """Unit shown to people (``USD bn``, ``%``), the CF units if none is set."""
        return self.spec.display_unit or self.spec.units

    @property
    def description(self) -> str:
        """Long name, ``…, in base-year prices`` for a quantity deflated here."""
        if self.real:
            return f"{self.spec.long_name.removesuffix(', nominal')}, in base-year prices"
        return self.spec.long_name


def quantity(name: str, *, real: bool) -> Quantity:
    """How ``name`` is read, nominal or (``real``) in base-year prices.

    Base-year prices divide each path's money values by the price index of their
    currency's inflation (:attr:`VariableSpec.deflator`); ``contribution_usd`` is stored in
    base-year prices already (``contribution_usd_real``), and ``cum_contribution_usd``
    becomes the sum of ``contribution_usd_real`` over the years. Shares, rates, troops and
    the exchange rate are unchanged.
    """
    spec = VARIABLES[name]
    if not real or spec.deflator is None or name == "contribution_usd_real":
        return Quantity(name, spec, name)
    if name == "contribution_usd":
        return Quantity("contribution_usd_real", VARIABLES["contribution_usd_real"],
                        "contribution_usd_real")
    if name == "cum_contribution_usd":
        return Quantity("cum_contribution_usd_real", spec, "contribution_usd_real", real=True,
                        horizon_sum=True, stored=False)
    if not spec.per_year:
        raise ParameterError(
            f"{{real}}: {name} is a present value (already discounted) and has no base-year "
            "prices; choose another variable or nominal values"
        )
    return Quantity(f"{name}_real", spec, name, real=True, deflator=spec.deflator,
                    stored=False)


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

    @property
    def stored_levels(self) -> list[float]:
        """Percentile levels of the summary group."""
        return [float(q) for q in self.summary["percentile"].values]

    def design(self) -> dict[str, object]:
        """The attributes of :data:`DESIGN_ATTRS`: equal designs pair their paths."""
        return {key: self.summary.attrs.get(key) for key in DESIGN_ATTRS}

    def width(self, item: Quantity) -> int:
        """Columns of ``item``: the years chosen, or 1 for a horizon total."""
        return len(self.year_index) if item.per_year else 1

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

    def missing_levels(self, item: Quantity, wanted: Sequence[float]) -> list[float]:
        """Levels whose percentile and interval are not in the summary group.

        All of them for a quantity not stored, or for a file written before intervals were.
        """
        if not item.stored or f"{item.source}_percentile_lower" not in self.summary:
            return list(wanted)
        stored = self.stored_levels
        return [q for q in wanted if q not in stored]

    def statistics(
        self,
        item: Quantity,
        scenario: ScenarioRef,
        wanted: Sequence[float],
        samples: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Moments ``(3, W)`` (mean, mcse, sd) and percentiles ``(3, P, W)`` (value, lower,
        upper).

        Stored statistics are read; the others are computed from ``samples`` (needed when
        :meth:`missing_levels` is not empty).
        """
        width = self.width(item)
        if not item.stored:
            assert samples is not None
            return summary_arrays(
                summarize_values(samples, wanted, threads=default_threads()), width
            )
        moments = np.array([self.stored(item, scenario, s) for s in ("mean", "mcse", "sd")])
        pct = np.empty((3, len(wanted), width))
        missing = self.missing_levels(item, wanted)
        if missing:
            assert samples is not None
            computed = np.array(percentile_intervals(samples, missing, threads=default_threads()))
            pct[:, [wanted.index(q) for q in missing]] = computed.reshape(3, len(missing), width)
        present = [k for k, q in enumerate(wanted) if q not in missing]
        if present:
            stored = self.stored_levels
            rows = [stored.index(wanted[k]) for k in present]
            pct[:, present] = np.array([
                self.stored(item, scenario, stat)[rows]
                for stat in ("percentile", "percentile_lower", "percentile_upper")
            ]).reshape(3, len(present), width)
        return moments.reshape(3, width), pct


def summary_arrays(summary: VariableSummary, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Moments ``(3, W)`` (mean, mcse, sd) and percentiles ``(3, P, W)`` of a summary."""
    moments = np.array([summary.mean, summary.mcse, summary.sd]).reshape(3, width)
    pct = np.array([summary.percentile, summary.percentile_lower, summary.percentile_upper])
    return moments, pct.reshape(3, -1, width)


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
        Years text (:func:`parse_years`); default every year.
    real : bool
        Money in base-year prices (:func:`quantity`).

    Returns
    -------
    Selection
    """
    names = list(dict.fromkeys(variables or HEADLINE_VARIABLES))
    known = [quantity(n, real=real) for n in names if n in SUMMARIZED]
    # Only the statistics of these variables are read from the summary group.
    summary = read_summary(path, list(dict.fromkeys([*names, *(q.source for q in known)])))
    unknown = [n for n in names if f"{n}_mean" not in summary]
    if unknown:
        everything = read_summary(path)
        available = [n for n in SUMMARIZED if f"{n}_mean" in everything]
        raise unknown_names("variable", unknown, available, path)
    in_file = _file_scenarios(summary)
    chosen = in_file
    if scenarios:
        by_name = {s.name: s for s in in_file}
        missing = [s for s in scenarios if s not in by_name]
        if missing:
            raise unknown_names("scenario", missing, list(by_name), path)
        chosen = [by_name[s] for s in dict.fromkeys(scenarios)]
    all_years = [int(y) for y in summary["year"].values]
    wanted = parse_years(years, all_years) if years is not None else all_years
    return Selection(
        path=Path(path),
        summary=summary,
        scenarios=chosen,
        quantities=known,
        years=wanted,
        year_index=np.array([all_years.index(y) for y in wanted], dtype=np.intp),
    )


def outcome_frequency(path: str | Path, scenarios: Sequence[str] | None = None
                      ) -> tuple[OutcomeFrequency, list[str | None]]:
    """The file's negotiation-outcome frequencies, and the scenarios chosen among them.

    Returns
    -------
    frequency : OutcomeFrequency
        Shares per scenario, outcome and year.
    wanted : list of str or None
        Scenario names chosen (default all; ``[None]`` for a single run).
    """
    frequency = read_outcome_frequency(path)
    names: list[str | None] = [*frequency.scenarios] if frequency.scenarios else [None]
    available = [n for n in names if n is not None]
    wanted: list[str | None] = list(scenarios or available) or [None]
    unknown = [str(s) for s in wanted if s not in names]
    if unknown:
        hint = did_you_mean(unknown[0], available) if len(unknown) == 1 else ""
        raise ParameterError(
            f"{{scenarios}}: {literal(', '.join(unknown))} not in {literal(path)}"
            f"{literal(hint)} (scenarios: {literal(', '.join(available)) or 'none, a single run'})"
        )
    return frequency, wanted

"""Selecting quantities from a result file: the only read-side code that touches the store.

:func:`select` checks variables, scenarios and years against a file and returns a
:class:`Selection`, which hands out samples and stored statistics as arrays. Everything
downstream (:mod:`simcore.read.rows`, :mod:`simcore.report.render`,
:mod:`simcore.report.panels`) works on those arrays and never opens a file."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from simcore.core.errors import ParameterError, did_you_mean, literal
from simcore.core.system import default_threads
from simcore.core.variables import SUMMARIZED
from simcore.io.layout import SUMMARY_ONLY_ATTR, OutcomeFrequency
from simcore.io.provenance import file_info
from simcore.io.reader import (
    read_outcome_frequency,
    read_samples,
    read_scenario_coords,
    read_summary,
)
from simcore.model.drivers import price_index
from simcore.read.choices import (
    DESIGN_ATTRS,
    HEADLINE_VARIABLES,
    Quantity,
    ScenarioRef,
    coordinate_label,
    parse_years,
    quantity,
    unknown_names,
)
from simcore.stats.summary import VariableSummary, percentile_intervals, summarize_values


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

    def has_paths(self, item: Quantity) -> bool:
        """The file keeps the paths ``item`` is read from (a run with ``store`` may keep
        only its summary)."""
        summary_only = set(str(self.summary.attrs.get(SUMMARY_ONLY_ATTR, "")).split())
        return not summary_only & {item.source, item.deflator}

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


def _file_scenarios(path: str | Path, summary: xr.Dataset) -> list[ScenarioRef]:
    """The file's scenarios, each with the values its coordinates along ``scenario`` give
    it (a sweep's swept values), labelled by :func:`~simcore.read.choices.coordinate_label`."""
    if "scenario" not in summary.dims:
        return [ScenarioRef(str(summary.attrs.get("scenario_names", "")), None)]
    coords = [(coordinate_label(name, attrs), values)
              for name, (values, attrs) in read_scenario_coords(path).items()]
    return [
        ScenarioRef(str(s), i, tuple((label, _plain(values[i])) for label, values in coords))
        for i, s in enumerate(summary["scenario"].values)
    ]


def _plain(value: Any) -> object:
    """A numpy scalar as the Python value it holds (a record's value)."""
    return value.item() if hasattr(value, "item") else value


def select(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    real: bool = False,
    defaults: Sequence[str] = HEADLINE_VARIABLES,
) -> Selection:
    """Check the variables, scenarios and years asked for against a result file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    variables : sequence of str, optional
        Default ``defaults``, those of them the file summarizes (an exploration summarizes
        a few); a variable named here that the file lacks is an error.
    scenarios : sequence of str, optional
        Scenario names; default every scenario of the file.
    years : str, optional
        Years text (:func:`parse_years`); default every year.
    real : bool
        Money in base-year prices (:func:`quantity`).
    defaults : sequence of str
        The variables when none are named (default :data:`HEADLINE_VARIABLES`).

    Returns
    -------
    Selection
    """
    names = list(dict.fromkeys(variables or defaults))
    known = [quantity(n, real=real) for n in names if n in SUMMARIZED]
    # Only the statistics of these variables are read from the summary group.
    summary = read_summary(path, list(dict.fromkeys([*names, *(q.source for q in known)])))
    unknown = [n for n in names if f"{n}_mean" not in summary]
    if unknown:
        everything = read_summary(path)
        available = [n for n in SUMMARIZED if f"{n}_mean" in everything]
        if variables:
            raise unknown_names("variable", unknown, available, path)
        # A file that summarizes a few variables (an exploration's) shows those it has.
        names = [n for n in names if n not in unknown] or available
        known = [quantity(n, real=real) for n in names]
        summary = read_summary(path, list(dict.fromkeys([*names, *(q.source for q in known)])))
        known = [q for q in known if f"{q.source}_mean" in summary]
    in_file = _file_scenarios(path, summary)
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


def stored_configs(path: str | Path) -> dict[str, dict[str, Any]]:
    """Each scenario's resolved configuration as the file stores it, parsed but not
    validated (a file from an earlier version keeps its own keys), by scenario name."""
    return {name: tomllib.loads(text) for name, text in file_info(path).configs().items()}


def outcome_frequency(path: str | Path, scenarios: Sequence[str] | None = None
                      ) -> tuple[OutcomeFrequency, list[str | None]]:
    """The file's negotiation-outcome frequencies, and the scenarios chosen among them.

    Returns
    -------
    frequency : OutcomeFrequency
        Shares per scenario, outcome and year; a single run's ``scenarios`` name it.
    wanted : list of str or None
        Scenario names chosen (default all: a single run's one).
    """
    frequency = read_outcome_frequency(path)
    if frequency.scenarios is None:
        # A single run's rows name its scenario as a batch's do: one scenario, one shape.
        frequency = replace(frequency, scenarios=file_info(path).scenarios)
    names: list[str | None] = [*(frequency.scenarios or [])]
    available = [n for n in names if n is not None]
    wanted: list[str | None] = list(scenarios or available)
    unknown = [str(s) for s in wanted if s not in names]
    if unknown:
        hint = did_you_mean(unknown[0], available) if len(unknown) == 1 else ""
        raise ParameterError(
            f"{{scenarios}}: {literal(', '.join(unknown))} not in {literal(path)}"
            f"{literal(hint)} (scenarios: {literal(', '.join(available))})"
        )
    return frequency, wanted

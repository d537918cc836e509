"""Files attached to a report: Shapley sensitivity (``--sensitivity``), backtests (``--backtest``).

Both are netCDF files written by other smasim commands, read here with xarray into rows
(the report renders them like any other rows):

- ``smasim sensitivity -o FILE``: dimensions ``variable``, ``year``, ``group``; variables
  ``shapley``, ``shapley_se``, ``closed``, ``total`` (fractions of the variance).
- ``smasim backtest -o FILE``: ``forecast (driver, origin, lead, level)``, the forecast
  distribution's percentiles at each level, and ``realized (driver, origin, lead)``, the value
  observed ``lead`` years after the origin (NaN where not yet observed or not scored).

Backtest coverage is computed here the way the backtest command reports it: a realized
value is inside the central ``c`` interval when ``Q((1 − c)/2) ≤ y ≤ Q((1 + c)/2)``; the hit
rate gets a Wilson 95 % interval on ``n_eff = ⌈n / lead⌉`` origins, because forecasts whose
horizons overlap are not independent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from simcore.errors import SmasimInputError
from simcore.render import TextTable, format_with_error
from simcore.summary import INTERVAL_LEVEL, normal_quantile

__all__ = ["COVERAGE_LEVELS", "CoverageRow", "ShapleyRow", "coverage_tables", "read_backtest",
           "read_sensitivity", "sensitivity_tables", "wilson_interval"]

#: Central intervals whose coverage a backtest reports.
COVERAGE_LEVELS = (0.5, 0.8, 0.9)
#: What a cell says for a quantity without variance (every Shapley index is NaN there).
NO_VARIANCE = "no variance"

_SENSITIVITY = {"dims": ("variable", "year", "group"),
                "vars": ("shapley", "shapley_se", "closed", "total")}
_BACKTEST = {"dims": ("driver", "origin", "lead", "level"), "vars": ("forecast", "realized")}


def _open(path: str | Path, option: str, layout: dict[str, tuple[str, ...]],
          command: str) -> xr.Dataset:
    """The dataset in memory, checked against its documented layout."""
    try:
        with xr.open_dataset(path, engine="h5netcdf") as handle:
            data = handle.load()
    except (OSError, ValueError) as err:
        raise SmasimInputError(
            f"{option}: cannot read {path} as netCDF ({str(err).splitlines()[0]})"
        ) from None
    missing = [n for n in (*layout["dims"], *layout["vars"])
               if n not in data.dims and n not in data.variables]
    if missing:
        raise SmasimInputError(
            f"{option}: {path} lacks {', '.join(missing)} (expected what `{command}` writes: "
            f"dimensions {', '.join(layout['dims'])}; variables {', '.join(layout['vars'])})"
        )
    return data


def _label(value: object) -> int | str:
    """A coordinate value as shown: whole numbers as int (years), anything else as text."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return str(value)


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class ShapleyRow:
    """Share of one quantity's variance in one year explained by one group of inputs.

    Attributes
    ----------
    variable : str
        Output variable.
    year : int or str
        Calendar year, or a label such as ``"horizon"``.
    group : str
        Group of inputs (``fx``, ``negotiation``, …).
    shapley, shapley_se, closed, total : float
        Shapley effect with its standard error, closed and total indices (fractions; NaN
        where the quantity has no variance).
    """

    variable: str
    year: int | str
    group: str
    shapley: float
    shapley_se: float
    closed: float
    total: float

    def as_record(self) -> dict[str, object]:
        """The keys of ``smasim sensitivity --format json`` (NaN as None)."""
        return {"variable": self.variable, "year": self.year, "group": self.group,
                "shapley": _number(self.shapley), "shapley_se": _number(self.shapley_se),
                "closed": _number(self.closed), "total": _number(self.total)}


def read_sensitivity(path: str | Path) -> list[ShapleyRow]:
    """Rows of a ``smasim sensitivity`` file, by variable, year and group.

    Raises
    ------
    SmasimInputError
        The file cannot be read or lacks the documented dimensions and variables.
    """
    data = _open(path, "--sensitivity", _SENSITIVITY, "smasim sensitivity -o")
    arrays = {
        name: data[name].transpose(*_SENSITIVITY["dims"]).values.astype(np.float64)
        for name in _SENSITIVITY["vars"]
    }
    variables = [str(_label(v)) for v in data["variable"].values]
    years = [_label(y) for y in data["year"].values]
    groups = [str(_label(g)) for g in data["group"].values]
    return [
        ShapleyRow(variable, year, group, *(float(arrays[n][i, j, k])
                                              for n in _SENSITIVITY["vars"]))
        for i, variable in enumerate(variables)
        for j, year in enumerate(years)
        for k, group in enumerate(groups)
    ]


def sensitivity_tables(rows: Sequence[ShapleyRow]) -> list[TextTable]:
    """Per variable: years as rows, one column per group, Shapley share ± SE in %."""
    tables = []
    for variable in dict.fromkeys(r.variable for r in rows):
        mine = [r for r in rows if r.variable == variable]
        groups = list(dict.fromkeys(r.group for r in mine))
        cell = {(r.year, r.group): r for r in mine}
        body = []
        for year in dict.fromkeys(r.year for r in mine):
            line = [str(year)]
            for group in groups:
                row = cell[year, group]
                line.append(NO_VARIANCE if math.isnan(row.shapley)
                            else format_with_error(row.shapley, row.shapley_se, 0.01))
            body.append(line)
        tables.append(TextTable(
            title=f"{variable}: share of each year's variance by group of inputs [%]",
            header=["year", *groups],
            rows=body,
            caption="Shapley effects: each group's share of the variance (a year's shares "
            "add up to 100 %), ± one standard error; a known amount has no variance.",
        ))
    return tables


def wilson_interval(p: float, n: float, interval_level: float = INTERVAL_LEVEL
                    ) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` (possibly effective) trials.

    Returns ``(nan, nan)`` when ``n`` is 0.
    """
    if n <= 0:
        return math.nan, math.nan
    z = normal_quantile(interval_level)
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class CoverageRow:
    """How often one driver's realized values fell inside one central forecast interval.

    Attributes
    ----------
    driver : str
        Backtested driver.
    lead : int
        Years between the origin and the realized value.
    level : float
        Nominal coverage of the central interval (0.8 for P10–P90).
    hits, n : int
        Origins whose realized value was inside, and origins scored.
    n_eff : int
        ``⌈n / lead⌉``: origins counted as independent for the interval.
    rate, rate_lower, rate_upper : float
        ``hits / n`` and its Wilson 95 % interval on ``n_eff``.
    """

    driver: str
    lead: int
    level: float
    hits: int
    n: int
    n_eff: int
    rate: float
    rate_lower: float
    rate_upper: float

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON."""
        return {"driver": self.driver, "lead": self.lead, "level": self.level,
                "hits": self.hits, "n": self.n, "n_eff": self.n_eff,
                "rate": _number(self.rate), "rate_lower": _number(self.rate_lower),
                "rate_upper": _number(self.rate_upper)}


def read_backtest(path: str | Path) -> list[CoverageRow]:
    """Coverage of the central 50/80/90 % intervals per driver and lead, from a backtest file.

    The ``level`` coordinate may be in percent (5 … 95) or fractions (0.05 … 0.95); an
    interval whose two end levels are not both stored is left out.

    Raises
    ------
    SmasimInputError
        The file cannot be read, lacks the documented layout, or stores no central interval.
    """
    data = _open(path, "--backtest", _BACKTEST, "smasim backtest -o")
    forecast = data["forecast"].transpose(*_BACKTEST["dims"]).values.astype(np.float64)
    realized = data["realized"].transpose(*_BACKTEST["dims"][:3]).values.astype(np.float64)
    levels = np.asarray(data["level"].values, dtype=np.float64)
    fractions = levels / 100 if levels.max() > 1 else levels
    drivers = [str(_label(d)) for d in data["driver"].values]
    leads = [int(_label(h)) for h in data["lead"].values]

    def position(fraction: float) -> int | None:
        close = np.flatnonzero(np.isclose(fractions, fraction, rtol=0, atol=1e-9))
        return int(close[0]) if close.size else None

    rows = []
    for level in COVERAGE_LEVELS:
        low, high = position((1 - level) / 2), position((1 + level) / 2)
        if low is None or high is None:
            continue
        scored = np.isfinite(realized)
        inside = scored & (forecast[..., low] <= realized) & (realized <= forecast[..., high])
        for d, driver in enumerate(drivers):
            for h, lead in enumerate(leads):
                n = int(scored[d, :, h].sum())
                if n == 0:
                    continue
                hits = int(inside[d, :, h].sum())
                n_eff = math.ceil(n / max(lead, 1))
                lower, upper = wilson_interval(hits / n, n_eff)
                rows.append(CoverageRow(driver, lead, level, hits, n, n_eff, hits / n,
                                        lower, upper))
    if not rows:
        raise SmasimInputError(
            f"--backtest: {path} stores no central interval with a scored value (levels "
            f"{', '.join(f'{x:g}' for x in levels)}; need e.g. 25 and 75 for the 50 % one)"
        )
    return sorted(rows, key=lambda r: (drivers.index(r.driver), r.lead, r.level))


def coverage_tables(rows: Sequence[CoverageRow]) -> list[TextTable]:
    """One table: driver and lead as rows, each central interval's hit rate as columns."""
    levels = list(dict.fromkeys(r.level for r in sorted(rows, key=lambda r: r.level)))
    cell = {(r.driver, r.lead, r.level): r for r in rows}
    keys = list(dict.fromkeys((r.driver, r.lead) for r in rows))
    body = []
    for driver, lead in keys:
        line = [driver, str(lead)]
        for level in levels:
            row = cell.get((driver, lead, level))
            # Whole percent: with tens of origins, a decimal would be noise.
            line.append("—" if row is None else
                        f"{100 * row.rate:.0f} ({100 * row.rate_lower:.0f}–"
                        f"{100 * row.rate_upper:.0f})")
        counts = [cell[driver, lead, level] for level in levels if (driver, lead, level) in cell]
        line.append(f"{counts[0].n} ({counts[0].n_eff})")
        body.append(line)
    return [TextTable(
        title="Backtest: how often the realized value fell inside the forecast interval [%]",
        header=["driver", "lead [years]", *(f"{level:.0%} interval" for level in levels),
                "origins (effective)"],
        rows=body,
        caption="A well-calibrated forecast has each rate near its nominal level. In brackets: "
        "Wilson 95 % interval on the effective number of origins ⌈n / lead⌉ (forecasts with "
        "overlapping horizons are not independent).",
    )]

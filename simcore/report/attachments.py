"""Files attached to a report: Shapley sensitivity (``--sensitivity``), backtests (``--backtest``).

Both are netCDF files written by other smasim commands, read into rows (the report renders
them like any other rows):

- ``smasim sensitivity -o FILE``: dimensions ``variable``, ``year``, ``group``; variables
  ``shapley``, ``shapley_se``, ``closed``, ``total`` (fractions of the variance), read here
  with xarray against that documented layout.
- ``smasim backtest -o FILE``: ``forecast (driver, origin, lead, level)`` and
  ``realized (driver, origin, lead)``, read by :func:`simcore.analysis.backtest.read_backtest`. The
  coverage of the central 50/80/90 % intervals is scored by the backtest's own functions
  (closed intervals; a Wilson 95 % interval on ``n_eff = ⌈n / lead⌉`` origins, since
  forecasts whose horizons overlap are not independent), so the numbers are those
  ``smasim backtest`` prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simcore.analysis.backtest import INTERVALS, interval_hits, read_backtest, wilson_interval
from simcore.analysis.sensitivity import NOT_APPLICABLE, SensitivityRow
from simcore.analysis.sensitivity_file import read_sensitivity as read_sensitivity_file
from simcore.core.errors import ParameterError, SmasimInputError, literal
from simcore.core.types import DRIVERS
from simcore.read.rows import record_number
from simcore.report.render import TextTable, format_with_error

__all__ = ["NO_VARIANCE", "CoverageRow", "coverage_rows", "coverage_tables",
           "read_coverage", "read_sensitivity", "sensitivity_tables"]

#: What a cell says for a quantity without variance (every Shapley index is NaN there).
NO_VARIANCE = "no variance"

def read_sensitivity(path: str | Path) -> list[SensitivityRow]:
    """Rows of a ``smasim sensitivity`` file, by variable, estimated year and group.

    Raises
    ------
    ResultFileError
        Missing, unreadable, or not a smasim sensitivity file.
    """
    data = read_sensitivity_file(path)
    arrays = {name: data[name].transpose("variable", "year", "group").values
              for name in ("shapley", "shapley_se", "closed", "total")}
    status = data["status"].transpose("variable", "year").values
    years = [int(y) if str(y).isdigit() else str(y) for y in data["year"].values]
    return [
        SensitivityRow(str(variable), years[j], str(group),
                       *(float(arrays[n][i, j, k]) for n in arrays))
        for i, variable in enumerate(data["variable"].values)
        for j in range(len(years))
        if status[i, j] != NOT_APPLICABLE
        for k, group in enumerate(data["group"].values)
    ]


def sensitivity_tables(rows: Sequence[SensitivityRow]) -> list[TextTable]:
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


@dataclass(frozen=True)
class CoverageRow:
    """How often one driver's realized values fell inside one central forecast interval.

    The numbers of ``smasim backtest --format json``'s ``drivers`` records, from the same
    functions (:func:`simcore.analysis.backtest.interval_hits`, :func:`~simcore.analysis.backtest.
    wilson_interval`).

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
                "rate": record_number(self.rate), "rate_lower": record_number(self.rate_lower),
                "rate_upper": record_number(self.rate_upper)}


def coverage_rows(forecast: np.ndarray, realized: np.ndarray, leads: np.ndarray
                  ) -> list[CoverageRow]:
    """Per driver, lead and central interval: the hit rate over the origins scored.

    Parameters
    ----------
    forecast : ndarray, shape (driver, origin, lead, level)
        Forecast quantiles at :data:`simcore.analysis.backtest.LEVELS`.
    realized : ndarray, shape (driver, origin, lead)
        Observed values (NaN: not observed or not scored).
    leads : ndarray, shape (lead,)
        Years ahead.
    """
    hits, scored = interval_hits(forecast, realized)
    rows = []
    for d, driver in enumerate(DRIVERS):
        for k, lead in enumerate(leads):
            n = int(scored[d, :, k].sum())
            if n == 0:
                continue
            n_eff = math.ceil(n / int(lead))
            for j, level in enumerate(INTERVALS):
                count = int(hits[d, scored[d, :, k], k, j].sum())
                lower, upper = wilson_interval(np.array(count / n), np.array(n_eff))
                rows.append(CoverageRow(driver, int(lead), level, count, n, n_eff, count / n,
                                        float(lower), float(upper)))
    return rows


def read_coverage(path: str | Path) -> list[CoverageRow]:
    """Coverage rows of a ``smasim backtest -o`` file.

    Raises
    ------
    SmasimInputError
        The file cannot be read or is not a backtest file.
    """
    try:
        forecast, realized, _, leads = read_backtest(Path(path))
    except SmasimInputError as err:
        raise ParameterError(f"{{backtest}}: {literal(err)}") from None
    return coverage_rows(forecast, realized, leads)


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

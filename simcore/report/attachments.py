"""Files attached to a report: Shapley sensitivity (``--sensitivity``), backtests (``--backtest``).

Both are netCDF files written by other smasim commands, read into rows (the report renders
them like any other rows):

- ``smasim sensitivity -o FILE``: dimensions ``variable``, ``year``, ``group``; variables
  ``shapley``, ``shapley_se``, ``closed``, ``total`` (fractions of the variance), read here
  with xarray against that documented layout.
- ``smasim backtest -o FILE``: ``forecast (driver, origin, lead, level)``,
  ``realized (driver, origin, lead)`` and ``pit``, read by
  :func:`simcore.analysis.backtest.read_backtest`. The coverage of the central 50/80/90 %
  intervals is :func:`simcore.analysis.backtest.coverage_rows`, the computation
  ``smasim backtest`` prints (closed intervals; a Wilson 95 % interval on
  ``n_eff = ⌈n / lead⌉`` origins, since forecasts whose horizons overlap are not
  independent).

Their tables are laid out by :mod:`simcore.report.sensitivity` and
:mod:`simcore.report.backtest`.
"""

from __future__ import annotations

from pathlib import Path

from simcore.analysis.backtest import (
    CoverageRow,
    StoredBacktest,
    coverage_rows,
    read_backtest,
)
from simcore.analysis.sensitivity import NOT_APPLICABLE, SensitivityRow
from simcore.analysis.sensitivity_file import read_sensitivity as read_sensitivity_file
from simcore.core.errors import ParameterError, SmasimInputError, literal

__all__ = ["read_coverage", "read_sensitivity"]


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


def read_coverage(path: str | Path) -> list[CoverageRow]:
    """Coverage rows of a ``smasim backtest -o`` file.

    Raises
    ------
    SmasimInputError
        The file cannot be read or is not a backtest file.
    """
    try:
        forecast, realized, pit, leads = read_backtest(Path(path))
    except SmasimInputError as err:
        raise ParameterError(f"{{backtest}}: {literal(err)}") from None
    return coverage_rows(StoredBacktest(forecast, realized, pit, leads))

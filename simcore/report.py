"""Summary records for people and programs, read from a result file's ``summary`` group.

Stored percentiles come from the group; any other percentile is computed from the stored
samples of that variable only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simcore.errors import SmasimInputError
from simcore.quantiles import column_percentiles
from simcore.store import open_samples, open_summary
from simcore.variables import SUMMARIZED, VARIABLES

#: What ``smasim summary`` shows when no ``--var`` is given.
HEADLINE_VARIABLES = (
    "contribution_usd",
    "contribution_krw",
    "rok_share",
    "total_cost_usd",
    "cum_contribution_usd",
)


@dataclass(frozen=True)
class SummaryRow:
    """One year (or the horizon) of one variable of one scenario, in the file's units."""

    variable: str
    units: str
    scenario: str | None
    year: int | None
    mean: float
    mcse: float
    sd: float
    percentiles: dict[float, float] = field(default_factory=dict)

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON: ``p5``, ``p50``, … for the percentiles."""
        record: dict[str, object] = {
            "variable": self.variable,
            "units": self.units,
            "scenario": self.scenario,
            "year": self.year,
            "mean": self.mean,
            "mcse": self.mcse,
            "sd": self.sd,
        }
        record.update({percentile_label(q): v for q, v in self.percentiles.items()})
        return record


def percentile_label(q: float) -> str:
    """``5`` → ``p5``, ``2.5`` → ``p2.5``."""
    return f"p{q:g}"


def parse_percentiles(text: str) -> list[float]:
    """``"5,50,95"`` → ``[5.0, 50.0, 95.0]``; each in [0, 100]."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SmasimInputError(
            f"--percentiles: expected numbers separated by commas, e.g. 5,50,95 (got {text!r})"
        ) from None
    if not values:
        raise SmasimInputError("--percentiles: give at least one percentile, e.g. 5,50,95")
    bad = [v for v in values if not 0.0 <= v <= 100.0]
    if bad:
        raise SmasimInputError(f"--percentiles: each must lie in [0, 100] (got {bad})")
    return values


def summary_rows(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    percentiles: Sequence[float] | None = None,
) -> list[SummaryRow]:
    """Rows of the percentile summary of a result file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    variables : sequence of str, optional
        Variable names; default :data:`HEADLINE_VARIABLES`.
    percentiles : sequence of float, optional
        Default: the percentiles stored in the file. Others are computed from the samples.

    Returns
    -------
    list of SummaryRow
        Per scenario, variable, then year (``year=None`` for horizon totals).
    """
    summary = open_summary(path)
    names = list(variables or HEADLINE_VARIABLES)
    unknown = [n for n in names if n not in SUMMARIZED or f"{n}_mean" not in summary]
    if unknown:
        available = [n for n in SUMMARIZED if f"{n}_mean" in summary]
        raise SmasimInputError(
            f"--var: unknown variable(s) {', '.join(unknown)} in {path} "
            f"(available: {', '.join(available)})"
        )
    stored = [float(q) for q in summary["percentile"].values]
    wanted = [float(q) for q in percentiles] if percentiles is not None else stored
    missing = [q for q in wanted if q not in stored]
    scenarios: list[str | None] = (
        [str(s) for s in summary["scenario"].values] if "scenario" in summary.dims else [None]
    )
    years = [int(y) for y in summary["year"].values]
    rows = []
    for s_index, scenario in enumerate(scenarios):
        for name in names:
            pick = {"scenario": s_index} if scenario is not None else {}
            mean = np.atleast_1d(summary[f"{name}_mean"].isel(pick).values)
            mcse = np.atleast_1d(summary[f"{name}_mcse"].isel(pick).values)
            sd = np.atleast_1d(summary[f"{name}_sd"].isel(pick).values)
            stored_pct = summary[f"{name}_percentile"].isel(pick).values.reshape(len(stored), -1)
            computed = (
                _percentiles_from_samples(
                    path, name, missing, scenario=s_index if scenario is not None else None
                )
                if missing
                else None
            )
            spec = VARIABLES[name]
            row_years: list[int | None] = list(years) if spec.per_year else [None]
            for j, year in enumerate(row_years):
                values = {}
                for q in wanted:
                    if q in stored:
                        values[q] = float(stored_pct[stored.index(q), j])
                    else:
                        assert computed is not None
                        values[q] = float(computed[missing.index(q), j])
                rows.append(
                    SummaryRow(
                        variable=name,
                        units=spec.units,
                        scenario=scenario,
                        year=year,
                        mean=float(mean[j]),
                        mcse=float(mcse[j]),
                        sd=float(sd[j]),
                        percentiles=values,
                    )
                )
    return rows


def _percentiles_from_samples(
    path: str | Path, name: str, percentiles: Sequence[float], *, scenario: int | None
) -> np.ndarray:
    """Percentiles not stored in the summary group, from the variable's samples only."""
    with open_samples(path) as dataset:
        variable = dataset[name]
        if scenario is not None:
            variable = variable.isel(scenario=scenario)
        values = variable.values
    return column_percentiles(values.reshape(values.shape[0], -1), percentiles)

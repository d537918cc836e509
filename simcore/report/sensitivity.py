"""A sensitivity analysis laid out as text tables: Shapley shares with their standard errors."""

from __future__ import annotations

from simcore.analysis.sensitivity import NO_VARIANCE_STATUS, NOT_APPLICABLE, SensitivityResult
from simcore.core.variables import VARIABLES
from simcore.report.render import TextTable, format_with_error
from simcore.stats.shapley import NO_VARIANCE


def _share_cell(value: float, error: float) -> str:
    """A share in % with its error; an exact 0 (a group without inputs or path) as 0.

    An error below 1e-9 is rounding, not sampling (a group that takes all the variance).
    """
    if value == 0.0 and error == 0.0:
        return "0"
    return format_with_error(value, error if error >= 1e-9 else 0.0, 0.01)


def sensitivity_tables(result: SensitivityResult) -> list[TextTable]:
    """A table per variable: years as rows, groups as columns, each effect ± SE in %."""
    tables = []
    for v, name in enumerate(result.variables):
        rows = []
        for y, year in enumerate(result.years):
            status = result.status[v, y]
            if status == NOT_APPLICABLE:
                continue
            if status == NO_VARIANCE_STATUS:
                rows.append([str(year), *[NO_VARIANCE] * len(result.groups), "—"])
                continue
            cells = [
                _share_cell(result.shapley[v, y, g], result.shapley_se[v, y, g])
                for g in range(len(result.groups))
            ]
            rows.append([str(year), *cells, f"{result.variance_ratio[v, y]:.3f}"])
        tables.append(
            TextTable(
                title=f"{name}: Shapley effects (% of variance ± SE), "
                f"{result.scenario.run.name}",
                header=["year", *result.groups, "ĉ(K)/Var"],
                rows=rows,
                caption=f"{VARIABLES[name].long_name}. N_o = {result.outer:,} outer × "
                f"N_i = {result.inner} inner draws, SE from {result.batches} batches; "
                "each row sums to 100%.",
            )
        )
    return tables

"""A sensitivity analysis laid out as text tables: Shapley shares with their standard errors.

:func:`sensitivity_tables` is what ``smasim sensitivity`` prints (with the ĉ(K)/Var check of
each year), :func:`variance_share_tables` what the report shows of a sensitivity file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from simcore.analysis.sensitivity import (
    NO_VARIANCE_STATUS,
    NOT_APPLICABLE,
    SensitivityResult,
    SensitivityRow,
)
from simcore.core.variables import VARIABLES
from simcore.report.formats import Column, Number, TextTable, whole
from simcore.report.render import format_with_error
from simcore.stats.shapley import NO_VARIANCE


def _share_cell(value: float, error: float) -> Number:
    """A share in % with its error; an exact 0 (a group without inputs or path) as 0.

    An error below 1e-9 is rounding, not sampling (a group that takes all the variance).
    """
    if value == 0.0 and error == 0.0:
        return Number("0", 0.0, error=0.0, decimals=0)
    return format_with_error(value, error if error >= 1e-9 else 0.0, 0.01)


def _year(year: int | str) -> str:
    """A year's cell: the year as a number, or ``horizon``."""
    return whole(year) if isinstance(year, int) else str(year)


def _share_columns(groups: Sequence[str]) -> list[Column]:
    return [Column(group, "%", error="se") for group in groups]


def sensitivity_about(result: SensitivityResult) -> list[tuple[str, object]]:
    """What a workbook of a sensitivity analysis says about its numbers: the scenario and
    its configuration's hash, the seed, and the design's sizes."""
    return [
        ("scenario", result.scenario.run.name),
        ("config sha256", result.scenario.config_hash()),
        ("seed", str(result.seed)),
        ("seed source", result.seed_source),
        ("outer draws", result.outer),
        ("inner draws", result.inner),
        ("batches behind the standard errors", result.batches),
    ]


def sensitivity_tables(result: SensitivityResult) -> list[TextTable]:
    """A table per variable: years as rows, groups as columns, each effect ± SE in %, and
    each year's ĉ(K)/Var (what ``smasim sensitivity`` prints)."""
    tables = []
    for v, name in enumerate(result.variables):
        rows = []
        for y, year in enumerate(result.years):
            status = result.status[v, y]
            if status == NOT_APPLICABLE:
                continue
            if status == NO_VARIANCE_STATUS:
                rows.append([_year(year), *[NO_VARIANCE] * len(result.groups), "—"])
                continue
            cells = [
                _share_cell(result.shapley[v, y, g], result.shapley_se[v, y, g])
                for g in range(len(result.groups))
            ]
            ratio = float(result.variance_ratio[v, y])
            rows.append([_year(year), *cells, Number(f"{ratio:.3f}", ratio, decimals=3)])
        tables.append(
            TextTable(
                title=f"{name}: Shapley effects (% of variance ± SE), "
                f"{result.scenario.run.name}",
                header=["year", *result.groups, "ĉ(K)/Var"],
                rows=rows,
                caption=f"{VARIABLES[name].long_name}. N_o = {result.outer:,} outer × "
                f"N_i = {result.inner} inner draws, SE from {result.batches} batches; "
                "each row sums to 100%.",
                columns=(Column("year"), *_share_columns(result.groups), Column("ĉ(K)/Var")),
                sheet=f"{name} Shapley",
            )
        )
    return tables


def variance_share_tables(rows: Sequence[SensitivityRow]) -> list[TextTable]:
    """Per variable: years as rows, one column per group, Shapley share ± SE in %: the
    report's layout of a sensitivity file's rows
    (:func:`simcore.report.attachments.read_sensitivity`)."""
    tables = []
    for variable in dict.fromkeys(r.variable for r in rows):
        mine = [r for r in rows if r.variable == variable]
        groups = list(dict.fromkeys(r.group for r in mine))
        cell = {(r.year, r.group): r for r in mine}
        body = []
        for year in dict.fromkeys(r.year for r in mine):
            line = [_year(year)]
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
            columns=(Column("year"), *_share_columns(groups)),
            sheet=f"{variable} Shapley",
        ))
    return tables

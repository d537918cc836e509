"""A sensitivity analysis laid out as text tables: Shapley shares with their standard errors.

:func:`sensitivity_tables` is what ``smasim sensitivity`` prints (with the ĉ(K)/Var check of
each year), :func:`variance_share_tables` what the report shows of a sensitivity file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simcore.analysis.sensitivity import (
    GROUP_WORDS,
    NO_VARIANCE_STATUS,
    NOT_APPLICABLE,
    SensitivityResult,
    SensitivityRow,
)
from simcore.core.variables import VARIABLES
from simcore.report.formats import Column, Number, TextTable, whole
from simcore.report.render import format_with_error
from simcore.stats.shapley import NO_VARIANCE


def group_words(group: str) -> str:
    """A group of inputs in words (:data:`~simcore.analysis.sensitivity.GROUP_WORDS`; a
    group this version does not know, from a file of another, as it is stored)."""
    return GROUP_WORDS.get(group, group)


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
        spec = VARIABLES[variable]
        tables.append(TextTable(
            title=f"{spec.long_name} [{spec.display_unit}]: share of each year's variance by "
            "group of inputs [%]",
            header=["year", *map(group_words, groups)],
            rows=body,
            caption="Shapley effects: each group's share of the variance (a year's shares "
            "add up to 100 %), ± one standard error; a known amount has no variance.",
            columns=(Column("year"), *_share_columns(groups)),
            sheet=f"{variable} Shapley",
        ))
    return tables


def drivers_sentence(years: Sequence[int | str], shares: np.ndarray, groups: Sequence[str],
                     what: str) -> str:
    """What moves ``what`` most in which years, in words: the group with the largest share
    of each year's variance, consecutive years with the same one together.

    Parameters
    ----------
    years : sequence of int or str, shape (H,)
    shares : ndarray, shape (H, k)
        Shapley shares per year and group (a year without variance: NaN); estimates a
        little below 0 count as 0, and each year's shares are taken over their sum, as the
        chart draws them.
    groups : sequence of str
        The groups, in words.
    what : str
        The output, in words ("the payment").

    Returns
    -------
    str
        ``"What moves the payment most: the exchange rate in 2026 (93% of its variance);
        the negotiations in 2027–2031 (62–95%)."``
    """
    clipped = np.clip(np.asarray(shares, dtype=float), 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        clipped = clipped / clipped.sum(axis=1, keepdims=True)
    runs: list[tuple[str, list[int | str], list[float]]] = []
    for year, line in zip(years, clipped, strict=True):
        top = "" if np.isnan(line).any() else groups[int(np.argmax(line))]
        largest = math.nan if not top else float(np.max(line))
        if runs and runs[-1][0] == top:
            runs[-1][1].append(year)
            runs[-1][2].append(largest)
        else:
            runs.append((top, [year], [largest]))
    parts: list[str] = []
    of_what = " of its variance"  # said once, after the first share
    for top, run, values in runs:
        when = str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}"
        if not top:
            parts.append(f"nothing in {when} (it is known: no variance)")
            continue
        low, high = (f"{100 * v:.0f}" for v in (min(values), max(values)))
        shown = f"{high}%" if low == high else f"{low}–{high}%"
        parts.append(f"{top} in {when} ({shown}{of_what})")
        of_what = ""
    return f"What moves {what} most: {'; '.join(parts)}."

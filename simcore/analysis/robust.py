"""Which choice holds up across judgments: the levers of an exploration scored by the
robustness rules (``smasim robust``; docs/spec/METHODS.md §D).

An exploration with ``--lever`` holds, for every point of its design (one set of
judgments) and every lever combination (one choice), a per-point statistic such as the P80
of the 2031 contribution. That is a decision matrix, choices by points; each choice is
scored across the points by the rules of :mod:`simcore.stats.robustness` (Laplace's mean,
Wald's worst case, Savage's minimax regret and its 90th percentile, Starr's domain
criterion for a satisficing criterion). The choices share each point's random inputs, so
their differences at a point (the regrets) carry less Monte Carlo noise than either value;
the points whose statistic lies within two standard errors of the criterion are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from simcore.analysis.discover import (
    NEAR,
    CaseDefinition,
    Statistic,
    parse_statistic,
    parse_where,
    statistic_values,
)
from simcore.analysis.explore import read_exploration
from simcore.core.errors import ParameterError, literal
from simcore.read.rows import record_number
from simcore.stats.robustness import METRICS, Robustness, Sense, robustness

__all__ = ["RobustResult", "RobustRow", "lever_labels", "robust"]


def lever_labels(data: xr.Dataset) -> list[str]:
    """Each lever combination of an exploration in words: ``cap=0.03, term=5``."""
    coords = [name for name in data.coords if str(name).startswith("lever_")]
    labels = []
    for j in range(data.sizes["lever"]):
        parts = []
        for name in coords:
            key = str(data[name].attrs["key"]).rsplit(".", 1)[-1]
            value = data[name].values[j]
            parts.append(f"{key}={value:g}" if isinstance(value, float | np.floating)
                         else f"{key}={value}")
        labels.append(", ".join(parts))
    return labels


@dataclass(frozen=True)
class RobustRow:
    """One lever combination's scores: a JSON/CSV record (the statistic's units)."""

    lever: int
    label: str
    expected: float
    worst: float
    max_regret: float
    regret_p90: float
    satisficing: float
    near: int

    def as_record(self) -> dict[str, object]:
        """The scores under the names of :data:`simcore.stats.robustness.METRICS`."""
        return {
            "lever": self.lever, "label": self.label,
            "expected": record_number(self.expected), "worst": record_number(self.worst),
            "max_regret": record_number(self.max_regret),
            "regret_p90": record_number(self.regret_p90),
            "satisficing": record_number(self.satisficing),
            "near_criterion": self.near,
        }


@dataclass(frozen=True)
class RobustResult:
    """The levers of an exploration scored across its points.

    Attributes
    ----------
    source : str
        The exploration's file.
    statistic : Statistic
        The outcome each point is scored by.
    criterion : CaseDefinition or None
        The satisficing criterion (the statistic compared with a value).
    sense : {"min", "max"}
        Whether smaller outcomes are better.
    labels : list of str
        Each lever combination in words.
    outcomes, se : ndarray, shape (L, M)
        The statistic per lever combination and point, and its Monte Carlo standard error.
    scores : Robustness
        Each rule's score per lever combination.
    """

    source: str
    statistic: Statistic
    criterion: CaseDefinition | None
    sense: Sense
    labels: list[str]
    outcomes: np.ndarray
    se: np.ndarray
    scores: Robustness

    @property
    def near(self) -> np.ndarray:
        """Per lever combination, the points within :data:`~simcore.analysis.discover.NEAR`
        standard errors of the criterion's value (none without a criterion)."""
        if self.criterion is None:
            return np.zeros(len(self.labels), dtype=np.int64)
        gap = np.abs(self.outcomes - self.criterion.value)
        return np.count_nonzero(gap <= NEAR * self.se, axis=1)

    def preferred(self) -> dict[str, list[int]]:
        """The lever combinations each rule prefers (several where they tie)."""
        return {metric: self.scores.preferred(metric) for metric in METRICS}

    def rows(self) -> list[RobustRow]:
        """One record per lever combination."""
        s = self.scores
        return [
            RobustRow(lever=j, label=label, expected=float(s.expected[j]),
                      worst=float(s.worst[j]), max_regret=float(s.max_regret[j]),
                      regret_p90=float(s.regret_p90[j]), satisficing=float(s.satisficing[j]),
                      near=int(self.near[j]))
            for j, label in enumerate(self.labels)
        ]


def robust(
    path: str | Path,
    outcome: str,
    *,
    criterion: str | None = None,
    sense: Sense = "min",
) -> RobustResult:
    """Score the lever combinations of an exploration across its points.

    Parameters
    ----------
    path : str or Path
        An exploration's result file with ``--lever``.
    outcome : str
        ``VARIABLE[YEAR].STATISTIC`` (:func:`~simcore.analysis.discover.parse_statistic`),
        e.g. ``contribution_usd[2031].p80``.
    criterion : str, optional
        ``OP VALUE`` met by a satisfying outcome, e.g. ``<= 2e9`` (Starr's domain
        criterion).
    sense : {"min", "max"}
        ``"min"``: smaller outcomes are better (a cost, the default).

    Raises
    ------
    ParameterError
        An exploration without levers, or an outcome or criterion it cannot answer.
    """
    if sense not in ("min", "max"):
        raise ParameterError(f"{{sense}}: {literal(sense)!r} is not min or max")
    statistic = parse_statistic(outcome)
    case = None
    if criterion is not None:
        if not re.fullmatch(r"\s*(>=|<=|>|<)\s*\S+\s*", criterion):
            raise ParameterError(f"{{criterion}} {literal(criterion)!r}: expected OP VALUE, "
                                 "e.g. '<= 2e9' (OP: > >= < <=)")
        case = parse_where(f"{statistic.text} {criterion.strip()}", option="criterion")
    data = read_exploration(path)
    if "lever" not in data.dims:
        raise ParameterError(f"{literal(path)}: the exploration has no levers to compare; "
                             "explore with --lever KEY=V1,V2,...")
    values, se = statistic_values(data, statistic, option="outcome")
    levers = data.sizes["lever"]
    # Rows are point-major: (point, lever) → a lever-by-point matrix.
    outcomes = values.reshape(-1, levers).T
    errors = se.reshape(-1, levers).T
    return RobustResult(
        source=str(path), statistic=statistic, criterion=case, sense=sense,
        labels=lever_labels(data), outcomes=outcomes, se=errors,
        scores=robustness(outcomes, sense=sense,
                          meets=None if case is None else case.holds(outcomes)),
    )

"""Robustness of choices across scenarios: a decision matrix scored by the classic rules.

A decision matrix holds one outcome per option (a value of a lever the decision maker
controls: an escalation cap, a term, a budget request) and scenario (a point of an
exploration: one set of judgments), e.g. the P80 of the 2031 contribution. Each rule below
reduces an option's row to one number; the names are those of McPhail et al. (2018),
"Robustness metrics: how are they calculated, when should they be used and why do they
give different results?", *Earth's Future* 6, 169–191:

- **Laplace's principle of insufficient reason**: the mean outcome over the scenarios,
  equally likely (the expected value);
- **Wald's maximin** (here, for outcomes where less is better, minimax): the worst outcome
  over the scenarios;
- **Savage's minimax regret** (Savage 1951): the regret of an option in a scenario is how
  much worse it does there than the best option does there; the rule takes the largest
  regret over the scenarios (and the 90th-percentile regret, the same rule spared its
  most extreme scenarios);
- **Starr's domain criterion** (satisficing): the share of scenarios in which the outcome
  meets a criterion (e.g. ``P80 of the 2031 contribution <= $2B``).

The rules need not agree: each answers a different question, and minimax regret can change
its choice when an option that it does not choose is added (it fails the independence of
irrelevant alternatives), which the tests show on a three-by-two matrix.

Every reduction is an order statistic, a difference or a ``math.fsum``, so results do not
depend on the machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "METRICS",
    "REGRET_PERCENTILE",
    "Robustness",
    "Sense",
    "regret",
    "robustness",
]

#: Whether smaller outcomes are better (a cost) or larger ones (a benefit).
Sense = Literal["min", "max"]

#: Percentile of the regret distribution of the percentile-based regret rule.
REGRET_PERCENTILE = 90.0

#: Each metric: its name in McPhail et al. (2018), and whether larger is better for it.
METRICS: dict[str, tuple[str, bool]] = {
    "expected": ("Laplace's principle of insufficient reason (mean outcome)", False),
    "worst": ("Wald's maximin (worst outcome)", False),
    "max_regret": ("Savage's minimax regret (largest regret)", False),
    "regret_p90": ("90th-percentile minimax regret", False),
    "satisficing": ("Starr's domain criterion (share of scenarios meeting the criterion)",
                    True),
}


def regret(outcomes: np.ndarray, sense: Sense = "min") -> np.ndarray:
    """How much worse each option does in each scenario than the best option there.

    Parameters
    ----------
    outcomes : ndarray, shape (K, S)
        One row per option, one column per scenario.
    sense : {"min", "max"}
        ``"min"``: smaller outcomes are better (costs).

    Returns
    -------
    ndarray, shape (K, S)
        Non-negative; zero for the best option of each scenario.

    Examples
    --------
    >>> regret(np.array([[0.0, 19.0], [12.0, 12.0], [6.0, 14.0]])).tolist()
    [[0.0, 7.0], [12.0, 0.0], [6.0, 2.0]]
    """
    values = np.asarray(outcomes, dtype=np.float64)
    if sense == "min":
        return values - values.min(axis=0)
    return values.max(axis=0) - values


@dataclass(frozen=True)
class Robustness:
    """Each option scored by each rule, and the option each rule prefers.

    Attributes
    ----------
    expected, worst, max_regret, regret_p90 : ndarray, shape (K,)
        Mean outcome, worst outcome, largest regret and 90th-percentile regret (numpy's
        linear percentile), in the outcome's units.
    satisficing : ndarray, shape (K,)
        Share of scenarios meeting the criterion; NaN when none was given.
    regret : ndarray, shape (K, S)
        The regrets (:func:`regret`).
    sense : {"min", "max"}
        Whether smaller outcomes are better.
    """

    expected: np.ndarray
    worst: np.ndarray
    max_regret: np.ndarray
    regret_p90: np.ndarray
    satisficing: np.ndarray
    regret: np.ndarray
    sense: Sense

    def scores(self, metric: str) -> np.ndarray:
        """The options' scores by ``metric`` (a key of :data:`METRICS`)."""
        scores: np.ndarray = getattr(self, metric)
        return scores

    def preferred(self, metric: str) -> list[int]:
        """The options ``metric`` prefers: every one with the best score (equals tie);
        none if it cannot say (satisficing without a criterion)."""
        scores = self.scores(metric)
        if np.all(np.isnan(scores)):
            return []
        larger_better = METRICS[metric][1] or (metric in ("expected", "worst")
                                               and self.sense == "max")
        top = np.nanmax(scores) if larger_better else np.nanmin(scores)
        return [int(j) for j in np.flatnonzero(scores == top)]

    def best(self, metric: str) -> int | None:
        """The option ``metric`` prefers (the first of equals); None if it cannot say."""
        preferred = self.preferred(metric)
        return preferred[0] if preferred else None


def robustness(
    outcomes: np.ndarray,
    *,
    sense: Sense = "min",
    meets: np.ndarray | None = None,
) -> Robustness:
    """Score every option of a decision matrix by the rules of the module docstring.

    Parameters
    ----------
    outcomes : ndarray, shape (K, S)
        One row per option, one column per scenario; finite.
    sense : {"min", "max"}
        ``"min"``: smaller outcomes are better (costs): the worst outcome is the largest.
    meets : ndarray of bool, shape (K, S), optional
        Whether each outcome meets the satisficing criterion.

    Returns
    -------
    Robustness

    Raises
    ------
    ValueError
        A matrix that is not two-dimensional with at least one option and one scenario, or
        that holds a value that is not finite.
    """
    values = np.asarray(outcomes, dtype=np.float64)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"robustness: outcomes must be (options, scenarios) (got {values.shape})")
    if not np.all(np.isfinite(values)):
        raise ValueError("robustness: every outcome must be finite")
    regrets = regret(values, sense)
    expected = np.array([math.fsum(row) / row.shape[0] for row in values])
    worst = values.max(axis=1) if sense == "min" else values.min(axis=1)
    satisficing = (np.full(values.shape[0], np.nan) if meets is None
                   else np.count_nonzero(meets, axis=1) / values.shape[1])
    return Robustness(
        expected=expected,
        worst=worst,
        max_regret=regrets.max(axis=1),
        regret_p90=np.percentile(regrets, REGRET_PERCENTILE, axis=1),
        satisficing=satisficing,
        regret=regrets,
        sense=sense,
    )

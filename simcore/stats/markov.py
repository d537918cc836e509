"""Exact marginal distributions of a finite Markov chain, with states pinned in given steps.

The troop level of MODEL.md §5 is such a chain; its distribution in each year follows from
the transition matrix without simulating, so that a report can state it exactly. Sums are
:func:`math.fsum` over Python floats (no BLAS).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

__all__ = ["chain_marginals"]


def chain_marginals(
    transition: Sequence[Sequence[float]],
    initial_state: int,
    steps: int,
    pinned: Mapping[int, int] | None = None,
) -> list[list[float]]:
    """``P(s_t = j)`` for ``t = 1 … steps``, starting in ``initial_state`` at ``t = 0``.

    ``p_t = p_{t−1} Q``; in a pinned step ``t`` the chain is in ``pinned[t]`` with certainty
    and moves on from it.

    Parameters
    ----------
    transition : sequence of sequence of float, shape (m, m)
        ``Q[i][j]``, the probability of moving from state ``i`` to ``j`` in a step; rows
        sum to 1.
    initial_state : int
        The state at step 0.
    steps : int
        How many steps.
    pinned : mapping of int to int, optional
        Step (1-based) → the state the chain is held in.

    Returns
    -------
    list of list of float
        One distribution over the ``m`` states per step.

    Examples
    --------
    Two states, 5% a year of moving to the second, which is never left:

    >>> [round(p[1], 4) for p in chain_marginals([[0.95, 0.05], [0.0, 1.0]], 0, 6)]
    [0.05, 0.0975, 0.1426, 0.1855, 0.2262, 0.2649]
    >>> chain_marginals([[0.95, 0.05], [0.0, 1.0]], 0, 3, pinned={2: 1})[2]
    [0.0, 1.0]
    """
    m = len(transition)
    pins = pinned or {}
    current = [1.0 if j == initial_state else 0.0 for j in range(m)]
    marginals = []
    for step in range(1, steps + 1):
        if step in pins:
            current = [1.0 if j == pins[step] else 0.0 for j in range(m)]
        else:
            current = [math.fsum(current[i] * transition[i][j] for i in range(m))
                       for j in range(m)]
        marginals.append(current)
    return marginals

"""PRIM, the patient rule induction method: boxes in input space where cases of interest
concentrate (Friedman & Fisher 1999), as scenario discovery uses it (Bryant & Lempert 2010).

Given points ``x`` (n, d) and a 0/1 label ``y`` per point (a case of interest or not):

- **Peeling.** From the box of the whole space, each step considers 2d candidate boxes, each
  removing the ``peel_alpha`` share of the box's points with the lowest or highest value of
  one input, and keeps the candidate with the best *lenient* objective: the gain in density
  per point removed, ``(density_new − density_old) / (points_old − points_new)`` (the
  objective of the EMA Workbench's PRIM; ties go to the candidate restricting no new
  input). Peeling stops when no candidate raises the density or the next box would hold
  less than ``mass_min`` of the points.
- **Pasting.** Each Pareto box of the peeling (below) is widened again along its restricted
  sides, up to ``paste_alpha`` of its points at a time, while a widening raises the density
  (same objective) or adds cases to a box of cases only. Friedman & Fisher paste the last
  box of the peeling; far along the trajectory that box is peeled noise, and a peel of 5%
  of the points overshoots a sharp boundary in each box before it, which pasting takes back.
- **The trajectory**: the whole space, every peeled box, then every pasted box that differs
  from the box it was pasted from, each with its *coverage*
  (share of all cases inside), *density* (share of its points that are cases), *mass* (share
  of all points inside) and restricted inputs.
- **Quasi-p values** (Bryant & Lempert 2010): for each restriction of a box, the one-sided
  binomial probability ``P(Binomial(T, p_j) >= H)`` of at least the box's ``H`` cases among
  its ``T`` points, were the density that of the box without that restriction, ``p_j``. A
  large value says the restriction does not earn its place.
- **Significant and Pareto boxes.** Peeling picks the best of 2d candidates at every step, so
  far along the trajectory it also peels noise: in-sample density keeps creeping up while
  restrictions on irrelevant inputs appear. A box is *significant* when every restriction's
  quasi-p value is at most ``significance``, by default 0.05 divided by the number of
  inputs ``d`` (Bonferroni over the inputs each peel chooses among; 0.01 for five inputs,
  where restrictions of irrelevant inputs along the trajectory of a planted box stayed
  above 0.018 in 40 of 40 simulations, and below 0.05 in 5). The *Pareto boxes* are the
  significant boxes that no other significant box beats on coverage, density and number
  of restrictions at once.
- **Pruning** (Bryant & Lempert 2010 drop restrictions whose quasi-p values are high): each
  box that is not significant is also offered without its restrictions that are not, the
  one with the largest quasi-p value dropped first and the others' computed again, until
  every restriction left is significant.
- **The chosen box** is the Pareto box of greatest weighted relative accuracy
  ``mass · (density − base rate)`` (Lavrač, Flach & Zupan 1999), the subgroup-discovery
  measure that weighs how many points a box holds against how much denser than the whole
  space it is; the whole space (WRAcc 0) when no Pareto box beats it.
- **Stability** (Bryant & Lempert 2010's reproducibility): PRIM again on random halves of
  the points; how often each input is restricted by the half's chosen box, how much that box
  overlaps the chosen box (Jaccard index of the points inside), and its coverage and
  density on the other half, which did not shape it.

Boxes are closed: a point is inside when ``lower <= x <= upper`` in every input. Limits are
values of the points (a peel keeps the smallest or largest value it does not remove);
``bounds`` (default the points' range) is the box of the whole space, and an input is
restricted where a limit lies inside it. Counts are integers and every ratio one division,
so results do not depend on the machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = [
    "PEEL_ALPHA",
    "PrimStability",
    "PrimTrajectory",
    "box_contains",
    "pareto_boxes",
    "prim",
    "prim_stability",
    "quasi_p_values",
]

#: Share of a box's points removed by one peel (Friedman & Fisher's α).
PEEL_ALPHA = 0.05
#: Share of a box's points added back by one paste.
PASTE_ALPHA = 0.05
#: Smallest share of all points a peeled box may hold.
MASS_MIN = 0.05
#: Level of the quasi-p values of a significant box's restrictions, before it is divided by
#: the number of inputs.
SIGNIFICANCE = 0.05
#: Random halves PRIM is run again on by :func:`prim_stability`.
RESAMPLES = 20


def box_contains(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Which points lie in the closed box ``[lower, upper]``.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    lower, upper : ndarray, shape (d,)

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    return np.all((x >= lower) & (x <= upper), axis=1)


def quasi_p_values(
    x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """The quasi-p value of each restriction of the box ``[lower, upper]``.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    y : ndarray of bool, shape (n,)
        Cases of interest.
    lower, upper : ndarray, shape (d,)
        The box.
    bounds : ndarray, shape (2, d)
        The whole space: an input is restricted where the box's limits differ from it.

    Returns
    -------
    ndarray, shape (d,)
        ``P(Binomial(T, p_j) >= H)`` for each restricted input ``j`` (``H`` cases among ``T``
        points in the box; ``p_j`` the density of the box without its restriction on ``j``);
        NaN where the input is not restricted; 1 for an empty box or one without cases.
    """
    restricted = (lower > bounds[0]) | (upper < bounds[1])
    within = (x >= lower) & (x <= upper)
    outside = within.shape[1] - np.count_nonzero(within, axis=1)
    inside = outside == 0
    cases = int(np.count_nonzero(y[inside]))
    points = int(np.count_nonzero(inside))
    values = np.full(x.shape[1], np.nan)
    for j in np.flatnonzero(restricted):
        # Without its restriction on j: the points outside the box on input j alone.
        relaxed = inside | ((outside == 1) & ~within[:, j])
        density = np.count_nonzero(y[relaxed]) / np.count_nonzero(relaxed)
        values[j] = 1.0 if cases == 0 else float(special.bdtrc(cases - 1, points, density))
    return values


def pareto_boxes(
    coverage: np.ndarray, density: np.ndarray, restrictions: np.ndarray, eligible: np.ndarray
) -> np.ndarray:
    """The eligible boxes that no other eligible box beats on coverage, density and number of
    restrictions at once (at least as good on all three, better on one).

    >>> pareto_boxes(np.array([1.0, 0.9, 0.8]), np.array([0.2, 0.9, 0.85]),
    ...              np.array([0, 2, 2]), np.array([True, True, True])).tolist()
    [True, True, False]
    """
    front = eligible.copy()
    for i in np.flatnonzero(eligible):
        others = eligible & (coverage >= coverage[i]) & (density >= density[i]) & (
            restrictions <= restrictions[i])
        better = (coverage > coverage[i]) | (density > density[i]) | (
            restrictions < restrictions[i])
        front[i] = not np.any(others & better)
    return front


@dataclass(frozen=True)
class PrimTrajectory:
    """Every box from the whole space through peeling and pasting, with its statistics.

    Attributes
    ----------
    lower, upper : ndarray, shape (B, d)
        Each box's limits, in the inputs' units.
    step : tuple of str, length B
        ``"start"`` (the whole space), ``"peel"``, ``"prune"`` or ``"paste"``.
    source : ndarray of int64, shape (B,)
        The box each box was made from: the one before it for a peel, the box it prunes or
        widens for a prune or a paste; −1 for the whole space.
    points, cases : ndarray of int64, shape (B,)
        Points, and cases of interest, inside each box.
    coverage, density, mass : ndarray, shape (B,)
        ``cases / all cases``, ``cases / points``, ``points / n``.
    restricted : ndarray of bool, shape (B, d)
        The inputs each box restricts.
    quasi_p : ndarray, shape (B, d)
        Each restriction's quasi-p value (:func:`quasi_p_values`); NaN where unrestricted.
    significant, pareto : ndarray of bool, shape (B,)
        Every restriction's quasi-p value at most :attr:`significance`; and among those, not
        beaten on coverage, density and restrictions at once.
    wracc : ndarray, shape (B,)
        Weighted relative accuracy ``mass · (density − base_rate)``.
    chosen : int
        The index of the chosen box (module docstring).
    bounds : ndarray, shape (2, d)
        The whole space.
    n, total_cases : int
        Points, and cases of interest among them.
    significance : float
        Level of the quasi-p values of significant boxes.
    """

    lower: np.ndarray
    upper: np.ndarray
    step: tuple[str, ...]
    source: np.ndarray
    points: np.ndarray
    cases: np.ndarray
    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    restricted: np.ndarray
    quasi_p: np.ndarray
    significant: np.ndarray
    pareto: np.ndarray
    wracc: np.ndarray
    chosen: int
    bounds: np.ndarray
    n: int
    total_cases: int
    significance: float

    @property
    def base_rate(self) -> float:
        """Share of all points that are cases of interest."""
        return self.total_cases / self.n

    def __len__(self) -> int:
        return len(self.step)

    def contains(self, x: np.ndarray, index: int | None = None) -> np.ndarray:
        """Which rows of ``x`` lie in box ``index`` (default the chosen box)."""
        box = self.chosen if index is None else index
        return box_contains(x, self.lower[box], self.upper[box])


def _counts(y: np.ndarray, members: np.ndarray) -> tuple[int, int]:
    return int(np.count_nonzero(members)), int(np.count_nonzero(y[members]))


def _peel_limit(values: np.ndarray, alpha: float, upper: bool) -> float | None:
    """The limit that peels the ``alpha`` share of ``values`` off the low (or high) end: the
    smallest (largest) value kept; at least the extreme value (with its ties) goes. None if
    every value is the same."""
    m = values.shape[0]
    k = max(1, math.floor(alpha * m))
    if upper:
        limit = float(np.partition(values, m - 1 - k)[m - 1 - k])
        extreme = float(values.max())
        if limit == extreme:
            rest = values[values < extreme]
            return float(rest.max()) if rest.size else None
        return limit
    limit = float(np.partition(values, k)[k])
    extreme = float(values.min())
    if limit == extreme:
        rest = values[values > extreme]
        return float(rest.min()) if rest.size else None
    return limit


def _lenient(points_old: int, cases_old: int, points_new: int, cases_new: int) -> float:
    """Gain in density per point removed (peel) or added (paste)."""
    if points_new == points_old or points_new == 0:
        return -math.inf
    gain = cases_new / points_new - cases_old / points_old
    return gain / abs(points_old - points_new)


def _peel(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          bounds: np.ndarray, alpha: float,
          mass_min: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The peeled boxes, each as (lower, upper), after the starting one."""
    n, d = x.shape
    boxes: list[tuple[np.ndarray, np.ndarray]] = []
    inside = np.flatnonzero(box_contains(x, lower, upper))
    while True:
        points, cases = inside.size, int(np.count_nonzero(y[inside]))
        restrictions = int(np.count_nonzero((lower > bounds[0]) | (upper < bounds[1])))
        best: tuple[float, int, int, int, float, np.ndarray] | None = None
        for j in range(d):
            column = x[inside, j]
            for side in (0, 1):
                limit = _peel_limit(column, alpha, upper=bool(side))
                if limit is None:
                    continue
                keep = column <= limit if side else column >= limit
                kept = inside[keep]
                objective = _lenient(points, cases, kept.size, int(np.count_nonzero(y[kept])))
                new_restriction = not (upper[j] < bounds[1, j] if side
                                       else lower[j] > bounds[0, j])
                added = restrictions + int(new_restriction)
                # Best objective; ties to fewer restrictions, then the first candidate.
                if best is None or (objective, -added) > (best[0], -best[1]):
                    best = (objective, added, j, side, limit, kept)
        if best is None or best[0] <= 0 or best[5].size < mass_min * n:
            return boxes
        _, _, j, side, limit, inside = best
        lower, upper = lower.copy(), upper.copy()
        (upper if side else lower)[j] = limit
        boxes.append((lower, upper))


def _paste(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           bounds: np.ndarray, alpha: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pasted boxes, each as (lower, upper), widening the box ``[lower, upper]``.

    A paste adds, along one restricted side, the nearest points outside the box on that
    input alone: any number of them up to the ``alpha`` share of the box's points (a group
    of equal values whole). The best by the lenient objective is taken, ties to the one
    adding more cases, if it raises the density, or keeps it (a box of cases only) while
    adding cases: a peel of ``alpha`` of the points can overshoot a sharp boundary by a
    few points, which pasting takes back one point at a time.
    """
    boxes: list[tuple[np.ndarray, np.ndarray]] = []
    while True:
        within = (x >= lower) & (x <= upper)
        outside = x.shape[1] - np.count_nonzero(within, axis=1)
        points, cases = _counts(y, outside == 0)
        k = max(1, math.floor(alpha * points))
        best: tuple[float, int, int, int, float] | None = None
        for j in range(x.shape[1]):
            beside = (outside == 1) & ~within[:, j]
            for side in (0, 1):
                if not (upper[j] < bounds[1, j] if side else lower[j] > bounds[0, j]):
                    continue
                across = beside & (x[:, j] > upper[j] if side else x[:, j] < lower[j])
                values = x[across, j]
                if values.size == 0:
                    continue
                # Nearest first; a cut after each group of equal values, up to k points
                # (the first group whole), or after all of them (the restriction goes).
                order = np.argsort(values if side else -values, kind="stable")
                values = values[order]
                added_cases = np.cumsum(y[across][order])
                ends = np.flatnonzero(np.append(values[1:] != values[:-1], True))
                ends = ends[(ends < k) | (ends == ends[0])]
                for end in ends:
                    count, gained = int(end) + 1, int(added_cases[end])
                    objective = _lenient(points, cases, points + count, cases + gained)
                    limit = (float(bounds[1, j] if side else bounds[0, j])
                             if count == values.size else float(values[end]))
                    if best is None or (objective, gained) > (best[0], best[1]):
                        best = (objective, gained, j, side, limit)
        if best is None or not (best[0] > 0 or (best[0] == 0 and best[1] > 0)):
            return boxes
        _, _, j, side, limit = best
        lower, upper = lower.copy(), upper.copy()
        (upper if side else lower)[j] = limit
        boxes.append((lower, upper))


def _trajectory(x: np.ndarray, y: np.ndarray, boxes: Sequence[tuple[np.ndarray, np.ndarray]],
                steps: Sequence[str], source: Sequence[int], bounds: np.ndarray,
                significance: float) -> PrimTrajectory:
    """The trajectory of ``boxes`` with every statistic, the Pareto boxes and the choice."""
    lower = np.vstack([box[0] for box in boxes])
    upper = np.vstack([box[1] for box in boxes])
    n = x.shape[0]
    total_cases = int(np.count_nonzero(y))
    counts = np.array([_counts(y, box_contains(x, lo, hi)) for lo, hi in boxes],
                      dtype=np.int64)
    points, cases = counts[:, 0], counts[:, 1]
    restricted = (lower > bounds[0]) | (upper < bounds[1])
    quasi_p = np.vstack([quasi_p_values(x, y, lo, hi, bounds) for lo, hi in boxes])
    significant = ~np.any(restricted & ~(quasi_p <= significance), axis=1)
    coverage = cases / total_cases if total_cases else np.zeros(len(points))
    density = cases / points
    mass = points / n
    wracc = mass * (density - total_cases / n)
    restrictions = np.count_nonzero(restricted, axis=1)
    pareto = pareto_boxes(coverage, density, restrictions, significant)
    # Greatest WRAcc among the Pareto boxes; ties to fewer restrictions, then the earlier box;
    # the whole space unless a box beats it.
    candidates = [int(i) for i in np.flatnonzero(pareto) if wracc[i] > 0]
    chosen = min(candidates, key=lambda i: (-wracc[i], restrictions[i], i), default=0)
    return PrimTrajectory(
        lower=lower, upper=upper, step=tuple(steps), source=np.asarray(source, dtype=np.int64),
        points=points, cases=cases, coverage=coverage, density=density, mass=mass,
        restricted=restricted, quasi_p=quasi_p, significant=significant, pareto=pareto,
        wracc=wracc, chosen=chosen, bounds=bounds, n=n, total_cases=total_cases,
        significance=significance,
    )


def prim(
    x: np.ndarray,
    y: np.ndarray,
    *,
    bounds: np.ndarray | None = None,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
    significance: float | None = None,
) -> PrimTrajectory:
    """The PRIM peeling and pasting trajectory of cases ``y`` over points ``x``.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The points (e.g. the varied judgments of an exploration), finite.
    y : ndarray of bool, shape (n,)
        Which points are cases of interest.
    bounds : ndarray, shape (2, d), optional
        Lower and upper limits of the whole space (e.g. the ranges the inputs were varied
        over); default the points' range.
    peel_alpha, paste_alpha : float
        Share of a box's points removed by a peel, added by a paste at most.
    mass_min : float
        Smallest share of the points a peeled box may hold.
    significance : float, optional
        Largest quasi-p value of a restriction of a significant box (default
        :data:`SIGNIFICANCE` over the number of inputs).

    Returns
    -------
    PrimTrajectory
        The whole space, the peeled boxes, each box that is not significant pruned of its
        restrictions that are not, then each Pareto box of those pasted (boxes already in
        the trajectory are not repeated); the Pareto boxes and the chosen box are found
        among them all.

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite points, bounds that do not hold the points, or
        parameters outside (0, 1).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] < 2:
        raise ValueError(f"prim: x must be (n, d) with n >= 2 and y (n,) (got {x.shape}, "
                         f"{y.shape})")
    if not np.all(np.isfinite(x)):
        raise ValueError("prim: every point must be finite")
    if significance is None:
        significance = SIGNIFICANCE / x.shape[1]
    for name, value in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha),
                        ("mass_min", mass_min), ("significance", significance)):
        if not 0 < value < 1:
            raise ValueError(f"prim: {name} must lie in (0, 1) (got {value})")
    space = np.vstack([x.min(axis=0), x.max(axis=0)]) if bounds is None else np.asarray(
        bounds, dtype=np.float64)
    if space.shape != (2, x.shape[1]) or np.any(x < space[0]) or np.any(x > space[1]):
        raise ValueError("prim: bounds must be (2, d) and hold every point")
    boxes = [(space[0], space[1]), *_peel(x, y, space[0], space[1], space, peel_alpha,
                                          mass_min)]
    steps = ["start", *("peel",) * (len(boxes) - 1)]
    source = list(range(-1, len(boxes) - 1))
    seen = {(lo.tobytes(), hi.tobytes()) for lo, hi in boxes}

    def add(box: tuple[np.ndarray, np.ndarray], step: str, origin: int) -> None:
        if (key := (box[0].tobytes(), box[1].tobytes())) not in seen:
            seen.add(key)
            boxes.append(box)
            steps.append(step)
            source.append(origin)

    def trajectory() -> PrimTrajectory:
        return _trajectory(x, y, boxes, steps, source, space, significance)

    peeled = trajectory()
    for index in np.flatnonzero(~peeled.significant):
        add(_prune(x, y, *boxes[index], space, significance), "prune", int(index))
    candidates = trajectory()
    for index in np.flatnonzero(candidates.pareto):
        for box in _paste(x, y, *boxes[index], space, paste_alpha)[-1:]:
            add(box, "paste", int(index))
    return trajectory()


def _prune(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           bounds: np.ndarray, significance: float) -> tuple[np.ndarray, np.ndarray]:
    """The box without its restrictions that do not earn their place (Bryant & Lempert
    2010): while a restriction's quasi-p value exceeds ``significance``, the one with the
    largest is dropped and the others' values computed again."""
    lower, upper = lower.copy(), upper.copy()
    while True:
        values = quasi_p_values(x, y, lower, upper, bounds)
        weakest = int(np.nanargmax(values)) if np.any(values > significance) else None
        if weakest is None:
            return lower, upper
        lower[weakest], upper[weakest] = bounds[0, weakest], bounds[1, weakest]


@dataclass(frozen=True)
class PrimStability:
    """How the chosen box holds up when PRIM sees only half of the points.

    Attributes
    ----------
    restriction_frequency : ndarray, shape (d,)
        Share of the halves whose chosen box restricts each input.
    overlap : ndarray, shape (R,)
        Per half, the Jaccard index (points in both boxes over points in either) of its
        chosen box and the full data's, over all points; 1 where both are the whole space.
    holdout_coverage, holdout_density : ndarray, shape (R,)
        Per half, its chosen box's coverage and density on the other half (NaN where the
        other half has no case, or no point in the box).
    """

    restriction_frequency: np.ndarray
    overlap: np.ndarray
    holdout_coverage: np.ndarray
    holdout_density: np.ndarray

    @property
    def resamples(self) -> int:
        """Halves drawn."""
        return int(self.overlap.shape[0])


def prim_stability(
    x: np.ndarray,
    y: np.ndarray,
    trajectory: PrimTrajectory,
    rng: np.random.Generator,
    *,
    resamples: int = RESAMPLES,
    box: int | None = None,
    peel_alpha: float = PEEL_ALPHA,
    paste_alpha: float = PASTE_ALPHA,
    mass_min: float = MASS_MIN,
) -> PrimStability:
    """PRIM again on ``resamples`` random halves of the points (without replacement).

    Parameters
    ----------
    x, y : ndarray
        The points and cases :func:`prim` was given.
    trajectory : PrimTrajectory
        Its result on all points; its bounds and significance level are used again.
    rng : numpy.random.Generator
        Draws the halves.
    resamples : int
        Halves drawn.
    box : int, optional
        The full-data box the halves' chosen boxes are compared with (default its chosen).
    peel_alpha, paste_alpha, mass_min : float
        As given to :func:`prim`.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    n = x.shape[0]
    reference = trajectory.contains(x, box)
    frequency = np.zeros(x.shape[1])
    overlap = np.empty(resamples)
    coverage = np.full(resamples, np.nan)
    density = np.full(resamples, np.nan)
    for r in range(resamples):
        order = rng.permutation(n)
        half, other = order[: n // 2], order[n // 2:]
        result = prim(x[half], y[half], bounds=trajectory.bounds, peel_alpha=peel_alpha,
                      paste_alpha=paste_alpha, mass_min=mass_min,
                      significance=trajectory.significance)
        frequency += result.restricted[result.chosen]
        members = result.contains(x)
        either = np.count_nonzero(members | reference)
        overlap[r] = np.count_nonzero(members & reference) / either if either else 1.0
        held_in = members[other]
        held_cases = np.count_nonzero(y[other])
        inside, inside_cases = _counts(y[other], held_in)
        if held_cases:
            coverage[r] = inside_cases / held_cases
        if inside:
            density[r] = inside_cases / inside
    return PrimStability(restriction_frequency=frequency / resamples, overlap=overlap,
                         holdout_coverage=coverage, holdout_density=density)


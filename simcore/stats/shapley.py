"""Grouped Shapley effects by the exact-subset estimator with conditional sampling.

Given a model's random inputs in ``k`` groups, some of them one correlated standard
Gaussian coordinate per year (correlation ``R_t`` in year ``t``) and the others independent
of everything, this estimates for every subset ``S`` of the groups

    c(S) = E[Var(Y | X_{K∖S})]          (the variance left when only the groups in S vary)

with ``N_o`` outer draws of ``X_{K∖S}`` and ``N_i ≥ 2`` inner draws of ``X_S`` given them, and
from these the Shapley effect, the closed index ``1 − c(K∖{j}) / c(K)`` and the total index
``c({j}) / c(K)`` of each group (METHODS.md §S; Song, Nelson & Staum 2016).

The Gaussian groups are conditioned exactly: with ``r = K∖S``, a fresh draw ``g^f`` and
the outer draw ``g^o``,

    g_S = g^f_S + R_{S,r} R_{r,r}^+ (g^o_r − g^f_r)

has the law of ``g_S`` given ``g_r = g^o_r`` (the residual ``g^f_S − A g^f_r`` is independent
of ``g^f_r`` with covariance ``R_{S,S} − R_{S,r} R_{r,r}^+ R_{r,S}``, also for a singular
``R``). Only coordinates in the same connected block of ``R_t`` enter, so a group that is
uncorrelated with the others changes nothing else bit for bit. The same outer and fresh
draws serve every subset (common random numbers), so a group with no path to ``Y`` gets
exactly 0, and every index is divided by the nested ``ĉ(K)``, so the effects sum to 1.

The arithmetic is the same on every machine (no BLAS or LAPACK): ``g = L e`` is summed
over the coordinates in order, each year with its own factor; ``R_{S,r} R_{r,r}^+`` is solved
in Python floats (:func:`pseudo_solve`); and every sum over draws, batches or subsets is
numpy's reduction of elementwise products, in an order fixed by the shapes alone.

Standard errors come from batch means: the outer draws are cut into equal batches, each
from its own stream ``SeedSequence(seed, spawn_key=(b,))``, and each index (a ratio of linear
functions of ``ĉ``) is linearised around the full estimate. Batches are independent tasks
whose results are combined in batch order, so the numbers do not depend on how the batches
were spread over threads or workers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import numpy as np

from simcore.core.errors import SmasimInputError
from simcore.stats.linalg import ZERO_PIVOT, correlate_shocks, correlation_factor
from simcore.stats.moments import Moments

T = TypeVar("T")
R = TypeVar("R")

#: Draws the inputs of one independent group: ``sampler(rng, n)``, samples on the last axis.
IndependentSampler = Callable[[np.random.Generator, int], np.ndarray]
#: Standard error above which an effect is reported as imprecise (METHODS.md §S).
SE_WARNING_LEVEL = 0.01
#: How a result labels an output whose variance is 0 (every index NaN).
NO_VARIANCE = "no variance"


class ShapleyPrecisionWarning(UserWarning):
    """Some effects have a standard error above :data:`SE_WARNING_LEVEL`."""


@dataclass(frozen=True)
class GroupInputs:
    """Random inputs of a batch of model evaluations, by group.

    Attributes
    ----------
    gaussian : ndarray, shape (d, T, n)
        Correlated standard Gaussians: one coordinate per Gaussian group (in the order of
        :attr:`InputDesign.gaussian`) and year.
    independent : mapping of str to ndarray
        Each independent group's inputs, samples on the last axis.
    """

    gaussian: np.ndarray
    independent: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class InputDesign:
    """The groups of a model's random inputs and their law.

    Parameters
    ----------
    groups : tuple of str
        Every group, in the order results list them; a group that is neither Gaussian nor
        independent has no inputs and gets 0 for every index.
    gaussian : tuple of str
        The Gaussian groups: one standard normal coordinate per year each, in the order of
        the rows of ``correlation``.
    correlation : ndarray, shape (T, d, d)
        ``R_t`` of the Gaussian coordinates in each year: symmetric, unit diagonal, positive
        semi-definite.
    independent : mapping of str to IndependentSampler
        How to draw each independent group (picklable callables, for dask).
    read : ndarray of bool, shape (T, d), optional
        Whether the model reads Gaussian coordinate ``(t, j)`` at all (default: all). An
        unread coordinate is marginalised out: it is drawn independently of the rest, so it
        takes no share through correlation, and a group read in no year has no inputs.
    """

    groups: tuple[str, ...]
    gaussian: tuple[str, ...]
    correlation: np.ndarray
    independent: Mapping[str, IndependentSampler] = field(default_factory=dict)
    read: np.ndarray | None = None

    def __post_init__(self) -> None:
        names = [*self.gaussian, *self.independent]
        unknown = sorted(set(names) - set(self.groups))
        if unknown or len(set(names)) != len(names) or len(set(self.groups)) != len(self.groups):
            raise SmasimInputError(
                f"input groups: Gaussian {list(self.gaussian)} and independent "
                f"{list(self.independent)} must be distinct members of {list(self.groups)}"
            )
        d = len(self.gaussian)
        if self.correlation.ndim != 3 or self.correlation.shape[1:] != (d, d):
            raise SmasimInputError(
                f"correlation: expected shape (years, {d}, {d}), got {self.correlation.shape}"
            )
        if self.read is not None and self.read.shape != self.correlation.shape[:2]:
            raise SmasimInputError(
                f"read: expected shape {self.correlation.shape[:2]}, got {self.read.shape}"
            )

    @property
    def years(self) -> int:
        """Years ``T`` of the Gaussian coordinates."""
        return int(self.correlation.shape[0])

    @cached_property
    def read_mask(self) -> np.ndarray:
        """Which Gaussian coordinates the model reads, shape (T, d)."""
        if self.read is None:
            return np.ones(self.correlation.shape[:2], dtype=bool)
        return np.asarray(self.read, dtype=bool)

    @cached_property
    def effective_correlation(self) -> np.ndarray:
        """``R_t`` with every unread coordinate made independent of the others."""
        read = self.read_mask
        both = read[:, :, None] & read[:, None, :]
        eye = np.eye(len(self.gaussian), dtype=bool)
        return np.where(both | eye, self.correlation, 0.0)

    @cached_property
    def active(self) -> tuple[str, ...]:
        """Groups with inputs: a Gaussian group read in some year, or an independent one."""
        read = {name for j, name in enumerate(self.gaussian) if self.read_mask[:, j].any()}
        return tuple(name for name in self.groups if name in read or name in self.independent)

    @cached_property
    def factors(self) -> np.ndarray:
        """``L_t`` with ``L_t L_tᵀ = R_t`` (effective), shape (T, d, d)."""
        return np.stack([correlation_factor(r) for r in self.effective_correlation])

    def draw(self, rng: np.random.Generator, n: int) -> GroupInputs:
        """Draw ``n`` independent input vectors: the Gaussians, then each independent group
        in the order of :attr:`groups` (a fixed order of the stream)."""
        d, years = len(self.gaussian), self.years
        normals = rng.standard_normal((d, years, n))
        gaussian = normals
        if d:
            gaussian = np.empty_like(normals)
            for t, factor in enumerate(self.factors):
                gaussian[:, t] = correlate_shocks(normals[:, t, None], factor)[:, 0]
        independent = {
            name: self.independent[name](rng, n) for name in self.groups
            if name in self.independent
        }
        return GroupInputs(gaussian=gaussian, independent=independent)


@dataclass(frozen=True)
class _Conditioning:
    """How subset ``S`` of the active groups mixes outer and fresh Gaussian coordinates.

    ``fresh[j]`` says coordinate ``j`` is free (in ``S``); ``terms[t]`` lists, for year ``t``,
    each free coordinate that is correlated with fixed ones with its coefficients
    ``(j, ((r, a_jr), …))`` of ``R_{S,r} R_{r,r}^+`` within its connected block.
    """

    fresh: np.ndarray
    terms: tuple[tuple[tuple[int, tuple[tuple[int, float], ...]], ...], ...]


def _blocks(correlation: np.ndarray) -> list[list[int]]:
    """Connected blocks of the non-zero pattern of one year's correlation matrix."""
    d = correlation.shape[0]
    label = list(range(d))
    for i, j in zip(*np.nonzero(correlation), strict=True):
        a, b = label[i], label[j]
        if a != b:
            label = [a if x == b else x for x in label]
    return [[j for j in range(d) if label[j] == root] for root in dict.fromkeys(label)]


@dataclass(frozen=True)
class _PivotedLDL:
    """``P A Pᵀ = L D Lᵀ`` restricted to the kept coordinates (see :func:`_pivoted_ldl`).

    ``order[s]`` is the coordinate eliminated at step ``s``, ``pivots[s]`` its pivot, and
    ``lower[i][s]`` the multiplier of coordinate ``i`` at step ``s`` (1 for ``order[s]``
    itself); ``dropped`` lists the coordinates left when every remaining pivot was at or
    below :data:`simcore.stats.linalg.ZERO_PIVOT`.
    """

    order: list[int]
    pivots: list[float]
    lower: list[list[float]]
    dropped: list[int]

    def solve(self, rhs: Sequence[float]) -> list[float]:
        """``x`` with ``A_KK x = rhs_K``, in step order: forward substitution, the pivots,
        back substitution, each inner sum correctly rounded."""
        order, lower, steps = self.order, self.lower, len(self.order)
        forward: list[float] = []
        for s, i in enumerate(order):
            forward.append(math.fsum([rhs[i], *(-lower[i][q] * forward[q] for q in range(s))]))
        solution = [0.0] * steps
        for s in reversed(range(steps)):
            solution[s] = math.fsum([forward[s] / self.pivots[s],
                                     *(-lower[order[q]][s] * solution[q]
                                       for q in range(s + 1, steps))])
        return solution


def _pivoted_ldl(matrix: list[list[float]]) -> _PivotedLDL:
    """The diagonally pivoted ``L D Lᵀ`` of a symmetric positive semi-definite matrix.

    Each step eliminates the remaining coordinate with the largest pivot (the first on a
    tie), so that the pivots of a singular matrix's unspanned directions are rounding, a
    few ulps, and stop at :data:`simcore.stats.linalg.ZERO_PIVOT`; no square roots, so that simple
    cases come out exact. Every inner sum is correctly rounded (:func:`math.fsum`).
    """
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    order: list[int] = []
    pivots: list[float] = []
    remaining = list(range(size))
    while remaining:
        step = len(order)
        schur = {i: math.fsum([matrix[i][i], *(-lower[i][q] * lower[i][q] * pivots[q]
                                               for q in range(step))]) for i in remaining}
        j = max(remaining, key=schur.__getitem__)
        if schur[j] <= ZERO_PIVOT:
            break
        order.append(j)
        pivots.append(schur[j])
        remaining.remove(j)
        lower[j][step] = 1.0
        for i in remaining:
            total = math.fsum([matrix[i][j], *(-lower[i][q] * lower[j][q] * pivots[q]
                                               for q in range(step))])
            lower[i][step] = total / schur[j]
    return _PivotedLDL(order=order, pivots=pivots, lower=lower, dropped=remaining)


def pseudo_solve(matrix: np.ndarray, rhs: np.ndarray) -> list[float]:
    """``R⁺ b``, the minimum-norm solution of ``R x = b``, in Python floats.

    ``P R Pᵀ = L D Lᵀ`` with diagonal pivoting (:func:`_pivoted_ldl`); a pivot at or below
    :data:`simcore.stats.linalg.ZERO_PIVOT` ends it, and the coordinates ``D`` left are spanned
    by the kept ones ``K`` (a singular ``R``). With ``u = R_KK⁻¹ b_K`` and
    ``G = R_DK R_KK⁻¹``, the minimum-norm solution is ``x_K = (I + GᵀG)⁻¹ u``,
    ``x_D = G x_K``: it solves ``R x = b`` and is orthogonal to every null vector
    ``(−G_d, e_d)``; ``I + GᵀG`` has pivots ≥ 1. The same bits on every machine, and
    within about 1e-16 times the condition number of ``np.linalg.pinv(R) @ b``.

    Parameters
    ----------
    matrix : ndarray, shape (r, r)
        ``R``: symmetric, unit diagonal, positive semi-definite (a principal block of a
        correlation matrix).
    rhs : ndarray, shape (r,)
        ``b``, in the range of ``R`` (the correlations of another coordinate with these,
        so that ``R x = b`` has a solution).

    Returns
    -------
    list of float
        ``x``, length r.

    Examples
    --------
    >>> pseudo_solve(np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.5, 1.0]))
    [0.0, 1.0]
    >>> pseudo_solve(np.ones((2, 2)), np.array([0.8, 0.8]))  # perfectly correlated
    [0.4, 0.4]
    """
    values = np.asarray(matrix, dtype=np.float64).tolist()
    factor = _pivoted_ldl(values)
    basic = factor.solve(np.asarray(rhs, dtype=np.float64).tolist())
    regression = [factor.solve([row[d] for row in values]) for d in factor.dropped]
    if regression:
        steps = range(len(factor.order))
        gram = [[math.fsum([float(a == c), *(g[a] * g[c] for g in regression)]) for c in steps]
                for a in steps]
        gram_factor = _pivoted_ldl(gram)
        within = gram_factor.solve(basic)
        basic = [0.0] * len(within)
        for s, value in zip(gram_factor.order, within, strict=True):
            basic[s] = value
    solution = [0.0] * len(values)
    for i, value in zip(factor.order, basic, strict=True):
        solution[i] = value
    for d, g in zip(factor.dropped, regression, strict=True):
        solution[d] = math.fsum(a * c for a, c in zip(g, basic, strict=True))
    return solution


def _conditioning(design: InputDesign, free: frozenset[str]) -> _Conditioning:
    fresh = np.array([name in free for name in design.gaussian], dtype=bool)
    terms = []
    for r_t in design.effective_correlation:
        year_terms = []
        for block in _blocks(r_t):
            targets = [j for j in block if fresh[j]]
            sources = [j for j in block if not fresh[j]]
            if not targets or not sources:
                continue
            within = r_t[np.ix_(sources, sources)]
            for j in targets:
                # Row j of R_{S,r} R_{r,r}^+ is R_{r,r}^+ R_{r,j}: R^+ is symmetric.
                coefficients = pseudo_solve(within, r_t[sources, j])
                pairs = tuple(
                    (r, a) for r, a in zip(sources, coefficients, strict=True) if a != 0.0
                )
                if pairs:
                    year_terms.append((j, pairs))
        terms.append(tuple(year_terms))
    return _Conditioning(fresh=fresh, terms=tuple(terms))


def _mix(
    outer: GroupInputs, fresh: GroupInputs, free: frozenset[str], plan: _Conditioning
) -> GroupInputs:
    """The inputs with the groups in ``free`` drawn given the others (see module doc)."""
    gaussian = np.where(plan.fresh[:, None, None], fresh.gaussian, outer.gaussian)
    for t, year_terms in enumerate(plan.terms):
        for j, pairs in year_terms:
            shift = np.zeros_like(fresh.gaussian[j, t])
            for r, a in pairs:
                shift += a * (outer.gaussian[r, t] - fresh.gaussian[r, t])
            gaussian[j, t] = fresh.gaussian[j, t] + shift
    independent = {
        name: (fresh if name in free else outer).independent[name] for name in outer.independent
    }
    return GroupInputs(gaussian=gaussian, independent=independent)


def _tiled(inputs: GroupInputs, times: int) -> GroupInputs:
    """The inputs repeated ``times`` times along samples."""
    return GroupInputs(
        gaussian=np.concatenate([inputs.gaussian] * times, axis=-1),
        independent={
            name: np.concatenate([v] * times, axis=-1) for name, v in inputs.independent.items()
        },
    )


def _joined(batches: Sequence[GroupInputs]) -> GroupInputs:
    """Several input batches as one, along samples."""
    return GroupInputs(
        gaussian=np.concatenate([b.gaussian for b in batches], axis=-1),
        independent={
            k: np.concatenate([b.independent[k] for b in batches], axis=-1)
            for k in batches[0].independent
        },
    )


def subsets(k: int) -> list[frozenset[int]]:
    """Every subset of ``range(k)``, indexed by its bit mask (bit ``j`` set: ``j`` in it)."""
    return [frozenset(j for j in range(k) if mask >> j & 1) for mask in range(2**k)]


def inner_variance(values: np.ndarray) -> np.ndarray:
    """Sample variance (ddof = 1) along the first axis, exactly 0 for equal values.

    Deviations are taken from the first value, so equal values give exact zeros (a mean
    computed in floating point need not equal them).
    """
    shifted = values[1:] - values[0]
    count = values.shape[0]
    total = shifted.sum(axis=0)
    squares = (shifted * shifted).sum(axis=0)
    return (squares - total * total / count) / (count - 1)


@dataclass(frozen=True)
class BatchSums:
    """What one batch of outer draws contributes.

    Attributes
    ----------
    cost_sums : ndarray, shape (2^a, m)
        Per subset of the active groups (bit mask), the sum over the batch's outer draws
        of the inner sample variance; row 0 (the empty subset) is 0.
    moments : Moments
        Mean and M2 of ``Y`` over the outer draws (the independent sample).
    low, high : ndarray, shape (m,)
        Smallest and largest ``Y`` of the independent sample.
    outer : int
        Outer draws in the batch.
    """

    cost_sums: np.ndarray
    moments: Moments
    low: np.ndarray
    high: np.ndarray
    outer: int


@dataclass(frozen=True)
class ShapleyBatchTask:
    """One batch of the estimator: a picklable unit of work (see :func:`estimate_batch`)."""

    design: InputDesign
    evaluate: Callable[[GroupInputs], np.ndarray]
    seed: int
    batch: int
    outer: int
    inner: int
    #: How each subset of the active groups (by bit mask, from 1) conditions the Gaussians.
    plans: tuple[_Conditioning, ...]


def _as_matrix(values: np.ndarray, n: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.shape[0] != n:
        raise ValueError(f"the model returned {values.shape[0]} rows for {n} input vectors")
    return values.reshape(n, -1)


def estimate_batch(task: ShapleyBatchTask) -> BatchSums:
    """Evaluate the model on every subset for one batch of outer draws.

    The batch draws from ``SeedSequence(seed, spawn_key=(batch,))``: its first child gives
    the outer draws, the next ``inner`` the fresh draws, shared by every subset.
    """
    design, n, inner = task.design, task.outer, task.inner
    streams = np.random.SeedSequence(task.seed, spawn_key=(task.batch,)).spawn(1 + inner)
    outer = design.draw(np.random.default_rng(streams[0]), n)
    fresh = _joined([design.draw(np.random.default_rng(s), n) for s in streams[1:]])
    outer_tiled = _tiled(outer, inner)
    plain = _as_matrix(task.evaluate(outer), n)
    active = design.active
    sums = np.zeros((2 ** len(active), plain.shape[1]))
    for mask, members in enumerate(subsets(len(active))):
        if not members:
            continue
        free = frozenset(active[j] for j in members)
        inputs = _mix(outer_tiled, fresh, free, task.plans[mask - 1])
        values = _as_matrix(task.evaluate(inputs), inner * n).reshape(inner, n, -1)
        sums[mask] = inner_variance(values).sum(axis=0)
    return BatchSums(
        cost_sums=sums, moments=Moments.of(plain), low=plain.min(axis=0),
        high=plain.max(axis=0), outer=n,
    )


def shapley_weights(k: int) -> dict[int, float]:
    """Weight ``|S|! (k − |S| − 1)! / k!`` of a subset of size ``|S|`` among ``k`` groups."""
    return {s: math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)}


def _shapley_numerators(costs: np.ndarray, k: int) -> np.ndarray:
    """``Σ_S w(|S|) [c(S ∪ {j}) − c(S)]`` per group ``j``, shape (k, …).

    Differences are taken before weighting, so a group whose ``c`` never changes gets
    exactly 0. As the weights sum to 1, the sum is taken as ``d_∅ + Σ_S w(|S|) (d_S − d_∅)``
    (``d_S`` the difference at ``S``), over the subsets in bit-mask order: a group that
    adds the same to every subset gets exactly that.
    """
    out = np.zeros((k, *costs.shape[1:]))
    weight = shapley_weights(k)
    for j in range(k):
        without = np.array([m for m in range(2**k) if not m >> j & 1])
        weights = np.array([weight[m.bit_count()] for m in without[1:]])
        differences = costs[without | (1 << j)] - costs[without]
        shifted = differences[1:] - differences[0]
        out[j] = differences[0] + (
            weights.reshape(-1, *(1,) * (costs.ndim - 1)) * shifted
        ).sum(axis=0)
    return out


def _closed_numerators(costs: np.ndarray, k: int) -> np.ndarray:
    """``c(K) − c(K∖{j})`` per group ``j``."""
    full = 2**k - 1
    return np.stack([costs[full] - costs[full & ~(1 << j)] for j in range(k)])


def _total_numerators(costs: np.ndarray, k: int) -> np.ndarray:
    """``c({j})`` per group ``j``."""
    return np.stack([costs[1 << j] for j in range(k)])


def _ratio_with_se(
    numerator: Callable[[np.ndarray, int], np.ndarray],
    costs: np.ndarray,
    batch_costs: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """An index ``L(ĉ) / ĉ(K)`` and its batch-means standard error, shapes (k, m).

    Each batch's ``ĉ_b`` is linearised: ``z_b = (L(ĉ_b) − index · ĉ_b(K)) / ĉ(K)``, and the
    standard error is ``sd(z_b) / √B``.
    """
    full = 2**k - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        index = numerator(costs, k) / costs[full]
        batched = np.stack([numerator(c, k) for c in batch_costs])  # (B, k, m)
        linear = (batched - index * batch_costs[:, full][:, None, :]) / costs[full]
    batches = batch_costs.shape[0]
    se = np.sqrt(inner_variance(linear) / batches)
    return index, se


@dataclass(frozen=True)
class ShapleyEstimate:
    """Indices of each group for each output.

    Attributes
    ----------
    groups : tuple of str
        The groups, in the order of the last axis.
    shapley, shapley_se, closed, closed_se, total, total_se : ndarray, shape (m, k)
        Shares of variance (fractions; NaN where there is no variance) and their standard
        errors.
    variance : ndarray, shape (m,)
        Plain ``Var(Y)`` (ddof = 1) of the independent outer sample, in squared units of Y.
    nested_variance : ndarray, shape (m,)
        ``ĉ(K)``, the nested estimate of the same variance that divides every index.
    no_variance : ndarray of bool, shape (m,)
        Outputs that took one value in every draw of the independent sample.
    outer, inner, batches : int
        ``N_o``, ``N_i`` and the number of batches behind the standard errors.
    """

    groups: tuple[str, ...]
    shapley: np.ndarray
    shapley_se: np.ndarray
    closed: np.ndarray
    closed_se: np.ndarray
    total: np.ndarray
    total_se: np.ndarray
    variance: np.ndarray
    nested_variance: np.ndarray
    no_variance: np.ndarray
    outer: int
    inner: int
    batches: int

    def imprecise(self, names: Sequence[str] | None = None) -> list[str]:
        """``"<output> <group>"`` for every Shapley effect whose SE exceeds the warning
        level; outputs are numbered unless ``names`` are given."""
        labels = list(names) if names is not None else [str(i) for i in range(len(self.variance))]
        rows, columns = np.nonzero(self.shapley_se > SE_WARNING_LEVEL)
        return [f"{labels[i]} {self.groups[j]}" for i, j in zip(rows, columns, strict=True)]


def combine_batches(
    design: InputDesign, results: Sequence[BatchSums], *, inner: int
) -> ShapleyEstimate:
    """The estimate from the batches' sums, combined in batch order.

    Parameters
    ----------
    design : InputDesign
        The design the batches were drawn from.
    results : sequence of BatchSums
        One per batch, in batch order; equal batch sizes, at least two batches.
    inner : int
        Inner draws per outer draw.
    """
    if len(results) < 2 or len({r.outer for r in results}) != 1:
        raise ValueError("the standard errors need at least two batches of equal size")
    active = design.active
    k = len(active)
    outer = sum(r.outer for r in results)
    costs = sum((r.cost_sums for r in results[1:]), start=results[0].cost_sums) / outer
    batch_costs = np.stack([r.cost_sums / r.outer for r in results])
    moments = results[0].moments
    for r in results[1:]:
        moments = moments.merge(r.moments)
    low = np.min([r.low for r in results], axis=0)
    high = np.max([r.high for r in results], axis=0)
    no_variance = low == high
    m = costs.shape[1]
    parts = {}
    for name, numerator in (
        ("shapley", _shapley_numerators),
        ("closed", _closed_numerators),
        ("total", _total_numerators),
    ):
        index, se = _ratio_with_se(numerator, costs, batch_costs, k)
        full_index = np.zeros((m, len(design.groups)))
        full_se = np.zeros((m, len(design.groups)))
        for j, group in enumerate(active):
            full_index[:, design.groups.index(group)] = index[j]
            full_se[:, design.groups.index(group)] = se[j]
        # No variance (or no nested variance to divide by): every index is undefined.
        undefined = no_variance | ~(costs[-1] > 0)
        full_index[undefined] = np.nan
        full_se[undefined] = np.nan
        parts[name] = full_index
        parts[f"{name}_se"] = full_se
    return ShapleyEstimate(
        groups=design.groups,
        # Equal values may leave a rounding residue in M2: their variance is 0.
        variance=np.where(no_variance, 0.0, moments.m2 / (moments.count - 1)),
        nested_variance=costs[-1],
        no_variance=no_variance,
        outer=outer,
        inner=inner,
        batches=len(results),
        **parts,
    )


def _serial_map(fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
    return map(fn, tasks)


def estimate_shapley(
    design: InputDesign,
    evaluate: Callable[[GroupInputs], np.ndarray],
    *,
    outer: int,
    inner: int = 3,
    batches: int = 32,
    seed: int,
    map_ordered: Callable[[Callable[[ShapleyBatchTask], BatchSums], Iterable[ShapleyBatchTask]],
                          Iterator[BatchSums]] = _serial_map,
    progress: Callable[[int, int], None] | None = None,
    output_names: Sequence[str] | None = None,
) -> ShapleyEstimate:
    """Shapley effects, closed and total indices of every group for every output.

    Parameters
    ----------
    design : InputDesign
        The groups and the law of their inputs.
    evaluate : callable
        ``evaluate(inputs) -> Y``, pure and vectorized: ``GroupInputs`` of ``n`` vectors to
        an array of shape (n,) or (n, m), m outputs at once (variables × years); picklable
        when ``map_ordered`` sends tasks to other processes.
    outer : int
        ``N_o``, outer draws; a multiple of ``batches``.
    inner : int
        ``N_i ≥ 2``, inner draws per outer draw.
    batches : int
        Equal batches of outer draws (tasks, and the batch means of the standard errors).
    seed : int
        Batch ``b`` draws from ``SeedSequence(seed, spawn_key=(b,))``.
    map_ordered : callable
        ``map_ordered(fn, tasks)`` yielding results in task order (default: serial), e.g.
        :meth:`simcore.run.parallel.InProcessExecutor.map_ordered`.
    progress : callable, optional
        ``progress(done, total)`` in model evaluations, after each batch.
    output_names : sequence of str, optional
        Names of the m outputs, for the warning about imprecise effects.

    Returns
    -------
    ShapleyEstimate
        With ``(2^a − 1) · N_o · N_i + N_o`` model evaluations, ``a`` the groups with inputs.

    Warns
    -----
    ShapleyPrecisionWarning
        Naming every effect whose standard error exceeds :data:`SE_WARNING_LEVEL`.
    """
    if inner < 2:
        raise SmasimInputError(f"inner draws: at least 2 are needed (got {inner})")
    if batches < 2 or outer % batches:
        raise SmasimInputError(
            f"outer draws: {outer} must be a multiple of the {batches} batches (at least 2)"
        )
    size = outer // batches
    active = design.active
    plans = tuple(
        _conditioning(design, frozenset(active[j] for j in members))
        for members in subsets(len(active))[1:]
    )
    tasks = [
        ShapleyBatchTask(design=design, evaluate=evaluate, seed=seed, batch=b, outer=size,
                         inner=inner, plans=plans)
        for b in range(batches)
    ]
    per_batch = ((2 ** len(design.active) - 1) * inner + 1) * size
    results = []
    for done, result in enumerate(map_ordered(estimate_batch, tasks), start=1):
        results.append(result)
        if progress is not None:
            progress(done * per_batch, batches * per_batch)
    estimate = combine_batches(design, results, inner=inner)
    if imprecise := estimate.imprecise(output_names):
        warnings.warn(
            f"standard error above {SE_WARNING_LEVEL:g} ({100 * SE_WARNING_LEVEL:g} "
            f"percentage point of variance share) for {len(imprecise)} effects "
            f"({', '.join(imprecise[:8])}{', …' if len(imprecise) > 8 else ''}); "
            "use more samples",
            ShapleyPrecisionWarning,
            stacklevel=2,
        )
    return estimate

"""Structured expert judgment: distributions fitted to elicited quantiles, and their pools.

An expert states points of their cumulative distribution function (CDF), ``P(X ≤ v_i) = p_i``
(quartiles, or a 5/50/95 triple). As in SHELF (Oakley & O'Hagan; O'Hagan et al. 2006,
*Uncertain Judgements*), each candidate family is fitted by least squares on those CDF points,

    SSE(θ) = Σ_i (F(v_i; θ) − p_i)²,

minimised by Nelder–Mead from a normal approximation through the outermost points, and the
family with the smallest SSE is the expert's distribution. Families: ``beta`` for fractions
(on [0, 1]); ``normal``, ``lognormal`` and ``gamma`` for amounts.

Experts are pooled with weights that sum to 1:

- the **linear pool** (Stone 1961) ``Σ_j w_j f_j`` is a :class:`Mixture`, whose quantile
  function is its exact inverse CDF (a bracketed root of ``F(x) = u``, to a few ulps);
- the **logarithmic pool** (Genest & Zidek 1986) ``∝ Π_j f_j^{w_j}`` of one family is that
  family again, in closed form (:func:`log_pool`): the precision-weighted normal, the
  lognormal likewise on the log scale, ``Beta(Σ w_j a_j, Σ w_j b_j)`` and
  ``Gamma(Σ w_j k_j, rate Σ w_j / θ_j)``.

A set of outcome probabilities is pooled as categorical distributions
(:func:`linear_pool_probabilities`, :func:`log_pool_probabilities`); an expert who gives
quantiles of each probability gets Beta marginals, made into a Dirichlet as SHELF's
``fitDirichlet`` does (Zapata-Vázquez, O'Hagan & Soares Bastos 2014;
:func:`dirichlet_from_betas`).

:class:`Distribution` and :class:`Mixture` share one contract (:class:`SampledLaw`): ``cdf``,
``ppf`` and ``mean``. That is what the model samples (``ppf`` of a uniform) and what any
analysis that varies a judgment reads.

Arithmetic: CDFs and quantile functions are scipy's special functions (scalar C code, the
same on every CPU); sums over experts and components are in a fixed order (``math.fsum``
for scalars); no BLAS, no numpy ``exp``/``log``/``power`` on arrays.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

import numpy as np
from scipy import optimize, special

Family = Literal["beta", "normal", "lognormal", "gamma"]
#: Every family, in the order fits are listed.
FAMILIES: tuple[Family, ...] = get_args(Family)
#: Candidate families of a fraction (a share on [0, 1]) and of an amount.
FRACTION_FAMILIES: tuple[Family, ...] = ("beta",)
AMOUNT_FAMILIES: tuple[Family, ...] = ("normal", "lognormal", "gamma")
#: The names of each family's two parameters, as configurations and records spell them:
#: Beta(a, b) on [0, 1]; normal mean and standard deviation; lognormal mean and standard
#: deviation of ``ln X``; gamma shape and scale (mean = shape · scale).
PARAMETERS: dict[Family, tuple[str, str]] = {
    "beta": ("a", "b"),
    "normal": ("mean", "sd"),
    "lognormal": ("meanlog", "sdlog"),
    "gamma": ("shape", "scale"),
}
#: Pool weights, and probability vectors, must sum to 1 within this.
SUM_TOLERANCE = 1e-9
#: A quantile judgment must reach below and above these levels (SHELF's rule: a median
#: alone, or three points on one side of it, does not locate a distribution).
LOW_LEVEL, HIGH_LEVEL = 0.4, 0.6
#: Nelder–Mead: convergence in the transformed parameters and in the SSE, iterations per
#: start, and restarts from the point found (a simplex can stall short of the optimum).
_XATOL, _FATOL, _MAXITER, _RESTARTS = 1e-11, 1e-16, 4000, 3
#: Levels of the table that brackets a mixture's quantiles (:meth:`Mixture.ppf`): 1/1024
#: steps, and finer into each tail.
_TAILS = 10.0 ** -np.arange(4.0, 13.0)
_TABLE_LEVELS = np.unique(np.concatenate([np.linspace(0.0, 1.0, 4097)[1:-1], _TAILS, 1 - _TAILS]))
#: Iteration cap of the inverse-CDF solver (it converges in about 10 on smooth laws).
_MAX_SOLVER_STEPS = 200
_EPS = float(np.finfo(float).eps)


class SampledLaw(Protocol):
    """A univariate distribution the model can sample: one contract for a fitted family, a
    pool, or anything an analysis builds (a distribution of a judgment)."""

    def cdf(self, x: np.ndarray | float) -> np.ndarray: ...

    def ppf(self, u: np.ndarray | float) -> np.ndarray: ...

    @property
    def mean(self) -> float: ...


def _log(x: np.ndarray) -> np.ndarray:
    """``ln x`` by scipy's scalar code (``xlogy(1, x)``), not numpy's SIMD loop."""
    return np.asarray(special.xlogy(1.0, x), dtype=float)


def _exp(x: np.ndarray) -> np.ndarray:
    """``e^x`` as ``1 + expm1(x)`` by scipy's scalar code, as the model does (model-notes)."""
    return np.asarray(1.0 + special.expm1(x), dtype=float)


@dataclass(frozen=True)
class Distribution:
    """One member of a :data:`Family`, with its two parameters (:data:`PARAMETERS`).

    Examples
    --------
    >>> d = Distribution("beta", (2.0, 8.0))
    >>> d.mean
    0.2
    >>> round(float(d.cdf(d.ppf(0.75))), 12)
    0.75
    """

    family: Family
    parameters: tuple[float, float]

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)} (got {self.family!r})")
        first, second = self.parameters
        names = PARAMETERS[self.family]
        positive = names if self.family in ("beta", "gamma") else names[1:]
        for name, value in zip(names, (first, second), strict=True):
            if not math.isfinite(value) or (name in positive and not value > 0):
                rule = "a positive number" if name in positive else "a finite number"
                raise ValueError(f"{self.family} {name} must be {rule} (got {value!r})")

    @classmethod
    def of(cls, family: Family, values: dict[str, float]) -> Distribution:
        """From named parameters: ``Distribution.of("gamma", {"shape": 2, "scale": 3e9})``."""
        names = PARAMETERS[family]
        if set(values) != set(names):
            raise ValueError(f"{family} takes parameters {', '.join(names)} (got "
                             f"{', '.join(values) or 'none'})")
        first, second = (float(values[name]) for name in names)
        return cls(family, (first, second))

    @property
    def named(self) -> dict[str, float]:
        """The parameters by name (``{"a": 2.0, "b": 8.0}``)."""
        return dict(zip(PARAMETERS[self.family], self.parameters, strict=True))

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the law can take."""
        if self.family == "beta":
            return 0.0, 1.0
        return (-math.inf if self.family == "normal" else 0.0), math.inf

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """``P(X ≤ x)``."""
        x = np.asarray(x, dtype=float)
        first, second = self.parameters
        if self.family == "beta":
            return np.asarray(special.betainc(first, second, np.clip(x, 0.0, 1.0)))
        if self.family == "normal":
            return np.asarray(special.ndtr((x - first) / second))
        if self.family == "gamma":
            return np.asarray(special.gammainc(first, np.maximum(x, 0.0) / second))
        positive = np.maximum(x, 0.0)
        with np.errstate(divide="ignore"):
            return np.asarray(special.ndtr((_log(positive) - first) / second))

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """The quantile function, the exact inverse of :meth:`cdf` (scipy's special
        functions: ``betaincinv``, ``ndtri``, ``gammaincinv``)."""
        u = np.asarray(u, dtype=float)
        first, second = self.parameters
        if self.family == "beta":
            return np.asarray(special.betaincinv(first, second, u))
        if self.family == "normal":
            return first + second * np.asarray(special.ndtri(u))
        if self.family == "gamma":
            return second * np.asarray(special.gammaincinv(first, u))
        return _exp(first + second * np.asarray(special.ndtri(u)))

    def pdf(self, x: np.ndarray | float) -> np.ndarray:
        """The density (for figures; never on a stored number)."""
        from scipy import stats  # figures only: scipy.stats is slow to import

        first, second = self.parameters
        frozen = {
            "beta": lambda: stats.beta(first, second),
            "normal": lambda: stats.norm(first, second),
            "lognormal": lambda: stats.lognorm(second, scale=math.exp(first)),
            "gamma": lambda: stats.gamma(first, scale=second),
        }[self.family]()
        return np.asarray(frozen.pdf(x))

    @property
    def mean(self) -> float:
        """The expectation."""
        first, second = self.parameters
        if self.family == "beta":
            return first / (first + second)
        if self.family == "normal":
            return first
        if self.family == "gamma":
            return first * second
        return math.exp(first + second * second / 2)

    def describe(self, digits: int = 4) -> str:
        """``beta(a=2, b=8)``: the family and its parameters to ``digits`` digits."""
        inner = ", ".join(f"{k}={v:.{digits}g}" for k, v in self.named.items())
        return f"{self.family}({inner})"


@dataclass(frozen=True)
class Discrete:
    """A law on finitely many values: ``P(X = values[k]) = probabilities[k]``.

    Its quantile function is the model's rule for every discrete draw (MODEL.md §5): the
    first value whose cumulative probability exceeds ``u``.

    >>> demand = Discrete((5e9, 10e9), (0.6, 0.4))
    >>> demand.ppf(np.array([0.0, 0.59, 0.6, 0.99])).tolist()
    [5000000000.0, 5000000000.0, 10000000000.0, 10000000000.0]
    >>> demand.mean
    7000000000.0
    """

    values: tuple[float, ...]
    probabilities: tuple[float, ...]

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """``P(X ≤ x)``."""
        x = np.asarray(x, dtype=float)
        total = np.zeros(x.shape)
        for value, probability in zip(self.values, self.probabilities, strict=True):
            total = total + np.where(value <= x, probability, 0.0)
        return total

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """The value of the first cumulative probability above ``u``."""
        cumulative = np.cumsum(self.probabilities)
        index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(cumulative) - 1)
        return np.asarray(self.values)[index]

    @property
    def mean(self) -> float:
        """``Σ_k p_k v_k``."""
        return math.fsum(p * v for p, v in zip(self.probabilities, self.values, strict=True))


def check_weights(weights: Sequence[float], what: str = "weights") -> tuple[float, ...]:
    """Weights as floats, each positive, summing to 1 within :data:`SUM_TOLERANCE`."""
    values = tuple(float(w) for w in weights)
    if not values or any(not (math.isfinite(w) and w > 0) for w in values):
        raise ValueError(f"{what} must be positive numbers (got {list(values)})")
    total = math.fsum(values)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (sum to {total:.12g})")
    return values


def normalized_weights(weights: Sequence[float]) -> tuple[float, ...]:
    """Positive weights divided by their (correctly rounded) sum.

    >>> normalized_weights([1, 1, 2])
    (0.25, 0.25, 0.5)
    """
    values = [float(w) for w in weights]
    if not values or any(not (math.isfinite(w) and w > 0) for w in values):
        raise ValueError(f"weights must be positive numbers (got {values})")
    total = math.fsum(values)
    return tuple(w / total for w in values)


@dataclass(frozen=True)
class Mixture:
    """``Σ_j w_j F_j``: the linear pool of the experts' distributions.

    Its quantile function is its exact inverse CDF: for each ``u`` the root of
    ``F(x) = u`` inside the bracket ``[min_j F_j⁻¹(u), max_j F_j⁻¹(u)]`` (the mixture's
    quantile lies between its components'), found by Chandrupatla's method (Chandrupatla
    1997: inverse quadratic interpolation kept inside a shrinking bracket) to within
    ``4 ε |x|``, or until ``F(x)`` meets ``u`` to ``4 ε u``. With one component it is that
    component, bit for bit.

    Examples
    --------
    >>> pool = Mixture((Distribution("normal", (0.0, 1.0)), Distribution("normal", (2.0, 1.0))),
    ...                (0.5, 0.5))
    >>> round(float(pool.cdf(0.0)), 6)
    0.261375
    >>> round(float(pool.ppf(pool.cdf(0.3))), 12)
    0.3
    """

    components: tuple[Distribution, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.components) != len(self.weights) or not self.components:
            raise ValueError(f"a mixture needs one weight per component (got "
                             f"{len(self.weights)} weights, {len(self.components)} components)")
        check_weights(self.weights, "mixture weights")

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value any component can take."""
        lows, highs = zip(*(c.support for c in self.components), strict=True)
        return min(lows), max(highs)

    @property
    def families(self) -> tuple[Family, ...]:
        """The components' families, each once, in order."""
        return tuple(dict.fromkeys(c.family for c in self.components))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """``Σ_j w_j F_j(x)``, summed in component order."""
        total = np.zeros(np.shape(x))
        for weight, component in zip(self.weights, self.components, strict=True):
            total = total + weight * component.cdf(x)
        return total

    def pdf(self, x: np.ndarray | float) -> np.ndarray:
        """``Σ_j w_j f_j(x)`` (for figures)."""
        total = np.zeros(np.shape(x))
        for weight, component in zip(self.weights, self.components, strict=True):
            total = total + weight * component.pdf(x)
        return total

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """The inverse CDF at ``u`` in [0, 1].

        The bracket of each ``u`` is the cell of a table of the mixture's CDF (at its
        components' quantiles of :data:`_TABLE_LEVELS`) whose ends' CDF values enclose
        ``u``, so a few steps of :func:`inverse_cdf` reach the root; a ``u`` outside the
        table takes the components' own quantiles as its bracket.
        """
        if len(self.components) == 1:
            return self.components[0].ppf(u)
        u = np.asarray(u, dtype=float)
        xs, fs = _cdf_table(self)
        cell = np.searchsorted(fs, u, side="right")
        upper = np.minimum(cell, xs.size - 1)
        lower = np.maximum(upper - 1, 0)
        low, high = xs[lower], xs[upper]
        # A valid bracket by the table's own CDF values, else the components' quantiles.
        f_low, f_high = fs[lower], fs[upper]
        outside = ~((cell > 0) & (cell < xs.size) & (f_low <= u) & (u <= f_high))
        if outside.any():
            ends = [(c.ppf(u[outside]), c.support) for c in self.components]
            low, high = low.copy(), high.copy()
            # scipy's inverse Beta can fail (NaN) far in a tail: the support bounds it.
            low[outside] = np.min([np.where(np.isnan(e), lo, e) for e, (lo, _) in ends], axis=0)
            high[outside] = np.max([np.where(np.isnan(e), hi, e) for e, (_, hi) in ends], axis=0)
            f_low, f_high = f_low.copy(), f_high.copy()
            f_low[outside], f_high[outside] = self.cdf(low[outside]), self.cdf(high[outside])
        return inverse_cdf(self.cdf, u, low, high, cdf_low=f_low, cdf_high=f_high)

    @property
    def mean(self) -> float:
        """``Σ_j w_j μ_j``."""
        return math.fsum(w * c.mean for w, c in zip(self.weights, self.components, strict=True))

    def describe(self, digits: int = 4) -> str:
        """The components with their weights."""
        return " + ".join(f"{w:.3g}·{c.describe(digits)}"
                          for w, c in zip(self.weights, self.components, strict=True))


@functools.lru_cache(maxsize=64)
def _cdf_table(mixture: Mixture) -> tuple[np.ndarray, np.ndarray]:
    """Points ``x`` (the components' quantiles at :data:`_TABLE_LEVELS`, sorted) and the
    mixture's CDF there, kept per process for the mixtures last used (about 0.1 s to build
    for three Betas).

    Kept by the mixture's value rather than on the object: a run resolves its parameters
    once, but a dask worker receives its own unpickled copy with every task, so a table held
    by the object would be built again per task (or, built before pickling, shipped with
    every task); by value, each process builds it once."""
    points = np.unique(np.concatenate([c.ppf(_TABLE_LEVELS) for c in mixture.components]))
    return points, mixture.cdf(points)


def inverse_cdf(
    cdf: Callable[[np.ndarray], np.ndarray],
    u: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    *,
    cdf_low: np.ndarray | None = None,
    cdf_high: np.ndarray | None = None,
) -> np.ndarray:
    """Solve ``cdf(x) = u`` elementwise for ``x`` in the bracket ``[low, high]``.

    Chandrupatla's method (Chandrupatla 1997, *Adv. Eng. Software* 28: 145–149), vectorized:
    each step takes an inverse quadratic interpolation when the last three points make it
    safe, else bisects, and never leaves the bracket; it stops when the bracket is narrower
    than ``4 ε |x|`` (a few ulps of x) or ``|cdf(x) − u| ≤ 4 ε u`` (a few ulps of u, the
    resolution of ``cdf`` itself). Only ``cdf`` evaluations and elementwise arithmetic: the
    same bits on every machine.

    Parameters
    ----------
    cdf : callable
        A non-decreasing function of an array.
    u : ndarray
        Targets.
    low, high : ndarray
        Brackets, ``cdf(low) ≤ u ≤ cdf(high)``, broadcast to ``u``'s shape.
    cdf_low, cdf_high : ndarray, optional
        ``cdf(low)`` and ``cdf(high)`` when known (a table): they save two evaluations, and
        the first step is then the secant through the bracket instead of its midpoint.

    Returns
    -------
    ndarray
        The roots, shape of ``u``.
    """
    u = np.asarray(u, dtype=float)
    x1 = np.broadcast_to(np.asarray(low, dtype=float), u.shape).ravel().copy()
    x2 = np.broadcast_to(np.asarray(high, dtype=float), u.shape).ravel().copy()
    target = u.ravel()
    root = x1.copy()
    active = np.flatnonzero(x1 < x2)
    if active.size == 0:
        return root.reshape(u.shape)
    a, b, goal = x1[active], x2[active], target[active]
    if cdf_low is None or cdf_high is None:
        fa, fb = cdf(a) - goal, cdf(b) - goal
        t = np.full(active.size, 0.5)
    else:
        fa = np.broadcast_to(cdf_low, u.shape).ravel()[active] - goal
        fb = np.broadcast_to(cdf_high, u.shape).ravel()[active] - goal
        with np.errstate(divide="ignore", invalid="ignore"):
            t = fa / (fa - fb)
        t = np.where(np.isfinite(t), np.clip(t, 0.0, 1.0), 0.5)
    c, fc = a.copy(), fa.copy()
    for _ in range(_MAX_SOLVER_STEPS):
        xt = a + t * (b - a)
        ft = cdf(xt) - goal
        same = np.sign(ft) == np.sign(fa)
        # Keep the bracket [a, b]: the new point replaces the end on its side.
        c = np.where(same, a, b)
        fc = np.where(same, fa, fb)
        b = np.where(same, b, a)
        fb = np.where(same, fb, fa)
        a, fa = xt, ft
        take_a = np.abs(fa) < np.abs(fb)
        xm = np.where(take_a, a, b)
        fm = np.where(take_a, fa, fb)
        tolerance = 4.0 * _EPS * np.abs(xm)
        with np.errstate(divide="ignore", invalid="ignore"):
            tlim = tolerance / np.abs(b - a)
            # Stop where the bracket is a few ulps of x wide, or where F(x) meets u to a few
            # ulps of u (the resolution of F itself).
            done = (tlim > 0.5) | (np.abs(fm) <= 4.0 * _EPS * goal) | ~np.isfinite(tlim)
            xi = (a - b) / (c - b)
            phi = (fa - fb) / (fc - fb)
            quadratic = (phi * phi < xi) & ((1 - phi) * (1 - phi) < 1 - xi)
            step = (fa / (fb - fa) * fc / (fb - fc)
                    + (c - a) / (b - a) * fa / (fc - fa) * fb / (fc - fb))
        if done.any():
            root[active[done]] = xm[done]
            keep = ~done
            active = active[keep]
            if active.size == 0:
                return root.reshape(u.shape)
            a, b, c, fa, fb, fc, goal = (v[keep] for v in (a, b, c, fa, fb, fc, goal))
            quadratic, step, tlim = quadratic[keep], step[keep], tlim[keep]
        t = np.where(quadratic & np.isfinite(step), step, 0.5)
        t = np.minimum(1 - tlim, np.maximum(tlim, t))
    root[active] = np.where(np.abs(fa) < np.abs(fb), a, b)
    return root.reshape(u.shape)


# --- Fitting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """A family fitted to one expert's CDF points by least squares.

    Attributes
    ----------
    distribution : Distribution
        The fitted law.
    levels, values : tuple of float
        The elicited points ``P(X ≤ value) = level``.
    sse : float
        ``Σ (F(value) − level)²`` at the fit: 0 for an exact fit.
    """

    distribution: Distribution
    levels: tuple[float, ...]
    values: tuple[float, ...]
    sse: float

    @property
    def family(self) -> Family:
        """The fitted family."""
        return self.distribution.family

    @property
    def fitted_values(self) -> tuple[float, ...]:
        """The fitted law's quantiles at the elicited levels (fed back beside the given
        values)."""
        return tuple(float(v) for v in self.distribution.ppf(np.array(self.levels)))

    @property
    def fitted_levels(self) -> tuple[float, ...]:
        """The fitted CDF at the elicited values."""
        return tuple(float(p) for p in self.distribution.cdf(np.array(self.values)))


#: A valid member of each family (for its support).
_UNIT: dict[Family, tuple[float, float]] = {
    "beta": (1.0, 1.0), "normal": (0.0, 1.0), "lognormal": (0.0, 1.0), "gamma": (1.0, 1.0),
}


def check_quantile_judgment(
    values: Sequence[float], levels: Sequence[float], *, families: Sequence[Family]
) -> None:
    """Refuse CDF points no fit could honour, in words an elicitation facilitator reads.

    Levels must lie in [0, 1] and increase, values strictly increase, the levels reach
    below :data:`LOW_LEVEL` and above :data:`HIGH_LEVEL`, and the values lie inside the
    support of every family in ``families`` (a fraction in [0, 1]; a positive amount for
    ``lognormal`` and ``gamma``).
    """
    if len(values) != len(levels):
        raise ValueError(f"{len(values)} values for {len(levels)} levels: give one value per "
                         "level")
    if len(values) < 2:
        raise ValueError("at least two quantiles are needed to fit a distribution")
    if any(not 0.0 <= p <= 1.0 for p in levels) or any(
            q <= p for p, q in itertools.pairwise(levels)):
        raise ValueError(f"levels must increase within [0, 1] (got {list(levels)})")
    if any(not math.isfinite(v) for v in values) or any(
            w <= v for v, w in itertools.pairwise(values)):
        raise ValueError(f"values must increase, one per level (got {list(values)})")
    if min(levels) >= LOW_LEVEL or max(levels) <= HIGH_LEVEL:
        raise ValueError(f"levels must reach below {LOW_LEVEL:g} and above {HIGH_LEVEL:g} "
                         f"(got {list(levels)}): give e.g. quartiles or a 5/50/95 triple")
    for family in families:
        low, high = Distribution(family, _UNIT[family]).support
        outside = [v for v in values if not low <= v <= high]
        if outside:
            what = "fractions in [0, 1]" if family == "beta" else "positive amounts"
            raise ValueError(f"values must be {what} for a {family} fit (got {outside})")


def _normal_approximation(values: np.ndarray, levels: np.ndarray) -> tuple[float, float]:
    """Mean and sd of the normal through the outermost points (SHELF's starting values);
    the middle point and spread when a level is 0 or 1."""
    inner = (levels > 0) & (levels < 1)
    v, p = values[inner], levels[inner]
    if v.size >= 2:
        z_low, z_high = float(special.ndtri(p[0])), float(special.ndtri(p[-1]))
        sd = (float(v[-1]) - float(v[0])) / (z_high - z_low)
        mean = (float(v[0]) * z_high - float(v[-1]) * z_low) / (z_high - z_low)
        return mean, sd
    middle = float(np.interp(0.5, levels, values))
    return middle, (float(values[-1]) - float(values[0])) / 4


def _start(family: Family, mean: float, sd: float) -> tuple[float, float]:
    """Starting point of the search, in the transformed parameters of :func:`_law`."""
    if family == "normal":
        return mean, math.log(sd)
    if family == "beta":
        m = min(max(mean, 0.01), 0.99)
        concentration = max(m * (1 - m) / (sd * sd) - 1, 0.5)
        return math.log(m * concentration), math.log((1 - m) * concentration)
    if family == "gamma":
        m = max(mean, sd)
        return math.log(m * m / (sd * sd)), math.log(sd * sd / m)
    m = max(mean, sd)
    sdlog = math.sqrt(math.log1p(sd * sd / (m * m)))
    return math.log(m) - sdlog * sdlog / 2, math.log(sdlog)


def _law(family: Family, theta: np.ndarray, scale: float) -> Distribution:
    """The law at transformed parameters ``theta`` (positive ones on the log scale), for
    values divided by ``scale``; returned on the values' own scale."""
    first, second = float(theta[0]), math.exp(float(theta[1]))
    if family == "normal":
        return Distribution("normal", (first * scale, second * scale))
    if family == "lognormal":
        return Distribution("lognormal", (first + math.log(scale), second))
    if family == "gamma":
        return Distribution("gamma", (math.exp(first), second * scale))
    return Distribution("beta", (math.exp(first), second))


def _sse(law: Distribution, values: np.ndarray, levels: np.ndarray) -> float:
    return math.fsum(float(e) ** 2 for e in law.cdf(values) - levels)


def fit_distribution(
    values: Sequence[float], levels: Sequence[float], family: Family
) -> Fit:
    """Least-squares fit of ``family`` to the CDF points ``P(X ≤ values[i]) = levels[i]``.

    Amounts are fitted on the scale of their largest absolute value (so the search is the
    same for dollars and billions of dollars) and returned on their own scale.

    Examples
    --------
    >>> from scipy import stats
    >>> quartiles = stats.beta(2, 8).ppf([0.25, 0.5, 0.75])
    >>> fit = fit_distribution(quartiles, [0.25, 0.5, 0.75], "beta")
    >>> [round(p, 6) for p in fit.distribution.parameters]
    [2.0, 8.0]
    """
    check_quantile_judgment(values, levels, families=(family,))
    v, p = np.asarray(values, dtype=float), np.asarray(levels, dtype=float)
    scale = 1.0 if family == "beta" else float(np.max(np.abs(v)))
    mean, sd = _normal_approximation(v / scale, p)
    if not sd > 0:
        sd = float(v[-1] - v[0]) / scale or 1.0
    theta = np.array(_start(family, mean, sd))

    def objective(t: np.ndarray) -> float:
        try:
            law = _law(family, t, scale)
        except (ValueError, OverflowError):
            return math.inf
        value = _sse(law, v, p)
        return value if math.isfinite(value) else math.inf

    best = objective(theta)
    for _ in range(_RESTARTS):
        found = optimize.minimize(
            objective, theta, method="Nelder-Mead",
            options={"xatol": _XATOL, "fatol": _FATOL, "maxiter": _MAXITER},
        )
        if not found.fun < best:
            break
        theta, best = np.asarray(found.x), float(found.fun)
    law = _law(family, theta, scale)
    return Fit(law, tuple(float(x) for x in p), tuple(float(x) for x in v), _sse(law, v, p))


def fit_families(
    values: Sequence[float], levels: Sequence[float], families: Sequence[Family]
) -> tuple[Fit, ...]:
    """A fit of each family, in the order given (see :func:`best_fit`)."""
    return tuple(fit_distribution(values, levels, family) for family in families)


def best_fit(fits: Sequence[Fit]) -> Fit:
    """The fit with the smallest SSE (the first of equal ones), as SHELF chooses."""
    return min(fits, key=lambda fit: fit.sse)


# --- Pools -----------------------------------------------------------------------------


def linear_pool(laws: Sequence[Distribution | Mixture], weights: Sequence[float]) -> Mixture:
    """``Σ_j w_j f_j`` (Stone 1961): the experts' laws as one :class:`Mixture`.

    ``weights`` are positive and are normalized to sum to 1; a law that is itself a mixture
    contributes its components with their weights scaled by its own.
    """
    shares = normalized_weights(weights)
    if len(shares) != len(laws):
        raise ValueError(f"{len(shares)} weights for {len(laws)} experts")
    components: list[Distribution] = []
    scaled: list[float] = []
    for share, law in zip(shares, laws, strict=True):
        if isinstance(law, Mixture):
            components += law.components
            scaled += [share * w for w in law.weights]
        else:
            components.append(law)
            scaled.append(share)
    total = math.fsum(scaled)
    return Mixture(tuple(components), tuple(w / total for w in scaled))


def log_pool(laws: Sequence[Distribution], weights: Sequence[float]) -> Distribution:
    """``∝ Π_j f_j^{w_j}`` (Genest & Zidek 1986) of laws of one family, in closed form.

    With weights normalized to sum to 1: normal — precision ``Σ w_j / σ_j²``, mean
    ``Σ (w_j / σ_j²) μ_j`` over it; lognormal — the same on ``ln X``; beta —
    ``Beta(Σ w_j a_j, Σ w_j b_j)``; gamma — shape ``Σ w_j k_j``, rate ``Σ w_j / θ_j``.

    Examples
    --------
    >>> pooled = log_pool([Distribution("normal", (0.0, 1.0)), Distribution("normal", (2.0, 2.0))],
    ...                   [0.5, 0.5])
    >>> pooled.parameters[0], pooled.parameters[1] ** 2
    (0.4, 1.6)
    """
    shares = normalized_weights(weights)
    if len(shares) != len(laws):
        raise ValueError(f"{len(shares)} weights for {len(laws)} experts")
    families = {law.family for law in laws}
    if len(families) != 1:
        raise ValueError("a logarithmic pool in closed form needs one family for every expert "
                         f"(got {', '.join(sorted(families))})")
    family = laws[0].family
    firsts = [law.parameters[0] for law in laws]
    seconds = [law.parameters[1] for law in laws]
    if family in ("normal", "lognormal"):
        precisions = [w / (s * s) for w, s in zip(shares, seconds, strict=True)]
        precision = math.fsum(precisions)
        mean = math.fsum(t * m for t, m in zip(precisions, firsts, strict=True)) / precision
        return Distribution(family, (mean, math.sqrt(1.0 / precision)))
    if family == "beta":
        return Distribution("beta", (
            math.fsum(w * a for w, a in zip(shares, firsts, strict=True)),
            math.fsum(w * b for w, b in zip(shares, seconds, strict=True)),
        ))
    shape = math.fsum(w * k for w, k in zip(shares, firsts, strict=True))
    rate = math.fsum(w / theta for w, theta in zip(shares, seconds, strict=True))
    return Distribution("gamma", (shape, 1.0 / rate))


def check_probabilities(vector: Sequence[float], what: str = "probabilities") -> tuple[float, ...]:
    """Probabilities in [0, 1] summing to 1 within :data:`SUM_TOLERANCE`."""
    values = tuple(float(p) for p in vector)
    if not values or any(not 0.0 <= p <= 1.0 for p in values):
        raise ValueError(f"{what} must lie in [0, 1] (got {list(values)})")
    total = math.fsum(values)
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (sum to {total:.12g})")
    return values


def _normalized(values: Sequence[float]) -> tuple[float, ...]:
    total = math.fsum(values)
    if not total > 0:
        raise ValueError("the pool gives every outcome probability 0: the experts' "
                         "probabilities have no outcome in common")
    return tuple(v / total for v in values)


def linear_pool_probabilities(
    vectors: Sequence[Sequence[float]], weights: Sequence[float]
) -> tuple[float, ...]:
    """``p_k = Σ_j w_j p_jk`` over experts ``j`` (weights normalized), normalized to sum to 1.

    >>> linear_pool_probabilities([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]], [1, 1])
    (0.35, 0.4, 0.25)
    """
    shares = normalized_weights(weights)
    checked = [check_probabilities(v) for v in vectors]
    if len(checked) != len(shares) or len({len(v) for v in checked}) != 1:
        raise ValueError("give one probability vector per weight, all of the same length")
    return _normalized([math.fsum(w * v[k] for w, v in zip(shares, checked, strict=True))
                        for k in range(len(checked[0]))])


def log_pool_probabilities(
    vectors: Sequence[Sequence[float]], weights: Sequence[float]
) -> tuple[float, ...]:
    """``p_k ∝ Π_j p_jk^{w_j}`` (weights normalized), normalized to sum to 1.

    An outcome any expert rules out (probability 0) is ruled out by the pool.

    >>> [round(p, 6) for p in log_pool_probabilities([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3]], [1, 1])]
    [0.333407, 0.408338, 0.258256]
    """
    shares = normalized_weights(weights)
    checked = [check_probabilities(v) for v in vectors]
    if len(checked) != len(shares) or len({len(v) for v in checked}) != 1:
        raise ValueError("give one probability vector per weight, all of the same length")
    products = []
    for k in range(len(checked[0])):
        product = 1.0
        for w, vector in zip(shares, checked, strict=True):
            product *= math.pow(vector[k], w)
        products.append(product)
    return _normalized(products)


def dirichlet_from_betas(marginals: Sequence[Distribution]) -> tuple[float, ...]:
    """A Dirichlet from Beta marginals of a set of proportions, as SHELF's ``fitDirichlet``
    with ``n.fitted = "opt"`` (Zapata-Vázquez, O'Hagan & Soares Bastos 2014).

    The marginal means ``m_k = a_k / n_k`` (``n_k = a_k + b_k``) are scaled to sum to 1; the
    Dirichlet's total ``n`` matches the marginal standard deviations in least squares,
    ``n + 1 = (Σ v_k (n_k + 1) / Σ v_k √(n_k + 1))²`` with ``v_k`` the marginal variances;
    then ``α_k = n · m_k / Σ m``. Marginals that are exactly a Dirichlet's give it back.

    >>> d = [Distribution("beta", (6.0, 4.0)), Distribution("beta", (3.0, 7.0)),
    ...      Distribution("beta", (1.0, 9.0))]
    >>> [round(a, 12) for a in dirichlet_from_betas(d)]
    [6.0, 3.0, 1.0]
    """
    if len(marginals) < 2 or any(m.family != "beta" for m in marginals):
        raise ValueError("a Dirichlet needs Beta marginals of at least two proportions")
    a = [m.parameters[0] for m in marginals]
    n = [m.parameters[0] + m.parameters[1] for m in marginals]
    means = [ak / nk for ak, nk in zip(a, n, strict=True)]
    variances = [ak * (nk - ak) / (nk * nk * (nk + 1)) for ak, nk in zip(a, n, strict=True)]
    ratio = (math.fsum(v * (nk + 1) for v, nk in zip(variances, n, strict=True))
             / math.fsum(v * math.sqrt(nk + 1) for v, nk in zip(variances, n, strict=True)))
    total = ratio * ratio - 1
    mass = math.fsum(means)
    return tuple(total * m / mass for m in means)

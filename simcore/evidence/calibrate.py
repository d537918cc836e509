"""Driver parameters estimated from the shipped history (METHODS.md §C).

Over the years ``[start, end]``:

- inflation, per country, by ordinary least squares: ``π_t = c + φ π_{t−1} + e_t``;
  ``persistence = φ``, ``mean = c / (1 − φ)`` (delta-method SE), ``volatility = sd(e)``
  (ddof 2). These point estimates are reported (φ̂ is biased low in small samples, about
  −(1 + 3φ)/n), and they are what the 0.2 method simulated (the backtest's benchmark). What a
  calibrated scenario simulates are **draws**: an equal-weight pool of the Bayesian AR(1)'s
  posterior and the local level model's (:mod:`simcore.stats.posterior`), which integrates
  the small-sample bias and the uncertainty of the parameters and lets the mean drift;
- defense growth: ``real_growth = mean(d_t − π_kr,t)``, ``volatility = sd(d_t − π_kr,t)``
  (ddof 1) over the years with both;
- exchange rate: the Dickey–Fuller regression of ``y_t = Δx_t − β (π_kr,t − π_us,t)`` on
  ``x_{t−1}`` is reported (``κ̂``, its t-ratio against the 5% critical value with a constant,
  MacKinnon 2010); a calibrated scenario has ``κ = 0`` (the test has little power at these
  sample sizes) and volatility draws from the posterior of a driftless random walk of ``y``
  over the last :data:`FX_WINDOW` years. The 0.2 method (kept as the backtest's benchmark)
  used κ̂ where the test rejected a unit root and ``sd(y)`` otherwise;
- the shock correlation: each pair's correlation of residuals over the years it shares (0
  below :data:`MIN_SHARED_YEARS`), repaired to the nearest correlation matrix if needed.

With ``negotiations=True`` also the negotiation outcomes of ``negotiations.csv``: an
``increase`` outcome (mean and sd of the first-year changes) and a ``lapse`` outcome, their
probabilities the Jeffreys posterior means with 95% intervals, and the implied concession
share of the one demand episode.

Everything here is a pure function of the data, the years and the draws' seed; nothing
reads a config's parameters except ``ppp`` (β), which the data do not identify.

No number goes through BLAS or LAPACK (whose last bits depend on the machine's kernel):
the regressions are closed forms of centred sums, every sum is :func:`math.fsum` (correctly
rounded), logs are :func:`math.log`, the draws are :mod:`simcore.stats.posterior`'s.
:func:`estimate` gives the estimates at full precision; :func:`calibrate` rounds them
(:func:`round_estimates`: 4 significant digits, every draw too, standard errors 2,
correlations 3 decimals), so that what a scenario, the backtest and the written file use is
the same on every machine, and reports the values too close to a rounding boundary for that
to be certain (:class:`~simcore.core.rounding.Tie`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
from scipy import special

from simcore.core.errors import ParameterError, SmasimInputError, literal
from simcore.core.rounding import Rounder, Tie
from simcore.core.types import DRIVERS, Driver
from simcore.evidence.history import (
    DriverHistory,
    History,
    NegotiationRecord,
    negotiation_records,
)
from simcore.stats.linalg import PSD_TOLERANCE
from simcore.stats.nearcorr import nearest_correlation, round_correlation
from simcore.stats.posterior import (
    AR1Summary,
    InflationDraws,
    ar1_posterior,
    local_level_draws,
    local_level_posterior,
    random_walk_variance,
)
from simcore.stats.summary import INTERVAL_LEVEL

#: First year of the default calibration window (METHODS.md §C).
DEFAULT_START = 2000
#: A pair of drivers sharing fewer residual years than this gets correlation 0.
MIN_SHARED_YEARS = 8
#: MacKinnon (2010), Table 2, τ_c (constant, no trend), 5%: β∞, β1, β2, β3 of
#: ``β∞ + β1/T + β2/T² + β3/T³``.
DICKEY_FULLER_5PCT = (-2.86154, -2.8903, -4.234, -40.040)
#: Significant digits of every estimate a scenario uses (METHODS.md §C).
ESTIMATE_DIGITS = 4
#: Significant digits of a standard error (and of the repair's Frobenius distance: 3).
SE_DIGITS = 2
DISTANCE_DIGITS = 3
#: Decimals of a correlation, and of the Dickey–Fuller t-ratio and critical value.
CORRELATION_DECIMALS = 3
T_RATIO_DECIMALS = 2
#: Draws of each driver's parameters in a calibrated scenario; an inflation table is half
#: Bayesian AR(1), half local level (METHODS.md §C).
DRAWS = 2000
#: The default seed of the draws (the shipped configs' seed), so that calibrate writes the
#: same tables every time.
DRAWS_SEED = 20261128
#: Years of increments behind the exchange rate's volatility draws: the last ten up to the
#: calibration's last year (METHODS.md §C).
FX_WINDOW = 10
#: The PPP pass-through β of the calibrated scenarios and the backtest: judgment, a
#: driftless random walk of the log rate (MODEL.md §4).
DEFAULT_PPP = 0.0
#: Child streams of the draws' seed: (model, driver) → spawn key.
_STREAMS = {("ar1", "kr_inflation"): 0, ("local_level", "kr_inflation"): 1,
            ("ar1", "us_inflation"): 2, ("local_level", "us_inflation"): 3,
            ("random_walk", "fx"): 4}


def dickey_fuller_critical(n: int) -> float:
    """The 5% Dickey–Fuller critical value (with a constant) for ``n`` observations.

    MacKinnon (2010) response surface; about −2.99 at n = 25. The test rejects a unit
    root (κ identified) when ``κ̂ / SE(κ̂) > −critical``.
    """
    b_inf, b1, b2, b3 = DICKEY_FULLER_5PCT
    return b_inf + b1 / n + b2 / n**2 + b3 / n**3


def _mean(values: Iterable[float]) -> float:
    """The mean, summed exactly (the same bits whatever the order or SIMD width)."""
    values = [float(v) for v in values]
    return math.fsum(values) / len(values)


def _sum_of_products(a: np.ndarray, b: np.ndarray) -> float:
    """``Σ aᵢ bᵢ`` correctly rounded: each product is one IEEE operation, the sum fsum."""
    return math.fsum((np.asarray(a, dtype=float) * np.asarray(b, dtype=float)).tolist())


def _sd(values: np.ndarray, ddof: int) -> float:
    """The standard deviation with ``ddof``, from exactly summed centred squares."""
    centred = values - _mean(values)
    return math.sqrt(_sum_of_products(centred, centred) / (values.size - ddof))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's correlation from exactly summed centred products, clipped to [−1, 1]."""
    da, db = a - _mean(a), b - _mean(b)
    r = _sum_of_products(da, db) / math.sqrt(_sum_of_products(da, da) * _sum_of_products(db, db))
    return min(1.0, max(-1.0, r))


def _quadratic_form(gradient: tuple[float, float], covariance: np.ndarray) -> float:
    """``gᵀ V g`` of a 2-vector and a 2×2 covariance (the delta method), summed exactly."""
    g0, g1 = gradient
    return math.fsum([g0 * g0 * float(covariance[0, 0]), 2.0 * g0 * g1 * float(covariance[0, 1]),
                      g1 * g1 * float(covariance[1, 1])])


@dataclass(frozen=True)
class Regression:
    """OLS of ``y`` on a constant and ``x``.

    Attributes
    ----------
    intercept, slope : float
        The coefficients.
    covariance : ndarray, shape (2, 2)
        ``s² (XᵀX)⁻¹`` with ``s² = RSS / (n − 2)``.
    residuals : ndarray, shape (n,)
    x_mean, sxx : float
        ``x̄`` and ``Σ (x − x̄)²``.
    """

    intercept: float
    slope: float
    covariance: np.ndarray
    residuals: np.ndarray
    x_mean: float
    sxx: float

    @property
    def rss(self) -> float:
        """Residual sum of squares, summed exactly."""
        return _sum_of_products(self.residuals, self.residuals)

    @property
    def ar1_summary(self) -> AR1Summary:
        """The pieces of :func:`~simcore.stats.posterior.ar1_posterior`: ``(XᵀX)⁻¹`` from
        the centred sums, the coefficients and the residual sum of squares."""
        n = self.residuals.size
        return AR1Summary(intercept=self.intercept, slope=self.slope,
                          v_cc=1.0 / n + self.x_mean * self.x_mean / self.sxx,
                          v_cp=-self.x_mean / self.sxx, v_pp=1.0 / self.sxx, rss=self.rss,
                          n=n)

    @property
    def slope_se(self) -> float:
        return math.sqrt(self.covariance[1, 1])

    @property
    def sigma(self) -> float:
        """Residual standard deviation with ddof = 2."""
        return math.sqrt(_sum_of_products(self.residuals, self.residuals)
                         / (self.residuals.size - 2))


def ols(x: np.ndarray, y: np.ndarray) -> Regression:
    """Ordinary least squares of ``y`` on ``[1, x]`` (needs at least 3 points).

    The closed form from centred sums: ``slope = Sxy / Sxx``, ``intercept = ȳ − slope x̄``,
    ``Var(slope) = s² / Sxx``, ``Var(intercept) = s² (1/n + x̄² / Sxx)``, ``Cov = −s² x̄ /
    Sxx`` with ``s² = RSS / (n − 2)``; every sum is :func:`math.fsum`, so the estimates are
    the same on every machine (no BLAS or LAPACK).
    """
    n = y.size
    x_bar, y_bar = _mean(x), _mean(y)
    dx, dy = x - x_bar, y - y_bar
    sxx = _sum_of_products(dx, dx)
    slope = _sum_of_products(dx, dy) / sxx
    intercept = y_bar - slope * x_bar
    residuals = dy - slope * dx
    s2 = _sum_of_products(residuals, residuals) / (n - 2)
    covariance = np.array([[s2 * (1.0 / n + x_bar * x_bar / sxx), -s2 * x_bar / sxx],
                           [-s2 * x_bar / sxx, s2 / sxx]])
    return Regression(intercept, slope, covariance, residuals, x_bar, sxx)


@dataclass(frozen=True)
class InflationFit:
    """One country's CPI inflation (fractions per year): the AR(1) by OLS, and the draws.

    ``mean`` (and its SE) is NaN when ``|persistence| ≥ 1``: a unit root or an explosive
    estimate has no mean; ``intercept`` is ``c``. ``ar1`` holds what the posterior needs of
    the OLS fit. ``draws`` (None when not asked for) is the equal-weight pool: its first
    half the Bayesian AR(1)'s posterior, its second half the local level model's.
    """

    mean: float
    mean_se: float
    persistence: float
    persistence_se: float
    volatility: float
    volatility_se: float
    initial: float
    previous: float
    n: int
    years: np.ndarray
    residuals: np.ndarray
    intercept: float
    ar1: AR1Summary
    draws: InflationDraws | None = None


@dataclass(frozen=True)
class DefenseFit:
    """Real defense budget growth ``d_t − π_kr,t`` (fractions per year)."""

    real_growth: float
    real_growth_se: float
    volatility: float
    volatility_se: float
    initial: float
    n: int
    years: np.ndarray
    residuals: np.ndarray


@dataclass(frozen=True)
class FxFit:
    """Exchange rate, log scale: the Dickey–Fuller regression (reversion κ̂, anchor X̄ in
    KRW/USD, and the 0.2 method's volatility), the increments ``y_t`` it regressed, and the
    volatility draws of a driftless random walk over the years ``window``."""

    volatility: float
    volatility_se: float
    reversion: float
    reversion_se: float
    anchor: float
    anchor_se: float
    identified: bool
    t_ratio: float
    critical_value: float
    initial: float
    n: int
    years: np.ndarray
    residuals: np.ndarray
    increments: np.ndarray
    window: tuple[int, int] | None = None
    volatility_draws: np.ndarray | None = None


@dataclass(frozen=True)
class CorrelationFit:
    """Residual correlation of the shocks, pair by pair, repaired if not PSD.

    ``smallest`` is the pairwise matrix's smallest eigenvalue (repaired below
    −PSD_TOLERANCE); ``shrink`` the factor its off-diagonals were multiplied by to stay
    positive definite when rounded (1.0: not needed;
    :func:`~simcore.stats.nearcorr.round_correlation`).
    """

    drivers: tuple[Driver, ...]
    matrix: np.ndarray
    pairwise: np.ndarray
    shared_years: np.ndarray
    repaired: bool
    distance: float
    smallest: float
    shrink: float = 1.0


@dataclass(frozen=True)
class NegotiationFit:
    """Negotiation outcomes from ``negotiations.csv``."""

    n: int
    first_year: int
    last_year: int
    increase_mean: float
    increase_sd: float
    increase_probability: float
    increase_interval: tuple[float, float]
    lapses: int
    lapse_probability: float
    lapse_interval: tuple[float, float]
    implied_concession: float
    concession_episodes: tuple[str, ...]
    configured_concession_mean: float | None


@dataclass(frozen=True)
class Calibration:
    """Everything :func:`calibrate` estimates, in the config's units (fractions, KRW/USD).

    ``ties`` are the values that :func:`round_estimates` found too close to a rounding
    boundary (or a decision's threshold) for the result to be the same on every machine.
    """

    start: int
    end: int
    source: str
    ppp: float
    kr: InflationFit
    us: InflationFit
    defense: DefenseFit | None
    fx: FxFit
    correlation: CorrelationFit
    negotiations: NegotiationFit | None = field(default=None)
    ties: tuple[Tie, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The JSON object of ``smasim calibrate --format json`` (METHODS.md §C keys)."""

        def inflation(fit: InflationFit) -> dict[str, Any]:
            out = {"mean": fit.mean, "mean_se": fit.mean_se,
                   "persistence": fit.persistence, "persistence_se": fit.persistence_se,
                   "volatility": fit.volatility, "volatility_se": fit.volatility_se,
                   "initial": fit.initial, "previous": fit.previous}
            if fit.draws is None:
                return out
            return out | {"draws": {name: draw_summary(column)
                                    for name, column in fit.draws.columns().items()}}

        fx: dict[str, Any] = {"volatility": self.fx.volatility, "reversion": self.fx.reversion,
                              "anchor": self.fx.anchor, "identified": self.fx.identified}
        if self.fx.volatility_draws is not None and self.fx.window is not None:
            fx["draws"] = {"volatility": draw_summary(self.fx.volatility_draws),
                           "window": list(self.fx.window)}
        out: dict[str, Any] = {
            "kr_inflation": inflation(self.kr),
            "us_inflation": inflation(self.us),
            "defense": None if self.defense is None else {
                "real_growth": self.defense.real_growth, "volatility": self.defense.volatility},
            "fx": fx,
            "correlation": {"drivers": list(self.correlation.drivers),
                            "matrix": self.correlation.matrix.tolist(),
                            "repaired": self.correlation.repaired,
                            "distance": self.correlation.distance},
            "years": [self.start, self.end],
        }
        if self.negotiations is not None:
            fit = self.negotiations
            out["negotiations"] = {
                "n": fit.n, "increase_mean": fit.increase_mean,
                "increase_sd": fit.increase_sd,
                "increase_probability": fit.increase_probability,
                "lapse_probability": fit.lapse_probability,
                "lapse_interval": list(fit.lapse_interval),
                "implied_concession": fit.implied_concession,
            }
        return out


def draw_summary(values: np.ndarray) -> dict[str, float]:
    """A table of draws in three numbers: its median and its 5th and 95th percentiles."""
    low, median, high = (float(v) for v in np.percentile(values, [5, 50, 95]))
    return {"median": median, "p05": low, "p95": high}


def _pair_years(observed: DriverHistory, drivers: tuple[Driver, ...], start: int,
                end: int) -> np.ndarray:
    """Years ``t`` with ``t − 1`` and ``t`` in ``[start, end]`` and every driver observed."""
    years = observed.years
    ok = np.ones(years.size, dtype=bool)
    for driver in drivers:
        ok &= ~np.isnan(observed.values[driver])
    inside = (years >= start) & (years <= end)
    now = ok & inside
    before = np.concatenate([[False], now[:-1]])
    return years[now & before]


def _values(observed: DriverHistory, driver: Driver, years: np.ndarray) -> np.ndarray:
    return observed.values[driver][years - observed.years[0]]


def _observed(observed: DriverHistory, driver: Driver, year: int) -> float:
    value = observed.at(driver, year)
    if math.isnan(value):
        raise ParameterError(f"{{end}} {year}: no {literal(driver)} observation in {year}")
    return value


def _enough(years: np.ndarray, what: str, start: int, end: int, minimum: int = 3) -> None:
    if years.size < minimum:
        raise ParameterError(
            f"{{start}}/{{end}}: {start}–{end} gives {years.size} year pairs for {what}; at least "
            f"{minimum} are needed")


def fit_inflation(observed: DriverHistory, driver: Driver, start: int, end: int
                  ) -> InflationFit:
    """AR(1) by OLS on the pairs ``(t − 1, t)`` inside ``[start, end]``."""
    years = _pair_years(observed, (driver,), start, end)
    _enough(years, driver, start, end)
    rate = _values(observed, driver, years)
    lagged = _values(observed, driver, years - 1)
    fit = ols(lagged, rate)
    phi, c = fit.slope, fit.intercept
    mean = mean_se = math.nan  # no mean at or beyond a unit root
    if abs(phi) < 1.0:
        mean = c / (1.0 - phi)
        gradient = (1.0 / (1.0 - phi), c / (1.0 - phi) ** 2)
        mean_se = math.sqrt(_quadratic_form(gradient, fit.covariance))
    sigma = fit.sigma
    return InflationFit(
        mean=mean,
        mean_se=mean_se,
        persistence=phi,
        persistence_se=fit.slope_se,
        volatility=sigma,
        volatility_se=sigma / math.sqrt(2.0 * (years.size - 2)),
        initial=_observed(observed, driver, end),
        previous=_observed(observed, driver, end - 1),
        n=int(years.size),
        years=years,
        residuals=fit.residuals,
        intercept=c,
        ar1=fit.ar1_summary,
    )


def fit_defense(observed: DriverHistory, start: int, end: int) -> DefenseFit | None:
    """Mean and sd of real defense growth; None with fewer than 2 years of data."""
    years = observed.years
    both = ~np.isnan(observed.values["defense"]) & ~np.isnan(observed.values["kr_inflation"])
    years = years[both & (years >= start) & (years <= end)]
    if years.size < 2 or math.isnan(observed.at("defense", end)):
        return None
    real = _values(observed, "defense", years) - _values(observed, "kr_inflation", years)
    mean, sd = _mean(real), _sd(real, ddof=1)
    return DefenseFit(
        real_growth=mean,
        real_growth_se=sd / math.sqrt(years.size),
        volatility=sd,
        volatility_se=sd / math.sqrt(2.0 * (years.size - 1)),
        initial=observed.at("defense", end),
        n=int(years.size),
        years=years,
        residuals=real - mean,
    )


def fit_fx(observed: DriverHistory, start: int, end: int, *, ppp: float) -> FxFit:
    """Dickey–Fuller regression of the log rate net of the PPP term."""
    years = _pair_years(observed, ("fx", "kr_inflation", "us_inflation"), start, end)
    _enough(years, "fx", start, end)
    # math.log, not np.log: numpy's SIMD logs differ from libm's in the last bit.
    log_rate = np.array([math.log(v) for v in _values(observed, "fx", years)])
    lagged = np.array([math.log(v) for v in _values(observed, "fx", years - 1)])
    gap = _values(observed, "kr_inflation", years) - _values(observed, "us_inflation", years)
    y = (log_rate - lagged) - ppp * gap
    fit = ols(lagged, y)
    kappa, kappa_se = -fit.slope, fit.slope_se
    t_ratio = kappa / kappa_se
    critical = dickey_fuller_critical(int(years.size))
    initial = _observed(observed, "fx", end)
    identified = 0.0 < kappa <= 1.0 and t_ratio > -critical
    if identified:
        log_anchor = fit.intercept / kappa
        anchor = math.exp(log_anchor)
        gradient = (anchor / kappa, anchor * fit.intercept / kappa**2)
        anchor_se = math.sqrt(_quadratic_form(gradient, fit.covariance))
        volatility, df, residuals = fit.sigma, years.size - 2, fit.residuals
    else:
        # A random walk: no reversion, no anchor to estimate; the shock is the whole change.
        kappa, kappa_se, anchor, anchor_se = 0.0, math.nan, initial, math.nan
        volatility, df, residuals = _sd(y, ddof=1), years.size - 1, y - _mean(y)
    return FxFit(
        volatility=volatility,
        volatility_se=volatility / math.sqrt(2.0 * df),
        reversion=kappa,
        reversion_se=kappa_se,
        anchor=anchor,
        anchor_se=anchor_se,
        identified=identified,
        t_ratio=t_ratio,
        critical_value=critical,
        initial=initial,
        n=int(years.size),
        years=years,
        residuals=residuals,
        increments=y,
    )


def fit_correlation(residuals: dict[Driver, tuple[np.ndarray, np.ndarray]]) -> CorrelationFit:
    """Pairwise residual correlations over shared years, repaired when not PSD.

    Parameters
    ----------
    residuals : dict of driver to (years, residuals)
        Every driver of :data:`~simcore.core.types.DRIVERS`; a driver without a fit has empty
        arrays (its correlations are 0).
    """
    k = len(DRIVERS)
    pairwise, shared = np.eye(k), np.zeros((k, k), dtype=int)
    for i, a in enumerate(DRIVERS):
        for j, b in enumerate(DRIVERS[:i]):
            years_a, res_a = residuals[a]
            years_b, res_b = residuals[b]
            common, ia, ib = np.intersect1d(years_a, years_b, return_indices=True)
            shared[i, j] = shared[j, i] = common.size
            if common.size >= MIN_SHARED_YEARS:
                pairwise[i, j] = pairwise[j, i] = _correlation(res_a[ia], res_b[ib])
        shared[i, i] = residuals[a][0].size
    repair = nearest_correlation(pairwise)
    return CorrelationFit(drivers=DRIVERS, matrix=repair.matrix, pairwise=pairwise,
                          shared_years=shared, repaired=repair.repaired,
                          distance=repair.distance, smallest=repair.smallest)


def jeffreys_interval(successes: int, n: int, level: float = INTERVAL_LEVEL
                      ) -> tuple[float, float]:
    """Equal-tailed interval of the Beta(x + ½, n − x + ½) posterior."""
    tail = (1.0 - level) / 2.0
    a, b = successes + 0.5, n - successes + 0.5
    return (float(special.betaincinv(a, b, tail)), float(special.betaincinv(a, b, 1.0 - tail)))


def fit_negotiations(history: History, *, configured_concession_mean: float | None = None
                     ) -> NegotiationFit:
    """The ``increase`` and ``lapse`` outcomes of the whole negotiation record."""
    return fit_negotiation_records(negotiation_records(history),
                                   configured_concession_mean=configured_concession_mean)


def fit_negotiation_records(records: Sequence[NegotiationRecord], *,
                            configured_concession_mean: float | None = None) -> NegotiationFit:
    """The ``increase`` and ``lapse`` outcomes of some agreements (METHODS.md §C), at full
    precision: the whole record for ``calibrate``, the agreements before one for the
    negotiation backtest."""
    n = len(records)
    if n < 2:
        raise SmasimInputError("negotiations.csv: at least 2 agreements are needed")
    changes = np.array([r.first_year_change for r in records])
    lapses = sum(r.lapse for r in records)
    episodes = [r for r in records if not math.isnan(r.implied_concession)]
    return NegotiationFit(
        n=n,
        first_year=records[0].first_year,
        last_year=records[-1].first_year,
        increase_mean=_mean(changes),
        increase_sd=_sd(changes, ddof=1),
        increase_probability=(n - lapses + 0.5) / (n + 1),
        increase_interval=jeffreys_interval(n - lapses, n),
        lapses=lapses,
        lapse_probability=(lapses + 0.5) / (n + 1),
        lapse_interval=jeffreys_interval(lapses, n),
        implied_concession=(_mean(r.implied_concession for r in episodes)
                            if episodes else math.nan),
        concession_episodes=tuple(r.agreement for r in episodes),
        configured_concession_mean=configured_concession_mean,
    )


def last_complete_year(observed: DriverHistory) -> int:
    """The last year in which both inflation rates and the exchange rate are observed."""
    complete = np.ones(observed.years.size, dtype=bool)
    for driver in ("kr_inflation", "us_inflation", "fx"):
        complete &= ~np.isnan(observed.values[driver])
    return int(observed.years[complete][-1])


def _stream(seed: int, model: str, driver: Driver) -> np.random.Generator:
    """The generator of one model's draws for one driver: a child of the draws' seed."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(_STREAMS[model, driver],)))


def inflation_draws(observed: DriverHistory, fit: InflationFit, driver: Driver, *,
                    seed: int, size: int) -> InflationDraws:
    """The equal-weight pool of ``size`` draws: the first half from the Bayesian AR(1)'s
    posterior over the fit's pairs, the second from the local level model's over the years
    from the first pair's lag to the last (MODEL.md §2; METHODS.md §C)."""
    half = size // 2
    ar1 = ar1_posterior(fit.ar1, _stream(seed, "ar1", driver), half)
    years = np.arange(int(fit.years[0]) - 1, int(fit.years[-1]) + 1)
    level = local_level_draws(local_level_posterior(_values(observed, driver, years)),
                              _stream(seed, "local_level", driver), size - half)
    return InflationDraws(**{name: np.concatenate([ar1.columns()[name], column])
                             for name, column in level.columns().items()})


def fx_volatility_draws(fit: FxFit, end: int, *, window: int, seed: int, size: int
                        ) -> tuple[tuple[int, int], np.ndarray]:
    """The years of the window and ``size`` draws of the driftless random walk's σ from the
    increments ``y_t`` of the last ``window`` years up to ``end`` (METHODS.md §C)."""
    inside = fit.years > end - window
    if int(inside.sum()) < 2:
        raise ParameterError(f"{{end}} {end}: the exchange rate has fewer than 2 increments "
                             f"in the {window} years up to it")
    years = fit.years[inside]
    draws = random_walk_variance(fit.increments[inside], _stream(seed, "random_walk", "fx"),
                                 size)
    return (int(years[0]), int(years[-1])), draws


def estimate(
    history: History,
    *,
    start: int = DEFAULT_START,
    end: int | None = None,
    ppp: float = 1.0,
    negotiations: bool = False,
    configured_concession_mean: float | None = None,
    draws: int | None = DRAWS,
    seed: int = DRAWS_SEED,
    fx_window: int = FX_WINDOW,
) -> Calibration:
    """The driver parameters over ``[start, end]`` at full precision (METHODS.md §C).

    What :func:`calibrate` rounds; for tests of the estimators and of the rounding.

    Parameters
    ----------
    history : History
        The validated data (:func:`simcore.evidence.history.load_history`).
    start, end : int
        The years; ``end`` defaults to the last year with both CPI rates and the exchange
        rate, and becomes the written scenario's base year.
    ppp : float
        β, the relative-PPP pass-through, taken as given (the base config's ``fx.ppp``).
    negotiations : bool
        Also estimate the negotiation outcomes from ``negotiations.csv``.
    configured_concession_mean : float, optional
        The base config's concession Beta mean, shown beside the implied concession.
    draws : int or None
        Draws of each driver's parameters (at least 2); None estimates the 0.2 method only
        (point estimates, the exchange rate's residuals as it had them).
    seed : int
        The draws' seed.
    fx_window : int
        Years of increments behind the exchange rate's volatility draws.
    """
    observed = history.drivers()
    end = last_complete_year(observed) if end is None else end
    if start >= end:
        raise ParameterError(f"{{start}} {start} must be before {{end}} {end}")
    if draws is not None and draws < 2:
        raise ParameterError(f"{{draws}} must be at least 2 (got {draws})")
    observed = observed.until(end)
    kr = fit_inflation(observed, "kr_inflation", start, end)
    us = fit_inflation(observed, "us_inflation", start, end)
    defense = fit_defense(observed, start, end)
    fx = fit_fx(observed, start, end, ppp=ppp)
    fx_residuals = fx.residuals
    if draws is not None:
        kr = replace(kr, draws=inflation_draws(observed, kr, "kr_inflation", seed=seed,
                                               size=draws))
        us = replace(us, draws=inflation_draws(observed, us, "us_inflation", seed=seed,
                                               size=draws))
        window, volatility = fx_volatility_draws(fx, end, window=fx_window, seed=seed,
                                                 size=draws)
        fx = replace(fx, window=window, volatility_draws=volatility)
        # A random walk's shocks: the increments about their mean, whatever Dickey–Fuller says.
        fx_residuals = fx.increments - _mean(fx.increments)
    empty = (np.zeros(0, dtype=int), np.zeros(0))
    correlation = fit_correlation({
        "kr_inflation": (kr.years, kr.residuals),
        "us_inflation": (us.years, us.residuals),
        "fx": (fx.years, fx_residuals),
        "defense": empty if defense is None else (defense.years, defense.residuals),
    })
    return Calibration(
        start=start, end=end, source=history.source, ppp=ppp, kr=kr, us=us,
        defense=defense, fx=fx, correlation=correlation,
        negotiations=fit_negotiations(
            history, configured_concession_mean=configured_concession_mean)
        if negotiations else None,
    )


_Fit = TypeVar("_Fit", InflationFit, DefenseFit, FxFit, NegotiationFit)


def _round_fields(fit: _Fit, prefix: str, digits: dict[str, int], rounder: Rounder) -> _Fit:
    """``fit`` with each named field rounded to its significant digits."""
    rounded: dict[str, Any] = {
        name: rounder.significant(f"{prefix}.{name}", getattr(fit, name), d)
        for name, d in digits.items()}
    return replace(fit, **rounded)


def _estimates(*names: str) -> dict[str, int]:
    """Each estimate to :data:`ESTIMATE_DIGITS` and its ``_se`` to :data:`SE_DIGITS`."""
    return {key: digits for name in names
            for key, digits in ((name, ESTIMATE_DIGITS), (f"{name}_se", SE_DIGITS))}


def _rounded_array(rounder: Rounder, name: str, values: np.ndarray) -> np.ndarray:
    return rounder.significant_values(name, values, ESTIMATE_DIGITS)


def _round_draws(fit: InflationFit, prefix: str, rounder: Rounder) -> InflationFit:
    """``fit`` with every draw to :data:`ESTIMATE_DIGITS` significant digits."""
    if fit.draws is None:
        return fit
    return replace(fit, draws=InflationDraws(**{
        name: _rounded_array(rounder, f"{prefix}.{name} draw", column)
        for name, column in fit.draws.columns().items()}))


def round_negotiations(fit: NegotiationFit, rounder: Rounder) -> NegotiationFit:
    """The ``increase`` outcome's mean and sd to :data:`ESTIMATE_DIGITS` significant digits,
    as a scenario uses them (the probabilities are exact ratios of counts)."""
    return _round_fields(fit, "negotiation.increase",
                         {"increase_mean": ESTIMATE_DIGITS, "increase_sd": ESTIMATE_DIGITS},
                         rounder)


def round_estimates(raw: Calibration) -> Calibration:
    """The estimates rounded as METHODS.md §C states, with the ties found.

    Estimates a scenario uses to :data:`ESTIMATE_DIGITS` significant digits, their standard
    errors to :data:`SE_DIGITS`, correlations to :data:`CORRELATION_DECIMALS` decimals (kept
    positive definite: :func:`~simcore.stats.nearcorr.round_correlation`), the Dickey–Fuller
    t-ratio and critical value to :data:`T_RATIO_DECIMALS` decimals, the repair's distance
    to :data:`DISTANCE_DIGITS` digits. Observations (``initial``, ``previous``, the
    anchor of a random walk) are the data's, and the outcome probabilities exact ratios of
    counts: neither is touched. Ties are values within
    :data:`~simcore.core.rounding.TIE_BAND` of a rounding boundary, and the two decisions taken
    on computed numbers (the Dickey–Fuller test, whether to repair) within it of their
    thresholds.
    """
    rounder = Rounder()
    inflation = _estimates("mean", "persistence", "volatility") | {"intercept": ESTIMATE_DIGITS}
    kr = _round_draws(_round_fields(raw.kr, "inflation.kr", inflation, rounder),
                      "inflation.kr", rounder)
    us = _round_draws(_round_fields(raw.us, "inflation.us", inflation, rounder),
                      "inflation.us", rounder)
    defense = (None if raw.defense is None else _round_fields(
        raw.defense, "defense", _estimates("real_growth", "volatility"), rounder))
    fx = raw.fx
    identified = ("identified", "a random walk")
    rounder.decision("fx: Dickey–Fuller κ̂/SE against the critical value", fx.t_ratio,
                     -fx.critical_value, *(identified if fx.identified else identified[::-1]))
    fx = _round_fields(fx, "fx", _estimates("volatility", "reversion")
                       | ({"anchor": ESTIMATE_DIGITS, "anchor_se": SE_DIGITS}
                          if fx.identified else {}), rounder)
    fx = replace(fx, t_ratio=rounder.decimals("fx.t_ratio", fx.t_ratio, T_RATIO_DECIMALS),
                 critical_value=rounder.decimals("fx.critical_value", fx.critical_value,
                                                 T_RATIO_DECIMALS),
                 volatility_draws=None if fx.volatility_draws is None else _rounded_array(
                     rounder, "fx.volatility draw", fx.volatility_draws))
    correlation = raw.correlation
    repair = ("repaired", "as estimated")
    rounder.decision("shocks.correlation: smallest eigenvalue against the repair threshold",
                     correlation.smallest, -PSD_TOLERANCE,
                     *(repair if correlation.repaired else repair[::-1]))
    matrix, shrink = round_correlation(correlation.matrix, CORRELATION_DECIMALS, rounder,
                                       correlation.drivers)
    correlation = replace(correlation, matrix=matrix, shrink=shrink, distance=rounder.significant(
        "shocks.correlation distance", correlation.distance, DISTANCE_DIGITS))
    negotiations = (None if raw.negotiations is None
                    else round_negotiations(raw.negotiations, rounder))
    return replace(raw, kr=kr, us=us, defense=defense, fx=fx, correlation=correlation,
                   negotiations=negotiations, ties=tuple(rounder.ties))


def calibrate(
    history: History,
    *,
    start: int = DEFAULT_START,
    end: int | None = None,
    ppp: float = 1.0,
    negotiations: bool = False,
    configured_concession_mean: float | None = None,
    draws: int | None = DRAWS,
    seed: int = DRAWS_SEED,
    fx_window: int = FX_WINDOW,
) -> Calibration:
    """Estimate the driver parameters over ``[start, end]``, rounded (METHODS.md §C).

    :func:`estimate` (the parameters are its), then :func:`round_estimates`: what a
    scenario, the backtest and the written file use, the same on every machine except at
    a reported tie (:attr:`Calibration.ties`).
    """
    return round_estimates(estimate(
        history, start=start, end=end, ppp=ppp, negotiations=negotiations,
        configured_concession_mean=configured_concession_mean, draws=draws, seed=seed,
        fx_window=fx_window))

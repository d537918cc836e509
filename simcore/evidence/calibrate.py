"""Driver parameters estimated from the shipped history (METHODS.md §C), each with its SE.

Over the years ``[start, end]``, by ordinary least squares:

- inflation, per country: ``π_t = c + φ π_{t−1} + e_t``; ``persistence = φ``, ``mean =
  c / (1 − φ)`` (delta-method SE), ``volatility = sd(e)`` (ddof 2). φ̂ is biased downward
  in small samples (about −(1 + 3φ)/n); the bias is reported in the docs, not corrected;
- defense growth: ``real_growth = mean(d_t − π_kr,t)``, ``volatility = sd(d_t − π_kr,t)``
  (ddof 1) over the years with both;
- exchange rate: ``y_t = Δx_t − β (π_kr,t − π_us,t)`` on ``x_{t−1}`` (a Dickey–Fuller
  regression): ``κ = −slope``, ``ln X̄ = intercept / κ``, identified only when ``κ̂ ∈ (0, 1]``
  and ``κ̂ / SE(κ̂)`` exceeds the 5% Dickey–Fuller critical value with a constant (MacKinnon
  2010); otherwise a random walk (``κ = 0``, ``X̄`` the last observed rate, ``volatility =
  sd(y)``);
- the shock correlation: each pair's correlation of residuals over the years it shares (0
  below :data:`MIN_SHARED_YEARS`), repaired to the nearest correlation matrix if needed.

With ``negotiations=True`` also the negotiation outcomes of ``negotiations.csv``: an
``increase`` outcome (mean and sd of the first-year changes) and a ``lapse`` outcome, their
probabilities the Jeffreys posterior means with 95% intervals, and the implied concession
share of the one demand episode.

Everything here is a pure function of the data and the years; nothing reads a config's
parameters except ``ppp`` (β), which the data do not identify.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from simcore.core.errors import ParameterError, SmasimInputError, literal
from simcore.core.types import DRIVERS, Driver
from simcore.evidence.history import DriverHistory, History, negotiation_records
from simcore.stats.nearcorr import nearest_correlation

#: First year of the default calibration window (METHODS.md §C).
DEFAULT_START = 2000
#: A pair of drivers sharing fewer residual years than this gets correlation 0.
MIN_SHARED_YEARS = 8
#: MacKinnon (2010), Table 2, τ_c (constant, no trend), 5%: β∞, β1, β2, β3 of
#: ``β∞ + β1/T + β2/T² + β3/T³``.
DICKEY_FULLER_5PCT = (-2.86154, -2.8903, -4.234, -40.040)
#: Level of the Jeffreys intervals printed beside the outcome probabilities.
INTERVAL_LEVEL = 0.95


def dickey_fuller_critical(n: int) -> float:
    """The 5% Dickey–Fuller critical value (with a constant) for ``n`` observations.

    MacKinnon (2010) response surface; about −2.99 at n = 25. The test rejects a unit
    root (κ identified) when ``κ̂ / SE(κ̂) > −critical``.
    """
    b_inf, b1, b2, b3 = DICKEY_FULLER_5PCT
    return b_inf + b1 / n + b2 / n**2 + b3 / n**3


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
    """

    intercept: float
    slope: float
    covariance: np.ndarray
    residuals: np.ndarray

    @property
    def slope_se(self) -> float:
        return math.sqrt(self.covariance[1, 1])

    @property
    def sigma(self) -> float:
        """Residual standard deviation with ddof = 2."""
        return math.sqrt(float(self.residuals @ self.residuals) / (self.residuals.size - 2))


def ols(x: np.ndarray, y: np.ndarray) -> Regression:
    """Ordinary least squares of ``y`` on ``[1, x]`` (needs at least 3 points)."""
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coef
    s2 = float(residuals @ residuals) / (y.size - 2)
    covariance = s2 * np.linalg.inv(design.T @ design)
    return Regression(float(coef[0]), float(coef[1]), covariance, residuals)


@dataclass(frozen=True)
class InflationFit:
    """AR(1) of one country's CPI inflation (fractions per year)."""

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
    """Exchange rate, log scale: reversion κ, anchor X̄ (KRW/USD), volatility."""

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


@dataclass(frozen=True)
class CorrelationFit:
    """Residual correlation of the shocks, pair by pair, repaired if not PSD."""

    drivers: tuple[Driver, ...]
    matrix: np.ndarray
    pairwise: np.ndarray
    shared_years: np.ndarray
    repaired: bool
    distance: float


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
    """Everything :func:`calibrate` estimates, in the config's units (fractions, KRW/USD)."""

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

    def as_json(self) -> dict[str, Any]:
        """The JSON object of ``smasim calibrate --format json`` (METHODS.md §C keys)."""

        def inflation(fit: InflationFit) -> dict[str, float]:
            return {"mean": fit.mean, "mean_se": fit.mean_se,
                    "persistence": fit.persistence, "persistence_se": fit.persistence_se,
                    "volatility": fit.volatility, "volatility_se": fit.volatility_se,
                    "initial": fit.initial, "previous": fit.previous}

        out: dict[str, Any] = {
            "kr_inflation": inflation(self.kr),
            "us_inflation": inflation(self.us),
            "defense": None if self.defense is None else {
                "real_growth": self.defense.real_growth, "volatility": self.defense.volatility},
            "fx": {"volatility": self.fx.volatility, "reversion": self.fx.reversion,
                   "anchor": self.fx.anchor, "identified": self.fx.identified},
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
    gradient = np.array([1.0 / (1.0 - phi), c / (1.0 - phi) ** 2])
    sigma = fit.sigma
    return InflationFit(
        mean=c / (1.0 - phi),
        mean_se=math.sqrt(float(gradient @ fit.covariance @ gradient)),
        persistence=phi,
        persistence_se=fit.slope_se,
        volatility=sigma,
        volatility_se=sigma / math.sqrt(2.0 * (years.size - 2)),
        initial=_observed(observed, driver, end),
        previous=_observed(observed, driver, end - 1),
        n=int(years.size),
        years=years,
        residuals=fit.residuals,
    )


def fit_defense(observed: DriverHistory, start: int, end: int) -> DefenseFit | None:
    """Mean and sd of real defense growth; None with fewer than 2 years of data."""
    years = observed.years
    both = ~np.isnan(observed.values["defense"]) & ~np.isnan(observed.values["kr_inflation"])
    years = years[both & (years >= start) & (years <= end)]
    if years.size < 2 or math.isnan(observed.at("defense", end)):
        return None
    real = _values(observed, "defense", years) - _values(observed, "kr_inflation", years)
    mean, sd = float(real.mean()), float(real.std(ddof=1))
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
    log_rate = np.log(_values(observed, "fx", years))
    lagged = np.log(_values(observed, "fx", years - 1))
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
        gradient = math.exp(log_anchor) * np.array([1.0 / kappa, fit.intercept / kappa**2])
        anchor = math.exp(log_anchor)
        anchor_se = math.sqrt(float(gradient @ fit.covariance @ gradient))
        volatility, df, residuals = fit.sigma, years.size - 2, fit.residuals
    else:
        # A random walk: no reversion, no anchor to estimate; the shock is the whole change.
        kappa, kappa_se, anchor, anchor_se = 0.0, math.nan, initial, math.nan
        volatility, df, residuals = float(y.std(ddof=1)), years.size - 1, y - y.mean()
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
                pairwise[i, j] = pairwise[j, i] = np.corrcoef(res_a[ia], res_b[ib])[0, 1]
        shared[i, i] = residuals[a][0].size
    repair = nearest_correlation(pairwise)
    return CorrelationFit(drivers=DRIVERS, matrix=repair.matrix, pairwise=pairwise,
                          shared_years=shared, repaired=repair.repaired,
                          distance=repair.distance)


def jeffreys_interval(successes: int, n: int, level: float = INTERVAL_LEVEL
                      ) -> tuple[float, float]:
    """Equal-tailed interval of the Beta(x + ½, n − x + ½) posterior."""
    tail = (1.0 - level) / 2.0
    a, b = successes + 0.5, n - successes + 0.5
    return (float(special.betaincinv(a, b, tail)), float(special.betaincinv(a, b, 1.0 - tail)))


def fit_negotiations(history: History, *, configured_concession_mean: float | None = None
                     ) -> NegotiationFit:
    """The ``increase`` and ``lapse`` outcomes of the whole negotiation record."""
    records = negotiation_records(history)
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
        increase_mean=float(changes.mean()),
        increase_sd=float(changes.std(ddof=1)),
        increase_probability=(n - lapses + 0.5) / (n + 1),
        increase_interval=jeffreys_interval(n - lapses, n),
        lapses=lapses,
        lapse_probability=(lapses + 0.5) / (n + 1),
        lapse_interval=jeffreys_interval(lapses, n),
        implied_concession=(float(np.mean([r.implied_concession for r in episodes]))
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


def calibrate(
    history: History,
    *,
    start: int = DEFAULT_START,
    end: int | None = None,
    ppp: float = 1.0,
    negotiations: bool = False,
    configured_concession_mean: float | None = None,
) -> Calibration:
    """Estimate the driver parameters over ``[start, end]`` (METHODS.md §C).

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
    """
    observed = history.drivers()
    end = last_complete_year(observed) if end is None else end
    if start >= end:
        raise ParameterError(f"{{start}} {start} must be before {{end}} {end}")
    observed = observed.until(end)
    kr = fit_inflation(observed, "kr_inflation", start, end)
    us = fit_inflation(observed, "us_inflation", start, end)
    defense = fit_defense(observed, start, end)
    fx = fit_fx(observed, start, end, ppp=ppp)
    empty = (np.zeros(0, dtype=int), np.zeros(0))
    correlation = fit_correlation({
        "kr_inflation": (kr.years, kr.residuals),
        "us_inflation": (us.years, us.residuals),
        "fx": (fx.years, fx.residuals),
        "defense": empty if defense is None else (defense.years, defense.residuals),
    })
    return Calibration(
        start=start, end=end, source=history.source, ppp=ppp, kr=kr, us=us,
        defense=defense, fx=fx, correlation=correlation,
        negotiations=fit_negotiations(
            history, configured_concession_mean=configured_concession_mean)
        if negotiations else None,
    )

"""Do the model's intervals cover what happened? Rolling-origin backtests (METHODS.md §C).

**Drivers.** For each origin year ``T``: calibrate on the data from the window start up to
``T`` only (:func:`simcore.evidence.calibrate.calibrate` cuts every later year away; a parameter the
data do not identify takes a default fixed without data: ``κ = 0``, correlation 0), start
the drivers at the values observed in ``T`` (and ``T − 1``), simulate ``h = 1 … H`` years
ahead through the public engine (:func:`simcore.model.engine.simulate`), and score each realized
value: the mid-PIT, whether it lies in the central 50/80/90% intervals, and the CRPS beside
the no-change forecast's. A driver with fewer than :data:`MIN_PAIRS` pairs at an origin is
not scored there (its forecast is NaN).

The method is the shipped default's (``posterior``): the calibration's parameter draws, the
inflation pool and the exchange rate's random walk with β = 0 (MODEL.md §2, §2a, §4). The
0.2 method (``plug-in``: OLS point estimates, κ where Dickey–Fuller rejects a unit root,
β = 1) is simulated beside it as the benchmark of the acceptance rule, and can be scored
itself.

**Acceptance.** Per driver (:func:`acceptance`): the Wilson 95% interval of each central
interval's hit rate contains its level at leads 1 and 2; Berkowitz's (2001) test at lead 1
has p ≥ 0.01; the mean PIT lies within two null sds of 0.5 at every lead
(:func:`simcore.stats.forecast_tests.mean_pit_null_sd`); the CRPS averaged over leads is at
most 1.05 times the benchmark's and below the no-change forecast's at every lead.

**SMA amounts.** The 8th, 9th, 11th and 12th agreements, each from the year before its
first year, given its known amounts, under its own escalation rule, drivers calibrated up to
the origin; the ``official`` rows of ``sma_amounts.csv`` are scored, an amount the origin's
data already fix is "determined".

The simulations use today's revised data, not what was known at the time.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

import numpy as np

from simcore.analysis.negotiation_backtest import (
    NegotiationBacktest,
    negotiation_backtest_of,
    negotiation_dataset,
)
from simcore.config.schema import Scenario, scenario_from_dict
from simcore.core.design import block_bounds, block_count
from simcore.core.errors import ParameterError, SmasimInputError
from simcore.core.records import record_number
from simcore.core.types import DRIVERS, Driver
from simcore.evidence.calibrate import DEFAULT_PPP, Calibration, InflationFit, calibrate
from simcore.evidence.history import KRW_PER_100M, History
from simcore.model.engine import simulate, simulate_paths
from simcore.model.params import resolve_params
from simcore.model.sampling import BlockInputs, correlate_inputs, draw_inputs
from simcore.stats.forecast_tests import berkowitz_test, mean_pit_null_sd
from simcore.stats.posterior import PERSISTENCE_BOUND

if TYPE_CHECKING:  # xarray is loaded only to write or read a file
    import xarray as xr

#: Quantile levels stored per forecast (METHODS.md §C).
LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
#: Central intervals scored; each one's bounds are levels of :data:`LEVELS`.
INTERVALS = (0.5, 0.8, 0.9)
DEFAULT_FROM = 2010
DEFAULT_WINDOW_START = 2000
DEFAULT_HORIZON = 6
DEFAULT_SAMPLES = 100_000
#: The seed of every backtest simulation (the shipped configs' seed): results reproduce.
SEED = 20261128
#: The file kind (:data:`~simcore.io.layout.OTHER_KINDS`) of a backtest file.
BACKTEST_KIND = "backtest"
#: A driver with fewer pairs (years, for defense) at an origin is not scored there.
MIN_PAIRS = 10
#: The 97.5% standard normal quantile of the Wilson 95% interval.
_Z95 = 1.959963984540054
#: How the drivers are simulated: the shipped default's parameter draws, or the 0.2 method's
#: point estimates (the acceptance rule's benchmark).
Method = Literal["posterior", "plug-in"]
METHODS: tuple[Method, ...] = ("posterior", "plug-in")
DEFAULT_METHOD: Method = "posterior"
#: The 0.2 method's PPP pass-through, fixed in its backtests.
PLUG_IN_PPP = 1.0
#: The acceptance rule (METHODS.md §C): leads whose coverage is tested, the smallest
#: Berkowitz p-value, the mean PIT's band in null sds, the largest CRPS ratio to the
#: benchmark averaged over leads, and the origins a driver needs at lead 1 to be judged.
COVERAGE_LEADS = (1, 2)
BERKOWITZ_LEVEL = 0.01
PIT_BAND_SDS = 2.0
CRPS_RATIO_LIMIT = 1.05
MIN_JUDGED_ORIGINS = 10
#: The name of the CRPS-ratio check.
CRPS_RATIO_CHECK = "CRPS / 0.2 method's, mean over leads"
#: The engine's variable of each driver.
VARIABLE: dict[Driver, str] = {
    "kr_inflation": "inflation_kr",
    "us_inflation": "inflation_us",
    "fx": "fx_krw_per_usd",
    "defense": "defense_growth",
}
UNITS: dict[Driver, str] = {
    "kr_inflation": "1", "us_inflation": "1", "fx": "KRW/USD", "defense": "1",
}


@dataclass(frozen=True)
class SmaCase:
    """An agreement with a formula, as the SMA backtest replays it."""

    agreement: str
    origin: int
    known_years: tuple[int, ...]
    escalation: dict[str, Any]


#: The agreements with a formula (METHODS.md §C).
SMA_CASES = (
    SmaCase("8th", 2008, (2009,), {"rule": "cpi", "cap": 0.04, "lag": 2}),
    SmaCase("9th", 2013, (2014,), {"rule": "cpi", "cap": 0.04, "lag": 2}),
    SmaCase("11th", 2019, (2020, 2021), {"rule": "defense_budget", "lag": 1}),
    SmaCase("12th", 2025, (2026,), {"rule": "cpi", "cap": 0.05, "lag": 2}),
)


def _inflation_section(fit: InflationFit, method: Method) -> dict[str, Any]:
    observed = {"initial": fit.initial, "previous": fit.previous}
    if method == "plug-in":
        if abs(fit.persistence) < 1.0:
            return observed | {"mean": fit.mean, "persistence": fit.persistence,
                               "volatility": fit.volatility}
        # At or beyond a unit root the 0.2 method cannot simulate: the benchmark keeps the
        # intercept and takes the stationary bound's persistence (METHODS.md §C).
        phi = math.copysign(PERSISTENCE_BOUND, fit.persistence)
        return observed | {"mean": fit.intercept / (1.0 - phi), "persistence": phi,
                           "volatility": fit.volatility}
    if fit.draws is None:
        raise ValueError("the posterior method needs the calibration's draws")
    return observed | {name: column.tolist() for name, column in fit.draws.columns().items()}


def _fx_section(calibration: Calibration, method: Method) -> dict[str, Any]:
    fx = calibration.fx
    if method == "plug-in":
        return {"initial": fx.initial, "anchor": fx.anchor, "reversion": fx.reversion,
                "ppp": calibration.ppp, "volatility": fx.volatility}
    if fx.volatility_draws is None:
        raise ValueError("the posterior method needs the calibration's draws")
    return {"initial": fx.initial, "anchor": fx.initial, "reversion": 0.0,
            "ppp": calibration.ppp, "volatility": fx.volatility_draws.tolist(),
            "real_anchor": True}


def calibrate_for(history: History, method: Method, *, window_start: int, origin: int
                  ) -> Calibration:
    """The calibration a method simulates from at ``origin``: the shipped default's (draws,
    β = :data:`~simcore.evidence.calibrate.DEFAULT_PPP`) or the 0.2 method's (point
    estimates, β = :data:`PLUG_IN_PPP`)."""
    if method == "plug-in":
        return calibrate(history, start=window_start, end=origin, ppp=PLUG_IN_PPP, draws=None)
    return calibrate(history, start=window_start, end=origin, ppp=DEFAULT_PPP)


def _minimal_scenario(calibration: Calibration, *, horizon: int, samples: int,
                      agreement: dict[str, Any], method: Method) -> Scenario:
    """A scenario that carries the calibrated drivers from the origin; troops and
    negotiations inert (one troop level, no reopening, no negotiation inside the horizon)."""
    c = calibration
    data: dict[str, Any] = {
        "run": {"name": "backtest", "base_year": c.end, "horizon": horizon,
                "samples": samples, "seed": SEED},
        "inflation": {"kr": _inflation_section(c.kr, method),
                      "us": _inflation_section(c.us, method)},
        "fx": _fx_section(c, method),
        "shocks": {"drivers": list(c.correlation.drivers),
                   "correlation": c.correlation.matrix.tolist()},
        "troops": {"levels": [1], "initial": 1, "transition": [[1.0]]},
        "us_cost": {"base_usd": 0.0, "offset_share": 0.0},
        "agreement": agreement,
        "negotiation": {"outcomes": [{"kind": "status_quo", "probability": 1.0, "term": 1}]},
    }
    if c.defense is not None:
        data["defense"] = {"initial": c.defense.initial, "real_growth": c.defense.real_growth,
                           "volatility": c.defense.volatility}
    return scenario_from_dict(data, source=f"backtest origin {c.end}")


def _driver_scenario(calibration: Calibration, *, horizon: int, samples: int,
                     method: Method) -> Scenario:
    """The minimal scenario of the drivers from the calibration's last year."""
    # An agreement whose rule reads defense growth makes the engine return it.
    rule = ({"rule": "defense_budget"} if calibration.defense is not None
            else {"rule": "fixed", "rate": 0.0})
    return _minimal_scenario(
        calibration, horizon=horizon, samples=samples, method=method,
        agreement={"name": "none", "base_year_amount_krw": 1e12,
                   "last_year": calibration.end + horizon, "escalation": rule})


def driver_paths(calibration: Calibration, *, horizon: int, samples: int,
                 method: Method = DEFAULT_METHOD,
                 inputs: Sequence[BlockInputs] | None = None) -> dict[Driver, np.ndarray]:
    """Simulated driver paths from the calibration's last year, shape (samples, horizon).

    The paths of ``simulate(scenario, seed=SEED)``; ``inputs`` (the blocks' independent
    inputs, drawn once with every kind by :func:`backtest_inputs`) saves drawing them again
    for each origin and method: the same numbers either way.
    """
    scenario = _driver_scenario(calibration, horizon=horizon, samples=samples, method=method)
    if inputs is None:
        values = simulate(scenario, seed=SEED)
    else:
        params = resolve_params(scenario)
        blocks = [simulate_paths(params, correlate_inputs(params, block)) for block in inputs]
        values = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
    return {d: values[VARIABLE[d]] for d in DRIVERS if VARIABLE[d] in values}


def backtest_inputs(history: History, *, origin: int, window_start: int, horizon: int,
                    samples: int) -> list[BlockInputs]:
    """The independent inputs of every block of a backtest's simulations (seed
    :data:`SEED`), every kind drawn: one draw serves every origin and method."""
    calibration = calibrate_for(history, "plug-in", window_start=window_start, origin=origin)
    params = resolve_params(_driver_scenario(calibration, horizon=horizon, samples=samples,
                                             method="plug-in"))
    return [draw_inputs(params, seed=SEED, block=b, n=stop - start, every_kind=True)
            for b in range(block_count(samples))
            for start, stop in [block_bounds(b, samples)]]


def mid_pit(sorted_samples: np.ndarray, realized: np.ndarray) -> np.ndarray:
    """``(#{x < y} + ½ #{x = y}) / n`` per column; ``sorted_samples`` (n, m), ``realized`` (m,)."""
    n = sorted_samples.shape[0]
    below = np.array([np.searchsorted(sorted_samples[:, j], y, side="left")
                      for j, y in enumerate(realized)])
    upto = np.array([np.searchsorted(sorted_samples[:, j], y, side="right")
                     for j, y in enumerate(realized)])
    return (below + 0.5 * (upto - below)) / n


def crps_sorted(sorted_samples: np.ndarray, realized: np.ndarray) -> np.ndarray:
    """CRPS of the sample forecast per column: ``E|X − y| − ½ E|X − X'|``.

    With the samples sorted, ``Σ_ij |x_i − x_j| = 2 Σ_i (2i − n − 1) x_(i)`` (i from 1),
    summed as numpy's pairwise reduction of elementwise products over contiguous samples
    (an order fixed by ``n``, not the BLAS kernel's).
    """
    n = sorted_samples.shape[0]
    weights = 2.0 * np.arange(1, n + 1) - n - 1.0
    spread = (np.ascontiguousarray(sorted_samples.T) * weights).sum(axis=1) / n**2
    return np.abs(sorted_samples - realized).mean(axis=0) - spread


def wilson_interval(rate: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% score interval of a proportion ``rate`` observed on ``n`` trials."""
    rate, n = np.asarray(rate, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z2n = _Z95**2 / n
        centre = (rate + z2n / 2.0) / (1.0 + z2n)
        half = _Z95 * np.sqrt(rate * (1.0 - rate) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    return centre - half, centre + half


def interval_hits(forecast: np.ndarray, realized: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Hits of the central intervals and the number scored.

    Parameters
    ----------
    forecast : ndarray, shape (..., level)
        Quantiles at :data:`LEVELS`; NaN where not scored.
    realized : ndarray, shape (...)
        NaN where not observed.

    Returns
    -------
    hits : ndarray of int, shape (..., len(INTERVALS))
        Whether the realized value lies in each closed central interval.
    scored : ndarray of bool, shape (...)
    """
    scored = np.isfinite(realized) & np.isfinite(forecast[..., 0])
    hits = []
    for level in INTERVALS:
        lo = forecast[..., LEVELS.index(round((1 - level) / 2, 10))]
        hi = forecast[..., LEVELS.index(round((1 + level) / 2, 10))]
        hits.append(scored & (lo <= realized) & (realized <= hi))
    return np.stack(hits, axis=-1), scored


@dataclass(frozen=True)
class DriverBacktest:
    """Per driver, origin and lead: the forecast quantiles, the data and the scores.

    Arrays are shaped (driver, origin, lead) (``forecast`` with a last ``level`` axis);
    NaN where a driver is not scored at an origin or the value is not yet observed.
    ``crps_benchmark`` is the 0.2 method's CRPS (None: not simulated, e.g. a backtest read
    from a file; the acceptance rule then has no CRPS ratio).
    """

    origins: np.ndarray
    leads: np.ndarray
    forecast: np.ndarray
    realized: np.ndarray
    pit: np.ndarray
    crps: np.ndarray
    crps_no_change: np.ndarray
    window_start: int
    samples: int
    source: str
    method: Method = DEFAULT_METHOD
    crps_benchmark: np.ndarray | None = None


def backtest_drivers(history: History, *, start: int = DEFAULT_FROM, end: int | None = None,
                     window_start: int = DEFAULT_WINDOW_START, horizon: int = DEFAULT_HORIZON,
                     samples: int = DEFAULT_SAMPLES, method: Method = DEFAULT_METHOD,
                     ) -> DriverBacktest:
    """Rolling-origin forecasts of the four drivers, scored against the data; the plug-in
    benchmark's CRPS beside (the same numbers when ``method`` is the benchmark)."""
    if method not in METHODS:
        raise ParameterError(f"{{method}} {method!r}: choose from {', '.join(METHODS)}")
    observed = history.drivers()
    last_data = int(observed.years[-1])
    end = last_data - 1 if end is None else end
    if not window_start < start <= end:
        raise ParameterError(
            f"{{window_start}} {window_start}, {{start}} {start}, {{end}} {end}: the origins "
            "must lie after the window start, {start} not after {end}")
    if horizon < 1 or samples < 2:
        raise ParameterError("{horizon} must be ≥ 1 and {samples} ≥ 2")
    origins = np.arange(start, end + 1)
    leads = np.arange(1, horizon + 1)
    shape = (len(DRIVERS), origins.size, horizon)
    forecast = np.full((*shape, len(LEVELS)), np.nan)
    realized, pit, crps, no_change, benchmark = (np.full(shape, np.nan) for _ in range(5))
    inputs = backtest_inputs(history, origin=start, window_start=window_start,
                             horizon=horizon, samples=samples)
    for o, origin in enumerate(origins):
        simulated = {}
        for how in dict.fromkeys((method, "plug-in")):
            calibration = calibrate_for(history, how, window_start=window_start,
                                        origin=int(origin))
            simulated[how] = (calibration, driver_paths(calibration, horizon=horizon,
                                                        samples=samples, method=how,
                                                        inputs=inputs))
        calibration, paths = simulated[method]
        for d, driver in enumerate(DRIVERS):
            realized[d, o] = [observed.at(driver, int(origin + h)) for h in leads]
            if driver not in paths or _pairs(calibration, driver) < MIN_PAIRS:
                continue
            ordered = np.sort(paths[driver], axis=0)
            forecast[d, o] = np.quantile(ordered, LEVELS, axis=0).T
            seen = np.isfinite(realized[d, o])
            pit[d, o, seen] = mid_pit(ordered[:, seen], realized[d, o, seen])
            crps[d, o, seen] = crps_sorted(ordered[:, seen], realized[d, o, seen])
            no_change[d, o, seen] = np.abs(realized[d, o, seen] - observed.at(driver, int(origin)))
            reference = np.sort(simulated["plug-in"][1][driver][:, seen], axis=0)
            benchmark[d, o, seen] = crps_sorted(reference, realized[d, o, seen])
    return DriverBacktest(origins=origins, leads=leads, forecast=forecast, realized=realized,
                          pit=pit, crps=crps, crps_no_change=no_change,
                          crps_benchmark=benchmark, window_start=window_start,
                          samples=samples, source=history.source, method=method)


class _Fit(Protocol):
    @property
    def n(self) -> int: ...


def _pairs(calibration: Calibration, driver: Driver) -> int:
    """Year pairs the driver's estimates rest on (0 where the data have none)."""
    fits: dict[str, _Fit | None] = {"kr_inflation": calibration.kr, "us_inflation": calibration.us,
            "fx": calibration.fx, "defense": calibration.defense}
    fit = fits[driver]
    return 0 if fit is None else fit.n


class StoredBacktest(NamedTuple):
    """What a backtest file keeps (:func:`read_backtest`): the forecasts, the data and the
    PIT, shaped as in :class:`DriverBacktest`; not the CRPS."""

    forecast: np.ndarray
    realized: np.ndarray
    pit: np.ndarray
    leads: np.ndarray


@dataclass(frozen=True)
class CoverageRow:
    """How often one driver's realized values fell inside one central forecast interval.

    One record of ``smasim backtest --format json``'s ``drivers``: per driver, lead and
    interval level, over the origins scored.

    Attributes
    ----------
    driver : str
        Backtested driver.
    lead : int
        Years between the origin and the realized value.
    level : float
        Nominal coverage of the central interval (0.8 for P10–P90).
    hits, n : int
        Origins whose realized value was inside, and origins scored.
    n_eff : int
        ``⌈n / lead⌉``: origins counted as independent for the interval (forecasts whose
        horizons overlap are not independent).
    rate, rate_lower, rate_upper : float
        ``hits / n`` and its Wilson 95 % interval on ``n_eff``.
    mean_pit, sd_pit : float
        Mean and standard deviation (ddof 1; NaN for one origin) of the PIT over the
        origins scored; 0.5 and 0.29 for a calibrated forecast. The same for every level.
    mean_crps, mean_crps_no_change : float
        Mean CRPS of the forecast and of the no-change forecast, in the driver's units;
        NaN where not known (a backtest file keeps no CRPS).
    """

    driver: str
    lead: int
    level: float
    hits: int
    n: int
    n_eff: int
    rate: float
    rate_lower: float
    rate_upper: float
    mean_pit: float = math.nan
    sd_pit: float = math.nan
    mean_crps: float = math.nan
    mean_crps_no_change: float = math.nan

    def as_record(self) -> dict[str, object]:
        """A flat mapping for CSV/JSON (an undefined number is None)."""
        return {"driver": self.driver, "lead": self.lead, "level": self.level,
                "hits": self.hits, "n": self.n, "n_eff": self.n_eff,
                "rate": record_number(self.rate), "rate_lower": record_number(self.rate_lower),
                "rate_upper": record_number(self.rate_upper),
                "mean_pit": record_number(self.mean_pit), "sd_pit": record_number(self.sd_pit),
                "mean_crps": record_number(self.mean_crps),
                "mean_crps_no_change": record_number(self.mean_crps_no_change)}


def coverage_rows(result: DriverBacktest | StoredBacktest) -> list[CoverageRow]:
    """Per driver, lead and central interval (:data:`INTERVALS`): the hit rate over the
    origins scored, its Wilson interval, and the PIT and CRPS of those origins.

    The one computation of coverage: ``smasim backtest`` prints it, and the report lays
    out a backtest file's (without CRPS).
    """
    hits, scored = interval_hits(result.forecast, result.realized)
    rows = []
    for d, driver in enumerate(DRIVERS):
        for k, lead in enumerate(result.leads):
            mask = scored[d, :, k]
            n = int(mask.sum())
            if n == 0:
                continue
            n_eff = math.ceil(n / int(lead))
            pits = result.pit[d, mask, k]
            scores = {"mean_pit": float(pits.mean()),
                      "sd_pit": float(pits.std(ddof=1)) if n > 1 else math.nan}
            if isinstance(result, DriverBacktest):
                scores["mean_crps"] = float(result.crps[d, mask, k].mean())
                scores["mean_crps_no_change"] = float(result.crps_no_change[d, mask, k].mean())
            for j, level in enumerate(INTERVALS):
                count = int(hits[d, mask, k, j].sum())
                lower, upper = wilson_interval(np.array(count / n), np.array(n_eff))
                rows.append(CoverageRow(driver, int(lead), level, count, n, n_eff, count / n,
                                        float(lower), float(upper), **scores))
    return rows


def driver_records(result: DriverBacktest) -> list[dict[str, object]]:
    """The ``drivers`` records of the JSON contract: per driver, lead and interval level."""
    return [row.as_record() for row in coverage_rows(result)]


@dataclass(frozen=True)
class Check:
    """One test of the acceptance rule for one driver: ``value`` against its bounds.

    ``lead`` and ``level`` are None where the check is not per lead (per interval).
    """

    driver: Driver
    check: str
    lead: int | None
    level: float | None
    value: float
    lower: float | None
    upper: float | None
    passed: bool

    def as_record(self) -> dict[str, Any]:
        """The record of ``acceptance`` in ``--format json``."""
        return {"driver": self.driver, "check": self.check, "lead": self.lead,
                "level": self.level, "value": self.value, "lower": self.lower,
                "upper": self.upper, "passed": self.passed}


@dataclass(frozen=True)
class Verdict:
    """A driver's verdict under the acceptance rule (``passed`` None: too few origins)."""

    driver: Driver
    passed: bool | None
    berkowitz_p: float
    crps_ratio: float
    origins: int
    failed: tuple[Check, ...]

    def as_record(self) -> dict[str, Any]:
        """The record of ``verdicts`` in ``--format json``."""
        return {"driver": self.driver, "passed": self.passed,
                "berkowitz_p": self.berkowitz_p, "crps_ratio": self.crps_ratio,
                "origins": self.origins,
                "failed": [describe_check(check) for check in self.failed]}


def describe_check(check: Check) -> str:
    """A check in words: ``80% interval at lead 1: held 60%, Wilson 95% 36–80% excludes 80%``."""
    where = "" if check.lead is None else f" at lead {check.lead}"
    if check.check == "coverage":
        assert check.level is not None and check.lower is not None
        assert check.upper is not None
        inside = "contains" if check.passed else "excludes"
        return (f"{100 * check.level:.0f}% interval{where}: held {100 * check.value:.0f}%, "
                f"Wilson 95% {100 * check.lower:.0f}–{100 * check.upper:.0f}% {inside} "
                f"{100 * check.level:.0f}%")
    if check.lower is not None and check.upper is not None:
        return (f"{check.check}{where}: {check.value:.3g} "
                f"{'inside' if check.passed else 'outside'} {check.lower:.3g}–{check.upper:.3g}")
    if check.lower is not None:
        return f"{check.check}{where}: {check.value:.3g} {'≥' if check.passed else '<'} " \
               f"{check.lower:.3g}"
    assert check.upper is not None
    return f"{check.check}{where}: {check.value:.4g} {'≤' if check.passed else '>'} " \
           f"{check.upper:.4g}"


def acceptance_checks(result: DriverBacktest, driver: Driver) -> list[Check]:
    """Every check of the acceptance rule (METHODS.md §C) for one driver."""
    d = DRIVERS.index(driver)
    hits, scored = interval_hits(result.forecast, result.realized)
    checks: list[Check] = []
    ratios = []
    for k, lead in enumerate(result.leads.tolist()):
        mask = scored[d, :, k]
        n = int(mask.sum())
        if n == 0:
            continue
        if lead in COVERAGE_LEADS:
            n_eff = math.ceil(n / lead)
            for j, level in enumerate(INTERVALS):
                rate = float(hits[d, mask, k, j].sum()) / n
                lower, upper = wilson_interval(np.array(rate), np.array(n_eff))
                checks.append(Check(driver, "coverage", lead, level, rate, float(lower),
                                    float(upper), bool(lower <= level <= upper)))
        band = PIT_BAND_SDS * mean_pit_null_sd(n, lead)
        mean_pit = float(result.pit[d, mask, k].mean())
        checks.append(Check(driver, "mean PIT", lead, None, mean_pit, 0.5 - band, 0.5 + band,
                            abs(mean_pit - 0.5) <= band))
        crps = float(result.crps[d, mask, k].mean())
        no_change = float(result.crps_no_change[d, mask, k].mean())
        checks.append(Check(driver, "CRPS, no-change's the bound", lead, None, crps, None,
                            no_change, crps < no_change))
        if result.crps_benchmark is not None:
            ratios.append(crps / float(result.crps_benchmark[d, mask, k].mean()))
        if lead == 1 and n >= 3:
            order = np.argsort(result.origins[mask])
            test = berkowitz_test(result.pit[d, mask, k][order], floor=0.5 / result.samples)
            checks.append(Check(driver, "Berkowitz p", lead, None, test.p_value,
                                BERKOWITZ_LEVEL, None, test.p_value >= BERKOWITZ_LEVEL))
    if ratios:
        ratio = math.fsum(ratios) / len(ratios)
        checks.append(Check(driver, CRPS_RATIO_CHECK, None, None, ratio,
                            None, CRPS_RATIO_LIMIT, ratio <= CRPS_RATIO_LIMIT))
    return checks


def acceptance(result: DriverBacktest) -> list[Verdict]:
    """Each scored driver's verdict; a driver scored at fewer than
    :data:`MIN_JUDGED_ORIGINS` origins at lead 1 is not judged (``passed`` None)."""
    _, scored = interval_hits(result.forecast, result.realized)
    verdicts = []
    for d, driver in enumerate(DRIVERS):
        origins = int(scored[d, :, 0].sum())
        if origins == 0:
            continue
        checks = acceptance_checks(result, driver)
        value = {c.check: c.value for c in checks}
        failed = tuple(c for c in checks if not c.passed)
        verdicts.append(Verdict(
            driver=driver, passed=None if origins < MIN_JUDGED_ORIGINS else not failed,
            berkowitz_p=value.get("Berkowitz p", math.nan),
            crps_ratio=value.get(CRPS_RATIO_CHECK, math.nan), origins=origins,
            failed=failed))
    return verdicts


def backtest_sma(history: History, *, window_start: int = DEFAULT_WINDOW_START,
                 samples: int = DEFAULT_SAMPLES, method: Method = DEFAULT_METHOD,
                 ) -> list[dict[str, Any]]:
    """The ``sma`` records: each agreement's later years against ``sma_amounts.csv``."""
    sma = history.sma
    years, amounts, statuses = sma["year"], sma["amount_100m_krw"] * KRW_PER_100M, sma["status"]
    negotiations = history.negotiations
    records = []
    for case in SMA_CASES:
        row = np.flatnonzero(negotiations["agreement"] == case.agreement)
        if row.size != 1:
            raise SmasimInputError(f"negotiations.csv: no single row for the {case.agreement} "
                                   "agreement, needed by the SMA backtest")
        last_year = int(negotiations["last_year"][row[0]])
        amount = dict(zip(years.tolist(), amounts.tolist(), strict=True))
        calibration = calibrate_for(history, method, window_start=window_start,
                                    origin=case.origin)
        scenario = _minimal_scenario(
            calibration, horizon=last_year - case.origin, samples=samples, method=method,
            agreement={"name": case.agreement, "base_year_amount_krw": amount[case.origin],
                       "amounts_krw": {str(y): amount[y] for y in case.known_years},
                       "last_year": last_year, "escalation": case.escalation})
        simulated = simulate(scenario, seed=SEED)["contribution_krw"]
        for t, year in enumerate(scenario.years.tolist()):
            k = np.flatnonzero(years == year)
            if k.size == 0:
                continue  # not in the data yet (the 12th after 2027)
            column = np.sort(simulated[:, t])
            status = (
                "known" if year in case.known_years
                else "determined" if column[0] == column[-1]
                else str(statuses[k[0]])
            )
            record: dict[str, Any] = {
                "agreement": case.agreement, "year": year,
                "official_krw": float(amounts[k[0]]), "status": status,
                "pit": None, "in_50": None, "in_80": None, "in_90": None,
            }
            if status == "official":
                y = np.array([amounts[k[0]]])
                record["pit"] = float(mid_pit(column[:, None], y)[0])
                quantiles = np.quantile(column, LEVELS)
                inside = interval_hits(quantiles, y[0])[0]
                record.update({f"in_{round(100 * level)}": bool(inside[j])
                               for j, level in enumerate(INTERVALS)})
            records.append(record)
    return records


def backtest_settings(result: DriverBacktest) -> str:
    """The backtest's settings as TOML-like text, stored in the file's ``config`` attribute."""
    return "\n".join([
        f"origins = [{int(result.origins[0])}, {int(result.origins[-1])}]",
        f"window_start = {result.window_start}",
        f"horizon = {int(result.leads[-1])}",
        f"samples = {result.samples}",
        f'method = "{result.method}"',
        f"seed = {SEED}",
        f'data = "{result.source}"',
    ]) + "\n"


def backtest_dataset(
    result: DriverBacktest, negotiations: NegotiationBacktest | None = None
) -> xr.Dataset:
    """The forecasts as the backtest file stores them: ``forecast (driver, origin, lead,
    level)``, ``realized (driver, origin, lead)`` and ``pit``, with CF attributes; with
    ``negotiations``, its scores per ``(model, agreement)`` too
    (:func:`simcore.analysis.negotiation_backtest.negotiation_dataset`)."""
    import xarray as xr

    dims = ("driver", "origin", "lead")
    units = "; ".join(f"{d}: {UNITS[d]}" for d in DRIVERS)
    dataset = xr.Dataset(
        {
            "forecast": ((*dims, "level"), result.forecast, {
                "long_name": "forecast quantile of the driver at the lead after the origin",
                "units_by_driver": units,
                "comment": "NaN where the driver is not scored at the origin (fewer than "
                           f"{MIN_PAIRS} pairs of data)"}),
            "realized": (dims, result.realized, {
                "long_name": "observed value of the driver in origin + lead",
                "units_by_driver": units, "comment": "NaN where not yet observed"}),
            "pit": (dims, result.pit, {
                "long_name": "mid probability integral transform of the realized value",
                "units": "1"}),
        },
        coords={
            "driver": ("driver", list(DRIVERS), {"long_name": "model driver"}),
            "origin": ("origin", result.origins.astype(np.int32),
                       {"long_name": "forecast origin: last year of data used",
                        "units": "year"}),
            "lead": ("lead", result.leads.astype(np.int32),
                     {"long_name": "years ahead of the origin", "units": "year"}),
            "level": ("level", np.array(LEVELS), {"long_name": "quantile level",
                                                   "units": "1"}),
        },
        attrs={
            "title": "smasim backtest: rolling-origin driver forecasts against the data",
            "config": backtest_settings(result),
            "seed": SEED,
            "n_samples": result.samples,
            "source": f"smasim backtest on {result.source}",
        },
    )
    if negotiations is not None:
        dataset = xr.merge([dataset, negotiation_dataset(negotiations)],
                           combine_attrs="override")
    return dataset


def write_backtest(
    result: DriverBacktest, path: Path, *, overwrite: bool = False,
    negotiations: NegotiationBacktest | None = None, command: str | None = None,
) -> None:
    """Write :func:`backtest_dataset` of the result (and ``negotiations``) to ``path`` (under
    a temporary name, renamed when complete), with provenance; ``command`` is recorded in
    ``history`` (default: this process's command line)."""
    from simcore.io.dataset_file import write_dataset
    from simcore.io.provenance import origin_attrs

    write_dataset(backtest_dataset(result, negotiations), path, kind=BACKTEST_KIND,
                  overwrite=overwrite, provenance=origin_attrs(command or " ".join(sys.argv)))


def read_negotiation_backtest(path: Path) -> NegotiationBacktest | None:
    """The negotiation backtest a file of :func:`write_backtest` holds (None: none).

    Raises
    ------
    ResultFileError
        Missing, unreadable, or not a smasim backtest file.
    """
    from simcore.io.dataset_file import read_dataset

    return negotiation_backtest_of(read_dataset(path, kind=BACKTEST_KIND))


def read_backtest(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``forecast``, ``realized``, ``pit`` and the leads of a file of :func:`write_backtest`.

    Raises
    ------
    ResultFileError
        Missing, unreadable, or not a smasim backtest file.
    SmasimInputError
        Its drivers are not this version's.
    """
    from simcore.io.dataset_file import read_dataset

    dataset = read_dataset(path, kind=BACKTEST_KIND)
    if list(dataset["driver"].values) != list(DRIVERS):
        raise SmasimInputError(f"{path}: drivers differ from {', '.join(DRIVERS)}")
    return (dataset["forecast"].values, dataset["realized"].values, dataset["pit"].values,
            dataset["lead"].values)

"""Do the model's intervals cover what happened? Rolling-origin backtests (METHODS.md §C).

**Drivers.** For each origin year ``T``: calibrate on the data from the window start up to
``T`` only (:func:`simcore.evidence.calibrate.calibrate` cuts every later year away; a parameter the
data do not identify takes a default fixed without data: ``κ = 0``, correlation 0), start
the drivers at the values observed in ``T`` (and ``T − 1``), simulate ``h = 1 … H`` years
ahead through the public engine (:func:`simcore.model.engine.simulate`), and score each realized
value: the mid-PIT, whether it lies in the central 50/80/90% intervals, and the CRPS beside
the no-change forecast's. A driver with fewer than :data:`MIN_PAIRS` pairs at an origin is
not scored there (its forecast is NaN).

**SMA amounts.** The 8th, 9th, 11th and 12th agreements, each from the year before its
first year, given its known amounts, under its own escalation rule, drivers calibrated up to
the origin; the ``official`` rows of ``sma_amounts.csv`` are scored, an amount the origin's
data already fix is "determined".

The simulations use point estimates of the parameters (intervals run narrow) and today's
revised data, not what was known at the time.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from simcore.analysis.negotiation_backtest import (
    NegotiationBacktest,
    negotiation_backtest_of,
    negotiation_dataset,
)
from simcore.config.schema import Scenario, scenario_from_dict
from simcore.core.errors import ParameterError, SmasimInputError
from simcore.core.records import record_number
from simcore.core.types import DRIVERS, Driver
from simcore.evidence.calibrate import Calibration, calibrate
from simcore.evidence.history import KRW_PER_100M, History
from simcore.model.engine import simulate

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


def _minimal_scenario(calibration: Calibration, *, horizon: int, samples: int,
                      agreement: dict[str, Any]) -> Scenario:
    """A scenario that carries the calibrated drivers from the origin; troops and
    negotiations inert (one troop level, no reopening, no negotiation inside the horizon)."""
    c = calibration

    def inflation(fit: Any) -> dict[str, float]:
        return {"initial": fit.initial, "previous": fit.previous, "mean": fit.mean,
                "persistence": fit.persistence, "volatility": fit.volatility}

    data: dict[str, Any] = {
        "run": {"name": "backtest", "base_year": c.end, "horizon": horizon,
                "samples": samples, "seed": SEED},
        "inflation": {"kr": inflation(c.kr), "us": inflation(c.us)},
        "fx": {"initial": c.fx.initial, "anchor": c.fx.anchor, "reversion": c.fx.reversion,
               "ppp": c.ppp, "volatility": c.fx.volatility},
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


def driver_paths(calibration: Calibration, *, horizon: int, samples: int
                 ) -> dict[Driver, np.ndarray]:
    """Simulated driver paths from the calibration's last year, shape (samples, horizon)."""
    # An agreement whose rule reads defense growth makes the engine return it.
    rule = ({"rule": "defense_budget"} if calibration.defense is not None
            else {"rule": "fixed", "rate": 0.0})
    scenario = _minimal_scenario(
        calibration, horizon=horizon, samples=samples,
        agreement={"name": "none", "base_year_amount_krw": 1e12,
                   "last_year": calibration.end + horizon, "escalation": rule})
    values = simulate(scenario, seed=SEED)
    return {d: values[VARIABLE[d]] for d in DRIVERS if VARIABLE[d] in values}


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


def backtest_drivers(history: History, *, start: int = DEFAULT_FROM, end: int | None = None,
                     window_start: int = DEFAULT_WINDOW_START, horizon: int = DEFAULT_HORIZON,
                     samples: int = DEFAULT_SAMPLES) -> DriverBacktest:
    """Rolling-origin forecasts of the four drivers, scored against the data."""
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
    realized, pit, crps, no_change = (np.full(shape, np.nan) for _ in range(4))
    for o, origin in enumerate(origins):
        calibration = calibrate(history, start=window_start, end=int(origin))
        paths = driver_paths(calibration, horizon=horizon, samples=samples)
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
    return DriverBacktest(origins=origins, leads=leads, forecast=forecast, realized=realized,
                          pit=pit, crps=crps, crps_no_change=no_change,
                          window_start=window_start, samples=samples, source=history.source)


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


def backtest_sma(history: History, *, window_start: int = DEFAULT_WINDOW_START,
                 samples: int = DEFAULT_SAMPLES) -> list[dict[str, Any]]:
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
        calibration = calibrate(history, start=window_start, end=case.origin)
        scenario = _minimal_scenario(
            calibration, horizon=last_year - case.origin, samples=samples,
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

"""A complete scenario written from a base config and a calibration, comments kept.

The base config's TOML text is cut into its tables; the calibrated ones (``[inflation.kr]``,
``[inflation.us]``, ``[defense]``, ``[fx]``, ``[shocks]``, and with negotiations the
``[[negotiation.outcomes]]``) are replaced by text that says where each number came from,
``run.base_year`` becomes the calibration's last year, and everything else, comments
included, is kept as the base has it. Inflation's parameters and the exchange rate's
volatility are tables of draws, each in a draws file named by its SHA-256
(:mod:`simcore.config.draws`), which the scenario names. A header names the data, the years,
each OLS estimate ± SE, how the estimates are rounded and any value too close to a rounding
boundary to be written the same on every machine (a tie). The result is validated before
it is returned.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from simcore.config.draws import draws_file_name, draws_file_text
from simcore.config.load import parse_scenario
from simcore.config.messages import format_validation_error
from simcore.config.schema import DemandOutcome, LapseOutcome, Scenario, validate_scenario
from simcore.core.errors import SmasimInputError
from simcore.core.rounding import TIE_BAND
from simcore.evidence.calibrate import (
    CORRELATION_DECIMALS,
    ESTIMATE_DIGITS,
    SE_DIGITS,
    Calibration,
    CorrelationFit,
    FxFit,
    InflationFit,
    NegotiationFit,
    draw_summary,
)
from simcore.evidence.scenario_text import commented as _line
from simcore.evidence.scenario_text import inline_toml
from simcore.evidence.scenario_text import table_chunks as _chunks
from simcore.evidence.scenario_text import toml_number as _num
from simcore.stats.posterior import GRID_RANGE

#: The folder, beside the written scenario, of its draws files.
DRAWS_FOLDER = "draws"


def _pm(value: float, se: float, digits: int = 4) -> str:
    if math.isnan(se):
        return f"{value:.{digits}g}"
    return f"{value:.{digits}g} ± {se:.2g}"


def _draws_file(columns: dict[str, np.ndarray]) -> tuple[str, str]:
    """A draws file's path relative to the scenario, and its text."""
    text = draws_file_text({name: column.tolist() for name, column in columns.items()})
    return f"{DRAWS_FOLDER}/{draws_file_name(text)}", text


def _spread(name: str, values: np.ndarray) -> str:
    """``name median (P5–P95)`` of draws."""
    summary = draw_summary(values)
    return f"{name} {summary['median']:.3g} ({summary['p05']:.3g}–{summary['p95']:.3g})"


def _inflation_chunk(key: str, label: str, fit: InflationFit, years: str,
                     files: dict[str, str]) -> list[str]:
    if fit.draws is None:
        raise ValueError("a calibrated scenario needs the calibration's draws")
    path, text = _draws_file(fit.draws.columns())
    files[path] = text
    half = fit.draws.mean.size // 2
    spreads = [_spread(name, column) for name, column in fit.draws.columns().items()]
    mean = ("no mean (a unit root or beyond)" if math.isnan(fit.mean)
            else f"mean {_pm(fit.mean, fit.mean_se)}")
    return [
        _line(f"[inflation.{key}]", f"{label} CPI inflation, trend + gap: smasim calibrate, "
              f"macro.csv {years}"),
        _line(f"initial = {_num(fit.initial)}", "observed in base_year"),
        _line(f"previous = {_num(fit.previous)}", "observed in base_year − 1"),
        _line(f'draws = "{path}"', f"{fit.draws.mean.size} draws: {half} Bayesian AR(1), "
              f"{fit.draws.mean.size - half} local level"),
        "# posterior median (5–95%): " + ", ".join(spreads[:2]) + ",",
        "#   " + ", ".join(spreads[2:]),
        f"# OLS for comparison ({fit.n} pairs): {mean}, persistence "
        f"{_pm(fit.persistence, fit.persistence_se)} (biased low by about (1 + 3φ)/n),",
        f"#   volatility {_pm(fit.volatility, fit.volatility_se)}",
        "",
    ]


def _fx_chunk(fit: FxFit, ppp_line: str, years: str, files: dict[str, str]) -> list[str]:
    if fit.volatility_draws is None or fit.window is None:
        raise ValueError("a calibrated scenario needs the calibration's draws")
    path, text = _draws_file({"volatility": fit.volatility_draws})
    files[path] = text
    first, last = fit.window
    test = (f"Dickey–Fuller κ̂/SE {fit.t_ratio:.2f} against {-fit.critical_value:.2f}, "
            f"{'rejects' if fit.identified else 'keeps'} a unit root; the test has little power")
    return [
        _line("[fx]", f"KRW per USD, annual average: smasim calibrate, macro.csv {years}"),
        _line(f"initial = {_num(fit.initial)}", "observed in base_year"),
        _line(f"anchor = {_num(fit.initial)}", "the last observed rate (unused without "
              "reversion)"),
        _line("reversion = 0.0", f"κ = 0 (docs/spec/MODEL.md §4): {test}"),
        ppp_line,
        _line("real_anchor = true", "a reversion set by hand pulls the real rate"),
        _line(f'draws = "{path}"', f"volatility: {fit.volatility_draws.size} draws, σ² = "
              f"Σy²/χ²_{last - first + 1} over {first}–{last}"),
        "# posterior " + _spread("volatility", fit.volatility_draws).replace(
            "volatility ", "median ", 1) + "; y = Δ ln X − ppp · (π_kr − π_us)",
        "",
    ]


def _shrunk(fit: CorrelationFit) -> str:
    return ("" if fit.shrink == 1.0 else
            f"; off-diagonals × {fit.shrink:g} to stay positive definite once rounded")


def _shocks_chunk(calibration: Calibration, base: Scenario) -> list[str]:
    fit = calibration.correlation
    how = (f"repaired to the nearest correlation matrix (Higham 2002), Frobenius distance "
           f"{fit.distance:.3g}" if fit.repaired else "positive semi-definite as estimated")
    how += _shrunk(fit)
    lines = [
        "[shocks]",
        _line(f'distribution = "{base.shocks.distribution}"', "judgment: normal | student_t"),
    ]
    if base.shocks.dof is not None:
        dof = base.shocks.dof
        lines.append(_line(f"dof = {_num(int(dof) if dof.is_integer() else dof)}",
                           "only for student_t"))
    lines += [
        "drivers = [" + ", ".join(f'"{d}"' for d in fit.drivers) + "]",
        f"# residual correlations over the years each pair shares (0 below 8 shared years); {how}",
        "correlation = [",
        *("  [" + ", ".join(_num(v) for v in row) + "]," for row in fit.matrix),
        "]",
        "",
    ]
    return lines


def _defense_chunk(calibration: Calibration) -> list[str]:
    fit = calibration.defense
    assert fit is not None
    return [
        _line("[defense]", f"ROK defense budget growth: smasim calibrate, defense_budget.csv "
              f"{int(fit.years[0])}–{int(fit.years[-1])}"),
        _line(f"initial = {_num(fit.initial)}", "observed growth in base_year"),
        _line(f"real_growth = {_num(fit.real_growth)}",
              f"mean of d − π_kr ± {fit.real_growth_se:.2g}"),
        _line(f"volatility = {_num(fit.volatility)}",
              f"sd of d − π_kr (ddof 1) ± {fit.volatility_se:.2g}, {fit.n} years"),
        "",
    ]


def _negotiation_chunks(fit: NegotiationFit, base: Scenario) -> list[str]:
    outcomes = base.negotiation.outcomes
    term = next((o.term for o in outcomes if hasattr(o, "term")), 5)
    lapse = next((o for o in outcomes if isinstance(o, LapseOutcome)), None)
    funding: object = 1.0 if lapse is None else lapse.funding_fraction
    record = f"negotiations.csv {fit.first_year}–{fit.last_year}, {fit.n} agreements"
    lo, hi = fit.increase_interval
    lapse_lo, lapse_hi = fit.lapse_interval
    return [
        "# Negotiation outcomes FROM HISTORY (smasim calibrate --negotiations): every new SMA",
        f"# since {fit.first_year} moved its first year by a rate; {fit.lapses} of {fit.n} "
        "negotiations lapsed.",
        "# Probabilities are Jeffreys posterior means (x + ½)/(n + 1); their 95% intervals are",
        f"# wide (n = {fit.n}). No demand outcome: a demand is a scenario, not calibrated.",
        "[[negotiation.outcomes]]",
        'name = "increase"',
        'kind = "increase"',
        _line(f"probability = {_num(fit.increase_probability)}",
              f"history: {fit.n - fit.lapses} of {fit.n} concluded; 95% {lo:.2f}–{hi:.2f}"),
        _line(f"first_year = {{ mean = {_num(fit.increase_mean)}, sd = "
              f"{_num(fit.increase_sd)} }}", f"history: first-year changes, {record}"),
        _line(f"term = {term}", "judgment: kept from the base config"),
        "",
        "[[negotiation.outcomes]]",
        'name = "lapse"',
        'kind = "lapse"',
        _line(f"probability = {_num(fit.lapse_probability)}",
              f"history: {fit.lapses} of {fit.n} lapsed; 95% {lapse_lo:.2f}–{lapse_hi:.2f}"),
        _line(f"funding_fraction = {inline_toml(funding)}", "judgment: kept from the base config"),
        "",
    ]


def _run_lines(lines: list[str], name: str, base_year: int) -> list[str]:
    out = []
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if key in ("name", "base_year") and "=" in line:
            value = f'"{name}"' if key == "name" else str(base_year)
            comment = line.split("#", 1)[1].strip() if "#" in line else ""
            line = _line(f"{key} = {value}", comment)
        out.append(line)
    return out


def _header(calibration: Calibration, base_name: str, command: str, seed: int
            ) -> list[str]:
    c = calibration
    draws = c.kr.draws.mean.size if c.kr.draws is not None else 0
    low, high = (100 * v for v in GRID_RANGE)
    rows = [
        f"# {c.end} base year, calibrated from history: {command}",
        f"# Base: {base_name}, with the sections below that say 'smasim calibrate' replaced.",
        "# Data: " + ("the series shipped with smasim" if c.source == "package data"
                      else f"the folder {c.source}")
        + " (macro.csv, defense_budget.csv; sources in docs/data.md),",
        f"# years {c.start}–{c.end} (docs/spec/METHODS.md §C). Inflation and the exchange "
        "rate's volatility",
        f"# are tables of {draws} posterior draws (seed {seed}) in the draws files named "
        "below: for inflation",
        "# an equal-weight pool of a Bayesian AR(1) (flat prior, |φ| < 1) and a local level "
        "model (sds",
        f"# log-uniform on {low:g}–{high:g} points), for the exchange rate a driftless random "
        "walk over the",
        "# last years.",
        "# OLS estimates ± standard error, for comparison:",
        f"#   inflation.kr  mean {_pm(c.kr.mean, c.kr.mean_se)}, persistence "
        f"{_pm(c.kr.persistence, c.kr.persistence_se)}, volatility "
        f"{_pm(c.kr.volatility, c.kr.volatility_se)}",
        f"#   inflation.us  mean {_pm(c.us.mean, c.us.mean_se)}, persistence "
        f"{_pm(c.us.persistence, c.us.persistence_se)}, volatility "
        f"{_pm(c.us.volatility, c.us.volatility_se)}",
    ]
    if c.defense is not None:
        d = c.defense
        rows.append(f"#   defense       real_growth {_pm(d.real_growth, d.real_growth_se)}, "
                    f"volatility {_pm(d.volatility, d.volatility_se)}")
    fx = c.fx
    rows.append(
        f"#   fx            Dickey–Fuller κ̂/SE {fx.t_ratio:.2f} against {-fx.critical_value:.2f}"
        + (f" (rejects a unit root: κ̂ {_pm(fx.reversion, fx.reversion_se)})" if fx.identified
           else " (keeps a unit root)") + "; written: κ = 0, a random walk")
    rows.append("#   correlation   pairwise residual correlations"
                + (f", repaired (distance {c.correlation.distance:.3g})"
                   if c.correlation.repaired else "") + _shrunk(c.correlation))
    if c.negotiations is not None:
        n = c.negotiations
        rows.append(f"#   negotiations  increase p {n.increase_probability:.4g}, first year "
                    f"{n.increase_mean:.4g} ± sd {n.increase_sd:.4g}; lapse p "
                    f"{n.lapse_probability:.4g} (negotiations.csv)")
    rows += _rounding_lines(c)
    rows += [
        "# Judgment, kept from the base: troop transitions, the agreement and its reopening "
        "probability,",
        "# fx.ppp, the shock distribution" + (
            ", each outcome's term and funding fraction." if c.negotiations is not None
            else ", the negotiation outcomes (probabilities, demands, concession)."),
    ]
    return rows


def _rounding_lines(c: Calibration) -> list[str]:
    """How the estimates are rounded, and the ties (values that may be written otherwise)."""
    rows = [
        f"# Rounding: estimates and draws to {ESTIMATE_DIGITS} significant digits, standard "
        f"errors to {SE_DIGITS}, correlations to {CORRELATION_DECIMALS}",
        "# decimals (kept positive definite), so that every machine writes the same digits; "
        + ("no value" if not c.ties else f"{len(c.ties)}"),
        f"# {'lay' if not c.ties else 'tie(s) lie'} within {TIE_BAND:g} (relative) of a "
        "rounding boundary" + ("." if not c.ties else ", and may be written otherwise:"),
    ]
    rows += [f"#   TIE {tie}" for tie in c.ties]
    return rows


@dataclass(frozen=True)
class CalibratedScenario:
    """A calibrated scenario: its TOML text and the draws files it names (path relative to
    the scenario's folder → text)."""

    text: str
    draws_files: dict[str, str]


def calibrated_toml(
    base_text: str, calibration: Calibration, *, name: str, base_name: str, command: str,
    seed: int, base_dir: str | Path | None = None,
) -> CalibratedScenario:
    """The base scenario with its calibrated sections replaced, as TOML text, with its draws
    files.

    Parameters
    ----------
    base_text : str
        The base config's TOML text (its comments are kept where its numbers are).
    calibration : Calibration
        The estimates and draws (:func:`simcore.evidence.calibrate.calibrate`).
    name : str
        The written scenario's ``run.name``.
    base_name : str
        How the header names the base (its file name).
    command : str
        The command line that produced it, for the header.
    seed : int
        The draws' seed, for the header.
    base_dir : str or Path, optional
        The base config's folder (its own draws files are found there).

    Raises
    ------
    SmasimInputError
        The result does not validate (for example a base whose agreement or pins do not fit
        the new base year); the message names the key.
    """
    base = parse_scenario(base_text, source=base_name, base_dir=base_dir)
    years = f"{calibration.start}–{calibration.end}"
    out = _header(calibration, base_name, command, seed)
    ppp_line = next(
        (line for chunk in _chunks(base_text) if chunk.name == "fx" for line in chunk.lines
         if line.strip().startswith("ppp")), f"ppp = {_num(calibration.ppp)}")
    files: dict[str, str] = {}
    replaced = {
        "inflation.kr": _inflation_chunk("kr", "Korea", calibration.kr, years, files),
        "inflation.us": _inflation_chunk("us", "US", calibration.us, years, files),
        "fx": _fx_chunk(calibration.fx, ppp_line, years, files),
        "shocks": _shocks_chunk(calibration, base),
    }
    outcomes_written = False
    for chunk in _chunks(base_text):
        if chunk.name == "":
            continue  # the base's own header comment describes the base, not this file
        if chunk.name == "run":
            out += _run_lines(chunk.lines, name, calibration.end)
        elif chunk.name == "defense" and calibration.defense is not None:
            continue  # written right after [inflation.us], where a base without one gets it
        elif chunk.name in replaced:
            out += replaced.pop(chunk.name)
            if chunk.name == "inflation.us" and calibration.defense is not None:
                out += _defense_chunk(calibration)
        elif chunk.name == "negotiation.outcomes" and calibration.negotiations is not None:
            if not outcomes_written:
                out += _negotiation_chunks(calibration.negotiations, base)
                outcomes_written = True
        else:
            out += chunk.lines
    text = "\n".join(out).rstrip("\n") + "\n"
    source = f"the scenario calibrated from {base_name}"
    try:
        validate_scenario(tomllib.loads(text), pending_files=files)
    except tomllib.TOMLDecodeError as err:
        raise SmasimInputError(f"{source}: not valid TOML: {err}") from None
    except ValidationError as err:
        raise SmasimInputError(f"{source}: {format_validation_error(err, Scenario)}") from None
    return CalibratedScenario(text=text, draws_files=files)


def configured_concession_mean(scenario: Scenario) -> float | None:
    """Mean of the first ``demand`` outcome's concession law, None without one."""
    demand = next((o for o in scenario.negotiation.outcomes if isinstance(o, DemandOutcome)),
                  None)
    if demand is None:
        return None
    return demand.concession.law().mean

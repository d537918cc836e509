"""A complete scenario written from a base config and a calibration, comments kept.

The base config's TOML text is cut into its tables; the calibrated ones (``[inflation.kr]``,
``[inflation.us]``, ``[defense]``, ``[fx]``, ``[shocks]``, and with negotiations the
``[[negotiation.outcomes]]``) are replaced by text that says where each number came from,
``run.base_year`` becomes the calibration's last year, and everything else, comments
included, is kept as the base has it. A header names the data, the years, each
estimate ± SE, how the estimates are rounded and any value too close to a rounding boundary
to be written the same on every machine (a tie). The result is validated before it is
returned.
"""

from __future__ import annotations

import math

from simcore.config.load import parse_scenario
from simcore.config.schema import DemandOutcome, LapseOutcome, Scenario
from simcore.core.errors import ConfigError, SmasimInputError
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
)
from simcore.evidence.scenario_text import commented as _line
from simcore.evidence.scenario_text import inline_toml
from simcore.evidence.scenario_text import table_chunks as _chunks
from simcore.evidence.scenario_text import toml_number as _num


def _pm(value: float, se: float, digits: int = 4) -> str:
    if math.isnan(se):
        return f"{value:.{digits}g}"
    return f"{value:.{digits}g} ± {se:.2g}"


def _inflation_chunk(key: str, label: str, fit: InflationFit, years: str) -> list[str]:
    return [
        _line(f"[inflation.{key}]", f"{label} CPI inflation, AR(1): smasim calibrate, "
              f"macro.csv {years}"),
        _line(f"initial = {_num(fit.initial)}", "observed in base_year"),
        _line(f"previous = {_num(fit.previous)}", "observed in base_year − 1"),
        _line(f"mean = {_num(fit.mean)}", f"c / (1 − φ) ± {fit.mean_se:.2g} (delta method)"),
        _line(f"persistence = {_num(fit.persistence)}",
              f"φ ± {fit.persistence_se:.2g} (OLS; biased low by about (1 + 3φ)/n)"),
        _line(f"volatility = {_num(fit.volatility)}",
              f"residual sd (ddof 2) ± {fit.volatility_se:.2g}, {fit.n} pairs"),
        "",
    ]


def _fx_chunk(fit: FxFit, ppp_line: str, years: str) -> list[str]:
    if fit.identified:
        reversion = (f"κ ± {fit.reversion_se:.2g}: identified (Dickey–Fuller "
                     f"{fit.t_ratio:.2f} > {-fit.critical_value:.2f})")
        anchor = f"X̄ = exp(intercept / κ) ± {fit.anchor_se:.2g}"
        volatility = f"residual sd (ddof 2) ± {fit.volatility_se:.2g}"
    else:
        reversion = (f"not identified (Dickey–Fuller κ̂/SE {fit.t_ratio:.2f} < "
                     f"{-fit.critical_value:.2f}): a random walk")
        anchor = "the last observed rate (unused without reversion)"
        volatility = f"sd of the PPP-adjusted log changes (ddof 1) ± {fit.volatility_se:.2g}"
    return [
        _line("[fx]", f"KRW per USD, annual average: smasim calibrate, macro.csv {years}"),
        _line(f"initial = {_num(fit.initial)}", "observed in base_year"),
        _line(f"anchor = {_num(fit.anchor)}", anchor),
        _line(f"reversion = {_num(fit.reversion)}", reversion),
        ppp_line,
        _line(f"volatility = {_num(fit.volatility)}", volatility),
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


def _header(calibration: Calibration, base_name: str, command: str) -> list[str]:
    c = calibration
    rows = [
        f"# {c.end} base year, calibrated from history: {command}",
        f"# Base: {base_name}, with the sections below that say 'smasim calibrate' replaced.",
        "# Data: " + ("the series shipped with smasim" if c.source == "package data"
                      else f"the folder {c.source}")
        + " (macro.csv, defense_budget.csv; sources in docs/data.md),",
        f"# years {c.start}–{c.end}; OLS estimates ± standard error (docs/spec/METHODS.md §C):",
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
        f"#   fx            reversion {_pm(fx.reversion, fx.reversion_se)}"
        + ("" if fx.identified else " (not identified: random walk)")
        + f", volatility {_pm(fx.volatility, fx.volatility_se)}")
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
        f"# Rounding: estimates to {ESTIMATE_DIGITS} significant digits, standard errors to "
        f"{SE_DIGITS}, correlations to {CORRELATION_DECIMALS}",
        "# decimals (kept positive definite), so that every machine writes the same digits; "
        + ("no value" if not c.ties else f"{len(c.ties)}"),
        f"# {'lay' if not c.ties else 'tie(s) lie'} within {TIE_BAND:g} (relative) of a "
        "rounding boundary" + ("." if not c.ties else ", and may be written otherwise:"),
    ]
    rows += [f"#   TIE {tie}" for tie in c.ties]
    return rows


def calibrated_toml(
    base_text: str, calibration: Calibration, *, name: str, base_name: str, command: str
) -> str:
    """The base scenario with its calibrated sections replaced, as TOML text.

    Parameters
    ----------
    base_text : str
        The base config's TOML text (its comments are kept where its numbers are).
    calibration : Calibration
        The estimates (:func:`simcore.evidence.calibrate.calibrate`).
    name : str
        The written scenario's ``run.name``.
    base_name : str
        How the header names the base (its file name).
    command : str
        The command line that produced it, for the header.

    Raises
    ------
    SmasimInputError
        The result does not validate (for example a base whose agreement or pins do not fit
        the new base year); the message names the key.
    """
    base = parse_scenario(base_text, source=base_name)
    years = f"{calibration.start}–{calibration.end}"
    out = _header(calibration, base_name, command)
    ppp_line = next(
        (line for chunk in _chunks(base_text) if chunk.name == "fx" for line in chunk.lines
         if line.strip().startswith("ppp")), f"ppp = {_num(base.fx.ppp)}")
    replaced = {
        "inflation.kr": _inflation_chunk("kr", "Korea", calibration.kr, years),
        "inflation.us": _inflation_chunk("us", "US", calibration.us, years),
        "fx": _fx_chunk(calibration.fx, ppp_line, years),
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
    try:
        parse_scenario(text, source=f"the scenario calibrated from {base_name}")
    except ConfigError as err:
        raise SmasimInputError(str(err)) from None
    return text


def configured_concession_mean(scenario: Scenario) -> float | None:
    """Mean of the first ``demand`` outcome's concession law, None without one."""
    demand = next((o for o in scenario.negotiation.outcomes if isinstance(o, DemandOutcome)),
                  None)
    if demand is None:
        return None
    return demand.concession.law().mean

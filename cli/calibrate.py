"""``smasim calibrate``: driver parameters (and negotiation outcomes) from the shipped history."""

from __future__ import annotations

import math
import re
from pathlib import Path

import click

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.config.shipped import shipped_scenario
from simcore.evidence.calibrate import (
    CORRELATION_DECIMALS,
    DEFAULT_START,
    ESTIMATE_DIGITS,
    SE_DIGITS,
    Calibration,
    calibrate,
)
from simcore.evidence.calibrated_scenario import calibrated_toml, configured_concession_mean
from simcore.evidence.history import load_history
from simcore.report.formats import TextTable

from .history import data_option, format_option, print_table
from .options import ScenarioFile
from .tables import echo_json

#: The shipped scenario calibrated when no --base is given, wherever smasim runs.
DEFAULT_BASE = "baseline"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _v(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}g}"


def _rows(c: Calibration, base: Scenario) -> list[list[str]]:
    rows = []
    for key, fit, process in (("inflation.kr", c.kr, base.inflation.kr),
                              ("inflation.us", c.us, base.inflation.us)):
        for name in ("mean", "persistence", "volatility"):
            rows.append([f"{key}.{name}", _v(getattr(fit, name)),
                         _v(getattr(fit, f"{name}_se"), 2), _v(getattr(process, name))])
        rows.append([f"{key}.initial / previous", f"{fit.initial:g} / {fit.previous:g}", "",
                     f"{process.initial:g} / {process.previous:g}"])
    if c.defense is not None:
        for name in ("real_growth", "volatility"):
            rows.append([f"defense.{name}", _v(getattr(c.defense, name)),
                         _v(getattr(c.defense, f"{name}_se"), 2),
                         _v(None if base.defense is None else getattr(base.defense, name))])
    fx = c.fx
    rows += [
        ["fx.reversion", _v(fx.reversion), _v(fx.reversion_se, 2), _v(base.fx.reversion)],
        ["fx.anchor", _v(fx.anchor, 6), _v(fx.anchor_se, 2), _v(base.fx.anchor, 6)],
        ["fx.volatility", _v(fx.volatility), _v(fx.volatility_se, 2), _v(base.fx.volatility)],
    ]
    base_r = base.shocks.full_correlation()
    drivers = c.correlation.drivers
    for i in range(len(drivers)):
        for j in range(i):
            rows.append([f"correlation {drivers[j]}–{drivers[i]}",
                         f"{c.correlation.matrix[i, j]:.3f}",
                         f"{c.correlation.shared_years[i, j]} yrs", f"{base_r[i, j]:.3f}"])
    return rows


def _caption(c: Calibration) -> str:
    fx = c.fx
    lines = [
        f"OLS over {c.start}–{c.end} ({c.source}); SE of a mean by the delta method; SE of a "
        "volatility ≈ σ/√(2·df).",
        f"fx reversion {'identified' if fx.identified else 'NOT identified'}: Dickey–Fuller "
        f"κ̂/SE = {fx.t_ratio:.2f} against the 5% critical value {-fx.critical_value:.2f} "
        f"(n = {fx.n})" + ("" if fx.identified else "; a random walk (κ = 0) is written."),
        "correlation: pairwise over shared years" + (
            f"; repaired to the nearest correlation matrix (Frobenius distance "
            f"{c.correlation.distance:.3g})" if c.correlation.repaired
            else "; positive semi-definite as estimated, no repair needed.")
        + ("" if c.correlation.shrink == 1.0 else
           f" Off-diagonals × {c.correlation.shrink:g} to stay positive definite once rounded."),
        f"Estimates rounded to {ESTIMATE_DIGITS} significant digits, SEs to {SE_DIGITS}, "
        f"correlations to {CORRELATION_DECIMALS} decimals: the same on every machine"
        + (f" except {len(c.ties)} tie(s) (warned above)." if c.ties else "."),
    ]
    return "\n".join(lines)


def _print_negotiations(c: Calibration) -> None:
    n = c.negotiations
    assert n is not None
    lo, hi = n.increase_interval
    lapse_lo, lapse_hi = n.lapse_interval
    rows = [
        ["increase: probability", f"{n.increase_probability:.3f}", f"{lo:.2f}–{hi:.2f}",
         f"{n.n - n.lapses} of {n.n} concluded"],
        ["increase: first-year mean", f"{n.increase_mean:+.4f}", "", "mean first-year change"],
        ["increase: first-year sd", f"{n.increase_sd:.4f}", "", "sd, ddof 1"],
        ["lapse: probability", f"{n.lapse_probability:.3f}", f"{lapse_lo:.2f}–{lapse_hi:.2f}",
         f"{n.lapses} of {n.n} lapsed"],
        ["implied concession (" + ", ".join(n.concession_episodes) + ")",
         _v(n.implied_concession, 3), "",
         "configured Beta mean " + _v(n.configured_concession_mean, 3)],
    ]
    print_table(TextTable(
        f"Negotiations from history (negotiations.csv {n.first_year}–{n.last_year}, n = {n.n})",
        ["outcome", "estimate", "95% Jeffreys", "evidence"], rows,
        f"Probabilities are Jeffreys posterior means (x + ½)/(n + 1); with n = {n.n} their "
        "intervals are wide. A demand outcome is a scenario (judgment), not calibrated."))


@click.command("calibrate")
@click.option("--base", "base_path", type=ScenarioFile(), default=None,
              help="Scenario whose calibrated sections are replaced (the rest is kept): a "
              f"file or a shipped scenario's name [default: the shipped {DEFAULT_BASE}].")
@click.option("--from", "start", type=int, default=DEFAULT_START, show_default=True,
              help="First year of the data used.")
@click.option("--to", "end", type=int, default=None,
              help="Last year used; the written scenario's base year [default: the last year "
              "with inflation and exchange-rate data, 2025 in the shipped data].")
@data_option
@click.option("--negotiations", is_flag=True,
              help="Also write the negotiation outcomes from negotiations.csv (an increase and "
              "a lapse outcome, Jeffreys probabilities).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the calibrated scenario (TOML); its run.name is the file's stem.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@format_option("table", "json")
def calibrate_command(base_path: Path | None, start: int, end: int | None, data: Path | None,
                      negotiations: bool, output: Path | None, overwrite: bool, fmt: str
                      ) -> None:
    """Estimate the driver parameters from history (OLS, each with its standard error).

    Prints the estimates beside the base config's values and, with -o, writes the base
    config with [inflation.*], [defense], [fx] and [shocks] (and with --negotiations the
    negotiation outcomes) replaced, its header naming the data, the years and each
    estimate ± SE and how the estimates are rounded. Methods: docs/data.md.
    """
    base_path = base_path or shipped_scenario(DEFAULT_BASE)
    base = load_scenario(base_path)
    calibration = calibrate(
        load_history(data), start=start, end=end, ppp=base.fx.ppp, negotiations=negotiations,
        configured_concession_mean=configured_concession_mean(base))
    for tie in calibration.ties:
        click.echo(f"Warning: {tie}", err=True)
    text = None
    if output is not None:
        name = output.stem if _NAME.match(output.stem) else "calibrated"
        command = " ".join([
            "smasim calibrate", f"--base {base_path.name}", f"--from {calibration.start}",
            f"--to {calibration.end}", *([f"--data {data}"] if data else []),
            *(["--negotiations"] if negotiations else []), f"-o {output.name}"])
        text = calibrated_toml(base_path.read_text(encoding="utf-8"), calibration, name=name,
                               base_name=base_path.name, command=command)
    if fmt == "json":
        echo_json(calibration.as_json())
    else:
        print_table(TextTable(f"Calibration {calibration.start}–{calibration.end}",
                              ["parameter", "estimate", "± SE", f"base: {base_path.name}"],
                              _rows(calibration, base), _caption(calibration)))
        if calibration.negotiations is not None:
            _print_negotiations(calibration)
    if output is not None and text is not None:
        from simcore.io.atomic import write_text  # only to write: calibrate stays light

        write_text(output, text, overwrite=overwrite)
        if fmt != "json":
            click.echo(f"Wrote {output}")

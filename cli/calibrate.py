"""``smasim calibrate``: driver parameters (and negotiation outcomes) from the shipped history."""

from __future__ import annotations

import math
import re
from pathlib import Path

import click
import numpy as np

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.config.shipped import shipped_scenario
from simcore.evidence.calibrate import (
    CORRELATION_DECIMALS,
    DEFAULT_START,
    DRAWS_SEED,
    ESTIMATE_DIGITS,
    SE_DIGITS,
    Calibration,
    calibrate,
    draw_summary,
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


def _v(value: float | list[float] | None, digits: int = 4) -> str:
    if isinstance(value, list):
        return f"{len(value)} draws"
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}g}"


def _posterior_rows(c: Calibration) -> list[list[str]]:
    """Each table of draws: its median and 5–95% range, beside the OLS estimate."""
    def row(name: str, values: np.ndarray, ols: float | None) -> list[str]:
        summary = draw_summary(values)
        return [name, f"{summary['median']:.4g}", f"{summary['p05']:.4g}–{summary['p95']:.4g}",
                _v(ols)]

    rows = [row(f"{key}.{name}", column, getattr(fit, name, None))
            for key, fit in (("inflation.kr", c.kr), ("inflation.us", c.us))
            if fit.draws is not None for name, column in fit.draws.columns().items()]
    if c.fx.volatility_draws is not None and c.fx.window is not None:
        first, last = c.fx.window
        rows.append(row(f"fx.volatility ({first}–{last})", c.fx.volatility_draws,
                        c.fx.volatility))
    return rows


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
        "volatility ≈ σ/√(2·df). A written scenario simulates the draws (table below).",
        f"fx reversion: Dickey–Fuller κ̂/SE = {fx.t_ratio:.2f} against the 5% critical value "
        f"{-fx.critical_value:.2f} (n = {fx.n}), "
        f"{'rejects' if fx.identified else 'keeps'} a unit root; the test has about 9–16% "
        "power against 3–5-year half-lives here, so κ = 0 (a random walk) is written.",
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
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), default=DRAWS_SEED,
              show_default=True, help="Seed of the parameter draws.")
@click.option("--negotiations", is_flag=True,
              help="Also write the negotiation outcomes from negotiations.csv (an increase and "
              "a lapse outcome, Jeffreys probabilities).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the calibrated scenario (TOML); its run.name is the file's stem.")
@click.option("--overwrite", is_flag=True, help="Replace the output file if it exists.")
@format_option("table", "json")
def calibrate_command(base_path: Path | None, start: int, end: int | None, data: Path | None,
                      seed: int, negotiations: bool, output: Path | None, overwrite: bool,
                      fmt: str) -> None:
    """Estimate the driver parameters from history: posterior draws, and OLS estimates with
    their standard errors.

    Prints the estimates beside the base config's values and, with -o, writes the base
    config with [inflation.*], [defense], [fx] and [shocks] (and with --negotiations the
    negotiation outcomes) replaced, its header naming the data, the years and each
    estimate ± SE and how the estimates are rounded, and the tables of draws it names
    (OUTPUT's folder/draws/<sha256>.csv). Methods: docs/spec/METHODS.md §C.
    """
    base_path = base_path or shipped_scenario(DEFAULT_BASE)
    base = load_scenario(base_path)
    if isinstance(base.fx.ppp, list):
        raise click.UsageError(f"{base_path}: fx.ppp is a table of draws; calibrate takes β "
                               "from the base as one number")
    calibration = calibrate(
        load_history(data), start=start, end=end, ppp=base.fx.ppp, negotiations=negotiations,
        configured_concession_mean=configured_concession_mean(base), seed=seed)
    for tie in calibration.ties:
        click.echo(f"Warning: {tie}", err=True)
    written = None
    if output is not None:
        name = output.stem if _NAME.match(output.stem) else "calibrated"
        command = " ".join([
            "smasim calibrate", f"--base {base_path.name}", f"--from {calibration.start}",
            f"--to {calibration.end}", *([f"--data {data}"] if data else []),
            *([f"--seed {seed}"] if seed != DRAWS_SEED else []),
            *(["--negotiations"] if negotiations else []), f"-o {output.name}"])
        written = calibrated_toml(base_path.read_text(encoding="utf-8"), calibration,
                                  name=name, base_name=base_path.name, command=command,
                                  seed=seed, base_dir=base_path.parent)
    if fmt == "json":
        echo_json(calibration.as_json())
    else:
        print_table(TextTable(f"Calibration {calibration.start}–{calibration.end}",
                              ["parameter", "estimate", "± SE", f"base: {base_path.name}"],
                              _rows(calibration, base), _caption(calibration)))
        print_table(TextTable(
            "Posterior draws (what a written scenario simulates)",
            ["parameter", "median", "5–95%", "OLS"], _posterior_rows(calibration),
            "Inflation: an equal-weight pool of the Bayesian AR(1) and the local level model; "
            "fx: a driftless random walk over the last years (METHODS.md §C)."))
        if calibration.negotiations is not None:
            _print_negotiations(calibration)
    if output is not None and written is not None:
        from simcore.io.atomic import write_text  # only to write: calibrate stays light

        for relative, text in written.draws_files.items():
            # Named by their SHA-256: a file already there under the name is this table.
            path = output.parent / relative
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text(path, text)
        write_text(output, written.text, overwrite=overwrite)
        if fmt != "json":
            click.echo(f"Wrote {output} and its draws files "
                       + ", ".join(sorted(written.draws_files)))

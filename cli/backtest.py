"""``smasim backtest``: would the model's intervals have covered what happened?"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from simcore.analysis.backtest import (
    DEFAULT_FROM,
    DEFAULT_HORIZON,
    DEFAULT_SAMPLES,
    DEFAULT_WINDOW_START,
    backtest_drivers,
    backtest_sma,
    driver_records,
    write_backtest,
)
from simcore.analysis.negotiation_backtest import backtest_negotiations
from simcore.config.load import load_scenario
from simcore.evidence.history import load_history
from simcore.report.negotiation_tables import negotiation_tables

from .history import data_option, echo_json, format_option, print_table
from .options import Count, check_output_free, read_overwrite_option
from .summary import print_tables

#: Most paths per origin a backtest simulates.
MAX_BACKTEST_SAMPLES = 10_000_000
#: Where the judgment scenarios scored by the negotiation backtest are looked for by default.
DEFAULT_JUDGMENTS = Path("configs")

CAVEAT = ("Simulations use point estimates of the parameters (intervals run narrow) and "
          "today's revised data, not what was known at the time. Wilson 95% intervals on "
          "n_eff = ceil(n / lead): overlapping horizons are dependent.")


def _driver_table(records: list[dict[str, Any]]) -> None:
    rows = []
    for r in records:
        rows.append([
            r["driver"], str(r["lead"]), f"{100 * r['level']:.0f}%",
            f"{r['hits']} of {r['n']}", f"{100 * r['rate']:.0f}%",
            f"{100 * r['rate_lower']:.0f}–{100 * r['rate_upper']:.0f}%", str(r["n_eff"]),
            f"{r['mean_pit']:.2f}", "—" if math.isnan(r["sd_pit"]) else f"{r['sd_pit']:.2f}",
            f"{r['mean_crps']:.4g}", f"{r['mean_crps_no_change']:.4g}",
        ])
    print_table("Driver backtest: central intervals against the data",
                ["driver", "lead", "interval", "held", "rate", "Wilson 95%", "n_eff",
                 "mean PIT", "sd PIT", "CRPS", "CRPS no-change"], rows,
                "A calibrated model: rate near the interval level, mean PIT 0.5, sd PIT 0.29. "
                + CAVEAT)


def _sma_table(records: list[dict[str, Any]]) -> None:
    def flag(value: bool | None) -> str:
        return "" if value is None else ("yes" if value else "NO")

    rows = [[r["agreement"], str(r["year"]), f"{r['official_krw'] / 1e8:,.0f}", r["status"],
             "" if r["pit"] is None else f"{r['pit']:.3f}", flag(r["in_50"]),
             flag(r["in_80"]), flag(r["in_90"])] for r in records]
    print_table("SMA backtest: each agreement's later years from the year before it began",
                ["agreement", "year", "amount [100m KRW]", "status", "PIT", "in 50%", "in 80%",
                 "in 90%"], rows,
                "Only official rows are scored; 'determined': fixed by data observed at the "
                "origin; 'known': given to the model. About five points: illustrative.")


@click.command("backtest")
@click.option("--from", "start", type=int, default=DEFAULT_FROM, show_default=True,
              help="First origin year.")
@click.option("--to", "end", type=int, default=None,
              help="Last origin year [default: the year before the last year of data].")
@click.option("--window-start", type=int, default=DEFAULT_WINDOW_START, show_default=True,
              help="First year of data each origin's calibration uses (1996 includes the "
              "1997-98 crisis).")
@click.option("--horizon", type=click.IntRange(min=1, max=30), default=DEFAULT_HORIZON,
              show_default=True, help="Leads simulated from each origin, in years.")
@click.option("--samples", type=Count(MAX_BACKTEST_SAMPLES), default=DEFAULT_SAMPLES,
              show_default=True, help="Paths per origin, at least 2 (e.g. 20000 or 2e4).")
@data_option
@click.option("--judgment", "judgments", type=click.Path(path_type=Path, dir_okay=False),
              multiple=True, metavar="CONFIG",
              help="A scenario file whose negotiation outcomes the negotiation backtest scores "
              "(repeatable) [default: configs/*.toml in the working directory, if any].")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="netCDF file of the forecast quantiles and the data (for plot --kind "
              "coverage).")
@read_overwrite_option
@format_option("table", "json")
def backtest_command(start: int, end: int | None, window_start: int, horizon: int,
                     samples: int, data: Path | None, judgments: tuple[Path, ...],
                     output: Path | None, overwrite: bool, fmt: str) -> None:
    """Rolling-origin backtest of the drivers, of the SMA amounts and of the negotiation
    outcomes (docs/spec/METHODS.md §C).

    For each origin, calibrate on the data up to it only, simulate the drivers HORIZON years
    ahead, and score the data: PIT, 50/80/90% interval hits, CRPS beside no-change. Each
    agreement from the 5th is forecast by the history model fitted to the agreements before
    it, by the status quo and by each --judgment scenario, and scored: PIT, CRPS, log score.
    """
    check_output_free(output, overwrite)  # before minutes of work, not after
    history = load_history(data)
    if not judgments and DEFAULT_JUDGMENTS.is_dir():
        judgments = tuple(sorted(DEFAULT_JUDGMENTS.glob("*.toml")))
    negotiations = backtest_negotiations(history, [load_scenario(p) for p in judgments])
    result = backtest_drivers(history, start=start, end=end, window_start=window_start,
                              horizon=horizon, samples=samples)
    drivers = driver_records(result)
    sma = backtest_sma(history, window_start=window_start, samples=samples)
    if output is not None:
        write_backtest(result, output, overwrite=overwrite, negotiations=negotiations)
    if fmt == "json":
        echo_json({"drivers": drivers, "sma": sma, "negotiations": negotiations.records(),
                   "negotiation_models": negotiations.totals()})
        return
    _driver_table(drivers)
    _sma_table(sma)
    print_tables(negotiation_tables(negotiations))
    if output is not None:
        click.echo(f"Wrote {output}")

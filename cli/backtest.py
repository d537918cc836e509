"""``smasim backtest``: would the model's intervals have covered what happened?"""

from __future__ import annotations

from pathlib import Path

import click

from simcore.analysis.backtest import (
    DEFAULT_FROM,
    DEFAULT_HORIZON,
    DEFAULT_METHOD,
    DEFAULT_SAMPLES,
    DEFAULT_WINDOW_START,
    METHODS,
    Method,
    acceptance,
    acceptance_checks,
    backtest_drivers,
    backtest_sma,
    coverage_rows,
    driver_records,
    write_backtest,
)
from simcore.analysis.negotiation_backtest import backtest_negotiations
from simcore.config.load import load_scenario
from simcore.config.shipped import shipped_scenario, shipped_scenarios
from simcore.evidence.history import load_history
from simcore.io.atomic import refuse_existing
from simcore.report.backtest import (
    driver_tables,
    negotiation_tables,
    sma_tables,
    verdict_tables,
)

from .history import data_option, format_option, print_table
from .options import Count, ScenarioFile, read_overwrite_option
from .tables import command_line, echo_json, output_format, print_tables

#: Most paths per origin a backtest simulates.
MAX_BACKTEST_SAMPLES = 10_000_000


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
@click.option("--method", type=click.Choice(METHODS), default=DEFAULT_METHOD,
              show_default=True,
              help="posterior: the shipped default (parameter draws); plug-in: the 0.2 "
              "method (point estimates), the acceptance rule's benchmark.")
@data_option
@click.option("--judgment", "judgments", type=ScenarioFile(), multiple=True, metavar="CONFIG",
              help="A scenario (a file or a shipped scenario's name) whose negotiation "
              "outcomes the negotiation backtest scores (repeatable) [default: the shipped "
              "scenarios, variants/ aside].")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="netCDF file of the forecast quantiles and the data (for plot --kind "
              "coverage); a name ending in .xlsx writes the tables' workbook there instead.")
@read_overwrite_option
@format_option("table", "json", "xlsx")
def backtest_command(start: int, end: int | None, window_start: int, horizon: int,
                     samples: int, method: Method, data: Path | None,
                     judgments: tuple[Path, ...], output: Path | None, overwrite: bool,
                     fmt: str) -> None:
    """Rolling-origin backtest of the drivers, of the SMA amounts and of the negotiation
    outcomes (docs/spec/METHODS.md §C).

    For each origin, calibrate on the data up to it only, simulate the drivers HORIZON years
    ahead, and score the data: PIT, 50/80/90% interval hits, CRPS beside no-change and the
    0.2 method, Berkowitz's test; then a verdict per driver under the acceptance rule. Each
    agreement from the 5th is forecast by the history model fitted to the agreements before
    it, by the status quo and by each --judgment scenario, and scored: PIT, CRPS, log score.
    """
    # Before minutes of work, not after: -o FILE.xlsx is the workbook, else the netCDF file.
    workbook = output if fmt == "xlsx" or (output and output.suffix.lower() == ".xlsx") else None
    fmt = output_format("xlsx" if workbook else fmt, workbook, overwrite)
    netcdf = None if workbook else output
    refuse_existing(netcdf, overwrite)
    history = load_history(data)
    if not judgments:  # the same default in every folder
        judgments = tuple(shipped_scenario(name) for name in shipped_scenarios()
                          if "/" not in name)
    negotiations = backtest_negotiations(history, [load_scenario(p) for p in judgments])
    result = backtest_drivers(history, start=start, end=end, window_start=window_start,
                              horizon=horizon, samples=samples, method=method)
    verdicts = acceptance(result)
    sma = backtest_sma(history, window_start=window_start, samples=samples, method=method)
    if netcdf is not None:
        write_backtest(result, netcdf, overwrite=overwrite, negotiations=negotiations)
    # The driver and SMA tables are printed one by one (wide), the negotiation tables together.
    separate = [*driver_tables(coverage_rows(result), method=method), *verdict_tables(verdicts),
                *sma_tables(sma)]
    together = negotiation_tables(negotiations)
    if workbook is not None:
        from simcore.report.xlsx import workbook_about, write_workbook

        write_workbook(workbook, [*separate, *together], [
            *workbook_about(command_line()), ("data", str(history.source)),
            ("origins", f"{result.origins[0]}–{result.origins[-1]}"),
            ("paths per origin", samples), ("first year of data", window_start),
            ("method", method)],
            overwrite=overwrite)
        click.echo(f"Wrote {workbook}")
        return
    if fmt == "json":
        echo_json({"drivers": driver_records(result), "sma": sma,
                   "verdicts": [v.as_record() for v in verdicts],
                   "acceptance": [c.as_record() for v in verdicts
                                  for c in acceptance_checks(result, v.driver)],
                   "negotiations": negotiations.records(),
                   "negotiation_models": negotiations.totals()})
        return
    for table in separate:
        print_table(table)
    print_tables(together)
    if netcdf is not None:
        click.echo(f"Wrote {netcdf}")

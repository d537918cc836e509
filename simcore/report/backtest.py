"""A backtest laid out as text tables: coverage for the report, and what ``smasim backtest``
prints.

Every table is drawn from :func:`simcore.analysis.backtest.coverage_rows` (the one
computation of coverage) or from the SMA replay's records
(:func:`simcore.analysis.backtest.backtest_sma`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from simcore.analysis.backtest import CoverageRow
from simcore.report.formats import TextTable

#: How the backtest's numbers were made, said under its driver table.
CAVEAT = ("Simulations use point estimates of the parameters (intervals run narrow) and "
          "today's revised data, not what was known at the time. Wilson 95% intervals on "
          "n_eff = ceil(n / lead): overlapping horizons are dependent.")


def coverage_tables(rows: Sequence[CoverageRow]) -> list[TextTable]:
    """One table, what the report shows of a backtest file: driver and lead as rows, each
    central interval's hit rate (whole percent, with its Wilson interval) as columns."""
    levels = list(dict.fromkeys(r.level for r in sorted(rows, key=lambda r: r.level)))
    cell = {(r.driver, r.lead, r.level): r for r in rows}
    keys = list(dict.fromkeys((r.driver, r.lead) for r in rows))
    body = []
    for driver, lead in keys:
        line = [driver, str(lead)]
        for level in levels:
            row = cell.get((driver, lead, level))
            # Whole percent: with tens of origins, a decimal would be noise.
            line.append("—" if row is None else
                        f"{100 * row.rate:.0f} ({100 * row.rate_lower:.0f}–"
                        f"{100 * row.rate_upper:.0f})")
        counts = [cell[driver, lead, level] for level in levels if (driver, lead, level) in cell]
        line.append(f"{counts[0].n} ({counts[0].n_eff})")
        body.append(line)
    return [TextTable(
        title="Backtest: how often the realized value fell inside the forecast interval [%]",
        header=["driver", "lead [years]", *(f"{level:.0%} interval" for level in levels),
                "origins (effective)"],
        rows=body,
        caption="A well-calibrated forecast has each rate near its nominal level. In brackets: "
        "Wilson 95 % interval on the effective number of origins ⌈n / lead⌉ (forecasts with "
        "overlapping horizons are not independent).",
    )]


def driver_tables(rows: Sequence[CoverageRow]) -> list[TextTable]:
    """One table, what ``smasim backtest`` prints: per driver, lead and interval, the hits,
    the rate with its Wilson interval, the PIT's mean and spread, and the CRPS beside the
    no-change forecast's."""
    body = [
        [r.driver, str(r.lead), f"{100 * r.level:.0f}%", f"{r.hits} of {r.n}",
         f"{100 * r.rate:.0f}%", f"{100 * r.rate_lower:.0f}–{100 * r.rate_upper:.0f}%",
         str(r.n_eff), f"{r.mean_pit:.2f}",
         "—" if math.isnan(r.sd_pit) else f"{r.sd_pit:.2f}",
         f"{r.mean_crps:.4g}", f"{r.mean_crps_no_change:.4g}"]
        for r in rows
    ]
    return [TextTable(
        title="Driver backtest: central intervals against the data",
        header=["driver", "lead", "interval", "held", "rate", "Wilson 95%", "n_eff",
                "mean PIT", "sd PIT", "CRPS", "CRPS no-change"],
        rows=body,
        caption="A calibrated model: rate near the interval level, mean PIT 0.5, sd PIT 0.29. "
        + CAVEAT,
    )]


def sma_tables(records: Sequence[Mapping[str, Any]]) -> list[TextTable]:
    """One table of the SMA replay (:func:`simcore.analysis.backtest.backtest_sma`'s
    records): each agreement's later years, their status, PIT and interval hits."""
    def flag(value: object) -> str:
        return "" if value is None else ("yes" if value else "NO")

    body = [[r["agreement"], str(r["year"]), f"{r['official_krw'] / 1e8:,.0f}", r["status"],
             "" if r["pit"] is None else f"{r['pit']:.3f}", flag(r["in_50"]),
             flag(r["in_80"]), flag(r["in_90"])] for r in records]
    return [TextTable(
        title="SMA backtest: each agreement's later years from the year before it began",
        header=["agreement", "year", "amount [100m KRW]", "status", "PIT", "in 50%", "in 80%",
                "in 90%"],
        rows=body,
        caption="Only official rows are scored; 'determined': fixed by data observed at the "
        "origin; 'known': given to the model. About five points: illustrative.",
    )]

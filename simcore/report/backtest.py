"""A backtest laid out as text tables: what ``smasim backtest`` prints and the report shows.

The drivers' tables are drawn from :func:`simcore.analysis.backtest.coverage_rows` (the one
computation of coverage), the SMA replay's from its records
(:func:`simcore.analysis.backtest.backtest_sma`), the negotiation backtest's from
:class:`~simcore.analysis.negotiation_backtest.NegotiationBacktest`: each model's totals and
each agreement's scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from simcore.analysis.backtest import (
    BERKOWITZ_LEVEL,
    CRPS_RATIO_LIMIT,
    DEFAULT_METHOD,
    PIT_BAND_SDS,
    CoverageRow,
    Method,
    Verdict,
    describe_check,
)
from simcore.analysis.negotiation_backtest import CENTRAL_80, NegotiationBacktest
from simcore.report.formats import Column, Number, TextTable, whole

#: How the backtest's numbers were made, said under its driver table, by method.
CAVEAT: dict[Method, str] = {
    "posterior": "Simulations draw each path's parameters from the calibration's posterior at "
                 "each origin (the shipped default's method)",
    "plug-in": "Simulations use the 0.2 method: point estimates of the parameters (intervals "
               "run narrow), beta = 1",
}
DATA_CAVEAT = ("; today's revised data, not what was known at the time. Wilson 95% intervals "
               "on n_eff = ceil(n / lead): overlapping horizons are dependent.")


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


def driver_tables(rows: Sequence[CoverageRow], *, method: Method = DEFAULT_METHOD
                  ) -> list[TextTable]:
    """One table, what ``smasim backtest`` prints: per driver, lead and interval, the hits,
    the rate with its Wilson interval, the PIT's mean and spread, and the CRPS beside the
    no-change forecast's; its caption says how ``method`` simulated."""
    body = [
        [r.driver, whole(r.lead), _percent(r.level), f"{r.hits} of {r.n}", _percent(r.rate),
         Number(f"{100 * r.rate_lower:.0f}–{100 * r.rate_upper:.0f}%", 100 * r.rate_lower,
                high=100 * r.rate_upper, decimals=0),
         whole(r.n_eff), _fixed(r.mean_pit, 2), _fixed(r.sd_pit, 2),
         Number(f"{r.mean_crps:.4g}", r.mean_crps),
         Number(f"{r.mean_crps_no_change:.4g}", r.mean_crps_no_change)]
        for r in rows
    ]
    return [TextTable(
        title="Driver backtest: central intervals against the data",
        header=["driver", "lead", "interval", "held", "rate", "Wilson 95%", "n_eff",
                "mean PIT", "sd PIT", "CRPS", "CRPS no-change"],
        rows=body,
        caption="A calibrated model: rate near the interval level, mean PIT 0.5, sd PIT 0.29. "
        + CAVEAT[method] + DATA_CAVEAT,
        columns=(Column("driver"), Column("lead", "years"), Column("interval", "%"),
                 Column("held"), Column("rate", "%"),
                 Column("Wilson 95%", "%", statistic="lower", high="upper"), Column("n_eff"),
                 Column("mean PIT"), Column("sd PIT"), Column("CRPS"),
                 Column("CRPS no-change")),
        sheet="driver backtest",
    )]


def verdict_tables(verdicts: Sequence[Verdict]) -> list[TextTable]:
    """One table of the acceptance rule (:func:`simcore.analysis.backtest.acceptance`): per
    driver its verdict, origins, Berkowitz p-value and CRPS ratio, then each failed check
    in words on a line of its own."""
    body: list[list[str]] = []
    for v in verdicts:
        verdict = "too few origins" if v.passed is None else "PASS" if v.passed else "FAIL"
        failed = [describe_check(c) for c in v.failed] or ["—"]
        body.append([v.driver, verdict, whole(v.origins), _fixed(v.berkowitz_p, 3),
                     _fixed(v.crps_ratio, 3), failed[0]])
        body += [["", "", "", "", "", line] for line in failed[1:]]
    return [TextTable(
        title="Acceptance rule per driver (docs/spec/METHODS.md §C)",
        header=["driver", "verdict", "origins", "Berkowitz p", "CRPS / 0.2", "failed checks"],
        rows=body,
        caption=f"PASS needs: at leads 1-2 the Wilson 95% interval of every hit rate contains "
        f"its level; Berkowitz (2001) p >= {BERKOWITZ_LEVEL:g} at lead 1; mean PIT within "
        f"{PIT_BAND_SDS:g} null sds of 0.5 at every lead; CRPS below no-change at every lead "
        f"and, averaged over leads, at most {CRPS_RATIO_LIMIT:g} x the 0.2 method's (plug-in "
        "point estimates).",
        columns=(Column("driver"), Column("verdict"), Column("origins"), Column("Berkowitz p"),
                 Column("CRPS / 0.2"), Column("failed checks")),
        sheet="verdicts",
    )]


def _percent(fraction: float) -> Number:
    """A fraction as a whole percent (``45%``), keeping every digit of ``100 × fraction``."""
    return Number(f"{100 * fraction:.0f}%", 100 * fraction, decimals=0)


def _fixed(value: float, decimals: int) -> Number:
    """``value`` to ``decimals`` places, ``—`` where undefined."""
    return Number("—" if math.isnan(value) else f"{value:.{decimals}f}", value,
                  decimals=decimals)


def sma_tables(records: Sequence[Mapping[str, Any]]) -> list[TextTable]:
    """One table of the SMA replay (:func:`simcore.analysis.backtest.backtest_sma`'s
    records): each agreement's later years, their status, PIT and interval hits."""
    def flag(value: object) -> str:
        return "" if value is None else ("yes" if value else "NO")

    body = [[r["agreement"], whole(r["year"]),
             Number(f"{r['official_krw'] / 1e8:,.0f}", r["official_krw"] / 1e8, decimals=0),
             r["status"], "" if r["pit"] is None else _fixed(r["pit"], 3), flag(r["in_50"]),
             flag(r["in_80"]), flag(r["in_90"])] for r in records]
    return [TextTable(
        title="SMA backtest: each agreement's later years from the year before it began",
        header=["agreement", "year", "amount [100m KRW]", "status", "PIT", "in 50%", "in 80%",
                "in 90%"],
        rows=body,
        caption="Only official rows are scored; 'determined': fixed by data observed at the "
        "origin; 'known': given to the model. About five points: illustrative.",
        sheet="SMA backtest",
    )]


#: How the two benchmark models are named in the tables.
MODEL_LABELS = {"history": "history model", "status_quo": "status quo"}


def model_label(name: str, kind: str, same_as: Sequence[str] = ()) -> str:
    """``baseline (= calibrated, drawdown)``, ``history (in-sample)``, ``history model``."""
    label = MODEL_LABELS.get(kind, name)
    if same_as:
        label += f" (= {', '.join(same_as)})"
    if kind == "in_sample":
        label += " (in-sample)"
    return label


def _number(value: float | None, form: str) -> str:
    return "—" if value is None else format(value, form)


def negotiation_tables(result: NegotiationBacktest) -> list[TextTable]:
    """The totals per model, then each agreement's CRPS and PIT per model (in points)."""
    n = len(result.events)
    low, high = CENTRAL_80
    totals = []
    for m in result.totals():
        events = m["events"]
        totals.append([
            model_label(m["model"], m["kind"], m["same_as"]), str(events or "—"),
            _number(None if m["mean_crps"] is None else 100 * m["mean_crps"], ".2f"),
            _number(m["log_score"], ".1f"),
            str(m["zero_probability_events"]) if events else "—",
            _number(m["mean_pit"], ".2f"), f"{m['pits_in_80']} of {events}" if events else "—",
            _number(m["mean_brier"], ".3f"),
        ])
    shown = [m for m in result.models if m.scored]
    by_event = []
    for k, event in enumerate(result.events):
        row = [event.agreement, str(event.first_year), f"{100 * event.change:+.1f}",
               f"{100 * event.status_quo:+.1f}", "yes" if event.lapse else ""]
        for model in shown:
            s = model.scores[k]
            row.append("—" if s.crps is None or s.pit is None
                       else f"{100 * s.crps:.1f} ({s.pit:.2f})")
        by_event.append(row)
    return [
        TextTable(
            title=f"Negotiation backtest: the agreements from the {result.events[0].agreement}, "
            f"each forecast before it ({n} events: illustrative)",
            header=["model", "events", "mean CRPS, pt", "log score", "no mass", "mean PIT",
                    f"PITs in {100 * low:.0f}–{100 * high:.0f}%", "Brier (lapse)"],
            rows=totals,
            caption="The first-year change, given an agreement. CRPS: 0 for a perfect point "
            "forecast. Log score: log P(change within ± 0.5 point), summed over the events the "
            "model gave mass; 'no mass': events it gave none (log score −∞). PIT over the "
            "recorded value ± 0.05 point, an atom inside counting half. History model: what "
            "calibrate --negotiations writes from the agreements before each one; in-sample: "
            "fitted to every agreement, the scored ones included. Judgment scenarios: outcomes "
            "without the lapse, a demand as a ratio to the scenario's own base-year amount; a "
            "what-if (a demand that always happens) is scored for its distance from the "
            "record, not judged as a scenario; '—' events: it concludes no agreement.",
            sheet="negotiation models",
        ),
        TextTable(
            title="Negotiation backtest by agreement: CRPS, pt (PIT)",
            header=["agreement", "year", "change, %", "status quo, %", "lapse",
                    *(model_label(m.name, m.kind) for m in shown)],
            rows=by_event,
            caption=f"Illustrative: {n} events. The history model uses the agreements before "
            "each one; the judgment scenarios use nothing from the record (an in-sample one "
            "was fitted to all of it); the status quo is the expiring agreement's rule applied "
            "to the new year.",
            sheet="negotiations by agreement",
        ),
    ]

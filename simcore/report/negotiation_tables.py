"""A negotiation backtest laid out as text tables: each model's totals, and each agreement's
scores, as ``smasim backtest`` prints them and the report shows them."""

from __future__ import annotations

from collections.abc import Sequence

from simcore.analysis.negotiation_backtest import CENTRAL_80, NegotiationBacktest
from simcore.report.render import TextTable

__all__ = ["model_label", "negotiation_tables"]

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
        ),
    ]

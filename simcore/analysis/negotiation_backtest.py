"""Would the negotiation outcomes have foreseen the agreements? A prequential backtest
(METHODS.md §C, "Negotiation backtest"; Dawid 1984).

The event is an agreement's first-year change (``negotiations.csv``), scored from the
agreement with :data:`MIN_EARLIER` agreements before it (the 5th of the shipped record: 8
events, illustrative). Each is forecast, conditional on an agreement being concluded, by:

- **the history model**: what ``smasim calibrate --negotiations`` writes when it is given
  the earlier agreements only: ``N(mean, sd)`` of their first-year changes, rounded as
  calibrate rounds them, and the Jeffreys probability of a lapse;
- **the status quo**: an atom at the change the expiring agreement's own rule gives the new
  year (``status_quo_change_pct``), known when the agreement was negotiated;
- **each judgment scenario** given: its outcomes without the lapse (renormalized), a demand
  ``D`` as the ratio ``D / V`` to the scenario's own base-year amount ``V`` (the way a 2026
  judgment applies to 1994–2019: absolute dollars would be far harsher), the status quo at
  the event's rule, an ``increase`` its normal. A scenario whose outcomes equal the history
  model fitted to every agreement (``configs/history.toml``) is marked in-sample: it has
  seen the events it is scored on.

Scores (:mod:`simcore.stats.scores`): the mid-PIT over the recording interval ``y ± 0.05``
point, the CRPS, the probability of the 1-point bin around ``y`` and its logarithm (−∞
where the law gives it no mass), and the Brier score of the lapse. Nothing scored for an
agreement depends on its own outcome or on any later row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np

from simcore.config.schema import (
    DemandOutcome,
    IncreaseOutcome,
    LapseOutcome,
    Scenario,
    StatusQuoOutcome,
)
from simcore.core.errors import SmasimInputError
from simcore.core.rounding import Rounder
from simcore.evidence.calibrate import fit_negotiation_records, round_negotiations
from simcore.evidence.history import History, NegotiationRecord, negotiation_records
from simcore.stats.elicitation import Discrete, Distribution, Mixture
from simcore.stats.scores import (
    Component,
    Law,
    Normal,
    PointMass,
    ScaledBeta,
    crps,
    interval_mid_pit,
    interval_probability,
    mixture,
)

__all__ = ["LOG_BIN", "MIN_EARLIER", "RECORDING", "SCORE_VARIABLES", "ModelScores",
           "NegotiationBacktest", "NegotiationEvent", "backtest_negotiations",
           "history_forecast", "judgment_forecast", "negotiation_backtest_of",
           "negotiation_dataset", "negotiation_forecasts"]

#: Agreements a forecast needs before it: the first scored is the one with this many
#: before it (the history model's sd needs two; three give it a first chance to be wrong).
MIN_EARLIER = 3
#: ``first_year_change_pct`` is recorded to 0.1 point: the value lies in ``y ± 0.0005``.
RECORDING = 0.0005
#: Half-width of the log score's bin: 1 point wide.
LOG_BIN = 0.005
#: PITs inside this central range count as "in the central 80%".
CENTRAL_80 = (0.1, 0.9)

ModelKind = Literal["history", "status_quo", "judgment", "in_sample"]


@dataclass(frozen=True)
class NegotiationEvent:
    """One scored agreement: what happened, and what its predecessor's rule would have given.

    ``change`` and ``status_quo`` are fractions; ``origin`` is the year before
    ``first_year`` (what a forecast may know).
    """

    agreement: str
    first_year: int
    change: float
    status_quo: float
    lapse: bool

    @property
    def origin(self) -> int:
        """The last year a forecast of this agreement may use."""
        return self.first_year - 1


@dataclass(frozen=True)
class Forecast:
    """A model's forecast of one event: the first-year change given a conclusion (None:
    the model concludes no agreement), and the probability of a lapse (None: not modelled)."""

    law: Law | None
    lapse_probability: float | None


@dataclass(frozen=True)
class EventScore:
    """A forecast scored against its event (change scores None where there is no law)."""

    pit: float | None
    crps: float | None
    bin_probability: float | None
    lapse_probability: float | None
    brier: float | None

    @property
    def log_score(self) -> float | None:
        """``log P(bin)``; −∞ where the law puts no mass in the bin."""
        if self.bin_probability is None:
            return None
        return math.log(self.bin_probability) if self.bin_probability > 0 else -math.inf


@dataclass(frozen=True)
class ModelScores:
    """One model over every event.

    Attributes
    ----------
    name : str
        ``history_model``, ``status_quo``, or a judgment scenario's name.
    kind : {'history', 'status_quo', 'judgment', 'in_sample'}
    same_as : tuple of str
        Other scenarios whose outcomes give the same forecasts (scored once).
    scores : list of EventScore
        One per event, in the events' order.
    """

    name: str
    kind: ModelKind
    scores: list[EventScore]
    same_as: tuple[str, ...] = ()

    @property
    def scored(self) -> list[EventScore]:
        """The events with a change forecast."""
        return [s for s in self.scores if s.crps is not None]

    def totals(self) -> dict[str, Any]:
        """Per model: the mean CRPS, the summed log score (over the events with mass in their
        bin) and how many had none, the mean PIT, the PITs in the central 80%, the mean
        Brier score of the lapse."""
        scored = self.scored
        pits = [s.pit for s in scored if s.pit is not None]
        logs = [s.log_score for s in scored if s.log_score is not None]
        briers = [s.brier for s in self.scores if s.brier is not None]
        low, high = CENTRAL_80
        return {
            "model": self.name, "kind": self.kind, "same_as": list(self.same_as),
            "events": len(scored),
            "mean_crps": math.fsum(s.crps for s in scored if s.crps is not None) / len(scored)
            if scored else None,
            "log_score": math.fsum(v for v in logs if math.isfinite(v)) if scored else None,
            "zero_probability_events": sum(1 for v in logs if not math.isfinite(v)),
            "mean_pit": math.fsum(pits) / len(pits) if pits else None,
            "pits_in_80": sum(1 for p in pits if low <= p <= high),
            "mean_brier": math.fsum(briers) / len(briers) if briers else None,
        }


@dataclass(frozen=True)
class NegotiationBacktest:
    """Every model's scores on every event (:func:`backtest_negotiations`)."""

    events: list[NegotiationEvent]
    models: list[ModelScores]
    source: str = field(default="package data")

    def records(self) -> list[dict[str, Any]]:
        """The ``negotiations`` records of ``smasim backtest --format json``: per model and
        event, fractions (``change``, ``status_quo``, ``crps``) and probabilities; the log
        score is null where it is −∞ (``bin_probability`` 0)."""
        out = []
        for model in self.models:
            for event, score in zip(self.events, model.scores, strict=True):
                log = score.log_score
                out.append({
                    "model": model.name, "kind": model.kind, "agreement": event.agreement,
                    "first_year": event.first_year, "change": event.change,
                    "status_quo": event.status_quo, "lapse": event.lapse, "pit": score.pit,
                    "crps": score.crps, "bin_probability": score.bin_probability,
                    "log_score": log if log is not None and math.isfinite(log) else None,
                    "lapse_probability": score.lapse_probability, "brier": score.brier,
                })
        return out

    def totals(self) -> list[dict[str, Any]]:
        """The ``negotiation_models`` records: :meth:`ModelScores.totals` per model."""
        return [model.totals() for model in self.models]


def events_of(records: Sequence[NegotiationRecord]) -> list[NegotiationEvent]:
    """The agreements scored: each with at least :data:`MIN_EARLIER` before it."""
    return [NegotiationEvent(r.agreement, r.first_year, r.first_year_change,
                             r.status_quo_change, r.lapse)
            for r in records[MIN_EARLIER:]]


def history_forecast(earlier: Sequence[NegotiationRecord]) -> Forecast:
    """What ``calibrate --negotiations`` writes from ``earlier`` alone, as a forecast: the
    ``increase`` outcome's normal (rounded as calibrate rounds it) and the lapse's Jeffreys
    probability."""
    fit = round_negotiations(fit_negotiation_records(earlier), Rounder())
    component: Component = (Normal(fit.increase_mean, fit.increase_sd) if fit.increase_sd > 0
                            else PointMass(fit.increase_mean))
    return Forecast(mixture([(1.0, component)]), fit.lapse_probability)


def judgment_forecast(scenario: Scenario, status_quo: float) -> Forecast:
    """A scenario's negotiation outcomes as a forecast of a first-year change whose expiring
    rule gives ``status_quo``: the outcomes other than ``lapse``, renormalized, a demand as
    ``s (D / V − 1)`` with ``V`` the scenario's base-year amount in USD."""
    value = scenario.agreement.base_year_amount_krw / scenario.fx.initial
    parts: list[tuple[float, Component]] = []
    lapse = 0.0
    for outcome in scenario.negotiation.outcomes:
        if isinstance(outcome, LapseOutcome):
            lapse += outcome.probability
        elif isinstance(outcome, StatusQuoOutcome):
            parts.append((outcome.probability, PointMass(status_quo)))
        elif isinstance(outcome, IncreaseOutcome):
            first = outcome.first_year
            parts.append((outcome.probability, Normal(first.mean, first.sd) if first.sd > 0
                          else PointMass(first.mean)))
        elif isinstance(outcome, DemandOutcome):
            concession = _beta_components(outcome.concession.law())
            for demand, weight in _demand_points(outcome.demand_usd.law()):
                gap = demand / value - 1.0
                for share, (a, b) in concession:
                    parts.append((outcome.probability * weight * share,
                                  ScaledBeta(0.0, gap, a, b) if gap != 0 else PointMass(0.0)))
    if not any(weight > 0 for weight, _ in parts):
        return Forecast(None, lapse)
    return Forecast(mixture(parts), lapse)


#: Equally likely values that stand for a pooled (continuous) demand in a forecast: its
#: quantiles at the middles of as many equal-probability bins.
DEMAND_POINTS = 64


def _demand_points(law: Discrete | Mixture) -> list[tuple[float, float]]:
    """A demand law's values and their probabilities: a discrete law's own; a pooled
    mixture's quantiles at ``(k − ½) / DEMAND_POINTS``, each ``1 / DEMAND_POINTS``."""
    if isinstance(law, Discrete):
        return list(zip(law.values, law.probabilities, strict=True))
    levels = (np.arange(DEMAND_POINTS) + 0.5) / DEMAND_POINTS
    return [(float(v), 1.0 / DEMAND_POINTS) for v in law.ppf(levels)]


def _beta_components(law: Distribution | Mixture) -> list[tuple[float, tuple[float, float]]]:
    """A concession law's Betas and their weights (one Beta: weight 1)."""
    components = law.components if isinstance(law, Mixture) else (law,)
    weights = law.weights if isinstance(law, Mixture) else (1.0,)
    return [(w, c.parameters) for w, c in zip(weights, components, strict=True)]


def score(forecast: Forecast, event: NegotiationEvent) -> EventScore:
    """The scores of one forecast against its event."""
    lapse = forecast.lapse_probability
    brier = None if lapse is None else (lapse - float(event.lapse)) ** 2
    law, y = forecast.law, event.change
    if law is None:
        return EventScore(None, None, None, lapse, brier)
    return EventScore(
        pit=interval_mid_pit(law, y - RECORDING, y + RECORDING),
        crps=crps(law, y),
        bin_probability=max(interval_probability(law, y - LOG_BIN, y + LOG_BIN), 0.0),
        lapse_probability=lapse, brier=brier)


@dataclass(frozen=True)
class ModelForecasts:
    """One model's forecast of each scored agreement (names as in :class:`ModelScores`)."""

    name: str
    kind: ModelKind
    forecasts: tuple[Forecast, ...]
    same_as: tuple[str, ...] = ()


def negotiation_forecasts(records: Sequence[NegotiationRecord],
                          judgments: Sequence[Scenario] = ()) -> list[ModelForecasts]:
    """Each model's forecast of each agreement with :data:`MIN_EARLIER` before it, from what
    was known before that agreement only: the earlier rows (the history model) and the
    expiring agreement's rule (its status quo). Scenarios with the same forecasts are one
    model (the first named; the others in ``same_as``); one whose forecasts equal the history
    model fitted to every row is ``in_sample``."""
    status_quo = [r.status_quo_change for r in records[MIN_EARLIER:]]
    models = [
        ModelForecasts("history_model", "history", tuple(
            history_forecast(records[:k]) for k in range(MIN_EARLIER, len(records)))),
        ModelForecasts("status_quo", "status_quo", tuple(
            Forecast(mixture([(1.0, PointMass(q))]), None) for q in status_quo)),
    ]
    whole = history_forecast(records)
    seen: dict[tuple[Forecast, ...], int] = {}
    for scenario in judgments:
        forecasts = tuple(judgment_forecast(scenario, q) for q in status_quo)
        if forecasts in seen:
            first = models[seen[forecasts]]
            models[seen[forecasts]] = ModelForecasts(first.name, first.kind, first.forecasts,
                                                     (*first.same_as, scenario.run.name))
            continue
        seen[forecasts] = len(models)
        kind: ModelKind = "in_sample" if forecasts[0] == whole else "judgment"
        models.append(ModelForecasts(scenario.run.name, kind, forecasts))
    return models


def backtest_negotiations(history: History, judgments: Sequence[Scenario] = ()
                          ) -> NegotiationBacktest:
    """Score the history model, the status quo and each judgment scenario on every agreement
    with :data:`MIN_EARLIER` before it (:func:`negotiation_forecasts`, :func:`score`).

    Parameters
    ----------
    history : History
        The data (:func:`simcore.evidence.history.load_history`).
    judgments : sequence of Scenario
        Scenarios whose negotiation outcomes are scored; scenarios with the same forecasts
        are scored once (the first named, the others in ``same_as``).

    Returns
    -------
    NegotiationBacktest
    """
    records = negotiation_records(history)
    if len(records) <= MIN_EARLIER:
        raise SmasimInputError(f"negotiations.csv: the negotiation backtest needs more than "
                               f"{MIN_EARLIER} agreements (got {len(records)})")
    events = events_of(records)
    models = [ModelScores(m.name, m.kind,
                          [score(f, e) for f, e in zip(m.forecasts, events, strict=True)],
                          m.same_as)
              for m in negotiation_forecasts(records, judgments)]
    return NegotiationBacktest(events, models, history.source)


#: The per-event scores a backtest file stores, each (model, agreement); NaN where None.
SCORE_VARIABLES = {
    "negotiation_pit": ("pit", "1", "mid PIT of the first-year change over its recorded "
                        "interval"),
    "negotiation_crps": ("crps", "1", "CRPS of the first-year change (a fraction)"),
    "negotiation_bin_probability": ("bin_probability", "1", "forecast probability of the "
                                    "first-year change within 0.5 point of the record"),
    "negotiation_lapse_probability": ("lapse_probability", "1", "forecast probability of a "
                                      "lapse"),
    "negotiation_brier": ("brier", "1", "Brier score of the lapse"),
}


def negotiation_dataset(result: NegotiationBacktest) -> Any:
    """The scores as an :class:`xarray.Dataset` of dimensions ``(model, agreement)``, for a
    backtest file (:func:`simcore.analysis.backtest.write_backtest`)."""
    import numpy as np
    import xarray as xr

    def values(attribute: str) -> np.ndarray:
        return np.array([[math.nan if getattr(s, attribute) is None else getattr(s, attribute)
                          for s in model.scores] for model in result.models], dtype=float)

    events = result.events
    return xr.Dataset(
        {name: (("model", "agreement"), values(attribute), {"units": units, "long_name": text})
         for name, (attribute, units, text) in SCORE_VARIABLES.items()},
        coords={
            "model": ("model", [m.name for m in result.models],
                      {"long_name": "negotiation model: history_model, status_quo or a "
                                    "judgment scenario"}),
            "model_kind": ("model", [m.kind for m in result.models],
                           {"long_name": "kind of model: history, status_quo, judgment or "
                                         "in_sample"}),
            "model_same_as": ("model", [", ".join(m.same_as) for m in result.models],
                              {"long_name": "scenarios with the same forecasts"}),
            "agreement": ("agreement", [e.agreement for e in events],
                          {"long_name": "special measures agreement"}),
            "first_year": ("agreement", np.array([e.first_year for e in events], np.int32),
                           {"long_name": "first year of the agreement", "units": "year"}),
            "change": ("agreement", np.array([e.change for e in events]),
                       {"units": "1", "long_name": "first-year change of the agreement"}),
            "status_quo": ("agreement", np.array([e.status_quo for e in events]),
                           {"units": "1", "long_name": "first-year change under the "
                                                       "expiring agreement's rule"}),
            "lapse": ("agreement", np.array([e.lapse for e in events], np.int8),
                      {"long_name": "a lapse preceded the agreement (1) or not (0)"}),
        },
    )


def negotiation_backtest_of(dataset: Any) -> NegotiationBacktest | None:
    """The :class:`NegotiationBacktest` a backtest file stores (None: a file without one)."""
    if "negotiation_crps" not in dataset:
        return None
    events = [NegotiationEvent(str(a), int(y), float(c), float(q), bool(lapse))
              for a, y, c, q, lapse in zip(
                  dataset["agreement"].values, dataset["first_year"].values,
                  dataset["change"].values, dataset["status_quo"].values,
                  dataset["lapse"].values, strict=True)]

    def cell(name: str, m: int, e: int) -> float | None:
        value = float(dataset[name].values[m, e])
        return None if math.isnan(value) else value

    models = []
    for m, (name, kind, same) in enumerate(zip(
            dataset["model"].values, dataset["model_kind"].values,
            dataset["model_same_as"].values, strict=True)):
        scores = [EventScore(**{attribute: cell(variable, m, e)
                                for variable, (attribute, _, _) in SCORE_VARIABLES.items()})
                  for e in range(len(events))]
        models.append(ModelScores(str(name), cast(ModelKind, str(kind)), scores,
                                  tuple(s for s in str(same).split(", ") if s)))
    return NegotiationBacktest(events, models)

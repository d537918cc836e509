"""Structured expert judgment into a scenario: the elicitation file, each expert's fits, the
pools, and the scenario whose judgment inputs are the pooled distributions (``smasim elicit``).

An elicitation file (TOML; docs/spec/CONFIG.md, "Elicitation files") names the experts and,
for each judgment, what each one gave: quantiles of a fraction (a concession share, a lapse
funding fraction) or of an amount (a demand), and probabilities (or quantiles of
probabilities) of the negotiation outcomes and of an early reopening. Judgments are named
after the base scenario: ``probabilities``, ``reopen_probability``, and
``<outcome>.<input>`` (``demand.concession``, ``demand.demand_usd``,
``lapse.funding_fraction``), outcomes by their name (:attr:`Scenario.outcome_names`).

Each quantile judgment is fitted as SHELF does (:mod:`simcore.stats.elicitation`), every
candidate family with its sum of squares; the experts are pooled linearly (a mixture the
model samples by its exact inverse CDF) or logarithmically (one law in closed form); outcome
probabilities are pooled as categorical distributions. :func:`elicited_toml` writes the
base scenario with those inputs replaced, the record of who said what in its header and in
its ``[elicitation]`` table, which every result file then carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simcore.config.draws import relocated_draws_lines
from simcore.config.load import parse_scenario, read_toml_text
from simcore.config.messages import format_validation_error
from simcore.config.overrides import format_path
from simcore.config.schema import (
    DemandOutcome,
    ElicitationRecord,
    ElicitedAnswer,
    ElicitedExpert,
    ElicitedJudgment,
    LapseOutcome,
    Scenario,
)
from simcore.core.errors import ConfigError, SmasimInputError, did_you_mean
from simcore.core.rounding import Rounder, Tie
from simcore.evidence.scenario_text import commented, inline_toml, table_chunks, toml_number
from simcore.stats.elicitation import (
    AMOUNT_FAMILIES,
    FRACTION_FAMILIES,
    Distribution,
    Family,
    Fit,
    Mixture,
    best_fit,
    check_probabilities,
    dirichlet_from_betas,
    fit_families,
    linear_pool,
    linear_pool_probabilities,
    log_pool,
    log_pool_probabilities,
    normalized_weights,
)

PoolMethod = Literal["linear", "log"]
JudgmentKind = Literal["probabilities", "probability", "fraction", "amount"]
#: Levels of a quantile judgment given as a bare list (quartiles), unless the file says.
DEFAULT_LEVELS = (0.25, 0.5, 0.75)
#: Fitted parameters and quantiles are written to this many significant digits, sums of
#: squares to :data:`SSE_DIGITS`, pooled probabilities to :data:`PROBABILITY_DECIMALS`
#: decimals: every machine writes the same scenario (ties, if any, are reported).
FIT_DIGITS = 4
SSE_DIGITS = 2
PROBABILITY_DECIMALS = 9
#: Families a written law may take: a demand must be positive (the normal is fitted and
#: shown, as SHELF does, but not used for one).
USABLE: dict[JudgmentKind, tuple[Family, ...]] = {
    "fraction": FRACTION_FAMILIES, "amount": ("lognormal", "gamma"),
    "probability": FRACTION_FAMILIES, "probabilities": FRACTION_FAMILIES,
}
#: The label of the event of a ``reopen_probability`` judgment.
REOPEN = "reopen"


# --- The file -----------------------------------------------------------------------------


class _FileSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class ElicitationHeader(_FileSection):
    """The ``[elicitation]`` table of an elicitation file."""

    title: str = Field(min_length=1)
    date: dt.date | str | None = None
    base: str | None = None
    pool: PoolMethod = "linear"
    levels: list[float] = Field(default=list(DEFAULT_LEVELS), min_length=2)
    family: dict[str, Family] = Field(default_factory=dict)


class ExpertEntry(_FileSection):
    """One ``[[expert]]``: who, when, the pool weight, and the judgments given."""

    name: str = Field(min_length=1)
    date: dt.date | str | None = None
    weight: float | None = Field(default=None, gt=0.0)
    note: str | None = None
    judgments: dict[str, Any] = Field(min_length=1)


class ElicitationFile(_FileSection):
    """An elicitation file: its header and its experts."""

    elicitation: ElicitationHeader
    expert: list[ExpertEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_names(self) -> ElicitationFile:
        names = [e.name for e in self.expert]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"expert: names must be distinct (repeated: {', '.join(repeated)})")
        return self


@dataclass(frozen=True)
class Elicitation:
    """An elicitation file, read and checked for form (its judgments are checked against a
    base scenario by :func:`pool_judgments`).

    Attributes
    ----------
    path : Path
        The file.
    sha256 : str
        SHA-256 of its bytes, recorded in the written scenario.
    header : ElicitationHeader
    experts : tuple of ExpertEntry
    """

    path: Path
    sha256: str
    header: ElicitationHeader
    experts: tuple[ExpertEntry, ...]

    @property
    def date(self) -> str | None:
        """The elicitation's date as ISO text."""
        return _date_text(self.header.date)

    def base_path(self) -> Path | None:
        """The base scenario the file names (relative to the file), if it names one."""
        if self.header.base is None:
            return None
        base = Path(self.header.base)
        return base if base.is_absolute() else self.path.parent / base


def _date_text(value: dt.date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def read_elicitation(path: str | Path) -> Elicitation:
    """Read an elicitation file (TOML).

    Raises
    ------
    ConfigError
        The file is missing, not TOML, or not an elicitation file; the message names the
        file and the key.
    """
    path = Path(path)
    text = read_toml_text(path, "an elicitation TOML file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    try:
        parsed = ElicitationFile.model_validate(data)
    except ValidationError as err:
        raise ConfigError(f"{path}: {format_validation_error(err, ElicitationFile)}") from None
    return Elicitation(path, hashlib.sha256(text.encode()).hexdigest(), parsed.elicitation,
                       tuple(parsed.expert))


# --- What a judgment sets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A judgment the base scenario can take, and the configuration key it sets.

    Attributes
    ----------
    name : str
        As the elicitation file spells it (``demand.concession``).
    kind : {'probabilities', 'probability', 'fraction', 'amount'}
    path : tuple of str or int
        The key path in the scenario (``negotiation.outcomes.demand.concession``); for
        ``probabilities``, the outcomes' list.
    what : str
        What it is, for tables.
    """

    name: str
    kind: JudgmentKind
    path: tuple[str | int, ...]
    what: str
    outcome: str | None = None

    @property
    def key(self) -> str:
        """The key path as ``--set`` takes it, an outcome by its name
        (``negotiation.outcomes.demand.concession``)."""
        if self.outcome is None:
            return format_path(self.path)
        return format_path((*self.path[:2], self.outcome, *self.path[3:]))

    @property
    def families(self) -> tuple[Family, ...]:
        """Candidate families fitted to a quantile judgment."""
        return AMOUNT_FAMILIES if self.kind == "amount" else FRACTION_FAMILIES


def judgment_targets(base: Scenario) -> dict[str, Target]:
    """The judgments ``base`` can take, by name, in the order they are reported."""
    targets = {
        "probabilities": Target("probabilities", "probabilities", ("negotiation", "outcomes"),
                                "probability of each negotiation outcome"),
        "reopen_probability": Target("reopen_probability", "probability",
                                     ("agreement", "reopen_probability"),
                                     "yearly probability of an early reopening"),
    }
    for k, (label, outcome) in enumerate(
            zip(base.outcome_names, base.negotiation.outcomes, strict=True)):
        where = ("negotiation", "outcomes", k)
        if isinstance(outcome, DemandOutcome):
            targets[f"{label}.concession"] = Target(
                f"{label}.concession", "fraction", (*where, "concession"),
                "share of the gap that ROK concedes", label)
            targets[f"{label}.demand_usd"] = Target(
                f"{label}.demand_usd", "amount", (*where, "demand_usd"),
                "US demand, USD a year", label)
        elif isinstance(outcome, LapseOutcome):
            targets[f"{label}.funding_fraction"] = Target(
                f"{label}.funding_fraction", "fraction", (*where, "funding_fraction"),
                "share of last year's amount paid in a lapse year", label)
    return targets


# --- Answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuantileAnswer:
    """Points of an expert's CDF, ``P(X ≤ values[i]) = levels[i]``."""

    levels: tuple[float, ...]
    values: tuple[float, ...]


Answer = QuantileAnswer | float


def _answer(value: Any, levels: Sequence[float], where: str, *, point: bool) -> Answer:
    """An answer as written: a number (a probability), a list of quantiles at the file's
    levels, or ``{ levels = […], values = […] }``."""
    if isinstance(value, bool):
        raise SmasimInputError(f"{where}: expected a number or quantiles, got {value!r}")
    if isinstance(value, int | float):
        if not point:
            raise SmasimInputError(
                f"{where}: give quantiles (a list at elicitation.levels, or "
                f"{{ levels = […], values = […] }}), not one number")
        return float(value)
    if isinstance(value, list):
        return QuantileAnswer(tuple(float(x) for x in levels), _numbers(value, where))
    if isinstance(value, dict) and set(value) == {"levels", "values"}:
        return QuantileAnswer(_numbers(value["levels"], f"{where}.levels"),
                              _numbers(value["values"], f"{where}.values"))
    expected = "a probability, " if point else ""
    raise SmasimInputError(
        f"{where}: expected {expected}a list of quantiles at elicitation.levels, or "
        f"{{ levels = […], values = […] }} (got {value!r})")


def _numbers(value: Any, where: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise SmasimInputError(f"{where}: expected a list of numbers (got {value!r})")
    return tuple(float(x) for x in value)


def _flatten(judgments: Mapping[str, Any]) -> dict[str, Any]:
    """``{demand = {concession = …}}`` (TOML's dotted keys) as ``{"demand.concession": …}``;
    ``probabilities`` and ``reopen_probability`` stay whole."""
    flat: dict[str, Any] = {}
    for key, value in judgments.items():
        if key in ("probabilities", "reopen_probability") or not isinstance(value, dict):
            flat[key] = value
        else:
            for inner, item in value.items():
                flat[f"{key}.{inner}"] = item
    return flat


# --- Fits and pools ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertFit:
    """One expert's answer to one judgment, and what was made of it.

    Attributes
    ----------
    expert : str
    weight : float
        The expert's weight in this judgment's pool (normalized over those who answered).
    answer : QuantileAnswer, float, or mapping of str to either
        As given (a mapping by outcome for ``probabilities``).
    fits : tuple of Fit
        Every candidate family fitted to a quantile judgment (for probabilities given as
        quantiles, each outcome's Beta).
    law : Distribution or None
        The law used for a fraction or an amount, parameters as written.
    probabilities : tuple of float or None
        The expert's probabilities (of each outcome; or ``(p, 1 − p)`` of a reopening).
    dirichlet : tuple of float or None
        The Dirichlet fitted to quantiles of the outcome probabilities.
    """

    expert: str
    weight: float
    answer: Answer | Mapping[str, Answer]
    fits: tuple[Fit, ...] = ()
    law: Distribution | None = None
    probabilities: tuple[float, ...] | None = None
    dirichlet: tuple[float, ...] | None = None


@dataclass(frozen=True)
class PooledJudgment:
    """A judgment, each expert's fit, and the pool.

    Attributes
    ----------
    target : Target
    pool : {'linear', 'log'}
    experts : tuple of ExpertFit
    labels : tuple of str
        The events of a probability judgment (outcome labels, or ``("reopen",)``).
    law : Distribution or Mixture or None
        The pooled law of a fraction or an amount: a :class:`Mixture` (linear pool) or one
        :class:`Distribution` (log pool). It is what the model samples (``ppf``); any
        analysis that varies the judgment reads the same contract (``cdf``, ``ppf``).
    probabilities : tuple of float or None
        The pooled probabilities (of each outcome; of a reopening).
    note : str
        What was chosen for the experts where a choice was made (a family).
    """

    target: Target
    pool: PoolMethod
    experts: tuple[ExpertFit, ...]
    labels: tuple[str, ...] = ()
    law: Distribution | Mixture | None = None
    probabilities: tuple[float, ...] | None = None
    note: str = ""

    def config_value(self) -> Any:
        """What the scenario gets at :attr:`Target.path` (probabilities: one per outcome)."""
        if self.target.kind == "probabilities":
            assert self.probabilities is not None
            return list(self.probabilities)
        if self.target.kind == "probability":
            assert self.probabilities is not None
            return self.probabilities[0]
        assert self.law is not None
        return law_config(self.law, amount=self.target.kind == "amount")

    def describe(self) -> str:
        """The pool in words (the record's ``pooled``)."""
        if self.probabilities is not None:
            values = ", ".join(f"{label} {p:.6g}" for label, p in
                               zip(self.labels, self.probabilities, strict=False))
            return f"{self.pool} pool of {len(self.experts)}: {values}"
        assert self.law is not None
        return f"{self.pool} pool of {len(self.experts)}: {self.law.describe()}"

    def levels(self, default: Sequence[float]) -> tuple[float, ...]:
        """The levels every expert was asked at (a 5/50/95 triple, quartiles), else
        ``default``: where the pool's quantiles are shown beside theirs."""
        asked = {e.answer.levels for e in self.experts if isinstance(e.answer, QuantileAnswer)}
        return asked.pop() if len(asked) == 1 else tuple(default)

    def draw_probabilities(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` probability vectors from the linear pool of the experts' judgments of them:
        an expert by weight, then their Dirichlet (a reopening: their Beta), or their
        probabilities as given. The second-order uncertainty of a probability judgment,
        shape ``(n, events)``."""
        if self.probabilities is None:
            raise ValueError(f"{self.target.name} is not a probability judgment")
        chosen = rng.choice(len(self.experts), size=n, p=[e.weight for e in self.experts])
        draws = np.empty((n, len(self.labels)))
        for j, expert in enumerate(self.experts):
            rows = np.flatnonzero(chosen == j)
            if expert.dirichlet is not None:
                draws[rows] = rng.dirichlet(expert.dirichlet, size=rows.size)
            elif expert.law is not None:
                draws[rows, 0] = rng.beta(*expert.law.parameters, size=rows.size)
            else:
                assert expert.probabilities is not None
                draws[rows] = expert.probabilities[: len(self.labels)]
        return draws


def law_config(law: Distribution | Mixture, *, amount: bool) -> dict[str, Any]:
    """A law as the scenario spells it (CONFIG.md): ``{ a, b }`` for one Beta, else
    ``{ mixture = [{ weight, … }, …] }`` (an amount's components name their family)."""
    if isinstance(law, Distribution) and law.family == "beta" and not amount:
        return law.named
    mixture = law if isinstance(law, Mixture) else Mixture((law,), (1.0,))
    return {"mixture": [
        {"weight": w, **({"family": c.family} if amount else {}), **c.named}
        for w, c in zip(mixture.weights, mixture.components, strict=True)]}


@dataclass(frozen=True)
class PooledElicitation:
    """Every judgment of an elicitation file, fitted and pooled against a base scenario.

    Attributes
    ----------
    elicitation : Elicitation
    base : Scenario
        The scenario the judgments go into.
    pool : {'linear', 'log'}
    weights : dict of str to float
        Each expert's weight, normalized over all experts.
    judgments : tuple of PooledJudgment
        In the order of :func:`judgment_targets`.
    ties : tuple of Tie
        Values within the rounding band of a boundary (another machine may write them
        otherwise).
    """

    elicitation: Elicitation
    base: Scenario
    pool: PoolMethod
    weights: dict[str, float]
    judgments: tuple[PooledJudgment, ...]
    ties: tuple[Tie, ...]

    def judgment(self, name: str) -> PooledJudgment:
        """One judgment by name (``demand.concession``)."""
        for judgment in self.judgments:
            if judgment.target.name == name:
                return judgment
        raise KeyError(name)

    def as_json(self) -> dict[str, Any]:
        """The record (:meth:`record`), each judgment with the value the scenario gets
        (``value``) and, for a fraction or an amount, the pool's quantiles at the levels
        asked (``pooled_quantiles``)."""
        data = self.record().model_dump(mode="json", exclude_none=True)
        for judgment, entry in zip(self.judgments, data["judgments"], strict=True):
            entry["value"] = judgment.config_value()
            if judgment.law is not None:
                levels = judgment.levels(self.elicitation.header.levels)
                entry["pooled_quantiles"] = {
                    f"{level:g}": float(judgment.law.ppf(level)) for level in levels}
            if judgment.note:
                entry["note"] = judgment.note
        return data

    def record(self) -> ElicitationRecord:
        """The record stored with the scenario (its ``[elicitation]`` table)."""
        entries = {e.name: e for e in self.elicitation.experts}
        return ElicitationRecord(
            title=self.elicitation.header.title,
            source=self.elicitation.path.name,
            sha256=self.elicitation.sha256,
            pool=self.pool,
            date=self.elicitation.date,
            experts=[ElicitedExpert(name=name, weight=weight,
                                    date=_date_text(entries[name].date) or self.elicitation.date,
                                    note=entries[name].note)
                     for name, weight in self.weights.items()],
            judgments=[ElicitedJudgment(judgment=j.target.name, key=j.target.key,
                                        experts=[_answer_record(j, e) for e in j.experts],
                                        pooled=j.describe())
                       for j in self.judgments],
        )


def _answer_record(judgment: PooledJudgment, fit: ExpertFit) -> ElicitedAnswer:
    """One expert's answer as the record holds it."""
    answer = fit.answer
    fields: dict[str, Any] = {"expert": fit.expert, "weight": fit.weight}
    if isinstance(answer, QuantileAnswer):
        fields |= {"levels": list(answer.levels), "values": list(answer.values)}
        used = fit.law or fit.fits[0].distribution
        chosen = next(f for f in fit.fits if f.family == used.family)
        fields |= {"family": used.family, "parameters": used.named, "sse": chosen.sse,
                   "fitted": [float(f"{v:.{FIT_DIGITS}g}") for v in chosen.fitted_values]}
    elif isinstance(answer, Mapping):
        points = {label: a for label, a in answer.items() if isinstance(a, float)}
        quantiles = {label: a for label, a in answer.items() if isinstance(a, QuantileAnswer)}
        if quantiles:
            fields["levels"] = list(next(iter(quantiles.values())).levels)
            fields["quantiles"] = {label: list(a.values) for label, a in quantiles.items()}
        else:
            fields["probabilities"] = points
    else:
        fields["probabilities"] = {REOPEN: answer}
    if fit.dirichlet is not None:
        fields["dirichlet"] = dict(zip(judgment.labels, fit.dirichlet, strict=True))
    if fit.probabilities is not None and "probabilities" not in fields:
        fields["probabilities"] = dict(zip(judgment.labels, fit.probabilities, strict=False))
    return ElicitedAnswer(**fields)


class _Writer:
    """Rounds what is written (parameters, quantiles, sums of squares, probabilities)."""

    def __init__(self) -> None:
        self.rounder = Rounder()

    def law(self, name: str, law: Distribution) -> Distribution:
        digits = [self.rounder.significant(f"{name} {key}", value, FIT_DIGITS)
                  for key, value in law.named.items()]
        return Distribution(law.family, (digits[0], digits[1]))

    def fit(self, name: str, fit: Fit) -> Fit:
        return Fit(self.law(name, fit.distribution), fit.levels, fit.values,
                   self.rounder.significant(f"{name} sse", fit.sse, SSE_DIGITS))


    def probabilities(self, name: str, values: Sequence[float],
                      labels: Sequence[str]) -> tuple[float, ...]:
        """To :data:`PROBABILITY_DECIMALS` decimals, the largest taking what makes the sum 1."""
        rounded = [self.rounder.decimals(f"{name} {label}", p, PROBABILITY_DECIMALS)
                   for label, p in zip(labels, values, strict=True)]
        largest = max(range(len(rounded)), key=rounded.__getitem__)
        rounded[largest] = 1.0 - math.fsum(p for k, p in enumerate(rounded) if k != largest)
        return tuple(rounded)


def pool_judgments(
    elicitation: Elicitation, base: Scenario, *, pool: PoolMethod | None = None
) -> PooledElicitation:
    """Fit every expert's judgments and pool them, against the base scenario.

    Parameters
    ----------
    elicitation : Elicitation
        The file (:func:`read_elicitation`).
    base : Scenario
        The scenario the judgments go into: it names the outcomes and which inputs exist.
    pool : {'linear', 'log'}, optional
        Overrides the file's ``pool``.

    Raises
    ------
    SmasimInputError
        A judgment the base cannot take, an answer no fit could honour, probabilities that
        do not sum to 1; the message names the file, the expert and the key.
    """
    method: PoolMethod = pool or elicitation.header.pool
    targets = judgment_targets(base)
    where = elicitation.path
    given_weights = [e.weight for e in elicitation.experts]
    if any(w is not None for w in given_weights) and any(w is None for w in given_weights):
        missing = [e.name for e in elicitation.experts if e.weight is None]
        raise SmasimInputError(f"{where}: give every expert a weight, or none (no weight: "
                               f"{', '.join(missing)})")
    weights = dict(zip((e.name for e in elicitation.experts),
                       normalized_weights([w or 1.0 for w in given_weights]), strict=True))
    for family_key in elicitation.header.family:
        if family_key not in targets or targets[family_key].kind not in ("fraction", "amount"):
            raise SmasimInputError(
                f"{where}: elicitation.family.{family_key}: not a quantile judgment of "
                f"{base.run.name}{did_you_mean(family_key, targets)}")
    answers: dict[str, list[tuple[str, Any]]] = {}
    for expert in elicitation.experts:
        for name, value in _flatten(expert.judgments).items():
            if name not in targets:
                raise SmasimInputError(
                    f"{where}: expert {expert.name}: judgments.{name}: not a judgment "
                    f"{base.run.name} takes{did_you_mean(name, targets)} "
                    f"(judgments: {', '.join(targets)})")
            answers.setdefault(name, []).append((expert.name, value))
    writer = _Writer()
    judgments = tuple(
        _pool_one(targets[name], answers[name], weights, method, elicitation, base, writer)
        for name in targets if name in answers)
    if not judgments:
        raise SmasimInputError(f"{where}: no judgments")
    return PooledElicitation(elicitation, base, method, weights, judgments,
                             tuple(writer.rounder.ties))


def _pool_one(target: Target, answers: list[tuple[str, Any]], weights: dict[str, float],
              method: PoolMethod, elicitation: Elicitation, base: Scenario,
              writer: _Writer) -> PooledJudgment:
    shares = normalized_weights([weights[name] for name, _ in answers])
    levels = elicitation.header.levels
    prefix = str(elicitation.path)
    if target.kind == "probabilities":
        return _pool_outcomes(target, answers, shares, method, levels, base, prefix, writer)
    if target.kind == "probability":
        return _pool_reopening(target, answers, shares, method, levels, prefix, writer)
    forced = elicitation.header.family.get(target.name)
    usable = USABLE[target.kind]
    if forced is not None and forced not in usable:
        raise SmasimInputError(
            f"{prefix}: elicitation.family.{target.name}: {forced} cannot be used for "
            f"{target.what} (families: {', '.join(usable)})")
    fitted: list[tuple[str, float, QuantileAnswer, tuple[Fit, ...]]] = []
    for (name, value), share in zip(answers, shares, strict=True):
        where = f"{prefix}: expert {name}: judgments.{target.name}"
        answer = _answer(value, levels, where, point=False)
        assert isinstance(answer, QuantileAnswer)
        try:
            fits = fit_families(answer.values, answer.levels, target.families)
        except ValueError as err:
            raise SmasimInputError(f"{where}: {err}") from None
        fitted.append((name, share, answer, tuple(writer.fit(f"{target.name} {name} "
                                                             f"{f.family}", f) for f in fits)))
    note = ""
    if forced is not None:
        family: Family | None = forced
        note = f"{forced}, as elicitation.family asks"
    elif method == "log" and len(usable) > 1:
        # A closed-form log pool needs one family: the one that fits all experts best.
        family = min(usable, key=lambda f: math.fsum(
            next(x.sse for x in fits if x.family == f) for *_, fits in fitted))
        note = f"{family} for every expert (smallest total SSE), as a log pool in closed " \
               "form needs one family"
    else:
        family = None
    experts = []
    for name, share, answer, fits in fitted:
        candidates = [f for f in fits if f.family in usable]
        chosen = (next(f for f in fits if f.family == family) if family is not None
                  else best_fit(candidates))
        if family is None and best_fit(fits).family not in usable:
            note = (f"{best_fit(fits).family} fits some experts best but {target.what} must "
                    f"be positive: the best of {', '.join(usable)} is used")
        experts.append(ExpertFit(name, share, answer, fits, chosen.distribution))
    laws = [e.law for e in experts if e.law is not None]
    if method == "linear":
        law: Distribution | Mixture = linear_pool(laws, [e.weight for e in experts])
    else:
        law = writer.law(f"{target.name} pool", log_pool(laws, [e.weight for e in experts]))
    return PooledJudgment(target, method, tuple(experts), law=law, note=note)


def _pool_vectors(vectors: Sequence[Sequence[float]], shares: Sequence[float],
                  method: PoolMethod) -> tuple[float, ...]:
    pooling = linear_pool_probabilities if method == "linear" else log_pool_probabilities
    return pooling(vectors, shares)


def _pool_outcomes(target: Target, answers: list[tuple[str, Any]], shares: Sequence[float],
                   method: PoolMethod, levels: Sequence[float], base: Scenario, prefix: str,
                   writer: _Writer) -> PooledJudgment:
    labels = tuple(base.outcome_names)
    experts = []
    for (name, value), share in zip(answers, shares, strict=True):
        where = f"{prefix}: expert {name}: judgments.probabilities"
        if not isinstance(value, dict):
            raise SmasimInputError(f"{where}: expected a table, one entry per outcome "
                                   f"({', '.join(labels)})")
        unknown = [k for k in value if k not in labels]
        if unknown:
            raise SmasimInputError(
                f"{where}.{unknown[0]}: not an outcome of {base.run.name}"
                f"{did_you_mean(unknown[0], labels)} (outcomes: {', '.join(labels)})")
        missing = [k for k in labels if k not in value]
        if missing:
            raise SmasimInputError(f"{where}: no probability for {', '.join(missing)} "
                                   f"(outcomes: {', '.join(labels)}; give 0 to rule one out)")
        given = {k: _answer(value[k], levels, f"{where}.{k}", point=True) for k in labels}
        points = [a for a in given.values() if isinstance(a, float)]
        if len(points) == len(labels):
            try:
                vector = check_probabilities(points, "the probabilities")
            except ValueError as err:
                raise SmasimInputError(f"{where}: {err}") from None
            experts.append(ExpertFit(name, share, given, probabilities=vector))
            continue
        if points:
            raise SmasimInputError(f"{where}: give every outcome a probability, or every "
                                   "outcome quantiles of its probability, not a mix")
        if len({a.levels for a in given.values() if isinstance(a, QuantileAnswer)}) > 1:
            raise SmasimInputError(f"{where}: give the quantiles of every outcome's "
                                   "probability at the same levels")
        fits: list[Fit] = []
        for label in labels:
            answer = given[label]
            assert isinstance(answer, QuantileAnswer)
            try:
                fits += fit_families(answer.values, answer.levels, ("beta",))
            except ValueError as err:
                raise SmasimInputError(f"{where}.{label}: {err}") from None
        rounded = tuple(writer.fit(f"probabilities {name} {label}", f)
                        for label, f in zip(labels, fits, strict=True))
        alpha = tuple(writer.rounder.significant(f"probabilities {name} dirichlet {label}", a,
                                                 FIT_DIGITS)
                      for label, a in zip(labels, dirichlet_from_betas(
                          [f.distribution for f in fits]), strict=True))
        total = math.fsum(alpha)
        experts.append(ExpertFit(name, share, given, rounded,
                                 probabilities=tuple(a / total for a in alpha), dirichlet=alpha))
    pooled = _pool_vectors([e.probabilities or () for e in experts], shares, method)
    return PooledJudgment(target, method, tuple(experts), labels,
                          probabilities=writer.probabilities("probabilities", pooled, labels))


def _pool_reopening(target: Target, answers: list[tuple[str, Any]], shares: Sequence[float],
                    method: PoolMethod, levels: Sequence[float], prefix: str,
                    writer: _Writer) -> PooledJudgment:
    experts = []
    for (name, value), share in zip(answers, shares, strict=True):
        where = f"{prefix}: expert {name}: judgments.reopen_probability"
        answer = _answer(value, levels, where, point=True)
        if isinstance(answer, float):
            if not 0.0 <= answer <= 1.0:
                raise SmasimInputError(f"{where}: a probability lies in [0, 1] (got {answer})")
            experts.append(ExpertFit(name, share, answer, probabilities=(answer, 1.0 - answer)))
            continue
        try:
            fits = fit_families(answer.values, answer.levels, ("beta",))
        except ValueError as err:
            raise SmasimInputError(f"{where}: {err}") from None
        fit = writer.fit(f"reopen_probability {name}", fits[0])
        p = fit.distribution.mean
        experts.append(ExpertFit(name, share, answer, (fit,), fit.distribution,
                                 probabilities=(p, 1.0 - p)))
    pooled = _pool_vectors([e.probabilities or () for e in experts], shares, method)
    rounded = writer.probabilities("reopen_probability", pooled, (REOPEN, "no reopening"))
    return PooledJudgment(target, method, tuple(experts), (REOPEN,), probabilities=rounded)


# --- The written scenario ------------------------------------------------------------------------


def _quantiles_text(values: Sequence[float]) -> str:
    return " / ".join(f"{v:.4g}" for v in values)


def _judgment_lines(judgment: PooledJudgment) -> list[str]:
    """The header's account of one judgment: what each expert gave, the fit, the pool."""
    target = judgment.target
    lines = [f"#   {target.name} ({target.what}) → {target.key}"]
    for expert in judgment.experts:
        answer = expert.answer
        if isinstance(answer, QuantileAnswer):
            levels = "/".join(f"P{100 * p:g}" for p in answer.levels)
            used = expert.law or expert.fits[0].distribution
            fit = next(f for f in expert.fits if f.family == used.family)
            lines.append(f"#     {expert.expert} (w {expert.weight:.3g}): {levels} "
                         f"{_quantiles_text(answer.values)} → {used.describe()}, SSE "
                         f"{fit.sse:.2g}, fitted {_quantiles_text(fit.fitted_values)}")
        elif expert.dirichlet is not None:
            lines.append(f"#     {expert.expert} (w {expert.weight:.3g}): quantiles of each "
                         "probability → Dirichlet(" + ", ".join(
                             f"{a:.4g}" for a in expert.dirichlet) + "), mean "
                         + ", ".join(f"{p:.3g}" for p in expert.probabilities or ()))
        else:
            shown = (expert.probabilities or ())[: max(len(judgment.labels), 1)]
            lines.append(f"#     {expert.expert} (w {expert.weight:.3g}): "
                         + ", ".join(f"{label} {p:.4g}" for label, p in
                                     zip(judgment.labels, shown, strict=False)))
    lines.append(f"#     pooled: {judgment.describe()}")
    if judgment.note:
        lines.append(f"#     note: {judgment.note}")
    return lines


def _header(pooled: PooledElicitation, base_name: str, command: str) -> list[str]:
    e = pooled.elicitation
    experts = ", ".join(f"{name} ({weight:.3g})" for name, weight in pooled.weights.items())
    rows = [
        f"# {e.header.title}, pooled expert judgment ({pooled.pool} pool): {command}",
        f"# Base: {base_name}, with the judgments below replaced. Elicitation: {e.path.name} "
        f"(sha256 {e.sha256[:12]}…)" + (f", {e.date}" if e.date else "") + ".",
        f"# Experts (weight): {experts}.",
        "# Each quantile judgment is fitted by least squares on the CDF points (SHELF); the "
        "pool is",
        "# " + ("a mixture sampled by its exact inverse CDF (MODEL.md §6)." if pooled.pool ==
                "linear" else "the normalized product of the experts' laws, in closed form."),
    ]
    for judgment in pooled.judgments:
        rows += _judgment_lines(judgment)
    rows.append(f"# Fitted parameters rounded to {FIT_DIGITS} significant digits, pooled "
                f"probabilities to {PROBABILITY_DECIMALS} decimals"
                + ("." if not pooled.ties else f"; {len(pooled.ties)} tie(s) may be written "
                   "otherwise on another machine:"))
    rows += [f"#   TIE {tie}" for tie in pooled.ties]
    rows.append("# The full record is the [elicitation] table at the end (stored in every "
                "result file).")
    return rows


def _assignment_key(line: str) -> str | None:
    head = line.split("#", 1)[0]
    if "=" not in head:
        return None
    return head.split("=", 1)[0].strip()


def _replace_or_add(lines: list[str], key: str, new: str) -> list[str]:
    """``lines`` with the assignment of ``key`` replaced by ``new``, or ``new`` added after
    the last non-blank line."""
    for k, line in enumerate(lines):
        if _assignment_key(line) == key:
            return [*lines[:k], new, *lines[k + 1:]]
    last = max((k for k, line in enumerate(lines) if line.strip()), default=len(lines) - 1)
    return [*lines[: last + 1], new, *lines[last + 1:]]


def _assignment_lines(key: str, value: Any, comment: str, experts: Sequence[str]) -> list[str]:
    """``key = value`` with its comment; a mixture one component a line, each named by its
    expert (TOML allows newlines inside an array of an inline table)."""
    if not (isinstance(value, dict) and "mixture" in value):
        return [commented(f"{key} = {inline_toml(value)}", comment)]
    components = value["mixture"]
    return [commented(f"{key} = {{ mixture = [", comment),
            *(commented(f"    {inline_toml(c)},", f"expert {name}")
              for c, name in zip(components, experts, strict=True)),
            "] }"]


def _assignments(lines: Sequence[str]) -> dict[str, list[str]]:
    """The assignments of a table's lines by key, each with its continuation lines (an
    array written over several lines)."""
    found: dict[str, list[str]] = {}
    block: list[str] = []
    key = ""
    for line in lines:
        if not block:
            started = _assignment_key(line)
            if started is None:
                continue
            key, block = started, [line]
        else:
            block.append(line)
        try:
            tomllib.loads("\n".join(block))
        except tomllib.TOMLDecodeError:
            continue
        found[key], block = block, []
    return found


def _outcome_chunk(lead: list[str], raw: Mapping[str, Any], original: list[str],
                   changed: Mapping[str, list[str]]) -> list[str]:
    """One ``[[negotiation.outcomes]]`` table: the judged keys replaced (``changed``: their
    lines), the others as the base wrote them."""
    own = _assignments(original)
    lines = [*lead, "[[negotiation.outcomes]]"]
    for key in [*raw, *(k for k in changed if k not in raw)]:
        if key in changed:
            lines += changed[key]
        else:
            lines += own.get(key) or [f"{key} = {inline_toml(raw[key])}"]
    return [*lines, ""]


def elicited_toml(base_text: str, pooled: PooledElicitation, *, name: str, base_name: str,
                  command: str, base_dir: Path | None = None, output_dir: Path | None = None
                  ) -> str:
    """The base scenario with its judged inputs replaced by the pools, as TOML text.

    The header names the elicitation, the experts and their weights, and for each judgment
    what each expert gave, the law fitted (with its sum of squares and fitted quantiles) and
    the pool; the ``[elicitation]`` table at the end holds the same record for programs
    (:class:`~simcore.config.schema.ElicitationRecord`), so every result file run from the
    scenario carries it. ``run.name`` becomes ``name``; the rest of the base, comments
    included, is kept. The base's tables of draws (MODEL.md §2a) stay where they are: each
    ``draws`` path, relative to ``base_dir`` (the base file's folder), is rewritten relative
    to ``output_dir`` (the folder the scenario is written to); both default to the working
    directory.

    Raises
    ------
    SmasimInputError
        The result does not validate; the message names the key.
    """
    raw = tomllib.loads(base_text)
    raw_outcomes: list[dict[str, Any]] = raw["negotiation"]["outcomes"]
    changed: list[dict[str, list[str]]] = [{} for _ in raw_outcomes]
    reopen: float | None = None
    for judgment in pooled.judgments:
        path = judgment.target.path
        value = judgment.config_value()
        why = f"pooled ({judgment.pool}) from {len(judgment.experts)} experts: see header"
        if judgment.target.kind == "probabilities":
            for k, p in enumerate(value):
                changed[k]["probability"] = [commented(f"probability = {toml_number(p)}", why)]
        elif judgment.target.kind == "probability":
            reopen = value
        else:
            index, key = path[2], path[3]
            assert isinstance(index, int) and isinstance(key, str)
            changed[index][key] = _assignment_lines(key, value, why,
                                                    [e.expert for e in judgment.experts])
    out = _header(pooled, base_name, command)
    outcome = 0
    source_dir, target_dir = base_dir or Path(), output_dir or Path()
    for chunk in table_chunks(base_text):
        if chunk.name == "" or chunk.name.split(".")[0] == "elicitation":
            continue  # the base's header and record describe the base, not this file
        lines = relocated_draws_lines(chunk.lines, source_dir, target_dir)
        if chunk.name == "negotiation":
            # Outcomes written inline ([negotiation] outcomes = [...]): as tables instead.
            lines = [line for k in range(len(raw_outcomes)) for line in _outcome_chunk(
                [], raw_outcomes[k], [], changed[k])]
            outcome = len(raw_outcomes)
        if chunk.name == "run":
            lines = _replace_or_add(lines, "name", commented(
                f"name = {inline_toml(name)}", "this file's stem"))
        elif chunk.name == "agreement" and reopen is not None:
            lines = _replace_or_add(lines, "reopen_probability", commented(
                f"reopen_probability = {toml_number(reopen)}",
                f"pooled ({pooled.pool}): see header"))
        elif chunk.name == "negotiation.outcomes":
            header_at = next(k for k, line in enumerate(lines) if line.strip().startswith("[["))
            lead = [] if outcome == 0 else lines[:header_at]
            if outcome == 0:
                lead = ["# Negotiation outcomes: POOLED EXPERT JUDGMENT (header); keys not "
                        "judged are the base's."]
            lines = _outcome_chunk(lead, raw_outcomes[outcome], lines[header_at + 1:],
                                   changed[outcome])
            outcome += 1
        out += lines
    record = pooled.record()
    out += ["", *_record_lines(record)]
    text = "\n".join(out).rstrip("\n") + "\n"
    try:
        written = parse_scenario(text, source=f"the scenario elicited from "
                                              f"{pooled.elicitation.path}",
                                 base_dir=target_dir)
    except ConfigError as err:
        raise SmasimInputError(str(err)) from None
    _check_written(written, pooled)
    return text


def _check_written(written: Scenario, pooled: PooledElicitation) -> None:
    """Every judged key of the written scenario holds its pool (a base laid out in a way the
    writer did not replace would otherwise keep its own values unnoticed)."""
    data = written.model_dump(mode="json", exclude_none=True)
    for judgment in pooled.judgments:
        path = judgment.target.path
        node: Any = data
        for part in path:
            node = node[part]
        expected = judgment.config_value()
        if judgment.target.kind == "probabilities":
            node = [outcome["probability"] for outcome in node]
        if node != expected:
            raise SmasimInputError(
                f"{pooled.base.run.name}: {judgment.target.key} could not be replaced in the "
                "base's text; write its negotiation outcomes as [[negotiation.outcomes]] "
                "tables")


def _record_lines(record: ElicitationRecord) -> list[str]:
    """The ``[elicitation]`` table: scalars, then one ``[[elicitation.judgments]]`` each,
    every expert's answer an inline table on its own line."""
    data = record.model_dump(mode="json", exclude_none=True)
    lines = ["# Who said what (smasim elicit): the model does not read this table.",
             "[elicitation]"]
    for key in ("title", "date", "source", "sha256", "pool"):
        if key in data:
            lines.append(f"{key} = {inline_toml(data[key])}")
    lines.append("experts = [")
    lines += [f"  {inline_toml(expert)}," for expert in data["experts"]]
    lines.append("]")
    for judgment in data["judgments"]:
        lines += ["", "[[elicitation.judgments]]"]
        for key in ("judgment", "key", "pooled"):
            lines.append(f"{key} = {inline_toml(judgment[key])}")
        lines.append("experts = [")
        lines += [f"  {inline_toml(answer)}," for answer in judgment["experts"]]
        lines.append("]")
    return lines


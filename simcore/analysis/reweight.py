"""The answer under other outcome probabilities, from the stored paths (``smasim reweight``).

A path's negotiation history (which years negotiated, by schedule or by an early reopening,
and which outcome each drew) is in the file: ``negotiation_outcome`` and the stored
configuration give it exactly (:func:`simcore.model.agreement.negotiation_chances`).
Changing the outcome probabilities ``w_k`` or the reopening probability ``ρ`` changes only
the probability of each history, not what a history does to the amounts, so the stored
paths weighted by the likelihood ratio of their history,

    L_i = Π_k (w'_k / w_k)^{n_ik} · (ρ' / ρ)^{r_i} · ((1 − ρ') / (1 − ρ))^{s_i}

(``n_ik`` negotiations of path ``i`` drawing outcome ``k``, ``r_i`` early reopenings,
``s_i`` years in which a reopening could have happened and did not), are an exact sample
under the new judgment (importance sampling; docs/spec/METHODS.md §W). Their summary, with
Monte Carlo errors that account for the weights (:mod:`simcore.stats.importance`), is what
this module returns. :func:`reweight` gives a file's weights per path and their effective
sample size; :func:`history_tables` gives each scenario's distinct history patterns, their
path counts and each path's pattern, from which a page recomputes the weights for any
probabilities (:class:`HistoryTable` says how).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from simcore.config.load import parse_scenario
from simcore.config.overrides import outcome_key, parse_override, renormalizing, resolve_key
from simcore.config.schema import Scenario
from simcore.core.errors import ParameterError, SmasimInputError, literal
from simcore.io.provenance import file_info
from simcore.io.reader import read_samples
from simcore.model.agreement import negotiation_chances
from simcore.model.params import resolve_params
from simcore.read.choices import ScenarioRef, check_thresholds
from simcore.read.queries import HEADLINE_LEVELS, levels, selection_rows
from simcore.read.rows import HeadlineRow, SummaryRow, headline_rows_of, summary_rows_of
from simcore.read.select import Selection, select, summary_arrays
from simcore.stats.importance import (
    effective_sample_size,
    weighted_exceedance,
    weighted_summary,
)

#: Fewest effective paths a re-weighted summary may rest on, unless told otherwise.
DEFAULT_MIN_ESS = 1000
#: The keys re-weighting can change: the discrete judgment probabilities of a history.
REWEIGHTABLE = ("negotiation.outcomes.NAME.probability", "agreement.reopen_probability")


@dataclass(frozen=True)
class Judgment:
    """The discrete judgment probabilities a path's history depends on.

    Attributes
    ----------
    outcomes : tuple of float
        ``w_k``, each negotiation outcome's probability, in configuration order.
    reopen : float
        ``ρ``, the yearly probability of an early reopening.
    """

    outcomes: tuple[float, ...]
    reopen: float

    @classmethod
    def of(cls, scenario: Scenario) -> Judgment:
        """The judgment a scenario configures."""
        return cls(tuple(o.probability for o in scenario.negotiation.outcomes),
                   scenario.agreement.reopen_probability)


@dataclass(frozen=True)
class HistoryCounts:
    """Per path, the events whose probabilities re-weighting changes.

    Attributes
    ----------
    outcomes : ndarray of int, shape (n, K)
        ``n_ik``: negotiations of path ``i`` that drew outcome ``k``.
    reopened : ndarray of int, shape (n,)
        ``r_i``: early reopenings.
    not_reopened : ndarray of int, shape (n,)
        ``s_i``: years in which a reopening could have happened and did not.
    """

    outcomes: np.ndarray
    reopened: np.ndarray
    not_reopened: np.ndarray

    def patterns(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct rows ``(n_i1 … n_iK, r_i, s_i)`` and each path's row index: paths
        with one pattern share one likelihood ratio."""
        table = np.column_stack([self.outcomes, self.reopened, self.not_reopened])
        radix = int(table.max(initial=0)) + 1
        if radix ** table.shape[1] >= 2**62:
            rows, index = np.unique(table, axis=0, return_inverse=True)
            return rows, index.ravel()
        # Each row as one integer (its counts as digits): a 1-D unique sorts 20x faster.
        keys = np.zeros(table.shape[0], dtype=np.int64)
        for column in table.T:
            keys = keys * radix + column
        _, first, index = np.unique(keys, return_index=True, return_inverse=True)
        return table[first], index.ravel()


def history_counts(scenario: Scenario, negotiation_outcome: np.ndarray) -> HistoryCounts:
    """The counts of :class:`HistoryCounts` of stored paths, from the scenario they ran.

    Parameters
    ----------
    scenario : Scenario
        The configuration the paths were simulated with (stored in the file).
    negotiation_outcome : ndarray of int, shape (n, H)
        The stored codes.

    Raises
    ------
    SmasimInputError
        The paths do not follow the configuration (a negotiation in a year that could have
        none, or none where one was scheduled): not the paths of this scenario.
    """
    try:
        chances = negotiation_chances(resolve_params(scenario), negotiation_outcome)
    except ValueError as err:
        raise SmasimInputError(f"reweight: {scenario.run.name}: {err}: the stored paths are "
                               "not this configuration's") from None
    drawn = chances.outcome
    negotiated = drawn >= 0
    outcomes = np.stack([np.count_nonzero(drawn == k, axis=1)
                         for k in range(len(scenario.negotiation.outcomes))], axis=1)
    reopened = np.count_nonzero(chances.reopenable & negotiated, axis=1)
    not_reopened = np.count_nonzero(chances.reopenable & ~negotiated, axis=1)
    return HistoryCounts(outcomes, reopened, not_reopened)


def _ratio(new: float, old: float, count: int) -> float:
    """``(new / old)^count`` by repeated multiplication (the same bits everywhere)."""
    factor = new / old if count else 1.0
    value = 1.0
    for _ in range(count):
        value *= factor
    return value


def pattern_ratios(patterns: np.ndarray, old: Judgment, new: Judgment) -> np.ndarray:
    """``L_j`` of each row ``(n_j1 … n_jK, r_j, s_j)`` of :meth:`HistoryCounts.patterns`.

    A fixed order of Python float products: outcomes in configuration order, then the
    reopenings, then the years without one, each ``(new / old)^count`` by repeated
    multiplication, so a ratio has the same bits on every machine.

    Raises
    ------
    ValueError
        A history the old judgment could not produce (probability 0) was counted.
    """
    k = len(old.outcomes)
    ratios = np.empty(len(patterns))
    for j, row in enumerate(np.asarray(patterns).tolist()):
        value = 1.0
        events = [(new.outcomes[m], old.outcomes[m], row[m]) for m in range(k)]
        events += [(new.reopen, old.reopen, row[k]), (1 - new.reopen, 1 - old.reopen, row[k + 1])]
        for numerator, denominator, count in events:
            if count and denominator == 0:
                raise ValueError("a counted event has probability 0 under the old judgment")
            value *= _ratio(numerator, denominator, count)
        ratios[j] = value
    return ratios


def likelihood_ratios(counts: HistoryCounts, old: Judgment, new: Judgment) -> np.ndarray:
    """``L_i``, the likelihood ratio of each path's history, new judgment over old.

    Computed once per distinct pattern of counts (:meth:`HistoryCounts.patterns`) by
    :func:`pattern_ratios`.

    Raises
    ------
    ValueError
        A history the old judgment could not produce (probability 0) was counted.
    """
    rows, index = counts.patterns()
    return pattern_ratios(rows, old, new)[index]


@dataclass(frozen=True)
class HistoryTable:
    """One scenario's stored negotiation histories as a table of distinct patterns: all a
    page needs to re-weight the paths to other outcome or reopening probabilities itself.

    Pattern ``j`` is the row ``(n_j1 … n_jK, r_j, s_j)`` of :attr:`patterns` (``n_jk``
    negotiations that drew outcome ``k``, ``r_j`` early reopenings, ``s_j`` years in which a
    reopening could have happened and did not). Under new probabilities ``w'`` and ``ρ'``
    every path of pattern ``j`` gets the weight

        L_j = Π_k (w'_k / w_k)^{n_jk} · (ρ' / ρ)^{r_j} · ((1 − ρ') / (1 − ρ))^{s_j}

    with ``w`` = :attr:`judgment` ``.outcomes`` and ``ρ`` = :attr:`judgment` ``.reopen``, the
    probabilities the paths were drawn under (a factor whose count is 0 is 1; a count is
    never positive where the old probability is 0). Path ``i``'s weight is
    ``L[pattern_of_path[i]]``; Kish's effective sample size is
    ``(Σ_j c_j L_j)² / Σ_j c_j L_j²`` with ``c_j`` = :attr:`paths`. :meth:`ratios` computes
    ``L_j`` (the same bits as :func:`likelihood_ratios`); :meth:`as_json` is the table in
    plain JSON types.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    names : tuple of str
        Its outcome names, in configuration order (the first ``K`` columns).
    judgment : Judgment
        ``w`` and ``ρ``: the probabilities the paths were drawn under.
    patterns : ndarray of int, shape (J, K + 2)
        The distinct patterns, sorted (lexicographically by their counts).
    paths : ndarray of int, shape (J,)
        How many paths have each pattern (summing to the number of paths).
    pattern_of_path : ndarray of int, shape (n,)
        Each path's pattern, in the file's sample order.
    """

    scenario: str
    names: tuple[str, ...]
    judgment: Judgment
    patterns: np.ndarray
    paths: np.ndarray
    pattern_of_path: np.ndarray

    @property
    def columns(self) -> tuple[str, ...]:
        """The names of :attr:`patterns`' columns: each outcome, ``reopened``,
        ``not_reopened``."""
        return (*self.names, "reopened", "not_reopened")

    def ratios(self, new: Judgment) -> np.ndarray:
        """``L_j`` of each pattern under the judgment ``new`` (:func:`pattern_ratios`)."""
        return pattern_ratios(self.patterns, self.judgment, new)

    def as_json(self) -> dict[str, object]:
        """The table in JSON types: ``scenario``, ``outcomes`` (names), ``probabilities``
        (``w``), ``reopen_probability`` (``ρ``), ``columns``, ``patterns`` (rows of ints),
        ``paths`` and ``pattern_of_path``."""
        return {
            "scenario": self.scenario,
            "outcomes": list(self.names),
            "probabilities": list(self.judgment.outcomes),
            "reopen_probability": self.judgment.reopen,
            "columns": list(self.columns),
            "patterns": self.patterns.tolist(),
            "paths": self.paths.tolist(),
            "pattern_of_path": self.pattern_of_path.tolist(),
        }


def history_table(scenario: Scenario, negotiation_outcome: np.ndarray) -> HistoryTable:
    """The :class:`HistoryTable` of stored paths, from the scenario they ran (a pure function
    of the configuration and the stored codes; :func:`history_counts` says what it refuses)."""
    patterns, index = history_counts(scenario, negotiation_outcome).patterns()
    return HistoryTable(scenario.run.name, tuple(scenario.outcome_names), Judgment.of(scenario),
                        patterns, np.bincount(index, minlength=len(patterns)), index)


def history_tables(path: str | Path, scenarios: Sequence[str] | None = None
                   ) -> list[HistoryTable]:
    """The :class:`HistoryTable` of each scenario of a result file: what the report's page
    re-weights in JavaScript when a reader moves the outcome probabilities.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file whose ``negotiation_outcome`` paths are stored.
    scenarios : sequence of str, optional
        Scenario names; default every scenario of the file.

    Raises
    ------
    SmasimInputError
        The file stores no ``negotiation_outcome`` paths, or its paths do not follow their
        stored configuration.
    """
    selection = select(path, scenarios=scenarios)
    return [history_table(scenario, codes)
            for _, scenario, codes in _stored_histories(path, selection)]


def _stored_histories(
    path: str | Path, selection: Selection
) -> Iterator[tuple[ScenarioRef, Scenario, np.ndarray]]:
    """Each selected scenario, its stored configuration and its stored outcome codes."""
    stored = {name: parse_scenario(text, source=f"{path} ({name}'s stored configuration)")
              for name, text in file_info(path).configs().items()}
    for ref in selection.scenarios:
        yield ref, stored[ref.name], read_samples(path, "negotiation_outcome", scenario=ref.index)


@dataclass(frozen=True)
class ScenarioWeights:
    """One scenario's paths re-weighted.

    Attributes
    ----------
    scenario : str
    names : tuple of str
        The scenario's outcome names, in configuration order.
    old, new : Judgment
        The judgment the paths were drawn under, and the one they are weighted to.
    ratios : ndarray, shape (n,)
        ``L_i``, the weight of each path.
    """

    scenario: str
    names: tuple[str, ...]
    old: Judgment
    new: Judgment
    ratios: np.ndarray

    @property
    def effective_paths(self) -> float:
        """Kish's effective sample size of the weights."""
        return effective_sample_size(self.ratios)

    @property
    def unchanged(self) -> bool:
        """Every ratio is exactly 1: the summary is the unweighted one, bit for bit."""
        return bool(np.all(self.ratios == 1.0))

    def describe(self) -> str:
        """What changed and what it costs, on one line."""
        changes = [f"{name} {a:g} → {b:g}" for name, a, b in
                   zip(self.names, self.old.outcomes, self.new.outcomes, strict=True) if a != b]
        if self.old.reopen != self.new.reopen:
            changes.append(f"reopening {self.old.reopen:g} → {self.new.reopen:g}")
        n = self.ratios.size
        share = self.ratios.max() / self.ratios.sum() if self.ratios.sum() > 0 else math.nan
        return (f"{self.scenario}: " + (", ".join(changes) or "probabilities unchanged")
                + f"; effective sample size {self.effective_paths:,.0f} of {n:,} paths "
                f"({self.effective_paths / n:.0%}); largest weight {share:.2g} of the total")


def rerun_command(file: str | Path, weights: ScenarioWeights, samples: int) -> str:
    """The command that simulates the new judgment afresh: the configuration file the run
    was made from (named in the file's history; else ``CONFIG.toml``) with the changed
    probabilities set."""
    history = str(file_info(file).attrs.get("history", ""))
    words = shlex.split(history.split(" ", 1)[-1]) if history else []
    config = next((word for word in words if word.endswith(".toml")), "CONFIG.toml")
    changes = [f"negotiation.outcomes.{name}.probability={after:.12g}"
               for name, before, after in zip(weights.names, weights.old.outcomes,
                                              weights.new.outcomes, strict=True)
               if before != after]
    if weights.old.reopen != weights.new.reopen:
        changes.append(f"agreement.reopen_probability={weights.new.reopen:.12g}")
    return shlex.join(["smasim", "run", config, *(f"--set={c}" for c in changes),
                       "--samples", str(samples)])


def new_judgment(
    scenario: Scenario, assignments: Sequence[str], *, renormalize: bool = False,
    source: str = "the stored configuration",
) -> Judgment:
    """The judgment the assignments make of a scenario's, checked: only discrete judgment
    probabilities may change, and none may be given to an event the run could not draw.

    Raises
    ------
    SmasimInputError
        An assignment that changes anything else, or gives probability to an outcome (or a
        reopening) the run had at 0; the message says why and what to do instead.
    """
    data = scenario.model_dump(mode="json", exclude_none=True)
    assigned: dict[int, float] = {}
    for assignment in assignments:
        key = assignment.partition("=")[0]
        path = resolve_key(data, key, assignment=assignment)
        target = outcome_key(path)
        if target is not None and target[1] == "probability":
            value = parse_override(assignment).value
            if isinstance(value, int | float) and not isinstance(value, bool):
                assigned[target[0]] = float(value)  # (else validation names the key)
        elif "demand_usd" in path:
            raise SmasimInputError(
                f"reweight: {key.strip()}: a demand's values and their probabilities cannot "
                "be re-weighted: the stored paths do not record which value each demand drew; "
                "simulate it afresh")
        elif path != ("agreement", "reopen_probability"):
            raise SmasimInputError(
                f"reweight: {key.strip()} is not a discrete judgment probability; re-weighting "
                f"stored paths can change only {' and '.join(REWEIGHTABLE)} (other keys "
                "change what a path's history does, not how likely it is): simulate it afresh")
    if renormalize and not assigned:
        raise ParameterError("{renormalize}: no assignment is an outcome probability; there "
                             "is nothing to rescale")
    old = Judgment.of(scenario)
    extra = renormalizing(old.outcomes, assigned) if renormalize else []
    try:
        new = parse_scenario(scenario.to_toml(), source=source,
                             overrides=[*assignments, *extra])
    except SmasimInputError as err:
        hint = ("; --renormalize rescales the other outcomes' probabilities to make up the "
                "rest") if "probabilities must sum to 1" in str(err) and not renormalize else ""
        raise SmasimInputError(f"reweight: {err}{hint}") from None
    judgment = Judgment.of(new)
    for name, before, after in zip(scenario.outcome_names, old.outcomes, judgment.outcomes,
                                   strict=True):
        if before == 0 and after > 0:
            raise SmasimInputError(
                f"reweight: outcome {name} gets probability {after:g}, but the run gave it 0, "
                "so no stored path drew it: re-weighting cannot give it weight; simulate it "
                "afresh")
    if old.reopen == 0 and judgment.reopen > 0:
        raise SmasimInputError(
            f"reweight: agreement.reopen_probability gets {judgment.reopen:g}, but the run "
            "had no early reopenings (0), so no stored path holds one; simulate it afresh")
    return judgment


@dataclass(frozen=True)
class Reweighted:
    """A result file's paths under a new judgment, scenario by scenario.

    Attributes
    ----------
    selection : Selection
        What is summarized (variables, scenarios, years).
    weights : list of ScenarioWeights
        One per scenario of the selection.
    """

    selection: Selection
    weights: list[ScenarioWeights]


def reweight(
    path: str | Path,
    assignments: Sequence[str],
    *,
    renormalize: bool = False,
    min_ess: float = DEFAULT_MIN_ESS,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    real: bool = False,
) -> Reweighted:
    """Weights per path, and their effective sample size, for a new judgment of a file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file whose ``negotiation_outcome`` paths are stored.
    assignments : sequence of str
        ``KEY=VALUE`` of outcome probabilities (by name or index) and of
        ``agreement.reopen_probability``, applied to each scenario's stored configuration.
    renormalize : bool
        Rescale the outcomes not assigned, keeping their proportions, to sum to 1.
    min_ess : float
        Refuse a scenario whose effective sample size falls below this many paths.
    variables, scenarios, years, real
        What will be summarized (:func:`simcore.read.select.select`).

    Raises
    ------
    SmasimInputError
        What re-weighting cannot give (see :func:`new_judgment`), or an effective sample
        size below ``min_ess``: the message names the scenario and the rerun command.
    """
    if not assignments:
        raise SmasimInputError("reweight: give at least one --set KEY=VALUE (an outcome "
                               "probability or agreement.reopen_probability)")
    if not min_ess >= 1:
        raise ParameterError(f"{{min_ess}}: must be at least 1 path (got {min_ess:g})")
    selection = select(path, variables=variables, scenarios=scenarios, years=years, real=real)
    weights = []
    for _, scenario, codes in _stored_histories(path, selection):
        judgment = new_judgment(scenario, assignments, renormalize=renormalize,
                                source=f"{path} ({scenario.run.name})")
        ratios = likelihood_ratios(history_counts(scenario, codes), Judgment.of(scenario),
                                   judgment)
        found = ScenarioWeights(scenario.run.name, tuple(scenario.outcome_names),
                                Judgment.of(scenario), judgment, ratios)
        if not found.unchanged and found.effective_paths < min_ess:
            raise ParameterError(literal(
                f"reweight: {scenario.run.name}: effective sample size "
                f"{found.effective_paths:,.0f} of {ratios.size:,} paths is below the floor of "
                f"{min_ess:,.0f} (") + "{min_ess}" + literal(
                "): the new judgment makes histories the run rarely drew carry the answer; "
                f"simulate it afresh: {rerun_command(path, found, ratios.size)}"))
        weights.append(found)
    return Reweighted(selection, weights)


def reweighted_rows(
    reweighted: Reweighted,
    *,
    percentiles: Sequence[float] | None = None,
    exceed: Sequence[float] = (),
) -> list[SummaryRow]:
    """The summary rows of :func:`simcore.read.queries.summary_rows` under the new judgment.

    A scenario whose weights are all 1 gets exactly the unweighted rows (stored statistics,
    bit for bit); the others are summarized from their paths with
    :func:`simcore.stats.importance.weighted_summary`.
    """
    selection = reweighted.selection
    thresholds = check_thresholds(exceed)
    wanted = levels(selection, percentiles)
    rows: list[SummaryRow] = []
    for ref, weights in zip(selection.scenarios, reweighted.weights, strict=True):
        if weights.unchanged:
            rows += selection_rows(replace(selection, scenarios=[ref]), wanted, thresholds)
            continue
        for item in selection.quantities:
            samples = selection.values(item, ref)
            moments, pct = summary_arrays(weighted_summary(samples, weights.ratios, wanted),
                                          selection.width(item))
            tail = (weighted_exceedance(samples, weights.ratios, thresholds) if thresholds
                    else None)
            rows += summary_rows_of(item, ref.name, selection.years, selection.n, moments, pct,
                                    wanted, tail)
    return rows


def reweighted_headline(reweighted: Reweighted) -> list[HeadlineRow]:
    """The headline of :func:`simcore.read.queries.headline_rows` under the new judgment."""
    return headline_rows_of(reweighted_rows(reweighted, percentiles=HEADLINE_LEVELS),
                            HEADLINE_LEVELS)


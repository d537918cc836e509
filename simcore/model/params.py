"""Resolved model parameters: everything the kernels read, as plain values.

:func:`resolve_params` turns a validated :class:`~simcore.config.schema.Scenario` into a
:class:`ModelParams` once per run (:func:`simcore.run.runner.plan_run` resolves each scenario
once, and every block of the run reads that value); the drawing
(:func:`simcore.model.sampling.draw_block`) and the simulating
(:func:`simcore.model.engine.simulate_paths`) read only this value, never the pydantic
configuration. Calendar years become year indices ``t = 0 … H−1`` (0 = the first simulated
year, ``base_year + 1``); money is in KRW or USD, rates are fractions per year. Sections
refer to docs/spec/MODEL.md.

A caller may build or change a ``ModelParams`` itself (``dataclasses.replace``); the arrays
inside are read-only so that one value can be shared by many blocks and threads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import ClassVar, TypeVar

import numpy as np

from simcore.config.schema import (
    CpiRule,
    DefenseBudgetRule,
    DemandOutcome,
    Escalation,
    FixedRule,
    IncreaseOutcome,
    InflationProcess,
    LapseOutcome,
    Scenario,
    StatusQuoOutcome,
)
from simcore.core.types import DRIVERS, Driver, OutcomeKind, RuleKind, Sampler
from simcore.stats.elicitation import Discrete, Distribution, Mixture
from simcore.stats.linalg import correlation_factor

#: Drivers that can be pinned (MODEL.md §4b): the continuous ones and ``troops``.
PINNABLE = (*DRIVERS, "troops")


#: A driver parameter: a number, or a table of draws (read-only, shape (M,)) from which each
#: sample takes one row (MODEL.md §2a); after :func:`at_rows`, one value per sample (n,).
ParameterValue = float | np.ndarray


@dataclass(frozen=True)
class InflationParams:
    """CPI inflation of one country, a trend plus an AR(1) gap (MODEL.md §2), per year.

    ``mean`` is the trend's base-year level τ_0, ``persistence`` the gap's φ, ``volatility``
    and ``trend_volatility`` the base-year shock sds of the gap and of the trend,
    ``log_variance_sd`` γ (0: constant volatilities). A trend volatility of 0 freezes the
    trend: the AR(1) with mean ``mean``.
    """

    initial: float
    previous: float
    mean: ParameterValue
    persistence: ParameterValue
    volatility: ParameterValue
    trend_volatility: ParameterValue = 0.0
    log_variance_sd: float = 0.0

    #: The fields that may be tables of draws.
    TABLES: ClassVar[tuple[str, ...]] = ("mean", "persistence", "volatility",
                                         "trend_volatility")

    @property
    def moving_trend(self) -> bool:
        """Whether the trend moves in any row (a trend volatility other than 0)."""
        return bool(np.any(np.asarray(self.trend_volatility) != 0.0))

    @property
    def stochastic_volatility(self) -> bool:
        """Whether the volatilities move (γ > 0)."""
        return self.log_variance_sd > 0.0


@dataclass(frozen=True)
class DefenseParams:
    """ROK defense budget growth (MODEL.md §3), fractions per year."""

    initial: float
    real_growth: ParameterValue
    volatility: ParameterValue

    TABLES: ClassVar[tuple[str, ...]] = ("real_growth", "volatility")


@dataclass(frozen=True)
class FxParams:
    """KRW per USD (MODEL.md §4): levels in KRW per USD, the rest per year.

    ``log_anchor`` is ``ln anchor``, computed once (:func:`math.log` per value, the same bits
    on every machine) when not given; ``real_anchor`` makes the anchor a real rate.
    """

    initial: float
    anchor: ParameterValue
    reversion: ParameterValue
    ppp: ParameterValue
    volatility: ParameterValue
    real_anchor: bool = False
    log_anchor: ParameterValue | None = None

    TABLES: ClassVar[tuple[str, ...]] = ("anchor", "log_anchor", "reversion", "ppp",
                                         "volatility")

    def __post_init__(self) -> None:
        if self.log_anchor is None:
            anchor = self.anchor
            log_anchor: ParameterValue = (
                math.log(anchor) if isinstance(anchor, float | int)
                else _read_only(np.array([math.log(v) for v in np.asarray(anchor).tolist()])))
            object.__setattr__(self, "log_anchor", log_anchor)


DriverParams = InflationParams | DefenseParams | FxParams
_Driver = TypeVar("_Driver", InflationParams, DefenseParams, FxParams)


def table_size(process: DriverParams) -> int | None:
    """Rows of the driver's tables of draws; None when every parameter is a number."""
    sizes = {np.asarray(getattr(process, name)).size for name in process.TABLES
             if isinstance(getattr(process, name), np.ndarray)}
    if len(sizes) > 1:
        raise ValueError(f"tables of draws of different lengths {sorted(sizes)}")
    return sizes.pop() if sizes else None


def table_rows(size: int | None, uniforms: np.ndarray) -> np.ndarray | None:
    """Each sample's row of tables of ``size`` draws, ``⌊u · size⌋`` (MODEL.md §2a).

    None when there is no table. ``u · size`` can round up to ``size`` for ``u`` just below
    1, so the row is at most ``size − 1``.
    """
    if size is None:
        return None
    rows = (uniforms * size).astype(np.intp)
    np.minimum(rows, size - 1, out=rows)
    return rows


def at_rows(process: _Driver, rows: np.ndarray | None) -> _Driver:
    """The driver with each table replaced by the samples' rows (n,); numbers stay numbers."""
    if rows is None:
        return process
    picked = {name: getattr(process, name)[rows] for name in process.TABLES
              if isinstance(getattr(process, name), np.ndarray)}
    return replace(process, **picked)


@dataclass(frozen=True)
class TroopParams:
    """Markov chain over troop levels (MODEL.md §5).

    ``levels`` in persons; ``transition`` is the (m, m) yearly matrix; ``initial_state`` the
    index of the base-year level in ``levels``.
    """

    levels: tuple[int, ...]
    transition: np.ndarray
    initial_state: int


@dataclass(frozen=True)
class FixedRuleParams:
    """``g_t = rate``."""

    kind: ClassVar[RuleKind] = "fixed"
    rate: float


@dataclass(frozen=True)
class _LaggedRuleParams:
    """A rule that reads a driver ``lag`` years back, clipped to [floor, cap] (None: no bound)."""

    lag: int
    cap: float | None
    floor: float | None


@dataclass(frozen=True)
class CpiRuleParams(_LaggedRuleParams):
    """``g_t = clip(π_kr,t−lag, floor, cap)``."""

    kind: ClassVar[RuleKind] = "cpi"


@dataclass(frozen=True)
class DefenseBudgetRuleParams(_LaggedRuleParams):
    """``g_t = clip(d_t−lag, floor, cap)``."""

    kind: ClassVar[RuleKind] = "defense_budget"


@dataclass(frozen=True)
class UsdCpiRuleParams:
    """The amount is fixed in real USD: ``C_t = C_t−1 (X_t / X_t−1)(1 + π_us,t)``."""

    kind: ClassVar[RuleKind] = "usd_cpi"


RuleParams = FixedRuleParams | CpiRuleParams | DefenseBudgetRuleParams | UsdCpiRuleParams


@dataclass(frozen=True)
class StatusQuoParams:
    """The rule in force goes on; a scheduled negotiation renews it for ``term`` years."""

    kind: ClassVar[OutcomeKind] = "status_quo"
    probability: float
    term: int


@dataclass(frozen=True)
class NewAgreementParams:
    """An outcome that ends the agreement in force and starts one of ``term`` years.

    ``escalation`` is the new agreement's rule; None keeps the rule in force.
    """

    probability: float
    term: int
    escalation: RuleParams | None


@dataclass(frozen=True)
class DemandParams(NewAgreementParams):
    """A US demand ``D`` (USD a year) and the share ``s`` of the gap that ROK concedes.

    Each is drawn by its law's quantile function (:class:`~simcore.stats.elicitation.SampledLaw`):
    ``D`` from the demand uniform (a :class:`~simcore.stats.elicitation.Discrete` law, or a
    mixture of amounts), ``s`` from the concession uniform (a Beta, or a mixture of Betas).
    """

    kind: ClassVar[OutcomeKind] = "demand"
    demand_usd: Discrete | Mixture
    concession: Distribution | Mixture


@dataclass(frozen=True)
class LapseParams:
    """No agreement this year: ``C_t = f · C_t−1``.

    ``funding_fraction`` is ``f``, or its law (drawn from the concession uniform, which a
    lapse year does not otherwise use).
    """

    kind: ClassVar[OutcomeKind] = "lapse"
    probability: float
    funding_fraction: float | Distribution | Mixture


@dataclass(frozen=True)
class IncreaseParams(NewAgreementParams):
    """A first year that moves by ``r = mean + sd · Φ⁻¹(u)`` (fraction per year)."""

    kind: ClassVar[OutcomeKind] = "increase"
    first_year_mean: float
    first_year_sd: float


OutcomeParams = StatusQuoParams | DemandParams | LapseParams | IncreaseParams


@dataclass(frozen=True)
class AgreementParams:
    """The agreement in force at the base year (MODEL.md §6).

    ``amounts_krw`` maps a year index to a known amount (KRW); ``last_year_index`` is the
    index of the agreement's last year (−1 when it ends with the base year).
    """

    base_year_amount_krw: float
    amounts_krw: Mapping[int, float]
    last_year_index: int
    escalation: RuleParams
    rate_step: float
    amount_step: float
    reopen_probability: float


@dataclass(frozen=True)
class CostParams:
    """Inputs of the costs (MODEL.md §7)."""

    base_troops: float
    other_support_krw: float
    us_cost_usd: float
    troop_elasticity: float
    offset_share: float
    discount_rate: float


@dataclass(frozen=True)
class ModelParams:
    """Everything the drawing and the simulating read, resolved from a scenario.

    Attributes
    ----------
    base_year, horizon : int
        ``B`` and ``H``: the simulated years are ``B+1 … B+H`` (indices 0 … H−1).
    sampler : {'mc', 'sobol', 'lhs'}
        How :func:`simcore.model.sampling.draw_block` draws.
    dof : float or None
        Student-t degrees of freedom ``ν``; None for normal shocks.
    correlation, correlation_factor : ndarray, shape (4, 4)
        ``R`` over all drivers in :data:`simcore.core.types.DRIVERS` order, and ``L`` with
        ``L Lᵀ = R`` (:func:`simcore.model.shocks.correlation_factor`).
    kr_inflation, us_inflation : InflationParams
    defense : DefenseParams or None
        None when the scenario has no ``[defense]`` section.
    fx : FxParams
    troops : TroopParams
    pins : mapping of str to mapping of int to float
        For each driver of :data:`PINNABLE`, year index → pinned value (a troop pin is a
        level in persons, an ``fx`` pin a level in KRW per USD).
    agreement : AgreementParams
    outcomes : tuple of OutcomeParams
        The negotiation outcomes in configuration order (the order their probabilities
        are cumulated in when one is drawn).
    outcome_codes : tuple of int
        The code ``negotiation_outcome`` stores for each outcome
        (:func:`simcore.core.outcomes.outcome_codes`: fixed per kind, the same in every file).
    costs : CostParams
    uses_defense : bool
        Whether ``defense_growth`` is simulated and returned.
    """

    base_year: int
    horizon: int
    sampler: Sampler
    dof: float | None
    correlation: np.ndarray
    correlation_factor: np.ndarray
    kr_inflation: InflationParams
    us_inflation: InflationParams
    defense: DefenseParams | None
    fx: FxParams
    troops: TroopParams
    pins: Mapping[str, Mapping[int, float]]
    agreement: AgreementParams
    outcomes: tuple[OutcomeParams, ...]
    outcome_codes: tuple[int, ...]
    costs: CostParams
    uses_defense: bool

    @property
    def years(self) -> np.ndarray:
        """Calendar years simulated, ``base_year + 1 … base_year + horizon``; shape (H,)."""
        return np.arange(self.base_year + 1, self.base_year + self.horizon + 1)

    @property
    def drivers(self) -> dict[Driver, DriverParams | None]:
        """Each continuous driver's parameters, in :data:`~simcore.core.types.DRIVERS` order."""
        return {"kr_inflation": self.kr_inflation, "us_inflation": self.us_inflation,
                "fx": self.fx, "defense": self.defense}

    @property
    def uses_parameter_draws(self) -> bool:
        """Whether any driver has a table of draws (each sample then reads its row uniform)."""
        return any(p is not None and table_size(p) is not None for p in self.drivers.values())

    @property
    def uses_trend_shocks(self) -> bool:
        """Whether an inflation trend moves (the trend shocks ζ are read)."""
        return self.kr_inflation.moving_trend or self.us_inflation.moving_trend

    @property
    def uses_log_variance_shocks(self) -> bool:
        """Whether an inflation driver has stochastic volatility (the shocks ν are read)."""
        return (self.kr_inflation.stochastic_volatility
                or self.us_inflation.stochastic_volatility)

    @property
    def escalation_rules(self) -> tuple[RuleParams, ...]:
        """Distinct rules: the agreement's first, then the outcomes' own, in order."""
        rules = [self.agreement.escalation]
        for outcome in self.outcomes:
            if isinstance(outcome, NewAgreementParams):
                if outcome.escalation is not None and outcome.escalation not in rules:
                    rules.append(outcome.escalation)
        return tuple(rules)


def resolve_rule(rule: Escalation) -> RuleParams:
    """The plain form of a configured escalation rule."""
    if isinstance(rule, FixedRule):
        return FixedRuleParams(rate=rule.rate)
    if isinstance(rule, CpiRule):
        return CpiRuleParams(lag=rule.lag, cap=rule.cap, floor=rule.floor)
    if isinstance(rule, DefenseBudgetRule):
        return DefenseBudgetRuleParams(lag=rule.lag, cap=rule.cap, floor=rule.floor)
    return UsdCpiRuleParams()


def _resolve_outcome(
    outcome: StatusQuoOutcome | DemandOutcome | LapseOutcome | IncreaseOutcome,
) -> OutcomeParams:
    if isinstance(outcome, StatusQuoOutcome):
        return StatusQuoParams(probability=outcome.probability, term=outcome.term)
    if isinstance(outcome, DemandOutcome):
        return DemandParams(
            probability=outcome.probability,
            demand_usd=outcome.demand_usd.law(),
            concession=outcome.concession.law(),
            term=outcome.term,
            escalation=_resolve_optional_rule(outcome.escalation),
        )
    if isinstance(outcome, IncreaseOutcome):
        return IncreaseParams(
            probability=outcome.probability,
            first_year_mean=outcome.first_year.mean,
            first_year_sd=outcome.first_year.sd,
            term=outcome.term,
            escalation=_resolve_optional_rule(outcome.escalation),
        )
    fraction = outcome.funding_fraction
    return LapseParams(
        probability=outcome.probability,
        funding_fraction=float(fraction) if isinstance(fraction, int | float) else fraction.law(),
    )


def _resolve_optional_rule(rule: Escalation | None) -> RuleParams | None:
    return None if rule is None else resolve_rule(rule)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _value(value: float | list[float]) -> ParameterValue:
    """A configured parameter: a float, or its table of draws as a read-only array."""
    if isinstance(value, list):
        return _read_only(np.asarray(value, dtype=float))
    return float(value)


def _inflation(process: InflationProcess) -> InflationParams:
    return InflationParams(
        initial=process.initial, previous=process.previous, mean=_value(process.mean),
        persistence=_value(process.persistence), volatility=_value(process.volatility),
        trend_volatility=_value(process.trend_volatility),
        log_variance_sd=process.log_variance_sd,
    )


def resolve_params(scenario: Scenario, *, with_defense: bool = False) -> ModelParams:
    """Resolve a validated scenario into the plain parameters the engine reads.

    Parameters
    ----------
    scenario : Scenario
        The validated configuration.
    with_defense : bool
        Also simulate ``defense_growth`` when no rule reads it (a batch in which another
        scenario does); it is produced only when the scenario has a ``[defense]`` section.

    Returns
    -------
    ModelParams
    """
    run, shocks = scenario.run, scenario.shocks
    correlation = _read_only(shocks.full_correlation())
    base = run.base_year + 1
    pins = {
        driver: {year - base: value for year, value in getattr(scenario.pins, driver).items()}
        for driver in PINNABLE
    }
    fx = scenario.fx
    agreement = scenario.agreement
    defense = scenario.defense
    troops = scenario.troops
    return ModelParams(
        base_year=run.base_year,
        horizon=run.horizon,
        sampler=run.sampler,
        dof=shocks.dof if shocks.distribution == "student_t" else None,
        correlation=correlation,
        correlation_factor=_read_only(correlation_factor(correlation)),
        kr_inflation=_inflation(scenario.inflation.kr),
        us_inflation=_inflation(scenario.inflation.us),
        defense=None if defense is None else DefenseParams(
            initial=defense.initial, real_growth=_value(defense.real_growth),
            volatility=_value(defense.volatility),
        ),
        fx=FxParams(
            initial=fx.initial, anchor=_value(fx.anchor), reversion=_value(fx.reversion),
            ppp=_value(fx.ppp), volatility=_value(fx.volatility), real_anchor=fx.real_anchor,
        ),
        troops=TroopParams(
            levels=tuple(troops.levels),
            transition=_read_only(np.asarray(troops.transition, dtype=float)),
            initial_state=troops.levels.index(troops.initial),
        ),
        pins=pins,
        agreement=AgreementParams(
            base_year_amount_krw=agreement.base_year_amount_krw,
            amounts_krw={year - base: amount for year, amount in agreement.amounts_krw.items()},
            last_year_index=agreement.last_year - base,
            escalation=resolve_rule(agreement.escalation),
            rate_step=agreement.rate_step,
            amount_step=agreement.amount_step,
            reopen_probability=agreement.reopen_probability,
        ),
        outcomes=tuple(_resolve_outcome(o) for o in scenario.negotiation.outcomes),
        outcome_codes=tuple(scenario.outcome_codes),
        costs=CostParams(
            base_troops=float(troops.initial),
            other_support_krw=scenario.rok_other_support.base_krw,
            us_cost_usd=scenario.us_cost.base_usd,
            troop_elasticity=scenario.us_cost.troop_elasticity,
            offset_share=scenario.us_cost.offset_share,
            discount_rate=run.discount_rate,
        ),
        uses_defense=defense is not None and (with_defense or scenario.uses_defense_budget),
    )

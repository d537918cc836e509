"""The agreement and its negotiations: the contribution in KRW per year (MODEL.md §6).

Sections refer to docs/spec/MODEL.md. The year loop carries per-sample state forward: the
last year of the agreement in force (as a year index), the escalation rule in force, and
whether the base agreement (with its known amounts) still holds. Negotiation outcomes are
applied to the negotiating samples only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
from scipy import special

from simcore.core.outcomes import NO_NEGOTIATION
from simcore.model.params import (
    AgreementParams,
    CpiRuleParams,
    DefenseBudgetRuleParams,
    DemandParams,
    FixedRuleParams,
    IncreaseParams,
    LapseParams,
    ModelParams,
    NewAgreementParams,
    OutcomeParams,
    RuleParams,
    StatusQuoParams,
    UsdCpiRuleParams,
)
from simcore.model.sampling import NEGOTIATION_ROLES

_U_REOPEN, _U_OUTCOME, _U_DEMAND, _U_CONCESSION = (
    NEGOTIATION_ROLES.index(role) for role in ("reopen", "outcome", "demand", "concession")
)


@overload
def round_to_step(value: np.ndarray, step: float) -> np.ndarray: ...
@overload
def round_to_step(value: float, step: float) -> float: ...
def round_to_step(value: np.ndarray | float, step: float) -> np.ndarray | float:
    """Round to a multiple of ``step``, halves up, as amounts are rounded on paper.

    ``q · floor(round(x / q, 9) + 1/2)``: the inner rounding to 9 decimals makes a decimal
    half such as 0.0215 / 0.001 (21.4999… in binary) round up. ``step = 0``: no rounding.

    Examples
    --------
    >>> float(round_to_step(0.0215, 0.001))
    0.022
    >>> float(round_to_step(1.5511032e12, 1e8))
    1551100000000.0
    """
    if step == 0:
        return value
    return step * np.floor(np.round(np.divide(value, step), 9) + 0.5)


def escalation_rate(
    rule: FixedRuleParams | CpiRuleParams | DefenseBudgetRuleParams,
    lagged: np.ndarray | float,
    *,
    rate_step: float,
) -> np.ndarray | float:
    """Growth rate ``g_t`` of a rate rule: rounded to ``rate_step``, then clipped.

    Parameters
    ----------
    rule : FixedRuleParams, CpiRuleParams or DefenseBudgetRuleParams
        The rule; ``cap`` / ``floor`` of None are no bound.
    lagged : ndarray of shape (n,) or float
        The lagged driver the rule reads (ignored by ``fixed``), fraction per year.
    rate_step : float
        Rounding step of the rate (0.001 = 0.1 percentage point).

    Returns
    -------
    ndarray or float
        ``g_t``, fraction per year.
    """
    if isinstance(rule, FixedRuleParams):
        return round_to_step(rule.rate, rate_step)
    rate = round_to_step(lagged, rate_step)
    low = -np.inf if rule.floor is None else rule.floor
    high = np.inf if rule.cap is None else rule.cap
    return np.clip(rate, low, high)


def _lagged(
    series: np.ndarray, t: int, lag: int, observed: tuple[float, ...]
) -> np.ndarray | float:
    """Value of a driver at year index ``t − lag``; before year 1, the observed values.

    ``observed`` holds the base year's value first, then the year before it.
    """
    source = t - lag
    return series[:, source] if source >= 0 else observed[-source - 1]


def _escalation_factor(
    rule: RuleParams,
    t: int,
    params: ModelParams,
    *,
    kr_inflation: np.ndarray,
    us_inflation: np.ndarray,
    fx: np.ndarray,
    defense_growth: np.ndarray | None,
) -> np.ndarray | float:
    """Multiplier from last year's amount to this year's under ``rule`` (before rounding)."""
    if isinstance(rule, UsdCpiRuleParams):
        previous_fx = fx[:, t - 1] if t > 0 else params.fx.initial
        return fx[:, t] / previous_fx * (1.0 + us_inflation[:, t])
    lagged: np.ndarray | float = 0.0
    if isinstance(rule, CpiRuleParams):
        kr = params.kr_inflation
        lagged = _lagged(kr_inflation, t, rule.lag, (kr.initial, kr.previous))
    elif isinstance(rule, DefenseBudgetRuleParams):
        if defense_growth is None or params.defense is None:
            raise ValueError("a defense_budget rule needs defense parameters and growth paths")
        lagged = _lagged(defense_growth, t, rule.lag, (params.defense.initial,))
    return 1.0 + escalation_rate(rule, lagged, rate_step=params.agreement.rate_step)


def simulate_contributions(
    params: ModelParams,
    *,
    kr_inflation: np.ndarray,
    us_inflation: np.ndarray,
    fx: np.ndarray,
    defense_growth: np.ndarray | None,
    negotiation_u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Contribution in KRW and negotiation outcomes per sample and year.

    Parameters
    ----------
    params : ModelParams
        Reads the agreement, the outcomes, and the observed base-year values the rules fall
        back on (``π_kr,0``, ``π_kr,−1``, ``d_0``, ``X_0``).
    kr_inflation, us_inflation : ndarray, shape (n, H)
        Fractions per year.
    fx : ndarray, shape (n, H)
        KRW per USD.
    defense_growth : ndarray, shape (n, H), or None
        Required when a rule is ``defense_budget``.
    negotiation_u : ndarray, shape (H, 4, n)
        The block's negotiation uniforms (roles in
        :data:`simcore.model.sampling.NEGOTIATION_ROLES`).

    Returns
    -------
    contribution_krw : ndarray, shape (n, H)
        ``C_t``, KRW.
    negotiation_outcome : ndarray of int8, shape (n, H)
        Code of the outcome drawn (``params.outcome_codes``), or
        :data:`~simcore.core.outcomes.NO_NEGOTIATION`.
    """
    agreement = params.agreement
    outcomes = params.outcomes
    rules = params.escalation_rules
    n, horizon = fx.shape
    amount_step = agreement.amount_step
    # Drawn in configuration order; stored as the outcome's fixed code.
    outcome_cdf = np.cumsum([o.probability for o in outcomes])
    codes = np.asarray(params.outcome_codes, dtype=np.int8)
    outcome_rule = [
        rules.index(o.escalation)
        if isinstance(o, NewAgreementParams) and o.escalation is not None
        else None
        for o in outcomes
    ]

    contribution = np.empty((n, horizon), order="F")
    outcome_code = np.full((n, horizon), NO_NEGOTIATION, dtype=np.int8, order="F")
    last_year = np.full(n, agreement.last_year_index, dtype=np.int32)
    rule_in_force = np.zeros(n, dtype=np.int8)
    base_agreement_holds = np.ones(n, dtype=bool)
    previous = np.full(n, agreement.base_year_amount_krw)

    for t in range(horizon):
        factors = [
            _escalation_factor(
                rule,
                t,
                params,
                kr_inflation=kr_inflation,
                us_inflation=us_inflation,
                fx=fx,
                defense_growth=defense_growth,
            )
            for rule in rules
        ]
        factor = (
            factors[0]
            if len(rules) == 1
            else np.choose(rule_in_force, [np.asarray(f) for f in factors])
        )
        current = contribution[:, t]
        current[:] = round_to_step(previous * factor, amount_step)

        scheduled, known, reopenable = _schedule(agreement, t, last_year, base_agreement_holds)
        if known is not None:
            current[known] = agreement.amounts_krw[t]
        negotiating = scheduled
        if agreement.reopen_probability > 0:
            reopen = negotiation_u[t, _U_REOPEN] < agreement.reopen_probability
            negotiating = scheduled | (reopen & reopenable)

        who = np.flatnonzero(negotiating)
        if who.size == 0:
            previous = current
            continue
        drawn = np.searchsorted(outcome_cdf, negotiation_u[t, _U_OUTCOME, who], side="right")
        drawn = np.minimum(drawn, len(outcomes) - 1)
        outcome_code[who, t] = codes[drawn]
        for k, outcome in enumerate(outcomes):
            chosen = who[drawn == k]
            if chosen.size == 0:
                continue
            _settle(outcome, chosen, t, scheduled, last_year, base_agreement_holds)
            if isinstance(outcome, NewAgreementParams):
                # Its first amount, then its term and rule; the base agreement's known
                # amounts no longer apply.
                if isinstance(outcome, DemandParams):
                    current[chosen] = _demand_amount(
                        outcome,
                        previous=previous[chosen],
                        fx=fx[chosen, t],
                        u_demand=negotiation_u[t, _U_DEMAND, chosen],
                        u_concession=negotiation_u[t, _U_CONCESSION, chosen],
                        amount_step=amount_step,
                    )
                elif isinstance(outcome, IncreaseParams):
                    current[chosen] = _increased_amount(
                        outcome,
                        previous=previous[chosen],
                        u=negotiation_u[t, _U_CONCESSION, chosen],
                        rate_step=agreement.rate_step,
                        amount_step=amount_step,
                    )
                new_rule = outcome_rule[k]
                if new_rule is not None:
                    rule_in_force[chosen] = new_rule
            elif isinstance(outcome, LapseParams):
                law = outcome.funding_fraction
                # A law is drawn by the concession uniform (unused in a lapse year).
                fraction = (law if isinstance(law, float)
                            else law.ppf(negotiation_u[t, _U_CONCESSION, chosen]))
                current[chosen] = round_to_step(fraction * previous[chosen], amount_step)
        previous = current
    return contribution, outcome_code


def _schedule(
    agreement: AgreementParams, t: int, last_year: np.ndarray, base_agreement_holds: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Year ``t``'s negotiations, per sample: ``scheduled`` (after the agreement's last year,
    or after a lapse), ``known`` (the base agreement's known amount applies; None in a year
    without one) and ``reopenable`` (neither: an early reopening may happen)."""
    scheduled = t > last_year
    known = base_agreement_holds & ~scheduled if t in agreement.amounts_krw else None
    reopenable = ~scheduled if known is None else ~scheduled & ~known
    return scheduled, known, reopenable


def _settle(
    outcome: OutcomeParams,
    chosen: np.ndarray,
    t: int,
    scheduled: np.ndarray,
    last_year: np.ndarray,
    base_agreement_holds: np.ndarray,
) -> None:
    """The agreement after ``outcome`` in year ``t`` for the samples ``chosen`` (in place)."""
    if isinstance(outcome, StatusQuoParams):
        # Renewal only at a scheduled negotiation; a failed reopening changes nothing.
        renewed = chosen[scheduled[chosen]]
        last_year[renewed] = t + outcome.term - 1
    elif isinstance(outcome, NewAgreementParams):
        # A new agreement: its term; the base agreement's known amounts no longer apply.
        last_year[chosen] = t + outcome.term - 1
        base_agreement_holds[chosen] = False
    elif isinstance(outcome, LapseParams):
        # No agreement this year: the next year opens a scheduled negotiation.
        last_year[chosen] = t - 1
        base_agreement_holds[chosen] = False


@dataclass(frozen=True)
class NegotiationChances:
    """What could happen in each year of stored paths, and what did (METHODS.md §W).

    Attributes
    ----------
    scheduled : ndarray of bool, shape (n, H)
        A negotiation had to happen.
    reopenable : ndarray of bool, shape (n, H)
        An early reopening could happen (with probability ``reopen_probability``; all False
        when it is 0).
    outcome : ndarray of int, shape (n, H)
        The index in ``params.outcomes`` of the outcome drawn, −1 in a year without a
        negotiation.
    """

    scheduled: np.ndarray
    reopenable: np.ndarray
    outcome: np.ndarray


def negotiation_chances(params: ModelParams, negotiation_outcome: np.ndarray) -> NegotiationChances:
    """Replay the agreement of stored paths from their outcome codes: which years were
    scheduled negotiations and which could have been early reopenings.

    The schedule follows from the outcomes drawn before (terms, lapses, known amounts), by
    the same rules :func:`simulate_contributions` applies.

    Parameters
    ----------
    params : ModelParams
        The parameters the paths were simulated with.
    negotiation_outcome : ndarray of int, shape (n, H)
        The stored codes (``params.outcome_codes``, or :data:`NO_NEGOTIATION`).

    Raises
    ------
    ValueError
        A code the parameters do not have, a negotiation in a year that could have none,
        or none in a scheduled year: the paths are not these parameters'.
    """
    agreement = params.agreement
    codes = np.asarray(negotiation_outcome)
    n, horizon = codes.shape
    lookup = {code: k for k, code in enumerate(params.outcome_codes)}
    unknown = sorted(set(np.unique(codes).tolist()) - set(lookup) - {NO_NEGOTIATION})
    if unknown:
        raise ValueError(f"outcome code {unknown[0]} is not one of these parameters' outcomes")
    outcome = np.full((n, horizon), -1, dtype=np.int16)
    for code, k in lookup.items():
        outcome[codes == code] = k
    scheduled = np.zeros((n, horizon), dtype=bool)
    reopenable = np.zeros((n, horizon), dtype=bool)
    last_year = np.full(n, agreement.last_year_index, dtype=np.int32)
    base_agreement_holds = np.ones(n, dtype=bool)
    for t in range(horizon):
        scheduled[:, t], _, can_reopen = _schedule(agreement, t, last_year,
                                                   base_agreement_holds)
        if agreement.reopen_probability > 0:
            reopenable[:, t] = can_reopen
        negotiated = outcome[:, t] >= 0
        if np.any(negotiated & ~scheduled[:, t] & ~reopenable[:, t]) or np.any(
                scheduled[:, t] & ~negotiated):
            raise ValueError(f"the outcomes of year index {t} do not follow the parameters' "
                             "schedule (a negotiation where none could be, or none where one "
                             "was scheduled)")
        for k, entry in enumerate(params.outcomes):
            chosen = np.flatnonzero(outcome[:, t] == k)
            if chosen.size:
                _settle(entry, chosen, t, scheduled[:, t], last_year, base_agreement_holds)
    return NegotiationChances(scheduled, reopenable, outcome)


def _demand_amount(
    outcome: DemandParams,
    *,
    previous: np.ndarray,
    fx: np.ndarray,
    u_demand: np.ndarray,
    u_concession: np.ndarray,
    amount_step: float,
) -> np.ndarray:
    """``C_t = (V + s (D − V)) X_t`` with ``V = C_{t−1} / X_t``, rounded to the amount step.

    ``D`` and ``s`` are their laws' quantiles of the demand and concession uniforms.
    """
    demand = outcome.demand_usd.ppf(u_demand)
    concession = outcome.concession.ppf(u_concession)
    value_usd = previous / fx
    return round_to_step((value_usd + concession * (demand - value_usd)) * fx, amount_step)


def first_year_rate(
    outcome: IncreaseParams, u: np.ndarray, *, rate_step: float
) -> np.ndarray:
    """``r = m + s Φ⁻¹(u)`` rounded to ``rate_step``, at least −1 (fraction per year).

    ``u`` is the concession uniform (no random input of its own). The floor at −1 keeps an
    amount from turning negative in the far lower tail; ``s = 0`` gives ``m`` exactly.
    """
    rate = np.full(u.shape, outcome.first_year_mean)
    if outcome.first_year_sd > 0:
        rate += outcome.first_year_sd * special.ndtri(u)
    return np.maximum(round_to_step(rate, rate_step), -1.0)


def _increased_amount(
    outcome: IncreaseParams,
    *,
    previous: np.ndarray,
    u: np.ndarray,
    rate_step: float,
    amount_step: float,
) -> np.ndarray:
    """``C_t = C_{t−1} (1 + r)`` rounded to the amount step (:func:`first_year_rate`)."""
    rate = first_year_rate(outcome, u, rate_step=rate_step)
    return round_to_step(previous * (1.0 + rate), amount_step)

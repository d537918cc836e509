"""The agreement and its negotiations: the contribution in KRW per year (MODEL.md §6).

The year loop carries per-sample state forward: last year of the agreement in force, the
escalation rule in force, and whether the base agreement (with its known amounts) still
holds. Negotiation outcomes are applied to the negotiating samples only.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from simcore.config import (
    CpiRule,
    DefenseBudgetRule,
    DemandOutcome,
    Escalation,
    FixedRule,
    LapseOutcome,
    Scenario,
    StatusQuoOutcome,
)
from simcore.sampling import UNIFORM_ROLES

#: ``negotiation_outcome`` in a year without a negotiation.
NO_NEGOTIATION = -1

_U_REOPEN, _U_OUTCOME, _U_DEMAND, _U_CONCESSION = (
    UNIFORM_ROLES.index(role) for role in ("reopen", "outcome", "demand", "concession")
)


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
    rule: FixedRule | CpiRule | DefenseBudgetRule,
    lagged: np.ndarray | float,
    *,
    rate_step: float,
) -> np.ndarray | float:
    """Growth rate ``g_t`` of a rate rule: rounded to ``rate_step``, then clipped.

    Parameters
    ----------
    rule : FixedRule, CpiRule or DefenseBudgetRule
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
    raw = rule.rate if isinstance(rule, FixedRule) else lagged
    rate = round_to_step(raw, rate_step)
    if isinstance(rule, FixedRule):
        return rate
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
    rule: Escalation,
    t: int,
    scenario: Scenario,
    *,
    kr_inflation: np.ndarray,
    us_inflation: np.ndarray,
    fx: np.ndarray,
    defense_growth: np.ndarray | None,
) -> np.ndarray | float:
    """Multiplier from last year's amount to this year's under ``rule`` (before rounding)."""
    if rule.rule == "usd_cpi":
        previous_fx = fx[:, t - 1] if t > 0 else scenario.fx.initial
        return fx[:, t] / previous_fx * (1.0 + us_inflation[:, t])
    lagged: np.ndarray | float = 0.0
    if isinstance(rule, CpiRule):
        kr = scenario.inflation.kr
        lagged = _lagged(kr_inflation, t, rule.lag, (kr.initial, kr.previous))
    elif isinstance(rule, DefenseBudgetRule):
        assert defense_growth is not None and scenario.defense is not None
        lagged = _lagged(defense_growth, t, rule.lag, (scenario.defense.initial,))
    return 1.0 + escalation_rate(rule, lagged, rate_step=scenario.agreement.rate_step)


def simulate_contributions(
    scenario: Scenario,
    *,
    kr_inflation: np.ndarray,
    us_inflation: np.ndarray,
    fx: np.ndarray,
    defense_growth: np.ndarray | None,
    uniforms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Contribution in KRW and negotiation outcomes per sample and year.

    Parameters
    ----------
    scenario : Scenario
        Agreement, negotiation outcomes and steps.
    kr_inflation, us_inflation : ndarray, shape (n, H)
        Fractions per year.
    fx : ndarray, shape (n, H)
        KRW per USD.
    defense_growth : ndarray, shape (n, H), or None
        Required when a rule is ``defense_budget``.
    uniforms : ndarray, shape (H, 5, n)
        The block's uniforms (roles in :data:`simcore.sampling.UNIFORM_ROLES`).

    Returns
    -------
    contribution_krw : ndarray, shape (n, H)
        ``C_t``, KRW.
    negotiation_outcome : ndarray of int8, shape (n, H)
        Index of the outcome drawn, or :data:`NO_NEGOTIATION`.
    """
    agreement = scenario.agreement
    outcomes = scenario.negotiation.outcomes
    rules = scenario.escalation_rules
    n, horizon = fx.shape
    amount_step = agreement.amount_step
    outcome_cdf = np.cumsum([o.probability for o in outcomes])
    outcome_rule = [
        rules.index(o.escalation)
        if isinstance(o, DemandOutcome) and o.escalation is not None
        else None
        for o in outcomes
    ]

    contribution = np.empty((n, horizon), order="F")
    outcome_code = np.full((n, horizon), NO_NEGOTIATION, dtype=np.int8, order="F")
    last_year = np.full(n, agreement.last_year, dtype=np.int32)
    rule_in_force = np.zeros(n, dtype=np.int8)
    base_agreement_holds = np.ones(n, dtype=bool)
    previous = np.full(n, agreement.base_year_amount_krw)

    for t, year in enumerate(scenario.years.tolist()):
        factors = [
            _escalation_factor(
                rule,
                t,
                scenario,
                kr_inflation=kr_inflation,
                us_inflation=us_inflation,
                fx=fx,
                defense_growth=defense_growth,
            )
            for rule in rules
        ]
        factor = factors[0] if len(rules) == 1 else np.choose(rule_in_force, factors)
        current = contribution[:, t]
        current[:] = round_to_step(previous * factor, amount_step)

        scheduled = year > last_year
        known_amount = agreement.amounts_krw.get(year)
        if known_amount is not None:
            known = base_agreement_holds & ~scheduled
            current[known] = known_amount
        negotiating = scheduled
        if agreement.reopen_probability > 0:
            reopen = uniforms[t, _U_REOPEN] < agreement.reopen_probability
            reopen &= ~scheduled
            if known_amount is not None:
                reopen &= ~known
            negotiating = scheduled | reopen

        who = np.flatnonzero(negotiating)
        if who.size == 0:
            previous = current
            continue
        drawn = np.searchsorted(outcome_cdf, uniforms[t, _U_OUTCOME, who], side="right")
        drawn = np.minimum(drawn, len(outcomes) - 1).astype(np.int8)
        outcome_code[who, t] = drawn
        for k, outcome in enumerate(outcomes):
            chosen = who[drawn == k]
            if chosen.size == 0:
                continue
            if isinstance(outcome, StatusQuoOutcome):
                # Renewal only at a scheduled negotiation; a failed reopening changes nothing.
                renewed = chosen[scheduled[chosen]]
                last_year[renewed] = year + outcome.term - 1
            elif isinstance(outcome, DemandOutcome):
                current[chosen] = _demand_amount(
                    outcome,
                    previous=previous[chosen],
                    fx=fx[chosen, t],
                    u_demand=uniforms[t, _U_DEMAND, chosen],
                    u_concession=uniforms[t, _U_CONCESSION, chosen],
                    amount_step=amount_step,
                )
                last_year[chosen] = year + outcome.term - 1
                base_agreement_holds[chosen] = False
                if outcome_rule[k] is not None:
                    rule_in_force[chosen] = outcome_rule[k]
            elif isinstance(outcome, LapseOutcome):
                current[chosen] = round_to_step(
                    outcome.funding_fraction * previous[chosen], amount_step
                )
                # No agreement this year: the next year opens a scheduled negotiation.
                last_year[chosen] = year - 1
                base_agreement_holds[chosen] = False
        previous = current
    return contribution, outcome_code


def _demand_amount(
    outcome: DemandOutcome,
    *,
    previous: np.ndarray,
    fx: np.ndarray,
    u_demand: np.ndarray,
    u_concession: np.ndarray,
    amount_step: float,
) -> np.ndarray:
    """``C_t = (V + s (D − V)) X_t`` with ``V = C_{t−1} / X_t``, rounded to the amount step."""
    demand_cdf = np.cumsum(outcome.demand_usd.probabilities)
    index = np.minimum(
        np.searchsorted(demand_cdf, u_demand, side="right"), len(demand_cdf) - 1
    )
    demand = np.asarray(outcome.demand_usd.values)[index]
    concession = special.betaincinv(outcome.concession.a, outcome.concession.b, u_concession)
    value_usd = previous / fx
    return round_to_step((value_usd + concession * (demand - value_usd)) * fx, amount_step)

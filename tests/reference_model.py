"""MODEL.md written the plain way: one sample at a time, Python floats, no vectorization.

An oracle, not part of the library: tests check that the vectorized engine gives the same
paths from the same random inputs, and the benchmarks time it as the per-sample baseline.
It reads the scenario and the block's random inputs (the correlated Gaussian shocks
``g = L e``, the Student-t mixing variables, the uniforms, the row uniforms of tables of
draws, the trend and log-variance shocks) and follows MODEL.md §1–7 literally: inflation as
a trend plus a gap with volatilities ``exp(ln s²/2)``, the exchange rate pulled toward its
anchor (moved by the cumulated pass-through when it is real).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, special, stats

from simcore.config.schema import (
    AgreementSection,
    AmountMixture,
    BetaDistribution,
    BetaMixture,
    CpiRule,
    DemandOutcome,
    DiscreteDistribution,
    Escalation,
    FixedRule,
    IncreaseOutcome,
    LapseOutcome,
    Scenario,
    StatusQuoOutcome,
)
from simcore.core.outcomes import KIND_CODES
from simcore.model.sampling import BlockDraws


def _round(x: float, step: float) -> float:
    if step == 0:
        return x
    return step * math.floor(float(np.round(x / step, 9)) + 0.5)


def _pick(cdf: list[float], u: float) -> int:
    for k, c in enumerate(cdf):
        if u < c:
            return k
    return len(cdf) - 1


def _component(component: object) -> stats.rv_continuous:
    """One mixture component as a scipy law (its own CDF and quantile code)."""
    c: Any = component
    family = getattr(c, "family", "beta")
    if family == "lognormal":
        return stats.lognorm(c.sdlog, scale=math.exp(c.meanlog))
    if family == "gamma":
        return stats.gamma(c.shape, scale=c.scale)
    return stats.beta(c.a, c.b)


def _quantile(law: object, u: float) -> float:
    """A judgment's value at uniform ``u`` (MODEL.md §6): a number is itself, a discrete law
    picks, a Beta inverts, a mixture is solved for ``Σ w_j F_j(x) = u`` by Brent's method."""
    if isinstance(law, int | float):
        return float(law)
    if isinstance(law, DiscreteDistribution):
        return law.values[_pick(list(np.cumsum(law.probabilities)), u)]
    if isinstance(law, BetaDistribution):
        return float(special.betaincinv(law.a, law.b, u))
    assert isinstance(law, BetaMixture | AmountMixture)
    components = law.mixture
    if len(components) == 1 and isinstance(law, BetaMixture):
        return float(special.betaincinv(components[0].a, components[0].b, u))
    laws = [(c.weight, _component(c)) for c in components]
    if len(laws) == 1:
        return float(laws[0][1].ppf(u))

    def gap(x: float) -> float:
        return math.fsum(w * float(one.cdf(x)) for w, one in laws) - u

    high = 1.0 if isinstance(law, BetaMixture) else 1e13
    return float(optimize.brentq(gap, 0.0, high, xtol=1e-300, rtol=4 * np.finfo(float).eps))


def _grown(
    previous: float,
    rule: Escalation,
    agreement: AgreementSection,
    *,
    t: int,
    fx: float,
    fx_prev: float,
    pi_us: float,
    history_kr: dict[int, float],
    history_d: dict[int, float],
) -> float:
    """Last year's amount grown by ``rule`` in year ``t`` and rounded."""
    if rule.rule == "usd_cpi":
        return _round(previous * fx / fx_prev * (1 + pi_us), agreement.amount_step)
    if isinstance(rule, FixedRule):
        g = _round(rule.rate, agreement.rate_step)
    else:
        source = history_kr if isinstance(rule, CpiRule) else history_d
        g = _round(source[t - rule.lag], agreement.rate_step)
        if rule.floor is not None:
            g = max(g, rule.floor)
        if rule.cap is not None:
            g = min(g, rule.cap)
    return _round(previous * (1 + g), agreement.amount_step)


def _row(section: object, names: tuple[str, ...], u: float | None) -> dict[str, float]:
    """The section's parameters for one sample: row ``floor(u · M)`` of its tables."""
    values = {name: getattr(section, name) for name in names}
    sizes = {len(v) for v in values.values() if isinstance(v, list)}
    if not sizes:
        return values
    assert u is not None
    row = min(math.floor(u * sizes.pop()), len(next(v for v in values.values()
                                                   if isinstance(v, list))) - 1)
    return {name: v[row] if isinstance(v, list) else v for name, v in values.items()}


INFLATION = ("mean", "persistence", "volatility", "trend_volatility")
FX = ("anchor", "reversion", "ppp", "volatility")
DEFENSE = ("real_growth", "volatility")


def simulate_reference(scenario: Scenario, draws: BlockDraws) -> dict[str, np.ndarray]:
    """Simulate every sample of a block with plain Python loops (slow by design)."""
    run = scenario.run
    horizon = run.horizon
    n = draws.n
    years = list(range(run.base_year + 1, run.base_year + horizon + 1))
    dof = scenario.shocks.dof if scenario.shocks.distribution == "student_t" else None
    kr, us, fx_cfg = scenario.inflation.kr, scenario.inflation.us, scenario.fx
    pins = scenario.pins
    agreement = scenario.agreement
    outcomes = scenario.negotiation.outcomes
    outcome_cdf = list(np.cumsum([o.probability for o in outcomes]))
    troop_cdf = [list(np.cumsum(row)) for row in scenario.troops.transition]
    levels = scenario.troops.levels
    names = ["inflation_kr", "inflation_us", "fx_krw_per_usd", "troops", "negotiation_outcome",
             "contribution_krw", "contribution_usd", "contribution_usd_real",
             "other_support_usd", "us_cost_usd", "total_cost_usd", "rok_share",
             "cost_per_troop_usd"]
    out = {name: np.zeros((n, horizon)) for name in names}
    out["cum_contribution_usd"] = np.zeros(n)
    out["cum_total_cost_usd"] = np.zeros(n)
    out["pv_contribution_usd"] = np.zeros(n)

    for i in range(n):
        u_row = [None if draws.parameter_u is None else float(draws.parameter_u[k, i])
                 for k in range(4)]
        p_kr = _row(kr, INFLATION, u_row[0])
        p_us = _row(us, INFLATION, u_row[1])
        p_fx = _row(fx_cfg, FX, u_row[2])
        p_d = None if scenario.defense is None else _row(scenario.defense, DEFENSE, u_row[3])
        # MODEL.md §2: π = τ + g, the trend τ from τ_0 = mean, the gap g_0 = π_0 − τ_0.
        tau = {"kr": p_kr["mean"], "us": p_us["mean"]}
        gap = {"kr": kr.initial - p_kr["mean"], "us": us.initial - p_us["mean"]}
        # ln s² of the trend and of the gap, per country.
        log_var = {(c, k): 2 * math.log(sd) if sd > 0 else -math.inf
                   for c, p in (("kr", p_kr), ("us", p_us))
                   for k, sd in (("trend", p["trend_volatility"]), ("gap", p["volatility"]))}
        cum_gap = 0.0
        pi_kr, pi_us = kr.initial, us.initial
        log_fx = math.log(fx_cfg.initial)
        fx_prev = fx_cfg.initial
        price_kr = price_us = 1.0
        state = levels.index(scenario.troops.initial)
        history_kr = {0: kr.initial, -1: kr.previous}
        history_d = {0: scenario.defense.initial if scenario.defense else 0.0}
        amount = agreement.base_year_amount_krw
        last_year = agreement.last_year
        rule = agreement.escalation
        base_agreement = True
        cum = cum_total = pv = 0.0
        for t, year in enumerate(years, start=1):
            z = [float(draws.g[k, t - 1, i]) for k in range(4)]
            if dof is not None:
                # MODEL.md §1: the exchange rate's shock (z[2]) stays Gaussian.
                scale = math.sqrt((dof - 2) / float(draws.w[t - 1, i]))
                z = [v if k == 2 else v * scale for k, v in enumerate(z)]
            # u[0] the troop move, u[1:] reopen, outcome, demand, concession.
            u = [float(draws.troop_u[t - 1, i])]
            u += [float(v) for v in draws.negotiation_u[t - 1, :, i]]
            rates = {}
            for c, process, p, shock, pinned in (("kr", kr, p_kr, z[0], pins.kr_inflation),
                                                 ("us", us, p_us, z[1], pins.us_inflation)):
                k = 0 if c == "kr" else 1
                if process.log_variance_sd > 0:
                    for r, role in enumerate(("trend", "gap")):
                        log_var[c, role] += (process.log_variance_sd
                                             * float(draws.log_variance_e[k, r, t - 1, i]))
                sd_trend = math.exp(log_var[c, "trend"] / 2)
                sd_gap = math.exp(log_var[c, "gap"] / 2)
                if p["trend_volatility"] != 0:
                    tau[c] += sd_trend * float(draws.trend_e[k, t - 1, i])
                gap[c] = p["persistence"] * gap[c] + sd_gap * shock
                if year in pinned:
                    gap[c] = pinned[year] - tau[c]
                rates[c] = pinned.get(year, tau[c] + gap[c])
            pi_kr, pi_us = rates["kr"], rates["us"]
            history_kr[t] = pi_kr
            if p_d is not None:
                history_d[t] = pins.defense.get(
                    year, pi_kr + p_d["real_growth"] + p_d["volatility"] * z[3]
                )
            # MODEL.md §4: with a real anchor the rate net of the cumulated pass-through reverts.
            anchor = math.log(p_fx["anchor"]) + (p_fx["ppp"] * cum_gap if fx_cfg.real_anchor
                                                 else 0.0)
            if year in pins.fx:
                log_fx = math.log(pins.fx[year])
            else:
                log_fx = (log_fx + p_fx["ppp"] * (pi_kr - pi_us)
                          + p_fx["reversion"] * (anchor - log_fx)
                          + p_fx["volatility"] * z[2])
            cum_gap += pi_kr - pi_us
            fx = math.exp(log_fx)
            price_kr *= 1 + pi_kr
            price_us *= 1 + pi_us
            if year in pins.troops:
                state = levels.index(pins.troops[year])
            else:
                state = _pick(troop_cdf[state], u[0])
            troops = levels[state]

            code = -1
            scheduled = year > last_year
            known = base_agreement and not scheduled and year in agreement.amounts_krw
            reopen = (not scheduled and not known and agreement.reopen_probability > 0
                      and u[1] < agreement.reopen_probability)
            new_amount = (
                agreement.amounts_krw[year]
                if known
                else _grown(amount, rule, agreement, t=t, fx=fx, fx_prev=fx_prev, pi_us=pi_us,
                            history_kr=history_kr, history_d=history_d)
            )
            if scheduled or reopen:
                index = _pick(outcome_cdf, u[2])
                outcome = outcomes[index]
                # MODEL.md §9: the kind's code, + 8 for each earlier entry of the same kind.
                code = KIND_CODES[outcome.kind] + 8 * sum(
                    other.kind == outcome.kind for other in outcomes[:index])
                if isinstance(outcome, StatusQuoOutcome):
                    if scheduled:
                        last_year = year + outcome.term - 1
                elif isinstance(outcome, DemandOutcome):
                    demand = _quantile(outcome.demand_usd, u[3])
                    share = _quantile(outcome.concession, u[4])
                    value = amount / fx
                    new_amount = _round((value + share * (demand - value)) * fx,
                                        agreement.amount_step)
                    last_year = year + outcome.term - 1
                    base_agreement = False
                    if outcome.escalation is not None:
                        rule = outcome.escalation
                elif isinstance(outcome, IncreaseOutcome):
                    change = outcome.first_year
                    r = _round(change.mean + change.sd * float(special.ndtri(u[4])),
                               agreement.rate_step)
                    new_amount = _round(amount * (1 + max(r, -1.0)), agreement.amount_step)
                    last_year = year + outcome.term - 1
                    base_agreement = False
                    if outcome.escalation is not None:
                        rule = outcome.escalation
                elif isinstance(outcome, LapseOutcome):
                    fraction = _quantile(outcome.funding_fraction, u[4])
                    new_amount = _round(fraction * amount, agreement.amount_step)
                    last_year = year - 1
                    base_agreement = False
            amount = new_amount

            usd = amount / fx
            other = scenario.rok_other_support.base_krw * price_kr / fx
            us_cost = (scenario.us_cost.base_usd
                       * (troops / scenario.troops.initial) ** scenario.us_cost.troop_elasticity
                       * price_us)
            share = scenario.us_cost.offset_share
            if share:
                reference = agreement.base_year_amount_krw * price_kr / fx
                us_cost = max(us_cost - share * (usd - reference), 0.0)
            total = us_cost + usd + other
            row = {
                "inflation_kr": pi_kr, "inflation_us": pi_us, "fx_krw_per_usd": fx,
                "troops": troops, "negotiation_outcome": code, "contribution_krw": amount,
                "contribution_usd": usd, "contribution_usd_real": usd / price_us,
                "other_support_usd": other, "us_cost_usd": us_cost, "total_cost_usd": total,
                "rok_share": (usd + other) / total, "cost_per_troop_usd": total / troops,
            }
            for name, value in row.items():
                out[name][i, t - 1] = value
            cum += usd
            cum_total += total
            pv += usd / (1 + run.discount_rate) ** t
            fx_prev = fx
        out["cum_contribution_usd"][i] = cum
        out["cum_total_cost_usd"][i] = cum_total
        out["pv_contribution_usd"][i] = pv
    return out

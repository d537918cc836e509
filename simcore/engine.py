"""One block of simulated paths: the pure function everything that scales maps over.

``simulate_block(scenario, block, seed=...)`` draws the block's random inputs from its own
stream and runs MODEL.md §1–7 vectorized over the block's samples; the year loop (inside the
drivers and the agreement) is the only loop.
"""

from __future__ import annotations

import numpy as np

from simcore.agreement import simulate_contributions
from simcore.config import Scenario
from simcore.costs import derive_costs
from simcore.drivers import (
    price_index,
    simulate_defense_growth,
    simulate_exchange_rate,
    simulate_inflation,
    simulate_troop_states,
)
from simcore.sampling import UNIFORM_ROLES, block_bounds, block_count, draw_block
from simcore.shocks import correlate_shocks, correlation_factor
from simcore.types import DRIVERS
from simcore.variables import VARIABLES

_U_TROOPS = UNIFORM_ROLES.index("troops")


def output_variables(scenario: Scenario) -> list[str]:
    """Names of the variables a run of ``scenario`` produces, in file order."""
    return [
        name
        for name in VARIABLES
        if name != "defense_growth" or scenario.uses_defense_budget
    ]


def outcome_labels(scenario: Scenario) -> list[str]:
    """One word per negotiation outcome: its kind, numbered when a kind repeats."""
    labels: list[str] = []
    for outcome in scenario.negotiation.outcomes:
        label, k = outcome.kind, 2
        while label in labels:
            label, k = f"{outcome.kind}_{k}", k + 1
        labels.append(label)
    return labels


def _pin_columns(scenario: Scenario, driver: str) -> dict[int, float]:
    """A driver's pins keyed by year index (0 = first simulated year)."""
    table: dict[int, float] = getattr(scenario.pins, driver)
    return {year - scenario.run.base_year - 1: value for year, value in table.items()}


def simulate_block(
    scenario: Scenario, block: int, *, seed: int, with_defense: bool = False
) -> dict[str, np.ndarray]:
    """Simulate block ``block`` of a run.

    Parameters
    ----------
    scenario : Scenario
        The validated configuration; ``run.samples`` fixes how many samples the last block
        holds.
    block : int
        Block index; samples ``block * BLOCK_SIZE`` up to the next block or the run's end.
    seed : int
        The run's seed (the configured one, or the entropy drawn for an unseeded run).
    with_defense : bool
        Also return ``defense_growth`` when no rule reads it (a batch in which another
        scenario does); needs the ``[defense]`` section.

    Returns
    -------
    dict of str to ndarray
        Every variable of :func:`output_variables`: shape (n, H) for yearly variables and
        (n,) for horizon totals. Money in KRW or USD, rates as fractions per year.
    """
    start, stop = block_bounds(block, scenario.run.samples)
    if start >= stop:
        raise ValueError(f"block {block} is past the run's {scenario.run.samples} samples")
    run, shocks_cfg = scenario.run, scenario.shocks
    dof = shocks_cfg.dof if shocks_cfg.distribution == "student_t" else None
    draws = draw_block(
        sampler=run.sampler, seed=seed, block=block, n=stop - start, horizon=run.horizon, dof=dof
    )
    factor = correlation_factor(shocks_cfg.full_correlation())
    z = correlate_shocks(draws.normals, factor, dof=dof, chi2=draws.chi2)
    shock = {driver: z[k].T for k, driver in enumerate(DRIVERS)}

    kr_inflation, us_inflation = (
        simulate_inflation(
            shock[f"{country}_inflation"],
            initial=process.initial,
            mean=process.mean,
            persistence=process.persistence,
            volatility=process.volatility,
            pins=_pin_columns(scenario, f"{country}_inflation"),
        )
        for country, process in (("kr", scenario.inflation.kr), ("us", scenario.inflation.us))
    )
    defense_growth = None
    if scenario.defense is not None and (with_defense or scenario.uses_defense_budget):
        defense_growth = simulate_defense_growth(
            shock["defense"],
            kr_inflation,
            real_growth=scenario.defense.real_growth,
            volatility=scenario.defense.volatility,
            pins=_pin_columns(scenario, "defense"),
        )
    fx_cfg = scenario.fx
    fx = simulate_exchange_rate(
        shock["fx"],
        kr_inflation,
        us_inflation,
        initial=fx_cfg.initial,
        anchor=fx_cfg.anchor,
        reversion=fx_cfg.reversion,
        ppp=fx_cfg.ppp,
        volatility=fx_cfg.volatility,
        pins=_pin_columns(scenario, "fx"),
    )
    levels = scenario.troops.levels
    troop_pins = {
        t: levels.index(int(level)) for t, level in _pin_columns(scenario, "troops").items()
    }
    states = simulate_troop_states(
        draws.uniforms[:, _U_TROOPS, :].T,
        np.asarray(scenario.troops.transition, dtype=float),
        initial_state=levels.index(scenario.troops.initial),
        pins=troop_pins,
    )
    troops = np.asarray(levels, dtype=np.int32)[states]

    contribution_krw, outcome = simulate_contributions(
        scenario,
        kr_inflation=kr_inflation,
        us_inflation=us_inflation,
        fx=fx,
        defense_growth=defense_growth,
        uniforms=draws.uniforms,
    )
    costs = derive_costs(
        contribution_krw,
        fx=fx,
        kr_price=price_index(kr_inflation),
        us_price=price_index(us_inflation),
        troops=troops,
        base_troops=float(scenario.troops.initial),
        other_support_krw=scenario.rok_other_support.base_krw,
        us_cost_usd=scenario.us_cost.base_usd,
        troop_elasticity=scenario.us_cost.troop_elasticity,
        discount_rate=run.discount_rate,
    )
    values: dict[str, np.ndarray] = {
        "inflation_kr": kr_inflation,
        "inflation_us": us_inflation,
        "fx_krw_per_usd": fx,
        "troops": troops,
        "negotiation_outcome": outcome,
        "contribution_krw": contribution_krw,
        **costs,
    }
    if defense_growth is not None:
        values["defense_growth"] = defense_growth
    return {name: values[name] for name in VARIABLES if name in values}


def simulate(scenario: Scenario, *, seed: int) -> dict[str, np.ndarray]:
    """Every block of a run in memory, concatenated along samples (for notebooks and tests).

    Memory grows with ``run.samples``; :func:`simcore.runner.run_scenario` streams to a file
    instead.
    """
    blocks = [
        simulate_block(scenario, b, seed=seed) for b in range(block_count(scenario.run.samples))
    ]
    return {name: np.concatenate([blk[name] for blk in blocks]) for name in blocks[0]}

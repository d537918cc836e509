"""The engine in two stages: draw a block's random inputs, then simulate its paths.

:func:`simulate_paths` is the pure function of (resolved parameters, draws) that runs
docs/spec/MODEL.md §1–7 vectorized over the block's samples; the year loop (inside the
drivers and the agreement) is the only loop. :func:`simulate_resolved_block` composes it with
:func:`simcore.model.sampling.draw_block`: it is what a run maps over its blocks, with the
parameters resolved once per scenario (:func:`simcore.model.params.resolve_params`);
:func:`simulate_block` resolves them from a scenario first. A caller that builds its own draws
(mixed, conditioned, historical) calls :func:`simulate_paths` directly.
"""

from __future__ import annotations

import numpy as np

from simcore.config.schema import Scenario
from simcore.core.design import block_bounds, block_count
from simcore.core.types import DRIVERS
from simcore.core.variables import VARIABLES
from simcore.model.agreement import simulate_contributions
from simcore.model.costs import derive_costs, troop_cost_factor
from simcore.model.drivers import (
    price_index,
    simulate_defense_growth,
    simulate_exchange_rate,
    simulate_troop_states,
)
from simcore.model.inflation import simulate_inflation
from simcore.model.params import ModelParams, at_rows, resolve_params, table_rows, table_size
from simcore.model.sampling import INFLATION_DRIVERS, BlockDraws, draw_block
from simcore.model.shocks import model_shocks


def simulate_paths(params: ModelParams, draws: BlockDraws) -> dict[str, np.ndarray]:
    """Simulate one block of paths from its random inputs (MODEL.md §1–7).

    Pure: reads ``params`` and ``draws`` and writes neither.

    Parameters
    ----------
    params : ModelParams
        The resolved parameters (:func:`simcore.model.params.resolve_params`).
    draws : BlockDraws
        The block's random inputs, ``horizon`` equal to ``params.horizon``; ``w`` is
        required when ``params.dof`` is set.

    Returns
    -------
    dict of str to ndarray
        Every variable of :data:`simcore.core.variables.VARIABLES` that the parameters produce
        (``defense_growth`` only when ``params.uses_defense``), in that order: shape (n, H)
        for yearly variables and (n,) for horizon totals. Money in KRW or USD, rates as
        fractions per year.
    """
    if draws.horizon != params.horizon:
        raise ValueError(
            f"draws cover {draws.horizon} years but the parameters {params.horizon}"
        )
    z = model_shocks(draws.g, dof=params.dof, w=draws.w)
    shock = {driver: z[k].T for k, driver in enumerate(DRIVERS)}
    pins = params.pins
    rows = _parameter_rows(params, draws)

    kr_inflation, us_inflation = (
        simulate_inflation(
            shock[driver], at_rows(process, rows[driver]),
            trend_shocks=None if draws.trend_e is None else draws.trend_e[c].T,
            log_variance_shocks=(None if draws.log_variance_e is None
                                 else draws.log_variance_e[c].transpose(0, 2, 1)),
            pins=pins[driver],
        )
        for c, (driver, process) in enumerate(zip(
            INFLATION_DRIVERS, (params.kr_inflation, params.us_inflation), strict=True))
    )
    defense_growth = None
    if params.uses_defense:
        if params.defense is None:
            raise ValueError("uses_defense needs defense parameters")
        defense_growth = simulate_defense_growth(
            shock["defense"], kr_inflation, at_rows(params.defense, rows["defense"]),
            pins=pins["defense"]
        )
    fx = simulate_exchange_rate(
        shock["fx"], kr_inflation, us_inflation, at_rows(params.fx, rows["fx"]),
        pins=pins["fx"]
    )
    states = simulate_troop_states(draws.troop_u.T, params.troops, pins=pins["troops"])
    troops = np.asarray(params.troops.levels, dtype=np.int32)[states]

    contribution_krw, outcome = simulate_contributions(
        params,
        kr_inflation=kr_inflation,
        us_inflation=us_inflation,
        fx=fx,
        defense_growth=defense_growth,
        negotiation_u=draws.negotiation_u,
    )
    costs = derive_costs(
        contribution_krw,
        fx=fx,
        kr_price=price_index(kr_inflation),
        us_price=price_index(us_inflation),
        troops=troops,
        troop_factor=troop_cost_factor(states, params.troops.levels, params.costs),
        base_contribution_krw=params.agreement.base_year_amount_krw,
        costs=params.costs,
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


def _parameter_rows(params: ModelParams, draws: BlockDraws) -> dict[str, np.ndarray | None]:
    """Each driver's row of its tables of draws per sample (None without a table)."""
    rows: dict[str, np.ndarray | None] = {}
    for k, (driver, process) in enumerate(params.drivers.items()):
        size = None if process is None else table_size(process)
        if size is None:
            rows[driver] = None
        elif draws.parameter_u is None:
            raise ValueError(f"{driver} has tables of draws: the draws need parameter_u")
        else:
            rows[driver] = table_rows(size, draws.parameter_u[k])
    return rows


def simulate_resolved_block(
    params: ModelParams, block: int, *, seed: int, samples: int
) -> dict[str, np.ndarray]:
    """Simulate block ``block`` of a run of ``samples`` paths from resolved parameters:
    :func:`simulate_paths` of :func:`~simcore.model.sampling.draw_block`.

    What a run maps over its blocks: the parameters are resolved once per scenario and
    shared by every block (:class:`~simcore.model.params.ModelParams` is immutable).

    Parameters
    ----------
    params : ModelParams
        The resolved parameters (:func:`simcore.model.params.resolve_params`).
    block : int
        Block index; samples ``block * BLOCK_SIZE`` up to the next block or the run's end.
    seed : int
        The run's seed (the configured one, or the entropy drawn for an unseeded run).
    samples : int
        Paths of the whole run (``run.samples``): they fix how many the last block holds.

    Returns
    -------
    dict of str to ndarray
        As :func:`simulate_paths`: shape (n, H) for yearly variables and (n,) for horizon
        totals.
    """
    start, stop = block_bounds(block, samples)
    if start >= stop:
        raise ValueError(f"block {block} is past the run's {samples} samples")
    return simulate_paths(params, draw_block(params, seed=seed, block=block, n=stop - start))


def simulate_block(
    scenario: Scenario, block: int, *, seed: int, with_defense: bool = False
) -> dict[str, np.ndarray]:
    """Simulate block ``block`` of a run of ``scenario``: :func:`simulate_resolved_block` of
    :func:`~simcore.model.params.resolve_params`.

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
        Every variable of the run's file layout (``defense_growth`` also with
        ``with_defense``): shape (n, H) for yearly variables and (n,) for horizon totals.
    """
    return simulate_resolved_block(resolve_params(scenario, with_defense=with_defense), block,
                                   seed=seed, samples=scenario.run.samples)


def simulate(scenario: Scenario, *, seed: int) -> dict[str, np.ndarray]:
    """Every block of a run in memory, concatenated along samples (for notebooks and tests).

    Memory grows with ``run.samples``; :func:`simcore.run.runner.run_scenarios` streams to a
    file instead, and :func:`simcore.run.in_memory.simulate_dataset` gives a labelled dataset.
    """
    params = resolve_params(scenario)
    samples = scenario.run.samples
    blocks = [simulate_resolved_block(params, b, seed=seed, samples=samples)
              for b in range(block_count(samples))]
    return {name: np.concatenate([blk[name] for blk in blocks]) for name in blocks[0]}

"""Random inputs of one block of samples (docs/spec/MODEL.md §8), grouped as the model reads.

Samples are produced in fixed blocks of :data:`BLOCK_SIZE` (a power of two). Block ``b``
draws only from streams derived from ``SeedSequence(seed, spawn_key=(b,))``, so a run's
values depend on the seed and the configuration, never on the chunk size, the number of
workers or the machine. Each kind of random input has its own child stream (spawn key
``(b, 0)`` normals, ``(b, 1)`` uniforms, ``(b, 2)`` chi-square, ``(b, 3)`` the row uniforms of
tables of draws, ``(b, 4)`` the inflation trend shocks, ``(b, 5)`` the log-variance shocks),
so scenarios whose rules use different inputs still share every input they have in common
(common random numbers). A kind a scenario never reads is not drawn: drawing it would not
change any other kind's numbers.

For the quasi-random samplers each sample owns a fixed uniform vector of dimension
``10 * horizon``: per year, 4 shock coordinates, 5 uniform coordinates and 1 chi-square
coordinate, mapped by inverse CDFs. The row uniforms and the trend and log-variance shocks
(MODEL.md §2, §2a) come from their PCG64 child streams under every sampler, so a scenario
with them and one without still share the quasi-random points of the others.

Each sampler is one entry of :data:`SAMPLERS`: a function of the seed and the block index
returning the block's independent inputs (:class:`RawDraws`), which :func:`draw_block`
correlates and groups. A new sampler is a name in :data:`simcore.core.types.Sampler` and one
entry here; the tests hold every entry to the same contract.

:func:`draw_block` returns the inputs as :class:`BlockDraws`, in the groups of a path's
uncertainty (the drivers' correlated Gaussian shocks, the Student-t mixing variables, the
troop uniforms, the negotiation uniforms); a caller may build a ``BlockDraws`` itself (mixed,
conditioned or historical inputs) and pass it to :func:`simcore.model.engine.simulate_paths`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np
from scipy import special

from simcore.core.design import BLOCK_SIZE
from simcore.core.types import DRIVERS, Driver, Sampler
from simcore.model.params import ModelParams
from simcore.stats.linalg import correlate_shocks

#: Number of continuous drivers, hence of shocks per sample-year (MODEL.md §1).
N_SHOCKS = len(DRIVERS)
#: Roles of the negotiation uniforms, by position on the middle axis of
#: :attr:`BlockDraws.negotiation_u`: early reopening, outcome, demand value, concession share.
NEGOTIATION_ROLES = ("reopen", "outcome", "demand", "concession")
#: Uniforms per sample-year as the streams lay them out (which coordinate of the uniform
#: stream, or of a quasi-random point's uniform part, feeds which role): the troop move, then
#: :data:`NEGOTIATION_ROLES`. Changing this order changes every run's numbers.
UNIFORM_ROLES = ("troops", *NEGOTIATION_ROLES)
N_UNIFORMS = len(UNIFORM_ROLES)
#: The countries of the inflation drivers, by position on the first axis of
#: :attr:`BlockDraws.trend_e` and :attr:`BlockDraws.log_variance_e`.
INFLATION_DRIVERS: tuple[Driver, ...] = ("kr_inflation", "us_inflation")
#: The components whose log variance moves, by position on the second axis of
#: :attr:`BlockDraws.log_variance_e`.
LOG_VARIANCE_ROLES = ("trend", "gap")
_QMC_DIM_PER_YEAR = N_SHOCKS + N_UNIFORMS + 1
# Keeps ndtri and chi-square quantiles finite when a quasi-random point sits on 0 or 1.
_OPEN_UNIT = (2.0**-53, 1.0 - 2.0**-53)


@dataclass(frozen=True)
class BlockDraws:
    """The random inputs of one block, in the groups of a path's uncertainty.

    Arrays may be views of larger ones (a short last block is the start of a full one); the
    engine only reads them.

    Attributes
    ----------
    g : ndarray, shape (4, horizon, n)
        Correlated standard Gaussian shocks ``g_t = L e_t``, drivers in
        :data:`simcore.core.types.DRIVERS` order.
    w : ndarray, shape (horizon, n), or None
        Student-t mixing variables ``W_t ~ chi²(ν)``, one per sample-year shared by the four
        shocks; None for normal shocks.
    troop_u : ndarray, shape (horizon, n)
        U(0, 1) troop-move uniforms.
    negotiation_u : ndarray, shape (horizon, 4, n)
        U(0, 1) negotiation uniforms per year, roles in :data:`NEGOTIATION_ROLES` order.
    parameter_u : ndarray, shape (4, n), or None
        U(0, 1) row uniforms of the drivers' tables of draws, drivers in
        :data:`~simcore.core.types.DRIVERS` order; None when no driver has a table.
    trend_e : ndarray, shape (2, horizon, n), or None
        Standard normal trend shocks ζ of Korean, then US inflation; None when no trend
        moves.
    log_variance_e : ndarray, shape (2, 2, horizon, n), or None
        Standard normal log-variance shocks ν per country (Korea, US) and component
        (:data:`LOG_VARIANCE_ROLES`: trend, gap); None without stochastic volatility.
    """

    g: np.ndarray
    w: np.ndarray | None
    troop_u: np.ndarray
    negotiation_u: np.ndarray
    parameter_u: np.ndarray | None = None
    trend_e: np.ndarray | None = None
    log_variance_e: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Samples in the block."""
        return self.g.shape[2]

    @property
    def horizon(self) -> int:
        """Years per sample."""
        return self.g.shape[1]


def draw_block(params: ModelParams, *, seed: int, block: int, n: int) -> BlockDraws:
    """Draw the random inputs of block ``block``: :func:`correlate_inputs` of
    :func:`draw_inputs`.

    Parameters
    ----------
    params : ModelParams
        Reads ``sampler``, ``horizon``, ``dof`` (None draws no ``w``),
        ``correlation_factor`` and which further inputs the drivers read (tables of draws,
        a moving trend, stochastic volatility).
    seed : int
        The run's seed (or recorded entropy).
    block : int
        Block index ``b``; the block covers samples ``b * BLOCK_SIZE`` onwards.
    n : int
        Samples wanted, at most :data:`BLOCK_SIZE`; a short last block is the first ``n``
        samples of a full block, so its values do not depend on the run's length.

    Returns
    -------
    BlockDraws
    """
    return correlate_inputs(params, draw_inputs(params, seed=seed, block=block, n=n))


@dataclass(frozen=True)
class BlockInputs:
    """A block's independent random inputs before the shocks are correlated: what a
    sampler draws and the further inputs of MODEL.md §2b (each None when not drawn)."""

    raw: RawDraws
    parameter_u: np.ndarray | None
    trend_e: np.ndarray | None
    log_variance_e: np.ndarray | None


def draw_inputs(params: ModelParams, *, seed: int, block: int, n: int,
                every_kind: bool = False) -> BlockInputs:
    """The independent inputs of block ``block`` (see :func:`draw_block`).

    ``every_kind`` also draws the further inputs the scenario does not read, so that one
    draw serves several parameter sets with the same sampler, horizon and shock law (a
    backtest simulating each origin's calibration from the same random numbers).
    """
    if not 0 < n <= BLOCK_SIZE:
        raise ValueError(f"a block holds 1 to {BLOCK_SIZE} samples (asked for {n})")
    try:
        sampler = SAMPLERS[params.sampler]
    except KeyError:
        raise ValueError(
            f"unknown sampler {params.sampler!r} (samplers: {', '.join(SAMPLERS)})"
        ) from None
    raw = sampler(seed=seed, block=block, n=n, horizon=params.horizon, dof=params.dof)
    rows_seq, trend_seq, log_variance_seq = _block_stream(seed, block).spawn(6)[3:]
    countries = len(INFLATION_DRIVERS)
    return BlockInputs(
        raw=raw,
        parameter_u=(_block_prefix(np.random.default_rng(rows_seq).random, (N_SHOCKS,), n)
                     if every_kind or params.uses_parameter_draws else None),
        trend_e=(_block_prefix(np.random.default_rng(trend_seq).standard_normal,
                               (countries, params.horizon), n)
                 if every_kind or params.uses_trend_shocks else None),
        log_variance_e=(
            _block_prefix(np.random.default_rng(log_variance_seq).standard_normal,
                          (countries, len(LOG_VARIANCE_ROLES), params.horizon), n)
            if every_kind or params.uses_log_variance_shocks else None),
    )


def correlate_inputs(params: ModelParams, inputs: BlockInputs) -> BlockDraws:
    """The engine's draws from a block's independent inputs: the shocks correlated by
    ``params.correlation_factor``, the rest grouped as the model reads them."""
    normals, uniforms, w = inputs.raw
    if normals.shape[1] != params.horizon or (w is None) != (params.dof is None):
        raise ValueError("the inputs were drawn for another horizon or shock law")
    # UNIFORM_ROLES is the troop move, then NEGOTIATION_ROLES: both groups stay views.
    return BlockDraws(
        g=correlate_shocks(normals, params.correlation_factor),
        w=w,
        troop_u=uniforms[:, 0, :],
        negotiation_u=uniforms[:, 1:, :],
        parameter_u=inputs.parameter_u,
        trend_e=inputs.trend_e,
        log_variance_e=inputs.log_variance_e,
    )


def _block_prefix(draw: Callable[[tuple[int, ...]], np.ndarray], shape: tuple[int, ...],
                  n: int) -> np.ndarray:
    """A full block of ``shape + (BLOCK_SIZE,)`` draws, then its first ``n`` samples: a short
    last block equals the start of a full one."""
    values = draw((*shape, BLOCK_SIZE))
    return values if n == BLOCK_SIZE else np.ascontiguousarray(values[..., :n])


class RawDraws(NamedTuple):
    """A block's independent random inputs, as a sampler draws them.

    Attributes
    ----------
    normals : ndarray, shape (4, horizon, n)
        Independent standard normal shocks ``e``, drivers in
        :data:`simcore.core.types.DRIVERS` order (correlated by :func:`draw_block`).
    uniforms : ndarray, shape (horizon, 5, n)
        U(0, 1) uniforms per year, roles in :data:`UNIFORM_ROLES` order.
    chi2 : ndarray, shape (horizon, n), or None
        ``chi²(ν)`` mixing variables for Student-t shocks; None for normal shocks.
    """

    normals: np.ndarray
    uniforms: np.ndarray
    chi2: np.ndarray | None


class BlockSampler(Protocol):
    """The contract of a sampler: block ``block``'s inputs from the run's ``seed`` alone.

    ``n`` (at most :data:`BLOCK_SIZE`) samples over ``horizon`` years, and chi-square
    variables with ``dof`` degrees of freedom unless it is None. The first ``n`` samples of
    a block do not depend on ``n``, so a short last block is the start of a full one.
    """

    def __call__(
        self, *, seed: int, block: int, n: int, horizon: int, dof: float | None
    ) -> RawDraws: ...


def _block_stream(seed: int, block: int) -> np.random.SeedSequence:
    """Block ``block``'s own stream of the run seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(block,))


def _draw_mc(*, seed: int, block: int, n: int, horizon: int, dof: float | None) -> RawDraws:
    """Plain Monte Carlo: PCG64 normals, uniforms and chi-square from the block's streams."""
    normal_seq, uniform_seq, chi2_seq = _block_stream(seed, block).spawn(3)
    # Always a full block, then the first n: a short last block equals the start of a full one.
    normals = np.random.default_rng(normal_seq).standard_normal((N_SHOCKS, horizon, BLOCK_SIZE))
    uniforms = np.random.default_rng(uniform_seq).random((horizon, N_UNIFORMS, BLOCK_SIZE))
    chi2 = None
    if dof is not None:
        chi2 = np.random.default_rng(chi2_seq).chisquare(dof, (horizon, BLOCK_SIZE))[:, :n]
    if n < BLOCK_SIZE:
        normals = np.ascontiguousarray(normals[..., :n])
    return RawDraws(normals, uniforms[..., :n], chi2)


def _draw_sobol(*, seed: int, block: int, n: int, horizon: int, dof: float | None) -> RawDraws:
    """Scrambled Sobol' points: one sequence per run, block ``b`` its ``b``-th stretch."""
    # Imported here: scipy.stats costs a third of a second to import, and mc runs skip it.
    from scipy.stats import qmc

    # Seeded from the run's seed, so blocks together keep Sobol' balance.
    engine = qmc.Sobol(_QMC_DIM_PER_YEAR * horizon, scramble=True,
                       rng=np.random.default_rng(seed))
    if block:  # scipy rejects fast_forward(0)
        engine.fast_forward(block * BLOCK_SIZE)
    return _from_uniform_points(engine.random(BLOCK_SIZE)[:n], horizon=horizon, dof=dof)


def _draw_lhs(*, seed: int, block: int, n: int, horizon: int, dof: float | None) -> RawDraws:
    """A Latin hypercube of a full block per block, from the block's stream."""
    from scipy.stats import qmc  # as for Sobol'

    engine = qmc.LatinHypercube(_QMC_DIM_PER_YEAR * horizon,
                                rng=np.random.default_rng(_block_stream(seed, block)))
    return _from_uniform_points(engine.random(BLOCK_SIZE)[:n], horizon=horizon, dof=dof)


#: Every sampler of :data:`simcore.core.types.Sampler`, by name (``run.sampler``).
SAMPLERS: dict[Sampler, BlockSampler] = {"mc": _draw_mc, "sobol": _draw_sobol, "lhs": _draw_lhs}


def _from_uniform_points(points: np.ndarray, *, horizon: int, dof: float | None) -> RawDraws:
    """Map per-sample uniform vectors to normals, uniforms and chi-square variates."""
    n = points.shape[0]
    per_year = np.clip(points.T, *_OPEN_UNIT).reshape(horizon, _QMC_DIM_PER_YEAR, n)
    normals = special.ndtri(per_year[:, :N_SHOCKS, :].transpose(1, 0, 2))
    uniforms = np.ascontiguousarray(per_year[:, N_SHOCKS : N_SHOCKS + N_UNIFORMS, :])
    chi2 = None
    if dof is not None:
        # The chi-square quantile: chdtri inverts the upper tail, so 1 − u.
        chi2 = special.chdtri(dof, 1.0 - per_year[:, -1, :])
    return RawDraws(normals, uniforms, chi2)

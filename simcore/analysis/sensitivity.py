"""Which uncertainty drives each year: grouped Shapley effects and rank correlations of the
SMA model (METHODS.md §S).

The model's random inputs fall into :data:`GROUPS`: the four drivers' correlated Gaussian
shocks ``g_t = L e_t`` (one group per driver, correlated within a year by ``R``), the
Student-t mixing variables (``tail``), the troop-move uniforms (``troops``), every
negotiation uniform (``negotiation``: reopening, outcome, demand value, concession, which an
``increase`` outcome reads too), the inflation trends' shocks and log-variance shocks
(``inflation_trend``) and the row uniforms of the drivers' tables of draws (``parameters``:
the uncertainty about the parameters, MODEL.md §2a). Shocks the model never reads (a
pinned year's, a driver's with volatility 0, ``defense`` when no rule uses it) are
marginalised out, so their group shows exactly 0. Every evaluation goes through
:func:`simcore.model.engine.simulate_paths`, a block of paths at a time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from simcore.config.schema import Scenario
from simcore.core.design import block_bounds, block_count
from simcore.core.errors import ParameterError, literal
from simcore.core.records import HORIZON, record_number
from simcore.core.types import DRIVERS
from simcore.core.variables import SUMMARIZED, VARIABLES
from simcore.model.engine import simulate_paths
from simcore.model.params import ModelParams, resolve_params, table_size
from simcore.model.sampling import (
    INFLATION_DRIVERS,
    LOG_VARIANCE_ROLES,
    NEGOTIATION_ROLES,
    BlockDraws,
    draw_block,
)
from simcore.model.shocks import model_shocks
from simcore.read.choices import HEADLINE_VARIABLES, parse_years
from simcore.stats.rank_correlation import spearman
from simcore.stats.shapley import (
    BatchSums,
    GroupInputs,
    IndependentSampler,
    InputDesign,
    ShapleyBatchTask,
    estimate_shapley,
)

#: Every group of inputs, in the order results list them.
GROUPS = ("kr_inflation", "us_inflation", "fx", "defense", "tail", "troops", "negotiation",
          "inflation_trend", "parameters")
#: Each group in words, for titles, legends and sentences ("what moves the payment most:
#: the negotiations").
GROUP_WORDS = {
    "kr_inflation": "Korean inflation",
    "us_inflation": "US inflation",
    "fx": "the exchange rate",
    "defense": "the ROK defense budget",
    "tail": "heavy tails of the shocks",
    "troops": "troop cuts",
    "negotiation": "the negotiations",
    "inflation_trend": "the inflation trends",
    "parameters": "the drivers' uncertain parameters",
}


#: Outer draws ``N_o`` by default: SE ≤ 0.01 on every year of the baseline (METHODS.md §S).
DEFAULT_OUTER = 2**19


#: Inner draws ``N_i`` per outer draw.
DEFAULT_INNER = 3


#: Batches behind the standard errors (at least; more when the outer draws are many).
MIN_BATCHES = 32


#: Outer draws per batch at most: ``N_i`` times this stays within one engine block.
MAX_BATCH_OUTER = 2**14




#: Status of a (variable, year) cell of a result.
ESTIMATED, NO_VARIANCE_STATUS, NOT_APPLICABLE = 0, 1, 2


STATUS_MEANINGS = ("estimated", "no_variance", "not_applicable")


#: Inputs named in words for the tornado, per driver and per negotiation uniform.
DRIVER_WORDS = {
    "kr_inflation": "Korean inflation shock",
    "us_inflation": "US inflation shock",
    "fx": "KRW/USD shock",
    "defense": "defense budget shock",
}


#: The independent normals of the inflation trends, per country: the trend shock ζ, then the
#: log-variance shocks ν of the trend and of the gap (MODEL.md §2).
TREND_ROLES = ("trend", *(f"{role} log variance" for role in LOG_VARIANCE_ROLES))


NEGOTIATION_WORDS = {
    "reopen": "reopening uniform",
    "outcome": "negotiation outcome uniform",
    "demand": "US demand uniform",
    "concession": "concession uniform",
}


@dataclass(frozen=True)
class UniformSampler:
    """``U(0, 1)`` draws of one independent group, shape ``(*shape, n)``."""

    shape: tuple[int, ...]

    def __call__(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.random((*self.shape, n))


@dataclass(frozen=True)
class NormalSampler:
    """Standard normal draws of one independent group, shape ``(*shape, n)``."""

    shape: tuple[int, ...]

    def __call__(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.standard_normal((*self.shape, n))


@dataclass(frozen=True)
class ChiSquareSampler:
    """``W_t ~ chi²(dof)`` per year, shape ``(horizon, n)``: the Student-t mixing."""

    dof: float
    horizon: int

    def __call__(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.chisquare(self.dof, (self.horizon, n))


def shocks_read(params: ModelParams) -> np.ndarray:
    """Whether the model reads each driver's shock in each year, shape (H, 4).

    A shock is not read in a year its driver is pinned, when the driver's volatility is 0,
    or (``defense``) when defense budget growth is not simulated (no rule reads it).
    """
    volatility = {
        "kr_inflation": params.kr_inflation.volatility,
        "us_inflation": params.us_inflation.volatility,
        "fx": params.fx.volatility,
        "defense": (
            params.defense.volatility
            if params.defense is not None and params.uses_defense else 0.0
        ),
    }
    years = np.arange(params.horizon)
    # A table of volatilities reads the shock when any of its rows is not 0.
    return np.column_stack([
        ~np.isin(years, list(params.pins[driver])) & bool(np.any(np.asarray(volatility[driver])
                                                              > 0))
        for driver in DRIVERS
    ])


def input_design(params: ModelParams) -> InputDesign:
    """The groups of the scenario's random inputs and their law (METHODS.md §S)."""
    horizon = params.horizon
    independent: dict[str, IndependentSampler] = {
        "troops": UniformSampler((horizon,)),
        "negotiation": UniformSampler((horizon, len(NEGOTIATION_ROLES))),
    }
    if params.dof is not None:
        independent["tail"] = ChiSquareSampler(params.dof, horizon)
    if params.uses_trend_shocks or params.uses_log_variance_shocks:
        independent["inflation_trend"] = NormalSampler(
            (len(INFLATION_DRIVERS), len(TREND_ROLES), horizon))
    if params.uses_parameter_draws:
        independent["parameters"] = UniformSampler((len(DRIVERS),))
    return InputDesign(
        groups=GROUPS,
        gaussian=DRIVERS,
        correlation=np.broadcast_to(params.correlation, (horizon, 4, 4)).copy(),
        independent=independent,
        read=shocks_read(params),
    )


def block_draws(inputs: GroupInputs) -> BlockDraws:
    """The engine's random inputs from the estimator's groups."""
    trend = inputs.independent.get("inflation_trend")
    return BlockDraws(
        g=inputs.gaussian,
        w=inputs.independent.get("tail"),
        troop_u=inputs.independent["troops"],
        negotiation_u=inputs.independent["negotiation"],
        parameter_u=inputs.independent.get("parameters"),
        trend_e=None if trend is None else trend[:, 0],
        log_variance_e=None if trend is None else trend[:, 1:],
    )


@dataclass(frozen=True)
class ModelOutputs:
    """The model as the estimator sees it: inputs of n paths to the chosen outputs (n, m).

    Attributes
    ----------
    params : ModelParams
        The resolved scenario.
    columns : tuple of (str, int or None)
        Each output: a variable and a year index (None for a horizon variable).
    """

    params: ModelParams
    columns: tuple[tuple[str, int | None], ...]

    def __call__(self, inputs: GroupInputs) -> np.ndarray:
        return select_columns(simulate_paths(self.params, block_draws(inputs)), self.columns)


def select_columns(
    paths: dict[str, np.ndarray], columns: Sequence[tuple[str, int | None]]
) -> np.ndarray:
    """Outputs ``(variable, year index)`` of simulated paths side by side, shape (n, m)."""
    return np.column_stack(
        [paths[name] if t is None else paths[name][:, t] for name, t in columns]
    ).astype(np.float64, copy=False)


def outer_sizes(outer: int) -> tuple[int, int]:
    """``(N_o, batches)``: ``outer`` rounded up to equal batches of at most
    :data:`MAX_BATCH_OUTER` draws, at least :data:`MIN_BATCHES` of them."""
    per_batch = min(MAX_BATCH_OUTER, max(1, math.ceil(outer / MIN_BATCHES)))
    batches = max(MIN_BATCHES, math.ceil(outer / per_batch))
    return per_batch * batches, batches


@dataclass(frozen=True)
class SensitivityRow:
    """One group's indices for one variable in one year: a JSON/CSV record."""

    variable: str
    year: int | str
    group: str
    shapley: float
    shapley_se: float
    closed: float
    total: float

    def as_record(self) -> dict[str, object]:
        """The keys of METHODS.md §S, in its order; NaN (no variance) as None."""
        return {
            "variable": self.variable,
            "year": self.year,
            "group": self.group,
            "shapley": record_number(self.shapley),
            "shapley_se": record_number(self.shapley_se),
            "closed": record_number(self.closed),
            "total": record_number(self.total),
        }


@dataclass(frozen=True)
class SensitivityResult:
    """Shapley effects, closed and total indices, and rank correlations of a scenario.

    Attributes
    ----------
    scenario : Scenario
        What was analysed (with the seed used).
    seed : int
        The seed; ``seed_source`` says whether the config or fresh entropy gave it.
    variables : tuple of str
        Variables analysed, shape (V,).
    years : tuple of int or str
        Calendar years, then ``"horizon"`` when a horizon variable is analysed, shape (Y,).
    groups : tuple of str
        :data:`GROUPS`, shape (G,).
    shapley, shapley_se, closed, total : ndarray, shape (V, Y, G)
        Fractions of the variance; NaN where the status is not ``estimated``.
    variance_ratio : ndarray, shape (V, Y)
        Nested ``ĉ(K)`` over the plain ``Var(Y)`` of an independent sample (1 within error).
    status : ndarray of int8, shape (V, Y)
        :data:`STATUS_MEANINGS` index: estimated, no variance, or not applicable (a yearly
        variable at "horizon", a horizon variable at a calendar year).
    inputs : tuple of str
        Scalar inputs named in words, shape (P,).
    rank_correlation : ndarray, shape (V, Y, P)
        Spearman's ρ of each output with each input over ``tornado_samples`` paths of an
        ordinary run (same seed).
    outer, inner, batches, tornado_samples : int
        Sizes: ``N_o``, ``N_i``, batches behind the standard errors, paths of the run.
    """

    scenario: Scenario
    seed: int
    seed_source: str
    variables: tuple[str, ...]
    years: tuple[int | str, ...]
    groups: tuple[str, ...]
    shapley: np.ndarray
    shapley_se: np.ndarray
    closed: np.ndarray
    total: np.ndarray
    variance_ratio: np.ndarray
    status: np.ndarray
    inputs: tuple[str, ...]
    rank_correlation: np.ndarray
    outer: int
    inner: int
    batches: int
    tornado_samples: int

    def rows(self) -> list[SensitivityRow]:
        """One record per variable, applicable year and group, in that order."""
        return [
            SensitivityRow(
                variable=name, year=year, group=group,
                shapley=float(self.shapley[v, y, g]), shapley_se=float(self.shapley_se[v, y, g]),
                closed=float(self.closed[v, y, g]), total=float(self.total[v, y, g]),
            )
            for v, name in enumerate(self.variables)
            for y, year in enumerate(self.years)
            if self.status[v, y] != NOT_APPLICABLE
            for g, group in enumerate(self.groups)
        ]


def _columns(
    scenario: Scenario, variables: Sequence[str], years: Sequence[int]
) -> tuple[tuple[str, int | None], ...]:
    first = scenario.run.base_year + 1
    return tuple(
        (name, year - first) if VARIABLES[name].per_year else (name, None)
        for name in variables
        for year in (years if VARIABLES[name].per_year else [0])
    )


def check_variables(params: ModelParams, variables: Sequence[str]) -> list[str]:
    """The variables asked for, validated against what the model produces (defense budget
    growth only when a rule reads it; no outcome codes)."""
    allowed = [name for name in SUMMARIZED if name != "defense_growth" or params.uses_defense]
    unknown = [name for name in variables if name not in allowed]
    if unknown:
        raise ParameterError(
            f"{{variables}}: {literal(', '.join(unknown))} not an output of this scenario; "
            "choose from "
            f"{', '.join(allowed)}"
        )
    return list(dict.fromkeys(variables))


def model_inputs(params: ModelParams, draws: BlockDraws) -> dict[str, np.ndarray]:
    """Every scalar input the model reads, per path, named in words.

    Each read driver shock as the model uses it (``z = g`` for normal shocks,
    ``g · sqrt((ν − 2) / W)`` for Student-t), each year's Student-t mixing ``W_t``, each
    troop-move uniform and each negotiation uniform by role and year.
    """
    read = shocks_read(params)
    z = model_shocks(draws.g, dof=params.dof, w=draws.w)
    inputs: dict[str, np.ndarray] = {}
    if draws.parameter_u is not None:
        for k, driver in enumerate(DRIVERS):
            process = params.drivers[driver]
            if process is not None and table_size(process) is not None:
                inputs[f"{DRIVER_WORDS[driver].replace(' shock', '')} parameter row"] = (
                    draws.parameter_u[k])
    inflation = (params.kr_inflation, params.us_inflation)
    for t, year in enumerate(params.years):
        for k, driver in enumerate(DRIVERS):
            if read[t, k]:
                inputs[f"{DRIVER_WORDS[driver]} {year}"] = z[k, t]
        for c, (driver, process) in enumerate(zip(INFLATION_DRIVERS, inflation, strict=True)):
            name = DRIVER_WORDS[driver].replace(" shock", "")
            if draws.trend_e is not None and process.moving_trend:
                inputs[f"{name} trend shock {year}"] = draws.trend_e[c, t]
            if draws.log_variance_e is not None and process.stochastic_volatility:
                for r, role in enumerate(LOG_VARIANCE_ROLES):
                    inputs[f"{name} {role} log-variance shock {year}"] = (
                        draws.log_variance_e[c, r, t])
        if draws.w is not None:
            inputs[f"Student-t mixing {year}"] = draws.w[t]
        inputs[f"troop-move uniform {year}"] = draws.troop_u[t]
        for r, role in enumerate(NEGOTIATION_ROLES):
            inputs[f"{NEGOTIATION_WORDS[role]} {year}"] = draws.negotiation_u[t, r]
    return inputs


def tornado_inputs(
    params: ModelParams, columns: Sequence[tuple[str, int | None]], *, seed: int, samples: int,
) -> tuple[tuple[str, ...], np.ndarray]:
    """Spearman's ρ of each output column with each input over an ordinary run.

    The run is ``samples`` paths of the scenario, block by block as ``smasim run`` draws
    them. Returns the input names and ρ, shape (m, P).
    """
    outputs, inputs = [], []
    for block in range(block_count(samples)):
        start, stop = block_bounds(block, samples)
        draws = draw_block(params, seed=seed, block=block, n=stop - start)
        outputs.append(select_columns(simulate_paths(params, draws), columns))
        inputs.append(model_inputs(params, draws))
    names = tuple(inputs[0])
    matrix = np.column_stack([np.concatenate([part[name] for part in inputs]) for name in names])
    return names, spearman(np.concatenate(outputs), matrix)


MapOrdered = Callable[
    [Callable[[ShapleyBatchTask], BatchSums], Iterable[ShapleyBatchTask]], Iterator[BatchSums]
]


def analyse_sensitivity(
    scenario: Scenario,
    *,
    seed: int,
    seed_source: str = "config",
    variables: Sequence[str] | None = None,
    years: str | None = None,
    outer: int = DEFAULT_OUTER,
    inner: int = DEFAULT_INNER,
    tornado_samples: int | None = None,
    map_ordered: MapOrdered | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Grouped Shapley effects of the scenario's outputs, and their rank correlations.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    seed : int
        Seed of the estimator's batches (and of the ordinary run behind the tornado).
    seed_source : str
        Where the seed came from ("config", "command line", "entropy"), for provenance.
    variables : sequence of str, optional
        Variables to analyse (default :data:`simcore.read.select.HEADLINE_VARIABLES`).
    years : str, optional
        Years of yearly variables, e.g. ``"2027-2031"`` (default: every year).
    outer, inner : int
        ``N_o`` (rounded up to whole batches, see :func:`outer_sizes`) and ``N_i``.
    tornado_samples : int, optional
        Paths of the ordinary run for the rank correlations (default ``run.samples``).
    map_ordered : callable, optional
        How batches are mapped, e.g. an executor's ``map_ordered`` (default: serially).
    progress : callable, optional
        ``progress(done, total)`` in model evaluations.

    Returns
    -------
    SensitivityResult
    """
    params = resolve_params(scenario)
    names = check_variables(params, variables or HEADLINE_VARIABLES)
    calendar = [int(y) for y in scenario.years]
    chosen = parse_years(years, calendar) if years else calendar
    has_horizon = any(not VARIABLES[name].per_year for name in names)
    has_yearly = any(VARIABLES[name].per_year for name in names)
    labels: list[int | str] = [*(chosen if has_yearly else []), *([HORIZON] if has_horizon else [])]
    columns = _columns(scenario, names, chosen)
    design = input_design(params)
    outer, batches = outer_sizes(outer)
    first = calendar[0]

    def label(t: int | None) -> int | str:
        return HORIZON if t is None else first + t

    column_labels = [f"{name} {label(t)}" for name, t in columns]
    options = {} if map_ordered is None else {"map_ordered": map_ordered}
    estimate = estimate_shapley(
        design, ModelOutputs(params, columns), outer=outer, inner=inner, batches=batches,
        seed=seed, progress=progress, output_names=column_labels, **options,
    )
    samples = tornado_samples or scenario.run.samples
    inputs, rho = tornado_inputs(params, columns, seed=seed, samples=samples)

    shape = (len(names), len(labels))
    grid = {key: np.full((*shape, len(GROUPS)), np.nan)
            for key in ("shapley", "shapley_se", "closed", "total")}
    ratio = np.full(shape, np.nan)
    status = np.full(shape, NOT_APPLICABLE, dtype=np.int8)
    correlations = np.full((*shape, len(inputs)), np.nan)
    for column, (name, t) in enumerate(columns):
        v = names.index(name)
        y = labels.index(label(t))
        for key, cube in grid.items():
            cube[v, y] = getattr(estimate, key)[column]
        no_variance = bool(estimate.no_variance[column])
        status[v, y] = NO_VARIANCE_STATUS if no_variance else ESTIMATED
        if not no_variance:
            ratio[v, y] = estimate.nested_variance[column] / estimate.variance[column]
        correlations[v, y] = rho[column]
    return SensitivityResult(
        scenario=scenario, seed=seed, seed_source=seed_source, variables=tuple(names),
        years=tuple(labels), groups=GROUPS, variance_ratio=ratio, status=status,
        inputs=inputs, rank_correlation=correlations, outer=outer, inner=inner,
        batches=batches, tornado_samples=samples, **grid,
    )

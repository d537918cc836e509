"""Exploratory modelling: a space-filling design over judgments, a Monte Carlo inside each
point (``smasim explore``; docs/spec/METHODS.md §D).

The judgments a configuration encodes as single numbers (the chance the US demands more,
how much Korea concedes, whether talks lapse) are varied over ranges at once, ``M`` points
of a Latin hypercube or Sobol' design (:mod:`simcore.stats.designs`), and the levers a
decision maker controls (``--lever``: an escalation cap, a term) are crossed with every
point. Each (point, lever) pair is a scenario of one batch run (:mod:`simcore.run.runner`,
the same engine, executors and file as ``smasim batch`` and ``smasim sweep``): every
scenario draws the same random inputs (common random numbers), so differences between
points are free of sampling noise in what they share, and a point run alone with its
``--set`` assignments reproduces its paths bit for bit.

The result file is a batch file (its ``scenario`` dimension lists the pairs, point-major;
``summary``, ``compare`` and ``plot`` read it as any batch; paths only with ``--store``)
with an ``explore`` group: dimensions ``point`` and ``lever`` (where levers are given), one
coordinate per varied key and lever key, and the chosen variables' per-point statistics
(mean, the configuration's percentiles, exceedance probabilities of ``--threshold``), each
with its Monte Carlo standard error.
"""

from __future__ import annotations

import itertools
import math
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import xarray as xr

from simcore.analysis.points import design_points
from simcore.analysis.sweep import SweepAxis, _value_text, parse_axis
from simcore.config.load import check_batch, load_scenario
from simcore.config.overrides import OverrideError, parse_key, resolve_key
from simcore.config.schema import Scenario
from simcore.core.errors import ParameterError, ResultFileError, literal
from simcore.core.variables import SUMMARIZED, VARIABLES
from simcore.io.layout import KIND_ATTR
from simcore.run.parallel import ChunkExecutor, ProgressCallback
from simcore.run.runner import (
    RunResult,
    ScenarioReduction,
    StorageOptions,
    resolve_seed,
    run_scenarios,
)
from simcore.stats.designs import (
    DESIGNS,
    BetaMarginal,
    DesignKind,
    Marginal,
    NormalMarginal,
    TriangularMarginal,
    UniformMarginal,
    scale_design,
    unit_design,
)
from simcore.stats.summary import normal_quantile, proportion_se

__all__ = [
    "DEFAULT_VARIABLES",
    "EXPLORE_GROUP",
    "ExplorePlan",
    "VaryAxis",
    "compact_number",
    "design_generator",
    "exploration_dataset",
    "parse_threshold",
    "parse_vary",
    "plan_exploration",
    "read_exploration",
    "run_exploration",
]

#: The group of the result file that holds the design and the per-point statistics.
EXPLORE_GROUP = "explore"
#: Its :data:`~simcore.io.layout.KIND_ATTR`.
KIND = "explore"
#: Variables whose per-point statistics the group holds unless others are named.
DEFAULT_VARIABLES = ("contribution_usd",)
#: Scenarios (points × lever combinations) at most in one exploration.
MAX_SCENARIOS = 8192
#: Spawn key of the design's random stream: ``SeedSequence(seed, spawn_key=(DESIGN_STREAM,))``,
#: beyond any block index (blocks use ``spawn_key=(b,)``), so the design never shares a
#: stream with the paths.
DESIGN_STREAM = 2**40
#: ``NAME(ARGS)``: a marginal law of a varied key.
_LAW = re.compile(r"^\s*(?P<name>[a-z]+)\s*\((?P<args>[^()]*)\)\s*$")
#: ``LOW:HIGH``: a uniform range.
_RANGE = re.compile(r"^\s*([^:()]+):([^:()]+)\s*$")
#: The laws ``--vary`` accepts, with their parameters.
LAWS: dict[str, tuple[type, str]] = {
    "uniform": (UniformMarginal, "LOW, HIGH"),
    "triangular": (TriangularMarginal, "LOW, MODE, HIGH"),
    "beta": (BetaMarginal, "A, B[, LOW, HIGH]"),
    "normal": (NormalMarginal, "MEAN, SD"),
}


@dataclass(frozen=True)
class VaryAxis:
    """One varied key and the law its values are drawn from.

    Attributes
    ----------
    key : str
        Dotted key path (``negotiation.outcomes[1].probability``), or the mean of a
        concession (``negotiation.outcomes[1].concession.mean``).
    marginal : Marginal
        Its law over the design (uniform on a range unless another is given).
    """

    key: str
    marginal: Marginal

    @property
    def coordinate(self) -> str:
        """Its coordinate's name in the file: ``vary_negotiation_outcomes_1_probability``."""
        return _coordinate_name("vary", self.key)


def _vary_error(assignment: str, reason: str) -> ParameterError:
    """A ``--vary`` that cannot be used, named with its option."""
    return ParameterError(f"{{vary}} {literal(assignment)}: {literal(reason)}")


def _check_key(key: str, assignment: str) -> str:
    try:
        parse_key(key, assignment=assignment)
    except OverrideError as err:
        raise _vary_error(assignment, err.reason) from None
    return key.strip()


def _numbers(text: str, assignment: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise _vary_error(assignment, f"{text!r}: expected numbers separated by commas") from None
    if not all(math.isfinite(v) for v in values):
        raise _vary_error(assignment, "every number must be finite")
    return values


def parse_vary(assignment: str) -> VaryAxis:
    """``KEY=LOW:HIGH`` (uniform) or ``KEY=LAW(ARGS)`` → the key and its law.

    Laws: ``uniform(LOW, HIGH)``, ``triangular(LOW, MODE, HIGH)``, ``beta(A, B[, LOW,
    HIGH])`` (Beta(A, B) stretched onto [LOW, HIGH], default [0, 1]), ``normal(MEAN, SD)``.

    Examples
    --------
    >>> parse_vary("negotiation.outcomes[1].probability=0.1:0.6").marginal
    UniformMarginal(low=0.1, high=0.6)
    >>> parse_vary("fx.volatility=triangular(0.05, 0.074, 0.12)").marginal.describe()
    'triangular(0.05, 0.074, 0.12)'

    Raises
    ------
    ParameterError
        A malformed key, an unknown law, or parameters the law refuses.
    """
    key, sep, raw = assignment.partition("=")
    if not sep or not raw.strip():
        raise _vary_error(assignment, "expected KEY=LOW:HIGH or KEY=LAW(ARGS), e.g. "
                                      "negotiation.outcomes.demand.probability=0.1:0.6")
    key = _check_key(key, assignment)
    if (bounds := _RANGE.match(raw)) is not None:
        name, values = "uniform", _numbers(f"{bounds[1]},{bounds[2]}", assignment)
    elif (law := _LAW.match(raw)) is not None:
        name, values = law["name"], _numbers(law["args"], assignment)
    else:
        raise _vary_error(assignment, f"{raw.strip()!r}: expected LOW:HIGH or a law "
                          f"({', '.join(f'{n}({a})' for n, (_, a) in LAWS.items())})")
    if name not in LAWS:
        raise _vary_error(assignment, f"unknown law {name!r} (one of {', '.join(LAWS)})")
    kind, arguments = LAWS[name]
    try:
        marginal = kind(*values)
    except (TypeError, ValueError) as err:
        reason = str(err) if isinstance(err, ValueError) else f"takes {arguments}"
        raise _vary_error(assignment, f"{name}: {reason.removeprefix(name + ': ')}") from None
    return VaryAxis(key=key, marginal=marginal)


def parse_threshold(assignment: str) -> tuple[str, tuple[float, ...]]:
    """``VAR=V1[,V2...]`` → a summarized variable and the thresholds whose exceedance
    probability each point reports.

    >>> parse_threshold("contribution_usd=2e9,3e9")
    ('contribution_usd', (2000000000.0, 3000000000.0))
    """
    name, sep, raw = assignment.partition("=")
    name = name.strip()
    if not sep or not raw.strip():
        raise ParameterError(f"{{thresholds}} {literal(assignment)}: expected "
                             "VAR=VALUE[,VALUE...], e.g. contribution_usd=2e9")
    if name not in SUMMARIZED:
        raise ParameterError(f"{{thresholds}} {literal(assignment)}: {literal(name)} is not a "
                             f"variable with a summary (one of {', '.join(SUMMARIZED)})")
    try:
        values = tuple(float(v) for v in raw.split(","))
    except ValueError:
        raise ParameterError(f"{{thresholds}} {literal(assignment)}: values must be numbers "
                             "separated by commas") from None
    if not all(math.isfinite(v) for v in values) or len(set(values)) != len(values):
        raise ParameterError(f"{{thresholds}} {literal(assignment)}: values must be finite and "
                             "distinct")
    return name, values


def compact_number(value: float) -> str:
    """A number as one would type it: ``2e9``, ``0.35``, ``1500``.

    >>> compact_number(2e9), compact_number(0.35), compact_number(1.5e-3)
    ('2e9', '0.35', '0.0015')
    """
    mantissa, _, exponent = f"{value:g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def design_generator(seed: int) -> np.random.Generator:
    """The generator of an exploration's design for run seed ``seed`` (its own stream,
    :data:`DESIGN_STREAM`)."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=(DESIGN_STREAM,))))


@dataclass(frozen=True)
class ExplorePlan:
    """An exploration decided: its design, levers and the scenarios of its batch.

    Attributes
    ----------
    name : str
        ``run.name`` of the base configuration.
    axes : tuple of VaryAxis
        The varied keys, in design column order.
    levers : tuple of SweepAxis
        The lever keys; their values are crossed (the last fastest).
    design : {"lhs", "sobol"}
    unit, values : ndarray, shape (M, d)
        The design in the unit cube, and mapped through each key's law.
    scenarios : list of Scenario
        ``M × L`` scenarios, point-major: scenario ``i L + j`` is point ``i`` with lever
        combination ``j``.
    assignments : list of tuple of str
        Per scenario, the ``--set`` assignments that make it from the base configuration.
    seed : int
        The run's seed (the design's stream derives from it).
    seed_source : str
        Where the seed came from.
    thresholds : dict of str to tuple of float
        Per variable, the thresholds whose exceedance probabilities are reported.
    variables : tuple of str
        The variables whose per-point statistics the ``explore`` group holds.
    """

    name: str
    axes: tuple[VaryAxis, ...]
    levers: tuple[SweepAxis, ...]
    design: DesignKind
    unit: np.ndarray
    values: np.ndarray
    scenarios: list[Scenario]
    assignments: list[tuple[str, ...]]
    seed: int
    seed_source: str
    thresholds: dict[str, tuple[float, ...]] = field(default_factory=dict)
    variables: tuple[str, ...] = DEFAULT_VARIABLES

    @property
    def points(self) -> int:
        """Points of the design."""
        return int(self.values.shape[0])

    @property
    def lever_rows(self) -> list[tuple[tuple[Any, ...], tuple[str, ...]]]:
        """Every combination of lever values (values, TOML texts); one empty row if none."""
        return _lever_rows(self.levers)

    def scenario_coords(self) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
        """The point and lever of each scenario, and the varied values, as coordinates
        along the batch's ``scenario`` dimension."""
        count = len(self.lever_rows)
        coords: dict[str, tuple[np.ndarray, dict[str, str]]] = {
            "explore_point": (np.repeat(np.arange(self.points, dtype=np.int32), count),
                              {"long_name": "point of the exploration's design"}),
        }
        if self.levers:
            coords["explore_lever"] = (np.tile(np.arange(count, dtype=np.int32), self.points),
                                       {"long_name": "lever combination of the exploration"})
        for k, vary in enumerate(self.axes):
            coords[vary.coordinate] = (np.repeat(self.values[:, k], count),
                                       {"long_name": f"varied value of {vary.key}"})
        return coords


def _lever_rows(levers: Sequence[SweepAxis]) -> list[tuple[tuple[Any, ...], tuple[str, ...]]]:
    """Every combination of lever values, the last lever fastest (values, TOML texts)."""
    return [
        (tuple(a.values[i] for a, i in zip(levers, index, strict=True)),
         tuple(a.texts[i] for a, i in zip(levers, index, strict=True)))
        for index in itertools.product(*(range(len(a.values)) for a in levers))
    ]


def _lever_label(axis: SweepAxis, value: Any) -> str:
    tail = axis.key.rsplit(".", 1)[-1]
    return f"{re.sub(r'[^A-Za-z0-9_]', '', tail)}-{_value_text(value)}"


def plan_exploration(
    config: str | Path,
    vary: Sequence[str],
    *,
    points: int,
    levers: Sequence[str] = (),
    design: str = "lhs",
    samples: int | None = None,
    seed: int | None = None,
    thresholds: Sequence[str] = (),
    variables: Sequence[str] | None = None,
    percentiles: Sequence[float] | None = None,
) -> ExplorePlan:
    """Parse, draw and validate an exploration before anything runs.

    Parameters
    ----------
    config : str or Path
        The base configuration.
    vary : sequence of str
        ``KEY=LOW:HIGH`` or ``KEY=LAW(ARGS)`` (:func:`parse_vary`), one per varied key. An
        outcome probability varied rescales the others to make up the rest (keeping their
        proportions); ``negotiation.outcomes[N].concession.mean`` sets that Beta law's mean
        at its configured ``a + b``.
    points : int
        Points of the design (a power of two for ``sobol``).
    levers : sequence of str
        ``KEY=V1,V2,...`` (as ``smasim sweep --set``), crossed with each other and with
        every point.
    design : {"lhs", "sobol"}
    samples, seed : int, optional
        Paths per scenario and the run's seed, replacing the configuration's; the design's
        stream derives from the seed (:func:`design_generator`).
    thresholds : sequence of str
        ``VAR=V1[,V2...]`` (:func:`parse_threshold`).
    variables : sequence of str, optional
        Variables whose per-point statistics the ``explore`` group holds (default
        :data:`DEFAULT_VARIABLES`, and every variable with a threshold).
    percentiles : sequence of float, optional
        The percentiles of every point (``run.percentiles``; default the configuration's).

    Raises
    ------
    SmasimInputError
        A malformed option, a key varied twice, too many scenarios, or a point whose
        scenario is invalid (named with its values).
    """
    if design not in DESIGNS:
        raise ParameterError(f"{{design}}: {literal(design)} is not a design (one of "
                             f"{', '.join(DESIGNS)})")
    axes = tuple(parse_vary(text) for text in vary)
    if not axes:
        raise ParameterError("{vary}: give at least one KEY=LOW:HIGH to vary")
    lever_axes = tuple(parse_axis(text) for text in levers)
    keys = [a.key for a in axes] + [a.key for a in lever_axes]
    combinations = math.prod(len(a.values) for a in lever_axes)
    if points * combinations > MAX_SCENARIOS:
        raise ParameterError(
            f"{{points}}: {points} points × {combinations} lever combinations = "
            f"{points * combinations} scenarios, at most {MAX_SCENARIOS}"
        )
    limits = dict(parse_threshold(text) for text in thresholds)
    chosen = tuple(dict.fromkeys([*(variables or DEFAULT_VARIABLES), *limits]))
    unknown = [v for v in chosen if v not in SUMMARIZED]
    if unknown:
        raise ParameterError(f"{{variables}} {literal(unknown[0])}: not a variable with a summary "
                             f"(one of {', '.join(SUMMARIZED)})")
    base = load_scenario(config)
    # An outcome named or indexed is one key: the resolved steps say whether two coincide.
    dumped = base.model_dump()
    options = [(text, "vary") for text in vary] + [(text, "levers") for text in levers]
    paths = []
    for key, (text, option) in zip(keys, options, strict=True):
        try:
            paths.append(resolve_key(dumped, key))
        except OverrideError as err:
            raise ParameterError(f"{{{option}}} {literal(text)}: {literal(err.reason)}") from None
    if len(set(paths)) != len(paths):
        repeated = next(k for k, p in zip(keys, paths, strict=True) if paths.count(p) > 1)
        raise ParameterError(f"{{vary}}: each key may be varied or levered once "
                             f"({literal(repeated)} is given twice)")
    if samples is not None or seed is not None:
        base = base.with_overrides(samples=samples, seed=seed)
    run_seed, source = resolve_seed(base, seed, "command line" if seed is not None else None)
    kind = cast(DesignKind, design)
    unit = unit_design(kind, points, len(axes), design_generator(run_seed))
    values = scale_design(unit, [a.marginal for a in axes])
    width = len(str(points - 1))
    rows, names = [], []
    for i in range(points):
        varied = tuple(float(v) for v in values[i])
        for lever_values, lever_texts in _lever_rows(lever_axes):
            rows.append(((*varied, *lever_values), (*map(repr, varied), *lever_texts)))
            names.append("_".join([f"{base.run.name}_p{i:0{width}d}",
                                   *(_lever_label(a, v) for a, v in
                                     zip(lever_axes, lever_values, strict=True))]))
    common = ([f"run.percentiles={[float(q) for q in percentiles]!r}"]
              if percentiles is not None else [])
    made = design_points(config, keys, rows, names, renormalize=True, common=common,
                         what="explore point")
    scenarios = [p.scenario.with_overrides(samples=samples, seed=seed) for p in made]
    check_batch(scenarios, [s.run.name for s in scenarios])
    return ExplorePlan(
        name=base.run.name, axes=axes, levers=lever_axes, design=kind, unit=unit,
        values=values, scenarios=scenarios, assignments=[p.assignments for p in made],
        seed=run_seed, seed_source=source, thresholds=limits, variables=chosen,
    )


def _point_lever(data: np.ndarray, plan: ExplorePlan) -> np.ndarray:
    """Scenario-major data, shape (S, …), as (point, lever, …) (lever dropped if none)."""
    count = len(plan.lever_rows)
    shaped = data.reshape(plan.points, count, *data.shape[1:])
    return shaped if plan.levers else shaped[:, 0]


def _coordinate_name(prefix: str, key: str) -> str:
    """A netCDF name for a key: ``lever_agreement_escalation_cap``."""
    return f"{prefix}_" + re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")


def _design_coords(plan: ExplorePlan) -> dict[str, Any]:
    """Coordinates of the ``explore`` group: points, levers, the varied and lever values."""
    coords: dict[str, Any] = {
        "point": ("point", np.arange(plan.points, dtype=np.int32),
                  {"long_name": "point of the design"}),
    }
    for k, axis in enumerate(plan.axes):
        low, high = axis.marginal.support
        column = plan.values[:, k]
        coords[axis.coordinate] = ("point", column, {
            "long_name": f"varied value of {axis.key}",
            "key": axis.key,
            "distribution": axis.marginal.describe(),
            # An unbounded law's range is that of its points.
            "lower_bound": low if math.isfinite(low) else float(column.min()),
            "upper_bound": high if math.isfinite(high) else float(column.max()),
        })
    rows = plan.lever_rows
    if plan.levers:
        coords["lever"] = ("lever", np.arange(len(rows), dtype=np.int32),
                           {"long_name": "lever combination"})
    for k, lever in enumerate(plan.levers):
        values = [row[0][k] for row in rows]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        coords[_coordinate_name("lever", lever.key)] = (
            "lever",
            np.asarray(values, dtype=np.float64) if numeric
            else np.asarray([row[1][k] for row in rows], dtype=object),
            {"long_name": f"lever value of {lever.key}", "key": lever.key},
        )
    return coords


def _statistics(plan: ExplorePlan, summary: xr.Dataset, name: str) -> dict[str, Any]:
    """Mean and percentiles of one variable per (point[, lever]), each with its standard
    error: the mean's ``sd / √n``; a percentile's half its order-statistic interval over
    the normal quantile of the interval's level."""
    spec = VARIABLES[name]
    lead = ("point", "lever") if plan.levers else ("point",)
    years = ("year",) if spec.per_year else ()
    lower = summary[f"{name}_percentile_lower"]
    level = float(lower.attrs.get("confidence_level", 0.95))
    z = normal_quantile(level)
    percentile_se = (summary[f"{name}_percentile_upper"].values - lower.values) / (2 * z)
    units = spec.units
    return {
        f"{name}_mean": (lead + years, _point_lever(summary[f"{name}_mean"].values, plan),
                         {"units": units, "long_name": f"mean of {spec.long_name}"}),
        f"{name}_mean_se": (lead + years, _point_lever(summary[f"{name}_mcse"].values, plan),
                            {"units": units, "long_name": "Monte Carlo standard error of the "
                             f"mean of {spec.long_name}"}),
        f"{name}_percentile": ((*lead, "percentile", *years),
                               _point_lever(summary[f"{name}_percentile"].values, plan),
                               {"units": units, "long_name": f"percentiles of {spec.long_name}"}),
        f"{name}_percentile_se": ((*lead, "percentile", *years),
                                  _point_lever(percentile_se, plan),
                                  {"units": units, "long_name": "Monte Carlo standard error "
                                   f"of the percentiles of {spec.long_name}: half the "
                                   f"{level:.0%} order-statistic interval over {z:.4f}"}),
    }


def _exceedances(plan: ExplorePlan, reductions: Sequence[ScenarioReduction], name: str,
                 n: int) -> dict[str, Any]:
    """Exceedance probabilities of one variable's thresholds per (point[, lever]), by year
    and (a per-year variable) in some year of the horizon, with binomial standard errors."""
    spec = VARIABLES[name]
    lead = ("point", "lever") if plan.levers else ("point",)
    dim = f"{name}_threshold"
    parts = [("exceedance", 0, (*lead, dim, *(("year",) if spec.per_year else ())), "")]
    if spec.per_year:
        parts.append(("exceedance_any", 1, (*lead, dim), " in some year of the horizon"))
    data_vars = {}
    for suffix, part, dims, when in parts:
        probability = np.stack([r.exceedance[name][part] for r in reductions]) / n
        what = f"probability that {spec.long_name} exceeds the threshold{when}"
        data_vars[f"{name}_{suffix}"] = (dims, _point_lever(probability, plan),
                                         {"units": "1", "long_name": what})
        data_vars[f"{name}_{suffix}_se"] = (
            dims, _point_lever(proportion_se(probability, n), plan),
            {"units": "1", "long_name": f"binomial standard error of the {what}"},
        )
    return data_vars


def exploration_dataset(
    plan: ExplorePlan,
    summary: xr.Dataset,
    reductions: Sequence[ScenarioReduction],
) -> xr.Dataset:
    """The ``explore`` group: the design and the per-point statistics of the chosen
    variables, from a run's summary and its exceedance counts.

    Parameters
    ----------
    plan : ExplorePlan
        The exploration.
    summary : xarray.Dataset
        The run's summary group (dimension ``scenario`` in plan order).
    reductions : sequence of ScenarioReduction
        The run's reductions, whose exceedance counts give the exceedance probabilities.

    Returns
    -------
    xarray.Dataset
        Layout in docs/spec/CONFIG.md ("The explore group").
    """
    lead = ("point", "lever") if plan.levers else ("point",)
    n = int(summary.attrs["n_samples"])
    coords = _design_coords(plan)
    coords.update(percentile=summary["percentile"].variable, year=summary["year"].variable)
    data_vars: dict[str, Any] = {
        "scenario_index": (lead, _point_lever(np.arange(len(plan.scenarios), dtype=np.int32),
                                              plan),
                           {"long_name": "index along the file's scenario dimension"}),
        "assignments": (lead, _point_lever(np.asarray(
            [shlex.join(part for a in made for part in ("--set", a)) for made in
             plan.assignments], dtype=object), plan),
            {"long_name": "the --set options that make the scenario from the base "
             "configuration: smasim run CONFIG with them, --samples and --seed reproduces its "
             "paths"}),
    }
    for name in plan.variables:
        data_vars.update(_statistics(plan, summary, name))
        if name in plan.thresholds:
            dim = f"{name}_threshold"
            coords[dim] = (dim, np.asarray(plan.thresholds[name], dtype=np.float64),
                           {"units": VARIABLES[name].units,
                            "long_name": f"threshold of {VARIABLES[name].long_name}"})
            data_vars.update(_exceedances(plan, reductions, name, n))
    attrs = {
        "title": "smasim explore: per-point statistics over a space-filling design of "
                 "judgments",
        KIND_ATTR: KIND,
        "design": plan.design,
        "design_seed": str(plan.seed),
        "design_stream": f"SeedSequence(seed, spawn_key=({DESIGN_STREAM},))",
        "points": plan.points,
        "lever_combinations": len(plan.lever_rows),
        "varied_keys": " ".join(a.key for a in plan.axes),
        "lever_keys": " ".join(a.key for a in plan.levers),
        "levers": " ".join(f"{a.key}={','.join(a.texts)}" for a in plan.levers),
        "thresholds": " ".join(f"{name}={','.join(compact_number(v) for v in values)}"
                               for name, values in plan.thresholds.items()),
        "variables": " ".join(plan.variables),
        "n_samples": n,
        "renormalized": "outcome probabilities not varied are rescaled to make up the rest, "
                        "keeping their proportions",
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def run_exploration(
    plan: ExplorePlan,
    output: str | Path,
    *,
    storage: StorageOptions = StorageOptions(store=()),
    chunk_size: int | None = None,
    overwrite: bool = False,
    force: bool = False,
    progress: ProgressCallback | None = None,
    executor: ChunkExecutor | None = None,
    command: str | None = None,
) -> RunResult:
    """Run an exploration as one batch (common random numbers) into ``output``.

    Parameters
    ----------
    plan : ExplorePlan
        :func:`plan_exploration`.
    output : str or Path
        The result file: a batch file with the ``explore`` group.
    storage : StorageOptions
        How the file stores its values; by default it keeps no paths (``store=()``: 256
        points of 1e5 paths would be 100+ GB); ``store=None`` keeps all.
    chunk_size, overwrite, force, progress, executor, command
        As :func:`simcore.run.runner.run_scenarios`.
    """
    summarized = plan.variables

    def explore_group(summary: xr.Dataset,
                      reductions: Sequence[ScenarioReduction]) -> dict[str, xr.Dataset]:
        return {EXPLORE_GROUP: exploration_dataset(plan, summary, reductions)}

    return run_scenarios(
        plan.scenarios, output, batch=True, seed=plan.seed, seed_source=plan.seed_source,
        chunk_size=chunk_size, storage=storage,
        summarize=summarized if storage.store is not None else None, thresholds=plan.thresholds,
        overwrite=overwrite, force=force, progress=progress, executor=executor,
        command=command or " ".join(sys.argv), scenario_coords=plan.scenario_coords(),
        groups=explore_group,
    )


def read_exploration(path: str | Path) -> xr.Dataset:
    """The ``explore`` group of an exploration's result file, loaded into memory.

    Raises
    ------
    ResultFileError
        Missing, unreadable, or without an ``explore`` group (not written by
        ``smasim explore``).
    """
    from simcore.io.reader import check_result_file

    path = check_result_file(path)
    try:
        with xr.open_dataset(path, group=EXPLORE_GROUP, engine="h5netcdf") as group:
            loaded = group.load()
    except OSError:
        raise ResultFileError(f"{path}: has no explore group; write one with smasim explore "
                              "CONFIG --vary KEY=LOW:HIGH --points M") from None
    if loaded.attrs.get(KIND_ATTR) != KIND:
        raise ResultFileError(f"{path}: its explore group is not smasim's (no "
                              f"{KIND_ATTR}={KIND!r})")
    return loaded


"""Parameter sweeps: a grid of configurations run as one batch with common random numbers.

``smasim sweep CONFIG --set KEY=V1,V2,... [--set ...]`` runs the Cartesian product of the
listed values (``A:B:STEP`` ranges accepted), one scenario per grid point named by its
values; the batch shares every sample's random inputs, so a difference between grid
points is the parameter's effect, not sampling noise. Each grid point is the configuration
with the assignments applied by :func:`simcore.config.overrides.apply_overrides` and validated
before anything runs.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from simcore.analysis.points import DesignPoint, design_points, outcome_probability
from simcore.config.load import check_batch, load_scenario
from simcore.config.overrides import (
    KeyPath,
    OverrideError,
    outcome_key,
    parse_key,
    resolve_key,
)
from simcore.config.schema import Scenario
from simcore.core.errors import ParameterError, SmasimInputError
from simcore.io.reader import read_scenario_coords
from simcore.read.choices import Quantity
from simcore.read.select import select
from simcore.stats.summary import percentile_intervals

#: Grid points at most (each is a scenario of the batch).
MAX_POINTS = 1000
#: ``A:B:STEP``: an inclusive numeric range.
_RANGE = re.compile(r"^\s*([^:]+):([^:]+):([^:]+)\s*$")


@dataclass(frozen=True)
class SweepAxis:
    """One swept key and its values.

    Attributes
    ----------
    key : str
        Dotted key path, e.g. ``negotiation.outcomes.demand.probability`` or
        ``negotiation.outcomes[1].probability``.
    values : tuple
        TOML values, in the order given.
    texts : tuple of str
        Each value as TOML source text (what is assigned).
    """

    key: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]

    def path(self, base: Scenario) -> KeyPath:
        """The key's steps in the base configuration, an outcome by its index
        (:func:`simcore.config.overrides.resolve_key`)."""
        return resolve_key(base.model_dump(), self.key)

    def outcome_probability(self, base: Scenario) -> int | None:
        """The index of the outcome whose probability the key is, or None."""
        return outcome_probability(base, self.key)

    def label(self, base: Scenario) -> str:
        """A short name for the key in a scenario name: its last step after the table or
        list entry it belongs to (``fx.volatility``; an outcome by its name:
        ``demand.probability``)."""
        steps = self.key.split(".")
        tail = ".".join(steps[-2:])
        found = outcome_key(self.path(base))
        names = base.outcome_names
        if found is not None and found[0] < len(names):
            tail = f"{names[found[0]]}.{steps[-1]}"
        elif len(steps) > 1 and (entry := re.fullmatch(r"(\w+)\[(\d+)\]", steps[-2])):
            tail = f"{entry[1]}{entry[2]}.{steps[-1]}"
        return re.sub(r"[^A-Za-z0-9_.\-]", "", tail)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes (TOML arrays and tables)."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _toml_value(text: str, assignment: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        raise OverrideError(
            assignment, f"value {text!r} is not a TOML value (quote strings: 'text')"
        ) from None


def _range_texts(start: str, stop: str, step: str, assignment: str) -> list[str]:
    """``A:B:STEP`` as exact decimal steps from A to B inclusive (0:1:0.1 gives 11 values)."""
    try:
        a, b, s = (Decimal(x.strip()) for x in (start, stop, step))
    except InvalidOperation:
        raise OverrideError(
            assignment, "a range is START:STOP:STEP with numbers, e.g. 0:1:0.1"
        ) from None
    if s <= 0 or b < a:
        raise OverrideError(assignment, "a range needs STEP > 0 and STOP >= START")
    count = int((b - a) / s) + 1
    if count > MAX_POINTS:
        raise OverrideError(assignment, f"{count} values, at most {MAX_POINTS}")
    integral = all(x == x.to_integral_value() for x in (a, s))
    # Decimal steps print exactly (0.30, not 0.30000000000000004); TOML reads them as floats.
    return [str(int(a + k * s)) if integral else str(float(a + k * s)) for k in range(count)]


def parse_axis(assignment: str) -> SweepAxis:
    """``KEY=V1,V2,...`` or ``KEY=A:B:STEP`` → the key and its values.

    Examples
    --------
    >>> parse_axis("negotiation.outcomes.demand.probability=0:1:0.25").values
    (0.0, 0.25, 0.5, 0.75, 1.0)
    >>> parse_axis("pins.fx={2027=1300},{2027=1500}").values
    ({'2027': 1300}, {'2027': 1500})
    """
    key, sep, raw = assignment.partition("=")
    if not sep or not raw.strip():
        raise OverrideError(assignment, "expected KEY=V1,V2,... or KEY=START:STOP:STEP")
    # The key is checked by the overrides' own parser (a dotted path with indices or names).
    parse_key(key, assignment=assignment)
    quoted = raw.strip().startswith(("[", "{", "'", '"'))
    if (match := None if quoted else _RANGE.match(raw)) is not None:
        start, stop, step = match.groups()
        texts = _range_texts(start, stop, step, assignment)
    else:
        texts = _split_top_level(raw)
    values = [_toml_value(text, assignment) for text in texts]
    if len(set(map(repr, values))) != len(values):
        raise OverrideError(assignment, "a value is repeated")
    return SweepAxis(key=key.strip(), values=tuple(values), texts=tuple(texts))


#: A number as it may be typed: ``0.35``, ``-2``, ``10e9``, ``1_000``.
_TYPED_NUMBER = re.compile(r"^[+\-]?[\d_]+(\.\d*)?([eE][+\-]?\d+)?$")


def _value_text(value: Any, text: str = "") -> str:
    """A value as a scenario name shows it: a number as it was typed (``0.35``, ``10e9``),
    else compactly (``5000000000.0`` → ``5e09``)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and _TYPED_NUMBER.match(text.strip()):
        # Without a plus sign, digit separators or a fraction of zeros (0.0 → 0).
        typed = text.strip().replace("_", "").replace("+", "")
        return re.sub(r"\.0*(?=$|[eE])", "", typed)
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, (bool, int, str)):
        text = str(value).lower() if isinstance(value, bool) else str(value)
    else:
        text = re.sub(r"[\s'\"{}\[\]=,]+", "_", str(value)).strip("_")
    return re.sub(r"[^A-Za-z0-9_.\-+]", "", text).replace("+", "")


def sweep_grid(
    config: str | Path, axes: Sequence[SweepAxis], *, renormalize: bool = False
) -> list[DesignPoint]:
    """Every grid point (Cartesian product, the last axis fastest), validated.

    Parameters
    ----------
    config : str or Path
        The base configuration (TOML file).
    axes : sequence of SweepAxis
        The swept keys; their values form the grid.
    renormalize : bool
        Rescale the outcome probabilities not swept whenever one is swept, keeping their
        proportions, so that they still sum to 1.

    Raises
    ------
    SmasimInputError
        One line naming the first invalid grid point and what is wrong with it.
    """
    if not axes:
        raise SmasimInputError("sweep: give at least one KEY=V1,V2,... to sweep")
    count = math.prod(len(axis.values) for axis in axes)
    if count > MAX_POINTS:
        raise SmasimInputError(f"sweep: {count} grid points, at most {MAX_POINTS}")
    base = load_scenario(config)
    # An outcome named or indexed is one key: the steps say whether two axes coincide.
    paths = [axis.path(base) for axis in axes]
    if len(set(paths)) != len(paths):
        raise SmasimInputError("sweep: each key may be swept once")
    keys = [axis.key for axis in axes]
    if renormalize and not any(axis.outcome_probability(base) is not None for axis in axes):
        raise ParameterError(
            "{renormalize}: no swept key is an outcome probability "
            "(negotiation.outcomes.NAME.probability or negotiation.outcomes[N].probability); "
            "there is nothing to rescale"
        )
    labels = [axis.label(base) for axis in axes]
    rows, names = [], []
    for indices in itertools.product(*(range(len(axis.values)) for axis in axes)):
        values = tuple(axis.values[i] for axis, i in zip(axes, indices, strict=True))
        texts = tuple(axis.texts[i] for axis, i in zip(axes, indices, strict=True))
        rows.append((values, texts))
        names.append("_".join(
            [base.run.name, *(f"{label}-{_value_text(v, text)}" for label, v, text in
                              zip(labels, values, texts, strict=True))]
        ))
    if len(set(name[:100] for name in names)) != len(names):
        raise SmasimInputError("sweep: grid points would share a name (values too long); "
                               "sweep fewer keys at once")
    return design_points(config, keys, rows, names, renormalize=renormalize,
                         what="sweep point")


def _coordinate_name(key: str) -> str:
    """A netCDF/CF variable name for a key path: ``negotiation_outcomes_demand_probability``."""
    return "sweep_" + re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")


def sweep_coordinates(
    axes: Sequence[SweepAxis], points: Sequence[DesignPoint]
) -> dict[str, tuple[np.ndarray, dict[str, str]]]:
    """The swept values of each grid point, as coordinates along ``scenario``.

    Numbers stay numbers (float64, or int32 when every value is an integer); anything
    else (a table, an array, text) is stored as its TOML text. Each carries the key path
    in ``long_name``.
    """
    coords = {}
    for k, axis in enumerate(axes):
        column = [point.values[k] for point in points]
        numbers = [v for v in column if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) < len(column):
            data = np.asarray([point.texts[k] for point in points], dtype=object)
        elif all(isinstance(v, int) for v in column):
            data = np.asarray(column, dtype=np.int32)  # CF-1.8 has no int64
        else:
            data = np.asarray(column, dtype=np.float64)
        coords[_coordinate_name(axis.key)] = (
            data, {"long_name": f"swept value of {axis.key}"}
        )
    return coords


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep runs: one scenario per grid point, and the swept values by point.

    Attributes
    ----------
    name : str
        ``run.name`` of the base configuration.
    scenarios : list of Scenario
        The grid points, validated and ready to run as one batch.
    coords : dict
        :func:`sweep_coordinates`, for the file's ``scenario`` dimension.
    """

    name: str
    scenarios: list[Scenario]
    coords: dict[str, tuple[np.ndarray, dict[str, str]]]


def plan_sweep(
    config: str | Path,
    assignments: Sequence[str],
    *,
    renormalize: bool = False,
    samples: int | None = None,
    seed: int | None = None,
) -> SweepPlan:
    """Parse, expand and validate a sweep before anything runs.

    Parameters
    ----------
    config : str or Path
        The base configuration.
    assignments : sequence of str
        ``KEY=V1,V2,...`` or ``KEY=START:STOP:STEP``, one per swept key.
    renormalize : bool
        See :func:`sweep_grid`.
    samples, seed : int, optional
        Paths per grid point and seed, replacing the configuration's.

    Raises
    ------
    SmasimInputError
        A malformed assignment, an invalid grid point (named), or grid points that cannot
        share random numbers.
    """
    axes = [parse_axis(text) for text in assignments]
    points = sweep_grid(config, axes, renormalize=renormalize)
    scenarios = [p.scenario.with_overrides(samples=samples, seed=seed) for p in points]
    check_batch(scenarios, [s.run.name for s in scenarios])
    return SweepPlan(name=load_scenario(config).run.name, scenarios=scenarios,
                     coords=sweep_coordinates(axes, points))


#: Percentiles a response chart shows.
RESPONSE_LEVELS = (5.0, 50.0, 80.0, 95.0)


@dataclass(frozen=True)
class ResponseCurves:
    """Percentiles of one output at each grid point of a one-key sweep, by swept value.

    Attributes
    ----------
    key : str
        The swept key path.
    swept : ndarray, shape (k,)
        The swept values, increasing.
    item : Quantity
        The output (its name, units and display scale).
    year : int or None
        Its year (None for a horizon variable).
    levels : tuple of float, shape (L,)
        Percentile levels.
    estimate, lower, upper : ndarray, shape (L, k)
        The percentiles and their 95 % order-statistic intervals, in the output's units.
    """

    key: str
    swept: np.ndarray
    item: Quantity
    year: int | None
    levels: tuple[float, ...]
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def response_curves(
    path: str | Path,
    variable: str,
    *,
    years: str | None = None,
    real: bool = False,
    levels: Sequence[float] = RESPONSE_LEVELS,
) -> ResponseCurves:
    """P5/P50/P80/P95 of ``variable`` in one year against the swept value of a sweep file.

    Raises
    ------
    SmasimInputError
        The file is not a sweep of one numeric key, or more than one year is asked for.
    """
    numeric = {name: (values, attrs) for name, (values, attrs) in
               read_scenario_coords(path).items() if values.dtype.kind in "fi"}
    if len(numeric) != 1:
        raise SmasimInputError(
            f"{path} is not a sweep of one numeric key (swept: "
            f"{', '.join(numeric) or 'none'}); a response chart needs one"
        )
    (values, attrs), = numeric.values()
    selection = select(path, variables=[variable], years=years, real=real)
    item = selection.quantities[0]
    if item.per_year and len(selection.years) != 1:
        raise ParameterError("{years}: a response chart shows one year, e.g. 2031")
    order = np.argsort([values[s.index] for s in selection.scenarios], kind="stable")
    scenarios = [selection.scenarios[i] for i in order]
    columns = []
    for scenario in scenarios:
        samples = selection.values(item, scenario)
        columns.append(percentile_intervals(samples[:, 0] if samples.ndim == 2 else samples,
                                            levels))
    estimate, lower, upper = (np.column_stack([c[k] for c in columns]) for k in range(3))
    return ResponseCurves(
        key=str(attrs.get("long_name", "")).removeprefix("swept value of "),
        swept=np.asarray([values[s.index] for s in scenarios], dtype=float),
        item=item,
        year=selection.years[0] if item.per_year else None,
        levels=tuple(levels),
        estimate=estimate,
        lower=lower,
        upper=upper,
    )

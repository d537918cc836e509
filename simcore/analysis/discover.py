"""Scenario discovery over an exploration: the judgments under which an outcome happens
(``smasim discover``; docs/spec/METHODS.md §D).

A case definition (``--where``) marks each (point, lever) row of an exploration as a case
of interest or not, e.g. ``contribution_usd[2031].p80 > 2e9``: the P80 of the 2031
contribution exceeds $2B at that point. PRIM (:mod:`simcore.stats.prim`) then finds boxes
of the varied judgments (and levers) where the cases concentrate; CART and extra-trees
feature scores (:mod:`simcore.stats.trees`) cross-check it. Each point's statistic carries
its Monte Carlo error: the points within two standard errors of the threshold are counted,
since their side of it is uncertain.

The result, a *discovery*, is written to a netCDF file of its own (kind ``discover``,
layout in docs/spec/CONFIG.md), which ``smasim report --discover`` shows.

Case definitions::

    [not] VARIABLE[YEAR].STATISTIC OP VALUE

``VARIABLE`` one with per-point statistics in the exploration; ``[YEAR]`` a calendar year
(none for a variable over the horizon, ``[any]`` for an exceedance in some year of the
horizon); ``STATISTIC`` ``mean``, ``pNN`` (a stored percentile, e.g. ``p80``) or
``exceed(T)`` (the probability of exceeding a ``--threshold`` T of the exploration); ``OP``
one of ``> >= < <=``; ``not`` negates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from simcore.analysis.explore import read_exploration
from simcore.core.errors import ParameterError, did_you_mean, literal
from simcore.core.variables import VARIABLES
from simcore.io.dataset_file import read_dataset, write_dataset
from simcore.io.provenance import origin_attrs
from simcore.read.rows import record_number
from simcore.stats.prim import (
    MASS_MIN,
    PASTE_ALPHA,
    PEEL_ALPHA,
    RESAMPLES,
    PrimStability,
    PrimTrajectory,
    prim,
    prim_stability,
)
from simcore.stats.trees import CartLeaves, FeatureScores, cart_leaves, feature_scores

__all__ = [
    "KIND",
    "BoxRow",
    "CaseDefinition",
    "Discovery",
    "Inputs",
    "Statistic",
    "discover",
    "discovery_dataset",
    "exploration_inputs",
    "parse_statistic",
    "parse_where",
    "read_discovery",
    "statistic_values",
    "write_discovery",
]

#: The :data:`~simcore.io.layout.KIND_ATTR` of a discovery file.
KIND = "discover"
#: How many standard errors from the threshold make a point's side of it uncertain.
NEAR = 2.0
#: The rule that chooses a box unless ``--box`` picks one.
RULE = "the Pareto box of greatest weighted relative accuracy, mass x (density - base rate)"

_STATISTIC = (r"(?P<variable>[A-Za-z_]\w*)(?:\[\s*(?P<year>\d{4}|any)\s*\])?"
              r"\.(?P<statistic>mean|p\d+(?:\.\d+)?|exceed\((?P<limit>[^()]+)\))")
_WHERE = re.compile(r"^\s*(?P<negated>not\s+)?\(?\s*" + _STATISTIC
                    + r"\s*(?P<op>>=|<=|>|<)\s*(?P<value>[^\s()]+)\s*\)?\s*$")
_ONE_STATISTIC = re.compile(r"^\s*" + _STATISTIC + r"\s*$")
#: The comparisons of a case definition.
OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
#: How a statistic is written, for messages.
STATISTIC_SYNTAX = ("VARIABLE[YEAR].STATISTIC (STATISTIC: mean, pNN or exceed(T); [any] with "
                    "exceed for some year of the horizon)")


@dataclass(frozen=True)
class Statistic:
    """A per-point statistic of an exploration: ``contribution_usd[2031].p80``.

    Attributes
    ----------
    text : str
        As given.
    variable : str
    year : int or None
        Calendar year; None for a variable over the horizon or ``[any]``.
    any_year : bool
        ``[any]``: exceedance in some year of the horizon.
    kind : {"mean", "percentile", "exceedance"}
    level : float or None
        The percentile level or the exceedance threshold.
    """

    text: str
    variable: str
    year: int | None
    any_year: bool
    kind: str
    level: float | None

    @property
    def label(self) -> str:
        """The statistic in words: ``P80 of contribution_usd in 2031``."""
        what = ("mean" if self.level is None
                else f"P{self.level:g}" if self.kind == "percentile" else f"P(> {self.level:g})")
        when = (" in some year" if self.any_year
                else f" in {self.year}" if self.year is not None else "")
        return f"{what} of {self.variable}{when}"


def _statistic(match: re.Match[str], text: str, option: str) -> Statistic:
    statistic = match["statistic"]
    kind = ("mean" if statistic == "mean" else
            "exceedance" if statistic.startswith("exceed") else "percentile")
    try:
        level = (None if kind == "mean" else float(match["limit"]) if kind == "exceedance"
                 else float(statistic[1:]))
    except ValueError:
        raise ParameterError(f"{{{option}}} {literal(text)!r}: {literal(match['limit'])} is not "
                             "a number") from None
    year = match["year"]
    if year == "any" and kind != "exceedance":
        raise ParameterError(f"{{{option}}} {literal(text)!r}: [any] goes with exceed(T), the "
                             "probability of exceeding T in some year of the horizon")
    return Statistic(text=f"{match['variable']}{f'[{year}]' if year else ''}.{statistic}",
                     variable=match["variable"],
                     year=int(year) if year and year != "any" else None,
                     any_year=year == "any", kind=kind, level=level)


def parse_statistic(text: str, *, option: str = "outcome") -> Statistic:
    """Parse ``VARIABLE[YEAR].STATISTIC``.

    >>> parse_statistic("contribution_usd[2031].exceed(2e9)").level
    2000000000.0

    Raises
    ------
    ParameterError
        Text that is not a statistic; the message names ``option``.
    """
    match = _ONE_STATISTIC.match(text)
    if match is None:
        raise ParameterError(f"{{{option}}} {literal(text)!r}: expected {STATISTIC_SYNTAX}, "
                             "e.g. contribution_usd[2031].p80")
    return _statistic(match, text, option)


@dataclass(frozen=True)
class CaseDefinition:
    """A parsed ``--where``: a statistic compared with a value, perhaps negated.

    Attributes
    ----------
    text : str
        As given.
    statistic : Statistic
    op : str
        ``>``, ``>=``, ``<`` or ``<=``.
    value : float
        What the statistic is compared with.
    negated : bool
        ``not``: the cases are the points where the comparison fails.
    """

    text: str
    statistic: Statistic
    op: str
    value: float
    negated: bool

    @property
    def label(self) -> str:
        """The statistic in words."""
        return self.statistic.label

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Which values are cases."""
        return np.asarray(OPS[self.op](values, self.value) ^ self.negated, dtype=bool)


def parse_where(text: str, *, option: str = "where") -> CaseDefinition:
    """Parse a case definition (module docstring).

    Examples
    --------
    >>> case = parse_where("contribution_usd[2031].p80 > 2e9")
    >>> case.statistic.kind, case.statistic.level, case.statistic.year, case.value
    ('percentile', 80.0, 2031, 2000000000.0)
    >>> parse_where("not cum_contribution_usd.mean <= 7e9").negated
    True

    Raises
    ------
    ParameterError
        Text that is not a case definition; the message names ``option``.
    """
    match = _WHERE.match(text)
    if match is None:
        raise ParameterError(
            f"{{{option}}} {literal(text)!r}: expected [not] {STATISTIC_SYNTAX} OP VALUE (OP: "
            "> >= < <=), e.g. 'contribution_usd[2031].p80 > 2e9'"
        )
    try:
        value = float(match["value"])
    except ValueError:
        raise ParameterError(f"{{{option}}} {literal(text)!r}: {literal(match['value'])} is not "
                             "a number") from None
    return CaseDefinition(text=text.strip(), statistic=_statistic(match, text, option),
                          op=match["op"], value=value, negated=match["negated"] is not None)


def _select(data: xr.Dataset, name: str, dim: str, level: float, text: str,
            option: str) -> xr.DataArray:
    """``data[name]`` at ``dim == level`` (a stored percentile or threshold)."""
    values = data[dim].values
    found = np.flatnonzero(np.isclose(values, level, rtol=1e-12, atol=0.0))
    if found.size == 0:
        stored = ", ".join(f"{v:g}" for v in values)
        store = "--percentiles" if dim == "percentile" else "--threshold"
        what = "percentiles" if dim == "percentile" else f"thresholds of {dim[:-10]}"
        raise ParameterError(f"{{{option}}} {literal(text)!r}: {level:g} is not among the stored "
                             f"{what} ({stored}); explore with {store} to store it")
    return data[name].isel({dim: int(found[0])})


def statistic_values(data: xr.Dataset, statistic: Statistic, *,
                     option: str = "where") -> tuple[np.ndarray, np.ndarray]:
    """A statistic at every (point[, lever]) row of an exploration, point-major, and its
    Monte Carlo standard error.

    Raises
    ------
    ParameterError
        A variable, year, percentile or threshold the exploration does not hold (the
        message names ``option``).
    """
    text, name = statistic.text, statistic.variable
    chosen = str(data.attrs.get("variables", "")).split()
    if name not in chosen:
        raise ParameterError(
            f"{{{option}}} {literal(text)!r}: the exploration has no per-point statistics of "
            f"{literal(name)}{literal(did_you_mean(name, chosen))} (it has "
            f"{literal(', '.join(chosen))}; explore with --var {literal(name)})"
        )
    spec = VARIABLES[name]
    if statistic.kind == "mean":
        values, se = data[f"{name}_mean"], data[f"{name}_mean_se"]
    else:
        assert statistic.level is not None
        if statistic.kind == "percentile":
            dim, stem = "percentile", f"{name}_percentile"
        else:
            dim = f"{name}_threshold"
            if dim not in data.coords:
                raise ParameterError(f"{{{option}}} {literal(text)!r}: the exploration has no "
                                     f"thresholds of {name}; explore with --threshold {name}=T")
            stem = f"{name}_exceedance_any" if statistic.any_year else f"{name}_exceedance"
        values = _select(data, stem, dim, statistic.level, text, option)
        se = _select(data, f"{stem}_se", dim, statistic.level, text, option)
    if spec.per_year and not statistic.any_year:
        years = [int(y) for y in data["year"].values]
        if statistic.year is None or statistic.year not in years:
            raise ParameterError(f"{{{option}}} {literal(text)!r}: {name} is by year; name one "
                                 f"of {years[0]}–{years[-1]}, e.g. {name}[{years[-1]}]")
        values, se = values.sel(year=statistic.year), se.sel(year=statistic.year)
    elif not spec.per_year and statistic.year is not None:
        raise ParameterError(f"{{{option}}} {literal(text)!r}: {name} is a total over the "
                             f"horizon; drop [{statistic.year}]")
    lead = [d for d in ("point", "lever") if d in data.dims]
    return (np.asarray(values.transpose(*lead).values, dtype=np.float64).reshape(-1),
            np.asarray(se.transpose(*lead).values, dtype=np.float64).reshape(-1))


@dataclass(frozen=True)
class Inputs:
    """The inputs PRIM restricts: the varied keys, then the lever keys.

    Attributes
    ----------
    keys : tuple of str
        Configuration keys.
    x : ndarray, shape (n, d)
        One row per (point[, lever]), point-major.
    bounds : ndarray, shape (2, d)
        Each input's range (a varied key's law's support; a lever's values).
    point, lever : ndarray of int, shape (n,)
        Each row's point and lever combination.
    """

    keys: tuple[str, ...]
    x: np.ndarray
    bounds: np.ndarray
    point: np.ndarray
    lever: np.ndarray


def exploration_inputs(data: xr.Dataset) -> Inputs:
    """The inputs of an exploration's ``explore`` group as PRIM sees them. A lever whose
    values are not numbers enters as its position among them (an ordinal)."""
    points = data.sizes["point"]
    levers = data.sizes.get("lever", 1)
    keys, columns, bounds = [], [], []
    for name in data.coords:
        coord = data[name]
        if str(name).startswith("vary_"):
            keys.append(str(coord.attrs["key"]))
            columns.append(np.repeat(np.asarray(coord.values, dtype=np.float64), levers))
            bounds.append((float(coord.attrs["lower_bound"]), float(coord.attrs["upper_bound"])))
    for name in data.coords:
        coord = data[name]
        if str(name).startswith("lever_"):
            values = (np.asarray(coord.values, dtype=np.float64) if coord.dtype.kind in "fiu"
                      else np.arange(coord.size, dtype=np.float64))
            keys.append(str(coord.attrs["key"]))
            columns.append(np.tile(values, points))
            bounds.append((float(values.min()), float(values.max())))
    return Inputs(keys=tuple(keys), x=np.column_stack(columns),
                  bounds=np.asarray(bounds, dtype=np.float64).T,
                  point=np.repeat(np.arange(points), levers),
                  lever=np.tile(np.arange(levers), points))


@dataclass(frozen=True)
class BoxRow:
    """One box of the trajectory: a JSON/CSV record.

    Attributes
    ----------
    box, source : int
        Its index, and the box it was made from (−1: none).
    step : str
        ``start``, ``peel`` or ``paste``.
    points, cases : int
    coverage, density, mass, wracc : float
    significant, pareto, shown : bool
    limits : dict of str to (float, float, float)
        Per input key: lower limit, upper limit, quasi-p value (NaN if unrestricted).
    """

    box: int
    step: str
    source: int
    points: int
    cases: int
    coverage: float
    density: float
    mass: float
    wracc: float
    significant: bool
    pareto: bool
    shown: bool
    limits: dict[str, tuple[float, float, float]]

    def as_record(self) -> dict[str, object]:
        """Flat: the box's statistics, then ``lower:KEY``, ``upper:KEY``, ``quasi_p:KEY``."""
        record: dict[str, object] = {
            "box": self.box, "step": self.step, "source": self.source,
            "points": self.points, "cases": self.cases, "coverage": self.coverage,
            "density": self.density, "mass": self.mass, "wracc": self.wracc,
            "significant": self.significant, "pareto": self.pareto, "shown": self.shown,
        }
        for key, (lower, upper, quasi_p) in self.limits.items():
            record |= {f"lower:{key}": lower, f"upper:{key}": upper,
                       f"quasi_p:{key}": record_number(quasi_p)}
        return record


@dataclass(frozen=True)
class Discovery:
    """What ``smasim discover`` found.

    Attributes
    ----------
    case : CaseDefinition
    source : str
        The exploration's file.
    inputs : Inputs
    statistic, se : ndarray, shape (n,)
        The case definition's statistic per row, and its Monte Carlo standard error.
    cases : ndarray of bool, shape (n,)
    trajectory : PrimTrajectory
    box : int
        The box shown: the trajectory's chosen box, or the one ``--box`` picked.
    stability : PrimStability
        PRIM on random halves, compared with :attr:`box`.
    cart : CartLeaves
    scores : FeatureScores
        Extra-trees scores of the inputs for the statistic itself.
    seed : int
        Seeds the halves and the trees.
    seed_source : str
        Where the seed came from: ``"exploration"`` (its seed) or what the caller said.
    """

    case: CaseDefinition
    source: str
    inputs: Inputs
    statistic: np.ndarray
    se: np.ndarray
    cases: np.ndarray
    trajectory: PrimTrajectory
    box: int
    stability: PrimStability
    cart: CartLeaves
    scores: FeatureScores
    seed: int
    seed_source: str = "exploration"

    @property
    def near_threshold(self) -> int:
        """Rows whose statistic lies within :data:`NEAR` standard errors of the value
        compared with: their side of it is uncertain."""
        return int(np.count_nonzero(np.abs(self.statistic - self.case.value) <= NEAR * self.se))

    def rows(self) -> list[BoxRow]:
        """Every box of the trajectory as a record."""
        t = self.trajectory
        return [
            BoxRow(
                box=i, step=t.step[i], source=int(t.source[i]), points=int(t.points[i]),
                cases=int(t.cases[i]), coverage=float(t.coverage[i]),
                density=float(t.density[i]), mass=float(t.mass[i]), wracc=float(t.wracc[i]),
                significant=bool(t.significant[i]), pareto=bool(t.pareto[i]),
                shown=i == self.box,
                limits={key: (float(t.lower[i, j]), float(t.upper[i, j]),
                              float(t.quasi_p[i, j])) for j, key in enumerate(self.inputs.keys)},
            )
            for i in range(len(t))
        ]

    @property
    def picked(self) -> bool:
        """The box was picked with ``--box`` rather than by :data:`RULE`."""
        return self.box != self.trajectory.chosen


def discover(
    path: str | Path,
    where: str,
    *,
    box: int | None = None,
    seed: int | None = None,
    resamples: int = RESAMPLES,
) -> Discovery:
    """Find the boxes of an exploration's inputs where the cases of ``where`` concentrate.

    Parameters
    ----------
    path : str or Path
        An exploration's result file (``smasim explore``).
    where : str
        The case definition (module docstring).
    box : int, optional
        Show this box of the trajectory instead of the one the rule chooses.
    seed : int, optional
        Seeds the resampled halves and the trees (default: the exploration's seed).
    resamples : int
        Random halves PRIM is run again on.

    Raises
    ------
    ParameterError
        A case definition the exploration cannot answer, no case or only cases, or a
        ``box`` outside the trajectory.
    ResultFileError
        Not an exploration's file.
    """
    case = parse_where(where)
    data = read_exploration(path)
    statistic, se = statistic_values(data, case.statistic)
    inputs = exploration_inputs(data)
    cases = case.holds(statistic)
    count = int(np.count_nonzero(cases))
    if count in (0, cases.size):
        which = "no row" if count == 0 else "every row"
        raise ParameterError(
            f"{{where}} {literal(where)!r}: {which} of the exploration is a case "
            f"({case.label} ranges {np.nanmin(statistic):g} to {np.nanmax(statistic):g}); "
            "there is nothing to discover"
        )
    trajectory = prim(inputs.x, cases, bounds=inputs.bounds)
    shown = trajectory.chosen if box is None else box
    if not 0 <= shown < len(trajectory):
        raise ParameterError(f"{{box}} {box}: the trajectory has boxes 0–{len(trajectory) - 1}")
    run_seed = int(data.attrs["design_seed"]) if seed is None else seed
    rng = np.random.default_rng(run_seed)
    stability = prim_stability(inputs.x, cases, trajectory, rng, resamples=resamples, box=shown)
    return Discovery(
        case=case, source=str(path), inputs=inputs, statistic=statistic, se=se, cases=cases,
        trajectory=trajectory, box=shown, stability=stability,
        cart=cart_leaves(inputs.x, cases, bounds=inputs.bounds, rng=rng),
        scores=feature_scores(inputs.x, statistic, rng=rng), seed=run_seed,
        seed_source="exploration" if seed is None else "command line",
    )


def discovery_dataset(discovery: Discovery) -> xr.Dataset:
    """A discovery as the netCDF dataset of its file (docs/spec/CONFIG.md), with CF
    attributes; provenance is added when it is written (:func:`write_discovery`)."""
    t, inputs = discovery.trajectory, discovery.inputs
    flag = np.int8
    data_vars: dict[str, Any] = {
        "x": (("row", "input"), inputs.x, {"long_name": "input values of each row"}),
        "point": ("row", inputs.point.astype(np.int32), {"long_name": "point of the design"}),
        "lever": ("row", inputs.lever.astype(np.int32), {"long_name": "lever combination"}),
        "statistic": ("row", discovery.statistic, {"long_name": discovery.case.label}),
        "statistic_se": ("row", discovery.se, {"long_name": "Monte Carlo standard error of "
                                               + discovery.case.label}),
        "case": ("row", discovery.cases.astype(flag), {"long_name": "case of interest",
                                                      "flag_values": np.array([0, 1], flag),
                                                      "flag_meanings": "other case"}),
        "input_lower_bound": ("input", inputs.bounds[0], {"long_name": "lower end of the "
                                                          "input's range"}),
        "input_upper_bound": ("input", inputs.bounds[1], {"long_name": "upper end of the "
                                                          "input's range"}),
        "box_lower": (("box", "input"), t.lower, {"long_name": "lower limit of the box"}),
        "box_upper": (("box", "input"), t.upper, {"long_name": "upper limit of the box"}),
        "box_step": ("box", np.asarray(t.step, dtype=object), {"long_name": "how the box "
                                                               "was made: start, peel, paste"}),
        "box_source": ("box", t.source.astype(np.int32), {"long_name": "the box it was made "
                                                          "from (-1: none)"}),
        "box_points": ("box", t.points.astype(np.int32), {"long_name": "rows in the box"}),
        "box_cases": ("box", t.cases.astype(np.int32), {"long_name": "cases in the box"}),
        "coverage": ("box", t.coverage, {"units": "1", "long_name": "share of all cases in "
                                         "the box"}),
        "density": ("box", t.density, {"units": "1", "long_name": "share of the box's rows "
                                       "that are cases"}),
        "mass": ("box", t.mass, {"units": "1", "long_name": "share of all rows in the box"}),
        "wracc": ("box", t.wracc, {"units": "1", "long_name": "weighted relative accuracy"}),
        "restricted": (("box", "input"), t.restricted.astype(flag),
                       {"long_name": "the box restricts the input"}),
        "quasi_p": (("box", "input"), t.quasi_p, {"units": "1", "long_name": "quasi-p value "
                                                  "of the restriction (Bryant & Lempert)"}),
        "significant": ("box", t.significant.astype(flag), {"long_name": "every quasi-p value "
                                                            "at most the significance level"}),
        "pareto": ("box", t.pareto.astype(flag), {"long_name": "significant and not beaten on "
                                                  "coverage, density and restrictions"}),
        "restriction_frequency": ("input", discovery.stability.restriction_frequency,
                                  {"units": "1", "long_name": "share of resampled halves whose "
                                   "chosen box restricts the input"}),
        "overlap": ("resample", discovery.stability.overlap, {"units": "1", "long_name":
                                                              "Jaccard index of the half's box "
                                                              "and the box shown"}),
        "holdout_coverage": ("resample", discovery.stability.holdout_coverage,
                             {"units": "1", "long_name": "coverage of the half's box on the "
                              "other half"}),
        "holdout_density": ("resample", discovery.stability.holdout_density,
                            {"units": "1", "long_name": "density of the half's box on the other "
                             "half"}),
        "leaf_lower": (("leaf", "input"), discovery.cart.lower, {"long_name": "CART leaf: "
                                                                 "lower < x"}),
        "leaf_upper": (("leaf", "input"), discovery.cart.upper, {"long_name": "CART leaf: "
                                                                 "x <= upper"}),
        "leaf_points": ("leaf", discovery.cart.points.astype(np.int32),
                        {"long_name": "rows in the CART leaf"}),
        "leaf_cases": ("leaf", discovery.cart.cases.astype(np.int32),
                       {"long_name": "cases in the CART leaf"}),
        "leaf_coverage": ("leaf", discovery.cart.coverage, {"units": "1", "long_name":
                                                            "share of all cases in the leaf"}),
        "leaf_density": ("leaf", discovery.cart.density, {"units": "1", "long_name":
                                                          "share of the leaf's rows that are "
                                                          "cases"}),
        "leaf_mass": ("leaf", discovery.cart.mass, {"units": "1", "long_name":
                                                    "share of all rows in the leaf"}),
        "leaf_predicted": ("leaf", discovery.cart.predicted.astype(flag),
                           {"long_name": "cases are the leaf's majority"}),
        "feature_score": ("input", discovery.scores.scores, {"units": "1", "long_name":
                                                             "extra-trees feature score"}),
    }
    coords = {"input": ("input", np.asarray(inputs.keys, dtype=object),
                        {"long_name": "configuration key"})}
    attrs = {
        "title": "smasim discover: the judgments under which an outcome happens (PRIM, CART)",
        "exploration": discovery.source,
        "where": discovery.case.text,
        "statistic": discovery.case.label,
        "box": discovery.box,
        "chosen_box": t.chosen,
        "rule": RULE,
        "near_threshold": discovery.near_threshold,
        "near_threshold_sigmas": NEAR,
        "significance": t.significance,
        "peel_alpha": PEEL_ALPHA,
        "paste_alpha": PASTE_ALPHA,
        "mass_min": MASS_MIN,
        "seed": str(discovery.seed),
        "seed_source": discovery.seed_source,
        "noise_score": discovery.scores.noise,
        "cart_depth": discovery.cart.depth,
    }
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


def write_discovery(discovery: Discovery, path: str | Path, *, command: str,
                    overwrite: bool = False) -> Path:
    """Write a discovery to ``path`` through :func:`simcore.io.dataset_file.write_dataset`
    (under a temporary name, renamed when complete), its provenance the command's
    (:func:`simcore.io.provenance.origin_attrs`): the exploration it read is named in the
    ``exploration`` attribute and records its own."""
    return write_dataset(discovery_dataset(discovery), path, kind=KIND,
                         provenance=origin_attrs(command), overwrite=overwrite)


def read_discovery(path: str | Path) -> Discovery:
    """A discovery file, read back into the :class:`Discovery` that wrote it.

    Raises
    ------
    ResultFileError
        Missing, unreadable, or not a smasim discovery file (:func:`read_dataset`'s line
        names what it is and what reads it).
    """
    data = read_dataset(path, kind=KIND)
    bounds = np.vstack([data["input_lower_bound"].values, data["input_upper_bound"].values])
    restricted = data["restricted"].values.astype(bool)
    total = int(data["case"].values.sum())
    chosen = int(data.attrs["chosen_box"])
    trajectory = PrimTrajectory(
        lower=data["box_lower"].values, upper=data["box_upper"].values,
        step=tuple(str(s) for s in data["box_step"].values),
        source=data["box_source"].values.astype(np.int64),
        points=data["box_points"].values.astype(np.int64),
        cases=data["box_cases"].values.astype(np.int64),
        coverage=data["coverage"].values, density=data["density"].values,
        mass=data["mass"].values, restricted=restricted, quasi_p=data["quasi_p"].values,
        significant=data["significant"].values.astype(bool),
        pareto=data["pareto"].values.astype(bool), wracc=data["wracc"].values,
        chosen=chosen, bounds=bounds, n=int(data.sizes["row"]), total_cases=total,
        significance=float(data.attrs["significance"]),
    )
    case = parse_where(str(data.attrs["where"]))
    return Discovery(
        case=case,
        source=str(data.attrs["exploration"]),
        inputs=Inputs(keys=tuple(str(k) for k in data["input"].values), x=data["x"].values,
                      bounds=bounds, point=data["point"].values.astype(np.int64),
                      lever=data["lever"].values.astype(np.int64)),
        statistic=data["statistic"].values, se=data["statistic_se"].values,
        cases=data["case"].values.astype(bool), trajectory=trajectory,
        box=int(data.attrs["box"]),
        stability=PrimStability(
            restriction_frequency=data["restriction_frequency"].values,
            overlap=data["overlap"].values, holdout_coverage=data["holdout_coverage"].values,
            holdout_density=data["holdout_density"].values),
        cart=CartLeaves(
            lower=data["leaf_lower"].values, upper=data["leaf_upper"].values,
            points=data["leaf_points"].values.astype(np.int64),
            cases=data["leaf_cases"].values.astype(np.int64),
            coverage=data["leaf_coverage"].values, density=data["leaf_density"].values,
            mass=data["leaf_mass"].values, predicted=data["leaf_predicted"].values.astype(bool),
            depth=int(data.attrs["cart_depth"])),
        scores=FeatureScores(scores=data["feature_score"].values,
                             noise=float(data.attrs["noise_score"])),
        seed=int(data.attrs["seed"]),
        seed_source=str(data.attrs.get("seed_source", "exploration")),
    )


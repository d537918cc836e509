"""What a result file holds, as data: its schema (dimensions, variables, CF attributes).

:class:`FileLayout` says which variables a file has and how they are stored; the constants name
the file's groups and attributes. Nothing here opens a file, so the read side's pure layers
(:mod:`simcore.read.rows`) and the CLI can import it without h5py or xarray.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from simcore.core.errors import (
    ParameterError,
    literal,
)
from simcore.core.outcomes import (
    BASE_CODES,
    NO_NEGOTIATION,
    NO_NEGOTIATION_MEANING,
    outcome_meaning,
)
from simcore.core.variables import VARIABLES

if TYPE_CHECKING:  # only a type here: the schema loads pydantic
    from simcore.config.schema import Scenario

#: CF version declared in ``Conventions`` (no int64 variables are written).
CF_CONVENTIONS = "CF-1.8"


SUMMARY_GROUP = "summary"


#: Global attribute set last, just before the rename.
COMPLETE_ATTR = "smasim_complete"


#: Global attribute naming a smasim file that is not a run (absent on a run file).
KIND_ATTR = "smasim_kind"


#: The file kinds that are not runs, and what reads each (a run's readers point there).
OTHER_KINDS = {
    "sensitivity": "smasim plot --kind shapley|tornado or smasim report --sensitivity",
    "backtest": "smasim plot --kind coverage or smasim report --backtest",
    "discover": "smasim report --discover",
}


@dataclass(frozen=True)
class FileLayout:
    """Shape and types of a result file.

    Attributes
    ----------
    variables : sequence of str
        Names from :data:`simcore.core.variables.VARIABLES`, in file order.
    samples : int
        Paths per scenario.
    years : ndarray of int
        Calendar years simulated.
    scenarios : sequence of str, optional
        Scenario names; None writes no ``scenario`` dimension (a single run).
    outcome_names : sequence of mapping of int to str
        Per scenario (a single run: one), the code of each negotiation outcome it configures
        (:mod:`simcore.core.outcomes`) and the outcome's name.
    float32 : bool
        Store floating-point variables as float32.
    compress : bool
        zlib compression (much slower to write, barely smaller for random floats).
    summary_only : sequence of str
        Variables the run simulates and summarizes without storing their paths
        (``store=``), in file order; recorded in the :data:`SUMMARY_ONLY_ATTR` attribute.
    scenario_coords : mapping of str to (ndarray, dict)
        Extra coordinates along ``scenario`` (a sweep's swept values): name to values,
        shape (scenarios,), and CF attributes.
    """

    variables: Sequence[str]
    samples: int
    years: np.ndarray
    scenarios: Sequence[str] | None
    outcome_names: Sequence[Mapping[int, str]]
    float32: bool = False
    compress: bool = False
    summary_only: Sequence[str] = ()
    scenario_coords: Mapping[str, tuple[np.ndarray, dict[str, str]]] = field(
        default_factory=dict
    )

    @property
    def simulated(self) -> list[str]:
        """Every variable of the run, stored or summary-only, in file order."""
        return [n for n in VARIABLES if n in self.variables or n in self.summary_only]

    def dims(self, name: str) -> tuple[str, ...]:
        """Dimensions of variable ``name``."""
        lead = ("scenario",) if self.scenarios is not None else ()
        tail = ("sample", "year") if VARIABLES[name].per_year else ("sample",)
        return lead + tail

    def shape(self, name: str) -> tuple[int, ...]:
        """Shape of variable ``name``."""
        sizes = {
            "scenario": len(self.scenarios or ()),
            "sample": self.samples,
            "year": len(self.years),
        }
        return tuple(sizes[d] for d in self.dims(name))

    def dtype(self, name: str) -> np.dtype:
        """Storage type of ``name`` from the variables table; float32 when asked, for
        floating-point variables only."""
        dtype = np.dtype(VARIABLES[name].dtype)
        return np.dtype(np.float32) if self.float32 and dtype.kind == "f" else dtype

    @property
    def outcome_codes(self) -> tuple[int, ...]:
        """The codes the summary counts (its ``outcome`` coordinate): no negotiation, then
        every code a scenario of the file configures, ascending."""
        configured = {code for names in self.outcome_names for code in names}
        return (NO_NEGOTIATION, *sorted(configured))

    def outcome_name_table(self) -> np.ndarray:
        """The name of each of :attr:`outcome_codes` in each scenario (``""``: the scenario
        has no such outcome; ``no_negotiation`` for −1); shape (scenarios, codes)."""
        return np.asarray(
            [[NO_NEGOTIATION_MEANING if code == NO_NEGOTIATION else names.get(code, "")
              for code in self.outcome_codes] for names in self.outcome_names],
            dtype=object,
        )

    def nbytes(self) -> int:
        """Bytes of sample data the file will hold (the summary group is negligible)."""
        return sum(
            int(np.prod(self.shape(name))) * self.dtype(name).itemsize for name in self.variables
        )


def file_layout(
    scenarios: Sequence[Scenario],
    *,
    batch: bool,
    float32: bool = False,
    compress: bool = False,
    store: Sequence[str] | None = None,
    summarize: Sequence[str] | None = None,
) -> FileLayout:
    """The layout of the file a run of ``scenarios`` writes.

    A batch holds the union of the scenarios' variables (``defense_growth`` if any rule
    reads it), and each scenario's outcome codes and names. ``store`` names the variables
    whose paths are written (default: all); the others are summarized only. ``summarize``
    (default: all) names the variables the file has at all, stored or summarized: an
    exploration of many points keeps the few it reports (``negotiation_outcome`` is always
    kept: its counts are the summary's outcome frequencies).

    Raises
    ------
    ParameterError
        ``store`` names a variable the run does not simulate.
    """
    with_defense = any(s.uses_defense_budget for s in scenarios)
    first = scenarios[0]
    simulated = [n for n in VARIABLES if n != "defense_growth" or with_defense]
    if summarize is not None:
        kept = {*summarize, *(store or ()), "negotiation_outcome"}
        simulated = [n for n in simulated if n in kept]
    unknown = [n for n in store or () if n not in simulated]
    if unknown:
        raise ParameterError(
            f"{{store}} {literal(','.join(unknown))}: not a variable of this run; choose from "
            f"{', '.join(simulated)} (or none)"
        )
    return FileLayout(
        variables=[n for n in simulated if store is None or n in store],
        samples=first.run.samples,
        years=first.years,
        scenarios=[s.run.name for s in scenarios] if batch else None,
        outcome_names=[dict(zip(s.outcome_codes, s.outcome_names, strict=True))
                       for s in scenarios],
        float32=float32,
        compress=compress,
        summary_only=[n for n in simulated if store is not None and n not in store],
    )


#: Global attribute listing the variables that have a summary but no paths in the file.
SUMMARY_ONLY_ATTR = "summary_only_variables"


#: Global attribute of a file with summary-only variables: the type their floating-point
#: values were summarized in (``float32`` or ``float64``), which no stored variable may show.
SUMMARY_FLOAT_ATTR = "summary_only_float_type"


def global_attrs(layout: FileLayout, provenance: Mapping[str, Any]) -> dict[str, Any]:
    """A result file's global attributes: its ``provenance``
    (:func:`simcore.io.provenance.provenance_attrs`), then, when some variables are summarized
    without their paths, which ones (:data:`SUMMARY_ONLY_ATTR`) and in which floating-point
    type (:data:`SUMMARY_FLOAT_ATTR`)."""
    attrs = dict(provenance)
    if layout.summary_only:
        attrs[SUMMARY_ONLY_ATTR] = " ".join(layout.summary_only)
        attrs[SUMMARY_FLOAT_ATTR] = "float32" if layout.float32 else "float64"
    return attrs


def flag_attrs(codes: Sequence[int]) -> dict[str, Any]:
    """CF ``flag_values``/``flag_meanings`` of outcome codes, each with its fixed meaning
    (:func:`simcore.core.outcomes.outcome_meaning`)."""
    return {
        "flag_values": np.asarray(codes, dtype=np.int8),
        "flag_meanings": " ".join(outcome_meaning(code) for code in codes),
    }


def _variable_attrs(name: str, layout: FileLayout) -> dict[str, Any]:
    spec = VARIABLES[name]
    attrs: dict[str, Any] = {"units": spec.units, "long_name": spec.long_name}
    if spec.kind == "code":
        # Every kind, configured or not, so that files concatenate with one meaning per
        # code; then the codes of repeated kinds the file has.
        attrs.update(flag_attrs(sorted({*BASE_CODES, *layout.outcome_codes})))
    return attrs


def _coordinates(layout: FileLayout) -> dict[str, Any]:
    coords: dict[str, Any] = {
        "year": ("year", np.asarray(layout.years, dtype=np.int32), {
            "long_name": "calendar year", "units": "1",
        }),
    }
    if layout.scenarios is not None:
        coords["scenario"] = ("scenario", np.asarray(layout.scenarios, dtype=object), {
            "long_name": "scenario name (run.name of its configuration)",
        })
        for name, (values, attrs) in layout.scenario_coords.items():
            coords[name] = ("scenario", values, attrs)
    return coords


def _storage(name: str, layout: FileLayout) -> dict[str, Any]:
    """h5netcdf's ``create_variable`` keywords for variable ``name``'s storage: contiguous,
    or gzip-compressed chunks of a block of samples of one scenario."""
    # No fill value: every sample is written before a file is complete, and a defined fill
    # value would make HDF5 write the whole dataset once more when its storage is allocated.
    storage: dict[str, Any] = {"dtype": layout.dtype(name)}
    if layout.compress:
        storage.update(compression="gzip", compression_opts=4, chunks=tuple(
            min(size, 65536) if dim == "sample" else 1 if dim == "scenario" else size
            for dim, size in zip(layout.dims(name), layout.shape(name), strict=True)
        ))
    return storage


#: Statistics the summary group holds per variable, as ``<name>_<statistic>``.
SUMMARY_STATISTICS = ("mean", "sd", "mcse", "percentile", "percentile_lower", "percentile_upper")


#: HDF5 and netCDF-4 bookkeeping attributes, not CF metadata; and ``_FillValue``, which
#: xarray keeps in the encoding (the summary's fill is NaN, already NaN when read).
_INTERNAL_ATTRS = frozenset(
    {"CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Dimid",
     "_Netcdf4Coordinates", "_nc3_strict", "_FillValue"}
)


@dataclass(frozen=True)
class OutcomeFrequency:
    """How often each negotiation outcome happened, per scenario and year.

    Attributes
    ----------
    codes : ndarray of int8, shape (K,)
        The outcome codes counted: −1 (no negotiation), then the configured ones.
    names : ndarray of str, shape (S, K)
        The name of each code in each scenario; ``""`` where the scenario has no such
        outcome.
    years : ndarray of int
        Calendar years.
    scenarios : list of str, optional
        Scenario names of a batch; None for a single run.
    share : ndarray, shape (S, K, H)
        Share of samples with each outcome (S = 1 for a single run).
    n : int
        Samples per scenario.
    """

    codes: np.ndarray
    names: np.ndarray
    years: np.ndarray
    scenarios: list[str] | None
    share: np.ndarray
    n: int

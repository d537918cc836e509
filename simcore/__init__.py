"""smasim's library: scenario configuration, the vectorized engine, result files, summaries.

Usable from a notebook without the command line::

    import simcore
    baseline = simcore.shipped_scenario("baseline")                # or a path to your own
    scenario = simcore.load_scenario(baseline).with_overrides(samples=10_000)
    paths = simcore.simulate(scenario, seed=1)                 # dict of (sample, year) arrays
    simcore.run_scenarios([scenario], "outputs/baseline.h5")   # the same as `smasim run`
    ds = simcore.simulate_dataset([scenario])                  # its samples in memory, no file
    rows = simcore.summary_rows("outputs/baseline.h5")         # what `smasim summary` shows

The code lives in layered subpackages (docs/architecture.md): ``core`` < ``stats`` <
``config`` < ``model`` · ``io`` · ``evidence`` < ``run`` · ``read`` < ``analysis`` <
``report``. The names below are the notebook workflow; each subpackage offers the rest.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

#: Public names and the modules that define them, imported on first use: importing one
#: submodule (as each command does) must not import the engine, xarray and dask with it.
_EXPORTS = {
    "Scenario": "simcore.config.schema",
    "load_scenario": "simcore.config.load",
    "shipped_scenario": "simcore.config.shipped",
    "shipped_scenarios": "simcore.config.shipped",
    "parse_scenario": "simcore.config.load",
    "scenario_from_dict": "simcore.config.schema",
    "check_batch": "simcore.config.load",
    "apply_overrides": "simcore.config.overrides",
    "resolve_params": "simcore.model.params",
    "ModelParams": "simcore.model.params",
    "draw_block": "simcore.model.sampling",
    "BlockDraws": "simcore.model.sampling",
    "simulate_paths": "simcore.model.engine",
    "simulate_block": "simcore.model.engine",
    "simulate": "simcore.model.engine",
    "run_scenarios": "simcore.run.runner",
    "StorageOptions": "simcore.run.runner",
    "RunResult": "simcore.run.runner",
    "simulate_dataset": "simcore.run.in_memory",
    "rerun": "simcore.run.rerun",
    "open_executor": "simcore.run.parallel",
    "file_info": "simcore.io.provenance",
    "FileInfo": "simcore.io.provenance",
    "read_summary": "simcore.io.reader",
    "read_samples": "simcore.io.reader",
    "select": "simcore.read.select",
    "Selection": "simcore.read.select",
    "summary_rows": "simcore.read.queries",
    "comparison_rows": "simcore.read.queries",
    "outcome_rows": "simcore.read.queries",
    "headline_rows": "simcore.read.queries",
    "exact_percentiles": "simcore.stats.quantiles",
    "paired_difference": "simcore.stats.compare",
    "allocate_budget": "simcore.stats.budget",
    "analyse_sensitivity": "simcore.analysis.sensitivity",
    "plan_sweep": "simcore.analysis.sweep",
    "plan_exploration": "simcore.analysis.explore",
    "run_exploration": "simcore.analysis.explore",
    "discover": "simcore.analysis.discover",
    "robust": "simcore.analysis.robust",
    "reweight": "simcore.analysis.reweight",
    "reweighted_rows": "simcore.analysis.reweight",
    "read_elicitation": "simcore.evidence.elicitation",
    "pool_judgments": "simcore.evidence.elicitation",
    "backtest_drivers": "simcore.analysis.backtest",
    "build_report": "simcore.report.html.report",
    "SmasimInputError": "simcore.core.errors",
    "ConfigError": "simcore.core.errors",
    "ResultFileError": "simcore.core.errors",
    "ParameterError": "simcore.core.errors",
}
#: Hard-coded so that type checkers see the public names (as xarray's __init__ does).
__all__ = [
    "BlockDraws", "ConfigError", "FileInfo", "ModelParams", "ParameterError", "ResultFileError",
    "RunResult", "Scenario", "Selection", "SmasimInputError", "StorageOptions", "allocate_budget",
    "analyse_sensitivity", "apply_overrides", "backtest_drivers", "build_report", "check_batch",
    "comparison_rows", "discover", "draw_block", "exact_percentiles", "file_info",
    "headline_rows", "load_scenario", "open_executor", "outcome_rows", "paired_difference",
    "parse_scenario", "plan_exploration", "plan_sweep", "pool_judgments", "read_elicitation",
    "read_samples", "read_summary", "rerun", "resolve_params", "reweight", "reweighted_rows",
    "robust", "run_exploration", "run_scenarios", "scenario_from_dict",
    "select", "shipped_scenario", "shipped_scenarios", "simulate", "simulate_block",
    "simulate_dataset", "simulate_paths", "summary_rows",
]

if TYPE_CHECKING:  # the same names, for type checkers and IDEs
    from importlib.abc import Loader

    from simcore.analysis.backtest import backtest_drivers
    from simcore.analysis.discover import discover
    from simcore.analysis.explore import plan_exploration, run_exploration
    from simcore.analysis.reweight import reweight, reweighted_rows
    from simcore.analysis.robust import robust
    from simcore.analysis.sensitivity import analyse_sensitivity
    from simcore.analysis.sweep import plan_sweep
    from simcore.config.load import check_batch, load_scenario, parse_scenario
    from simcore.config.overrides import apply_overrides
    from simcore.config.schema import Scenario, scenario_from_dict
    from simcore.config.shipped import shipped_scenario, shipped_scenarios
    from simcore.core.errors import ConfigError, ParameterError, ResultFileError, SmasimInputError
    from simcore.evidence.elicitation import pool_judgments, read_elicitation
    from simcore.io.provenance import FileInfo, file_info
    from simcore.io.reader import read_samples, read_summary
    from simcore.model.engine import simulate, simulate_block, simulate_paths
    from simcore.model.params import ModelParams, resolve_params
    from simcore.model.sampling import BlockDraws, draw_block
    from simcore.read.queries import comparison_rows, headline_rows, outcome_rows, summary_rows
    from simcore.read.select import Selection, select
    from simcore.report.html.report import build_report
    from simcore.run.in_memory import simulate_dataset
    from simcore.run.parallel import open_executor
    from simcore.run.rerun import rerun
    from simcore.run.runner import RunResult, StorageOptions, run_scenarios
    from simcore.stats.budget import allocate_budget
    from simcore.stats.compare import paired_difference
    from simcore.stats.quantiles import exact_percentiles

    #: The installed distribution's version (PEP 440), as pyproject.toml states it.
    __version__: str


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simcore' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return __all__


def _version() -> str:
    """The version of the installed distribution ``smasim`` (pyproject.toml's, the one place
    it is written); ``0+unknown`` when simcore runs without being installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("smasim")
    except PackageNotFoundError:
        return "0+unknown"


#: Module paths of 0.1 and where their names are now (removed in 0.3.0): importing an old
#: path gives a module that finds each name in the new ones, with a FutureWarning.
MOVED_MODULES: dict[str, tuple[str, ...]] = {
    "simcore.errors": ("simcore.core.errors",),
    "simcore.types": ("simcore.core.types",),
    "simcore.variables": ("simcore.core.variables",),
    "simcore.moments": ("simcore.stats.moments",),
    "simcore.quantiles": ("simcore.stats.quantiles",),
    "simcore.summary": ("simcore.stats.summary",),
    "simcore.convergence": ("simcore.stats.convergence",),
    "simcore.compare": ("simcore.stats.compare",),
    "simcore.budget": ("simcore.stats.budget",),
    "simcore.rank_correlation": ("simcore.stats.rank_correlation",),
    "simcore.shapley": ("simcore.stats.shapley",),
    "simcore.nearcorr": ("simcore.stats.nearcorr",),
    "simcore.overrides": ("simcore.config.overrides",),
    "simcore.params": ("simcore.model.params",),
    "simcore.sampling": ("simcore.model.sampling", "simcore.core.design"),
    "simcore.shocks": ("simcore.model.shocks", "simcore.stats.linalg"),
    "simcore.drivers": ("simcore.model.drivers",),
    "simcore.agreement": ("simcore.model.agreement",),
    "simcore.costs": ("simcore.model.costs",),
    "simcore.engine": ("simcore.model.engine",),
    "simcore.history": ("simcore.evidence.history",),
    "simcore.calibrate": ("simcore.evidence.calibrate",),
    "simcore.calibrated_scenario": ("simcore.evidence.calibrated_scenario",),
    "simcore.store": (
        "simcore.io.layout",
        "simcore.io.partial",
        "simcore.io.writer",
        "simcore.io.reader",
        "simcore.io.summary_group",
        "simcore.core.text",
    ),
    "simcore.direct_io": ("simcore.io.direct_io",),
    "simcore.provenance": ("simcore.io.provenance", "simcore.run.rerun", "simcore.core.design"),
    "simcore.output": ("simcore.io.atomic",),
    "simcore.runner": ("simcore.run.runner",),
    "simcore.parallel": ("simcore.run.parallel", "simcore.core.system"),
    "simcore.memory": ("simcore.run.process",),
    "simcore.select": ("simcore.read.select", "simcore.read.choices"),
    "simcore.rows": ("simcore.read.rows", "simcore.core.records"),
    "simcore.sensitivity": ("simcore.analysis.sensitivity", "simcore.report.sensitivity"),
    "simcore.sensitivity_file": (
        "simcore.analysis.sensitivity_file",
        "simcore.report.sensitivity_panels",
    ),
    "simcore.backtest": ("simcore.analysis.backtest",),
    "simcore.sweep": ("simcore.analysis.sweep",),
    "simcore.render": ("simcore.report.render", "simcore.report.formats"),
    "simcore.figures": ("simcore.report.panels",),
    "simcore.plots": ("simcore.report.plots", "simcore.report.figure"),
    "simcore.budget_plot": ("simcore.report.budget_plot", "simcore.report.figure"),
    "simcore.sensitivity_plots": ("simcore.report.sensitivity_plots", "simcore.report.figure"),
    "simcore.evidence_plots": ("simcore.report.evidence_plots", "simcore.report.figure"),
    "simcore.budget_report": ("simcore.report.budget",),
    "simcore.report_attachments": (
        "simcore.report.attachments",
        "simcore.report.backtest",
        "simcore.analysis.backtest",
        "simcore.stats.shapley",
    ),
    "simcore.scenario_notes": ("simcore.report.scenario_notes",),
    "simcore.html_document": ("simcore.report.html.document",),
    "simcore.html_report": ("simcore.report.html.report", "simcore.report.figure"),
}


class _MovedModule(ModuleType):
    """An old module path: each attribute is looked up in the modules that now hold it."""

    def __init__(self, name: str, homes: tuple[str, ...]) -> None:
        super().__init__(name, f"Moved to {', '.join(homes)} (docs/architecture.md).")
        self._homes = homes

    def __getattr__(self, attr: str) -> Any:
        for home in self._homes:
            module = importlib.import_module(home)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")


class _MovedModuleFinder:
    """Finds the old module paths of :data:`MOVED_MODULES` (dask pickles and notebooks): a
    meta path finder and loader (importlib.abc is not imported: it costs a third of
    ``import simcore``)."""

    def find_spec(self, fullname: str, path: object, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, cast("Loader", self))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        homes = MOVED_MODULES[spec.name]
        warnings.warn(
            f"{spec.name} has moved to {' and '.join(homes)}; the old path goes in smasim "
            "0.3.0 (CHANGELOG.md)", FutureWarning, stacklevel=2,
        )
        return _MovedModule(spec.name, homes)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the names are looked up on use."""


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())

"""smasim's library: scenario configuration, the vectorized engine, result files, summaries.

Usable from a notebook without the command line::

    from simcore import load_scenario, simulate, run_scenarios
    scenario = load_scenario("configs/baseline.toml").with_overrides(samples=10_000)
    paths = simulate(scenario, seed=1)                 # dict of (sample, year) arrays
    run_scenarios([scenario], "outputs/baseline.h5")   # the same as `smasim run`
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public names and the modules that define them, imported on first use: importing one
#: submodule (as each command does) must not import the engine, xarray and dask with it.
_EXPORTS = {
    "Scenario": "simcore.config",
    "load_scenario": "simcore.config",
    "parse_scenario": "simcore.config",
    "scenario_from_dict": "simcore.config",
    "simulate": "simcore.engine",
    "simulate_block": "simcore.engine",
    "RunResult": "simcore.runner",
    "run_scenarios": "simcore.runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simcore' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)

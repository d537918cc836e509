"""Shared fixtures: the baseline configuration as a mapping, and scenario factories."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simcore.config.schema import Scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.toml"
#: The 0.2 baseline, every driver parameter a number: what the model tests change key by key
#: (``make_scenario``), and what proves that such a configuration keeps its bits.
SCALAR_BASELINE = Path(__file__).resolve().parent / "configs" / "baseline-0.2.toml"


#: Tables that a change replaces whole instead of merging into (a rule is one value).
REPLACED_TABLES = {"escalation", "amounts_krw"}


def deep_update(target: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into ``target``; a value of None deletes the key."""
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        elif (
            isinstance(value, dict)
            and isinstance(target.get(key), dict)
            and key not in REPLACED_TABLES
        ):
            deep_update(target[key], value)
        else:
            target[key] = value
    return target


@pytest.fixture
def baseline_dict() -> dict[str, Any]:
    """The 0.2 baseline (:data:`SCALAR_BASELINE`) parsed, fresh for each test."""
    return tomllib.loads(SCALAR_BASELINE.read_text())


@pytest.fixture
def make_scenario(baseline_dict: dict[str, Any]) -> Callable[..., Scenario]:
    """Build a scenario from the baseline with nested changes (None deletes a key)."""

    def build(changes: dict[str, Any] | None = None) -> Scenario:
        data = deep_update(copy.deepcopy(baseline_dict), changes or {})
        return scenario_from_dict(data, source="test")

    return build


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator for tests that need their own random numbers."""
    return np.random.default_rng(20261128)


#: A scenario without randomness: zero volatilities, one troop level, a status-quo renewal.
DETERMINISTIC: dict[str, Any] = {
    "run": {"horizon": 3, "samples": 64},
    "inflation": {"kr": {"volatility": 0.0}, "us": {"volatility": 0.0}},
    "fx": {"anchor": 1300.0, "volatility": 0.0},
    "defense": {"volatility": 0.0},
    "troops": {"levels": [28500], "initial": 28500, "transition": [[1.0]]},
    "agreement": {"last_year": 2027, "reopen_probability": 0.0},
    "negotiation": {"outcomes": [{"kind": "status_quo", "probability": 1.0, "term": 5}]},
}


def result_file(
    folder: Path, names: list[str], *, samples: int, seed: int, batch: bool = True
) -> Path:
    """A result file of shipped configs (``names`` without .toml), with samples and seed set."""
    from simcore.config.load import load_scenario
    from simcore.run.runner import run_scenarios

    scenarios = [
        load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(samples=samples, seed=seed)
        for name in names
    ]
    return run_scenarios(scenarios, folder / f"{'-'.join(names)}.h5", batch=batch).path


@pytest.fixture(scope="session")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A cheap sensitivity analysis of the baseline's KRW contribution (its 2026 amount is
    known) and its file; too cheap for SE <= 0.01, which is the warning it gives."""
    from simcore.analysis.sensitivity import analyse_sensitivity
    from simcore.analysis.sensitivity_file import write_sensitivity
    from simcore.config.load import load_scenario
    from simcore.stats.shapley import ShapleyPrecisionWarning

    with pytest.warns(ShapleyPrecisionWarning):
        result = analyse_sensitivity(load_scenario(BASELINE), seed=3, outer=2_048,
                                     variables=["contribution_krw"], tornado_samples=1_000)
    path = tmp_path_factory.mktemp("sensitivity") / "s.nc"
    return result, write_sensitivity(result, path, command="test")

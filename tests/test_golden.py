"""Every stored variable of every shipped config is byte-identical to what was pinned.

The checksums in ``tests/golden/`` were re-pinned when the arithmetic became the same on
every machine (no BLAS, no SIMD-dependent exp or log: docs/model-notes.md), when the
calibrated configs were rounded to stated digits, and when the shipped configs moved to the
drivers of MODEL.md §2/§2a/§4 (inflation as trend plus gap, parameter draws, a random-walk
exchange rate). They hold on any CPU, BLAS kernel and thread count. A restructuring that
changes a single bit of any output fails here. ``baseline-0.2`` and the variants run the 0.2
baseline (tests/configs/baseline-0.2.toml, every driver parameter a number) and keep the
digests it had before those drivers existed: a scalar configuration gives the same bits.
Regenerate them only for a change that is meant to move the numbers, and say so in its
commit.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from simcore.config.load import load_scenario
from simcore.config.schema import scenario_from_dict
from simcore.model.engine import simulate
from tests.conftest import ROOT, SCALAR_BASELINE, result_file

GOLDEN = Path(__file__).parent / "golden"
ENGINE = json.loads((GOLDEN / "engine_sha256.json").read_text())
BATCH_FILE = json.loads((GOLDEN / "batch_file_sha256.json").read_text())
SAMPLES, SEED = 70_000, 7  # two blocks, the second one short

#: Variants of the 0.2 baseline that reach the samplers, tails and rules no shipped config uses
#: (``baseline-0.2`` is that baseline itself).
VARIANTS: dict[str, dict[str, Any]] = {
    "baseline-0.2": {},
    "baseline-sobol": {"run": {"sampler": "sobol"}},
    "baseline-lhs": {"run": {"sampler": "lhs"}},
    "baseline-student_t": {"shocks": {"distribution": "student_t", "dof": 5}},
    "baseline-defense-rule": {"agreement": {"escalation": {"rule": "defense_budget", "lag": 1}}},
    "baseline-usd_cpi": {"agreement": {"escalation": {"rule": "usd_cpi"}}},
    "baseline-reopen": {"agreement": {"reopen_probability": 0.3}},
}


def _sha256(array: np.ndarray) -> str:
    if array.dtype.kind == "O":  # variable-length strings: their text, not their pointers
        return hashlib.sha256("\n".join(map(str, array.ravel())).encode()).hexdigest()
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _digests(values: dict[str, np.ndarray]) -> dict[str, str]:
    return {name: _sha256(array) for name, array in values.items()}


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "configs").glob("*.toml")
                                        if p.stem in ENGINE))
def test_shipped_config_outputs_are_unchanged(name: str) -> None:
    scenario = load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(
        samples=SAMPLES, seed=SEED
    )
    assert _digests(simulate(scenario, seed=SEED)) == ENGINE[name]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_sampler_tail_and_rule_variants_are_unchanged(name: str) -> None:
    data = tomllib.loads(SCALAR_BASELINE.read_text())
    for section, change in VARIANTS[name].items():
        data[section] = {**copy.deepcopy(data[section]), **change}
    data["run"]["samples"] = SAMPLES
    scenario = scenario_from_dict(data, source=name)
    assert _digests(simulate(scenario, seed=SEED)) == ENGINE[name]


def test_batch_file_of_shipped_configs_is_unchanged(tmp_path: Path) -> None:
    """Every dataset of the file, the summary group included, bit for bit."""
    path = result_file(
        tmp_path, ["baseline", "drawdown", "lapse", "us-demand-2027"], samples=SAMPLES, seed=SEED
    )
    found: dict[str, str] = {}

    def visit(name: str, item: object) -> None:
        if isinstance(item, h5py.Dataset):
            values = item.asstr()[()] if item.dtype.kind == "O" else item[()]
            found[name] = _sha256(np.asarray(values))

    with h5py.File(path) as handle:
        handle.visititems(visit)
    assert found == BATCH_FILE

"""The four steps of a run: plan (no file), simulate into the file, summarize, commit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.variables import SUMMARIZED
from simcore.io.provenance import provenance_attrs
from simcore.io.reader import read_samples, read_summary
from simcore.io.writer import ResultWriter
from simcore.model.engine import simulate, simulate_block
from simcore.model.params import ModelParams, resolve_params
from simcore.run.runner import (
    chunk_blocks,
    commit_run,
    plan_run,
    run_scenarios,
    simulate_into,
    stored_block,
    summarize_run,
)
from simcore.stats.moments import Moments
from tests.conftest import BASELINE, ROOT

Factory = Callable[..., Scenario]


def test_the_plan_is_decided_without_any_file(make_scenario: Factory, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    a = make_scenario({"run": {"samples": 2 * BLOCK_SIZE + 5, "seed": 7}})
    b = make_scenario({"run": {"name": "b", "samples": 2 * BLOCK_SIZE + 5, "seed": 7}})
    plan = plan_run([a, b], batch=True, chunk_size=2 * BLOCK_SIZE)
    assert list(tmp_path.iterdir()) == []
    assert (plan.seed, plan.seed_source) == (7, "config")
    assert plan.chunks == (range(0, 2), range(2, 3))
    assert plan.layout.scenarios == ["baseline", "b"]
    tasks = plan.tasks()
    assert [(t.file_scenario, t.blocks) for t in tasks] == [
        (0, range(0, 2)), (0, range(2, 3)), (1, range(0, 2)), (1, range(2, 3))
    ]
    assert all(t.seed == 7 and t.target is None for t in tasks)
    # An explicit seed wins over the configuration's and leaves the scenarios as validated.
    given = plan_run([a], seed=2**100, seed_source="rerun of x.h5")
    assert (given.seed, given.seed_source) == (2**100, "rerun of x.h5")
    assert given.scenarios[0] is a and a.run.seed == 7
    assert plan_run([a], seed=0).seed_source == "argument"


def test_an_unseeded_plan_draws_entropy_outside_the_scenario(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"seed": None}})
    first, second = plan_run([scenario]), plan_run([scenario])
    assert first.seed_source == "entropy" and first.seed != second.seed
    assert first.seed >= 0 and scenario.run.seed is None


def test_chunks_round_up_to_whole_blocks() -> None:
    assert chunk_blocks(3 * BLOCK_SIZE, 1) == [range(0, 1), range(1, 2), range(2, 3)]
    assert chunk_blocks(3 * BLOCK_SIZE, BLOCK_SIZE + 1) == [range(0, 2), range(2, 3)]
    with pytest.raises(ValueError, match="chunk_size must be at least 1 sample"):
        chunk_blocks(10, 0)


def test_the_steps_compose_to_what_run_scenarios_writes(make_scenario: Factory,
                                                        tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": 1500, "seed": 3}})
    plan = plan_run([scenario])
    attrs = provenance_attrs([scenario], seed=plan.seed, seed_source=plan.seed_source,
                             command="test")
    with ResultWriter(tmp_path / "steps.h5", plan.layout, attrs) as writer:
        reductions = simulate_into(plan, writer)
        moments = [reduction.moments for reduction in reductions]
        writer.release()
        # simulate: the file holds the engine's paths; the moments are theirs.
        paths = simulate(scenario, seed=3)
        stored = read_samples(writer.temp, "contribution_usd", complete=False)
        np.testing.assert_array_equal(stored, paths["contribution_usd"])
        assert set(moments[0]) == {n for n in SUMMARIZED if n in plan.layout.variables}
        expected = Moments.of(paths["contribution_usd"])
        np.testing.assert_allclose(moments[0]["contribution_usd"].mean, expected.mean,
                                   rtol=1e-12)
        assert moments[0]["contribution_usd"].count == 1500
        # summarize: from the file and the moments, before the file is complete.
        summary = summarize_run(plan, writer.temp, reductions)
        np.testing.assert_allclose(summary["contribution_usd_mean"].values,
                                   paths["contribution_usd"].mean(axis=0), rtol=1e-12)
        result = commit_run(plan, writer, summary)
    assert result.path == tmp_path / "steps.h5" and not writer.temp.exists()
    assert (result.seed, result.samples, result.scenarios) == (3, 1500, ["baseline"])
    composed = run_scenarios([scenario], tmp_path / "composed.h5")
    ours, theirs = read_summary(result.path), read_summary(composed.path)
    for name in ours.data_vars:
        np.testing.assert_array_equal(ours[name].values, theirs[name].values)


def test_parameters_are_resolved_once_per_scenario_and_shared_by_every_block(
    make_scenario: Factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simcore.run.runner as runner_module

    calls: list[str] = []

    def counted(scenario: Scenario, **options: bool) -> ModelParams:
        calls.append(scenario.run.name)
        return resolve_params(scenario, **options)

    monkeypatch.setattr(runner_module, "resolve_params", counted)
    a = make_scenario({"run": {"samples": 2 * BLOCK_SIZE + 5, "seed": 7}})
    b = make_scenario({"run": {"name": "b", "samples": 2 * BLOCK_SIZE + 5, "seed": 7}})
    plan = plan_run([a, b], batch=True, chunk_size=1)
    assert calls == ["baseline", "b"]
    tasks = plan.tasks()
    assert len(tasks) == 6
    assert all(task.params is plan.params[task.file_scenario or 0] for task in tasks)
    # Each block from the shared parameters is the block the scenario alone gives.
    np.testing.assert_array_equal(
        stored_block(tasks[4], 2)["contribution_usd"],
        simulate_block(b, 2, seed=7)["contribution_usd"],
    )
    calls.clear()
    run_scenarios([a, b], tmp_path / "ab.h5", batch=True, chunk_size=1)
    assert calls == ["baseline", "b"]  # not once per block (3 per scenario)


@pytest.mark.parametrize("command", ["info", "validate"])
def test_info_and_validate_do_not_import_the_engine(tmp_path: Path, command: str) -> None:
    target = BASELINE
    if command == "info":
        target = run_scenarios(
            [load_scenario(BASELINE).with_overrides(samples=100, seed=1)],
            tmp_path / "small.h5",
        ).path
    script = (
        "import json, sys\n"
        "from simcore.cli.main import cli\n"
        f"try:\n    cli.main([{command!r}, {str(target)!r}], standalone_mode=False)\n"
        "finally:\n"
        "    print(json.dumps(sorted(m for m in sys.modules if m.startswith(('simcore', 'dask')))))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "simcore.config.schema" in loaded  # the probe sees simcore modules at all
    assert not loaded & {"simcore.model.engine", "simcore.run.runner", "simcore.model.agreement",
                         "dask"}

"""`--store`: paths kept for some variables only, every variable's summary still exact.

The summary group of a run that stores no paths, or only some, equals bit for bit the summary
group of the same run storing everything; readers name the option when asked for paths that
the file does not have.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

import simcore.run.runner as runner_mod
from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import ParameterError, PathsNotStoredError
from simcore.core.variables import VARIABLES
from simcore.io.provenance import file_info
from simcore.io.reader import read_samples
from simcore.run.runner import StorageOptions, run_scenarios
from tests.conftest import ROOT

#: Five blocks: the brackets are narrowed after the fourth (the last block uses the new ones).
N = 4 * BLOCK_SIZE + 1_001


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return [
        load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(samples=N, seed=11)
        for name in ("baseline", "drawdown")
    ]


def summary_group(path: Path) -> dict[str, bytes]:
    """Every dataset of the summary group, as raw bytes (strings as their text)."""
    with h5py.File(path, "r") as handle:
        group = handle["summary"]
        return {
            name: repr(data.asstr()[()].tolist()).encode()
            if h5py.check_string_dtype(data.dtype) is not None
            else data[()].tobytes()
            for name, data in group.items()
        }


@pytest.fixture(scope="module")
def everything(scenarios: list[Scenario], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_scenarios(scenarios, tmp_path_factory.mktemp("all") / "all.h5", batch=True).path


@pytest.mark.slow
@pytest.mark.parametrize("store", [["contribution_usd"], []], ids=["one-variable", "none"])
def test_the_summary_of_a_store_run_equals_the_summary_of_a_full_run(
    scenarios: list[Scenario], everything: Path, tmp_path: Path, store: list[str]
) -> None:
    path = run_scenarios(scenarios, tmp_path / "some.h5", batch=True,
                         storage=StorageOptions(store=store)).path
    expected, got = summary_group(everything), summary_group(path)
    assert got.keys() == expected.keys()
    assert len(got) > 80  # six statistics of 15 variables, outcome frequencies, coordinates
    assert [name for name in expected if got[name] != expected[name]] == []
    with h5py.File(path, "r") as handle:
        assert [name for name in handle if name in VARIABLES] == store
    if store:
        np.testing.assert_array_equal(read_samples(path, "contribution_usd", scenario=1),
                                      read_samples(everything, "contribution_usd", scenario=1))
    assert path.stat().st_size < 0.1 * everything.stat().st_size


@pytest.mark.slow
def test_a_misplaced_bracket_of_a_variable_without_paths_is_simulated_again(
    scenarios: list[Scenario], everything: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Brackets placed by a pilot unlike the data (its values sorted, the first 100 kept)
    miss nearly every percentile: each variable is then summarized from all its values,
    read back if stored, simulated again if not; the summary is still exact."""
    plan_summary = runner_mod.plan_summary

    def misplaced(pilot: np.ndarray, n: int, percentiles: list[float]) -> object:
        return plan_summary(np.sort(pilot, axis=0)[:100], n, percentiles)

    again: list[str] = []
    simulate_again = runner_mod.simulate_again

    def counted(plan: object, index: int, name: str) -> np.ndarray:
        again.append(name)
        return simulate_again(plan, index, name)

    monkeypatch.setattr(runner_mod, "plan_summary", misplaced)
    monkeypatch.setattr(runner_mod, "simulate_again", counted)
    path = run_scenarios(scenarios, tmp_path / "misplaced.h5", batch=True,
                         storage=StorageOptions(store=["rok_share"])).path
    assert "contribution_usd" in again and "rok_share" not in again
    expected, got = summary_group(everything), summary_group(path)
    assert [name for name in expected if got[name] != expected[name]] == []


def test_paths_a_file_does_not_have_are_one_line_naming_the_option(tmp_path: Path) -> None:
    scenario = load_scenario(ROOT / "configs" / "baseline.toml").with_overrides(
        samples=2_000, seed=3)
    path = run_scenarios([scenario], tmp_path / "usd.h5",
                         storage=StorageOptions(store=["contribution_usd"])).path
    with pytest.raises(PathsNotStoredError, match=(
        r"usd\.h5: troops has a summary but no paths in this file \(its run stored the paths "
        r"of contribution_usd\); run it with store troops to keep them"
    )):
        read_samples(path, "troops")
    cli_runner = CliRunner()
    for command in (["summary", str(path), "--var", "troops", "--percentiles", "80"],
                    ["plot", str(path), "--kind", "cdf", "--var", "troops", "-o",
                     str(tmp_path / "x.png")]):
        result = cli_runner.invoke(cli, command)
        assert result.exit_code == 2, result.output
        assert result.output.endswith(
            "troops has a summary but no paths in this file (its run stored the paths of "
            "contribution_usd); run it with --store troops to keep them\n"
        )
    # The stored summary of a variable without paths is there to read.
    table = cli_runner.invoke(cli, ["summary", str(path), "--var", "troops", "--format", "csv"])
    assert table.exit_code == 0, table.output
    info = file_info(path)
    assert info.store == ["contribution_usd"]
    assert "troops" in info.summary_only and "contribution_usd" not in info.summary_only
    text = cli_runner.invoke(cli, ["info", str(path)]).output
    assert "summary only (no paths: the run used --store)" in text
    again = cli_runner.invoke(cli, ["rerun", str(path), "-o", str(tmp_path / "again.h5"), "-q"])
    assert again.exit_code == 0, again.output
    assert file_info(tmp_path / "again.h5").store == ["contribution_usd"]
    assert summary_group(tmp_path / "again.h5") == summary_group(path)


def test_store_names_variables_of_the_run(tmp_path: Path) -> None:
    scenario = load_scenario(ROOT / "configs" / "baseline.toml").with_overrides(samples=100)
    with pytest.raises(ParameterError, match=r"^store troop: not a variable of this run; "
                                             r"choose from inflation_kr, "):
        run_scenarios([scenario], tmp_path / "x.h5",
                      storage=StorageOptions(store=["troop"]))
    result = CliRunner().invoke(cli, ["run", str(ROOT / "configs" / "baseline.toml"),
                                      "--samples", "100", "-o", str(tmp_path / "x.h5"),
                                      "--store", "contribution_usd,troop"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: --store troop: not a variable of this run")
    assert list(tmp_path.iterdir()) == []
    none = CliRunner().invoke(cli, ["run", str(ROOT / "configs" / "baseline.toml"),
                                    "--samples", "100", "-o", str(tmp_path / "none.h5"),
                                    "--store", "none", "-q"])
    assert none.exit_code == 0, none.output
    assert file_info(tmp_path / "none.h5").store == []


def test_a_rerun_of_a_float32_run_without_paths_is_float32(tmp_path: Path) -> None:
    """With --store none no variable shows the storage type; the file records it, so the
    rerun's summary (of float32 values) is the original's, bit for bit."""
    config = str(ROOT / "configs" / "baseline.toml")
    path = tmp_path / "none.h5"
    cli_runner = CliRunner()
    first = cli_runner.invoke(cli, ["run", config, "--samples", "3000", "-o", str(path),
                                    "--store", "none", "--float32", "-q"])
    assert first.exit_code == 0, first.output
    assert file_info(path).float32
    again = cli_runner.invoke(cli, ["rerun", str(path), "-o", str(tmp_path / "again.h5"), "-q"])
    assert again.exit_code == 0, again.output
    assert file_info(tmp_path / "again.h5").float32
    assert summary_group(tmp_path / "again.h5") == summary_group(path)
    # Not the float64 summary: the type matters to the last bits.
    wide = cli_runner.invoke(cli, ["run", config, "--samples", "3000", "-o",
                                   str(tmp_path / "wide.h5"), "--store", "none", "-q"])
    assert wide.exit_code == 0, wide.output
    assert not file_info(tmp_path / "wide.h5").float32
    assert summary_group(tmp_path / "wide.h5") != summary_group(path)

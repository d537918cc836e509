"""`smasim init`, and a shipped scenario by name in every command that reads one, from a
folder that holds no configuration (the wheel test does the same from an installed wheel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from simcore.cli.main import cli

from simcore.config.shipped import shipped_files, shipped_scenario, shipped_scenarios
from simcore.io.provenance import file_info
from tests.conftest import ROOT


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def smasim(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_init_writes_the_shipped_scenarios_and_says_what_next(empty: Path) -> None:
    result = smasim("init")
    assert result.exit_code == 0, result.output
    names = shipped_files()  # the scenarios and the elicitation file
    assert "elicitation/workshop" in names
    assert result.stdout.splitlines() == [
        f"Wrote {len(names)} files to configs:",
        *(f"  configs/{name}.toml" for name in names),
        "Next: smasim run configs/baseline.toml   # simulate one scenario into "
        "outputs/baseline.h5",
        "      smasim summary outputs/baseline.h5",
        "      smasim batch configs/*.toml   # every scenario, sharing random numbers, into "
        "outputs/batch.h5",
    ]
    for name in names:  # comments and all
        assert ((empty / "configs" / f"{name}.toml").read_bytes()
                == (ROOT / "configs" / f"{name}.toml").read_bytes())
    assert smasim("validate", *(str(p) for p in (empty / "configs").glob("*.toml"))
                  ).exit_code == 0


def test_init_refuses_to_overwrite_unless_asked(empty: Path) -> None:
    folder = empty / "my scenarios"
    assert smasim("init", str(folder)).exit_code == 0
    mine = folder / "drawdown.toml"
    mine.write_text("# my edit\n")
    refused = smasim("init", str(folder))
    assert refused.exit_code == 2
    assert refused.output == (f"Error: {folder / 'baseline.toml'}: exists (and 8 more of the 9 "
                              "copies); pass --overwrite to replace the copies, or choose "
                              "another folder\n")
    assert mine.read_text() == "# my edit\n"
    replaced = smasim("init", str(folder), "--overwrite")
    assert replaced.exit_code == 0
    assert f"smasim run '{folder / 'baseline.toml'}'" in replaced.stdout  # quoted for a shell
    assert mine.read_bytes() == (ROOT / "configs" / "drawdown.toml").read_bytes()


def _note(name: str) -> str:
    return (f"Note: no file {name} here; using the shipped scenario {shipped_scenario(name)} "
            "(smasim init copies them into a folder to edit)\n")


def test_a_bare_name_runs_the_shipped_scenario_and_says_so(empty: Path) -> None:
    result = smasim("batch", "baseline", "lapse.toml", "--samples", "1000", "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr == _note("baseline") + _note("lapse.toml")
    info = file_info(empty / "outputs" / "batch.h5")  # outputs/ made where it was missing
    assert info.scenarios == ["baseline", "lapse"]
    assert info.comments()["lapse"].startswith("Lapse: what happens if no successor agreement")
    validated = smasim("validate", "variants/calibrated-1996")
    assert validated.exit_code == 0
    assert validated.stderr == _note("variants/calibrated-1996")
    assert validated.stdout.startswith(f"ok {shipped_scenario('variants/calibrated-1996')}: ")


@pytest.mark.parametrize("command", [
    ["run", "CONFIG", "--set", "fx.volatility=-1"],
    ["sweep", "CONFIG", "--set", "fx.volatility=-1,0.1"],
    ["sensitivity", "CONFIG", "--set", "fx.volatility=-1"],
])
def test_every_command_that_reads_a_config_takes_a_shipped_name(
    empty: Path, command: list[str]
) -> None:
    # The shipped file is found and read: its validation then blames the assignment.
    result = smasim(*(word.replace("CONFIG", "drawdown") for word in command))
    assert result.exit_code == 2
    assert result.stderr.startswith(_note("drawdown") + "Error: ")
    assert "fx.volatility" in result.stderr
    unknown = smasim(*(word.replace("CONFIG", "drawdwn") for word in command))
    assert unknown.exit_code == 2
    assert unknown.output == ("Error: drawdwn: no such file, nor a shipped scenario; did you "
                              f"mean 'drawdown'? (shipped scenarios: "
                              f"{', '.join(shipped_scenarios())})\n")
    assert list(empty.iterdir()) == []


def test_calibrate_uses_the_shipped_baseline_in_any_folder(empty: Path) -> None:
    default = smasim("calibrate", "--format", "json")
    assert default.exit_code == 0, default.output
    assert default.stderr == ""  # the default is no name to find: nothing to say
    named = smasim("calibrate", "--base", "baseline", "--format", "json")
    assert named.stderr == _note("baseline")
    assert json.loads(named.stdout) == json.loads(default.stdout)
    written = smasim("calibrate", "-o", "mine.toml")
    assert written.exit_code == 0
    assert "--base baseline.toml" in (empty / "mine.toml").read_text().splitlines()[0]
    missing = smasim("calibrate", "--base", "nowhere.toml")
    assert missing.exit_code == 2
    assert missing.output.startswith("Error: nowhere.toml: no such file, nor a shipped scenario")


def test_backtest_scores_the_shipped_judgments_in_any_folder(empty: Path) -> None:
    args = ["backtest", "--from", "2024", "--horizon", "1", "--samples", "200", "--format",
            "json"]
    default = smasim(*args)
    assert default.exit_code == 0, default.output
    top_level = [name for name in shipped_scenarios() if "/" not in name]
    named = smasim(*args, *(word for name in top_level for word in ("--judgment", name)))
    assert named.exit_code == 0, named.output
    assert json.loads(default.stdout)["negotiation_models"] == json.loads(
        named.stdout)["negotiation_models"]
    assert "baseline" in {m["model"] for m in json.loads(default.stdout)["negotiation_models"]}

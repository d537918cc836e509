"""The command line through click's CliRunner: exit codes, messages, no tracebacks."""

from __future__ import annotations

import ast
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from simcore.cli.main import OPTION_WORDING, cli

from simcore.core.errors import PARAMETER_WORDING
from tests.conftest import BASELINE, SCALAR_BASELINE


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def result_file(tmp_path: Path, runner: CliRunner) -> Path:
    out = tmp_path / "base.h5"
    res = runner.invoke(cli, ["run", str(BASELINE), "-o", str(out), "--samples", "2000", "-q"])
    assert res.exit_code == 0, res.output
    return out


def test_run_writes_the_file_and_says_so(result_file: Path) -> None:
    assert result_file.exists()


def test_run_default_output_is_outputs_run_name(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(cli, ["run", str(BASELINE), "--samples", "100", "--seed", "0"])
    assert res.exit_code == 0, res.output
    assert "Wrote outputs/baseline.h5 (100 paths, seed 0 from command line)" in res.output
    assert Path("outputs/baseline.h5").exists()
    again = runner.invoke(cli, ["run", str(BASELINE), "--samples", "100"])
    assert again.exit_code == 2
    assert "outputs/baseline.h5: exists; pass --overwrite" in again.output
    assert "Traceback" not in again.output


def test_summary_table(result_file: Path, runner: CliRunner) -> None:
    res = runner.invoke(cli, ["summary", str(result_file), "--detail"])
    assert res.exit_code == 0, res.output
    for text in ("contribution_usd [USD bn]", "contribution_krw [KRW tn]", "rok_share [%]",
                 "P50", "2031", "horizon", "±"):
        assert text in res.output


def test_summary_csv_and_json_agree(result_file: Path, runner: CliRunner) -> None:
    as_csv = runner.invoke(cli, ["summary", str(result_file), "--format", "csv",
                                 "--var", "contribution_usd", "--percentiles", "5,50,95"])
    as_json = runner.invoke(cli, ["summary", str(result_file), "--format", "json",
                                  "--var", "contribution_usd", "--percentiles", "5,50,95"])
    assert as_csv.exit_code == 0 and as_json.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    records = json.loads(as_json.output)["records"]
    assert len(rows) == len(records) == 6
    for row, record in zip(rows, records, strict=True):
        assert float(row["p50"]) == record["p50"]
        assert float(row["mean"]) == record["mean"]
        assert record["units"] == "USD"


def test_summary_computes_percentiles_not_stored(result_file: Path, runner: CliRunner) -> None:
    import numpy as np
    import xarray as xr

    res = runner.invoke(cli, ["summary", str(result_file), "--format", "json",
                              "--var", "rok_share", "--percentiles", "2.5,50"])
    assert res.exit_code == 0, res.output
    records = json.loads(res.output)["records"]
    with xr.open_dataset(result_file, engine="h5netcdf") as ds:
        expected = np.percentile(ds["rok_share"].values, [2.5, 50], axis=0)
    assert [r["p2.5"] for r in records] == list(expected[0])
    assert [r["p50"] for r in records] == list(expected[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--var", "nonsense"], "--var: unknown variable(s) nonsense", id="var"),
        pytest.param(["--percentiles", "5,150"], "--percentiles: each must lie in [0, 100]",
                     id="pct-range"),
        pytest.param(["--percentiles", "a,b"], "--percentiles: expected numbers", id="pct-text"),
    ],
)
def test_summary_bad_options(result_file: Path, runner: CliRunner, args: list[str],
                             message: str) -> None:
    res = runner.invoke(cli, ["summary", str(result_file), *args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_bad_config_is_one_line_exit_2(tmp_path: Path, runner: CliRunner) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SCALAR_BASELINE.read_text().replace("persistence = 0.51", "persistance = 0.51"))
    res = runner.invoke(cli, ["run", str(bad), "-o", str(tmp_path / "x.h5")])
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0
    assert "inflation.kr.persistance: unknown key; did you mean 'persistence'?" in res.output
    assert not (tmp_path / "x.h5").exists()


@pytest.mark.parametrize(
    ("command", "message"),
    [
        pytest.param(["run", "nowhere.toml"], "nowhere.toml: no such file", id="run-missing"),
        pytest.param(["summary", "nowhere.h5"], "nowhere.h5: no such file", id="summary-missing"),
        pytest.param(["run", str(BASELINE), "--samples", "0"],
                     "Invalid value for '--samples': '0' must be a whole number from 1",
                     id="samples-0"),
        pytest.param(["run", str(BASELINE), "--samples", "-5"], "'-5' must be a whole number",
                     id="samples-negative"),
        pytest.param(["run", str(BASELINE), "--samples", "2.5e0"], "must be a whole number",
                     id="samples-fraction"),
        pytest.param(["run", str(BASELINE), "--samples", "lots"], "'lots' is not a number",
                     id="samples-text"),
        pytest.param(["run", str(BASELINE), "--samples", "1e11"], "from 1 to 10,000,000,000",
                     id="samples-absurd"),
        pytest.param(["run", str(BASELINE), "--chunk-size", "1e9"], "from 1 to 4,194,304",
                     id="chunk-absurd"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, command: list[str], message: str) -> None:
    res = runner.invoke(cli, command)
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_every_parameter_is_worded_both_in_python_and_on_the_command_line() -> None:
    """A ParameterError names its parameters from either table: a key missing from one would
    raise KeyError while the error is being worded."""
    assert set(OPTION_WORDING) == set(PARAMETER_WORDING)


def test_summary_of_a_foreign_file(tmp_path: Path, runner: CliRunner) -> None:
    foreign = tmp_path / "config.h5"
    shutil.copy(BASELINE, foreign)
    res = runner.invoke(cli, ["summary", str(foreign)])
    assert res.exit_code == 2
    assert f"{foreign}: not an HDF5/netCDF-4 file" in res.output


def test_debug_shows_the_traceback(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["--debug", "run", "nowhere.toml"])
    assert res.exit_code == 1
    assert res.exception is not None


def test_help_documents_the_commands(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["--help"])
    assert res.exit_code == 0
    assert "run" in res.output and "summary" in res.output
    res = runner.invoke(cli, ["run", "--help"])
    for option in ("--samples", "--seed", "--chunk-size", "--float32", "--compress",
                   "--overwrite", "--quiet"):
        assert option in res.output


def test_help_lists_every_command_without_importing_one() -> None:
    """`smasim --help` lists each command by its line in the table and loads none of them
    (nor numpy): the list stays instant however heavy a command's libraries."""
    from simcore.cli.main import COMMANDS

    code = ("import sys; from simcore.cli.main import cli\n"
            "try: cli.main(['--help'], prog_name='smasim')\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('simcore.', 'numpy'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    *listing, loaded = done.stdout.splitlines()
    assert ast.literal_eval(loaded) == ["simcore.cli", "simcore.cli.main", "simcore.core",
                                        "simcore.core.errors", "simcore.core.lazy"]
    lines = "\n".join(listing)
    for name, entry in COMMANDS.items():
        assert f"  {name:<12} {entry.summary}" in lines, name
        assert entry.summary.endswith(".") and len(entry.summary) <= 62, name
    # Every entry names a command that exists, under the name the table gives it.
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.name == name, name


def test_samples_in_scientific_notation(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "x.h5"
    res = runner.invoke(cli, ["run", str(BASELINE), "-o", str(out), "--samples", "1.5e3", "-q"])
    assert res.exit_code == 0, res.output
    assert "(1,500 paths" in res.output


@pytest.mark.parametrize(
    "args",
    [pytest.param(["budget"], id="rich-table"),
     pytest.param(["summary", "--detail", "--format", "json"], id="click-echo")],
)
def test_a_closed_pipe_ends_quietly_with_exit_0(result_file: Path, args: list[str]) -> None:
    """`smasim budget FILE | head -1`: the reader closes the pipe before smasim writes."""
    smasim = Path(sys.executable).parent / "smasim"
    process = subprocess.Popen([str(smasim), args[0], str(result_file), *args[1:]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line is written
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 0, stderr
    assert stderr == b""
    # Through a shell, as a user types it.
    shell = subprocess.run(
        ["bash", "-c", f"'{smasim}' {args[0]} '{result_file}' {' '.join(args[1:])} | head -1; "
                       "exit ${PIPESTATUS[0]}"],
        capture_output=True, check=False, timeout=60,
    )
    assert shell.returncode == 0, shell.stderr
    assert len(shell.stdout.splitlines()) == 1

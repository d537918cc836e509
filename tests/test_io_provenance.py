"""`smasim info`, `smasim validate` and `smasim rerun`: provenance you can act on."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
import tomli_w
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.config.load import header_comment, load_scenario, parse_scenario
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import ResultFileError
from simcore.core.variables import VARIABLES
from simcore.io.provenance import (
    cpuinfo_model,
    file_info,
    installed_versions,
    platform_attrs,
    stored_scenarios,
    version_differences,
)
from simcore.io.reader import check_result_file
from simcore.run.rerun import default_rerun_path, rerun
from simcore.run.runner import StorageOptions, run_scenarios
from tests.conftest import BASELINE, ROOT, SCALAR_BASELINE

Factory = Callable[..., Scenario]
CONFIGS = ROOT / "configs"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def assert_same_variables(a: Path, b: Path) -> None:
    with h5py.File(a, "r") as old, h5py.File(b, "r") as new:
        names = [n for n in old if n in VARIABLES]
        assert names and names == [n for n in new if n in VARIABLES]
        for name in names:
            assert old[name].dtype == new[name].dtype, name
            assert old[name][()].tobytes() == new[name][()].tobytes(), name
        for name in ("year", "scenario"):
            if name in old:
                np.testing.assert_array_equal(old[name][()], new[name][()])


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(BASELINE).with_overrides(samples=BLOCK_SIZE + 1000, seed=11)
    return run_scenarios([scenario], tmp_path_factory.mktemp("single") / "base.h5",
                         command="smasim run configs/baseline.toml --seed 11").path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenarios = [load_scenario(CONFIGS / f"{name}.toml").with_overrides(samples=700, seed=5)
                 for name in ("baseline", "us-demand-2027", "drawdown")]
    return run_scenarios(scenarios, tmp_path_factory.mktemp("batch") / "batch.h5",
                         batch=True).path


def test_the_file_keeps_the_comment_each_scenario_opened_with(single: Path, batch: Path) -> None:
    names = ("baseline", "us-demand-2027", "drawdown")
    comments = {name: header_comment((CONFIGS / f"{name}.toml").read_text()) for name in names}
    info = file_info(batch)
    assert info.comments() == comments
    assert info.attrs["config_comment_1"] == comments["us-demand-2027"]
    assert file_info(single).comments() == {"baseline": comments["baseline"]}
    assert [s.comment for s in stored_scenarios(info)] == list(comments.values())


# --------------------------------------------------------------------------------------------
# info


def test_info_text_names_every_fact(single: Path) -> None:
    code, out = invoke("info", str(single))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"{single}: smasim result file"
    facts = {line.split()[0]: line.split(maxsplit=1)[1].strip()
             for line in lines[1:lines.index("  variables")]}
    assert facts["complete"] == "yes"
    assert facts["dimensions"] == f"sample = {BLOCK_SIZE + 1000:,}, year = 6 (2026–2031)"
    assert facts["scenarios"] == "baseline"
    assert facts["seed"] == "11 (from config)"
    assert facts["sampler"] == f"mc, PCG64 streams, blocks of {BLOCK_SIZE:,} samples"
    assert facts["storage"] == "float64, uncompressed"
    assert facts["history"].endswith("smasim run configs/baseline.toml --seed 11")
    assert facts["conventions"] == "CF-1.8"
    assert "numpy=" in facts["libraries"]
    assert "versions" not in facts  # written here: the installed versions are the file's
    recorded = platform_attrs()
    assert facts["platform"] == (f"{recorded['platform']}, {recorded['platform_cpu']}, "
                                 f"{recorded['platform_python']}")
    assert facts["blas"] == recorded["platform_blas"]
    scenario = load_scenario(BASELINE).with_overrides(samples=BLOCK_SIZE + 1000, seed=11)
    assert f"config sha256  {scenario.config_hash()}" in out
    assert "    contribution_usd       (sample, year)  float64  USD      ROK SMA" in out
    assert "    troops                 (sample, year)  int32    1" in out
    assert "    negotiation_outcome    (sample, year)  int8" in out
    assert "    cum_contribution_usd   (sample)        float64  USD" in out


def test_info_json_of_a_batch(batch: Path) -> None:
    code, out = invoke("info", str(batch), "--format", "json")
    assert code == 0, out
    record = json.loads(out)
    assert next(iter(record)) == "schema_version" and record["schema_version"] == 1
    assert record["complete"] is True
    assert record["dims"] == {"scenario": 3, "sample": 700, "year": 6}
    assert record["scenarios"] == ["baseline", "us-demand-2027", "drawdown"]
    assert record["years"] == list(range(2026, 2032))
    assert record["seed"] == "5" and record["seed_source"] == "config"
    assert record["block_size"] == BLOCK_SIZE and record["sampler"] == "mc"
    assert record["bit_generator"] == "PCG64"
    assert record["created"] and record["smasim_version"] and record["library_versions"]
    by_name = {v["name"]: v for v in record["variables"]}
    assert by_name["fx_krw_per_usd"]["units"] == "KRW/USD"
    assert by_name["rok_share"]["dims"] == ["scenario", "sample", "year"]
    for index, name in enumerate(record["scenarios"]):
        scenario = load_scenario(CONFIGS / f"{name}.toml").with_overrides(samples=700, seed=5)
        assert record["config_sha256"][name] == scenario.config_hash()
        assert parse_scenario(file_info(batch).attrs[f"config_toml_{index}"]) == scenario


def test_info_of_an_incomplete_file(single: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial.h5"
    partial.write_bytes(single.read_bytes())
    with h5py.File(partial, "r+") as handle:
        del handle.attrs["smasim_complete"]
    assert file_info(partial).complete is False
    code, out = invoke("info", str(partial))
    assert code == 0
    assert "complete       NO: the run did not finish" in out


def test_info_says_which_versions_differ_from_the_installed_ones(single: Path,
                                                                  tmp_path: Path) -> None:
    installed = installed_versions()
    assert version_differences(file_info(single)) == {}
    older = tmp_path / "older.h5"
    older.write_bytes(single.read_bytes())
    with h5py.File(older, "r+") as handle:
        recorded = handle.attrs["library_versions"]
        assert recorded == " ".join(f"{k}={v}" for k, v in installed.items())
        handle.attrs["library_versions"] = (
            recorded.replace(f"numpy={installed['numpy']}", "numpy=1.26.4")
            .replace(f"python={installed['python']}", "python=3.99.0")
            + " nosuch-package=0.1"
        )
    differences = version_differences(file_info(older))
    assert differences == {"numpy": ("1.26.4", installed["numpy"]),
                           "python": ("3.99.0", installed["python"]),
                           "nosuch-package": ("0.1", "unknown")}
    code, out = invoke("info", str(older))
    assert code == 0, out
    lines = [line for line in out.splitlines() if line.startswith("  versions")]
    assert lines == [
        "  versions       differ from this installation (written → installed): "
        f"numpy 1.26.4 → {installed['numpy']}, python 3.99.0 → {installed['python']}, "
        "nosuch-package 0.1 → unknown; a rerun here may differ in the last bits"
    ]
    record = json.loads(invoke("info", str(older), "--format", "json")[1])
    assert record["version_differences"]["numpy"] == {"written": "1.26.4",
                                                      "installed": installed["numpy"]}
    with h5py.File(older, "r+") as handle:
        del handle.attrs["library_versions"]
    assert version_differences(file_info(older)) == {}  # nothing recorded, nothing compared
    assert "  versions" not in invoke("info", str(older))[1]


def test_the_file_records_the_platform_that_wrote_it(single: Path) -> None:
    info = file_info(single)
    assert info.platform == platform_attrs()
    assert info.platform["platform"] == platform.platform()
    assert info.platform["platform_python"] == (f"{platform.python_implementation()} "
                                                f"{platform.python_version()}")
    if Path("/proc/cpuinfo").exists():
        assert info.platform["platform_cpu"] == cpuinfo_model(Path("/proc/cpuinfo").read_text())
    assert json.loads(invoke("info", str(single), "--format", "json")[1])["platform"] == (
        info.platform)


def test_the_recorded_blas_kernel_is_the_one_openblas_chose() -> None:
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    if platform.machine() != "x86_64" or any(lib["internal_api"] != "openblas" for lib in blas):
        pytest.skip("OPENBLAS_CORETYPE=Sandybridge needs OpenBLAS on x86-64")
    probe = "from simcore.io.provenance import blas_description; print(blas_description())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, env={**os.environ, "OPENBLAS_CORETYPE": "Sandybridge"})
    # numpy's and scipy's wheels each ship an OpenBLAS, in numpy.libs and scipy.libs.
    numpy_blas, scipy_blas = done.stdout.strip().split("; ")
    assert re.fullmatch(r"numpy: openblas [0-9.]+, Sandybridge kernel", numpy_blas), numpy_blas
    assert re.fullmatch(r"scipy: openblas [0-9.]+, Sandybridge kernel", scipy_blas), scipy_blas


@pytest.mark.parametrize(("cpuinfo", "model"), [
    ("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\n"
     "model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nflags\t\t: fpu\n\n"
     "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n",
     "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"),
    ("processor\t: 0\nBogoMIPS\t: 108.00\nCPU implementer\t: 0x41\n\n"
     "Hardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n",
     "Raspberry Pi 4 Model B Rev 1.4"),
    ("processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n",
     None),
    ("", None),
])
def test_the_cpu_model_read_from_proc_cpuinfo(cpuinfo: str, model: str | None) -> None:
    assert cpuinfo_model(cpuinfo) == model


# --------------------------------------------------------------------------------------------
# validate


def test_validate_says_what_would_run(tmp_path: Path) -> None:
    shipped = sorted(CONFIGS.glob("*.toml"))
    code, out = invoke("validate", *(str(p) for p in shipped))
    assert code == 0, out
    lines = out.splitlines()
    assert len(lines) == len(shipped)  # one line per shipped config
    assert lines[0] == (f"ok {CONFIGS / 'baseline.toml'}: baseline, 2026–2031, 100,000 samples, "
                        "seed 20261128, sampler mc; output about 58.2 MB")
    assert list(tmp_path.iterdir()) == []


def test_validate_show_prints_the_resolved_toml(tmp_path: Path) -> None:
    minimal = tmp_path / "minimal.toml"
    data = tomllib.loads(SCALAR_BASELINE.read_text())
    for section in ("shocks", "pins", "rok_other_support"):
        data.pop(section)
    for key in ("sampler", "percentiles", "discount_rate"):
        data["run"].pop(key)
    import tomli_w

    minimal.write_text(tomli_w.dumps(data))
    result = CliRunner().invoke(cli, ["validate", str(minimal), "--show"])
    assert result.exit_code == 0, result.output
    resolved = tomllib.loads(result.stdout)
    assert resolved["run"]["sampler"] == "mc"
    assert resolved["run"]["percentiles"] == [5, 10, 25, 50, 75, 90, 95]
    assert resolved["shocks"]["distribution"] == "normal"
    assert resolved["rok_other_support"]["base_krw"] == 0.0
    assert parse_scenario(result.stdout) == load_scenario(minimal)
    assert result.stderr.startswith(f"ok {minimal}: baseline")


def test_validate_reports_every_bad_file(tmp_path: Path) -> None:
    first = tmp_path / "first.toml"
    first.write_text(SCALAR_BASELINE.read_text().replace("horizon = 6", "horizon = 0"))
    second = tmp_path / "second.toml"
    second.write_text("[run\n")
    result = CliRunner().invoke(cli, ["validate", str(first), str(BASELINE), str(second)])
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"Error: {first}: run.horizon:")
    assert errors[1].startswith(f"Error: {second}: not valid TOML")
    assert result.stdout == (f"ok {BASELINE}: baseline, 2026–2031, 100,000 samples, seed "
                             "20261128, sampler mc; output about 58.2 MB\n")


def test_validate_batch_with_overrides(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(SCALAR_BASELINE.read_text().replace('name = "baseline"', 'name = "other"')
                     .replace("seed = 20261128", "seed = 1"))
    code, out = invoke("validate", "--batch", str(BASELINE), str(other))
    assert code == 2 and "run.seed: scenarios of a batch must agree" in out
    code, out = invoke("validate", "--batch", str(BASELINE), str(other), "--seed", "3",
                       "--samples", "1000")
    assert code == 0, out
    assert out.splitlines()[-1] == "ok: the 2 scenarios can run as one batch; output about 1.2 MB"


# --------------------------------------------------------------------------------------------
# rerun


def test_rerun_reproduces_every_variable(single: Path, tmp_path: Path) -> None:
    target = tmp_path / "again.h5"
    code, out = invoke("rerun", str(single), "-o", str(target), "-q", "--chunk-size", "1")
    assert code == 0, out
    assert out == (f"Wrote {target} (baseline: {BLOCK_SIZE + 1000:,} paths, seed 11 from rerun "
                   f"of {single}).\n")
    assert_same_variables(single, target)
    old, new = file_info(single), file_info(target)
    assert new.config_hashes() == old.config_hashes()
    assert new.comments() == old.comments()  # a rerun keeps the scenario's question
    assert new.attrs["seed_source"] == f"rerun of {single}"


def test_rerun_of_an_unseeded_float32_compressed_run(make_scenario: Factory,
                                                    tmp_path: Path) -> None:
    scenario = make_scenario({"run": {"samples": 900, "seed": None, "sampler": "sobol"}})
    original = run_scenarios([scenario], tmp_path / "entropy.h5",
                             storage=StorageOptions(float32=True, compress=True)).path
    result = rerun(original)
    assert result.path == tmp_path / "entropy.rerun.h5" == default_rerun_path(original)
    assert result.seed == int(file_info(original).attrs["seed"])
    info = file_info(result.path)
    assert info.float32 and info.compressed
    assert_same_variables(original, result.path)
    # A scenario built from a mapping has no comment: the file keeps none.
    assert "config_comment" not in info.attrs and info.comments() == {"baseline": ""}
    # The entropy stays out of the configuration, whose hash is the original's.
    assert "seed" not in tomllib.loads(info.configs()["baseline"])["run"]
    assert info.config_hashes() == file_info(original).config_hashes()
    again = rerun(result.path, tmp_path / "third.h5")
    assert again.seed == result.seed
    assert_same_variables(original, again.path)


def test_rerun_of_a_batch(batch: Path, tmp_path: Path) -> None:
    result = rerun(batch, tmp_path / "batch-again.h5")
    assert result.scenarios == ["baseline", "us-demand-2027", "drawdown"]
    assert_same_variables(batch, result.path)


def test_a_batch_of_one_scenario_gives_back_its_configuration(tmp_path: Path) -> None:
    """It is stored unnumbered, as a single run's: info, rerun and the readers find it."""
    scenario = load_scenario(BASELINE).with_overrides(samples=300, seed=2)
    path = run_scenarios([scenario], tmp_path / "one.h5", batch=True).path
    info = file_info(path)
    assert info.batch and info.scenarios == ["baseline"]
    assert info.configs() == {"baseline": scenario.to_toml()}
    assert info.config_hashes() == {"baseline": scenario.config_hash()}
    assert_same_variables(path, rerun(path, tmp_path / "again.h5").path)


def test_a_file_written_before_the_offset_share_reruns_under_its_old_rule(
    make_scenario: Factory, tmp_path: Path
) -> None:
    """A 0.1 file's stored configuration has no ``us_cost.offset_share``: it meant 0."""
    scenario = make_scenario({"run": {"samples": 500, "seed": 4},
                              "us_cost": {"offset_share": 0.0}})
    original = run_scenarios([scenario], tmp_path / "old.h5").path
    text = file_info(original).configs()["baseline"]
    stored = tomllib.loads(text)
    del stored["us_cost"]["offset_share"]
    with h5py.File(original, "r+") as handle:
        handle.attrs["config_toml"] = tomli_w.dumps(stored)
    (again,) = stored_scenarios(file_info(original))
    assert again.us_cost.offset_share == 0.0
    assert_same_variables(original, rerun(original, tmp_path / "again.h5").path)


def test_rerun_refuses_what_it_cannot_reproduce(single: Path, tmp_path: Path) -> None:
    other = tmp_path / "other-blocks.h5"
    other.write_bytes(single.read_bytes())
    with h5py.File(other, "r+") as handle:
        handle.attrs["block_size"] = 1024
    with pytest.raises(ResultFileError, match="blocks of 1024 samples; this smasim draws blocks"):
        stored_scenarios(file_info(other))
    with h5py.File(other, "r+") as handle:
        handle.attrs["block_size"] = BLOCK_SIZE
        del handle.attrs["config_toml"]
    code, out = invoke("rerun", str(other))
    assert code == 2
    assert out == f"Error: {other}: lacks the stored configuration (config_toml)\n"
    assert not default_rerun_path(other).exists()


def test_rerun_keeps_an_existing_output(single: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken.h5"
    target.write_bytes(b"mine")
    code, out = invoke("rerun", str(single), "-o", str(target))
    assert code == 2 and "exists; pass --overwrite" in out
    assert target.read_bytes() == b"mine"


# --------------------------------------------------------------------------------------------
# files that are not runs: a sensitivity file and a backtest file


def test_info_and_readers_of_a_sensitivity_or_backtest_file(
    analysis: tuple[object, Path], tmp_path: Path
) -> None:
    from tests.test_report_html_attachments import backtest_file

    _, sensitivity = analysis
    backtest = backtest_file(tmp_path / "b.nc")
    readers = {
        "sensitivity": (sensitivity, "smasim plot --kind shapley|tornado or smasim report "
                                     "--sensitivity"),
        "backtest": (backtest, "smasim plot --kind coverage or smasim report --backtest"),
    }
    for kind, (path, use) in readers.items():
        info = file_info(path)
        assert (info.kind, info.complete) == (kind, True)
        assert info.as_record()["kind"] == kind
        code, out = invoke("info", str(path))
        assert code == 0
        head = f"{path}: smasim {kind} file, not a run (read it with {use})"
        assert out.splitlines()[0] == head
        assert re.search(r"^  complete +yes$", out, re.MULTILINE)
        assert "did not finish" not in out
        with pytest.raises(ResultFileError, match="not a run"):
            check_result_file(path)
        for command in (["summary"], ["budget"], ["plot", "--kind", "fan", "-o",
                                                  str(tmp_path / "x.png")],
                        ["report", "-o", str(tmp_path / "x.html")]):
            code, out = invoke(command[0], str(path), *command[1:])
            assert code == 2, (command, out)
            assert out.strip() == f"Error: {path} is a smasim {kind} file, not a run: use {use}"
    assert file_info(sensitivity).years == list(range(2026, 2032))

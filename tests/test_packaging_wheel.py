"""smasim as a data scientist meets it: a wheel, installed into a fresh virtual environment,
used from an empty folder far from the repository.

The wheel is built offline from a copy of the sources (so nothing is written into the
repository and no stale build folder can leak into it). The fresh environment is made from
the same base interpreter and sees the project environment's site-packages through a
``.pth`` file, so that it needs no network for the dependencies; only smasim itself comes
from the wheel (``pip install --no-deps``). The editable install of the project environment
stays out of sight: a path line of a ``.pth`` file adds a folder to ``sys.path`` without
running the ``.pth`` files inside it.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from simcore.config.shipped import shipped_draws_files, shipped_files
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

#: What a wheel is built from (pyproject.toml names every package and its data).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "simcore", "cli", "configs")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def _check(args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False,
                          cwd=cwd, env=env)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _check([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
            "--no-build-isolation", "--wheel-dir", dist, source])
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def environment(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    purelib = Path(_check([python, "-c", "import sysconfig; print(sysconfig.get_path("
                                          "'purelib'))"]).stdout.strip())
    (purelib / "project-dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n")
    _check([sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
            "--no-deps", "--no-index", wheel])
    return home / "bin"


def test_the_wheel_holds_the_library_its_data_and_nothing_at_the_top_level(
    wheel: Path,
) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert wheel.name == f"smasim-{VERSION}-py3-none-any.whl"
    assert {name.split("/")[0] for name in names} == {"simcore", f"smasim-{VERSION}.dist-info"}
    for name in shipped_files():  # the scenarios and the elicitation file
        assert f"simcore/configs/{name}.toml" in names
    # The tables of draws the scenarios name (MODEL.md §2a) ship beside them.
    assert shipped_draws_files()
    for draws in shipped_draws_files():
        assert f"simcore/configs/{draws}" in names
    assert "simcore/py.typed" in names and "simcore/cli/main.py" in names
    assert "simcore/report/html/controls.js" in names  # the report's script
    assert f"smasim-{VERSION}.dist-info/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"smasim-{VERSION}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert f"Version: {VERSION}" in metadata


def test_a_session_from_an_empty_folder(environment: Path, tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PATH"] = f"{environment}{os.pathsep}{env.get('PATH', '')}"

    def smasim(*args: str) -> subprocess.CompletedProcess[str]:
        return _check([environment / "smasim", *args], cwd=folder, env=env)

    python = _check([environment / "python", "-c", "import simcore; print(simcore.__version__);"
                     "print(simcore.__file__)"], cwd=folder, env=env).stdout.split()
    assert python[0] == VERSION
    assert Path(python[1]).is_relative_to(environment.parent)  # the wheel's, not the repo's
    assert smasim("--version").stdout == f"smasim, version {VERSION}\n"
    module = _check([environment / "python", "-m", "simcore", "--version"], cwd=folder, env=env)
    assert module.stdout == f"smasim, version {VERSION}\n"
    # The command line lives in simcore's namespace: no top-level `cli` was installed.
    assert not (Path(python[1]).parent.parent / "cli").exists()

    # The shipped scenarios, by name, with no file of that name here: said on stderr.
    run = smasim("run", "baseline", "--samples", "2000", "-q")
    assert run.stderr.startswith("Note: no file baseline here; using the shipped scenario ")
    assert run.stderr.count("\n") == 1
    assert (folder / "outputs" / "baseline.h5").is_file()
    assert "baseline  " in smasim("summary", "outputs/baseline.h5").stdout
    assert "fx.volatility" in smasim("calibrate").stdout  # the shipped baseline as base
    assert "official" in smasim("backtest").stdout
    report = smasim("report", "outputs/baseline.h5")
    assert report.stdout.startswith("Wrote report.html")
    page = (folder / "report.html").read_text()
    assert "<dt>baseline</dt><dd>Baseline: what will South Korea pay" in page
    assert 'id="reweighting-data"' in page and "function weightedColumn" in page

    # Copies to edit, byte for byte, then a copy runs as any file.
    init = smasim("init")
    assert init.stdout.startswith(f"Wrote {len(shipped_files())} files to configs:")
    for name in shipped_files():
        assert ((folder / "configs" / f"{name}.toml").read_bytes()
                == (ROOT / "configs" / f"{name}.toml").read_bytes())
    refused = subprocess.run([environment / "smasim", "init"], cwd=folder, env=env,
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: configs/baseline.toml: exists")
    for draws in shipped_draws_files():
        assert ((folder / "configs" / draws).read_bytes()
                == (ROOT / "configs" / draws).read_bytes())
    lapse = smasim("run", "configs/lapse.toml", "--samples", "1000", "-q")
    assert lapse.stderr == ""
    # A copy in a subfolder reads the tables of draws beside it.
    variant = smasim("run", "configs/variants/calibrated-1996.toml", "--samples", "1000", "-q")
    assert variant.stderr == "" and (folder / "outputs" / "calibrated-1996.h5").is_file()
    # The elicitation workflow (docs/howto/reweight.md) starts from the copied workshop file
    # and baseline.
    elicit = smasim("elicit", "configs/elicitation/workshop.toml", "-o", "pooled.toml")
    assert elicit.stdout.endswith("Wrote pooled.toml\n")

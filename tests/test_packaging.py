"""The distribution's shape: every package listed, the CLI inside simcore's namespace."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT


def test_every_package_folder_is_in_the_distribution() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        ".".join(p.relative_to(ROOT).parts)
        for p in [ROOT / "simcore", *(ROOT / "simcore").rglob("*")]
        if p.is_dir() and p.name != "__pycache__"
    } | {"simcore.cli"}
    assert set(setuptools["packages"]) == folders
    assert setuptools["package-dir"] == {"simcore.cli": "cli"}


def test_the_cli_folder_cannot_be_imported_as_a_top_level_package() -> None:
    with pytest.raises(ImportError, match=r"import simcore\.cli"):
        __import__("cli")


def test_python_dash_m_simcore_is_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "simcore", "--help"], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: smasim")

"""The distribution's shape: every package listed, the CLI inside simcore's namespace."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT


def test_every_package_folder_is_in_the_distribution() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]

    def packages(folder: str, package: str) -> set[str]:
        return {
            ".".join((package, *p.relative_to(ROOT / folder).parts))
            for p in [ROOT / folder, *(ROOT / folder).rglob("*")]
            if p.is_dir() and p.name != "__pycache__"
        }

    folders = packages("simcore", "simcore") | {"simcore.cli"} | packages("configs",
                                                                          "simcore.configs")
    assert "simcore.configs.variants" in folders
    assert set(setuptools["packages"]) == folders
    assert setuptools["package-dir"] == {"simcore.cli": "cli", "simcore.configs": "configs"}
    # Every shipped scenario is package data of its folder's package.
    data = setuptools["package-data"]
    assert all(data[package] == ["*.toml"] for package in folders
               if package.startswith("simcore.configs"))


def test_the_cli_folder_cannot_be_imported_as_a_top_level_package() -> None:
    with pytest.raises(ImportError, match=r"import simcore\.cli"):
        __import__("cli")


def test_python_dash_m_simcore_is_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "simcore", "--help"], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: smasim")

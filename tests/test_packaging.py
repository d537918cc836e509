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
    # Every shipped scenario is package data of its folder's package, and so is every table
    # of draws a scenario names (a draws/ folder beside it).
    data = setuptools["package-data"]
    assert all(data[package] == (["*.csv"] if package.endswith(".draws") else ["*.toml"])
               for package in folders if package.startswith("simcore.configs"))


def test_the_cli_folder_cannot_be_imported_as_a_top_level_package() -> None:
    with pytest.raises(ImportError, match=r"import simcore\.cli"):
        __import__("cli")


def test_python_dash_m_simcore_is_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "simcore", "--help"], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: smasim")


def test_one_version_matching_the_changelog(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata
    import re

    from packaging.version import Version

    import simcore

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert simcore.__version__ == importlib.metadata.version("smasim") == version
    # The CHANGELOG's newest section: "## 0.2.0 (unreleased)" is a development release of
    # 0.2.0; "## 0.2.0" is 0.2.0 itself.
    section = re.search(r"^## (\S+)( \(unreleased\))?$", (ROOT / "CHANGELOG.md").read_text(),
                        re.MULTILINE)
    assert section is not None
    parsed = Version(version)
    assert parsed.base_version == section[1]
    assert parsed.is_devrelease == bool(section[2])
    # Run from a source tree that was never installed, the version says it is unknown.
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert simcore.__version__ == "0+unknown"

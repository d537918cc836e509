"""The lock file: what `make` installs is what pyproject.toml asks for, at locked versions."""

from __future__ import annotations

import importlib.metadata
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

LOCK = ROOT / "requirements-lock.txt"
REFRESH = "run `make lock` and commit requirements-lock.txt"


def locked() -> dict[str, Requirement]:
    """The lock's pins (``name==version ; marker``), by normalized name."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line[0].isspace() and line[0] not in "#-":
            pin = Requirement(line.removesuffix("\\").strip())
            pins[canonicalize_name(pin.name)] = pin
    return pins


def declared() -> list[Requirement]:
    """pyproject.toml's dependencies and those of every extra (the lock holds them all)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = [*project["dependencies"],
             *(text for extra in project["optional-dependencies"].values() for text in extra)]
    return [Requirement(text) for text in texts]


def version(pin: Requirement) -> str:
    (specifier,) = pin.specifier
    assert specifier.operator == "==", pin
    return specifier.version


def extra_requirements(requirement: Requirement) -> list[Requirement]:
    """What the extras a requirement names (``dask[distributed]``) add, per its metadata."""
    if not requirement.extras:
        return []
    try:
        texts = importlib.metadata.requires(requirement.name) or []
    except importlib.metadata.PackageNotFoundError:
        return []  # not installed: the package itself is reported
    wanted = []
    for text in texts:
        dependency = Requirement(text)
        marker = dependency.marker
        if marker and any(marker.evaluate({"extra": extra}) and not marker.evaluate({"extra": ""})
                          for extra in requirement.extras):
            wanted.append(dependency)
    return wanted


def test_every_dependency_pyproject_names_is_locked_at_a_version_it_allows() -> None:
    pins = locked()
    problems = []
    for requirement in declared():
        for wanted in [requirement, *extra_requirements(requirement)]:
            pin = pins.get(canonicalize_name(wanted.name))
            if pin is None:
                via = "" if wanted is requirement else f", which {requirement} needs,"
                problems.append(f"{wanted.name}{wanted.specifier}{via} is not locked")
            elif not wanted.specifier.contains(version(pin), prereleases=True):
                problems.append(f"{wanted.name} is locked at {version(pin)}, outside "
                                f"pyproject.toml's {wanted.specifier}")
    assert not problems, (f"requirements-lock.txt does not match pyproject.toml "
                          f"({'; '.join(problems)}): {REFRESH}")


def test_the_environment_holds_the_locked_versions() -> None:
    mismatched = []
    for name, pin in locked().items():
        if pin.marker is not None and not pin.marker.evaluate():
            continue  # another platform's or Python's
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version(pin):
            mismatched.append(f"{name} {installed} (locked {version(pin)})")
    assert not mismatched, (
        f"this environment differs from requirements-lock.txt: {', '.join(mismatched)}; "
        "`make test` installs the lock (delete .venv/.installed to force it)"
    )


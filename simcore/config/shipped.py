"""The scenarios shipped with smasim, found wherever smasim is installed.

The repository's ``configs/`` folder installs as the package ``simcore.configs``
(pyproject.toml), so a pip-installed smasim carries its example scenarios with their
comments, and this module finds them through :mod:`importlib.resources`. A scenario's name is
its path below that folder without ``.toml``: ``baseline``, ``variants/calibrated-1996``.
The files under ``elicitation/`` are elicitation files (``smasim elicit``), shipped and
copied with the scenarios (:func:`shipped_files`) but no scenarios. The tables of draws the
scenarios name (MODEL.md §2a) ship in a ``draws/`` folder beside them
(:func:`shipped_draws_files`).
:func:`locate_scenario` is how a command line reads CONFIG: a file if one exists, else a
shipped scenario of that name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from simcore.core.errors import ConfigError, did_you_mean

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

#: The package the shipped scenarios install as.
SHIPPED_PACKAGE = "simcore.configs"
#: The suffix of a scenario file.
SCENARIO_SUFFIX = ".toml"
#: The shipped folder of elicitation files: TOML files that are not scenarios.
ELICITATION_FOLDER = "elicitation"
#: The folder, beside the scenarios that name them, of the tables of draws (MODEL.md §2a).
DRAWS_FOLDER = "draws"


def _names(folder: Traversable, prefix: str = "") -> list[str]:
    names = []
    for entry in folder.iterdir():
        if entry.is_file() and entry.name.endswith(SCENARIO_SUFFIX):
            names.append(prefix + entry.name.removesuffix(SCENARIO_SUFFIX))
        elif entry.is_dir() and entry.name != "__pycache__":
            names += _names(entry, f"{prefix}{entry.name}/")
    return names


def shipped_files() -> tuple[str, ...]:
    """The names of every shipped file, the scenarios' and the elicitation files', sorted
    (top-level files before subfolders')."""
    return tuple(sorted(_names(resources.files(SHIPPED_PACKAGE)),
                        key=lambda name: (name.count("/"), name)))


def shipped_scenarios() -> tuple[str, ...]:
    """The names of the shipped scenarios, sorted (top-level files before subfolders').

    >>> shipped_scenarios()[:2]
    ('baseline', 'calibrated')
    """
    return tuple(name for name in shipped_files()
                 if not name.startswith(f"{ELICITATION_FOLDER}/"))


def _unknown(name: str, what: str) -> ConfigError:
    """``NAME: <what> (shipped: …)`` with the closest shipped name."""
    names = shipped_scenarios()
    stem = name.removesuffix(SCENARIO_SUFFIX)
    # "configs/baseline.toml" from another folder: the shipped scenario is its last part.
    close = did_you_mean(stem, names) or did_you_mean(Path(stem).name, names)
    return ConfigError(f"{name}: {what}{close} (shipped scenarios: {', '.join(names)})")


def shipped_scenario(name: str) -> Path:
    """The installed file of the shipped scenario ``name``.

    Parameters
    ----------
    name : str
        A name of :func:`shipped_scenarios`, with or without ``.toml``.

    Returns
    -------
    Path
        The file, read only: ``smasim init`` copies the shipped scenarios into a folder to
        edit.

    Raises
    ------
    ConfigError
        No shipped scenario has that name; the message lists those that do.
    """
    if name.removesuffix(SCENARIO_SUFFIX) not in shipped_scenarios():
        raise _unknown(name, "no shipped scenario has that name")
    return shipped_file(name)


def shipped_file(name: str) -> Path:
    """The installed file of ``name``, a name of :func:`shipped_files` (a scenario or an
    elicitation file), with or without ``.toml``; :func:`shipped_scenario` for a scenario.

    Raises
    ------
    ConfigError
        No shipped file has that name.
    """
    stem = name.removesuffix(SCENARIO_SUFFIX)
    if stem not in shipped_files():
        raise ConfigError(f"{name}: no shipped file has that name (shipped files: "
                          f"{', '.join(shipped_files())})")
    return _installed(f"{stem}{SCENARIO_SUFFIX}")


def shipped_draws_files() -> tuple[str, ...]:
    """The tables of draws the shipped scenarios name, as paths below the shipped folder
    (``draws/<sha256>.csv``, ``variants/draws/<sha256>.csv``; MODEL.md §2a), sorted."""

    def files(folder: Traversable, prefix: str) -> list[str]:
        found = []
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name == DRAWS_FOLDER:
                found += [f"{prefix}{DRAWS_FOLDER}/{draws.name}" for draws in entry.iterdir()
                          if draws.is_file() and draws.name.endswith(".csv")]
            elif entry.is_dir() and entry.name != "__pycache__":
                found += files(entry, f"{prefix}{entry.name}/")
        return found

    return tuple(sorted(files(resources.files(SHIPPED_PACKAGE), "")))


def shipped_draws_file(name: str) -> Path:
    """The installed file of ``name``, a name of :func:`shipped_draws_files`.

    Raises
    ------
    ConfigError
        No shipped table of draws has that name.
    """
    if name not in shipped_draws_files():
        raise ConfigError(f"{name}: no shipped table of draws has that name")
    return _installed(name)


def _installed(name: str) -> Path:
    """The installed file at the path ``name`` below the shipped folder."""
    resource = resources.files(SHIPPED_PACKAGE).joinpath(*name.split("/"))
    # pip installs a wheel as files, so the resource is a file that any command can open by
    # its path (the scenarios are never imported from a zip archive).
    assert isinstance(resource, Path), resource
    return resource


class LocatedScenario(NamedTuple):
    """The file a command line's CONFIG names, and how it was found."""

    #: The scenario file.
    path: Path
    #: The name was no file: this is ``NAME.toml`` beside it (``"file"``) or the shipped
    #: scenario of that name (``"shipped"``); ``None`` when CONFIG is the file itself.
    found_as: Literal["file", "shipped"] | None


def locate_scenario(config: str | Path) -> LocatedScenario:
    """The scenario file that ``config`` names on a command line.

    ``config`` itself if it exists (a file, or something :func:`load_scenario` refuses with
    its reason, such as a folder); else, for a name without ``.toml``, ``NAME.toml`` beside
    it; else the shipped scenario of that name (:func:`shipped_scenario`).

    Raises
    ------
    ConfigError
        Neither a file nor a shipped scenario; the message lists the shipped names.
    """
    path = Path(config)
    if path.exists():
        return LocatedScenario(path, None)
    with_suffix = path.with_name(path.name + SCENARIO_SUFFIX)
    if path.suffix != SCENARIO_SUFFIX and with_suffix.is_file():
        return LocatedScenario(with_suffix, "file")
    name = path.as_posix()
    if name.removesuffix(SCENARIO_SUFFIX) in shipped_scenarios():
        return LocatedScenario(shipped_scenario(name), "shipped")
    raise _unknown(str(config), "no such file, nor a shipped scenario")

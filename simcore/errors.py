"""Errors that the library raises for bad input; the CLI turns each into one line, exit 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SmasimInputError(ValueError):
    """Base class: the user's input (a file, a key, an option) is not acceptable."""


class ConfigError(SmasimInputError):
    """A scenario file does not parse or does not satisfy the configuration contract."""


class ResultFileError(SmasimInputError):
    """A result file is missing, unreadable, incomplete or not written by smasim."""


class OutputExistsError(SmasimInputError):
    """The output file exists and overwriting was not asked for."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'baseline'?"`` for the choice closest to ``name``, or ``""``.

    The one suggestion of every "unknown name" message (variables, scenarios, kinds,
    commands): difflib's closest match with a similarity of at least 0.6.
    """
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""

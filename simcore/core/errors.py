"""Errors that the library raises for bad input; the CLI turns each into one line, exit 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

#: How a :class:`ParameterError` names each parameter when the library is called from
#: Python (the CLI names its options instead). An override names itself: the assignment
#: (``fx.volatility=-1``) is the item of whichever argument listed it.
PARAMETER_WORDING = {
    "output": "output path",
    "overwrite": "overwrite=True",
    "force": "force=True",
    "samples": "samples",
    "seed": "seed",
    "overrides": "",
    "float32": "float32=True",
    "workers": "workers",
    "scheduler": "scheduler",
    "store": "store",
    "start": "start",
    "end": "end",
    "window_start": "window_start",
    "horizon": "horizon",
    "backtest": "backtest file",
    "variables": "variables",
    "scenarios": "scenarios",
    "years": "years",
    "percentiles": "percentiles",
    "real": "real",
    "exceed": "exceed",
    "precision": "precision",
    "fan": "fan chart",
    "level": "level",
    "renormalize": "renormalize=True",
    "vary": "vary",
    "levers": "levers",
    "points": "points",
    "design": "design",
    "thresholds": "thresholds",
    "where": "where",
    "box": "box",
    "outcome": "outcome",
    "criterion": "criterion",
    "sense": "sense",
    "min_ess": "min_ess",
    "chunk_size": "chunk_size",
    "batch": "batch=True",
}


def literal(text: object) -> str:
    """``text`` escaped for a :class:`ParameterError` template (braces doubled)."""
    return str(text).replace("{", "{{").replace("}", "}}")


class SmasimInputError(ValueError):
    """Base class: the user's input (a file, a key, an option) is not acceptable."""


class ConfigError(SmasimInputError):
    """A scenario file does not parse or does not satisfy the configuration contract."""


class ResultFileError(SmasimInputError):
    """A result file is missing, unreadable, incomplete or not written by smasim."""


class ParameterError(SmasimInputError):
    """Bad input that an argument of the call can fix, named in the message.

    ``template`` names parameters as ``{overwrite}``, ``{workers}`` …: ``str(err)`` words
    them as Python arguments (:data:`PARAMETER_WORDING`); the CLI words them as its options
    with :meth:`worded`. Other text in the template is escaped with :func:`literal`.

    >>> str(ParameterError("{workers} and {scheduler} exclude each other"))
    'workers and scheduler exclude each other'
    >>> ParameterError("pass {force}").worded({"force": "--force"})
    'pass --force'
    """

    def __init__(self, template: str) -> None:
        self.template = template
        super().__init__(self.worded(PARAMETER_WORDING))

    def worded(self, names: Mapping[str, str]) -> str:
        """The message with each parameter named as ``names`` says."""
        return self.template.format_map(names)


class ConfigParameterError(ParameterError, ConfigError):
    """A scenario that an argument of the call makes invalid (``samples``, ``overrides``): a
    configuration error whose message names the argument as :class:`ParameterError` does."""


class OutputExistsError(ParameterError):
    """The output file exists and overwriting was not asked for."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'baseline'?"`` for the choice closest to ``name``, or ``""``.

    The one suggestion of every "unknown name" message (variables, scenarios, kinds,
    commands): difflib's closest match with a similarity of at least 0.6.
    """
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class PathsNotStoredError(ParameterError, ResultFileError):
    """A variable of a result file has a summary but no paths: its run used ``store``."""

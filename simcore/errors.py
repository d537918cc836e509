"""Errors that the library raises for bad input; the CLI turns each into one line, exit 2."""


class SmasimInputError(ValueError):
    """Base class: the user's input (a file, a key, an option) is not acceptable."""


class ConfigError(SmasimInputError):
    """A scenario file does not parse or does not satisfy the configuration contract."""


class ResultFileError(SmasimInputError):
    """A result file is missing, unreadable, incomplete or not written by smasim."""


class OutputExistsError(SmasimInputError):
    """The output file exists and overwriting was not asked for."""

"""What each scenario of a result file asks, and how the scenarios differ, in words.

A scenario file opens with a comment that states its question ("Lapse: what happens if no
successor agreement is reached …"). The result file keeps that comment beside each
scenario's resolved configuration (``config_comment``: ``Scenario.comment``), so the same
file gives the same questions wherever it is read; where it keeps none, the question is
reported as unknown, never guessed. The differences come from the stored configurations
themselves, so they are exact.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simcore.config.load import header_comment

__all__ = ["SEE_FILES", "ConfigDifference", "ScenarioQuestion", "config_differences",
           "header_comment", "question_of", "scenario_questions"]

#: Shown for a setting a scenario does not have (a section or outcome it lacks).
ABSENT = "—"


#: Where a header line turns into a command line: ``smasim …`` or a shell prompt, at its
#: start or after a colon ("calibrated from history: smasim calibrate --base …").
_COMMAND = re.compile(r"(?:^|:\s*)(?:\$\s|smasim\s).*$")


def question_of(header: str) -> str:
    """The question a header comment asks: through its first ``?``; else its first
    descriptive line.

    A scenario file written by hand opens with its question ("Lapse: what happens if …?");
    one written by ``smasim calibrate`` opens with a line saying what it is and the command
    that made it, followed by the estimates, which the configuration itself holds. A
    command line (``smasim …``, alone or after a colon) is not a description: it is cut off,
    and a line that is nothing else is skipped.
    """
    end = header.find("?")
    if end >= 0:
        return " ".join(header[: end + 1].split())
    for line in header.splitlines():
        described = _COMMAND.sub("", line.strip()).strip().rstrip(":;,").strip()
        if described:
            return described
    return ""


@dataclass(frozen=True)
class ScenarioQuestion:
    """The question a scenario answers.

    Attributes
    ----------
    scenario : str
        Scenario name.
    question : str or None
        The question its configuration's opening comment asks (:func:`question_of`); None
        when the result file keeps no such comment (the configuration opened with none, or
        the file was written before smasim kept it).
    """

    scenario: str
    question: str | None


def scenario_questions(comments: Mapping[str, str]) -> list[ScenarioQuestion]:
    """Each scenario's question, from the comments a result file keeps.

    Parameters
    ----------
    comments : mapping of str to str
        Scenario name → the comment its configuration opened with
        (:meth:`simcore.io.provenance.FileInfo.comments`; ``""`` if none).

    Returns
    -------
    list of ScenarioQuestion
        In the order of ``comments``.
    """
    return [ScenarioQuestion(name, question_of(text) or None) for name, text in comments.items()]


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Settings by dotted key; a table keyed by years (``pins.troops``) and an array of
    tables (``negotiation.outcomes``) stay whole, as one setting; an empty table has none."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not (value and all(str(k).isdigit() for k in value)):
            out.update(_flatten(value, dotted))
        else:
            out[dotted] = value
    return out


#: Shown, in a summary (``whole=False``), for a table, a matrix or a list of tables.
SEE_FILES = "differs (see the config files)"


def _inline(value: Any, digits: int = 6) -> str:
    """A setting in one line: whole amounts grouped by ``_`` as TOML reads them
    (``5_000_000_000``), other numbers to ``digits`` significant digits (a calibrated
    estimate's last digits are noise), tables as ``key=value`` lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value):
        if not value.is_integer():
            return f"{value:.{digits}g}"
        return f"{int(value):_}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_inline(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "; ".join(_inline(v, digits) for v in value)
        return "[" + ", ".join(_inline(v, digits) for v in value) + "]"
    return str(value)


def _composite(value: Any) -> bool:
    """A table, a matrix, a list of tables or a table of draws (MODEL.md §2a: more than
    :data:`_DRAWS` numbers): too big for a cell of a summary."""
    return isinstance(value, dict) or (
        isinstance(value, list)
        and (len(value) > _DRAWS or any(isinstance(v, (dict, list)) for v in value)))


#: A list longer than this is a table of draws, not a setting to spell out.
_DRAWS = 16


@dataclass(frozen=True)
class ConfigDifference:
    """One setting that is not the same in every scenario.

    Attributes
    ----------
    key : str
        Dotted key (``agreement.last_year``; arrays of tables such as
        ``negotiation.outcomes`` as one setting).
    values : dict of str to str
        By scenario, the value in one line, or :data:`ABSENT`.
    """

    key: str
    values: dict[str, str]


def config_differences(configs: Mapping[str, str], *, digits: int = 6,
                       whole: bool = True) -> list[ConfigDifference]:
    """The settings in which the scenarios' resolved configurations differ.

    Parameters
    ----------
    configs : mapping of str to str
        Scenario name → its stored configuration (TOML text).
    digits : int
        Significant digits of a fractional number; settings whose values all read the same
        at these digits are left out.
    whole : bool
        Show a table, matrix or list of tables whole; else, for a reader, as "same as
        <first scenario>" where it equals the first scenario's and :data:`SEE_FILES`
        otherwise.

    Returns
    -------
    list of ConfigDifference
        In the order the keys first appear; ``run.name`` (always different), the
        ``[report]`` table (the author's words, not a setting; the report shows them) and the
        ``elicitation`` record (who gave the judgments, not a setting; the report's "Whose
        judgment" section shows it) are left out.
    """
    flat = {name: _flatten(tomllib.loads(text)) for name, text in configs.items()}
    keys = list(dict.fromkeys(key for settings in flat.values() for key in settings))
    missing = object()
    differences = []
    for key in keys:
        if key == "run.name" or key.split(".")[0] in ("report", "elicitation"):
            continue
        raw = [settings.get(key, missing) for settings in flat.values()]
        shown = [ABSENT if value is missing else _inline(value, digits) for value in raw]
        if all(text == shown[0] for text in shown):
            continue
        if not whole:
            first = next(iter(flat))
            shown = [
                text if raw[k] is missing or not _composite(raw[k])
                else f"same as {first}" if k and raw[k] == raw[0] else SEE_FILES
                for k, text in enumerate(shown)
            ]
        differences.append(ConfigDifference(key, dict(zip(flat, shown, strict=True))))
    return differences

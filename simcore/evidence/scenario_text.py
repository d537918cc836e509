"""Scenario TOML written by hand-readable pieces: tables of a base text, commented lines,
numbers and inline tables as TOML spells them.

A written scenario (:mod:`simcore.evidence.calibrated_scenario`,
:mod:`simcore.evidence.elicitation`) keeps its base's text, comments included, and replaces
some tables or lines with ones that say where each number came from.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

#: A table header line: ``[name]`` or ``[[name]]``, optionally followed by a comment.
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
#: Column at which the explanatory comments start, as in the shipped configs.
COMMENT_COLUMN = 30
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Chunk:
    """A table of the base text: its name (``""`` before the first table) and its lines."""

    name: str
    array: bool
    lines: list[str]


def table_chunks(text: str) -> list[Chunk]:
    """The tables of ``text``; a comment block right above a header belongs to its table."""
    chunks = [Chunk("", False, [])]
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            previous = chunks[-1].lines
            k = len(previous)
            while k and previous[k - 1].lstrip().startswith("#"):
                k -= 1
            lead = previous[k:] if chunks[-1].name else []  # the file header stays first
            del previous[len(previous) - len(lead):]
            chunks.append(Chunk(match[2], match[1] == "[[", lead))
        chunks[-1].lines.append(line)
    return chunks


def commented(assignment: str, comment: str = "") -> str:
    """``assignment`` with ``# comment`` from :data:`COMMENT_COLUMN` on."""
    if not comment:
        return assignment
    return f"{assignment.ljust(COMMENT_COLUMN - 1)} # {comment}"


def toml_number(value: float) -> str:
    """A number as stored (Python's shortest round-trip repr, valid TOML): a rounded
    estimate reads as its digits, 0.02483."""
    return repr(value) if isinstance(value, int) else repr(float(value))


def inline_toml(value: Any) -> str:
    """A value as one line of TOML: numbers, strings, arrays and inline tables (a pydantic
    section is written as its fields).

    >>> inline_toml({"mixture": [{"weight": 0.5, "a": 2.0, "b": 8.0}]})
    '{ mixture = [{ weight = 0.5, a = 2.0, b = 8.0 }] }'
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"TOML has no value for {value!r} in a scenario")
        return toml_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(inline_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(
            f"{key if _BARE_KEY.match(key) else json.dumps(key)} = {inline_toml(item)}"
            for key, item in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")

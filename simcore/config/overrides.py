"""Change values of a parsed configuration by dotted key paths (``fx.volatility=0.1``).

:func:`apply_overrides` is what ``smasim run|batch|validate --set KEY=VALUE`` calls on the
parsed TOML mapping before it is validated, and what a sweep calls once per grid point.
Paths are TOML dotted keys with list indices: ``negotiation.outcomes[1].probability``,
``pins.fx`` (a whole table), ``agreement.amounts_krw.2027``. Values are TOML values:
``0.1``, ``1e5``, ``'stay'``, ``{2027 = 1300}``, ``[1, 2]``.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simcore.core.errors import ConfigParameterError, literal

#: One step of a key path: a bare key, then any number of ``[index]``.
_STEP = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)(?P<indices>(?:\[\d+\])*)$")


class OverrideError(ConfigParameterError):
    """An assignment that cannot be applied or whose result is not a valid scenario.

    The message starts with the assignment, then names the configuration it was applied to
    (``source``) if known; the command line puts the option that gave it first
    (``--set fx.volatility=-1 on baseline.toml: …``).

    Attributes
    ----------
    assignment : str
        The assignment as given (``KEY=VALUE``).
    reason : str
        What is wrong.
    """

    def __init__(self, assignment: str, reason: str, *, source: str | None = None) -> None:
        where = f" on {source}" if source else ""
        super().__init__("{overrides}" + literal(f"{assignment}{where}: {reason}"))
        self.assignment = assignment
        self.reason = reason


@dataclass(frozen=True)
class Override:
    """One parsed assignment.

    Attributes
    ----------
    text : str
        The assignment as given, for messages.
    path : tuple of str or int
        Keys (str) and list indices (int), outermost first.
    value : object
        The TOML value.
    """

    text: str
    path: tuple[str | int, ...]
    value: Any

    @property
    def key(self) -> str:
        """The path as a configuration error names it: ``negotiation.outcomes[1].term``."""
        return format_path(self.path)


def format_path(path: Iterable[str | int]) -> str:
    """``('a', 'b', 1, 'c')`` → ``a.b[1].c``.

    >>> format_path(("negotiation", "outcomes", 1, "probability"))
    'negotiation.outcomes[1].probability'
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def parse_override(assignment: str) -> Override:
    """Parse ``KEY=VALUE``: a dotted key path and a TOML value.

    >>> parse_override("negotiation.outcomes[1].probability=0.3").path
    ('negotiation', 'outcomes', 1, 'probability')
    >>> parse_override("pins.fx={2027=1300}").value
    {'2027': 1300}

    Raises
    ------
    OverrideError
        No ``=``, a malformed key path, or a value that is not TOML.
    """
    key, sep, raw = assignment.partition("=")
    if not sep:
        raise OverrideError(assignment, "expected KEY=VALUE, e.g. fx.volatility=0.1")
    path: list[str | int] = []
    for step in key.strip().split("."):
        match = _STEP.match(step)
        if match is None:
            raise OverrideError(
                assignment,
                f"malformed key {key.strip()!r} (dotted keys with list indices, e.g. "
                "negotiation.outcomes[1].probability)",
            )
        path.append(match["key"])
        path += [int(index) for index in re.findall(r"\[(\d+)\]", match["indices"])]
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError as err:
        raise OverrideError(
            assignment, f"value {raw.strip()!r} is not a TOML value ({err}); quote strings: "
            "key='text'"
        ) from None
    return Override(text=assignment, path=tuple(path), value=value)


def apply_overrides(data: Mapping[str, Any], assignments: Iterable[str]) -> dict[str, Any]:
    """A copy of the configuration mapping ``data`` with each ``KEY=VALUE`` assigned in turn.

    ``data`` is never changed. A missing table along the path is created (so
    ``pins.fx={2027=1300}`` works on a file without ``[pins]``); whether the keys exist
    in the model is for validation to say.

    Parameters
    ----------
    data : mapping
        The parsed TOML (``tomllib.loads``).
    assignments : iterable of str
        ``KEY=VALUE`` strings, applied in order (a later one wins).

    Returns
    -------
    dict
        The changed copy.

    Raises
    ------
    OverrideError
        A malformed assignment, an index past the end of a list, or a step into a value
        that is not a table or list; the message starts with the assignment.

    Examples
    --------
    >>> base = {"fx": {"volatility": 0.05}, "negotiation": {"outcomes": [{}, {"p": 0.5}]}}
    >>> apply_overrides(base, ["fx.volatility=0.1", "negotiation.outcomes[1].p=0.3"])
    {'fx': {'volatility': 0.1}, 'negotiation': {'outcomes': [{}, {'p': 0.3}]}}
    >>> base["fx"]["volatility"]
    0.05
    """
    result = copy.deepcopy(dict(data))
    for assignment in assignments:
        override = parse_override(assignment)
        node: Any = result
        for depth, part in enumerate(override.path):
            last = depth == len(override.path) - 1
            where = format_path(override.path[:depth]) or "the configuration"
            if isinstance(part, int):
                if not isinstance(node, list):
                    raise OverrideError(assignment, f"{where} is not a list; it has no [{part}]")
                if part >= len(node):
                    raise OverrideError(
                        assignment,
                        f"{where} has {len(node)} entries; index {part} is past its end "
                        f"(indices 0–{len(node) - 1})",
                    )
            elif isinstance(node, list):
                example = format_path((*override.path[:depth], min(1, len(node) - 1),
                                       *override.path[depth:]))
                raise OverrideError(assignment, f"{where} is a list: index it, e.g. {example}")
            elif not isinstance(node, dict):
                raise OverrideError(
                    assignment, f"{where} is a value ({_short(node)}), not a table with key "
                    f"{part!r}"
                )
            if last:
                _check_kind(assignment, override, node.get(part) if isinstance(part, str)
                            else node[part])
                node[part] = override.value
            elif isinstance(part, str) and part not in node:
                node[part] = [] if isinstance(override.path[depth + 1], int) else {}
            node = node[part]
    return result


def _short(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to about ``width`` characters for a message."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 1]}…"


def _check_kind(assignment: str, override: Override, current: Any) -> None:
    """Refuse a plain value where the configuration has a table or a list of tables.

    A whole table may be replaced by a table (``pins.fx={2027=1300}``) and a list by a list;
    a number in their place is surely a key path cut short, so the message shows a key.
    """
    key = override.key
    if isinstance(current, dict) and not isinstance(override.value, dict):
        example = next(
            (f"{key}.{name}={value!r}" for name, value in current.items()
             if isinstance(value, int | float) and not isinstance(value, bool)),
            f"{key}.KEY=VALUE",
        )
        raise OverrideError(assignment, f"{key} is a table: set one of its keys, e.g. {example}")
    if (isinstance(current, list) and current and isinstance(current[0], dict)
            and not isinstance(override.value, list)):
        raise OverrideError(assignment, f"{key} is a list of tables: index it, e.g. "
                                        f"{key}[0].{next(iter(current[0]), 'KEY')}=VALUE")

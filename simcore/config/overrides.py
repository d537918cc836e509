"""Change values of a parsed configuration by dotted key paths (``fx.volatility=0.1``).

:func:`apply_overrides` is what ``smasim run|batch|validate --set KEY=VALUE`` calls on the
parsed TOML mapping before it is validated, and what a sweep calls once per grid point.
Paths are TOML dotted keys with list indices: ``pins.fx`` (a whole table),
``agreement.amounts_krw.2027``, ``negotiation.outcomes[1].probability``; a negotiation
outcome is addressed by its name as well as by its index:
``negotiation.outcomes.demand.probability``. Values are TOML values: ``0.1``, ``1e5``,
``'stay'``, ``{2027 = 1300}``, ``[1, 2]``; a discrete distribution (``demand_usd``) may be
set to one number, that value with probability 1.

The key parser is public for every command that names configuration keys:
:func:`parse_key` reads a key's syntax, :func:`resolve_key` finds it in a configuration,
outcome names turned into the indices they stand for, and :func:`outcome_key` says which
outcome's key (``probability``) a resolved path sets.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simcore.config.schema import DiscreteDistribution, outcome_entry_names
from simcore.core.errors import ConfigParameterError, did_you_mean, literal

#: One step of a key path: a bare key, then any number of ``[index]``.
_STEP = re.compile(r"^(?P<key>[A-Za-z0-9_-]+)(?P<indices>(?:\[\d+\])*)$")

#: The list whose entries a key path may name (``negotiation.outcomes.demand``), and what
#: an entry is called in a message.
NAMED_LIST = ("negotiation", "outcomes")
_ENTRY = "outcome"

#: A key path: keys (str) and list indices (int), outermost first.
KeyPath = tuple[str | int, ...]


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


def parse_key(key: str, *, assignment: str | None = None) -> KeyPath:
    """The steps of a dotted key path: keys (str) and list indices (int).

    Only the syntax is read: whether ``demand`` in ``negotiation.outcomes.demand.term`` is
    an outcome's name is for :func:`resolve_key` to say, against a configuration.

    >>> parse_key("negotiation.outcomes[1].probability")
    ('negotiation', 'outcomes', 1, 'probability')
    >>> parse_key("negotiation.outcomes.demand.demand_usd")
    ('negotiation', 'outcomes', 'demand', 'demand_usd')

    Raises
    ------
    OverrideError
        A malformed key path; the message starts with ``assignment`` (default: the key).
    """
    path: list[str | int] = []
    for step in key.strip().split("."):
        match = _STEP.match(step)
        if match is None:
            raise OverrideError(
                assignment or key,
                f"malformed key {key.strip()!r} (dotted keys with list indices or outcome "
                "names, e.g. negotiation.outcomes[1].probability or "
                "negotiation.outcomes.demand.probability)",
            )
        path.append(match["key"])
        path += [int(index) for index in re.findall(r"\[(\d+)\]", match["indices"])]
    return tuple(path)


def resolve_key(data: Mapping[str, Any], key: str | KeyPath, *,
                assignment: str | None = None) -> KeyPath:
    """A key path of the configuration mapping ``data`` with every outcome name replaced by
    the index of the outcome it names.

    A step after ``negotiation.outcomes`` that is not an index names an outcome: its
    ``name``, or by default its kind, numbered when a kind repeats (as validation names
    it). Every other step is kept as it is; whether it exists is for the caller to say.

    Parameters
    ----------
    data : mapping
        The parsed TOML (``tomllib.loads``), or a validated scenario's ``model_dump()``.
    key : str or tuple
        A dotted key (parsed by :func:`parse_key`) or its steps.
    assignment : str, optional
        What a message starts with (default: the key).

    Returns
    -------
    tuple of str or int
        Keys and list indices, outermost first.

    Raises
    ------
    OverrideError
        A malformed key, or a name no outcome has; the message lists the names (with the
        closest as a suggestion).

    Examples
    --------
    >>> data = {"negotiation": {"outcomes": [{"kind": "status_quo"}, {"kind": "demand"}]}}
    >>> resolve_key(data, "negotiation.outcomes.demand.probability")
    ('negotiation', 'outcomes', 1, 'probability')
    """
    text = key if isinstance(key, str) else format_path(key)
    path = parse_key(key, assignment=assignment) if isinstance(key, str) else key
    resolved: list[str | int] = []
    node: Any = data
    for part in path:
        if isinstance(node, list) and isinstance(part, str) and tuple(resolved) == NAMED_LIST:
            names = outcome_entry_names(node)
            if part not in names and any(isinstance(e, dict) and part in e for e in node):
                example = format_path((*NAMED_LIST, names[0], *path[len(resolved):]))
                raise OverrideError(
                    assignment or text,
                    f"{format_path(NAMED_LIST)} is a list: name or index an {_ENTRY} first, "
                    f"e.g. {example} (names: {', '.join(names)})",
                )
            if part not in names:
                raise OverrideError(
                    assignment or text,
                    f"no {_ENTRY} named {part!r} in {format_path(NAMED_LIST)}"
                    f"{did_you_mean(part, names)} (names: {', '.join(names)})",
                )
            part = names.index(part)
        resolved.append(part)
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(resolved)


def outcome_key(path: KeyPath) -> tuple[int, str] | None:
    """The outcome index and its key that a resolved path sets
    (``('negotiation', 'outcomes', 1, 'probability')`` → ``(1, 'probability')``), or None
    for a path that is not one key of one outcome.

    >>> outcome_key(("negotiation", "outcomes", 2, "probability"))
    (2, 'probability')
    >>> outcome_key(("fx", "volatility")) is None
    True
    """
    if (len(path) == len(NAMED_LIST) + 2 and path[:len(NAMED_LIST)] == NAMED_LIST
            and isinstance(path[-2], int) and isinstance(path[-1], str)):
        return path[-2], path[-1]
    return None


def renormalizing(probabilities: Sequence[float], assigned: Mapping[int, float]) -> list[str]:
    """Assignments that rescale the outcome probabilities not ``assigned`` so that all sum
    to 1, keeping their proportions (``--renormalize`` of sweep and reweight).

    Parameters
    ----------
    probabilities : sequence of float
        Every outcome's probability in the configuration, in its order.
    assigned : mapping of int to float
        The outcomes given a new probability, by index.

    Returns
    -------
    list of str
        ``negotiation.outcomes[k].probability=…`` for each other outcome; none when there is
        nothing to rescale (no outcome assigned, or the others all 0: validation then says
        whether the sum is 1).

    >>> for assignment in renormalizing([0.55, 0.35, 0.10], {1: 0.5}):
    ...     print(assignment)
    negotiation.outcomes[0].probability=0.4230769230769231
    negotiation.outcomes[2].probability=0.07692307692307693
    """
    if not assigned:
        return []
    others = [k for k in range(len(probabilities)) if k not in assigned]
    rest = math.fsum(probabilities[k] for k in others)
    left = 1.0 - math.fsum(assigned.values())
    if rest == 0:
        return []
    return [f"{format_path((*NAMED_LIST, k, 'probability'))}="
            f"{probabilities[k] * left / rest!r}" for k in others]


def parse_override(assignment: str) -> Override:
    """Parse ``KEY=VALUE``: a dotted key path (:func:`parse_key`) and a TOML value.

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
    path = parse_key(key, assignment=assignment)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError as err:
        raise OverrideError(
            assignment, f"value {raw.strip()!r} is not a TOML value ({err}); quote strings: "
            "key='text'"
        ) from None
    return Override(text=assignment, path=path, value=value)


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
        # Names resolved against the configuration as the earlier assignments left it;
        # messages name the keys as the assignment wrote them.
        path = resolve_key(result, override.path, assignment=assignment)
        node: Any = result
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
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
                node[part] = [] if isinstance(path[depth + 1], int) else {}
            node = node[part]
    return result


def _short(value: Any, width: int = 40) -> str:
    """``repr(value)``, cut to about ``width`` characters for a message."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 1]}…"


def _check_kind(assignment: str, override: Override, current: Any) -> None:
    """Refuse a plain value where the configuration has a table or a list of tables.

    A whole table may be replaced by a table (``pins.fx={2027=1300}``) and a list by a list;
    a number in their place is surely a key path cut short, so the message shows a key. A
    discrete distribution (``demand_usd``) also takes one amount.
    """
    key = override.key
    distribution = isinstance(current, dict) and set(current) == set(
        DiscreteDistribution.model_fields)
    value = override.value
    if distribution and isinstance(value, int | float) and not isinstance(value, bool):
        return  # one amount: validation reads it as that amount with probability 1
    if distribution and not isinstance(value, dict):
        raise OverrideError(assignment, f"{key} is a discrete distribution: set it to one "
                                        f"amount (e.g. {key}=10e9) or set its values and "
                                        "probabilities")
    if isinstance(current, dict) and not isinstance(value, dict):
        example = next(
            (f"{key}.{name}={item!r}" for name, item in current.items()
             if isinstance(item, int | float) and not isinstance(item, bool)),
            f"{key}.KEY=VALUE",
        )
        raise OverrideError(assignment, f"{key} is a table: set one of its keys, e.g. {example}")
    if (isinstance(current, list) and current and isinstance(current[0], dict)
            and not isinstance(value, list)):
        if override.path == NAMED_LIST:
            name = outcome_entry_names(current)[0]
            raise OverrideError(assignment, f"{key} is a list of tables: name or index an "
                                            f"{_ENTRY}, e.g. {key}.{name}.probability=VALUE or "
                                            f"{key}[0].probability=VALUE")
        raise OverrideError(assignment, f"{key} is a list of tables: index it, e.g. "
                                        f"{key}[0].{next(iter(current[0]), 'KEY')}=VALUE")


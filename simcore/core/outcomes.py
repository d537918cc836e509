"""The one table of negotiation outcome codes, and the default names of outcomes.

``negotiation_outcome`` stores a code per sample and year that means the same in every file
smasim writes, so that files can be concatenated, compared and decoded without their
configurations: −1 is a year without a negotiation; each kind has a fixed code
(:data:`KIND_CODES`) for its first entry in a scenario's ``[[negotiation.outcomes]]``; the
``m``-th entry of one kind (a scenario with two ``demand`` outcomes) has the stable
extension ``code + 8 (m − 1)``, whose meaning is ``<kind>_<m>`` (``demand_2`` = 9). Which
configured entry, and so which name, a code stands for in a scenario is the ``m``-th entry
of that kind in the scenario's list (docs/spec/MODEL.md §9).

An outcome's name addresses it in ``--set`` keys (``negotiation.outcomes.demand.probability``)
and labels it in tables; by default it is the meaning of its code.
"""

from __future__ import annotations

from collections.abc import Sequence

from simcore.core.types import OutcomeKind

#: Code of a year without a negotiation, and its meaning.
NO_NEGOTIATION = -1
NO_NEGOTIATION_MEANING = "no_negotiation"

#: Code of each kind's first entry in a scenario. Codes are stored in files: a kind keeps its
#: code for good, and a new kind takes the next free one below :data:`KIND_SLOTS`.
KIND_CODES: dict[OutcomeKind, int] = {"status_quo": 0, "demand": 1, "lapse": 2, "increase": 3}

#: Codes ``0 … KIND_SLOTS − 1`` are kinds' first entries (4–7 are free for kinds to come); the
#: m-th entry of a kind is its code + ``KIND_SLOTS`` (m − 1), so no new kind moves a code.
KIND_SLOTS = 8

#: Codes every result file declares (``flag_values``), whatever its scenarios configure:
#: no negotiation, then each kind's first entry.
BASE_CODES = (NO_NEGOTIATION, *KIND_CODES.values())

#: Entries of one kind a scenario may have: codes are int8 (at most 127).
MAX_PER_KIND = (127 - (KIND_SLOTS - 1)) // KIND_SLOTS + 1


def _occurrences(kinds: Sequence[str]) -> list[int]:
    """For each outcome, how many outcomes of its kind come up to it (itself included)."""
    seen: dict[str, int] = {}
    occurrences: list[int] = []
    for kind in kinds:
        seen[kind] = seen.get(kind, 0) + 1
        occurrences.append(seen[kind])
    return occurrences


def outcome_codes(kinds: Sequence[OutcomeKind]) -> list[int]:
    """The code of each outcome of a scenario, given their kinds in configuration order.

    Raises
    ------
    ValueError
        More than :data:`MAX_PER_KIND` outcomes of one kind.

    Examples
    --------
    >>> outcome_codes(["status_quo", "demand", "lapse"])
    [0, 1, 2]
    >>> outcome_codes(["increase", "lapse"])
    [3, 2]
    >>> outcome_codes(["demand", "status_quo", "demand"])
    [1, 0, 9]
    """
    codes: list[int] = []
    for kind, occurrence in zip(kinds, _occurrences(kinds), strict=True):
        if occurrence > MAX_PER_KIND:
            raise ValueError(f"at most {MAX_PER_KIND} outcomes of one kind ({kind!r})")
        codes.append(KIND_CODES[kind] + KIND_SLOTS * (occurrence - 1))
    return codes


def _numbered(kind: str, occurrence: int) -> str:
    """``demand`` for the first entry of a kind, ``demand_2`` for the second, …"""
    return kind if occurrence == 1 else f"{kind}_{occurrence}"


def outcome_meaning(code: int) -> str:
    """The fixed meaning of a code: ``no_negotiation``, a kind, or ``<kind>_<m>``.

    Raises
    ------
    ValueError
        ``code`` is below −1 or beyond the last code of the table.

    Examples
    --------
    >>> [outcome_meaning(c) for c in (-1, 0, 1, 2, 3, 9)]
    ['no_negotiation', 'status_quo', 'demand', 'lapse', 'increase', 'demand_2']
    """
    if code == NO_NEGOTIATION:
        return NO_NEGOTIATION_MEANING
    occurrence, slot = divmod(int(code), KIND_SLOTS)
    kind = next((k for k, c in KIND_CODES.items() if c == slot), None)
    if code < NO_NEGOTIATION or occurrence >= MAX_PER_KIND or kind is None:
        raise ValueError(f"{code} is not a negotiation outcome code")
    return _numbered(kind, occurrence + 1)


def default_outcome_names(kinds: Sequence[str], names: Sequence[str | None]) -> list[str]:
    """Every outcome's name: the given one, else the meaning of its code (its kind, numbered
    from the second outcome of a kind on).

    A default depends on the kinds only, never on the names given to others, so it is the
    same wherever the outcome is listed among others' names; a given name equal to another
    outcome's default is a repeat, which validation refuses.

    Examples
    --------
    >>> default_outcome_names(["status_quo", "demand", "demand"], [None, None, None])
    ['status_quo', 'demand', 'demand_2']
    >>> default_outcome_names(["demand", "demand"], ["small", None])
    ['small', 'demand_2']
    """
    return [
        _numbered(kind, occurrence) if name is None else name
        for kind, name, occurrence in zip(kinds, names, _occurrences(kinds), strict=True)
    ]

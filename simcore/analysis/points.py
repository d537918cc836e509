"""Configurations at the points of a design: the base configuration with each point's values.

A design over configuration keys (a sweep's grid, an exploration's space-filling sample) is
a list of rows, one value per key. :func:`design_points` turns each row into the
``--set`` assignments that make it from the base configuration and validates the scenario
they give, before anything runs; one line names the first invalid point. Two kinds of key
need more than their own assignment:

- an outcome probability (``negotiation.outcomes.demand.probability``, an outcome named or
  indexed): with ``renormalize``,
  the probabilities not in the design are rescaled, keeping their proportions, so that all
  still sum to 1;
- the mean of a concession (``negotiation.outcomes.demand.concession.mean``): not a key of the
  configuration but of the judgment it encodes; it sets the Beta law's ``a`` and ``b`` to
  that mean, keeping their sum ``a + b`` (the law's concentration) as configured.

Each point keeps its assignments: ``smasim run CONFIG --set …`` with them reproduces the
point's paths bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simcore.config.load import load_scenario
from simcore.config.overrides import (
    OverrideError,
    format_path,
    outcome_key,
    parse_key,
    renormalizing,
    resolve_key,
)
from simcore.config.schema import Scenario
from simcore.core.errors import ParameterError, SmasimInputError, literal

__all__ = ["DesignPoint", "concession_mean_owner", "design_points", "outcome_probability"]

def outcome_probability(base: Scenario, key: str) -> int | None:
    """The index of the outcome whose probability ``key`` is (by name or index), or None.

    Raises
    ------
    OverrideError
        A malformed key, or an outcome name the configuration lacks.
    """
    found = outcome_key(resolve_key(base.model_dump(), key))
    return found[0] if found is not None and found[1] == "probability" else None


def concession_mean_owner(base: Scenario, key: str) -> str | None:
    """The concession law whose mean ``key`` is (``negotiation.outcomes[1].concession``, an
    outcome named or indexed), or None."""
    path = resolve_key(base.model_dump(), key)
    if path[-2:] == ("concession", "mean") and outcome_key(path[:-1]) is not None:
        return format_path(path[:-1])
    return None


def _value_at(data: Any, path: str) -> Any:
    """The value at a resolved dotted key of a configuration mapping (None if absent)."""
    node = data
    for part in parse_key(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _shown(value: Any, text: str) -> str:
    """A value as a message shows it: a float compactly (``-0.423077``), else as given."""
    return f"{value:g}" if isinstance(value, float) else text


@dataclass(frozen=True)
class DesignPoint:
    """One point of a design: its validated scenario, its values, and how it was made.

    Attributes
    ----------
    scenario : Scenario
        The base configuration with the point's assignments, named.
    values : tuple
        One TOML value per key of the design.
    texts : tuple of str
        The same values as TOML text.
    assignments : tuple of str
        Every ``KEY=VALUE`` that makes the point from the base configuration, in the order
        applied: the design's keys (a concession mean as its ``a`` and ``b``), then the
        rescaled outcome probabilities.
    """

    scenario: Scenario
    values: tuple[Any, ...]
    texts: tuple[str, ...]
    assignments: tuple[str, ...]


@dataclass(frozen=True)
class _KeyRoles:
    """What each key of a design is in the base configuration, found once for all points:
    the base's mapping, the concession law whose mean each key is (or None), and the
    outcome whose probability each key is (or None). Each point reads them; finding them
    again would dump the whole configuration (its tables of draws) per point and key."""

    data: dict[str, Any]
    owners: tuple[str | None, ...]
    outcomes: tuple[int | None, ...]

    @classmethod
    def of(cls, base: Scenario, keys: Sequence[str]) -> _KeyRoles:
        return cls(data=base.model_dump(),
                   owners=tuple(concession_mean_owner(base, key) for key in keys),
                   outcomes=tuple(outcome_probability(base, key) for key in keys))


def _assignments(base: Scenario, roles: _KeyRoles, keys: Sequence[str], values: Sequence[Any],
                 texts: Sequence[str], renormalize: bool) -> list[str]:
    made = []
    for key, value, text, owner in zip(keys, values, texts, roles.owners, strict=True):
        if owner is None:
            made.append(f"{key}={text}")
            continue
        law = _value_at(roles.data, owner)
        if not isinstance(law, dict) or not {"a", "b"} <= set(law):
            raise OverrideError(f"{key}={text}", f"{owner} is not a Beta law (a, b) of the "
                                                 "configuration")
        if not 0 < float(value) < 1:
            raise OverrideError(f"{key}={text}", "a concession's mean lies strictly between "
                                                 "0 and 1")
        total = float(law["a"]) + float(law["b"])
        made += [f"{owner}.a={float(value) * total!r}",
                 f"{owner}.b={(1.0 - float(value)) * total!r}"]
    if renormalize:
        swept = {index: float(value) for index, value in zip(roles.outcomes, values, strict=True)
                 if index is not None}
        made += renormalizing([o.probability for o in base.negotiation.outcomes], swept)
    return made


def design_points(
    config: str | Path,
    keys: Sequence[str],
    rows: Sequence[tuple[Sequence[Any], Sequence[str]]],
    names: Sequence[str],
    *,
    renormalize: bool = False,
    common: Sequence[str] = (),
    what: str = "point",
) -> list[DesignPoint]:
    """Every row of a design as a validated scenario of the base configuration.

    Parameters
    ----------
    config : str or Path
        The base configuration (TOML file).
    keys : sequence of str
        Dotted key paths, one per column of the design.
    rows : sequence of (values, texts)
        Per point, its TOML values and the same as TOML text.
    names : sequence of str
        Per point, its scenario name (``run.name``; cut to 100 characters).
    renormalize : bool
        Rescale the outcome probabilities not in the design whenever one is, keeping their
        proportions, so that they still sum to 1.
    common : sequence of str
        ``KEY=VALUE`` assignments every point gets first (e.g. ``run.percentiles``).
    what : str
        What a point is called in a message (``sweep point``).

    Raises
    ------
    SmasimInputError
        One line naming the first invalid point (its values) and what is wrong with it.
    """
    base = load_scenario(config)
    roles = _KeyRoles.of(base, keys)
    balanced = any(index is not None for index in roles.outcomes)
    points = []
    for (values, texts), name in zip(rows, names, strict=True):
        assignments: list[str] = []
        try:
            assignments = [*common, *_assignments(base, roles, keys, values, texts,
                                                              renormalize)]
            scenario = load_scenario(
                config, overrides=[*assignments, f"run.name='{name[:100]}'"]
            )
        except SmasimInputError as err:
            point = ", ".join(f"{key}={_shown(value, text)}"
                              for key, value, text in zip(keys, values, texts, strict=True))
            # An assignment error repeats the point's assignments: keep its reason only.
            reason = err.reason if isinstance(err, OverrideError) else str(err)
            if isinstance(err, OverrideError) and err.assignment in assignments:
                # Blamed alone, it was left out of its reason: name its key again.
                reason = f"{err.assignment.partition('=')[0]}: {reason}"
            hint = ""
            if balanced and not renormalize and "probabilities must sum to 1" in reason:
                hint = ("; {renormalize} rescales the other outcomes' probabilities to make up "
                        "the rest")
            raise ParameterError(literal(f"{what} {point}: {reason}") + hint) from None
        points.append(DesignPoint(scenario=scenario, values=tuple(values), texts=tuple(texts),
                                  assignments=tuple(assignments)))
    return points

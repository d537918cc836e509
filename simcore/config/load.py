"""Reading a scenario: a TOML file, TOML text or a mapping, with overrides; the batch rule.

:func:`load_scenario` (a file) and :func:`parse_scenario` (TOML text) return a validated
:class:`~simcore.config.schema.Scenario`, as :func:`~simcore.config.schema.scenario_from_dict`
does for a mapping (e.g. built in a notebook); a scenario read from text keeps the comment the
text opens with (:func:`header_comment`, ``Scenario.comment``). Every error is a
:class:`~simcore.core.errors.ConfigError` whose message names the source, the key path
(``inflation.kr.persistence``) and what is allowed; when overrides make a file invalid, the
message blames the assignment that did it. :func:`check_batch` says whether scenarios can
share random inputs in one file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simcore.config.messages import format_validation_error
from simcore.config.overrides import (
    OverrideError,
    apply_overrides,
    format_path,
    parse_override,
    resolve_key,
)
from simcore.config.schema import (
    ReportNotes,
    ReportSection,
    Scenario,
    scenario_from_dict,
    validate_scenario,
)
from simcore.core.errors import ConfigError


def load_scenario(path: str | Path, *, overrides: Sequence[str] = ()) -> Scenario:
    """Read and validate a scenario TOML file, with values changed by ``overrides``.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    overrides : sequence of str
        ``KEY=VALUE`` assignments (dotted key paths, TOML values) applied to the parsed
        file before validation (:func:`simcore.config.overrides.apply_overrides`).

    Returns
    -------
    Scenario
        The validated scenario with defaults resolved.

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not TOML, or breaks the contract; the message names
        the file and the key path.
    OverrideError
        An assignment cannot be applied, or the scenario it makes breaks the contract; the
        message starts with the assignment.
    """
    path = Path(path)
    return parse_scenario(read_toml_text(path, "a scenario TOML file"), source=str(path),
                          overrides=overrides, base_dir=path.parent)


def read_toml_text(path: Path, what: str) -> str:
    """The UTF-8 text of a TOML input file; a :class:`ConfigError` naming ``path`` if it
    cannot be read (``what`` says what the file should have been)."""
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not {what}")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except PermissionError:
        raise ConfigError(f"{path}: not readable (permission denied)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file (TOML must be UTF-8)") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror})") from None


def load_report_notes(path: str | Path) -> ReportSection:
    """The author's words for a report from a notes file (``smasim report --notes``).

    The file holds one ``[report]`` table with the keys of a scenario's (``title``,
    ``question``, ``bottom_line``; docs/spec/CONFIG.md).

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not TOML, or holds anything else; the message
        names the file and the key.
    """
    text = read_toml_text(Path(path), "a notes TOML file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    try:
        return ReportNotes.model_validate(data).report
    except ValidationError as err:
        raise ConfigError(f"{path}: {format_validation_error(err, ReportNotes)}") from None


def header_comment(text: str) -> str:
    """The comment block a TOML file opens with, one line per comment line (``""`` if none).

    Leading blank lines are skipped; the block ends at the first line that is not a
    comment. ``#`` markers and surrounding spaces are removed, empty comment lines dropped.
    """
    lines: list[str] = []
    for line in text.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if not stripped and not lines:
            continue
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return "\n".join(part for part in lines if part)


def parse_scenario(
    text: str, *, source: str = "<string>", overrides: Sequence[str] = (),
    base_dir: str | Path | None = None,
) -> Scenario:
    """Validate a scenario given as TOML text; ``source`` names it in error messages.

    ``overrides`` are ``KEY=VALUE`` assignments applied before validation, as for
    :func:`load_scenario`; a ``draws`` file is found relative to ``base_dir`` (the file's
    folder for :func:`load_scenario`; default: the working directory). The scenario's
    :attr:`~simcore.config.schema.Scenario.comment` is the text's :func:`header_comment`.
    """
    return _validate(text, source, overrides, base_dir).with_comment(header_comment(text))


def _validate(text: str, source: str, overrides: Sequence[str],
              base_dir: str | Path | None) -> Scenario:
    """:func:`parse_scenario` without the comment."""
    if not text.strip():
        raise ConfigError(f"{source}: the file is empty; a scenario needs at least [run]")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{source}: not valid TOML: {err}") from None
    if not overrides:
        return scenario_from_dict(data, source=source, base_dir=base_dir)
    try:
        changed = apply_overrides(data, overrides)
    except OverrideError as err:
        raise OverrideError(err.assignment, err.reason, source=source) from None
    try:
        return validate_scenario(changed, base_dir=base_dir)
    except ValidationError as err:
        reason = format_validation_error(err, Scenario)
        added = _added_table(data, overrides, err)
    try:
        validate_scenario(data, base_dir=base_dir)
    except ValidationError as err:
        # The file itself is invalid: report it as without the assignments.
        raise ConfigError(f"{source}: {format_validation_error(err, Scenario)}") from None
    if added:
        raise OverrideError(", ".join(overrides), added, source=source)
    # Each key as a validation message spells it: an outcome by its index
    # (negotiation.outcomes[1].term), found as the assignments before it left the file.
    keys = {a: format_path(resolve_key(apply_overrides(data, overrides[:k]),
                                       parse_override(a).path))
            for k, a in enumerate(overrides)}
    blamed = [a for a in overrides if _names_key(reason, keys[a])]
    if len(blamed) == 1:
        # The assignment names the key already: "fx.volatility=-1: must be >= 0".
        reason = reason.removeprefix(f"{keys[blamed[0]]}: ")
    raise OverrideError(", ".join(blamed or overrides), reason, source=source)


def _added_table(data: dict[str, Any], overrides: Sequence[str], err: ValidationError
                 ) -> str | None:
    """Why assignments into a table the file lacks fail for its missing required keys.

    ``--set defense.volatility=0.02`` on a file without ``[defense]`` creates the table with
    one key; the message says so and names the keys such a table needs, rather than listing
    them as missing as if the file had a broken ``[defense]``.
    """
    missing = [tuple(e["loc"]) for e in err.errors(include_url=False) if e["type"] == "missing"]
    for assignment in overrides:
        path = parse_override(assignment).path
        node: Any = data
        for depth, part in enumerate(path[:-1]):
            if isinstance(node, dict) and isinstance(part, str) and part not in node:
                table = path[: depth + 1]
                needed = [loc[-1] for loc in missing if loc[:-1] == table]
                if needed:
                    name = format_path(table)
                    return (f"the configuration has no [{name}] table; one needs its required "
                            f"keys {', '.join(f'{name}.{key}' for key in needed)} as well")
                break
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
    return None


def _names_key(message: str, key: str) -> bool:
    """Whether a validation message names the key path ``key`` (or a key below it)."""
    return re.search(rf"(?<![\w.\]]){re.escape(key)}(?![\w])", message) is not None


#: Keys on which the scenarios of a batch must agree, so that they share random inputs.
SHARED_RUN_KEYS = ("base_year", "horizon", "samples", "seed", "sampler", "percentiles")


def check_batch(
    scenarios: Sequence[Scenario],
    sources: Sequence[str] | None = None,
    *,
    keys: Sequence[str] = SHARED_RUN_KEYS,
) -> None:
    """Raise :class:`ConfigError` unless the scenarios can run as one batch.

    They must have distinct names and agree on :data:`SHARED_RUN_KEYS`, so that they share
    each sample's random inputs (common random numbers) and one summary layout.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The batch, after overrides.
    sources : sequence of str, optional
        Where each scenario came from (file names), for the messages; default their places
        in the argument: ``scenarios[0]``, ``scenarios[1]`` …
    keys : sequence of str
        The ``run`` keys compared (a run given its own seed ignores ``seed``).
    """
    if sources is None:
        sources = [f"scenarios[{index}]" for index in range(len(scenarios))]
    names = [s.run.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        where = ", ".join(
            f"{n} ({', '.join(src for src, m in zip(sources, names, strict=True) if m == n)})"
            for n in duplicates
        )
        raise ConfigError(f"run.name: scenario names in a batch must be unique; repeated: {where}")
    first = scenarios[0]
    for key in keys:
        expected = getattr(first.run, key)
        for scenario, source in zip(scenarios[1:], sources[1:], strict=True):
            if getattr(scenario.run, key) != expected:
                raise ConfigError(
                    f"run.{key}: scenarios of a batch must agree"
                    + (" (common random numbers)" if key != "percentiles" else "")
                    + f"; {sources[0]} has {expected!r}, {source} has "
                    f"{getattr(scenario.run, key)!r}"
                )

"""Validation errors in one line, worded for someone editing the TOML.

:func:`format_validation_error` rewords pydantic's errors: each names its key path as the
file spells it (``negotiation.outcomes[1].term``, without pydantic's union tags) and what is
allowed; a misspelt key gets a suggestion and the list of keys its table allows; a value
where a table belongs lists the table's keys.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError

from simcore.core.types import OutcomeKind, RuleKind


def format_validation_error(
    err: ValidationError, model: type[BaseModel], *, limit: int = 4
) -> str:
    """One line naming each offending key path of ``model`` (the model validated) and what
    is allowed.

    A misspelt key is reported once, as an unknown key with its suggestion: the "missing"
    error of the key it was meant to be is dropped, and unknown keys come first.
    """
    errors = err.errors(include_url=False)
    meant: set[tuple[int | str, ...]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            loc = tuple(error["loc"])
            close = difflib.get_close_matches(
                str(loc[-1]), _allowed_keys(model, loc[:-1]), n=1, cutoff=0.6
            )
            meant.update((*loc[:-1], key) for key in close)
    kept = [e for e in errors if not (e["type"] == "missing" and tuple(e["loc"]) in meant)]
    kept.sort(key=lambda e: e["type"] != "extra_forbidden")
    messages = [_format_one(e, model) for e in kept]
    unique = list(dict.fromkeys(messages))
    line = "; ".join(unique[:limit])
    if len(unique) > limit:
        line += f" (and {len(unique) - limit} more)"
    return line


_TAGS = set(get_args(OutcomeKind)) | set(get_args(RuleKind)) | {"lognormal", "gamma"}
#: Tags of the forms a law's value can take (a number, a table, a mixture), which pydantic
#: adds to the location after the key: ``concession.mixture`` is the key path, not
#: ``concession.mixture.mixture``.
_FORM_TAGS = {"fixed", "beta", "mixture", "discrete"}
_LAW_KEYS = {"concession", "funding_fraction", "demand_usd"}


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key_path(loc: tuple[int | str, ...]) -> str:
    """``('negotiation', 'outcomes', 1, 'demand', 'term')`` → ``negotiation.outcomes[1].term``."""
    path = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in _TAGS and (isinstance(previous, int) or previous == "escalation"):
            pass  # the discriminator pydantic adds to the location: not a key the user wrote
        elif part in _FORM_TAGS and previous in _LAW_KEYS:
            pass  # likewise, the form of a law
        elif "[" in part or "," in part:
            pass  # pydantic's name of a union member or a dict-key validator
        else:
            # A key that is not a bare TOML key (a space, a newline) is written quoted, as
            # TOML would, so that the message stays one line.
            key = part if _BARE_KEY.fullmatch(part) else json.dumps(part)
            path += f".{key}" if path else key
        previous = part
    return path


def _format_one(error: Any, model: type[BaseModel]) -> str:
    loc: tuple[int | str, ...] = tuple(error["loc"])
    path = _key_path(loc)
    kind = error["type"]
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
        # Messages from cross-field checks already start with their own key path.
        if ":" in message.split(" ")[0]:
            return message
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        key = str(loc[-1])
        hint = ""
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        return f"{path}: unknown key{hint} (allowed: {', '.join(allowed)})"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "model_type":
        keys = ", ".join(_allowed_keys(model, loc))
        return f"{path} is a table: set its keys ({keys}), not a value"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        key = str(ctx.get("discriminator", "")).strip("'")
        return (
            f"{path}.{key}: unknown value {ctx.get('tag')!r} "
            f"(allowed: {ctx.get('expected_tags')})"
        )
    message = message.replace("Input should be", "must be")
    got = error.get("input")
    # A float computed from others (a renormalized probability) is shown to 6 digits.
    long = isinstance(got, float) and float(f"{got:.6g}") != got
    value = f"{got:.6g}" if long else repr(got)
    shown = "" if isinstance(got, dict | list) else f" (got {value})"
    return f"{path or 'scenario'}: {message}{shown}"


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the section at ``loc`` of ``model``, walking its annotations."""
    target: Any = model
    for part in loc:
        target = _unwrap(target, part)
        if target is None:
            return []
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _unwrap(annotation: Any, part: int | str) -> Any:
    """The annotation one step down ``part`` (a field name, a list index or a union tag)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if isinstance(part, str):
            for member in members:
                if get_origin(member) is Annotated and any(
                        isinstance(meta, Tag) and meta.tag == part
                        for meta in get_args(member)[1:]):
                    return get_args(member)[0]
                if isinstance(member, type) and issubclass(member, BaseModel):
                    tag = next((member.model_fields[name] for name in ("kind", "rule", "family")
                                if name in member.model_fields), None)
                    if tag is not None and part in get_args(tag.annotation):
                        return member
                    if part in member.model_fields and len(members) == 1:
                        return _unwrap(member, part)
        if len(members) == 1:
            return _unwrap(members[0], part)
        return None
    if isinstance(part, int):
        return get_args(annotation)[0] if origin is list else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part)
        if field is None:
            return None
        hints = typing.get_type_hints(annotation, include_extras=True)
        return hints.get(part, field.annotation)
    return None

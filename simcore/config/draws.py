"""Driver parameters that are tables of draws (docs/spec/MODEL.md §2a).

A driver parameter is a number or a table of draws: an inline TOML array of numbers, or a
column of a CSV file that the section names with ``draws = "<folder>/<sha256>.csv"``. The
file's name is the SHA-256 of its bytes, so whatever folder holds it, it can only be the
table that was written: a file whose bytes do not match its name is refused. Its header
names parameters of the section; each column is that parameter's draws, one row per draw.
A key the section sets itself takes precedence over the file's column of the same name
(``--set inflation.kr.volatility=0.02`` on a calibrated scenario fixes that parameter).

:func:`parameter_validator` validates such a parameter; :func:`merge_draws_file` reads a
section's file into its mapping before validation.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationInfo

#: The validation-context key of the folder that relative ``draws`` paths start from.
BASE_DIR = "base_dir"
#: The validation-context key of draws files not written yet: relative path → text (a
#: scenario checked before its files are written).
PENDING_FILES = "pending_files"
#: The name a draws file must have: the SHA-256 of its bytes, in lower-case hexadecimal.
_SHA256_NAME = re.compile(r"^[0-9a-f]{64}$")
#: A line of TOML text that names a draws file: ``draws = "<path>"`` (basic or literal
#: string), any comment after it.
_DRAWS_LINE = re.compile(r"""^(\s*draws\s*=\s*)(["'])([^"']+)\2(.*)$""")

Value = float | list[float]


def _bound_check(gt: float | None, ge: float | None, lt: float | None, le: float | None
                 ) -> Callable[[float], str | None]:
    """The first bound a number breaks, worded as pydantic words it, or None."""
    def check(value: float) -> str | None:
        if gt is not None and not value > gt:
            return f"Input should be greater than {gt:g}"
        if ge is not None and not value >= ge:
            return f"Input should be greater than or equal to {ge:g}"
        if lt is not None and not value < lt:
            return f"Input should be less than {lt:g}"
        if le is not None and not value <= le:
            return f"Input should be less than or equal to {le:g}"
        return None
    return check


def _number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is not a number (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parameter_validator(*, gt: float | None = None, ge: float | None = None,
                        lt: float | None = None, le: float | None = None
                        ) -> Callable[[Any], Value]:
    """The validator of a driver parameter: a number, or a non-empty list of draws, each
    within the bounds (``Annotated[Value, PlainValidator(parameter_validator(...))]``)."""
    check = _bound_check(gt, ge, lt, le)

    def validate(value: Any) -> Value:
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError("a table of draws needs at least one value")
            if set(map(type, value)) == {float}:
                # The common case (thousands of draws), checked at once; a failure is then
                # found and worded draw by draw below.
                table = np.array(value)
                if np.isfinite(table).all() and all(
                        check(float(bound)) is None for bound in (table.min(), table.max())):
                    return list(value)
            draws = []
            for k, item in enumerate(value):
                number = _number(item)
                if number is None:
                    raise ValueError(f"draw {k} is {item!r}, not a finite number")
                broken = check(number)
                if broken is not None:
                    raise ValueError(f"draw {k} is {number!r}: "
                                     + broken.replace("Input should be", "each must be"))
                draws.append(number)
            return draws
        number = _number(value)
        if number is None:
            raise ValueError("Input should be a finite number or an array of draws")
        broken = check(number)
        if broken is not None:
            raise ValueError(broken)
        return number

    return validate


def table_size(values: Iterable[Value]) -> int | None:
    """The number of draws shared by the tables among ``values`` (None: all scalars).

    Raises
    ------
    ValueError
        Two tables of different lengths (a row is one joint draw of every parameter).
    """
    sizes = {len(v) for v in values if isinstance(v, list)}
    if len(sizes) > 1:
        raise ValueError(f"tables of draws must have one length, a row per draw (got "
                         f"lengths {sorted(sizes)})")
    return sizes.pop() if sizes else None


def read_draws_file(path: Path, allowed: Iterable[str], *, text: str | None = None
                    ) -> dict[str, list[float]]:
    """The columns of a draws file, checked against its name (its SHA-256) and ``allowed``;
    ``text`` is the file's content when it is not on disk yet."""
    if not _SHA256_NAME.match(path.stem) or path.suffix != ".csv":
        raise ValueError(f"draws file {path}: the name must be the SHA-256 of the file's "
                         "bytes (64 lower-case hexadecimal digits) with the suffix .csv")
    try:
        data = path.read_bytes() if text is None else text.encode("utf-8")
    except FileNotFoundError:
        raise ValueError(f"draws file {path}: no such file") from None
    except OSError as err:
        raise ValueError(f"draws file {path}: cannot be read ({err.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != path.stem:
        raise ValueError(f"draws file {path}: its bytes have SHA-256 {digest}, not the one "
                         "its name states (the file was changed after it was written)")
    header, columns = _parsed_draws(path, data)
    allowed = list(allowed)
    unknown = [name for name in header if name not in allowed]
    if unknown or len(set(header)) != len(header):
        raise ValueError(f"draws file {path}: columns {list(header)} must be distinct names "
                         f"among {', '.join(allowed)}")
    return {name: list(values) for name, values in zip(header, columns, strict=True)}


@functools.lru_cache(maxsize=32)
def _parsed_draws(path: Path, data: bytes
                  ) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
    """The header and columns of a draws file's bytes, parsed once per process: every point
    of an exploration or a sweep loads the same few files, whose names are their SHA-256."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    except UnicodeDecodeError:
        raise ValueError(f"draws file {path}: not a UTF-8 text file") from None
    if len(rows) < 2:
        raise ValueError(f"draws file {path}: needs a header and at least one row of draws")
    header = rows[0]
    columns: dict[str, list[float]] = {name: [] for name in header}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ValueError(f"draws file {path}, line {line}: {len(row)} cells for "
                             f"{len(header)} columns")
        for name, cell in zip(header, row, strict=True):
            try:
                number = float(cell)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ValueError(f"draws file {path}, line {line}, column {name}: {cell!r} "
                                 "is not a finite number")
            columns[name].append(number)
    return tuple(header), tuple(tuple(values) for values in columns.values())


def draws_file_text(columns: dict[str, list[float]]) -> str:
    """The text of a draws file: a header of parameter names, then one row per draw, each
    number as Python's shortest round-trip repr (what the file's reader gets back)."""
    names = list(columns)
    lines = [",".join(names)]
    lines += [",".join(repr(float(columns[name][k])) for name in names)
              for k in range(len(columns[names[0]]))]
    return "\n".join(lines) + "\n"


def draws_file_name(text: str) -> str:
    """The name a draws file with this text must have: its SHA-256 and ``.csv``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest() + ".csv"


def merge_draws_file(data: Any, info: ValidationInfo, allowed: Iterable[str]) -> Any:
    """A section's mapping with its ``draws`` file's columns added (its own keys win) and the
    ``draws`` key removed: the validated section holds the draws inline."""
    if not isinstance(data, dict) or data.get("draws") is None:
        return data
    name = data["draws"]
    if not isinstance(name, str) or not name:
        raise ValueError(f"draws must be the path of a draws file (got {name!r})")
    context = info.context or {}
    base = Path(context.get(BASE_DIR, "."))
    columns = read_draws_file(base / name, allowed,
                              text=context.get(PENDING_FILES, {}).get(name))
    merged = {key: value for key, value in data.items() if key != "draws"}
    for column, values in columns.items():
        merged.setdefault(column, values)
    return merged


def relocated_draws_lines(lines: Iterable[str], source_dir: Path, target_dir: Path
                          ) -> list[str]:
    """Lines of a scenario's TOML text written to ``target_dir`` from a base in
    ``source_dir``: each relative ``draws`` path made to name the same file from the new
    folder (``draws/<sha256>.csv`` of ``configs/baseline.toml`` is
    ``../draws/<sha256>.csv`` from ``configs/variants/``); other lines unchanged.

    >>> relocated_draws_lines(['draws = "draws/a.csv"  # note'], Path("configs"),
    ...                       Path("configs/variants"))
    ['draws = "../draws/a.csv"  # note']
    """
    out = []
    for line in lines:
        match = _DRAWS_LINE.match(line)
        if match and not Path(match[3]).is_absolute():
            moved = Path(os.path.relpath(source_dir / match[3], target_dir)).as_posix()
            line = f"{match[1]}{match[2]}{moved}{match[2]}{match[4]}"
        out.append(line)
    return out

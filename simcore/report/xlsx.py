"""Tables as an Excel workbook: one sheet per table, numbers stored as numbers, and an
"about" sheet saying where they came from.

Any list of :class:`~simcore.report.formats.TextTable` becomes a workbook: each table is
laid out by :func:`~simcore.report.formats.table_grid` (a number per cell, in the display
unit its header names, its Monte Carlo error and its range in columns of their own) and
written as a sheet: the title in the first row, the header in the second, the rows, then
the caption. Numbers keep every digit the format holds (16 significant) and are shown with
the decimals the table shows them with. The last sheet, ``about``, lists the command, the
versions and what the numbers were computed from (for a result file,
:func:`simcore.report.file_info.file_facts`).

Written by XlsxWriter under a temporary name and renamed when complete
(:func:`simcore.io.atomic.replacing`).
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from simcore.io.atomic import replacing
from simcore.report.formats import Grid, TextTable, table_grid

__all__ = ["ABOUT_SHEET", "AboutRows", "sheet_names", "workbook_about", "write_workbook"]

#: What an about sheet lists: (what, value) pairs, in order.
AboutRows = Sequence[tuple[str, Any]]
#: The name of the sheet that says where the numbers came from (always the last).
ABOUT_SHEET = "about"
#: Excel's longest sheet name.
MAX_SHEET_NAME = 31
#: Characters Excel refuses in a sheet name.
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
#: Sheet names Excel keeps for itself (compared without case).
_RESERVED = {"history"}
#: Widest column, in characters (longer text wraps or overflows).
MAX_WIDTH = 40
#: Height of a line of text, in points (the default font's).
LINE_HEIGHT = 15


def sheet_names(tables: Sequence[TextTable]) -> list[str]:
    """A sheet name per table: its ``sheet``, else its title, without the characters Excel
    refuses, at most 31 characters, unique (without case) and never ``about``.

    >>> sheet_names([TextTable("a: b [USD bn]", [], []), TextTable("a: b [USD bn]", [], []),
    ...              TextTable("", [], [], sheet="History")])
    ['a b USD bn', 'a b USD bn (2)', 'History (2)']
    """
    taken = {ABOUT_SHEET, *_RESERVED}
    names = []
    for k, table in enumerate(tables):
        base = _NOT_IN_SHEET_NAMES.sub("", table.sheet or table.title.split(" — ")[0])
        base = " ".join(base.split()).strip("'") or f"table {k + 1}"
        name, count = base[:MAX_SHEET_NAME], 1
        while name.lower() in taken:
            count += 1
            suffix = f" ({count})"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _number_format(decimals: int | None) -> str:
    """Excel's format for a number shown with ``decimals`` (thousands separated)."""
    if decimals is None:
        return "General"
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _width(values: Sequence[Any]) -> float:
    """A column's width in characters: its widest value, within [8, MAX_WIDTH]."""
    longest = max((len(f"{v:,.3f}") if isinstance(v, float) else len(str(v))
                   for v in values if v is not None), default=0)
    return float(min(MAX_WIDTH, max(8, longest + 2)))


class _Styles:
    """The workbook's cell formats, each made once (XlsxWriter keeps every one it makes)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.title = book.add_format({"bold": True, "font_size": 12})
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "bottom",
                                       "bottom": 1})
        self.caption = book.add_format({"italic": True, "font_color": "#555555"})
        self.key = book.add_format({"bold": True, "valign": "top"})
        self.text = book.add_format({"valign": "top", "text_wrap": True})
        self._numbers: dict[str, Any] = {}

    def number(self, decimals: int | None) -> Any:
        pattern = _number_format(decimals)
        if pattern not in self._numbers:
            self._numbers[pattern] = self.book.add_format({"num_format": pattern})
        return self._numbers[pattern]


def _write_sheet(book: xlsxwriter.Workbook, name: str, grid: Grid, styles: _Styles) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, grid.title or name, styles.title)
    for col, text in enumerate(grid.header):
        sheet.write_string(1, col, text, styles.header)
    for r, (values, places) in enumerate(zip(grid.rows, grid.decimals, strict=True), start=2):
        for col, (value, decimals) in enumerate(zip(values, places, strict=True)):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, col, value)
            else:
                sheet.write_number(r, col, value, styles.number(decimals))
    if grid.caption:
        sheet.write_string(len(grid.rows) + 3, 0, grid.caption, styles.caption)
    lines = 1
    for col, text in enumerate(grid.header):
        # The header wraps: a column is as wide as its values, and at least a word of it.
        words = max((len(word) for word in text.split()), default=0)
        width = max(_width([row[col] for row in grid.rows]), min(MAX_WIDTH, words + 2))
        sheet.set_column(col, col, width)
        lines = max(lines, len(textwrap.wrap(text, max(1, int(width) - 1))))
    # Not every reader fits a row to its wrapped text: the header row says its height.
    sheet.set_row(1, LINE_HEIGHT * lines)
    sheet.freeze_panes(2, 1)
    # Printed (or made a PDF): landscape, the header and first column on every page.
    sheet.set_landscape()
    sheet.repeat_rows(1)
    sheet.repeat_columns(0)


def _write_about(book: xlsxwriter.Workbook, about: AboutRows, styles: _Styles) -> None:
    sheet = book.add_worksheet(ABOUT_SHEET)
    sheet.write_string(0, 0, "About this workbook", styles.title)
    for r, (key, value) in enumerate(about, start=2):
        sheet.write_string(r, 0, key, styles.key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            sheet.write_string(r, 1, str(value), styles.text)
        else:
            sheet.write_number(r, 1, value)
    sheet.set_column(0, 0, max([len(key) for key, _ in about] + [12]) + 2)
    sheet.set_column(1, 1, 100)


def write_workbook(path: str | Path, tables: Sequence[TextTable], about: AboutRows, *,
                   overwrite: bool = False) -> None:
    """Write ``tables`` as an Excel workbook: a sheet per table, then the about sheet.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file; written under a temporary name and renamed when complete.
    tables : sequence of TextTable
        The tables, each a sheet (:func:`sheet_names`) laid out by
        :func:`~simcore.report.formats.table_grid`.
    about : sequence of (str, value)
        What the about sheet lists (:func:`workbook_about`, then what the numbers come from:
        :func:`simcore.report.file_info.file_facts`).
    overwrite : bool
        Replace ``path`` if it exists.
    """
    with replacing(path, overwrite=overwrite) as temp:
        # strings_to_numbers and friends stay off: text is text. NaN never reaches a cell
        # (table_grid makes it None, an empty cell).
        book = xlsxwriter.Workbook(str(temp), {"strings_to_formulas": False,
                                               "strings_to_urls": False})
        styles = _Styles(book)
        for name, table in zip(sheet_names(tables), tables, strict=True):
            _write_sheet(book, name, table_grid(table), styles)
        _write_about(book, about, styles)
        book.set_properties({"title": tables[0].title if tables else "smasim",
                             "comments": "Written by smasim"})
        book.close()


def workbook_about(command: str) -> list[tuple[str, Any]]:
    """What every workbook's about sheet says first: when, by which command, with which
    versions, and how to read the sheets."""
    # Imported here: the versions are asked for only when a workbook is written.
    from simcore.io.provenance import installed_versions

    written = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    versions = installed_versions()
    return [
        ("workbook written", written),
        ("command", command),
        ("smasim version", versions["smasim"]),
        ("versions", " ".join(f"{name}={version}" for name, version in versions.items())),
        ("how to read", "One sheet per table: its title in row 1, its header in row 2 (each "
         "number's unit in brackets), its caption below it. Monte Carlo errors (se: a standard "
         "error; CI half-width: half a 95% confidence interval) are columns of their own; "
         "an empty cell is undefined."),
    ]


"""Table values and file formats: :class:`TextTable`, and rows as CSV, JSON and Markdown.

Every text format is one function over the rows and their tables:

    render_<format>(rows, tables) -> str

``rows`` flatten with ``as_record()`` (the row dataclasses of :mod:`simcore.read.rows`, or
of an analysis), ``tables`` lays them out for people as :class:`TextTable` values of display
strings with a title and a caption (:mod:`simcore.report.render`, :mod:`simcore.report.budget`,
…). CSV and JSON use only the records (the file's units); Markdown (and an HTML renderer,
joining as one more entry of :data:`RENDERERS`) uses only the tables (display units). The
terminal's rich tables are drawn by the CLI from the same tables. :func:`json_document`
writes every JSON output (with its schema version), :func:`json_text` any JSON text.

The tables also serve programs that want them as people read them: a cell that shows a
number is a :class:`Number` (a string that keeps the value it shows, in the display unit,
with its error or range), a table's :class:`Column` values say what unit each column is in,
and :func:`table_grid` lays a table out with one number per cell, its errors in their own
columns: the wide CSV (:func:`render_wide_csv`) and the Excel workbook
(:mod:`simcore.report.xlsx`) are written from it.

Light (the standard library only), so that a command printing a table or JSON (``smasim
history``, ``calibrate``) loads neither the read side nor scipy.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simcore.core.records import json_ready

if TYPE_CHECKING:
    from simcore.read.rows import Row

#: Output formats: ``table`` is drawn by the terminal (rich), ``xlsx`` by
#: :mod:`simcore.report.xlsx` (a binary file), the others by :data:`RENDERERS`.
FORMATS = ("table", "csv", "json", "markdown", "xlsx")
#: Formats implied by an output file's suffix when no format is given.
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown",
                  ".xlsx": "xlsx"}
#: How a CSV lays its values out: ``long``, one record per row in the file's units (as JSON);
#: ``wide``, the tables as people read them, in their display units (as the workbook).
LAYOUTS = ("long", "wide")
#: The version of every JSON output's keys (docs/spec/CONFIG.md, "Output formats"): raised
#: whenever a key of any JSON output changes meaning, is renamed or removed.
JSON_SCHEMA_VERSION = 1


class Number(str):
    """A table cell that shows a number: its text, and the number behind it.

    A :class:`TextTable` holds strings, and a ``Number`` is one (the terminal, Markdown and
    the HTML report print its text), so a table builder that returns numbers as ``Number``
    gives a spreadsheet real numbers (:func:`table_grid`) while everything else reads text.

    Attributes
    ----------
    value : float or None
        The number the text shows, in its column's display unit (USD bn, %, …); None where
        it is undefined (the text is then ``—``).
    error : float or None
        The ± beside it, in the same unit: a standard error or half a confidence interval,
        as its :class:`Column` says.
    low, high : float or None
        The range shown beside it (``1.35 (0.97–3.38)``), in the same unit.
    decimals : int or None
        Decimals the text shows: a spreadsheet shows the number with as many.

    Examples
    --------
    >>> cell = Number("1.131 ±0.004", 1.1312, error=0.0041, decimals=3)
    >>> cell, cell.value, cell.error
    ('1.131 ±0.004', 1.1312, 0.0041)
    """

    value: float | None
    error: float | None
    low: float | None
    high: float | None
    decimals: int | None

    def __new__(cls, text: str, value: float | None, *, error: float | None = None,
                low: float | None = None, high: float | None = None,
                decimals: int | None = None) -> Number:
        cell = super().__new__(cls, text)
        cell.value = _finite(value)
        cell.error = _finite(error)
        cell.low = _finite(low)
        cell.high = _finite(high)
        cell.decimals = decimals
        return cell

    def __reduce__(self) -> tuple[Any, ...]:
        # A str subclass with attributes pickles through its constructor.
        return (_number, (str(self), self.value, self.error, self.low, self.high,
                          self.decimals))

    def with_text(self, text: str) -> Number:
        """The same number shown as ``text`` (the text with a note appended, say)."""
        return Number(text, self.value, error=self.error, low=self.low, high=self.high,
                      decimals=self.decimals)


def _number(text: str, value: float | None, error: float | None, low: float | None,
            high: float | None, decimals: int | None) -> Number:
    return Number(text, value, error=error, low=low, high=high, decimals=decimals)


def _finite(value: float | None) -> float | None:
    """A number as a cell holds it: None where undefined (NaN, ±inf)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = float(value)
    return value if math.isfinite(value) else None


def whole(value: int) -> Number:
    """A whole number (a year, a count of paths) as a cell: ``2027``, ``100,000``."""
    return Number(f"{value:,}" if abs(value) >= 10_000 else str(value), value, decimals=0)


@dataclass(frozen=True)
class Column:
    """What one column of a :class:`TextTable` holds, for a spreadsheet or a wide CSV.

    Attributes
    ----------
    label : str
        The column's name without its unit (``mean``, ``P5``, ``2027``).
    unit : str
        The display unit of its numbers (``USD bn``, ``KRW tn``, ``%``), named in the
        header: ``mean [USD bn]``; empty for text, years and counts.
    statistic : str
        What a cell's number is when its label does not say it (``median``).
    error : str
        What a cell's ± is (``se``, ``95% CI half-width``): its own column.
    low, high : str
        What a cell's range is (``P5``, ``P95``): two columns of their own.
    """

    label: str
    unit: str = ""
    statistic: str = ""
    error: str = ""
    low: str = ""
    high: str = ""

    def header(self, part: str) -> str:
        """The header of one of the column's parts (``value``, ``error``, ``low``,
        ``high``): ``P5 95% CI half-width [USD bn]``."""
        name = {"value": self.statistic, "error": self.error or "±",
                "low": self.low or "low", "high": self.high or "high"}[part]
        text = f"{self.label} {name}" if name else self.label
        return f"{text} [{self.unit}]" if self.unit else text


@dataclass(frozen=True)
class TextTable:
    """A table of display strings: what the CLI prints with rich, or as Markdown; its
    :class:`Number` cells keep the numbers they show, for spreadsheets."""

    title: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    #: What each column holds, for a spreadsheet (:func:`table_grid`); a table without them
    #: keeps its header as it is, and the numbers of its :class:`Number` cells.
    columns: tuple[Column, ...] = ()
    #: A short name (a workbook's sheet: at most 31 characters); default from the title.
    sheet: str = ""

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table under a bold title, numbers right-aligned."""
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.header) + " |")
        lines.append("|" + "|".join([":---"] + ["---:"] * (len(self.header) - 1)) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.caption:
            lines += ["", f"_{self.caption}_"]
        return "\n".join(lines) + "\n"

    def to_text(self, gap: int = 2, width: int | None = None) -> list[str]:
        """Plain fixed-width lines: title, header, rule, rows (first column left-aligned,
        the others right-aligned), caption; title and caption wrapped to ``width``."""
        cells = [self.header, *self.rows]
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.header))]

        def line(row: Sequence[str]) -> str:
            parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                            strict=True)]
            return (" " * gap).join(parts).rstrip()

        def wrap(text: str) -> list[str]:
            return textwrap.wrap(text, width) if width else [text]

        lines = wrap(self.title) if self.title else []
        lines += [line(self.header), "-" * len(line(self.header))]
        lines += [line(row) for row in self.rows]
        if self.caption:
            lines += wrap(self.caption)
        return lines


Tables = Callable[[Sequence[Any]], list[TextTable]]

#: A value of a spreadsheet cell: a number, text, or None (an empty cell).
GridValue = str | int | float | None
#: The parts of a :class:`Number` that a spreadsheet gives columns of their own, in order.
PARTS = ("value", "error", "low", "high")


@dataclass(frozen=True)
class Grid:
    """A table as a spreadsheet holds it: one header row, then one value per cell.

    Attributes
    ----------
    title, caption, sheet : str
        The table's.
    header : list of str
        Each column's name with its unit (``mean [USD bn]``, ``mean se [USD bn]``).
    rows : list of list
        Numbers (in the header's unit), text, or None (an undefined or empty cell).
    decimals : list of list of int or None
        Per cell, the decimals the table shows its number with (None: text, or not said).
    """

    title: str
    header: list[str]
    rows: list[list[GridValue]]
    decimals: list[list[int | None]]
    caption: str = ""
    sheet: str = ""


#: A plain number as a table shows it: ``2027``, ``-0.25``, ``1,234.5``, ``1.5e+09``, ``45%``.
_NUMBER_TEXT = re.compile(
    r"^(?P<sign>[+\-−]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?"
    r"(?P<exponent>[eE][+\-]?\d+)?(?P<percent>%?)$"
)


def read_number(text: str) -> tuple[Number, bool] | None:
    """The number a plain cell's text shows, and whether it is a percentage; None if the
    text is not one plain number.

    >>> read_number("1,234.50"), read_number("−3"), read_number("45%"), read_number("12 of 20")
    (('1,234.50', False), ('−3', False), ('45%', True), None)
    >>> cell, _ = read_number("45%"); cell.value, cell.decimals
    (45, 0)
    """
    match = _NUMBER_TEXT.match(text.strip())
    if match is None:
        return None
    digits = match["whole"].replace(",", "")
    fraction = match["fraction"] or ""
    sign = "-" if match["sign"] in ("-", "−") else ""
    value: float | int
    if fraction or match["exponent"]:
        value = float(f"{sign}{digits}.{fraction or 0}{match['exponent'] or ''}")
    else:
        value = int(f"{sign}{digits}")
    decimals = None if match["exponent"] else len(fraction)
    return Number(text, value, decimals=decimals), bool(match["percent"])


def _cells(table: TextTable, k: int) -> tuple[list[Number | str], bool]:
    """Column ``k``'s cells, each plain number read as a :class:`Number`, and whether its
    plain numbers are all percentages (the column is then in %)."""
    cells: list[Number | str] = []
    percents: list[bool] = []
    for row in table.rows:
        cell = row[k]
        read = None if isinstance(cell, Number) else read_number(cell)
        if read is not None:
            cells.append(read[0])
            percents.append(read[1])
        else:
            cells.append(cell)
    return cells, bool(percents) and all(percents)


def table_grid(table: TextTable) -> Grid:
    """``table`` with one number per cell: each :class:`Number` gives its value, and its
    error and range where the column has them, each in a column of its own.

    A cell of plain text that is one number (``2027``, ``0.52``, ``45%``) is read as one
    (:func:`read_number`; a column of percentages is in %, as its header then says); other
    text stays text, and ``—`` and empty cells become None. The header names each column's
    unit (:meth:`Column.header`).

    >>> table = TextTable("t", ["year", "mean ±se"],
    ...                   [[whole(2027), Number("1.13 ±0.01", 1.131, error=0.012)]],
    ...                   columns=(Column("year"), Column("mean", "USD bn", error="se")))
    >>> grid = table_grid(table)
    >>> grid.header, grid.rows
    (['year', 'mean [USD bn]', 'mean se [USD bn]'], [[2027, 1.131, 0.012]])
    """
    columns = [*table.columns, *(Column(text) for text in table.header[len(table.columns):])]
    spans: list[list[str]] = []
    read: list[list[Number | str]] = []
    for k, column in enumerate(columns):
        cells, percent = _cells(table, k)
        if percent and not column.unit:
            columns[k] = Column(column.label, "%", column.statistic, column.error, column.low,
                                column.high)
        read.append(cells)
        spans.append(["value", *(part for part in PARTS[1:] if any(
            isinstance(cell, Number) and getattr(cell, part) is not None for cell in cells))])
    header = [column.header(part) for column, parts in zip(columns, spans, strict=True)
              for part in parts]
    rows: list[list[GridValue]] = []
    decimals: list[list[int | None]] = []
    for r in range(len(table.rows)):
        values: list[GridValue] = []
        places: list[int | None] = []
        for cells, parts in zip(read, spans, strict=True):
            cell = cells[r]
            for part in parts:
                if isinstance(cell, Number):
                    values.append(getattr(cell, part))
                    places.append(cell.decimals)
                else:
                    values.append(cell if part == "value" and cell not in ("", "—") else None)
                    places.append(None)
        rows.append(values)
        decimals.append(places)
    return Grid(title=table.title, header=header, rows=rows, decimals=decimals,
                caption=table.caption, sheet=table.sheet)


def render_wide_csv(tables: Sequence[TextTable]) -> str:
    """The tables as people read them, as CSV: each :func:`table_grid`, numbers in the
    display unit its header names, errors in their own columns, every digit kept.

    One table is written as it is; several share one header (the union of theirs, in
    order), after a first column ``table`` naming each row's table by its title.
    """
    grids = [table_grid(table) for table in tables]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if len(grids) == 1:
        writer.writerow(grids[0].header)
        writer.writerows(grids[0].rows)
        return buffer.getvalue()
    header = list(dict.fromkeys(name for grid in grids for name in grid.header))
    writer.writerow(["table", *header])
    for grid in grids:
        for row in grid.rows:
            cells = dict(zip(grid.header, row, strict=True))
            writer.writerow([grid.title or grid.sheet, *(cells.get(name) for name in header)])
    return buffer.getvalue()


def records(rows: Sequence[Row]) -> list[dict[str, object]]:
    """Flat records sharing one set of keys (their union, in order; absent ones None)."""
    flat = [row.as_record() for row in rows]
    keys = list(dict.fromkeys(key for record in flat for key in record))
    return [{key: record.get(key) for key in keys} for record in flat]


def render_csv(rows: Sequence[Row], tables: Tables | None = None) -> str:
    """CSV in the file's units, one record per row (the long layout); an undefined value
    is an empty cell."""
    flat = records(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(flat[0]) if flat else [],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def json_text(value: Any) -> str:
    """``value`` as indented JSON text ending in a newline (:func:`json_document` writes
    every JSON output through it).

    numpy values become Python's and an undefined number (NaN, ±inf) becomes ``null``
    (:func:`simcore.core.records.json_ready`): never the invalid ``NaN`` token.

    >>> print(json_text({"rate": float("nan"), "n": 3}), end="")
    {
      "rate": null,
      "n": 3
    }
    """
    return json.dumps(json_ready(value), indent=2, allow_nan=False) + "\n"


def json_document(body: dict[str, Any]) -> str:
    """A JSON output: the object ``body`` after its ``schema_version``
    (:data:`JSON_SCHEMA_VERSION`), the one writer of every JSON output (tables' records,
    budgets, calibrations, backtests, history, file information).

    Every output is an object, whatever the number of scenarios, so that a program reads
    one scenario as it reads several.

    >>> print(json_document({"records": []}), end="")
    {
      "schema_version": 1,
      "records": []
    }
    """
    return json_text({"schema_version": JSON_SCHEMA_VERSION, **body})


def render_json(rows: Sequence[Row], tables: Tables | None = None) -> str:
    """A JSON object whose ``records`` are the rows in the file's units (:func:`records`);
    an undefined value is null."""
    return json_document({"records": records(rows)})


def render_markdown(rows: Sequence[Row], tables: Tables) -> str:
    """The tables for people as GitHub-flavoured Markdown, one after another."""
    return "\n".join(table.to_markdown() for table in tables(rows))


#: Each text file format: a function of the rows and their table layout to the file's text.
RENDERERS: dict[str, Callable[[Sequence[Row], Tables], str]] = {
    "csv": render_csv,
    "json": render_json,
    "markdown": render_markdown,
}


def render_text(fmt: str, rows: Sequence[Row], tables: Tables, layout: str = "long") -> str:
    """The text of ``rows`` in format ``fmt`` (one of :data:`RENDERERS`), CSV in
    ``layout`` (:data:`LAYOUTS`)."""
    if fmt == "csv" and layout == "wide":
        return render_wide_csv(tables(rows))
    return RENDERERS[fmt](rows, tables)


def format_for(fmt: str | None, suffix: str) -> str:
    """The format asked for, else the one an output's suffix implies, else ``table``."""
    return fmt or SUFFIX_FORMATS.get(suffix.lower(), "table")

"""Table values and file formats: :class:`TextTable`, and rows as CSV, JSON and Markdown.

Every format is one function over the rows and their tables:

    render_<format>(rows, tables) -> str

``rows`` flatten with ``as_record()`` (the row dataclasses of :mod:`simcore.read.rows`, or
of an analysis), ``tables`` lays them out for people as :class:`TextTable` values of display
strings with a title and a caption (:mod:`simcore.report.render`, :mod:`simcore.report.budget`,
…). CSV and JSON use only the records (the file's units); Markdown (and an HTML renderer,
joining as one more entry of :data:`RENDERERS`) uses only the tables (display units). The
terminal's rich tables are drawn by the CLI from the same tables. :func:`json_text` writes
every JSON output.

Light (the standard library only), so that a command printing a table or JSON (``smasim
history``, ``calibrate``) loads neither the read side nor scipy.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simcore.core.records import json_ready

if TYPE_CHECKING:
    from simcore.read.rows import Row

#: Output formats: ``table`` is drawn by the terminal (rich), the others by :data:`RENDERERS`.
FORMATS = ("table", "csv", "json", "markdown")
#: Formats implied by an output file's suffix when no format is given.
SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}


@dataclass(frozen=True)
class TextTable:
    """A table of display strings: what the CLI prints with rich, or as Markdown."""

    title: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""

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


def records(rows: Sequence[Row]) -> list[dict[str, object]]:
    """Flat records sharing one set of keys (their union, in order; absent ones None)."""
    flat = [row.as_record() for row in rows]
    keys = list(dict.fromkeys(key for record in flat for key in record))
    return [{key: record.get(key) for key in keys} for record in flat]


def render_csv(rows: Sequence[Row], tables: Tables | None = None) -> str:
    """CSV in the file's units; an undefined value is an empty cell."""
    flat = records(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(flat[0]) if flat else [],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buffer.getvalue()


def json_text(value: Any) -> str:
    """``value`` as indented JSON text ending in a newline: the one writer of every JSON
    output (tables' records, budgets, calibrations, backtests, file information).

    numpy values become Python's and an undefined number (NaN, ±inf) becomes ``null``
    (:func:`simcore.core.records.json_ready`): never the invalid ``NaN`` token.

    >>> print(json_text({"rate": float("nan"), "n": 3}), end="")
    {
      "rate": null,
      "n": 3
    }
    """
    return json.dumps(json_ready(value), indent=2, allow_nan=False) + "\n"


def render_json(rows: Sequence[Row], tables: Tables | None = None) -> str:
    """A JSON list of records in the file's units; an undefined value is null."""
    return json_text(records(rows))


def render_markdown(rows: Sequence[Row], tables: Tables) -> str:
    """The tables for people as GitHub-flavoured Markdown, one after another."""
    return "\n".join(table.to_markdown() for table in tables(rows))


#: Each file format: a function of the rows and their table layout to the file's text.
RENDERERS: dict[str, Callable[[Sequence[Row], Tables], str]] = {
    "csv": render_csv,
    "json": render_json,
    "markdown": render_markdown,
}


def format_for(fmt: str | None, suffix: str) -> str:
    """The format asked for, else the one an output's suffix implies, else ``table``."""
    return fmt or SUFFIX_FORMATS.get(suffix.lower(), "table")

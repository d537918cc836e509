"""Tables on the terminal, and the one way every command prints or writes its rows.

Light: rich, click and :mod:`simcore.report.formats` only, so that the evidence commands
(history, calibrate) print through it without importing the read side or scipy (a workbook's
writer is imported when one is written).
"""

from __future__ import annotations

import io
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from simcore.core.errors import SmasimInputError
from simcore.report.formats import Tables, TextTable, format_for, json_document, render_text

#: What a workbook's about sheet says of the numbers' source, asked for only when one is
#: written: (what, value) pairs (:func:`simcore.report.file_info.file_facts`, say).
About = Callable[[], Sequence[tuple[str, Any]]]

#: Narrowest console the tables are laid out for: titles and captions wrap at it.
MIN_WIDTH = 80


def _rich_table(text: TextTable) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for k, name in enumerate(text.header):
        table.add_column(name, justify="left" if k == 0 else "right", no_wrap=True)
    for row in text.rows:
        table.add_row(*row)
    return table


def print_tables(tables: Sequence[TextTable], file: TextIO | None = None, *,
                 min_width: int = MIN_WIDTH) -> None:
    """Each table with rich: title above, caption below, cells never cut or wrapped.

    To the terminal (``file`` None) with its colours, at least as wide as the terminal,
    else as plain text to ``file``; never narrower than ``min_width`` nor than the widest
    table.
    """
    rendered = [_rich_table(text) for text in tables]
    probe = Console(width=10_000)
    needed = max([min_width, *(probe.measure(table).maximum for table in rendered)])
    if file is None:
        console = Console(width=max(needed, Console().width))
    else:
        console = Console(file=file, width=needed, color_system=None)
    for text, table in zip(tables, rendered, strict=True):
        console.print(Text(text.title, style="bold"))
        console.print(table)
        if text.caption:
            console.print(Text(text.caption, style="dim"))
        console.print()


def echo_json(value: dict[str, Any]) -> None:
    """``value`` as a JSON output on standard output, after its schema version
    (:func:`~simcore.report.formats.json_document`)."""
    click.echo(json_document(value), nl=False)


def command_line() -> str:
    """The command being run, as a shell would take it (``smasim summary …``)."""
    return shlex.join(["smasim", *sys.argv[1:]])


def output_format(fmt: str | None, output: Path | None, overwrite: bool,
                  layout: str = "long") -> str:
    """The format to write, checked before any work: ``fmt``, else ``output``'s suffix's.

    Refuses an existing ``output`` (unless ``overwrite``), a workbook without ``-o`` and
    ``--layout wide`` with another format than CSV, each in one line.
    """
    from simcore.io.atomic import refuse_existing

    refuse_existing(output, overwrite)
    chosen = format_for(fmt, output.suffix if output else "")
    if chosen == "xlsx" and output is None:
        raise SmasimInputError("--format xlsx: a workbook is a file; give -o FILE.xlsx")
    if layout == "wide" and chosen != "csv":
        raise SmasimInputError(
            f"--layout wide: applies to --format csv (the format is {chosen}); xlsx is "
            "always laid out as the tables are"
        )
    return chosen


def emit(rows: Sequence[Any], tables: Tables, fmt: str | None, output: Path | None,
         overwrite: bool, *, layout: str = "long", about: About | None = None) -> None:
    """Print ``rows`` in format ``fmt`` to the terminal, or write them to ``output``.

    Without ``fmt``, the format follows ``output``'s suffix (``.csv``, ``.json``, ``.md``,
    ``.xlsx``). CSV is laid out by ``layout`` (``long`` or ``wide``). A workbook has a sheet
    per table and an about sheet: the command and versions, then ``about()``. A file is
    written under a temporary name and renamed when complete.
    """
    fmt = output_format(fmt, output, overwrite, layout)
    if fmt == "xlsx":
        assert output is not None  # output_format refused a workbook without one
        # Imported to write a workbook only: XlsxWriter and the versions stay unloaded else.
        from simcore.report.xlsx import workbook_about, write_workbook

        details = about() if about is not None else ()
        write_workbook(output, tables(rows), [*workbook_about(command_line()), *details],
                       overwrite=overwrite)
        return
    if fmt == "table":
        if output is None:
            print_tables(tables(rows))
            return
        buffer = io.StringIO()
        print_tables(tables(rows), buffer)
        text = buffer.getvalue()
    else:
        text = render_text(fmt, rows, tables, layout)
    if output is None:
        click.echo(text, nl=False)
        return
    # Imported to write only: the evidence commands that print through this module stay
    # as light as they were.
    from simcore.io.atomic import write_text

    write_text(output, text, overwrite=overwrite)

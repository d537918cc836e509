"""Tables on the terminal, and the one way every command prints or writes its rows.

Light: rich, click and :mod:`simcore.report.formats` only, so that the evidence commands
(history, calibrate) print through it without importing the read side or scipy.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from simcore.report.formats import RENDERERS, Tables, TextTable, format_for, json_text

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


def echo_json(value: Any) -> None:
    """``value`` as JSON on standard output (:func:`~simcore.report.formats.json_text`)."""
    click.echo(json_text(value), nl=False)


def emit(rows: Sequence[Any], tables: Tables, fmt: str | None, output: Path | None,
         overwrite: bool) -> None:
    """Print ``rows`` in format ``fmt`` to the terminal, or write them to ``output``.

    Without ``fmt``, the format follows ``output``'s suffix (``.csv``, ``.json``, ``.md``).
    A file is written under a temporary name and renamed when complete.
    """
    fmt = format_for(fmt, output.suffix if output else "")
    if fmt == "table":
        if output is None:
            print_tables(tables(rows))
            return
        buffer = io.StringIO()
        print_tables(tables(rows), buffer)
        text = buffer.getvalue()
    else:
        text = RENDERERS[fmt](rows, tables)
    if output is None:
        click.echo(text, nl=False)
        return
    # Imported to write only: the evidence commands that print through this module stay
    # as light as they were.
    from simcore.io.atomic import write_text

    write_text(output, text, overwrite=overwrite)

"""A rich progress bar on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from simcore.core.design import block_count
from simcore.run.parallel import ProgressCallback


class RateColumn(ProgressColumn):
    """Blocks done of all blocks, and paths per second."""

    def render(self, task: Task) -> Text:
        blocks = block_count(int(task.completed))
        total = "?" if task.total is None else str(block_count(int(task.total)))
        speed = f"{task.speed:,.0f} paths/s" if task.speed else "… paths/s"
        return Text(f"block {blocks}/{total}  {speed}")


@contextlib.contextmanager
def progress_bar(description: str, *, quiet: bool) -> Iterator[ProgressCallback | None]:
    """Yield a ``progress(done, total)`` callback drawing a bar, or None when quiet/no tty."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("paths"),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update

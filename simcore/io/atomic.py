"""Writing any file: under a temporary name, renamed when complete; an existing file is
replaced only when asked.

A reader never sees a half-written file. :func:`refuse_existing` is the one refusal of an
output that exists: every writer (result files, netCDF attachments, tables, figures, the
HTML report) and every command that checks its ``-o`` before working calls it. Light: no
h5py or xarray, so that writing a figure or a page does not load them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from simcore.core.errors import OutputExistsError, literal
from simcore.io.partial import temporary_path


def refuse_existing(path: str | Path | None, overwrite: bool) -> None:
    """Raise unless ``path`` is free to write: absent, or an existing file with ``overwrite``.

    Parameters
    ----------
    path : str, Path or None
        The output (None: no output, nothing to refuse).
    overwrite : bool
        An existing file may be replaced.

    Raises
    ------
    OutputExistsError
        ``path`` is a directory, or exists and ``overwrite`` is False. The message names
        the caller's arguments (``output``, ``overwrite``; the CLI words them ``-o`` and
        ``--overwrite``).

    Examples
    --------
    >>> refuse_existing(".", overwrite=True)
    Traceback (most recent call last):
    ...
    simcore.core.errors.OutputExistsError: .: is a directory; the output path must name a file
    """
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(f"{literal(path)}: is a directory; the {{output}} must name a file")
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{literal(path)}: exists; pass {{overwrite}} to replace it, or choose another "
            "{output}"
        )


@contextlib.contextmanager
def replacing(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    Parameters
    ----------
    path : str or Path
        The file to write; missing parent folders are created (and removed again if the
        block fails).
    overwrite : bool
        Replace ``path`` if it exists (else :class:`~simcore.core.errors.OutputExistsError`
        from :func:`refuse_existing`, before anything is written).
    """
    path = Path(path)
    refuse_existing(path, overwrite)
    folder = path.parent.absolute()
    # Folders made for the file (as `smasim run -o new/x.h5` makes them), deepest first, so
    # that a failed write removes them again.
    created = [d for d in (folder, *folder.parents) if not d.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    temp = temporary_path(path)
    try:
        yield temp
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)  # before its folder can be removed
        for made in created:
            with contextlib.suppress(OSError):  # no longer empty: someone else uses it
                made.rmdir()
        raise
    finally:
        temp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str, *, overwrite: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replacing`."""
    with replacing(path, overwrite=overwrite) as temp:
        temp.write_text(text, encoding="utf-8")

"""Writing a report or figure file: under a temporary name, renamed when complete.

A reader never sees a half-written file, and an existing file is replaced only when asked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from simcore.core.errors import OutputExistsError, literal
from simcore.io.partial import temporary_path


@contextlib.contextmanager
def replacing(path: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    Parameters
    ----------
    path : str or Path
        The file to write; missing parent folders are created (and removed again if the
        block fails).
    overwrite : bool
        Replace ``path`` if it exists (else :class:`~simcore.core.errors.OutputExistsError`,
        before anything is written).
    """
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(f"{literal(path)}: is a directory; name a file")
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{literal(path)}: exists; pass {{overwrite}} to replace it, or choose another file"
        )
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

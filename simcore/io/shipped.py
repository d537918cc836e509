"""Copies of the shipped scenarios (and elicitation files) in a folder a user can edit
(``smasim init``), with the tables of draws the scenarios name."""

from __future__ import annotations

import contextlib
from pathlib import Path

from simcore.config.shipped import (
    SCENARIO_SUFFIX,
    shipped_draws_file,
    shipped_draws_files,
    shipped_file,
    shipped_files,
)
from simcore.core.errors import OutputExistsError, literal
from simcore.io.atomic import replacing


def write_shipped_scenarios(folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy every shipped scenario and elicitation file, byte for byte (comments included),
    into ``folder``, with the tables of draws the scenarios name.

    The files are those of :func:`~simcore.config.shipped.shipped_files` and
    :func:`~simcore.config.shipped.shipped_draws_files`.

    Each file keeps its path below the shipped folder (``variants/calibrated-1996.toml``,
    ``draws/<sha256>.csv``) and is written under a temporary name, then renamed
    (:func:`simcore.io.atomic.replacing`). A draws file already there is the same table (its
    name is its SHA-256) and is left as it is.

    Parameters
    ----------
    folder : str or Path
        Where to write; made if missing.
    overwrite : bool
        Replace copies that exist (else nothing is written when any exists).

    Returns
    -------
    list of Path
        The files written, in the order of :func:`~simcore.config.shipped.shipped_files`
        (not the draws files).

    Raises
    ------
    OutputExistsError
        A file to write exists and ``overwrite`` is false, or ``folder`` is a file; nothing
        is written. If writing fails part-way, the copies (and subfolders) this call added are
        removed.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputExistsError(f"{literal(folder)}: is a file; name a folder")
    targets = {name: folder / f"{name}{SCENARIO_SUFFIX}" for name in shipped_files()}
    existing = [path for path in targets.values() if path.exists()]
    if existing and not overwrite:
        more = (f" (and {len(existing) - 1} more of the {len(targets)} copies)"
                if len(existing) > 1 else "")
        raise OutputExistsError(
            f"{literal(existing[0])}: exists{more}; pass {{overwrite}} to replace the copies, "
            "or choose another folder"
        )
    tables = {name: folder / name for name in shipped_draws_files()
              if not (folder / name).exists()}
    # Subfolders (variants/, elicitation/, draws/, …) this call makes: removed again on a
    # failure, the deepest first.
    new_folders = sorted({parent for target in [*tables.values(), *targets.values()]
                          for parent in (target.parent, *target.parent.parents)
                          if not parent.exists()},
                         key=lambda p: len(p.parts), reverse=True)
    written: list[Path] = []
    added: list[Path] = []  # the draws files, which never replace one
    try:
        for name, target in tables.items():
            with replacing(target, overwrite=False) as temp:
                temp.write_bytes(shipped_draws_file(name).read_bytes())
            added.append(target)
        for name, target in targets.items():
            with replacing(target, overwrite=overwrite) as temp:
                temp.write_bytes(shipped_file(name).read_bytes())
            written.append(target)
    except BaseException:
        # All or nothing for the copies this call adds (those it replaced are already new).
        for path in [*added, *written]:
            if path not in existing:
                with contextlib.suppress(OSError):
                    path.unlink()
        for made in new_folders:
            with contextlib.suppress(OSError):
                made.rmdir()  # only if empty
        raise
    return written

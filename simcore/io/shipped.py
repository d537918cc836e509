"""Copies of the shipped scenarios (and elicitation files) in a folder a user can edit
(``smasim init``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from simcore.config.shipped import SCENARIO_SUFFIX, shipped_file, shipped_files
from simcore.core.errors import OutputExistsError, literal
from simcore.io.atomic import replacing


def write_shipped_scenarios(folder: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy every shipped scenario and elicitation file (:func:`~simcore.config.shipped.
    shipped_files`), byte for byte (comments included), into ``folder``.

    Each file keeps its path below the shipped folder (``variants/calibrated-1996.toml``)
    and is written under a temporary name, then renamed (:func:`simcore.io.atomic.replacing`).

    Parameters
    ----------
    folder : str or Path
        Where to write; made if missing.
    overwrite : bool
        Replace copies that exist (else nothing is written when any exists).

    Returns
    -------
    list of Path
        The files written, in the order of :func:`~simcore.config.shipped.shipped_files`.

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
    # Subfolders (variants/, elicitation/) this call makes: removed again on a failure.
    new_folders = sorted({t.parent for t in targets.values() if not t.parent.exists()},
                         key=lambda p: len(p.parts), reverse=True)
    written: list[Path] = []
    try:
        for name, target in targets.items():
            with replacing(target, overwrite=overwrite) as temp:
                temp.write_bytes(shipped_file(name).read_bytes())
            written.append(target)
    except BaseException:
        # All or nothing for the copies this call adds (those it replaced are already new).
        for path in written:
            if path not in existing:
                with contextlib.suppress(OSError):
                    path.unlink()
        for made in new_folders:
            with contextlib.suppress(OSError):
                made.rmdir()  # only if empty
        raise
    return written

"""Partial files: the temporary name a file is written under, and proof that one is stale.

A file is built as ``.<name>.<host>.<pid>.smasim-partial`` beside its final name and renamed
when complete (:func:`temporary_path`); a partial file of this host whose writer is gone is
stale and may be removed (:func:`is_stale_temporary`, :func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
from pathlib import Path

# Its own logger, not the reader's: atomic writes (a figure, a page) import this module and
# must not load h5py with the reader.
_log = logging.getLogger(__name__)

#: Suffix of temporary files: never ``.h5``, so a partial file never looks like a result.
TEMP_SUFFIX = ".smasim-partial"


#: Suffix of a temporary file while its structure is written: renamed to
#: :data:`TEMP_SUFFIX` once complete, so that a partial file is always readable metadata.
CREATING_SUFFIX = ".smasim-creating"


def temporary_path(final: Path) -> Path:
    """Where the file for ``final`` is built: same folder, hidden, host and process in the name.

    ``.<name>.<host>.<pid>.smasim-partial``: the suffix is never ``.h5`` or ``.nc``, so a
    partial file never looks like a result, and the host and process id let a later run
    prove the file stale (:func:`is_stale_temporary`) once its writer is gone.
    """
    return final.with_name(f".{final.name}.{_host_tag()}.{os.getpid()}{TEMP_SUFFIX}")


#: ``.<final name>.<host>.<pid>.smasim-partial``, as :func:`temporary_path` names it.
_TEMP_NAME = re.compile(
    rf"^\.(?P<final>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>[0-9]+)"
    rf"(?:{re.escape(TEMP_SUFFIX)}|{re.escape(CREATING_SUFFIX)})$"
)


#: A process that started this long after a temporary file was last written cannot be its
#: writer (seconds; covers the one-second resolution of the kernel's boot time).
_START_MARGIN = 2.0


def _host_tag() -> str:
    """This machine's name reduced to letters, digits and hyphens (no dots)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:63] or "localhost"


def final_path(temp: str | Path) -> Path | None:
    """The result file a temporary file was building, or None if ``temp`` is not one."""
    temp = Path(temp)
    match = _TEMP_NAME.match(temp.name)
    return temp.with_name(match["final"]) if match else None


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch; Linux only, else None)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        # Field 22 (starttime, in clock ticks since boot); the command name before it may
        # hold spaces and parentheses, so count fields from the last ')'.
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def is_stale_temporary(temp: Path) -> bool:
    """Whether ``temp`` is provably a leftover of a run that no longer exists.

    Proof requires the file to be named by :func:`temporary_path` on this host, by another
    process than this one, and that process to be gone: no process has its id, or the one
    that has it started after the file was last written (the id was reused). A file of
    another host, or of a live writer, is never called stale.
    """
    match = _TEMP_NAME.match(temp.name)
    if match is None or match["host"] != _host_tag():
        return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, owned by another user
    started = _process_start(pid)
    try:
        written = temp.stat().st_mtime
    except FileNotFoundError:
        return False
    return started is not None and started > written + _START_MARGIN


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the provably stale temporary files in ``folder`` (e.g. after a SIGKILL).

    Returns
    -------
    list of Path
        The files removed; each is also logged as a warning.
    """
    removed = []
    candidates = [*folder.glob(f".*{TEMP_SUFFIX}"), *folder.glob(f".*{CREATING_SUFFIX}")]
    for temp in sorted(candidates):
        if is_stale_temporary(temp):
            with contextlib.suppress(FileNotFoundError, PermissionError):
                temp.unlink()
                removed.append(temp)
                _log.warning("removed %s, left by an interrupted run that is gone", temp)
    return removed

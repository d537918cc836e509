"""What this process may use of the machine."""

from __future__ import annotations

import os


def default_threads() -> int:
    """Threads for in-process runs: the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1

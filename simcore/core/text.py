"""Words and numbers for people."""

from __future__ import annotations


def human_bytes(count: float) -> str:
    """``1.5e9`` → ``'1.5 GB'`` (decimal units, as ``df -H`` prints them)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")

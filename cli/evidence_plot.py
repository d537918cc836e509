"""``smasim plot --kind history|coverage``: figures of the shipped data and of a backtest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def evidence_figure(kind: str, file: Path | None) -> Figure:
    """``history`` from the data folder ``file`` (None: the shipped data), ``coverage`` from
    the backtest file ``file``, drawn."""
    from simcore.analysis.backtest import StoredBacktest, read_backtest
    from simcore.evidence.history import load_history
    from simcore.report import evidence_plots

    if kind == "history":
        return evidence_plots.history_chart(load_history(file))
    assert file is not None  # checked by plot_command
    return evidence_plots.coverage_chart(StoredBacktest(*read_backtest(file)))

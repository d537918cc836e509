"""``smasim plot --kind history|coverage``: figures of the shipped data and of a backtest."""

from __future__ import annotations

from pathlib import Path

import click


def plot_evidence(kind: str, file: Path | None, output: Path, *, overwrite: bool) -> None:
    """Draw ``kind`` into ``output``: ``history`` from the data folder ``file`` (None: the
    shipped data), ``coverage`` from the backtest file ``file``."""
    from simcore.analysis.backtest import read_backtest
    from simcore.evidence.history import load_history
    from simcore.report import evidence_plots

    if kind == "history":
        evidence_plots.history_chart(load_history(file), output, overwrite=overwrite)
    else:
        if file is None:
            raise click.UsageError("--kind coverage needs the FILE written by smasim backtest -o")
        evidence_plots.coverage_chart(*read_backtest(file), output, overwrite=overwrite)
    click.echo(f"Wrote {output}")

"""Figures of what drives each year: stacked Shapley bars and rank-correlation tornadoes.

Pure, like :mod:`simcore.report.plots`: arrays and labels in, drawn with matplotlib's object
API on an Agg canvas, the :class:`~matplotlib.figure.Figure` returned and nothing written
(:func:`simcore.report.figure.save_figure` writes it). Both figures read in black and white:
every group or sign has its own hatch as well as its own shade of grey.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simcore.report.figure import canvas, display_ticks, panel_grid, wrapped_title
from simcore.stats.rank_correlation import RankCorrelations
from simcore.stats.shapley import NO_VARIANCE

#: One hatch per group (up to seven groups, then they repeat with another shade).
GROUP_HATCHES = ("", "///", "...", "xx", "\\\\\\", "oo", "++", "--")


@dataclass(frozen=True)
class ShapleyPanel:
    """Shares of variance of one variable, one bar per year.

    Attributes
    ----------
    label : str
        The variable in words, with its unit.
    years : sequence of int or str, shape (H,)
        Bar labels (calendar years, or "horizon").
    shares : ndarray, shape (H, k)
        Shapley effects per year and group (fractions summing to 1; NaN: no variance).
    """

    label: str
    years: Sequence[int | str]
    shares: np.ndarray


def _grey(k: int, count: int) -> str:
    # Light to dark, never white (the hatch must show) nor black (it must not hide it).
    return str(round(0.92 - 0.62 * k / max(count - 1, 1), 3))


def shapley_chart(
    panels: Sequence[ShapleyPanel],
    groups: Sequence[str],
    *,
    title: str,
) -> Figure:
    """One stacked bar per year: each group's share of the variance, summing to 100 %.

    Estimates a little below 0 (sampling error around a zero effect) are drawn as 0 and the
    bar rescaled to 100 %; a year without variance has no bar and says so.

    Parameters
    ----------
    panels : sequence of ShapleyPanel
        One panel per variable.
    groups : sequence of str
        Group names, the order of the last axis of the shares (bottom to top).
    title : str
        Figure title.

    Returns
    -------
    Figure
        Each bar segment is a patch with gid ``"<year> <group>"``.
    """
    figure, axes = panel_grid(len(panels), 1)
    for row, panel in enumerate(panels):
        ax = axes[row, 0]
        x = np.arange(len(panel.years))
        shares = np.clip(np.asarray(panel.shares, dtype=float), 0.0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = shares / shares.sum(axis=1, keepdims=True)
        bottom = np.zeros(len(x))
        for k, group in enumerate(groups):
            height = np.nan_to_num(shares[:, k])
            bars = ax.bar(
                x, height, bottom=bottom, width=0.7, label=group,
                color=_grey(k, len(groups)), hatch=GROUP_HATCHES[k % len(GROUP_HATCHES)],
                edgecolor="black", linewidth=0.6,
            )
            for year, bar in zip(panel.years, bars, strict=True):
                bar.set_gid(f"{year} {group}")
            bottom += height
        for j in np.flatnonzero(np.isnan(shares).any(axis=1)):
            ax.text(x[j], 0.5, NO_VARIANCE, rotation=90, ha="center", va="center", fontsize=8)
        ax.set_xticks(x, [str(y) for y in panel.years])
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(panel.label, fontsize=10)
        ax.set_ylabel("share of variance (Shapley)")
        # Top group first in the legend, as in the stack.
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], fontsize=8, loc="center left",
                  bbox_to_anchor=(1.01, 0.5))
    wrapped_title(figure, title)
    return figure


def tornado_chart(
    correlations: RankCorrelations, *, title: str, label: str,
) -> Figure:
    """Horizontal bars of Spearman's ρ, the largest ``|ρ|`` at the top.

    Parameters
    ----------
    correlations : RankCorrelations
        Already sorted and cut to the inputs to show.
    title : str
        Figure title.
    label : str
        The output in words (axis title).

    Returns
    -------
    Figure
        Each bar is a patch with gid the input's name; positive ρ solid dark grey,
        negative ρ light grey hatched.
    """
    count = len(correlations.inputs)
    figure = canvas(7.5, 1.2 + 0.32 * max(count, 4))
    ax = figure.subplots()
    y = np.arange(count)[::-1]
    rho = np.nan_to_num(correlations.rho)
    bars = ax.barh(
        y, rho, height=0.7,
        color=["0.3" if r >= 0 else "0.85" for r in rho],
        edgecolor="black", linewidth=0.6,
    )
    for name, r, bar in zip(correlations.inputs, rho, bars, strict=True):
        bar.set_gid(name)
        if r < 0:
            bar.set_hatch("///")
    ax.set_yticks(y, correlations.inputs, fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman rank correlation ρ")
    ax.set_title(label, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    wrapped_title(figure, title)
    return figure


_RESPONSE_STYLES = ("dotted", "solid", "dashed", "dashdot")
_RESPONSE_MARKERS = ("v", "o", "s", "^")


def response_chart(
    swept: Sequence[float] | np.ndarray,
    percentiles: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    levels: Sequence[float],
    scale: float = 1.0,
) -> Figure:
    """Percentiles of one output against a swept parameter, with their intervals.

    Parameters
    ----------
    swept : sequence of float, shape (k,)
        The swept values (x axis), one per grid point.
    percentiles, lower, upper : ndarray, shape (L, k)
        Each level's percentile and its 95 % interval bounds, in the output's units.
    title, xlabel, ylabel : str
        Texts; ``ylabel`` names the display unit.
    scale : float
        Display scale of the output (tick labels are divided by it).
    levels : sequence of float
        The percentile levels, shape (L,).

    Returns
    -------
    Figure
        Each level is a line with gid ``"P<level>"`` through ``(swept, percentile)``; its
        interval is drawn as error bars (black and white: each level has its own line style
        and marker).
    """
    figure, axes = panel_grid(1, 1)
    ax = axes[0, 0]
    x = np.asarray(swept, dtype=float)
    for k, level in enumerate(levels):
        y = np.asarray(percentiles[k])
        error = np.vstack([y - lower[k], upper[k] - y])
        bars = ax.errorbar(x, y, yerr=error, color="black", linestyle=_RESPONSE_STYLES[k % 4],
                           marker=_RESPONSE_MARKERS[k % 4], markersize=4, capsize=3,
                           linewidth=1, label=f"P{level:g}")
        bars.lines[0].set_gid(f"P{level:g}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    display_ticks(ax.yaxis, scale)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, title="95% intervals", title_fontsize=8)
    wrapped_title(figure, title)
    return figure

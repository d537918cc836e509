"""Figures for briefings: fan charts over the years, S-curves (CDF), histograms.

Pure: each function takes arrays and labels, draws with matplotlib's object API on an Agg
canvas (no pyplot, so no global state and no display needed) and returns the
:class:`~matplotlib.figure.Figure`, writing nothing (:func:`simcore.report.figure.save_figure`
writes it). Values are plotted in the file's units (USD, KRW, fractions); only the tick
labels are divided by the display scale ("USD bn", "%"), so the plotted data equal the
summary's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simcore.report.figure import canvas, display_ticks, panel_grid, wrapped_title
from simcore.report.panels import Panel
from simcore.stats.quantiles import exact_percentiles

#: Where a legend goes (matplotlib's ``loc`` names used here).
LegendPlace = Literal["best", "upper left"]

#: Levels read off an S-curve in cost-risk practice (P50 budget, P70/P80 confidence).
CDF_MARKS = (50.0, 70.0, 80.0)
#: Levels at which an S-curve is drawn: every quarter of a percent.
CDF_LEVELS = np.linspace(0.0, 100.0, 401)
#: Percentiles that bound the x axis of an S-curve.
_FRAME = (0.5, 99.5)

#: Most panels side by side: more scenarios wrap onto further rows.
MAX_COLUMNS = 3


def _finish_axes(
    ax: Axes, *, title: str, xlabel: str, ylabel: str, scaled: str, scale: float,
    legend: LegendPlace = "best", entries: tuple[Sequence[Line2D], Sequence[str]] | None = None,
) -> None:
    """Titles, labels, display-unit ticks on the ``scaled`` axis, grid and legend (of the
    labelled artists, or of ``entries``: handles and their texts)."""
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    display_ticks(ax.yaxis if scaled == "y" else ax.xaxis, scale)
    ax.grid(alpha=0.3)
    if entries is None:
        ax.legend(fontsize=8, loc=legend)
    else:
        handles, labels = entries
        ax.legend(handles, labels, fontsize=8, loc=legend)


def _fan(ax: Axes, x: np.ndarray, bands: np.ndarray, *,
         shades: tuple[tuple[str, float], tuple[str, float]], line: str,
         labels: tuple[str, str, str], gid: str | None = None, marker: str | None = "o") -> None:
    """The P5–P95 and P25–P75 bands (``shades``: each one's colour and opacity) and the
    median line of one series (``bands``: the percentiles at
    :data:`simcore.report.panels.FAN_LEVELS`, shape (5, H)); with ``gid``, the three artists
    are ``"<gid> outer"``, ``"<gid> inner"`` and ``"<gid> median"``."""
    p5, p25, p50, p75, p95 = bands
    (outer_color, outer_alpha), (inner_color, inner_alpha) = shades
    outer = ax.fill_between(x, p5, p95, color=outer_color, alpha=outer_alpha, linewidth=0,
                            label=labels[0])
    inner = ax.fill_between(x, p25, p75, color=inner_color, alpha=inner_alpha, linewidth=0,
                            label=labels[1])
    (median,) = ax.plot(x, p50, color=line, marker=marker, markersize=3, label=labels[2])
    if gid is not None:
        for artist, part in ((outer, "outer"), (inner, "inner"), (median, "median")):
            artist.set_gid(f"{gid} {part}")


def fan_chart(
    years: Sequence[int] | np.ndarray,
    panels: Sequence[Panel],
    *,
    title: str,
    overlay: bool = False,
) -> Figure:
    """Bands P5–P95 and P25–P75 and the median over the years.

    Parameters
    ----------
    years : sequence of int, shape (H,)
        Calendar years (x axis).
    panels : sequence of Panel
        One block of panels per variable (a panel per scenario, at most
        :data:`MAX_COLUMNS` side by side); each series holds percentiles at
        :data:`simcore.report.panels.FAN_LEVELS`, shape (5, H), in the file's units.
    title : str
        Figure title (name the file and the scenarios).
    overlay : bool
        All scenarios in one panel per variable (else one panel per scenario).

    Returns
    -------
    Figure
    """
    names = list(panels[0].series)
    # One block of panels per variable, at most MAX_COLUMNS wide, scenarios filling rows.
    columns = 1 if overlay else min(MAX_COLUMNS, len(names))
    block = 1 if overlay else math.ceil(len(names) / columns)
    figure, axes = panel_grid(len(panels) * block, columns)
    x = np.asarray(years)
    colors = [f"C{k}" for k in range(len(names))]
    for row, panel in enumerate(panels):
        used: list[Axes] = []
        for k, name in enumerate(names):
            ax = axes[row * block + k // columns, k % columns] if not overlay else axes[row, 0]
            if not overlay:
                # A variable's scenarios share a y-scale so that panels compare by eye.
                if used:
                    ax.sharey(used[0])
                used.append(ax)
            fill = 0.12 if overlay else 0.2
            prefix = f"{name} " if overlay else ""
            _fan(ax, x, panel.series[name], shades=((colors[k], fill), (colors[k], 2 * fill)),
                 line=colors[k], labels=(f"{prefix}P5–P95", f"{prefix}P25–P75",
                                         f"{prefix}median"))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            _finish_axes(
                ax, title=panel.label if overlay else f"{name}: {panel.label}",
                xlabel="year", ylabel=panel.label, scaled="y", scale=panel.scale,
                legend="upper left",
            )
    for ax in axes.flat:
        if not ax.has_data():
            figure.delaxes(ax)
    wrapped_title(figure, title)
    return figure


#: Greys of a small-multiples fan chart: the outer band, the inner band (the median is
#: black), so that it prints in black and white as it reads on screen.
FAN_GREYS = ("0.85", "0.62")
#: Size of a small-multiples fan chart: the width of an A4 page's text, in inches, and the
#: height of one row of panels.
SMALL_MULTIPLES_WIDTH = 7.4
SMALL_MULTIPLES_ROW = 1.55


def fan_small_multiples(
    years: Sequence[int] | np.ndarray,
    panel: Panel,
    *,
    title: str,
    unit: str,
    limit: float | None = None,
) -> Figure:
    """One variable's fan per scenario, small panels on one scale, sized for a printed page.

    Grey bands (P5–P95 light, P25–P75 darker) and a black median: it reads the same in
    black and white. The panels share both axes; the y axis starts at 0 and, with
    ``limit``, ends there (so that bands redrawn higher still fit); one legend.

    Parameters
    ----------
    years : sequence of int, shape (H,)
        Calendar years (x axis).
    panel : Panel
        Each series holds the percentiles at :data:`simcore.report.panels.FAN_LEVELS`,
        shape (5, H), in the file's units; one small panel per series.
    title : str
        Figure title (name the variable: the panels' axes show only ``unit``).
    unit : str
        The y axis's label, the display unit (``USD bn``).
    limit : float, optional
        Top of the y axis, in the file's units [default: matplotlib's].

    Returns
    -------
    Figure
        Each scenario's artists have the gids ``"<scenario> outer"``, ``"<scenario>
        inner"`` and ``"<scenario> median"`` (the polygons and the line).
    """
    names = list(panel.series)
    columns = min(MAX_COLUMNS, len(names))
    rows = math.ceil(len(names) / columns)
    figure = canvas(SMALL_MULTIPLES_WIDTH, SMALL_MULTIPLES_ROW * rows + 0.7)
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
    x = np.asarray(years)
    for k, name in enumerate(names):
        ax = axes[k // columns, k % columns]
        _fan(ax, x, panel.series[name], shades=((FAN_GREYS[0], 1.0), (FAN_GREYS[1], 1.0)),
             line="black", labels=("90% of paths (P5–P95)", "half of paths (P25–P75)",
                                   "median"), gid=name, marker=None)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3, linewidth=0.5)
        if k % columns == 0:
            ax.set_ylabel(unit, fontsize=8)
    display_ticks(axes[0, 0].yaxis, panel.scale)
    axes[0, 0].set_ylim(0, limit)
    for ax in axes.flat[len(names):]:
        figure.delaxes(ax)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8,
                  frameon=False)
    figure.suptitle(title, fontsize=10)
    return figure


def cdf_chart(
    panels: Sequence[Panel],
    *,
    title: str,
    marks: Sequence[float] = CDF_MARKS,
) -> Figure:
    """S-curves: the probability of not exceeding each value, with P50/P70/P80 marked.

    The curve joins the exact percentiles at :data:`CDF_LEVELS` (every 0.25 %, and the
    marks), so it is the empirical CDF read at 401 levels whatever the number of paths; each
    mark is the exact percentile of the samples (numpy's linear definition), as the summary
    reports it.

    Parameters
    ----------
    panels : sequence of Panel
        One panel per variable; each series holds samples, shape (n,), in the file's units.
    title : str
        Figure title.
    marks : sequence of float
        Percentile levels marked on each curve; their values are listed in the legend,
        one entry per scenario (entries never overlap).

    Returns
    -------
    Figure
        Each mark is a line with gid ``"<scenario> P<level>"`` whose single point is
        ``(percentile, level / 100)``.
    """
    # One exact selection per curve gives the curve, the marks and the frame (P0.5-P99.5).
    levels = np.union1d(CDF_LEVELS, [*marks, *_FRAME])
    figure, axes = panel_grid(len(panels), 1)
    for row, panel in enumerate(panels):
        ax = axes[row, 0]
        frame = []
        curves: list[Line2D] = []
        entries: list[str] = []
        for k, (name, values) in enumerate(panel.series.items()):
            curve = exact_percentiles(values, levels)
            curves += ax.plot(curve, levels / 100, color=f"C{k}", label=name)
            frame.append(curve[np.searchsorted(levels, _FRAME)])
            at = curve[np.searchsorted(levels, marks)]
            for level, value in zip(marks, at, strict=True):
                # Out of the legend (label starts with "_"); the gid names the mark.
                ax.plot([value], [level / 100], marker="o", color=f"C{k}", linestyle="none",
                        label=f"_P{level:g}", gid=f"{name} P{level:g}")
            # The marks' values go into the legend, one entry per scenario: labels beside
            # the points would collide whenever two scenarios' percentiles are close.
            entries.append(f"{name}: " + ", ".join(
                f"P{level:g} {value / panel.scale:,.4g}"
                for level, value in zip(marks, at, strict=True)
            ))
        for level in marks:
            ax.axhline(level / 100, color="0.6", linewidth=0.6, linestyle=":")
        # Long right tails (a $5B demand) would squeeze the curve: frame P0.5-P99.5 of all
        # scenarios; the curve runs on beyond the frame.
        low, high = min(f[0] for f in frame), max(f[1] for f in frame)
        margin = 0.05 * (high - low)
        if margin > 0:
            ax.set_xlim(low - margin, high + margin)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        _finish_axes(
            ax, title=f"{panel.label}, {panel.description}", xlabel=panel.label,
            ylabel="probability of not exceeding", scaled="x", scale=panel.scale,
            legend="best", entries=(curves, entries),
        )
    wrapped_title(figure, title)
    return figure


def histogram(
    panels: Sequence[Panel],
    *,
    title: str,
    bins: int = 60,
) -> Figure:
    """Share of paths per bin, scenarios overlaid as outlines on common bins.

    Parameters
    ----------
    panels : sequence of Panel
        One panel per variable; each series holds samples, shape (n,), in the file's units.
    title : str
        Figure title.
    bins : int
        Bins spanning the range of all scenarios' values.

    Returns
    -------
    Figure
        Each scenario is one step patch labelled with its name; its heights are shares of
        paths (summing to 1), and a dashed vertical line labelled ``"<scenario> mean"`` marks
        the mean.
    """
    figure, axes = panel_grid(len(panels), 1)
    for row, panel in enumerate(panels):
        ax = axes[row, 0]
        finite = [v[np.isfinite(v)] for v in panel.series.values()]
        low = min(float(v.min()) for v in finite)
        high = max(float(v.max()) for v in finite)
        edges = np.histogram_bin_edges(np.array([low, high]), bins=bins)
        for k, (name, values) in enumerate(panel.series.items()):
            counts, _ = np.histogram(values, bins=edges)
            ax.stairs(counts / values.shape[0], edges, color=f"C{k}", label=name,
                      fill=len(panel.series) == 1, alpha=0.6 if len(panel.series) == 1 else 1)
            ax.axvline(float(np.mean(values)), color=f"C{k}", linestyle="--", linewidth=1,
                       label=f"{name} mean")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        _finish_axes(
            ax, title=f"{panel.label}, {panel.description}", xlabel=panel.label,
            ylabel="share of paths", scaled="x", scale=panel.scale,
        )
    wrapped_title(figure, title)
    return figure

"""The budget figure: years stacked into the total they add up to, beside per-year percentiles.

Pure, like :mod:`simcore.report.plots`: arrays and labels in, a matplotlib
:class:`~matplotlib.figure.Figure` on an Agg canvas out (no pyplot, no display; nothing
written: :func:`simcore.report.figure.save_figure` writes it). Values are
drawn in the variable's units; only the tick labels are divided by the display scale. Years
are told apart by grey shade *and* hatching, so the figure reads the same printed in black and
white.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from simcore.report.figure import canvas, display_ticks, wrapped_title
from simcore.stats.budget import BudgetResult

#: Hatches cycled over the years (with a grey shade each): distinct without colour.
YEAR_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--", "||", "**")
#: The stacked bars, left to right: what each way of budgeting asks for in total.
STACKS = ("Euler budget", "proportional split", "per-year percentiles")


def _year_styles(count: int) -> list[tuple[str, str]]:
    """(grey fill, hatch) per year: shades from light to dark, hatches cycling."""
    shades = np.linspace(0.92, 0.35, count) if count > 1 else np.array([0.7])
    return [(f"{shade:.3f}", YEAR_HATCHES[k % len(YEAR_HATCHES)]) for k, shade in enumerate(shades)]


def budget_chart(
    years: Sequence[int] | np.ndarray,
    result: BudgetResult,
    *,
    title: str,
    label: str,
    scale: float = 1.0,
) -> Figure:
    """Stacked budgets by year against the per-year percentiles.

    Left: three stacked bars (:data:`STACKS`), one segment per year, and a dashed line at the
    total's percentile ``q``: the Euler budget and the proportional split reach it exactly,
    the per-year percentiles overshoot (or undershoot) it. Right: per year, the Euler budget
    with its 95 % interval beside that year's own percentile.

    Parameters
    ----------
    years : sequence of int, shape (T,)
        Calendar years of ``result``'s columns.
    result : BudgetResult
        From :func:`simcore.stats.budget.allocate_budget`, in the variable's units.
    title : str
        Figure title (name the file, scenario and variable).
    label : str
        Axis label with the display unit, e.g. ``"contribution_usd [USD bn]"``.
    scale : float
        Display scale: tick labels show values divided by it.

    Returns
    -------
    Figure
        Each stacked segment is a bar patch with gid ``"<stack> <year>"`` (height: that
        year's amount); each per-year bar has gid ``"budget <year>"`` or
        ``"percentile <year>"``; the total's line has gid ``"total"``.
    """
    x_years = [int(y) for y in years]
    if len(x_years) != result.budget.shape[0]:
        raise ValueError(f"{len(x_years)} years for {result.budget.shape[0]} budget columns")
    figure = canvas(11.0, 4.6)
    stacked, by_year = figure.subplots(1, 2, width_ratios=(1, 1.6))
    styles = _year_styles(len(x_years))
    level = f"P{result.level:g}"

    amounts = (result.budget, result.proportional, result.percentile)
    bottoms = np.zeros(len(STACKS))
    for k, year in enumerate(x_years):
        grey, hatch = styles[k]
        heights = np.array([a[k] for a in amounts])
        bars = stacked.bar(range(len(STACKS)), heights, bottom=bottoms, width=0.6, color=grey,
                           hatch=hatch, edgecolor="black", linewidth=0.6, label=str(year))
        for name, patch in zip(STACKS, bars.patches, strict=True):
            patch.set_gid(f"{name} {year}")
        bottoms += heights
    stacked.axhline(result.total, color="black", linestyle="--", linewidth=1.2, gid="total",
                    label=f"{level} of the total")
    for k, height in enumerate(bottoms):
        stacked.annotate(f"{height / scale:,.4g}", (k, height), xytext=(0, 3),
                         textcoords="offset points", ha="center", fontsize=8)
    stacked.set_xticks(range(len(STACKS)), [s.replace(" ", "\n", 1) for s in STACKS])
    stacked.set_ylim(0, max(bottoms.max(), result.total) * 1.1)
    stacked.set_title(f"Sum over the years vs the total's {level}", fontsize=10)
    stacked.set_ylabel(label)
    # Beside the bars, latest year on top as in the stacks.
    handles, labels = stacked.get_legend_handles_labels()
    stacked.legend(handles[::-1], labels[::-1], fontsize=7, loc="center left",
                   bbox_to_anchor=(1.0, 0.5))

    positions = np.arange(len(x_years))
    half = np.vstack((result.budget - result.budget_lower, result.budget_upper - result.budget))
    budget_bars = by_year.bar(positions - 0.2, result.budget, width=0.4, color="0.55",
                              edgecolor="black", linewidth=0.6, yerr=half, capsize=3,
                              ecolor="black", label="Euler budget (95 % interval)")
    percentile_bars = by_year.bar(positions + 0.2, result.percentile, width=0.4, color="white",
                                  hatch="//", edgecolor="black", linewidth=0.6,
                                  label=f"the year's own {level}")
    for year, b, p in zip(x_years, budget_bars.patches, percentile_bars.patches, strict=True):
        b.set_gid(f"budget {year}")
        p.set_gid(f"percentile {year}")
    by_year.set_xticks(positions, [str(y) for y in x_years])
    by_year.set_title(f"Each year: its share of the total's {level} vs its own {level}",
                      fontsize=10)
    by_year.set_xlabel("year")
    by_year.set_ylabel(label)
    by_year.legend(fontsize=8, loc="upper left")

    for ax in (stacked, by_year):
        display_ticks(ax.yaxis, scale)
        ax.grid(axis="y", alpha=0.3)
    # Two panels side by side leave room for a longer line of title.
    wrapped_title(figure, title, characters_per_inch=14)
    return figure

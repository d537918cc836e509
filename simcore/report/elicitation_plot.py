"""The elicitation workshop's figure: each expert's fitted law beside the pool.

One panel per judgment of a fraction or an amount (each expert's density as a thin line,
with the quantiles they gave marked on the axis, and the pool's density as a thick black
line), and one panel per probability judgment (each expert's probabilities and the pool's,
as grouped bars). It is what a facilitator projects while the experts discuss (SHELF's
feedback), and ``smasim elicit --plot`` saves it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simcore.evidence.elicitation import PooledElicitation, PooledJudgment, QuantileAnswer
from simcore.report.figure import panel_grid

_PANEL = (6.0, 3.6)
#: The densities are drawn between these levels of the pool (and of each expert).
_RANGE = (0.002, 0.998)
_POINTS = 400


def _scale(judgment: PooledJudgment) -> tuple[float, str]:
    """Divisor and unit of the horizontal axis."""
    return (1e9, "USD bn a year") if judgment.target.kind == "amount" else (1.0, "fraction")


def _density_panel(ax: Axes, judgment: PooledJudgment) -> None:
    assert judgment.law is not None
    scale, unit = _scale(judgment)
    laws = [e.law for e in judgment.experts if e.law is not None]
    lows = [float(law.ppf(_RANGE[0])) for law in [*laws, judgment.law]]
    highs = [float(law.ppf(_RANGE[1])) for law in [*laws, judgment.law]]
    x = np.linspace(min(lows), max(highs), _POINTS)
    if judgment.target.kind != "amount":
        x = np.clip(x, 1e-6, 1 - 1e-6)
    for k, expert in enumerate(judgment.experts):
        if expert.law is None:
            continue
        colour = f"C{k}"
        ax.plot(x / scale, expert.law.pdf(x) * scale, color=colour, lw=1.2,
                label=f"{expert.expert}: {expert.law.describe(3)}")
        if isinstance(expert.answer, QuantileAnswer):
            given = np.array(expert.answer.values) / scale
            ax.plot(given, np.zeros_like(given), ls="none", marker="|", markersize=14,
                    markeredgewidth=2, color=colour, clip_on=False)
    ax.plot(x / scale, judgment.law.pdf(x) * scale, color="black", lw=2.4,
            label=f"{judgment.pool} pool")
    # A Beta with a shape below 1 has an unbounded density at its end: the scale is set by
    # the densities inside the pool's central 96%, so that the curves stay readable.
    inside = (x >= float(judgment.law.ppf(0.02))) & (x <= float(judgment.law.ppf(0.98)))
    top = max(float(np.max(law.pdf(x[inside]))) for law in [*laws, judgment.law]) * scale
    ax.set_ylim(0, 1.15 * top)
    ax.set_title(f"{judgment.target.name}: {judgment.target.what}", fontsize=9)
    ax.set_xlabel(unit + "   (ticks on the axis: the quantiles each expert gave)", fontsize=8)
    ax.set_ylabel("density")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)


def _probability_panel(ax: Axes, judgment: PooledJudgment) -> None:
    assert judgment.probabilities is not None
    labels = list(judgment.labels)
    rows = [(e.expert, e.probabilities or ()) for e in judgment.experts]
    rows.append((f"{judgment.pool} pool", judgment.probabilities))
    width = 0.8 / len(rows)
    positions = np.arange(len(labels))
    for k, (name, values) in enumerate(rows):
        pool = k == len(rows) - 1
        ax.bar(positions + (k - (len(rows) - 1) / 2) * width,
               [100 * v for v in values[: len(labels)]], width,
               color="black" if pool else f"C{k}", label=name)
    ax.set_xticks(positions, [label.replace("_", " ") for label in labels])
    ax.set_ylabel("probability, %")
    ax.set_title(f"{judgment.target.name}: {judgment.target.what}", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")


def elicitation_figure(pooled: PooledElicitation) -> Figure:
    """Each judgment's experts and pool, one panel each (two columns); writes nothing
    (:func:`simcore.report.figure.save_figure` does)."""
    judgments = pooled.judgments
    columns = 2 if len(judgments) > 1 else 1
    figure, grid = panel_grid(math.ceil(len(judgments) / columns), columns, panel=_PANEL)
    axes = grid.ravel()
    for ax, judgment in zip(axes, judgments, strict=False):
        if judgment.law is not None:
            _density_panel(ax, judgment)
        else:
            _probability_panel(ax, judgment)
    for ax in axes[len(judgments):]:
        ax.set_visible(False)
    e = pooled.elicitation
    figure.suptitle(f"{e.header.title} ({e.path.name}): {len(pooled.weights)} experts, "
                    f"{pooled.pool} pool")
    return figure

"""Which choice holds up, for people: the robustness table and figure of ``smasim robust``."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from simcore.analysis.discover import NEAR
from simcore.analysis.robust import RobustResult
from simcore.core.variables import VARIABLES
from simcore.report.figure import display_ticks, panel_grid, wrapped_title
from simcore.report.formats import TextTable
from simcore.report.render import format_scaled
from simcore.stats.robustness import METRICS

__all__ = ["robust_chart", "robust_tables"]


def _display(result: RobustResult) -> tuple[float, str]:
    """The statistic's display scale and unit (a probability in %)."""
    if result.statistic.kind == "exceedance":
        return 0.01, "%"
    spec = VARIABLES[result.statistic.variable]
    return spec.display_scale, spec.display_unit


def robust_tables(result: RobustResult) -> list[TextTable]:
    """The scores of every lever combination, and the choice of each rule."""
    scale, unit = _display(result)
    best = result.preferred()
    scores = result.scores
    header = ["lever", f"mean [{unit}]", f"worst [{unit}]", f"max regret [{unit}]",
              f"P90 regret [{unit}]"]
    if result.criterion is not None:
        header += ["meets criterion", f"within {NEAR:g} SE"]
    rows = []
    for j, label in enumerate(result.labels):
        cells = [label] + [
            format_scaled(float(scores.scores(metric)[j]), scale)
            + (" *" if j in best[metric] else "")
            for metric in ("expected", "worst", "max_regret", "regret_p90")
        ]
        if result.criterion is not None:
            cells += [f"{100 * scores.satisficing[j]:.0f}%"
                      + (" *" if j in best["satisficing"] else ""), f"{result.near[j]}"]
        rows.append(cells)
    worse = "largest" if result.sense == "min" else "smallest"
    criterion = (f" Meets criterion: share of the {result.outcomes.shape[1]} points where "
                 f"{result.criterion.text}; within {NEAR:g} SE: points whose statistic lies "
                 f"within {NEAR:g} Monte Carlo standard errors of {result.criterion.value:g}."
                 if result.criterion is not None else "")
    table = TextTable(
        title=f"Which choice holds up: the {result.statistic.label} across "
        f"{result.outcomes.shape[1]} points",
        header=header,
        rows=rows,
        caption=f"Regret: how much worse a choice does at a point than the best choice "
        f"there. Worst: the {worse} value over the points. * marks each rule's choice "
        f"({'smaller' if result.sense == 'min' else 'larger'} outcomes are better).{criterion}",
    )
    choices = TextTable(
        title="Each rule's choice",
        header=["rule (McPhail et al. 2018)", "choice"],
        rows=[[METRICS[metric][0], "; ".join(result.labels[j] for j in chosen)
               + (" (tie)" if len(chosen) > 1 else "")]
              for metric, chosen in best.items() if chosen],
        caption="The rules answer different questions; where they disagree, the choice "
        "depends on which question matters.",
    )
    return [table, choices]


def robust_chart(result: RobustResult, *, title: str) -> Figure:
    """Two panels of box plots, one box per lever combination: the statistic across the
    points (with the criterion's value), and the regret across the points (a diamond at
    its maximum).

    Returns
    -------
    Figure
        The boxes of each panel carry gids ``"outcome <j>"`` and ``"regret <j>"``.
    """
    figure, axes = panel_grid(1, 2)
    scale, unit = _display(result)
    positions = np.arange(1, len(result.labels) + 1)
    panels = ((axes[0, 0], result.outcomes, "outcome", result.statistic.label),
              (axes[0, 1], result.scores.regret, "regret", f"regret, {result.statistic.label}"))
    for ax, values, kind, label in panels:
        parts = ax.boxplot(list(values), positions=positions, widths=0.5, patch_artist=True,
                           medianprops={"color": "black"})
        for j, patch in enumerate(parts["boxes"]):
            patch.set(facecolor="0.85", edgecolor="0.2", gid=f"{kind} {j}")
        ax.set_xticks(positions, result.labels, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(f"{label} [{unit}]")
        display_ticks(ax.yaxis, scale)
        ax.grid(alpha=0.3, axis="y")
    if result.criterion is not None:
        axes[0, 0].axhline(result.criterion.value, color="black", linestyle="--",
                           linewidth=1, label=f"criterion: {result.criterion.text}")
        axes[0, 0].legend(fontsize=8, loc="best")
    axes[0, 1].scatter(positions, result.scores.max_regret, marker="D", color="black",
                       zorder=3, label="largest regret (Savage)")
    axes[0, 1].legend(fontsize=8, loc="best")
    axes[0, 0].set_title("Outcome across the points", fontsize=10)
    axes[0, 1].set_title("Regret against the best choice at each point", fontsize=10)
    wrapped_title(figure, title)
    return figure

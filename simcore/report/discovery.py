"""What ``smasim discover`` found, for people: tables and a figure of the PRIM trajectory
and the box shown, the same for the terminal, Markdown and the HTML report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from simcore.analysis.discover import NEAR, RULE, Discovery
from simcore.report.figure import panel_grid, wrapped_title
from simcore.report.formats import TextTable

__all__ = ["discovery_chart", "discovery_sentence", "discovery_tables", "limits_text", "short_key"]


def _number(value: float) -> str:
    return f"{value:.4g}"


def limits_text(lower: float, upper: float, bounds: Sequence[float] | np.ndarray) -> str:
    """A restriction in words: ``>= 0.6``, ``<= 0.5``, ``0.2 to 0.4``; ``any`` if none.

    >>> limits_text(0.6, 1.0, (0.0, 1.0)), limits_text(0.2, 0.4, (0.0, 1.0))
    ('>= 0.6', '0.2 to 0.4')
    """
    low, high = lower > bounds[0], upper < bounds[1]
    if low and high:
        return f"{_number(lower)} to {_number(upper)}"
    if low:
        return f">= {_number(lower)}"
    return f"<= {_number(upper)}" if high else "any"


def short_key(key: str) -> str:
    """A key without its section, for narrow columns: ``outcomes[1].probability``.

    >>> short_key("negotiation.outcomes[1].probability"), short_key("fx.volatility")
    ('outcomes[1].probability', 'fx.volatility')
    """
    steps = key.split(".")
    return ".".join(steps[1:]) if len(steps) > 2 else key


def _percent(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{100 * value:.1f}%"


def _p_value(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.2g}"


def discovery_sentence(discovery: Discovery) -> str:
    """The box shown in one sentence: its restrictions, coverage and density.

    For example: ``Cases (contribution_usd[2031].p80 > 2e9): 42 of 64 points. Box 6:
    negotiation.outcomes[1].probability >= 0.2096; it holds 100.0% of the cases (coverage)
    and 84.0% of its points are cases (density).``
    """
    t, box = discovery.trajectory, discovery.box
    restrictions = [f"{key} {limits_text(t.lower[box, j], t.upper[box, j], t.bounds[:, j])}"
                    for j, key in enumerate(discovery.inputs.keys) if t.restricted[box, j]]
    where = "; ".join(restrictions) or "no restriction (the whole space)"
    cases = int(np.count_nonzero(discovery.cases))
    return (f"Cases ({discovery.case.text}): {cases} of {len(discovery.cases)} points. "
            f"Box {box}: {where}; it holds {_percent(t.coverage[box])} of the cases "
            f"(coverage) and {_percent(t.density[box])} of its points are cases (density).")


def discovery_tables(discovery: Discovery) -> list[TextTable]:
    """The case definition and its noise, the box shown with its quasi-p values and
    stability, the peeling trajectory, the CART leaves of cases and the feature scores."""
    t, inputs, case = discovery.trajectory, discovery.inputs, discovery.case
    box = discovery.box
    cases = int(np.count_nonzero(discovery.cases))
    rows = len(discovery.cases)
    how = (f"picked with --box; the rule chose {t.chosen}" if discovery.picked
           else "the rule's choice")
    overview = TextTable(
        title=f"Cases: {case.text}",
        header=["", "value"],
        rows=[
            ["rows (points x levers)", f"{rows:,}"],
            ["cases of interest", f"{cases:,} ({_percent(cases / rows)})"],
            [f"within {NEAR:g} SE of {case.value:g}", f"{discovery.near_threshold:,}"],
            ["box shown", f"{box} ({how})"],
            ["coverage", _percent(t.coverage[box])],
            ["density", _percent(t.density[box])],
            ["mass", _percent(t.mass[box])],
        ],
        caption=f"The statistic is the {case.label} at each point, with its Monte Carlo "
        f"standard error (SE); a point within {NEAR:g} SE of {case.value:g} may lie on "
        f"either side. The rule: {RULE}. Coverage: share of all cases inside the box; "
        "density: share of the box's points that are cases; mass: share of all points "
        "inside.",
    )
    stability = discovery.stability
    limits = TextTable(
        title=f"Box {box}: the judgments under which {case.text}",
        header=["input", "range in the box", "quasi-p", "restricted in halves"],
        rows=[
            [key, limits_text(t.lower[box, j], t.upper[box, j], t.bounds[:, j]),
             _p_value(t.quasi_p[box, j]), _percent(stability.restriction_frequency[j])]
            for j, key in enumerate(inputs.keys)
        ],
        caption=f"Quasi-p: the chance of the box's density, or more, were it as dense as "
        f"without that restriction (Bryant & Lempert 2010); restrictions of a significant box "
        f"have quasi-p <= {t.significance:.3g}. On {stability.resamples} random halves, "
        f"PRIM restricted each input as the last column says; their boxes overlapped this one "
        f"by {_percent(float(np.median(stability.overlap)))} (median Jaccard index) and kept "
        f"a coverage of {_percent(float(np.nanmedian(stability.holdout_coverage)))} and a "
        f"density of {_percent(float(np.nanmedian(stability.holdout_density)))} on the "
        "halves that did not shape them.",
    )
    trajectory = TextTable(
        title="Peeling trajectory",
        header=["box", "step", "coverage", "density", "mass", "restricts", "significant",
                "Pareto"],
        rows=[
            [f"{i}{' <' if i == box else ''}", t.step[i], _percent(t.coverage[i]),
             _percent(t.density[i]), _percent(t.mass[i]),
             ", ".join(short_key(k) for k, r in zip(inputs.keys, t.restricted[i], strict=True)
                       if r) or "none",
             "yes" if t.significant[i] else "no", "yes" if t.pareto[i] else ""]
            for i in range(len(t))
        ],
        caption="Peels remove 5% of a box's points at a time; pastes widen a Pareto box "
        "again. Significant: every restriction's quasi-p is small enough; Pareto: no "
        "significant box has more coverage, more density and fewer restrictions. < marks "
        "the box shown.",
    )
    cart = discovery.cart
    leaves = TextTable(
        title=f"CART cross-check: leaves where cases are the majority (depth {cart.depth})",
        header=["leaf", *map(short_key, inputs.keys), "coverage", "density", "mass"],
        rows=[
            [str(k), *(limits_text(cart.lower[k, j], cart.upper[k, j], t.bounds[:, j])
                       .replace(">=", ">") for j in range(len(inputs.keys))),
             _percent(cart.coverage[k]), _percent(cart.density[k]), _percent(cart.mass[k])]
            for k in np.flatnonzero(cart.predicted)
        ],
        caption="A classification tree of the cases, each leaf at least 5% of the points "
        "(lower limits exclusive).",
    )
    noise = discovery.scores.noise
    scores = TextTable(
        title=f"Which inputs matter at all: extra-trees feature scores for the {case.label}",
        header=["input", "score", "x noise"],
        rows=[[key, f"{score:.3f}", f"{score / noise:.1f}" if noise > 0 else "—"]
              for key, score in sorted(zip(inputs.keys, discovery.scores.scores,
                                           strict=True), key=lambda kv: -kv[1])],
        caption=f"Mean decrease in impurity of 250 extremely randomized trees, an added "
        f"column of noise scoring {noise:.3f}: an input near 1x noise does not matter "
        "(Jaxa-Rozen & Kwakkel 2018).",
    )
    return [overview, limits, trajectory, leaves, scores]


def discovery_chart(discovery: Discovery, *, title: str) -> Figure:
    """Two panels: the trajectory's coverage against density (Pareto boxes filled, the box
    shown ringed), and the points over the two highest-scoring inputs, cases filled, with
    the box shown (or, for one input, the statistic against it with the threshold).

    Returns
    -------
    Figure
        The trajectory's boxes are collections with gids ``"trajectory peel"``, ``"trajectory
        prune"`` and ``"trajectory paste"``, the box shown a patch (or lines) with gid
        ``"box"``.
    """
    figure, axes = panel_grid(1, 2)
    t, inputs, box = discovery.trajectory, discovery.inputs, discovery.box
    ax = axes[0, 0]
    steps = np.asarray(t.step)
    peeled = np.isin(steps, ("start", "peel"))
    ax.plot(t.coverage[peeled], t.density[peeled], color="0.6", linewidth=0.8, zorder=1)
    entries = []
    for step, marker, label in (("peel", "o", "peeled"), ("prune", "s", "pruned"),
                                ("paste", "^", "pasted")):
        shown = peeled if step == "peel" else steps == step
        if np.any(shown):
            ax.scatter(t.coverage[shown], t.density[shown], s=20, marker=marker,
                       c=np.where(t.pareto[shown], "0.1", "white"), edgecolors="0.2",
                       linewidths=0.8, zorder=2, gid=f"trajectory {step}")
            entries.append(Line2D([], [], marker=marker, linestyle="none", color="0.2",
                                  markerfacecolor="white", label=label))
    ax.legend(handles=entries, fontsize=8, loc="lower left")
    ax.scatter([t.coverage[box]], [t.density[box]], s=120, facecolors="none",
               edgecolors="black", linewidths=1.5, zorder=3)
    ax.annotate(f"box {box}", (t.coverage[box], t.density[box]), textcoords="offset points",
                xytext=(8, -12), fontsize=8)
    ax.set_xlabel("coverage (share of all cases in the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_title("PRIM trajectory (filled: Pareto boxes)", fontsize=10)
    ax.grid(alpha=0.3)
    ax = axes[0, 1]
    order = np.argsort(-discovery.scores.scores, kind="stable")
    cases = discovery.cases
    if len(inputs.keys) >= 2:
        j, k = int(order[0]), int(order[1])
        ax.scatter(inputs.x[~cases, j], inputs.x[~cases, k], s=14, facecolors="white",
                   edgecolors="0.3", label="other")
        ax.scatter(inputs.x[cases, j], inputs.x[cases, k], s=14, color="0.1",
                   label="case of interest")
        ax.add_patch(Rectangle((t.lower[box, j], t.lower[box, k]),
                               t.upper[box, j] - t.lower[box, j],
                               t.upper[box, k] - t.lower[box, k], fill=False,
                               linewidth=1.5, linestyle="--", gid="box"))
        ax.set_xlabel(inputs.keys[j])
        ax.set_ylabel(inputs.keys[k])
    else:
        ax.errorbar(inputs.x[:, 0], discovery.statistic, yerr=NEAR * discovery.se, fmt="none",
                    ecolor="0.6", linewidth=0.8)
        ax.scatter(inputs.x[:, 0], discovery.statistic, s=14,
                   c=np.where(cases, "0.1", "white"), edgecolors="0.3")
        ax.axhline(discovery.case.value, color="black", linewidth=0.8)
        for limit in (t.lower[box, 0], t.upper[box, 0]):
            ax.axvline(limit, color="black", linestyle="--", linewidth=1.2, gid="box")
        ax.set_xlabel(inputs.keys[0])
        ax.set_ylabel(discovery.case.label)
    ax.set_title(f"Points and box {box}", fontsize=10)
    ax.grid(alpha=0.3)
    if len(inputs.keys) >= 2:
        ax.legend(fontsize=8, loc="best")
    wrapped_title(figure, title)
    return figure

"""Figure data from a sensitivity file: Shapley panels per variable (groups in words, the
groups without a share left out), the tornado's inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import xarray as xr

from simcore.analysis.sensitivity import NOT_APPLICABLE
from simcore.core.errors import ParameterError, literal
from simcore.core.variables import VARIABLES
from simcore.report.sensitivity import group_words
from simcore.report.sensitivity_plots import ShapleyPanel
from simcore.stats.rank_correlation import RankCorrelations, sorted_correlations

#: Inputs a tornado shows.
TORNADO_INPUTS = 15


def shapley_panels(dataset: xr.Dataset, variables: Sequence[str] = ()) -> list[ShapleyPanel]:
    """One panel of Shapley shares per variable (default: every variable of the file)."""
    names = _variables(dataset, variables)
    panels = []
    for name in names:
        cell = dataset.sel(variable=name)
        keep = cell["status"].values != NOT_APPLICABLE
        spec = VARIABLES[name]
        panels.append(
            ShapleyPanel(
                label=f"{spec.long_name} [{spec.display_unit}]",
                years=[str(y) for y in dataset["year"].values[keep]],
                shares=cell["shapley"].values[keep],
            )
        )
    return panels


def drawn_groups(panels: Sequence[ShapleyPanel], groups: Sequence[str]
                 ) -> tuple[list[ShapleyPanel], list[str], list[str]]:
    """What a Shapley chart draws: the panels cut to the groups with a share in some year of
    some panel, those groups in words, and the groups left out (zero throughout) in words.

    A group whose inputs the model never reads has an effect of exactly 0 in every year
    (the sensitivity analysis marginalizes it out); it would only crowd the legend.
    """
    shares = np.concatenate([np.nan_to_num(p.shares) for p in panels])
    kept = [k for k in range(len(groups)) if np.any(shares[:, k] != 0)]
    cut = [replace(p, shares=np.asarray(p.shares)[:, kept]) for p in panels]
    return (cut, [group_words(groups[k]) for k in kept],
            [group_words(g) for k, g in enumerate(groups) if k not in kept])


def tornado_selection(
    dataset: xr.Dataset, variables: Sequence[str] = (), years: str | None = None,
    *, top: int = TORNADO_INPUTS,
) -> tuple[RankCorrelations, str]:
    """The rank correlations of one output (one variable, one year), largest ``|ρ|`` first.

    Defaults: ``contribution_usd`` (else the file's first variable) in its last year.
    Returns the correlations, cut to ``top`` inputs, and the output in words.
    """
    names = _variables(dataset, variables or
                       (["contribution_usd"] if "contribution_usd" in dataset["variable"]
                        else list(dataset["variable"].values[:1])))
    if len(names) != 1:
        raise ParameterError("{variables}: a tornado shows one variable; name one")
    name = names[0]
    cell = dataset.sel(variable=name)
    applicable = [str(y) for y, s in zip(dataset["year"].values, cell["status"].values,
                                         strict=True) if s != NOT_APPLICABLE]
    year = applicable[-1] if years is None else years.strip()
    if year not in applicable:
        raise ParameterError(
            f"{{years}}: a tornado shows one year of {name}; choose one of "
            f"{', '.join(applicable)}"
        )
    rho = cell["rank_correlation"].sel(year=year).values
    correlations = sorted_correlations([str(i) for i in dataset["input"].values], rho)
    spec = VARIABLES[name]
    return correlations.top(top), f"{spec.long_name} [{spec.display_unit}], {year}"


def _variables(dataset: xr.Dataset, variables: Sequence[str]) -> list[str]:
    stored = [str(v) for v in dataset["variable"].values]
    unknown = [v for v in variables if v not in stored]
    if unknown:
        raise ParameterError(
            f"{{variables}}: {literal(', '.join(unknown))} not in this sensitivity file; it has "
            f"{', '.join(stored)}"
        )
    return list(variables) or stored

"""The ``summary`` group of a result file, built from the run's summaries as an xarray Dataset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from simcore.core.variables import VARIABLES
from simcore.io.layout import FileLayout, _coordinates, flag_attrs
from simcore.stats.summary import VariableSummary


def summary_dataset(
    summaries: Mapping[str, Sequence[VariableSummary]],
    outcome_frequency: Sequence[np.ndarray],
    *,
    layout: FileLayout,
    percentiles: Sequence[float],
) -> xr.Dataset:
    """The ``summary`` group: per variable ``<name>_mean``, ``_sd``, ``_mcse``, ``_percentile``,
    and ``_percentile_lower``/``_percentile_upper`` (the percentiles' confidence intervals).

    Parameters
    ----------
    summaries : mapping of str to sequence of VariableSummary
        One summary per scenario (a single run: a sequence of one).
    outcome_frequency : sequence of ndarray, shape (K, H)
        Per scenario, the share of samples with each of ``layout.outcome_codes`` per year.
    layout : FileLayout
        The file's layout (scenarios, years, outcome codes and names).
    percentiles : sequence of float
        The percentile levels, in [0, 100].
    """
    batch = layout.scenarios is not None
    lead = ("scenario",) if batch else ()

    def stack(arrays: Sequence[np.ndarray]) -> np.ndarray:
        return np.stack(arrays) if batch else arrays[0]

    data_vars: dict[str, Any] = {}
    for name, per_scenario in summaries.items():
        spec = VARIABLES[name]
        years = ("year",) if spec.per_year else ()
        label = spec.long_name
        for stat, long_name in (
            ("mean", f"mean of {label}"),
            ("sd", f"standard deviation of {label}"),
            ("mcse", f"Monte Carlo standard error of the mean of {label}"),
        ):
            values = stack([getattr(s, stat) for s in per_scenario])
            data_vars[f"{name}_{stat}"] = (
                lead + years, values, {"units": spec.units, "long_name": long_name}
            )
        data_vars[f"{name}_percentile"] = (
            (*lead, "percentile", *years),
            stack([s.percentile for s in per_scenario]),
            {"units": spec.units, "long_name": f"percentiles of {label}"},
        )
        for bound in ("lower", "upper"):
            data_vars[f"{name}_percentile_{bound}"] = (
                (*lead, "percentile", *years),
                stack([getattr(s, f"percentile_{bound}") for s in per_scenario]),
                {
                    "units": spec.units,
                    "long_name": f"{bound} bound of the confidence interval of the "
                    f"percentiles of {label}",
                    "confidence_level": per_scenario[0].interval_level,
                    "method": "distribution-free: order statistics at binomial ranks",
                },
            )
    data_vars["negotiation_outcome_frequency"] = (
        (*lead, "outcome", "year"),
        stack(list(outcome_frequency)),
        {"units": "1", "long_name": "share of samples with each negotiation outcome"},
    )
    names = layout.outcome_name_table()
    data_vars["outcome_name"] = ((*lead, "outcome"), names if batch else names[0], {
        "long_name": "name of the configured negotiation outcome with each code "
                     "(empty: the scenario has none)",
    })
    coords = _coordinates(layout)
    coords["percentile"] = ("percentile", np.asarray(percentiles, dtype=np.float64), {
        "long_name": "percentile level", "units": "percent",
    })
    coords["outcome"] = ("outcome", np.asarray(layout.outcome_codes, dtype=np.int8), {
        "long_name": "negotiation outcome code",
        **flag_attrs(layout.outcome_codes),
    })
    n = {s.n for per in summaries.values() for s in per}
    attrs = {"title": "summary statistics over samples", "n_samples": int(n.pop())}
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)

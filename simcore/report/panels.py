"""Figure data: what :mod:`simcore.report.plots` draws, taken from a file's selection.

Fan charts take the summary's percentiles (the bands are exactly the summary's numbers);
S-curves and histograms take each scenario's samples of one year or of a total over years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simcore.core.errors import ParameterError
from simcore.read.queries import selection_rows
from simcore.read.select import Selection
from simcore.report.render import axis_label

#: What ``smasim plot`` draws when no variable is chosen.
PLOT_VARIABLES = ("contribution_usd",)
#: Percentile levels of a fan chart: the outer band, the inner band, the median.
FAN_LEVELS = (5.0, 25.0, 50.0, 75.0, 95.0)


@dataclass(frozen=True)
class Panel:
    """One variable to draw, for one or several scenarios (:mod:`simcore.report.plots`).

    Attributes
    ----------
    label : str
        Axis label naming the variable and its display unit, e.g.
        ``"contribution_usd [USD bn]"``.
    scale : float
        Divisor from the file's units to the display unit (1e9 for USD bn).
    series : dict of str to ndarray
        Per scenario: for a fan chart, percentiles at :data:`FAN_LEVELS`, shape (5, H); for
        an S-curve or a histogram, the samples, shape (n,). In the file's units.
    description : str
        What the values are ("2031", "total 2026-2031"), shown in the panel title.
    """

    label: str
    scale: float
    series: dict[str, np.ndarray]
    description: str = ""


def figure_title(selection: Selection, kind: str) -> str:
    """``"baseline, drawdown — fan chart — outputs/batch.h5"``."""
    names = ", ".join(s.name for s in selection.scenarios)
    return f"{names} — {kind} — {selection.path}"


def fan_panels(selection: Selection) -> list[Panel]:
    """Per variable, the percentiles at :data:`FAN_LEVELS` per scenario, shape (5, years).

    Read from the summary group when stored (else computed from the samples), so the
    bands are exactly the summary's percentiles.
    """
    flat = [q.name for q in selection.quantities if not q.per_year]
    if flat:
        raise ParameterError(
            f"{{fan}}: {', '.join(flat)} has no year axis (a horizon total); draw an "
            "S-curve or a histogram"
        )
    rows = selection_rows(selection, FAN_LEVELS)
    panels = []
    for item in selection.quantities:
        series = {
            scenario.name: np.array([
                [r.percentiles[q].value for r in rows
                 if r.quantity == item and r.scenario == scenario.name]
                for q in FAN_LEVELS
            ])
            for scenario in selection.scenarios
        }
        panels.append(Panel(axis_label(item), item.spec.display_scale, series))
    return panels


def _years_text(years: Sequence[int]) -> str:
    """``2026-2031`` for a run of years, else ``2027, 2029``."""
    if len(years) > 1 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ", ".join(map(str, years))


def distribution_panels(selection: Selection, *, years_given: bool) -> list[Panel]:
    """Per variable, each scenario's samples of one year or of a total over years.

    A yearly amount of money (kind USD or KRW) is summed over the years chosen (one year:
    that year); another yearly variable needs one year, and is shown for the last one when
    no years were given. Horizon totals are shown as they are.
    """
    years = selection.years
    panels = []
    for item in selection.quantities:
        pick: int | None = None  # None: sum the years chosen
        if not item.per_year:
            description = "horizon total"
        elif len(years) == 1:
            pick, description = 0, str(years[0])
        elif item.spec.kind in ("USD", "KRW"):
            description = f"total {_years_text(years)}"
        elif not years_given:
            pick, description = -1, str(years[-1])
        else:
            raise ParameterError(
                f"{{years}}: {item.name} does not add up over years; choose one year "
                f"(e.g. {years[-1]})"
            )
        series = {}
        for scenario in selection.scenarios:
            values = selection.values(item, scenario)
            if item.per_year:
                values = values.sum(axis=1) if pick is None else values[:, pick]
            series[scenario.name] = values
        panels.append(Panel(axis_label(item), item.spec.display_scale, series, description))
    return panels

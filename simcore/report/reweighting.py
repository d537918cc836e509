"""Tables of a re-weighted summary (``smasim reweight``): ``smasim summary``'s tables, their
captions saying how the errors were computed and what the weights cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from simcore.analysis.reweight import ScenarioWeights
from simcore.read.rows import SummaryRow
from simcore.report.formats import TextTable
from simcore.report.render import ERRORS_NOTE, summary_tables
from simcore.stats.summary import INTERVAL_LEVEL

#: What ± means in a re-weighted table (METHODS.md §W).
WEIGHTED_ERRORS_NOTE = (
    "± after a mean: its Monte Carlo standard error under the importance weights; after a "
    f"percentile: half the width of its {INTERVAL_LEVEL:.0%} interval by Woodruff's method "
    "(the weighted CDF's error, METHODS.md §W)."
)


def reweighted_tables(rows: Sequence[SummaryRow], weights: Sequence[ScenarioWeights]
                      ) -> list[TextTable]:
    """The summary tables of each scenario; a re-weighted scenario's captions say how its
    errors were computed and give its effective sample size (an unchanged one is exactly
    ``smasim summary``'s)."""
    tables: list[TextTable] = []
    for scenario in weights:
        own = summary_tables([row for row in rows if row.scenario == scenario.scenario])
        if not scenario.unchanged:
            own = [replace(table, caption=table.caption.replace(
                ERRORS_NOTE, WEIGHTED_ERRORS_NOTE) + f" Re-weighted {scenario.describe()}.")
                for table in own]
        tables += own
    return tables

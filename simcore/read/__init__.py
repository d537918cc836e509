"""Layer 4, reading a result file into rows: what is asked for (choices), what is read
(select), the rows (pure) and the queries that compose them.

Every public name is importable from here (``from simcore.read import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "AssumptionRow": "rows",
    "ComparisonRow": "rows",
    "DESIGN_ATTRS": "choices",
    "EDGE_LEVELS": "rows",
    "Estimate": "rows",
    "HEADLINE_LEVELS": "queries",
    "HEADLINE_QUANTITIES": "queries",
    "HEADLINE_VARIABLES": "choices",
    "HeadlineCell": "rows",
    "HeadlineRow": "rows",
    "OutcomeRow": "rows",
    "PercentileDifference": "rows",
    "Quantity": "choices",
    "Row": "rows",
    "ScenarioRef": "choices",
    "Selection": "select",
    "SummaryRow": "rows",
    "assumption_rows": "queries",
    "check_levels": "choices",
    "check_thresholds": "choices",
    "comparison_rows": "queries",
    "comparison_rows_of": "rows",
    "convergence_rows": "queries",
    "convergence_rows_of": "rows",
    "half_width": "rows",
    "headline_rows": "queries",
    "headline_rows_of": "rows",
    "levels": "queries",
    "outcome_frequency": "select",
    "outcome_rows": "queries",
    "outcome_rows_of": "rows",
    "parse_percentiles": "choices",
    "parse_years": "choices",
    "percentile_label": "rows",
    "quantity": "choices",
    "row_years": "rows",
    "select": "select",
    "selection_rows": "queries",
    "statistics_row": "rows",
    "stored_configs": "select",
    "summary_arrays": "select",
    "summary_rows": "queries",
    "summary_rows_of": "rows",
    "threshold_label": "rows",
    "troop_assumption": "rows",
    "unknown_names": "choices",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

"""Layer 2, scenarios: the TOML schema (pydantic), loading, ``--set`` overrides, the
wording of validation errors, and the shipped scenarios.

Every public name is importable from here (``from simcore.config import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "AgreementSection": "schema",
    "BetaDistribution": "schema",
    "CpiRule": "schema",
    "DefenseBudgetRule": "schema",
    "DefenseSection": "schema",
    "DemandOutcome": "schema",
    "DiscreteDistribution": "schema",
    "Escalation": "schema",
    "FirstYearChange": "schema",
    "FixedRule": "schema",
    "FxSection": "schema",
    "IncreaseOutcome": "schema",
    "InflationProcess": "schema",
    "InflationSection": "schema",
    "Int": "schema",
    "KeyPath": "overrides",
    "LocatedScenario": "shipped",
    "LapseOutcome": "schema",
    "MAX_SAMPLES": "schema",
    "NAMED_LIST": "overrides",
    "NegotiationSection": "schema",
    "NonNegative": "schema",
    "Outcome": "schema",
    "Override": "overrides",
    "OverrideError": "overrides",
    "PinsSection": "schema",
    "Probability": "schema",
    "RokOtherSupportSection": "schema",
    "RunSection": "schema",
    "SCENARIO_SUFFIX": "shipped",
    "SHARED_RUN_KEYS": "load",
    "SHIPPED_PACKAGE": "shipped",
    "SUM_TOLERANCE": "schema",
    "Scenario": "schema",
    "ShocksSection": "schema",
    "StatusQuoOutcome": "schema",
    "TroopsSection": "schema",
    "UsCostSection": "schema",
    "UsdCpiRule": "schema",
    "YearTable": "schema",
    "YearTableInt": "schema",
    "apply_overrides": "overrides",
    "check_batch": "load",
    "format_path": "overrides",
    "format_validation_error": "messages",
    "header_comment": "load",
    "load_scenario": "load",
    "locate_scenario": "shipped",
    "outcome_entry_names": "schema",
    "outcome_key": "overrides",
    "parse_key": "overrides",
    "parse_override": "overrides",
    "parse_scenario": "load",
    "resolve_key": "overrides",
    "scenario_from_dict": "schema",
    "shipped_scenario": "shipped",
    "shipped_scenarios": "shipped",
}
__all__ = sorted(_EXPORTS)
#: Names ``simcore.config`` had in 0.1 that live elsewhere now.
_MOVED = {"PSD_TOLERANCE": "simcore.stats.linalg"}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _MOVED)

"""Layer 3, the model: parameters resolved from a scenario, the random inputs of a block,
and the pure kernels (shocks, inflation, drivers, agreement, costs) composed by the engine.

Every public name is importable from here (``from simcore.model import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "AgreementParams": "params",
    "BlockDraws": "sampling",
    "BlockSampler": "sampling",
    "CostParams": "params",
    "CpiRuleParams": "params",
    "DefenseBudgetRuleParams": "params",
    "DefenseParams": "params",
    "DriverParams": "params",
    "DemandParams": "params",
    "FixedRuleParams": "params",
    "FxParams": "params",
    "IncreaseParams": "params",
    "INFLATION_DRIVERS": "sampling",
    "InflationParams": "params",
    "LOG_VARIANCE_ROLES": "sampling",
    "LapseParams": "params",
    "ModelParams": "params",
    "NEGOTIATION_ROLES": "sampling",
    "NO_NEGOTIATION": "agreement",
    "N_SHOCKS": "sampling",
    "N_UNIFORMS": "sampling",
    "NewAgreementParams": "params",
    "OutcomeParams": "params",
    "ParameterValue": "params",
    "PINNABLE": "params",
    "Pins": "drivers",
    "RawDraws": "sampling",
    "RuleParams": "params",
    "SAMPLERS": "sampling",
    "StatusQuoParams": "params",
    "TroopParams": "params",
    "UNIFORM_ROLES": "sampling",
    "UsdCpiRuleParams": "params",
    "at_rows": "params",
    "derive_costs": "costs",
    "BlockInputs": "sampling",
    "correlate_inputs": "sampling",
    "draw_block": "sampling",
    "draw_inputs": "sampling",
    "escalation_rate": "agreement",
    "first_year_rate": "agreement",
    "model_shocks": "shocks",
    "price_index": "drivers",
    "resolve_params": "params",
    "resolve_rule": "params",
    "round_to_step": "agreement",
    "simulate": "engine",
    "simulate_block": "engine",
    "simulate_contributions": "agreement",
    "simulate_defense_growth": "drivers",
    "simulate_exchange_rate": "drivers",
    "simulate_inflation": "inflation",
    "simulate_paths": "engine",
    "simulate_resolved_block": "engine",
    "simulate_troop_states": "drivers",
    "sum_over_years": "costs",
    "table_rows": "params",
    "table_size": "params",
    "troop_cost_factor": "costs",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

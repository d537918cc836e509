"""Layer 5, analyses that run the model on inputs of their own or post-process runs:
sensitivity, backtests, sweeps.

Every public name is importable from here (``from simcore.analysis import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "BACKTEST_KIND": "backtest",
    "ChiSquareSampler": "sensitivity",
    "DEFAULT_FROM": "backtest",
    "DEFAULT_HORIZON": "backtest",
    "DEFAULT_INNER": "sensitivity",
    "DEFAULT_OUTER": "sensitivity",
    "DEFAULT_SAMPLES": "backtest",
    "DEFAULT_WINDOW_START": "backtest",
    "DRIVER_WORDS": "sensitivity",
    "DriverBacktest": "backtest",
    "GROUPS": "sensitivity",
    "GridPoint": "sweep",
    "HORIZON": "sensitivity",
    "INTERVALS": "backtest",
    "KIND": "sensitivity_file",
    "LEVELS": "backtest",
    "MAX_BATCH_OUTER": "sensitivity",
    "MAX_POINTS": "sweep",
    "MIN_BATCHES": "sensitivity",
    "MIN_PAIRS": "backtest",
    "MapOrdered": "sensitivity",
    "ModelOutputs": "sensitivity",
    "NEGOTIATION_WORDS": "sensitivity",
    "RESPONSE_LEVELS": "sweep",
    "ResponseCurves": "sweep",
    "SEED": "backtest",
    "SMA_CASES": "backtest",
    "STATUS_MEANINGS": "sensitivity",
    "SensitivityResult": "sensitivity",
    "SensitivityRow": "sensitivity",
    "SmaCase": "backtest",
    "SweepAxis": "sweep",
    "SweepPlan": "sweep",
    "UNITS": "backtest",
    "UniformSampler": "sensitivity",
    "VARIABLE": "backtest",
    "analyse_sensitivity": "sensitivity",
    "backtest_drivers": "backtest",
    "backtest_settings": "backtest",
    "backtest_sma": "backtest",
    "block_draws": "sensitivity",
    "check_variables": "sensitivity",
    "crps_sorted": "backtest",
    "driver_paths": "backtest",
    "driver_records": "backtest",
    "input_design": "sensitivity",
    "interval_hits": "backtest",
    "mid_pit": "backtest",
    "model_inputs": "sensitivity",
    "outer_sizes": "sensitivity",
    "parse_axis": "sweep",
    "plan_sweep": "sweep",
    "read_backtest": "backtest",
    "read_sensitivity": "sensitivity_file",
    "response_curves": "sweep",
    "select_columns": "sensitivity",
    "sensitivity_dataset": "sensitivity_file",
    "shocks_read": "sensitivity",
    "sweep_coordinates": "sweep",
    "sweep_grid": "sweep",
    "tornado_inputs": "sensitivity",
    "wilson_interval": "backtest",
    "write_backtest": "backtest",
    "write_sensitivity": "sensitivity_file",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

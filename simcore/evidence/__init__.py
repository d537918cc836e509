"""Layer 3, the shipped history and what is estimated from it: reading and checking the
data, calibration, the calibrated scenario's TOML.

Every public name is importable from here (``from simcore.evidence import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "CORRELATION_DECIMALS": "calibrate",
    "CURRENCIES": "history",
    "Calibration": "calibrate",
    "CorrelationFit": "calibrate",
    "DATA_FILES": "history",
    "DEFAULT_START": "calibrate",
    "DICKEY_FULLER_5PCT": "calibrate",
    "DISTANCE_DIGITS": "calibrate",
    "DOMAIN_RULES": "history",
    "DataTable": "history",
    "DefenseFit": "calibrate",
    "Domain": "history",
    "DriverHistory": "history",
    "ESTIMATE_DIGITS": "calibrate",
    "FileSchema": "history",
    "FxFit": "calibrate",
    "History": "history",
    "HistoryDataError": "history",
    "InflationFit": "calibrate",
    "KRW_PER_100M": "history",
    "Kind": "history",
    "MIN_SHARED_YEARS": "calibrate",
    "NegotiationFit": "calibrate",
    "NegotiationRecord": "history",
    "Regression": "calibrate",
    "SCHEMAS": "history",
    "SE_DIGITS": "calibrate",
    "STATUSES": "history",
    "T_RATIO_DECIMALS": "calibrate",
    "USD_PER_M": "history",
    "amount_usd": "history",
    "calibrate": "calibrate",
    "calibrated_toml": "calibrated_scenario",
    "configured_concession_mean": "calibrated_scenario",
    "dickey_fuller_critical": "calibrate",
    "estimate": "calibrate",
    "fit_correlation": "calibrate",
    "fit_defense": "calibrate",
    "fit_fx": "calibrate",
    "fit_inflation": "calibrate",
    "fit_negotiation_records": "calibrate",
    "fit_negotiations": "calibrate",
    "jeffreys_interval": "calibrate",
    "last_complete_year": "calibrate",
    "load_history": "history",
    "negotiation_records": "history",
    "ols": "calibrate",
    "parse_table": "history",
    "round_estimates": "calibrate",
    "round_negotiations": "calibrate",
    "sources_text": "history",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

"""The one table of output variables: units, long names, dtypes and how to display them.

``simcore.store`` writes its CF attributes from this table; summaries scale by it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VariableSpec:
    """How one output variable is stored and shown.

    Attributes
    ----------
    units : str
        CF ``units`` (``"1"`` for fractions and counts; currencies as ``KRW``/``USD``).
    long_name : str
        CF ``long_name``.
    per_year : bool
        Dimensions ``(sample, year)`` if True, ``(sample,)`` otherwise.
    integer : bool
        Stored as an integer type (never converted by ``--float32``).
    display_unit, display_scale : str, float
        Human-readable unit and the divisor to reach it (``"USD bn"``, 1e9).
    """

    units: str
    long_name: str
    per_year: bool = True
    integer: bool = False
    display_unit: str = ""
    display_scale: float = 1.0


_PERCENT = {"display_unit": "%", "display_scale": 0.01}
_KRW_TN = {"display_unit": "KRW tn", "display_scale": 1e12}
_USD_BN = {"display_unit": "USD bn", "display_scale": 1e9}

VARIABLES: dict[str, VariableSpec] = {
    "inflation_kr": VariableSpec("1", "Korean CPI inflation rate, annual", **_PERCENT),
    "inflation_us": VariableSpec("1", "US CPI inflation rate, annual", **_PERCENT),
    "defense_growth": VariableSpec("1", "ROK defense budget growth rate, annual", **_PERCENT),
    "fx_krw_per_usd": VariableSpec(
        "KRW/USD", "exchange rate, annual average", display_unit="KRW/USD"
    ),
    "troops": VariableSpec(
        "1", "US troops stationed in Korea (persons)", integer=True, display_unit="persons"
    ),
    "negotiation_outcome": VariableSpec(
        "1", "outcome of the SMA negotiation held in the year", integer=True
    ),
    "contribution_krw": VariableSpec("KRW", "ROK SMA contribution, nominal", **_KRW_TN),
    "contribution_usd": VariableSpec("USD", "ROK SMA contribution, nominal", **_USD_BN),
    "contribution_usd_real": VariableSpec(
        "USD", "ROK SMA contribution in base-year US dollars", **_USD_BN
    ),
    "other_support_usd": VariableSpec(
        "USD", "other ROK support outside the SMA, nominal", **_USD_BN
    ),
    "us_cost_usd": VariableSpec("USD", "US own cost of stationing, nominal", **_USD_BN),
    "total_cost_usd": VariableSpec("USD", "total cost of stationing, nominal", **_USD_BN),
    "rok_share": VariableSpec("1", "ROK share of the total stationing cost", **_PERCENT),
    "cost_per_troop_usd": VariableSpec(
        "USD", "total stationing cost per troop, nominal", display_unit="USD k",
        display_scale=1e3,
    ),
    "cum_contribution_usd": VariableSpec(
        "USD", "ROK SMA contribution summed over the horizon, nominal", per_year=False,
        **_USD_BN,
    ),
    "pv_contribution_usd": VariableSpec(
        "USD", "present value of the ROK SMA contribution over the horizon", per_year=False,
        **_USD_BN,
    ),
}

#: Variables whose distribution a summary reports (the outcome codes get frequencies instead).
SUMMARIZED = tuple(name for name in VARIABLES if name != "negotiation_outcome")

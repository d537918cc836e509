"""The one table of output variables: units, long names, dtypes and how to display them.

Everything a variable is lives here: ``simcore.io.layout`` derives CF attributes and storage
types from it, the read side scales, labels and deflates by it. New outputs join the table
instead of being special-cased by name anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

#: What a variable measures, which decides how it is stored, shown and deflated:
#: money in one currency, an exchange rate, a fraction (rates and shares), an integer
#: count of persons, or an integer code with flag meanings.
VariableKind = Literal["KRW", "USD", "KRW/USD", "fraction", "count", "code"]
#: The price-index driver that puts a variable in base-year prices (``--real``).
Deflator = Literal["inflation_us", "inflation_kr"]


@dataclass(frozen=True)
class VariableSpec:
    """How one output variable is stored and shown.

    Attributes
    ----------
    units : str
        CF ``units`` (``"1"`` for fractions and counts; currencies as ``KRW``/``USD``).
    long_name : str
        CF ``long_name``.
    kind : {'KRW', 'USD', 'KRW/USD', 'fraction', 'count', 'code'}
        What the values measure.
    per_year : bool
        Dimensions ``(sample, year)`` if True, ``(sample,)`` otherwise.
    display_unit, display_scale : str, float
        Human-readable unit and the divisor to reach it (``"USD bn"``, 1e9).
    sum_of : str, optional
        For a horizon variable that is the plain sum of a yearly one over the years, that
        variable's name (tables then show it as the yearly variable's total column).
    """

    units: str
    long_name: str
    kind: VariableKind
    per_year: bool = True
    display_unit: str = ""
    display_scale: float = 1.0
    sum_of: str | None = None

    @property
    def dtype(self) -> str:
        """Storage type: int8 codes, int32 counts, float64 otherwise (``--float32`` halves
        floating-point variables only)."""
        return {"code": "int8", "count": "int32"}.get(self.kind, "float64")

    @property
    def discrete(self) -> bool:
        """The variable takes a few whole values (troop levels): summaries give the share of
        paths at each, not percentiles."""
        return self.kind == "count"

    @property
    def deflator(self) -> Deflator | None:
        """The inflation driver whose price index puts this variable in base-year prices:
        US CPI for USD amounts, Korean CPI for KRW amounts, None for everything else."""
        return _DEFLATORS.get(self.kind)


_DEFLATORS: dict[VariableKind, Deflator] = {"USD": "inflation_us", "KRW": "inflation_kr"}


class _Display(TypedDict):
    kind: VariableKind
    display_unit: str
    display_scale: float


_PERCENT: _Display = {"kind": "fraction", "display_unit": "%", "display_scale": 0.01}
_KRW_TN: _Display = {"kind": "KRW", "display_unit": "KRW tn", "display_scale": 1e12}
_USD_BN: _Display = {"kind": "USD", "display_unit": "USD bn", "display_scale": 1e9}

VARIABLES: dict[str, VariableSpec] = {
    "inflation_kr": VariableSpec("1", "Korean CPI inflation rate, annual", **_PERCENT),
    "inflation_us": VariableSpec("1", "US CPI inflation rate, annual", **_PERCENT),
    "defense_growth": VariableSpec("1", "ROK defense budget growth rate, annual", **_PERCENT),
    "fx_krw_per_usd": VariableSpec(
        "KRW/USD", "exchange rate, annual average", kind="KRW/USD", display_unit="KRW/USD"
    ),
    "troops": VariableSpec(
        "1", "US troops stationed in Korea (persons)", kind="count", display_unit="persons"
    ),
    "negotiation_outcome": VariableSpec(
        "1", "outcome of the SMA negotiation held in the year", kind="code"
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
        "USD", "total stationing cost per troop, nominal", kind="USD", display_unit="USD k",
        display_scale=1e3,
    ),
    "cum_contribution_usd": VariableSpec(
        "USD", "ROK SMA contribution summed over the horizon, nominal", per_year=False,
        sum_of="contribution_usd", **_USD_BN,
    ),
    "cum_total_cost_usd": VariableSpec(
        "USD", "total cost of stationing summed over the horizon, nominal", per_year=False,
        sum_of="total_cost_usd", **_USD_BN,
    ),
    "pv_contribution_usd": VariableSpec(
        "USD", "present value of the ROK SMA contribution over the horizon", per_year=False,
        **_USD_BN,
    ),
}

#: Variables whose distribution a summary reports (the outcome codes get frequencies instead).
SUMMARIZED = tuple(name for name, spec in VARIABLES.items() if spec.kind != "code")

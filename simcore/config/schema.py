"""The scenario's schema: the pydantic models of docs/spec/CONFIG.md and :class:`Scenario`.

Every section forbids unknown keys and never parses a number from a string; a rule across
keys (sums to 1, pins in simulated years) is a validator of the section that holds them.
:func:`scenario_from_dict` validates a mapping (the parsed TOML, or one built in a notebook);
reading a file or TOML text, with overrides, is :mod:`simcore.config.load`; the wording of
validation errors is :mod:`simcore.config.messages`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import tomli_w
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    PrivateAttr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simcore.config.draws import (
    BASE_DIR,
    PENDING_FILES,
    Value,
    merge_draws_file,
    parameter_validator,
    table_size,
)
from simcore.config.messages import format_validation_error
from simcore.core.errors import ConfigError, ConfigParameterError, literal
from simcore.core.outcomes import MAX_PER_KIND, default_outcome_names, outcome_codes
from simcore.core.types import DRIVERS, Driver, Sampler, ShockDistribution
from simcore.stats.elicitation import Discrete, Distribution, Mixture
from simcore.stats.linalg import PSD_TOLERANCE

#: Largest sample count accepted: 1e10 paths of 6 years is ~7 TB of float64 output.
MAX_SAMPLES = 10_000_000_000
#: Tolerance for "sums to 1" (docs/spec/CONFIG.md).
SUM_TOLERANCE = 1e-9


def _integral(value: Any) -> Any:
    """Accept an integral float (``1e6`` in TOML is a float) as an integer; bools are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Int = Annotated[int, BeforeValidator(_integral)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
#: Driver parameters: a number or a table of draws (docs/spec/MODEL.md §2a), within bounds.
Parameter = Annotated[Value, PlainValidator(parameter_validator())]
Persistence = Annotated[Value, PlainValidator(parameter_validator(gt=-1.0, lt=1.0))]
Volatility = Annotated[Value, PlainValidator(parameter_validator(ge=0.0))]
Level = Annotated[Value, PlainValidator(parameter_validator(gt=0.0))]
Reversion = Annotated[Value, PlainValidator(parameter_validator(ge=0.0, le=1.0))]


class _Section(BaseModel):
    """Base of every section: unknown keys are errors, numbers are never parsed from strings."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _year_keys(value: Any) -> Any:
    """TOML table keys are strings: ``{ 2026 = 1.5e12 }`` arrives as ``{"2026": 1.5e12}``."""
    if not isinstance(value, dict):
        return value
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if isinstance(key, str) and key.strip().lstrip("-").isdigit():
            out[int(key)] = item
        else:
            out[key] = item
    return out


YearTable = Annotated[dict[Int, float], BeforeValidator(_year_keys)]
YearTableInt = Annotated[dict[Int, Int], BeforeValidator(_year_keys)]


class RunSection(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100)
    base_year: Int = Field(ge=1900, le=2200)
    horizon: Int = Field(ge=1, le=100)
    samples: Int = Field(ge=1, le=MAX_SAMPLES)
    seed: Int | None = Field(default=None, ge=0, le=2**63 - 1)
    sampler: Sampler = "mc"
    percentiles: list[float] = Field(default=[5, 10, 25, 50, 75, 90, 95], min_length=1)
    discount_rate: float = Field(default=0.03, gt=-1.0)

    @field_validator("percentiles")
    @classmethod
    def _percentiles_in_range(cls, value: list[float]) -> list[float]:
        bad = [p for p in value if not 0.0 <= p <= 100.0]
        if bad:
            raise ValueError(f"percentiles must lie in [0, 100] (got {bad})")
        return sorted(set(value))


class _DriverSection(_Section):
    """A driver's section whose parameters may be tables of draws (docs/spec/MODEL.md §2a).

    Each name of :attr:`PARAMETERS` is a number or a table of draws, inline or a column of
    the ``draws`` file (:mod:`simcore.config.draws`); every table of a section has the same
    length, one row per joint draw. The validated section holds the draws inline and no
    ``draws`` key, so its TOML (:meth:`Scenario.to_toml`) needs no other file.
    """

    #: The parameters that may be tables (and the columns a draws file may have).
    PARAMETERS: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _read_draws_file(cls, data: Any, info: ValidationInfo) -> Any:
        return merge_draws_file(data, info, cls.PARAMETERS)

    @model_validator(mode="after")
    def _tables_of_one_length(self) -> _DriverSection:
        table_size(getattr(self, name) for name in self.PARAMETERS)
        return self

    @property
    def table_size(self) -> int | None:
        """Draws per table of the section; None when every parameter is a number."""
        return table_size(getattr(self, name) for name in self.PARAMETERS)


class InflationProcess(_DriverSection):
    """Annual CPI inflation of one country: a trend plus an AR(1) gap (docs/spec/MODEL.md §2).

    ``mean`` is the trend's base-year level τ_0 (with no trend volatility, the AR(1)'s mean),
    ``volatility`` the gap's shock sd, ``trend_volatility`` the trend's (0: a frozen trend),
    ``log_variance_sd`` γ, the sd of the yearly change of both log variances (0: constant
    volatilities).
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = (
        "mean", "persistence", "volatility", "trend_volatility")

    initial: float
    previous: float
    mean: Parameter
    persistence: Persistence
    volatility: Volatility
    trend_volatility: Volatility = 0.0
    log_variance_sd: NonNegative = 0.0
    draws: str | None = None


class InflationSection(_Section):
    kr: InflationProcess
    us: InflationProcess


class DefenseSection(_DriverSection):
    """ROK defense budget growth (docs/spec/MODEL.md §3)."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ("real_growth", "volatility")

    initial: float
    real_growth: Parameter
    volatility: Volatility
    draws: str | None = None


class FxSection(_DriverSection):
    """KRW per USD, log scale, relative PPP and reversion (docs/spec/MODEL.md §4).

    ``real_anchor`` makes ``anchor`` a real rate (the level the rate net of the cumulated
    PPP pass-through reverts to); false keeps 0.2's nominal anchor.
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = ("anchor", "reversion", "ppp", "volatility")

    initial: float = Field(gt=0.0)
    anchor: Level
    reversion: Reversion
    ppp: Parameter
    volatility: Volatility
    real_anchor: bool = False
    draws: str | None = None


class ShocksSection(_Section):
    """Correlated standard shocks (docs/spec/MODEL.md §1)."""

    distribution: ShockDistribution = "normal"
    dof: float | None = Field(default=None, gt=2.0)
    drivers: list[Driver] = Field(default=list(DRIVERS), min_length=1)
    correlation: list[list[float]] | None = None

    @field_validator("drivers")
    @classmethod
    def _unique_drivers(cls, value: list[Driver]) -> list[Driver]:
        if len(set(value)) != len(value):
            raise ValueError(f"drivers must be distinct (got {value})")
        return value

    @model_validator(mode="after")
    def _check(self) -> ShocksSection:
        if self.distribution == "student_t" and self.dof is None:
            raise ValueError("shocks.dof: required when distribution = 'student_t' (dof > 2)")
        if self.correlation is not None:
            _check_correlation(np.asarray(self.correlation, dtype=float), len(self.drivers))
        return self

    def full_correlation(self) -> np.ndarray:
        """The 4x4 correlation over all drivers in canonical order (unlisted: independent)."""
        full = np.eye(len(DRIVERS))
        if self.correlation is not None:
            index = [DRIVERS.index(d) for d in self.drivers]
            full[np.ix_(index, index)] = np.asarray(self.correlation, dtype=float)
        return full


def _check_correlation(matrix: np.ndarray, size: int) -> None:
    where = "shocks.correlation"
    if matrix.ndim != 2 or matrix.shape != (size, size):
        raise ValueError(
            f"{where}: must be a {size}x{size} matrix, one row and column per entry of "
            f"shocks.drivers (got shape {matrix.shape})"
        )
    bad_diag = [i for i in range(size) if matrix[i, i] != 1.0]
    if bad_diag:
        raise ValueError(f"{where}: diagonal must be 1 (entries {[(i, i) for i in bad_diag]})")
    asym = np.argwhere(np.triu(np.abs(matrix - matrix.T) > 1e-12))
    if asym.size:
        pairs = [(int(i), int(j)) for i, j in asym[:4]]
        raise ValueError(f"{where}: must be symmetric (entries {pairs} differ from their mirror)")
    out_of_range = np.argwhere(np.abs(matrix) > 1.0)
    if out_of_range.size:
        pairs = [(int(i), int(j)) for i, j in out_of_range[:4]]
        raise ValueError(f"{where}: entries must lie in [-1, 1] (entries {pairs})")
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest < -PSD_TOLERANCE:
        raise ValueError(
            f"{where}: must be positive semi-definite (smallest eigenvalue {smallest:.3g})"
        )


class TroopsSection(_Section):
    """Markov chain over discrete troop levels (docs/spec/MODEL.md §5)."""

    levels: list[Int] = Field(min_length=1)
    initial: Int
    transition: list[list[Probability]]

    @model_validator(mode="after")
    def _check(self) -> TroopsSection:
        m = len(self.levels)
        if any(level <= 0 for level in self.levels):
            raise ValueError(f"troops.levels: must be positive head counts (got {self.levels})")
        if len(set(self.levels)) != m:
            raise ValueError(f"troops.levels: must be distinct (got {self.levels})")
        if self.initial not in self.levels:
            raise ValueError(
                f"troops.initial: must be one of troops.levels {self.levels} (got {self.initial})"
            )
        if len(self.transition) != m or any(len(row) != m for row in self.transition):
            raise ValueError(
                f"troops.transition: must be a {m}x{m} matrix, one row and column per level"
            )
        for i, row in enumerate(self.transition):
            if abs(sum(row) - 1.0) > SUM_TOLERANCE:
                raise ValueError(
                    f"troops.transition[{i}]: row must sum to 1 (sums to {sum(row):.12g})"
                )
        return self


class RokOtherSupportSection(_Section):
    base_krw: NonNegative = 0.0


#: Why ``us_cost.offset_share`` has no default: before it existed, a larger ROK payment was
#: counted as new spending (0); the shipped scenarios now say it replaces US spending (1). A
#: silent default would change the meaning of "total cost" for one kind of file or the other.
OFFSET_SHARE_REQUIRED = (
    "us_cost.offset_share: required key is missing: the share of a larger ROK payment that "
    "replaces US spending (docs/spec/MODEL.md §7), 1 = it replaces it (the shipped scenarios), "
    "0 = it pays for new spending (the rule before 0.2.0, when the key did not exist)"
)


class UsCostSection(_Section):
    base_usd: NonNegative
    troop_elasticity: float = 1.0
    offset_share: Probability

    @model_validator(mode="before")
    @classmethod
    def _offset_share_stated(cls, data: Any) -> Any:
        if isinstance(data, dict) and "offset_share" not in data:
            raise ValueError(OFFSET_SHARE_REQUIRED)
        return data


class _BoundedRule(_Section):
    cap: float | None = None
    floor: float | None = None

    @model_validator(mode="after")
    def _cap_above_floor(self) -> _BoundedRule:
        if self.cap is not None and self.floor is not None and self.cap < self.floor:
            raise ValueError(f"cap ({self.cap}) must not be below floor ({self.floor})")
        return self


class FixedRule(_Section):
    rule: Literal["fixed"]
    rate: float


class CpiRule(_BoundedRule):
    rule: Literal["cpi"]
    # A strict integer range, not Literal[0, 1, 2]: True == 1 would pass as a literal.
    lag: Int = Field(default=2, ge=0, le=2)


class DefenseBudgetRule(_BoundedRule):
    rule: Literal["defense_budget"]
    lag: Int = Field(default=1, ge=0, le=1)


class UsdCpiRule(_Section):
    rule: Literal["usd_cpi"]


Escalation = Annotated[
    FixedRule | CpiRule | DefenseBudgetRule | UsdCpiRule, Field(discriminator="rule")
]


class AgreementSection(_Section):
    """The agreement in force at the base year (docs/spec/MODEL.md §6)."""

    name: str
    base_year_amount_krw: float = Field(gt=0.0)
    amounts_krw: YearTable = Field(default_factory=dict)
    last_year: Int
    escalation: Escalation
    rate_step: NonNegative = 0.001
    amount_step: NonNegative = 1e8
    reopen_probability: Probability = 0.0

    @field_validator("amounts_krw")
    @classmethod
    def _positive_amounts(cls, value: dict[int, float]) -> dict[int, float]:
        bad = {year: amount for year, amount in value.items() if amount < 0}
        if bad:
            raise ValueError(f"amounts must be non-negative (got {bad})")
        return value


class DiscreteDistribution(_Section):
    """A demand in USD a year on finitely many values and their probabilities (MODEL.md §6);
    one number stands for that value with probability 1 (``demand_usd = 10e9``)."""

    values: list[float] = Field(min_length=1)
    probabilities: list[Probability] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_value(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not value > 0:
                raise ValueError("must be a positive amount, or a table of values and "
                                 "probabilities")
            return {"values": [float(value)], "probabilities": [1.0]}
        return value

    @model_validator(mode="after")
    def _check(self) -> DiscreteDistribution:
        if len(self.values) != len(self.probabilities):
            raise ValueError(
                f"values and probabilities must have the same length "
                f"({len(self.values)} != {len(self.probabilities)})"
            )
        if any(v <= 0 for v in self.values):
            raise ValueError(f"values must be positive amounts (got {self.values})")
        if abs(sum(self.probabilities) - 1.0) > SUM_TOLERANCE:
            raise ValueError(
                f"probabilities must sum to 1 (sum to {sum(self.probabilities):.12g})"
            )
        return self

    def law(self) -> Discrete:
        """The law the model draws from (its quantile function is the model's rule)."""
        return Discrete(tuple(self.values), tuple(self.probabilities))


class BetaDistribution(_Section):
    """A fraction ``~ Beta(a, b)``."""

    a: float = Field(gt=0.0)
    b: float = Field(gt=0.0)

    def law(self) -> Distribution:
        """``Beta(a, b)`` as the model samples it."""
        return Distribution("beta", (self.a, self.b))


class _Component(_Section):
    """One weighted component of a mixture (one expert's law in a linear pool)."""

    weight: float = Field(gt=0.0, le=1.0)


class BetaComponent(_Component):
    a: float = Field(gt=0.0)
    b: float = Field(gt=0.0)

    def law(self) -> Distribution:
        return Distribution("beta", (self.a, self.b))


class LognormalComponent(_Component):
    """``ln X ~ N(meanlog, sdlog²)``, X in USD."""

    family: Literal["lognormal"]
    meanlog: float
    sdlog: float = Field(gt=0.0)

    def law(self) -> Distribution:
        return Distribution("lognormal", (self.meanlog, self.sdlog))


class GammaComponent(_Component):
    """``X ~ Gamma(shape, scale)`` in USD (mean ``shape · scale``)."""

    family: Literal["gamma"]
    shape: float = Field(gt=0.0)
    scale: float = Field(gt=0.0)

    def law(self) -> Distribution:
        return Distribution("gamma", (self.shape, self.scale))


def _mixture_law(components: list[BetaComponent] | list[AmountComponent]) -> Mixture:
    try:
        return Mixture(tuple(c.law() for c in components), tuple(c.weight for c in components))
    except ValueError as err:
        raise ValueError(str(err)) from None


class BetaMixture(_Section):
    """A fraction drawn from a weighted mixture of Betas (a linear pool of experts) by the
    mixture's exact inverse CDF (MODEL.md §6)."""

    mixture: list[BetaComponent] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> BetaMixture:
        _mixture_law(self.mixture)
        return self

    def law(self) -> Mixture:
        return _mixture_law(self.mixture)


AmountComponent = Annotated[LognormalComponent | GammaComponent, Field(discriminator="family")]


class AmountMixture(_Section):
    """A demand in USD a year drawn from a weighted mixture of lognormal and gamma laws by
    its exact inverse CDF (MODEL.md §6)."""

    mixture: list[AmountComponent] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> AmountMixture:
        _mixture_law(self.mixture)
        return self

    def law(self) -> Mixture:
        return _mixture_law(self.mixture)


def _form(value: Any, *, table: str, number: str | None = None) -> str:
    """Which form a law's value takes: a ``mixture`` table, another table, or a number (from
    the TOML when validating, from the section when writing)."""
    if isinstance(value, BetaMixture | AmountMixture) or (
            isinstance(value, dict) and "mixture" in value):
        return "mixture"
    if isinstance(value, dict | BaseModel):
        return table
    return number or table


#: A fraction: ``{ a, b }`` or ``{ mixture = [{ weight, a, b }, …] }``.
Fraction = Annotated[
    Annotated[BetaDistribution, Tag("beta")] | Annotated[BetaMixture, Tag("mixture")],
    Discriminator(lambda v: _form(v, table="beta")),
]
#: A lapse's funding fraction: a number, or a fraction's law.
FundingFraction = Annotated[
    Annotated[NonNegative, Tag("fixed")]
    | Annotated[BetaDistribution, Tag("beta")]
    | Annotated[BetaMixture, Tag("mixture")],
    Discriminator(lambda v: _form(v, table="beta", number="fixed")),
]
#: A demand: ``{ values, probabilities }`` or ``{ mixture = [{ weight, family, … }, …] }``.
Demand = Annotated[
    Annotated[DiscreteDistribution, Tag("discrete")] | Annotated[AmountMixture, Tag("mixture")],
    Discriminator(lambda v: _form(v, table="discrete")),
]


#: An outcome's name: a step of a ``--set`` key path (``negotiation.outcomes.demand.term``).
_OUTCOME_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


class _Outcome(_Section):
    """What every negotiation outcome has: a name, unique in its scenario (by default its
    kind, numbered when a kind repeats; :class:`NegotiationSection` fills it in)."""

    name: str

    @field_validator("name")
    @classmethod
    def _name_is_a_key(cls, value: str) -> str:
        if not _OUTCOME_NAME.match(value):
            raise ValueError(
                "must be a letter, then up to 63 letters, digits, '_' or '-' (a step of a key "
                "path such as negotiation.outcomes.demand.probability)"
            )
        return value


class StatusQuoOutcome(_Outcome):
    kind: Literal["status_quo"]
    probability: Probability
    term: Int = Field(ge=1, le=100)


class DemandOutcome(_Outcome):
    kind: Literal["demand"]
    probability: Probability
    demand_usd: Demand
    concession: Fraction
    term: Int = Field(ge=1, le=100)
    escalation: Escalation | None = None


class LapseOutcome(_Outcome):
    kind: Literal["lapse"]
    probability: Probability
    funding_fraction: FundingFraction = 1.0


class FirstYearChange(_Section):
    """Normal first-year rate ``r = mean + sd · Φ⁻¹(u)`` of an ``increase`` (per year)."""

    mean: float = Field(gt=-1.0)
    sd: NonNegative


class IncreaseOutcome(_Outcome):
    kind: Literal["increase"]
    probability: Probability
    first_year: FirstYearChange
    term: Int = Field(ge=1, le=100)
    escalation: Escalation | None = None


Outcome = Annotated[
    StatusQuoOutcome | DemandOutcome | LapseOutcome | IncreaseOutcome,
    Field(discriminator="kind"),
]


class NegotiationSection(_Section):
    outcomes: list[Outcome] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _default_names(cls, value: Any) -> Any:
        """Name every outcome that has no ``name`` (:func:`default_outcome_names`)."""
        if not isinstance(value, dict) or not isinstance(value.get("outcomes"), list):
            return value  # field validation says what is wrong
        entries = value["outcomes"]
        given = [_entry_key(entry, "name") for entry in entries]
        names = outcome_entry_names(entries)
        filled = [
            entry if name is not None
            else {**entry, "name": default} if isinstance(entry, dict)
            else entry.model_copy(update={"name": default}) if isinstance(entry, BaseModel)
            else entry
            for entry, name, default in zip(entries, given, names, strict=True)
        ]
        return {**value, "outcomes": filled}

    @model_validator(mode="after")
    def _check(self) -> NegotiationSection:
        total = sum(o.probability for o in self.outcomes)
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise ValueError(
                f"negotiation.outcomes: probabilities must sum to 1 (sum to {total:.12g})"
            )
        first: dict[str, int] = {}
        for index, outcome in enumerate(self.outcomes):
            if outcome.name in first:
                raise ValueError(
                    f"negotiation.outcomes[{index}].name: {outcome.name!r} is already the name "
                    f"of negotiation.outcomes[{first[outcome.name]}]; outcome names must be "
                    "unique within a scenario"
                )
            first[outcome.name] = index
        kinds = [o.kind for o in self.outcomes]
        crowded = sorted({k for k in kinds if kinds.count(k) > MAX_PER_KIND})
        if crowded:
            raise ValueError(
                f"negotiation.outcomes: at most {MAX_PER_KIND} outcomes of one kind "
                f"({crowded[0]!r} has {kinds.count(crowded[0])})"
            )
        return self


def outcome_entry_names(entries: Sequence[Any]) -> list[str]:
    """The name of each entry of ``negotiation.outcomes`` as validation resolves it: its
    ``name``, else its kind, numbered when a kind repeats
    (:func:`simcore.core.outcomes.default_outcome_names`).

    ``entries`` may be mappings (parsed TOML) or outcome models; entries not yet validated
    are named as far as they can be.
    """
    given = [_entry_key(entry, "name") for entry in entries]
    return default_outcome_names(
        [str(_entry_key(entry, "kind")) for entry in entries],
        [name if isinstance(name, str) else None for name in given],
    )


def _entry_key(entry: Any, key: str) -> Any:
    """``entry[key]`` of an outcome given as a mapping or as a model; None if it has none."""
    if isinstance(entry, dict):
        return entry.get(key)
    return getattr(entry, key, None)


class PinsSection(_Section):
    """Values fixed in given years in every sample (docs/spec/MODEL.md §4b)."""

    kr_inflation: YearTable = Field(default_factory=dict)
    us_inflation: YearTable = Field(default_factory=dict)
    defense: YearTable = Field(default_factory=dict)
    fx: YearTable = Field(default_factory=dict)
    troops: YearTableInt = Field(default_factory=dict)


class ReportSection(_Section):
    """The author's words for ``smasim report`` (CONFIG.md ``[report]``): the model reads
    none of them, the report puts them on its first page instead of its own."""

    title: str | None = Field(default=None, min_length=1)
    question: str | None = Field(default=None, min_length=1)
    bottom_line: str | None = Field(default=None, min_length=1)


class ReportNotes(_Section):
    """A notes file (``smasim report --notes``): one ``[report]`` table, as a scenario's."""

    report: ReportSection
class ElicitedExpert(_Section):
    """One expert of an elicitation: name, date, pool weight (normalized), a note."""

    name: str = Field(min_length=1)
    weight: float = Field(gt=0.0, le=1.0)
    date: str | None = None
    note: str | None = None


class ElicitedAnswer(_Section):
    """What one expert gave for one judgment, and the law fitted to it.

    Quantile judgments give ``levels`` and ``values`` (``P(X ≤ value) = level``), with the
    fitted ``family``, its ``parameters`` (as written), the least-squares ``sse`` and the
    ``fitted`` quantiles at the levels; probability judgments give ``probabilities`` (one
    per outcome, or ``{ reopen = p }``), as given or as the mean of the ``dirichlet`` (or
    Beta) fitted to quantiles of each probability (``quantiles``).
    """

    expert: str
    weight: float = Field(gt=0.0, le=1.0)
    levels: list[float] | None = None
    values: list[float] | None = None
    family: str | None = None
    parameters: dict[str, float] | None = None
    sse: float | None = None
    fitted: list[float] | None = None
    probabilities: dict[str, float] | None = None
    quantiles: dict[str, list[float]] | None = None
    dirichlet: dict[str, float] | None = None


class ElicitedJudgment(_Section):
    """One judgment: the configuration key it sets, each expert's answer, and the pool."""

    judgment: str
    key: str
    experts: list[ElicitedAnswer] = Field(min_length=1)
    pooled: str


class ElicitationRecord(_Section):
    """Whose judgment a scenario's inputs are (``smasim elicit``): a record the model does
    not read, stored with the configuration in every result file."""

    title: str
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    pool: Literal["linear", "log"]
    date: str | None = None
    experts: list[ElicitedExpert] = Field(min_length=1)
    judgments: list[ElicitedJudgment] = Field(min_length=1)


class Scenario(_Section):
    """A validated scenario: the whole configuration of one simulation (docs/spec/CONFIG.md)."""

    run: RunSection
    inflation: InflationSection
    defense: DefenseSection | None = None
    fx: FxSection
    shocks: ShocksSection = Field(default_factory=ShocksSection)
    troops: TroopsSection
    rok_other_support: RokOtherSupportSection = Field(default_factory=RokOtherSupportSection)
    us_cost: UsCostSection
    agreement: AgreementSection
    negotiation: NegotiationSection
    pins: PinsSection = Field(default_factory=PinsSection)
    report: ReportSection | None = None
    elicitation: ElicitationRecord | None = None
    #: The comment its TOML file opened with (:attr:`comment`); no key of the contract.
    _comment: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        base, last = self.run.base_year, self.run.base_year + self.run.horizon
        for driver, table in self.pins:
            for year, value in table.items():
                if not base < year <= last:
                    raise ValueError(
                        f"pins.{driver}.{year}: pin years must be simulated years "
                        f"{base + 1}–{last}"
                    )
                if driver == "troops" and value not in self.troops.levels:
                    raise ValueError(
                        f"pins.troops.{year}: must be one of troops.levels "
                        f"{self.troops.levels} (got {value})"
                    )
                if driver == "fx" and not value > 0:
                    raise ValueError(f"pins.fx.{year}: must be a positive KRW/USD rate")
        agreement = self.agreement
        if agreement.last_year < base:
            raise ValueError(
                f"agreement.last_year: must be >= run.base_year {base} (got {agreement.last_year})"
            )
        for year in agreement.amounts_krw:
            if not base < year <= agreement.last_year:
                raise ValueError(
                    f"agreement.amounts_krw.{year}: known-amount years must lie in "
                    f"{base + 1}–{agreement.last_year} (after run.base_year, not after "
                    "agreement.last_year)"
                )
        if self.defense is None and self.uses_defense_budget:
            raise ValueError(
                "defense: the [defense] section is required when an escalation rule is "
                "'defense_budget'"
            )
        return self

    @property
    def escalation_rules(self) -> list[Escalation]:
        """Distinct escalation rules: the agreement's first, then the new agreements' own."""
        rules: list[Escalation] = [self.agreement.escalation]
        for outcome in self.negotiation.outcomes:
            if (
                isinstance(outcome, DemandOutcome | IncreaseOutcome)
                and outcome.escalation is not None
            ):
                if outcome.escalation not in rules:
                    rules.append(outcome.escalation)
        return rules

    @property
    def uses_defense_budget(self) -> bool:
        """Whether any escalation rule reads defense budget growth (then it is stored)."""
        return any(rule.rule == "defense_budget" for rule in self.escalation_rules)

    @property
    def years(self) -> np.ndarray:
        """Calendar years simulated, ``base_year + 1 … base_year + horizon``; shape (H,)."""
        return np.arange(self.run.base_year + 1, self.run.base_year + self.run.horizon + 1)

    @property
    def outcome_names(self) -> list[str]:
        """The name of each negotiation outcome, in configuration order."""
        return [outcome.name for outcome in self.negotiation.outcomes]

    @property
    def outcome_codes(self) -> list[int]:
        """The code ``negotiation_outcome`` stores for each negotiation outcome, in
        configuration order (:func:`simcore.core.outcomes.outcome_codes`)."""
        return outcome_codes([outcome.kind for outcome in self.negotiation.outcomes])

    def to_toml(self) -> str:
        """The resolved configuration (defaults filled in) as TOML text; a table of draws
        (an array of more than :data:`_ONE_LINE_ARRAYS` numbers) on one line."""
        long_arrays: list[str] = []
        text = tomli_w.dumps(_toml_ready(self.model_dump(mode="json", exclude_none=True),
                                         long_arrays))
        return _ARRAY_MARK.sub(lambda m: long_arrays[int(m[1])], text)

    def config_hash(self) -> str:
        """SHA-256 of :meth:`to_toml`: two runs with the same hash ran the same model."""
        return toml_hash(self.to_toml())

    @property
    def comment(self) -> str:
        """The comment block its TOML file opened with, one line per comment line, ``#``
        removed (``""`` when none, or when built from a mapping): what the scenario asks, in
        its author's words. Result files keep it (``config_comment``) for the report; it is
        not part of the configuration, so :meth:`to_toml`, :meth:`config_hash` and equality
        ignore it."""
        return self._comment

    def with_comment(self, comment: str) -> Scenario:
        """A copy whose :attr:`comment` is ``comment``."""
        copy = self.model_copy()
        copy._comment = comment
        return copy

    def __eq__(self, other: object) -> bool:
        # The configuration alone: a scenario read from a file equals the same settings
        # built from a mapping, although only the file had a comment.
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def with_overrides(self, *, samples: int | None = None, seed: int | None = None) -> Scenario:
        """A copy with ``run.samples`` and/or ``run.seed`` replaced, validated again.

        Raises
        ------
        ConfigParameterError
            A value the contract refuses; the message names the argument (``samples: …``
            from Python, ``--samples: …`` on the command line) and the key.
        """
        given = {key: value for key, value in (("samples", samples), ("seed", seed))
                 if value is not None}
        data = self.model_dump(mode="python")
        data["run"].update(given)
        try:
            return Scenario.model_validate(data).with_comment(self.comment)
        except ValidationError as err:
            locations = {tuple(e["loc"][:2]) for e in err.errors(include_url=False)}
            # Only these keys changed, so the error is theirs.
            named = [key for key in given if ("run", key) in locations] or list(given)
            raise ConfigParameterError(
                " and ".join(f"{{{key}}}" for key in named)
                + f": {literal(format_validation_error(err, Scenario))}"
            ) from None


def scenario_from_dict(data: dict[str, Any], *, source: str = "<dict>",
                       base_dir: str | Path | None = None) -> Scenario:
    """Validate a scenario given as a mapping (the parsed TOML); ``source`` names it in the
    :class:`~simcore.core.errors.ConfigError` that a mapping breaking the contract raises.
    A ``draws`` file is found relative to ``base_dir`` (default: the working directory)."""
    try:
        return validate_scenario(data, base_dir=base_dir)
    except ValidationError as err:
        raise ConfigError(f"{source}: {format_validation_error(err, Scenario)}") from None


def validate_scenario(data: dict[str, Any], *, base_dir: str | Path | None = None,
                      pending_files: Mapping[str, str] | None = None) -> Scenario:
    """``Scenario.model_validate`` with ``draws`` files found relative to ``base_dir`` (default:
    the working directory), or among ``pending_files`` (relative path → text) when not
    written yet; raises pydantic's ValidationError."""
    context: dict[str, Any] = {}
    if base_dir is not None:
        context[BASE_DIR] = str(base_dir)
    if pending_files:
        context[PENDING_FILES] = dict(pending_files)
    return Scenario.model_validate(data, context=context or None)


def toml_hash(text: str) -> str:
    """SHA-256 of a configuration's TOML text (:meth:`Scenario.config_hash` of the scenario
    whose :meth:`Scenario.to_toml` it is), for a caller that already holds the text."""
    return hashlib.sha256(text.encode()).hexdigest()


#: Arrays of numbers longer than this are written on one line by :meth:`Scenario.to_toml`
#: (tomli_w writes one item per line: thousands of lines for a table of draws). No array of
#: 0.2's configurations is this long, so their text is unchanged.
_ONE_LINE_ARRAYS = 16
#: What stands in for such an array while tomli_w writes the rest (a string it quotes).
_ARRAY_MARK = re.compile(r'"@smasim-array-([0-9]+)@"')


def _toml_ready(value: Any, long_arrays: list[str]) -> Any:
    """Drop empty tables (TOML cannot say 'empty pins' more clearly than by omission).

    A key's array of more than :data:`_ONE_LINE_ARRAYS` numbers is written here, on one
    line, as tomli_w writes each number (``str``), and appended to ``long_arrays``; a mark
    stands in its place (:data:`_ARRAY_MARK`). tomli_w takes ~1 ms per thousand items, and
    every point of an exploration carries three tables of thousands of draws.
    """
    if isinstance(value, dict):
        return {k: _one_line(v, long_arrays) if _long_numbers(v) else _toml_ready(v, long_arrays)
                for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_toml_ready(v, long_arrays) for v in value]
    return value


def _long_numbers(value: Any) -> bool:
    return (isinstance(value, list) and len(value) > _ONE_LINE_ARRAYS
            and set(map(type, value)) <= {float, int})


def _one_line(numbers: list[float], long_arrays: list[str]) -> str:
    if set(map(type, numbers)) == {float}:
        text = _one_line_floats(np.array(numbers, dtype=np.float64).tobytes())
    else:
        text = "[" + ", ".join(map(str, numbers)) + "]"
    long_arrays.append(text)
    return f"@smasim-array-{len(long_arrays) - 1}@"


@functools.lru_cache(maxsize=64)
def _one_line_floats(data: bytes) -> str:
    """A table of draws as TOML text on one line, from its float64 bytes.

    Cached by value because the points of an exploration (or a sweep) repeat the base
    configuration's tables: 256 points × three tables of 2,000 draws would otherwise write
    the same 1.5 million numbers again (``str`` of a float costs ~0.3 µs). Keyed by the
    bytes, not the numbers, so that ``-0.0`` and ``0.0`` (equal as floats) stay apart.
    """
    return "[" + ", ".join(map(str, np.frombuffer(data, dtype=np.float64).tolist())) + "]"

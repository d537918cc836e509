"""What a reader asks for, checked: percentiles, years, thresholds, names, how a variable is read.

Pure and light: no file is opened here (:mod:`simcore.read.select` checks the choices against
one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from simcore.core.errors import ParameterError, did_you_mean, literal
from simcore.core.variables import VARIABLES, VariableSpec

#: What ``smasim summary`` and ``smasim compare`` show when no variable is chosen.
HEADLINE_VARIABLES = (
    "contribution_usd",
    "contribution_krw",
    "rok_share",
    "total_cost_usd",
    "cum_contribution_usd",
    "cum_total_cost_usd",
)


#: Global attributes on which two files must agree for their paths to be paired: the same
#: values make path ``i`` of one file use the random inputs of path ``i`` of the other.
DESIGN_ATTRS = ("seed", "sampler", "bit_generator", "block_size", "n_samples", "base_year",
                "horizon")


def parse_percentiles(text: str) -> list[float]:
    """``"5,50,95"`` → ``[5.0, 50.0, 95.0]`` (the range is checked against the file's use)."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ParameterError(
            f"{{percentiles}}: expected numbers separated by commas, e.g. 5,50,95 "
            f"(got {literal(repr(text))})"
        ) from None
    if not values:
        raise ParameterError("{percentiles}: give at least one percentile, e.g. 5,50,95")
    return values


def check_levels(percentiles: Sequence[float]) -> list[float]:
    """Percentile levels without repeats, each in [0, 100]."""
    levels = list(dict.fromkeys(float(q) for q in percentiles))
    bad = [q for q in levels if not 0.0 <= q <= 100.0]
    if bad:
        raise ParameterError(f"{{percentiles}}: each must lie in [0, 100] (got {bad})")
    return levels


_YEAR_ITEM = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")


def parse_years(text: str, available: Sequence[int]) -> list[int]:
    """``"2027-2029,2031"`` → ``[2027, 2028, 2029, 2031]``, each within ``available``.

    Parameters
    ----------
    text : str
        Comma-separated items, each a year or an inclusive range ``FIRST-LAST``.
    available : sequence of int
        The file's simulated years.

    Returns
    -------
    list of int
        Sorted, without repeats.
    """
    years: set[int] = set()
    for item in text.split(","):
        match = _YEAR_ITEM.match(item)
        if match is None:
            raise ParameterError(
                "{years}: expected a year, a range FIRST-LAST or a comma-separated list, "
                f"e.g. 2027-2031 (got {literal(repr(text))})"
            )
        first = int(match[1])
        last = int(match[2] or first)
        if last < first:
            raise ParameterError(f"{{years}}: range {item.strip()} ends before it starts")
        years.update(range(first, last + 1))
    outside = sorted(years - set(available))
    if outside:
        raise ParameterError(
            f"{{years}}: {', '.join(map(str, outside))} outside the file's horizon "
            f"{min(available)}-{max(available)}"
        )
    return sorted(years)


def check_thresholds(thresholds: Sequence[float]) -> list[float]:
    """Exceedance thresholds: finite numbers in the variable's units, without repeats."""
    bad = [t for t in thresholds if not math.isfinite(t)]
    if bad:
        raise ParameterError(f"{{exceed}}: thresholds must be finite numbers (got {bad})")
    return list(dict.fromkeys(float(t) for t in thresholds))


def unknown_names(what: str, unknown: Sequence[str], available: Sequence[str],
                  where: str | Path) -> ParameterError:
    """``scenarios: unknown basline in f.h5; did you mean 'baseline'? (available: …)``
    (``--scenario: …`` on the command line)."""
    hint = did_you_mean(unknown[0], available) if len(unknown) == 1 else ""
    return ParameterError(
        f"{{{what}s}}: unknown {what}(s) {literal(', '.join(unknown))} in {literal(where)}"
        f"{literal(hint)} (available: {literal(', '.join(available))})"
    )


@dataclass(frozen=True)
class Quantity:
    """A variable as a report shows it: stored, or put in base-year prices from its samples.

    Attributes
    ----------
    name : str
        Name shown (``total_cost_usd_real`` for a variable put in base-year prices).
    spec : VariableSpec
        What the values are: kind, units, long name, display unit and scale.
    source : str
        Variable read from the file.
    real : bool
        Put in base-year prices here (the title says so); a stored real variable such as
        ``contribution_usd_real`` already says so in its long name.
    deflator : str, optional
        Inflation variable whose price index (base year = 1) divides the samples.
    horizon_sum : bool
        Sum the source's years per path (a horizon total in base-year prices).
    stored : bool
        The summary group holds this quantity's statistics.
    """

    name: str
    spec: VariableSpec
    source: str
    real: bool = False
    deflator: str | None = None
    horizon_sum: bool = False
    stored: bool = True

    @property
    def per_year(self) -> bool:
        """Has a year axis."""
        return self.spec.per_year

    @property
    def units(self) -> str:
        """CF units of the values."""
        return self.spec.units

    @property
    def display_unit(self) -> str:
        """Unit shown to people (``USD bn``, ``%``), the CF units if none is set."""
        return self.spec.display_unit or self.spec.units

    @property
    def description(self) -> str:
        """Long name, ``…, in base-year prices`` for a quantity deflated here."""
        if self.real:
            return f"{self.spec.long_name.removesuffix(', nominal')}, in base-year prices"
        return self.spec.long_name


def quantity(name: str, *, real: bool) -> Quantity:
    """How ``name`` is read, nominal or (``real``) in base-year prices.

    Base-year prices divide each path's money values by the price index of their
    currency's inflation (:attr:`VariableSpec.deflator`); ``contribution_usd`` is stored in
    base-year prices already (``contribution_usd_real``), and a horizon total that sums a
    yearly variable (``cum_contribution_usd``, ``cum_total_cost_usd``: ``sum_of`` in the
    variables table) becomes the sum of that variable in base-year prices over the years.
    Shares, rates, troops and the exchange rate are unchanged.
    """
    spec = VARIABLES[name]
    if not real or spec.deflator is None or name == "contribution_usd_real":
        return Quantity(name, spec, name)
    if name == "contribution_usd":
        return Quantity("contribution_usd_real", VARIABLES["contribution_usd_real"],
                        "contribution_usd_real")
    if spec.sum_of is not None:
        yearly = quantity(spec.sum_of, real=True)
        return Quantity(f"{name}_real", spec, yearly.source, real=True,
                        deflator=yearly.deflator, horizon_sum=True, stored=False)
    if not spec.per_year:
        raise ParameterError(
            f"{{real}}: {name} is a present value (already discounted) and has no base-year "
            "prices; choose another variable or nominal values"
        )
    return Quantity(f"{name}_real", spec, name, real=True, deflator=spec.deflator,
                    stored=False)


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario of a file: its name, its index along ``scenario`` (None: single run), and
    the values that made it, by key (a sweep's swept values: :func:`coordinate_label`)."""

    name: str
    index: int | None
    swept: tuple[tuple[str, object], ...] = ()


#: How a coordinate along ``scenario`` names the configuration key whose value it holds:
#: ``swept value of KEY`` (a sweep), ``varied value of KEY`` (an exploration).
_KEY_IN_LONG_NAME = re.compile(r"^\w+ value of (\S+)$")


def coordinate_label(name: str, attrs: dict[str, object]) -> str:
    """The label of a coordinate along ``scenario``: the configuration key its
    ``long_name`` says it holds the value of, else its ``long_name``, else its name.

    >>> coordinate_label("sweep_fx_volatility", {"long_name": "swept value of fx.volatility"})
    'fx.volatility'
    >>> coordinate_label("explore_point", {"long_name": "point of the exploration's design"})
    "point of the exploration's design"
    """
    long_name = str(attrs.get("long_name", "")) or name
    match = _KEY_IN_LONG_NAME.match(long_name)
    return match[1] if match else long_name

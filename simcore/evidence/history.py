"""The historical series shipped with smasim: read, validate, and line up by year.

Four CSV files (sources in ``SOURCES.md`` beside them, and in docs/data.md):
``sma_amounts.csv`` (the ROK contribution under each SMA, 1991–2027), ``macro.csv`` (KRW/USD
and CPI inflation, 1995–2025), ``defense_budget.csv`` (ROK defense budget, 2014–2026) and
``negotiations.csv`` (every new agreement since 1994). They ship inside the package; a folder
of the same layout (``--data DIR``) replaces them, so that a user with newer numbers edits a
copy. This module is the only one that opens them.

Validation is strict and names the place: a missing column, a non-numeric or missing
required cell, a value outside its column's domain (:data:`DOMAIN_RULES`: amounts and
exchange rates positive, percent changes above −100), an unknown status, a duplicated or
missing year inside the range is one
:class:`HistoryDataError` line ``<file>, row <r>, column <c>: <what is wrong>`` (row 1 is
the header, so row r is line r of the file).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from simcore.core.errors import SmasimInputError
from simcore.core.types import Driver

#: The files of a data folder, in the order they are described.
DATA_FILES = ("sma_amounts.csv", "macro.csv", "defense_budget.csv", "negotiations.csv")
#: Values of a ``status`` column (SOURCES.md).
STATUSES = ("official", "derived", "approximate")
#: Currencies of ``negotiations.csv``: millions of USD (before 2005), 억원 = 1e8 KRW (after).
CURRENCIES = ("USD_m", "100m_KRW")
#: KRW per 억원 and USD per million: the files' units to the config's.
KRW_PER_100M = 1e8
USD_PER_M = 1e6

Kind = Literal["year", "whole", "number", "optional", "text", "status", "currency", "flag", "label"]
#: What a numeric column's values may be: ``positive`` (amounts, exchange rates, index
#: levels), ``rate_pct`` (a percent change, above −100: a price or budget cannot fall by all
#: of itself), ``non_negative`` (a count of months).
Domain = Literal["positive", "rate_pct", "non_negative"]
#: Each domain's test and how a violation is worded.
DOMAIN_RULES: dict[Domain, tuple[Callable[[float], bool], str]] = {
    "positive": (lambda value: value > 0.0, "must be positive"),
    "rate_pct": (lambda value: value > -100.0,
                 "is a percent change, which must be above -100"),
    "non_negative": (lambda value: value >= 0.0, "must be 0 or more"),
}


@dataclass(frozen=True)
class FileSchema:
    """The columns of one data file and what each holds.

    ``year``: the file's year column (whole numbers, consecutive, no duplicates);
    ``whole``: a required whole number;
    ``number``: a required number; ``optional``: a number or empty; ``text``: free text;
    ``status``: one of :data:`STATUSES`; ``currency``: one of :data:`CURRENCIES`;
    ``flag``: 0 or 1; ``label``: non-empty text. ``domains`` restricts the values of
    numeric columns (:data:`DOMAIN_RULES`; an empty optional cell is not checked).
    """

    name: str
    columns: dict[str, Kind]
    #: Columns of which at least one must hold a number in every row.
    one_of: tuple[str, ...] = ()
    domains: dict[str, Domain] = field(default_factory=dict)


SCHEMAS: dict[str, FileSchema] = {
    "sma_amounts.csv": FileSchema(
        "sma_amounts.csv",
        {"year": "year", "agreement": "label", "amount_100m_krw": "optional",
         "amount_usd_m": "optional", "status": "status", "note": "text"},
        one_of=("amount_100m_krw", "amount_usd_m"),
        domains={"amount_100m_krw": "positive", "amount_usd_m": "positive"},
    ),
    "macro.csv": FileSchema(
        "macro.csv",
        {"year": "year", "krw_per_usd": "number", "kr_cpi_inflation_pct": "number",
         "us_cpi_inflation_pct": "number", "us_cpi_u_index": "number", "note": "text"},
        domains={"krw_per_usd": "positive", "kr_cpi_inflation_pct": "rate_pct",
                 "us_cpi_inflation_pct": "rate_pct", "us_cpi_u_index": "positive"},
    ),
    "defense_budget.csv": FileSchema(
        "defense_budget.csv",
        {"year": "year", "budget_100m_krw": "number", "growth_pct": "number",
         "status": "status"},
        domains={"budget_100m_krw": "positive", "growth_pct": "rate_pct"},
    ),
    "negotiations.csv": FileSchema(
        "negotiations.csv",
        {"agreement": "label", "first_year": "whole", "last_year": "whole",
         "currency": "currency", "previous_amount": "number", "first_amount": "number",
         "first_year_change_pct": "number", "status_quo_change_pct": "number",
         "us_ask_usd_m": "optional", "lapse": "flag",
         "lapse_months": "optional", "concluded": "text", "note": "text"},
        domains={"previous_amount": "positive", "first_amount": "positive",
                 "first_year_change_pct": "rate_pct", "status_quo_change_pct": "rate_pct",
                 "us_ask_usd_m": "positive",
                 "lapse_months": "non_negative"},
    ),
}


class HistoryDataError(SmasimInputError):
    """A data file is missing, unreadable or breaks its layout (one line, exit 2)."""


@dataclass(frozen=True)
class DataTable:
    """One validated data file: its columns as arrays, one entry per row.

    Attributes
    ----------
    name : str
        The file name (``macro.csv``).
    columns : dict of str to ndarray
        Numeric columns as float64 (NaN where an optional cell is empty; the year column
        as int64); text columns as arrays of str.
    """

    name: str
    columns: dict[str, np.ndarray]

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass(frozen=True)
class History:
    """Every shipped series, validated.

    Attributes
    ----------
    source : str
        Where the files were read: ``"package data"`` or the folder's path.
    sma, macro, defense, negotiations : DataTable
        ``sma_amounts.csv``, ``macro.csv``, ``defense_budget.csv``, ``negotiations.csv``.
    """

    source: str
    sma: DataTable
    macro: DataTable
    defense: DataTable
    negotiations: DataTable

    def tables(self) -> dict[str, DataTable]:
        """The four tables keyed by file name, in :data:`DATA_FILES` order."""
        return {t.name: t for t in (self.sma, self.macro, self.defense, self.negotiations)}

    def drivers(self) -> DriverHistory:
        """The four model drivers on one calendar axis, in the config's units."""
        first = int(min(self.macro["year"][0], self.defense["year"][0]))
        last = int(max(self.macro["year"][-1], self.defense["year"][-1]))
        years = np.arange(first, last + 1)
        values = {}
        for driver, (table, column, divisor) in _DRIVER_COLUMNS.items():
            source = getattr(self, table)
            series = np.full(years.size, np.nan)
            # Rounded to 12 decimals: 2.95 / 100 is 0.0295, not 0.029500000000000002.
            series[source["year"] - first] = np.round(source[column] / divisor, 12)
            values[driver] = series
        return DriverHistory(years=years, values=values)


#: Where each driver's observations come from: table attribute, column, divisor to config units.
_DRIVER_COLUMNS: dict[Driver, tuple[str, str, float]] = {
    "kr_inflation": ("macro", "kr_cpi_inflation_pct", 100.0),
    "us_inflation": ("macro", "us_cpi_inflation_pct", 100.0),
    "fx": ("macro", "krw_per_usd", 1.0),
    "defense": ("defense", "growth_pct", 100.0),
}


@dataclass(frozen=True)
class DriverHistory:
    """Observed drivers by calendar year: rates as fractions, the exchange rate in KRW/USD.

    Attributes
    ----------
    years : ndarray of int, shape (Y,)
        Consecutive calendar years covering every file.
    values : dict of driver name to ndarray, shape (Y,)
        ``kr_inflation``, ``us_inflation``, ``defense`` (growth) as fractions per year,
        ``fx`` in KRW per USD; NaN where a year is not observed.
    """

    years: np.ndarray
    values: dict[Driver, np.ndarray]

    def at(self, driver: Driver, year: int) -> float:
        """The observation of ``driver`` in ``year`` (NaN when not observed)."""
        k = year - int(self.years[0])
        return float(self.values[driver][k]) if 0 <= k < self.years.size else math.nan

    def until(self, year: int) -> DriverHistory:
        """The same series with every year after ``year`` dropped (what was known then)."""
        keep = self.years <= year
        return DriverHistory(
            years=self.years[keep], values={d: v[keep] for d, v in self.values.items()}
        )


def _fail(name: str, row: int, column: str, problem: str) -> HistoryDataError:
    return HistoryDataError(f"{name}, row {row}, column {column}: {problem}")


def _cell(schema: FileSchema, row: int, column: str, kind: Kind, text: str) -> object:
    """Parse one cell of ``kind``; raise naming the file, row and column."""
    text = text.strip()
    name = schema.name
    if kind in ("text",):
        return text
    if kind == "label":
        if not text:
            raise _fail(name, row, column, "empty; a name is required")
        return text
    if kind == "status":
        if text not in STATUSES:
            raise _fail(name, row, column, f"{text!r} is not one of {', '.join(STATUSES)}")
        return text
    if kind == "currency":
        if text not in CURRENCIES:
            raise _fail(name, row, column, f"{text!r} is not one of {', '.join(CURRENCIES)}")
        return text
    if not text:
        if kind == "optional":
            return math.nan
        raise _fail(name, row, column, "empty; a number is required")
    try:
        value = float(text)
    except ValueError:
        raise _fail(name, row, column, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _fail(name, row, column, f"{text!r} is not a finite number")
    if kind in ("year", "whole", "flag") and not value.is_integer():
        raise _fail(name, row, column, f"{text!r} is not a whole number")
    if kind == "flag" and value not in (0.0, 1.0):
        raise _fail(name, row, column, f"{text!r} must be 0 or 1")
    domain = schema.domains.get(column)
    if domain is not None:
        allowed, wording = DOMAIN_RULES[domain]
        if not allowed(value):
            raise _fail(name, row, column, f"{text!r} {wording}")
    return value


def parse_table(text: str, schema: FileSchema) -> DataTable:
    """Validate the CSV ``text`` of one file against ``schema``.

    Raises
    ------
    HistoryDataError
        On the first problem: a missing column, an unparseable or missing cell, a year out
        of order, duplicated or missing inside the range, an empty file.
    """
    name = schema.name
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    for column in schema.columns:
        if column not in header:
            raise _fail(name, 1, column, "missing from the header "
                        f"(the file needs {', '.join(schema.columns)})")
    index = {column: header.index(column) for column in schema.columns}
    cells: dict[str, list[Any]] = {column: [] for column in schema.columns}
    year_column = next((c for c, kind in schema.columns.items() if kind == "year"), None)
    previous_year: int | None = None
    row = 1
    for row, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header) and schema.columns.get(header[-1]) == "text":
            # A free-text last column (a note) may hold unquoted commas: rejoin them.
            record = [*record[: len(header) - 1], ",".join(record[len(header) - 1:])]
        if len(record) != len(header):
            raise _fail(name, row, header[min(len(record), len(header) - 1)],
                        f"{len(record)} cells where the header has {len(header)}")
        for column, kind in schema.columns.items():
            cells[column].append(_cell(schema, row, column, kind, record[index[column]]))
        year = int(cells[year_column][-1]) if year_column else row
        if year_column and previous_year is not None and year != previous_year + 1:
            problem = (
                f"{year} repeats a year" if year <= previous_year
                else f"{year} skips {previous_year + 1}" + (
                    f"–{year - 1}" if year - 1 > previous_year + 1 else "")
            )
            raise _fail(name, row, year_column,
                        problem + "; years must be consecutive and in order")
        previous_year = year
        if schema.one_of and all(
            math.isnan(cells[c][-1]) for c in schema.one_of
        ):
            raise _fail(name, row, schema.one_of[0],
                        f"empty; one of {' or '.join(schema.one_of)} must be given")
    if previous_year is None:
        raise _fail(name, 2, header[0], "no data rows")
    columns = {
        column: np.asarray(values, dtype=np.int64 if kind in ("year", "whole") else float)
        if kind in ("year", "whole", "number", "optional", "flag")
        else np.asarray(values, dtype=str)
        for (column, kind), values in zip(schema.columns.items(), cells.values(), strict=True)
    }
    return DataTable(name=name, columns=columns)


def _check_negotiations(table: DataTable) -> None:
    """Each agreement starts the year after the previous one ends."""
    first, last = table["first_year"], table["last_year"]
    for k in range(len(table)):
        if last[k] < first[k]:
            raise _fail(table.name, k + 2, "last_year",
                        f"{int(last[k])} is before first_year {int(first[k])}")
        if k and first[k] != last[k - 1] + 1:
            raise _fail(table.name, k + 2, "first_year",
                        f"{int(first[k])} does not follow the previous agreement's last year "
                        f"{int(last[k - 1])}; years must be consecutive")


def _read_text(directory: Path | None, name: str) -> str:
    if directory is None:
        return resources.files("simcore").joinpath("data", name).read_text(encoding="utf-8")
    path = directory / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HistoryDataError(f"{path}: no such file (a data folder holds "
                               f"{', '.join(DATA_FILES)})") from None
    except UnicodeDecodeError:
        raise HistoryDataError(f"{path}: not a UTF-8 text file") from None
    except OSError as err:
        raise HistoryDataError(f"{path}: cannot be read ({err.strerror})") from None


def load_history(directory: str | Path | None = None) -> History:
    """Read and validate the four data files.

    Parameters
    ----------
    directory : str or Path, optional
        A folder holding :data:`DATA_FILES`; None reads the data shipped with smasim.

    Raises
    ------
    HistoryDataError
        The folder or a file is missing, or a file breaks its layout.
    """
    folder = None if directory is None else Path(directory)
    if folder is not None and not folder.is_dir():
        raise HistoryDataError(f"--data: {folder} is not a folder")
    tables = {}
    for name in DATA_FILES:
        tables[name] = parse_table(_read_text(folder, name), SCHEMAS[name])
    _check_negotiations(tables["negotiations.csv"])
    return History(
        source="package data" if folder is None else str(folder),
        sma=tables["sma_amounts.csv"],
        macro=tables["macro.csv"],
        defense=tables["defense_budget.csv"],
        negotiations=tables["negotiations.csv"],
    )


@dataclass(frozen=True)
class NegotiationRecord:
    """One new agreement as ``smasim history --negotiations`` shows it.

    Attributes
    ----------
    agreement : str
        Its name (``11th``).
    first_year, last_year : int
        The years it covers.
    first_year_change : float
        The change of its first amount over the previous one, as a fraction.
    status_quo_change : float
        The change had the expiring agreement simply gone on (its rule applied to the new
        year), as a fraction: what was known when this one was negotiated.
    lapse : bool
        Whether a period without an agreement in force preceded it.
    lapse_months : float
        How long, in months (NaN when none).
    us_ask_usd : float
        A publicly reported US demand, USD a year (NaN when none).
    implied_concession : float
        ``s = (V_after − V_before) / (D − V_before)``, the amounts in USD at each year's
        average rate (NaN without an ask).
    """

    agreement: str
    first_year: int
    last_year: int
    first_year_change: float
    status_quo_change: float
    lapse: bool
    lapse_months: float
    us_ask_usd: float
    implied_concession: float


def amount_usd(history: History, year: int, amount: float, currency: str) -> float:
    """An amount of ``negotiations.csv`` in USD, valued at ``year``'s average rate."""
    if currency == "USD_m":
        return amount * USD_PER_M
    rate = history.drivers().at("fx", year)
    if math.isnan(rate):
        raise HistoryDataError(f"macro.csv: no exchange rate for {year}, needed to value "
                               "an amount of negotiations.csv in USD")
    return amount * KRW_PER_100M / rate


def _first_paid_year(history: History, agreement: str, first_year: int, amount: float,
                     currency: str) -> int:
    """The year an agreement's first amount was paid (later than its first year after a
    freeze, as the 11th's in 2021)."""
    column = "amount_usd_m" if currency == "USD_m" else "amount_100m_krw"
    years, amounts = history.sma["year"], history.sma[column]
    paid = np.flatnonzero((years >= first_year) & (amounts == amount))
    if paid.size == 0:
        raise HistoryDataError(
            f"sma_amounts.csv: no year from {first_year} holds the {agreement} agreement's "
            f"first amount {amount:g} given in negotiations.csv")
    return int(years[paid[0]])


def negotiation_records(history: History) -> list[NegotiationRecord]:
    """Every agreement of ``negotiations.csv`` with its implied concession share."""
    table = history.negotiations
    records = []
    for k in range(len(table)):
        agreement, currency = str(table["agreement"][k]), str(table["currency"][k])
        first_year = int(table["first_year"][k])
        ask = float(table["us_ask_usd_m"][k]) * USD_PER_M
        concession = math.nan
        if not math.isnan(ask):
            before = amount_usd(history, first_year - 1, table["previous_amount"][k], currency)
            paid = _first_paid_year(history, agreement, first_year,
                                    table["first_amount"][k], currency)
            after = amount_usd(history, paid, table["first_amount"][k], currency)
            concession = float((after - before) / (ask - before))
        records.append(NegotiationRecord(
            agreement=agreement,
            first_year=first_year,
            last_year=int(table["last_year"][k]),
            first_year_change=float(table["first_year_change_pct"][k]) / 100.0,
            status_quo_change=float(table["status_quo_change_pct"][k]) / 100.0,
            lapse=bool(table["lapse"][k]),
            lapse_months=float(table["lapse_months"][k]),
            us_ask_usd=ask,
            implied_concession=concession,
        ))
    return records


def sources_text() -> str:
    """The shipped ``SOURCES.md``: where every number of the data comes from."""
    return resources.files("simcore").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")

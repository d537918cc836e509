"""The shipped history: loading, validation errors that name file, row and column, the CLI."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.evidence.history import (
    DATA_FILES,
    DOMAIN_RULES,
    SCHEMAS,
    HistoryDataError,
    load_history,
    negotiation_records,
)

SHIPPED = Path(str(resources.files("simcore").joinpath("data")))


def copy_data(folder: Path) -> Path:
    """A writable copy of the shipped data folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*DATA_FILES, "SOURCES.md"):
        shutil.copy(SHIPPED / name, folder / name)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_data_spans_the_documented_years() -> None:
    history = load_history()
    assert history.source == "package data"
    assert (history.sma["year"][0], history.sma["year"][-1]) == (1991, 2027)
    assert (history.macro["year"][0], history.macro["year"][-1]) == (1995, 2025)
    assert (history.defense["year"][0], history.defense["year"][-1]) == (2014, 2026)
    assert len(history.negotiations) == 11
    drivers = history.drivers()
    assert drivers.at("kr_inflation", 2025) == 0.021
    assert drivers.at("us_inflation", 2024) == 0.0295
    assert drivers.at("fx", 2025) == 1421.40
    assert drivers.at("defense", 2026) == 0.075
    assert math.isnan(drivers.at("defense", 2013)) and math.isnan(drivers.at("fx", 2026))


def test_a_folder_of_the_same_layout_replaces_the_shipped_data(tmp_path: Path) -> None:
    folder = copy_data(tmp_path / "data")
    edit(folder, "macro.csv", "2025,1421.40,2.1,", "2025,1500.00,2.1,")
    history = load_history(folder)
    assert history.source == str(folder)
    assert history.drivers().at("fx", 2025) == 1500.0


def test_a_note_with_an_unquoted_comma_is_one_cell() -> None:
    history = load_history()
    row = int(np.flatnonzero(history.sma["year"] == 2022)[0])
    assert history.sma["note"][row] == "previous year's defense budget growth, no cap"


def test_implied_concession_of_the_2019_episode_is_hand_computed() -> None:
    (episode,) = [r for r in negotiation_records(load_history()) if r.us_ask_usd > 0]
    before = 10389e8 / 1165.80 / 1e6   # 2019 amount at the 2019 rate, USD m
    after = 11833e8 / 1144.89 / 1e6    # the first increase, paid in 2021, at the 2021 rate
    assert episode.agreement == "11th" and episode.lapse and episode.lapse_months == 15
    assert episode.implied_concession == pytest.approx((after - before) / (5000 - before),
                                                       rel=1e-12)
    assert episode.implied_concession == pytest.approx(0.035, abs=0.001)


BAD_DATA = [
    # (file, old text, new text, expected message)
    ("macro.csv", "year,krw_per_usd,", "year,krw_usd,",
     "macro.csv, row 1, column krw_per_usd: missing from the header"),
    ("macro.csv", "2003,1192.08,3.51,", "2003,1192.08,abc,",
     "macro.csv, row 10, column kr_cpi_inflation_pct: 'abc' is not a number"),
    ("macro.csv", "2003,1192.08,3.51,", "2003,1192.08,,",
     "macro.csv, row 10, column kr_cpi_inflation_pct: empty; a number is required"),
    ("macro.csv", "2004,1145.24", "2003,1145.24",
     "macro.csv, row 11, column year: 2003 repeats a year"),
    ("macro.csv", "2004,1145.24,3.59,2.68,188.883,\n", "",
     "macro.csv, row 11, column year: 2005 skips 2004"),
    ("defense_budget.csv", "2016,387995,3.6,official", "2016,387995,3.6,guessed",
     "defense_budget.csv, row 4, column status: 'guessed' is not one of official"),
    ("sma_amounts.csv", "2013,8th,8695,,official", "2013,8th,,,official",
     "sma_amounts.csv, row 24, column amount_100m_krw: empty; one of amount_100m_krw or "
     "amount_usd_m must be given"),
    ("negotiations.csv", "7th,2007,2008", "7th,2007,2009",
     "negotiations.csv, row 8, column first_year: 2009 does not follow"),
    ("negotiations.csv", "8th,2009,2013,100m_KRW,7415,7600,2.5,2.5,,0,",
     "8th,2009,2013,100m_KRW,7415,7600,2.5,2.5,,2,",
     "negotiations.csv, row 8, column lapse: '2' must be 0 or 1"),
]


#: One value outside its column's domain per kind of domain (and file): what is edited, and
#: the one line it is reported as.
OUT_OF_DOMAIN = [
    ("macro.csv", "2019,1165.80,", "2019,-1165.80,",
     "macro.csv, row 26, column krw_per_usd: '-1165.80' must be positive"),
    ("macro.csv", "2019,1165.80,0.38,", "2019,1165.80,-100,",
     "macro.csv, row 26, column kr_cpi_inflation_pct: '-100' is a percent change, which must "
     "be above -100"),
    ("macro.csv", "2019,1165.80,0.38,1.81,255.657,", "2019,1165.80,0.38,1.81,0,",
     "macro.csv, row 26, column us_cpi_u_index: '0' must be positive"),
    ("defense_budget.csv", "2015,374560,4.9,", "2015,374560,-120,",
     "defense_budget.csv, row 3, column growth_pct: '-120' is a percent change, which must be "
     "above -100"),
    ("sma_amounts.csv", "1991,1st,1073,150,", "1991,1st,-1073,150,",
     "sma_amounts.csv, row 2, column amount_100m_krw: '-1073' must be positive"),
    ("negotiations.csv", "10389,11833,13.9,0.0,5000,1,15,", "10389,11833,13.9,0.0,5000,1,-3,",
     "negotiations.csv, row 11, column lapse_months: '-3' must be 0 or more"),
    ("negotiations.csv", "9602,10389,8.2,1.9,", "9602,10389,8.2,-101,",
     "negotiations.csv, row 10, column status_quo_change_pct: '-101' is a percent change, "
     "which must be above -100"),
    ("negotiations.csv", "2nd,1994,1995,USD_m,220,", "2nd,1994,1995,USD_m,0,",
     "negotiations.csv, row 2, column previous_amount: '0' must be positive"),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), BAD_DATA + OUT_OF_DOMAIN)
def test_every_data_error_names_file_row_and_column(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    folder = copy_data(tmp_path / "data")
    edit(folder, name, old, new)
    with pytest.raises(HistoryDataError, match=None) as caught:
        load_history(folder)
    assert str(caught.value).startswith(message)
    for command in (["history"], ["calibrate", "--negotiations"]):
        result = CliRunner().invoke(cli, [*command, "--data", str(folder)])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {message}")
        assert "Traceback" not in result.output


def test_every_numeric_column_has_a_domain_and_the_shipped_data_are_inside() -> None:
    for schema in SCHEMAS.values():
        numeric = {c for c, kind in schema.columns.items() if kind in ("number", "optional")}
        assert set(schema.domains) == numeric, schema.name
        assert set(schema.domains.values()) <= set(DOMAIN_RULES)
    load_history()  # the shipped files pass every check


def test_a_missing_file_or_folder_is_an_input_error(tmp_path: Path) -> None:
    folder = copy_data(tmp_path / "data")
    (folder / "macro.csv").unlink()
    result = CliRunner().invoke(cli, ["history", "--data", str(folder)])
    assert result.exit_code == 2
    assert f"Error: {folder / 'macro.csv'}: no such file" in result.output
    result = CliRunner().invoke(cli, ["calibrate", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_history_csv_reproduces_the_file_values() -> None:
    result = CliRunner().invoke(cli, ["history", "--series", "macro", "--format", "csv"])
    assert result.exit_code == 0, result.output
    printed = list(csv.DictReader(io.StringIO(result.output)))
    shipped = list(csv.DictReader(io.StringIO((SHIPPED / "macro.csv").read_text())))
    assert len(printed) == len(shipped) == 31
    for mine, theirs in zip(printed, shipped, strict=True):
        for column in ("year", "krw_per_usd", "kr_cpi_inflation_pct", "us_cpi_inflation_pct"):
            assert float(mine[column]) == float(theirs[column])


def test_history_json_and_negotiations() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["history", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document) == ["schema_version", "series"]
    data = document["series"]
    assert list(data) == ["sma_amounts", "macro", "defense_budget", "negotiations"]
    assert data["sma_amounts"][0]["amount_usd_m"] == 150.0
    assert data["sma_amounts"][1]["amount_100m_krw"] is None
    result = runner.invoke(cli, ["history", "--negotiations", "--format", "json"])
    records = json.loads(result.output)["records"]
    assert [r["agreement"] for r in records][:2] == ["2nd", "3rd"]
    assert records[9]["implied_concession"] == pytest.approx(0.0347, abs=1e-4)
    assert records[0]["implied_concession"] is None
    table = runner.invoke(cli, ["history", "--negotiations"])
    assert "+13.9%" in table.output and "0.035" in table.output
    assert [r["status_quo_change"] for r in records] == pytest.approx(
        [0.222, 0.154, 0.1, 0.128, 0.117, 0.0, 0.025, 0.022, 0.019, 0.0, 0.031], abs=1e-15)
    both = runner.invoke(cli, ["history", "--format", "csv"])
    assert both.exit_code == 2 and "--series" in both.output


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_history_prints_without_scipy_or_the_read_side(fmt: str) -> None:
    """The one table printer and JSON writer are light: `smasim history` loads neither."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = (
        "import io, contextlib, json, sys\n"
        "from simcore.cli.main import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    cli.main(['history', '--series', 'macro', '--format', {fmt!r}],"
        " standalone_mode=False)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('scipy', 'xarray', 'h5py', 'pydantic') or m.startswith('simcore.read'))))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

"""Excel workbooks and the wide CSV: every cell read back equals the JSON output in the unit
its header names, and the workbook of the shipped batch opens in LibreOffice."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import xarray as xr
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.config.load import load_scenario
from simcore.core.variables import VARIABLES
from simcore.io.provenance import file_info
from simcore.read.queries import HEADLINE_QUANTITIES
from simcore.report.formats import (
    Column,
    Number,
    TextTable,
    read_number,
    render_wide_csv,
    table_grid,
    whole,
)
from simcore.report.xlsx import ABOUT_SHEET, MAX_SHEET_NAME, sheet_names, write_workbook
from simcore.run.runner import run_scenarios
from tests.conftest import ROOT

N = 1_000
#: A workbook stores 16 significant digits (as Excel and LibreOffice read them back).
DIGITS = 1e-15
#: Every percentile the shipped configurations store.
LEVELS = (5, 10, 25, 50, 75, 90, 95)


def smasim(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def json_records(*args: str | Path) -> list[dict[str, Any]]:
    code, output = smasim(*args, "--format", "json")
    assert code == 0, output
    document = json.loads(output)
    assert document["schema_version"] == 1
    return list(document["records"])


def same(cell: object, expected: float | None) -> bool:
    """A cell read back holds ``expected`` to the 16 digits a workbook keeps (None: empty)."""
    if expected is None:
        return cell is None
    assert isinstance(cell, int | float), cell
    return math.isclose(cell, expected, rel_tol=DIGITS, abs_tol=0.0)


def sheet(book: openpyxl.Workbook, name: str) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    """A sheet's title (row 1), header (row 2) and rows (until the blank row before the
    caption)."""
    rows = list(book[name].iter_rows(values_only=True))
    body = []
    for row in rows[2:]:
        if all(v is None for v in row):
            break
        body.append(row)
    return str(rows[0][0]), [str(h) for h in rows[1] if h is not None], body


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every configuration of configs/ as one batch, as `make run` writes it (fewer paths)."""
    scenarios = [load_scenario(path).with_overrides(samples=N)
                 for path in sorted((ROOT / "configs").glob("*.toml"))]
    out = tmp_path_factory.mktemp("xlsx") / "batch.h5"
    return run_scenarios(scenarios, out, batch=True).path


@pytest.fixture(scope="module")
def book_path(shipped: Path) -> Path:
    out = shipped.parent / "summary.xlsx"
    code, output = smasim("summary", shipped, "-o", out)
    assert code == 0, output
    return out


@pytest.fixture(scope="module")
def book(book_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(book_path, read_only=False)


def test_the_headline_sheets_equal_the_json_percentiles(shipped: Path,
                                                         book: openpyxl.Workbook) -> None:
    records = json_records("summary", shipped, *[a for v in HEADLINE_QUANTITIES
                                                  for a in ("--var", v)])
    by_key = {(r["variable"], r["scenario"], r["year"]): r for r in records}
    scenarios = file_info(shipped).scenarios
    for variable in ("contribution_usd", "total_cost_usd"):
        title, header, rows = sheet(book, f"headline {variable}")
        scale = VARIABLES[variable].display_scale
        assert title.startswith(f"{variable} [USD bn]")
        years = [*range(2026, 2032), "horizon"]
        assert header == ["scenario", *(f"{label} {part} [USD bn]"
                                        for label in [*map(str, years[:-1]), "horizon total"]
                                        for part in ("median", "P5", "P95"))]
        assert [row[0] for row in rows] == scenarios
        total = next(v for v in HEADLINE_QUANTITIES if VARIABLES[v].sum_of == variable)
        for row in rows:
            cells = iter(row[1:])
            for year in years:
                record = by_key[variable if year != "horizon" else total, row[0], year]
                for q in ("p50", "p5", "p95"):
                    assert same(next(cells), record[q] / scale)


def test_the_detail_sheets_equal_the_json_records(shipped: Path,
                                                   book: openpyxl.Workbook) -> None:
    """Mean, its standard error, each percentile and half its interval, in display units,
    for every scenario and default variable."""
    records = json_records("summary", shipped)
    checked = 0
    for record in records:
        variable, scenario = record["variable"], record["scenario"]
        spec = VARIABLES[variable]
        title, header, rows = sheet(book, f"{scenario} {variable}"[:MAX_SHEET_NAME])
        assert title.startswith(f"{scenario}: {variable} [{spec.display_unit}]")
        unit = f"[{spec.display_unit}]"
        assert header == ["year", f"mean {unit}", f"mean se {unit}", *(
            f"P{q}{part} {unit}" for q in LEVELS for part in ("", " 95% CI half-width"))]
        (row,) = [r for r in rows if r[0] == record["year"]]
        scale = spec.display_scale
        assert same(row[1], record["mean"] / scale)
        assert same(row[2], record["mcse"] / scale)
        for k, q in enumerate(LEVELS):
            assert same(row[3 + 2 * k], record[f"p{q}"] / scale)
            half = (record[f"p{q}_upper"] - record[f"p{q}_lower"]) / 2
            assert same(row[4 + 2 * k], half / scale)
        checked += 1
    assert checked == len(records) == 6 * (6 * 4 + 2)


def test_numbers_are_numbers_with_the_decimals_shown(book: openpyxl.Workbook) -> None:
    cells = book["baseline contribution_usd"]
    year, mean = cells["A3"], cells["B3"]
    assert year.value == 2026 and year.number_format == "#,##0"
    assert isinstance(mean.value, float) and mean.number_format.startswith("#,##0.0")
    assert book["headline contribution_usd"]["B3"].number_format == "#,##0.00"


def test_the_about_sheet_says_where_the_numbers_come_from(shipped: Path,
                                                          book: openpyxl.Workbook) -> None:
    assert book.sheetnames[-1] == ABOUT_SHEET
    assert book.sheetnames[:3] == ["headline contribution_usd", "headline total_cost_usd",
                                   "assumptions"]
    about = {row[0]: row[1] for row in book[ABOUT_SHEET].iter_rows(min_row=3,
                                                                   values_only=True)}
    info = file_info(shipped)
    assert about["command"].startswith("smasim ")
    assert about["result file"] == str(shipped)
    assert about["seed"].startswith(str(info.seed))
    for name, digest in info.config_hashes().items():
        assert about[f"config sha256 ({name})"] == digest
    assert "numpy=" in about["versions"] and about["smasim version"]
    names = book.sheetnames
    assert len(set(map(str.lower, names))) == len(names)
    assert all(len(name) <= MAX_SHEET_NAME for name in names)


def test_the_wide_csv_is_the_workbook_as_csv(shipped: Path, book: openpyxl.Workbook) -> None:
    code, output = smasim("summary", shipped, "--format", "csv", "--layout", "wide")
    assert code == 0, output
    rows = list(csv.reader(io.StringIO(output)))
    _, header, cells = sheet(book, "headline contribution_usd")
    assert rows[0] == ["table", *header]
    first = rows[1]
    assert first[0].startswith("contribution_usd [USD bn]") and first[1] == cells[0][0]
    # Every digit: the CSV's numbers round to the workbook's 16.
    assert all(same(c, float(t)) for c, t in zip(cells[0][1:], first[2:], strict=True))
    detail = smasim("summary", shipped, "--detail", "--var", "rok_share", "--scenario",
                    "lapse", "--format", "csv", "--layout", "wide")[1]
    table = list(csv.reader(io.StringIO(detail)))
    assert table[0][:3] == ["year", "mean [%]", "mean se [%]"]
    records = json_records("summary", shipped, "--var", "rok_share", "--scenario", "lapse")
    assert [float(r[1]) for r in table[1:]] == [r["mean"] / 0.01 for r in records]


def test_compare_sheet_has_both_probabilities(shipped: Path, tmp_path: Path) -> None:
    out = tmp_path / "compare.xlsx"
    args = ("compare", shipped, "--scenario", "baseline", "--scenario", "us-demand-2027",
            "--var", "contribution_usd")
    code, output = smasim(*args, "-o", out)
    assert code == 0, output
    records = json_records(*args)
    _, header, rows = sheet(openpyxl.load_workbook(out), "contribution_usd B-A")
    assert header[:11] == ["year", "mean A [USD bn]", "mean B [USD bn]", "Δ mean [USD bn]",
                           "Δ mean se [USD bn]", "P(B>A) [%]", "P(B>A) se [%]", "P(B<A) [%]",
                           "P(B<A) se [%]", "ΔP5 [USD bn]", "ΔP5 95% CI half-width [USD bn]"]
    for row, record in zip(rows, records, strict=True):
        assert row[0] == record["year"]
        assert same(row[3], record["mean_diff"] / 1e9)
        assert same(row[4], record["mean_diff_se"] / 1e9)
        assert same(row[5], record["prob_b_greater"] / 0.01)
        assert same(row[7], record["prob_b_less"] / 0.01)
        assert same(row[8], record["prob_b_less_se"] / 0.01)
        assert same(row[9], record["p5_diff"] / 1e9)


def test_budget_sheets_equal_the_budget_json(shipped: Path, tmp_path: Path) -> None:
    out = tmp_path / "budget.xlsx"
    code, output = smasim("budget", shipped, "--scenario", "lapse", "-o", out)
    assert code == 0, output
    code, text = smasim("budget", shipped, "--scenario", "lapse", "--format", "json")
    (budget,) = json.loads(text)["budgets"]
    title, header, rows = sheet(openpyxl.load_workbook(out), "lapse budget")
    assert title.startswith("lapse: contribution_krw [KRW tn]")
    assert header == ["year", "budget [KRW tn]", "budget 95% CI half-width [KRW tn]",
                      "own P80 [KRW tn]", "proportional [KRW tn]"]
    for row, year in zip(rows, budget["years"], strict=False):
        assert row[0] == year["year"]
        assert same(row[1], year["budget"] / 1e12)
        assert same(row[2], (year["budget_upper"] - year["budget_lower"]) / 2 / 1e12)
        assert same(row[3], year["percentile"] / 1e12)
    assert rows[-1][0] == "2026–2031 total" and same(rows[-1][1], budget["total"] / 1e12)


def test_history_workbook_holds_numbers(tmp_path: Path) -> None:
    out = tmp_path / "history.xlsx"
    code, output = smasim("history", "--format", "xlsx", "-o", out)
    assert code == 0, output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["sma_amounts", "macro", "defense_budget", "negotiations",
                               ABOUT_SHEET]
    _, header, rows = sheet(book, "sma_amounts")
    assert header[0] == "year" and rows[0][0] == 1991
    assert all(isinstance(row[0], int) for row in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["summary", "{file}", "--format", "xlsx"],
                     "Error: --format xlsx: a workbook is a file; give -o FILE.xlsx", id="no-o"),
        pytest.param(["summary", "{file}", "--format", "json", "--layout", "wide"],
                     "Error: --layout wide: applies to --format csv", id="wide-json"),
        pytest.param(["compare", "{file}", "--scenario", "baseline", "--scenario", "lapse",
                      "--layout", "wide"], "Error: --layout wide: applies to --format csv",
                     id="wide-table"),
        pytest.param(["history", "-o", "x.csv"], "Error: -o: history writes a file only as a "
                     "workbook", id="history-csv"),
    ],
)
def test_format_mistakes_are_one_line(shipped: Path, args: list[str], message: str) -> None:
    code, output = smasim(*(a.format(file=shipped) for a in args))
    assert code == 2 and output.startswith(message), output
    assert "Traceback" not in output


def test_a_workbook_is_refused_where_a_file_exists(shipped: Path, book_path: Path) -> None:
    code, output = smasim("summary", shipped, "-o", book_path)
    assert code == 2 and "--overwrite" in output


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: apt-get install "
                    "libreoffice-calc")
def test_libreoffice_opens_the_workbook_of_the_shipped_batch(book_path: Path,
                                                             book: openpyxl.Workbook,
                                                             tmp_path: Path) -> None:
    """LibreOffice prints every sheet as a PDF, and reads the first sheet's numbers as
    openpyxl does (to the 15 digits its CSV export writes)."""
    def soffice(*args: str) -> None:
        # Its own profile: no clash with a LibreOffice already running.
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
             *args, "--outdir", str(tmp_path), str(book_path)],
            capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr

    soffice("--convert-to", "pdf")
    pdf = (tmp_path / "summary.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= len(book.sheetnames)
    # Raw values (not as shown), comma-separated, UTF-8, the first sheet.
    soffice("--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,"
            "false,false,1")
    (exported,) = tmp_path.glob("summary*.csv")
    rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8"))))
    _, header, cells = sheet(book, book.sheetnames[0])
    assert rows[1][: len(header)] == header
    for theirs, ours in zip(rows[2:], cells, strict=False):
        assert theirs[0] == ours[0]
        assert all(math.isclose(float(t), o, rel_tol=1e-14)
                   for t, o in zip(theirs[1:], ours[1:], strict=True))


# --- the grid: tables with one number per cell ------------------------------------------------


def test_a_number_keeps_its_text_and_its_parts() -> None:
    cell = Number("1.35 (0.97–3.38)", 1.3512, low=0.971, high=3.3801, decimals=2)
    assert cell == "1.35 (0.97–3.38)" and f"{cell}" == cell
    assert (cell.value, cell.low, cell.high, cell.error) == (1.3512, 0.971, 3.3801, None)
    assert Number("—", float("nan")).value is None
    table = TextTable("t", ["scenario", "2027"], [["a", cell], ["b", Number("—", None)]],
                      columns=(Column("scenario"),
                               Column("2027", "USD bn", "median", low="P5", high="P95")))
    grid = table_grid(table)
    assert grid.header == ["scenario", "2027 median [USD bn]", "2027 P5 [USD bn]",
                           "2027 P95 [USD bn]"]
    assert grid.rows == [["a", 1.3512, 0.971, 3.3801], ["b", None, None, None]]
    assert grid.decimals[0] == [None, 2, 2, 2]


def test_plain_text_numbers_are_read_and_percent_columns_say_so() -> None:
    table = TextTable("backtest", ["driver", "lead", "rate", "held", "PIT"],
                      [["fx", "1", "45%", "9 of 20", "0.52"], ["cpi", "2", "50%", "5 of 10", "—"]])
    grid = table_grid(table)
    assert grid.header == ["driver", "lead", "rate [%]", "held", "PIT"]
    assert grid.rows == [["fx", 1, 45, "9 of 20", 0.52], ["cpi", 2, 50, "5 of 10", None]]
    assert read_number("+1.5e-3") is not None and read_number("1.5 ±0.1") is None
    negative = read_number("−2,500")
    assert negative is not None and negative[0].value == -2500


def test_several_tables_share_one_wide_csv() -> None:
    first = TextTable("A", ["year", "mean"], [[whole(2027), Number("1", 1.0)]])
    second = TextTable("B", ["year", "share"], [[whole(2027), Number("50", 50.0)]])
    rows = list(csv.reader(io.StringIO(render_wide_csv([first, second]))))
    assert rows == [["table", "year", "mean", "share"], ["A", "2027", "1.0", ""],
                    ["B", "2027", "", "50.0"]]


def test_sheet_names_are_what_excel_accepts(tmp_path: Path) -> None:
    tables = [TextTable("x" * 40, ["a"], [["1"]]), TextTable("x" * 40, ["a"], [["2"]]),
              TextTable("a/b: c [d]?", ["a"], [["3"]]), TextTable("", ["a"], [["4"]],
                                                                 sheet="about")]
    names = sheet_names(tables)
    assert names == ["x" * 31, "x" * 27 + " (2)", "ab c d", "about (2)"]
    out = tmp_path / "t.xlsx"
    write_workbook(out, tables, [("what", "a test"), ("paths", 5)])
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [*names, ABOUT_SHEET]
    assert book[ABOUT_SHEET]["B4"].value == 5


# --- the analyst's small gaps -----------------------------------------------------------------


def test_troops_are_summarized_as_frequencies(shipped: Path) -> None:
    records = json_records("summary", shipped, "--var", "troops", "--scenario", "baseline")
    with xr.open_dataset(shipped, engine="h5netcdf") as ds:
        troops = ds["troops"].sel(scenario="baseline").values
    for j, record in enumerate(records):
        assert "p50" not in record
        for level in (24000, 28500):
            share = np.mean(troops[:, j] == level)
            assert record[f"share_{level}"] == share
            assert record[f"share_{level}_se"] == pytest.approx(math.sqrt(share * (1 - share) / N))
        assert record["share_24000"] + record["share_28500"] == 1.0
    code, text = smasim("summary", shipped, "--var", "troops", "--scenario", "baseline")
    assert code == 0, text
    text = " ".join(text.split())
    assert "share of paths at each level" in text and "28,500 %" in text and "P50" not in text


def test_compare_shows_p_b_below_a(shipped: Path) -> None:
    records = json_records("compare", shipped, "--scenario", "baseline", "--scenario",
                           "us-demand-2027", "--var", "contribution_usd", "--years", "2031")
    with xr.open_dataset(shipped, engine="h5netcdf") as ds:
        values = ds["contribution_usd"].sel(year=2031).values
    a, b = values[0], values[list(ds["scenario"].values).index("us-demand-2027")]
    (record,) = records
    assert record["prob_b_less"] == np.mean(b < a)
    assert record["prob_b_greater"] + record["prob_b_less"] <= 1.0
    code, text = smasim("compare", shipped, "--scenario", "baseline", "--scenario",
                        "us-demand-2027", "--var", "contribution_usd", "--years", "2031")
    assert code == 0 and "P(B>A) %" in text and "P(B<A) %" in text


def test_budget_names_why_it_is_not_in_krw(tmp_path: Path) -> None:
    out = tmp_path / "usd-only.h5"
    code, output = smasim("run", ROOT / "configs" / "baseline.toml", "--samples", "500",
                          "--store", "contribution_usd", "-o", out, "-q")
    assert code == 0, output
    result = CliRunner().invoke(cli, ["budget", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["budgets"][0]["variable"] == "contribution_usd"
    assert result.stderr.startswith(f"Note: {out} does not keep the paths of contribution_krw")


def test_a_single_run_names_its_outcome_rows(tmp_path: Path) -> None:
    out = tmp_path / "one.h5"
    assert smasim("run", ROOT / "configs" / "lapse.toml", "--samples", "300", "-o", out,
                  "-q")[0] == 0
    records = json_records("summary", out, "--outcomes")
    assert {r["scenario"] for r in records} == {"lapse"}

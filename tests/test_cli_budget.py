"""`smasim budget` and `smasim plot --kind budget`: the allocation of a result file's paths."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.stats.budget import allocate_budget
from tests.conftest import result_file

N = 4_000
YEARS = list(range(2026, 2032))
KEYS = ["variable", "scenario", "level", "total", "scale", "joint_confidence",
        "joint_confidence_se", "years"]
YEAR_KEYS = ["year", "budget", "budget_lower", "budget_upper", "percentile", "proportional"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return result_file(tmp_path_factory.mktemp("budget"), ["baseline", "lapse"], samples=N,
                       seed=5)


def smasim(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def samples(path: Path, name: str, scenario: str) -> np.ndarray:
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds[name].sel(scenario=scenario).values


def budget_json(*args: str | Path) -> list[dict[str, Any]]:
    code, output = smasim("budget", *args, "--format", "json")
    assert code == 0, output
    document = json.loads(output)
    assert list(document) == ["schema_version", "budgets"]
    assert document["schema_version"] == 1
    return list(document["budgets"])


def test_json_is_the_contract_and_equals_the_allocation(batch: Path) -> None:
    """One scenario gives a list of one budget; the default is the payer's currency."""
    (record,) = budget_json(batch, "--scenario", "lapse")
    assert list(record) == KEYS
    assert [list(y) for y in record["years"]] == [YEAR_KEYS] * len(YEARS)
    values = samples(batch, "contribution_krw", "lapse")
    expected = allocate_budget(values, 80.0)
    assert record["variable"] == "contribution_krw"
    assert record["scenario"] == "lapse"
    assert record["level"] == 0.8
    assert record["total"] == expected.total == np.percentile(values.sum(axis=1), 80)
    assert record["scale"] == expected.scale
    assert record["joint_confidence"] == expected.joint_confidence
    assert record["joint_confidence_se"] == expected.joint_confidence_se
    assert [y["year"] for y in record["years"]] == YEARS
    assert [y["budget"] for y in record["years"]] == expected.budget.tolist()
    assert [y["budget_lower"] for y in record["years"]] == expected.budget_lower.tolist()
    assert [y["percentile"] for y in record["years"]] == expected.percentile.tolist()
    assert [y["proportional"] for y in record["years"]] == expected.proportional.tolist()
    assert sum(y["budget"] for y in record["years"]) == pytest.approx(record["total"],
                                                                       rel=1e-13)


def test_a_batch_gives_one_budget_per_scenario(batch: Path) -> None:
    records = budget_json(batch)
    assert [r["scenario"] for r in records] == ["baseline", "lapse"]
    assert records[1:] == budget_json(batch, "--scenario", "lapse")


def test_years_level_and_real(batch: Path) -> None:
    (record,) = budget_json(batch, "--scenario", "baseline", "--years", "2027-2029",
                            "--level", "90", "--real", "--var", "contribution_usd")
    assert record["variable"] == "contribution_usd_real"
    assert record["level"] == 0.9
    values = samples(batch, "contribution_usd_real", "baseline")[:, 1:4]
    expected = allocate_budget(values, 90.0)
    assert [y["year"] for y in record["years"]] == [2027, 2028, 2029]
    assert record["total"] == expected.total
    assert [y["budget"] for y in record["years"]] == expected.budget.tolist()


def test_csv_repeats_the_budget_beside_each_year(batch: Path) -> None:
    code, output = smasim("budget", batch, "--format", "csv")
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert list(rows[0]) == KEYS[:-1] + YEAR_KEYS
    assert len(rows) == 2 * len(YEARS)
    (record,) = budget_json(batch, "--scenario", "lapse")
    lapse = [r for r in rows if r["scenario"] == "lapse"]
    assert [float(r["budget"]) for r in lapse] == [y["budget"] for y in record["years"]]
    assert {float(r["total"]) for r in lapse} == {record["total"]}


def test_tables_for_people(batch: Path, tmp_path: Path) -> None:
    code, output = smasim("budget", batch, "--scenario", "baseline", "--var",
                          "contribution_usd")
    assert code == 0, output
    (record,) = budget_json(batch, "--scenario", "baseline", "--var", "contribution_usd")
    assert f"{record['total'] / 1e9:,.3f}" in output
    assert "2026–2031 total" in output and "own P80" in output
    out = tmp_path / "budget.md"
    code, _ = smasim("budget", batch, "-o", out)
    assert code == 0
    text = out.read_text()
    assert text.count("| 2026–2031 total |") == 2
    code, output = smasim("budget", batch, "-o", out)
    assert code == 2 and "--overwrite" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--level", "100"], "Error: --level: must lie strictly between 0 and 100",
                     id="level"),
        pytest.param(["--level", "0.8"],
                     "Error: --level is a percentage (80 = P80); did you mean --level 80?\n",
                     id="level-fraction"),
        pytest.param(["--level", "1"], "Error: --level is a percentage (80 = P80); did you "
                     "mean --level 100?", id="level-one"),
        pytest.param(["--var", "rok_share"], "Error: --var: rok_share is not a yearly amount",
                     id="fraction"),
        pytest.param(["--var", "cum_contribution_usd"], "Error: --var: cum_contribution_usd",
                     id="horizon-total"),
        pytest.param(["--var", "nope"], "Error: --var: unknown", id="unknown"),
        pytest.param(["--scenario", "nope"], "Error: --scenario: unknown", id="scenario"),
        pytest.param(["--years", "2040"], "Error: --years:", id="years"),
    ],
)
def test_bad_options_are_one_line(batch: Path, args: list[str], message: str) -> None:
    code, output = smasim("budget", batch, *args)
    assert code == 2
    assert output.startswith(message), output
    assert "Traceback" not in output


def test_plot_kind_budget(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "budget.svg"
    code, output = smasim("plot", batch, "--kind", "budget", "--scenario", "lapse", "-o", out)
    assert code == 0, output
    assert out.read_text().count("<svg") == 1
    code, output = smasim("plot", batch, "--kind", "budget", "-o", tmp_path / "b.png")
    assert code == 2
    assert output.startswith("Error: --scenario:") and "lapse" in output


@pytest.mark.parametrize(
    ("years", "variable", "sentence"),
    [
        pytest.param("2031", "contribution_usd", "With one year, its own P80 is the total's "
                     "P80: it is covered with probability 80 %, the level.", id="one-year"),
        pytest.param("2026-2027", "contribution_krw", "Every year is known (the same on every "
                     "path): budgeting each at its own P80 covers all years with certainty.",
                     id="all-known"),
        pytest.param("2026-2028", "contribution_krw", "Only 2028 is uncertain (2026, 2027 "
                     "known), so budgeting every year at its own P80 is budgeting the total's "
                     "P80: all years are covered with probability 80 %, the level.",
                     id="one-uncertain"),
    ],
)
def test_joint_coverage_sentence_of_edge_cases(batch: Path, years: str, variable: str,
                                                 sentence: str) -> None:
    code, output = smasim("budget", batch, "--scenario", "lapse", "--years", years, "--var",
                          variable)
    assert code == 0, output
    assert sentence in " ".join(output.split())


def test_joint_coverage_of_several_uncertain_years_to_two_decimals(batch: Path) -> None:
    (record,) = budget_json(batch, "--scenario", "lapse", "--years", "2026-2031", "--var",
                            "contribution_krw")
    code, output = smasim("budget", batch, "--scenario", "lapse", "--years", "2026-2031",
                          "--var", "contribution_krw")
    assert code == 0, output
    text = " ".join(output.split())
    assert "(2026, 2027 known, always covered)" in text
    joint, error = 100 * record["joint_confidence"], 100 * record["joint_confidence_se"]
    assert error > 0.1  # 4,000 paths: the error shows at one decimal
    assert f"with probability {joint:.1f} ±{error:.1f} %, not 80 %." in text

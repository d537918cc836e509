"""The headline a newcomer sees first, and a suggestion for every mistyped name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.config.load import load_scenario
from simcore.core.errors import did_you_mean
from simcore.core.variables import VARIABLES
from simcore.read.queries import HEADLINE_QUANTITIES, headline_rows
from simcore.run.runner import run_scenarios
from tests.conftest import ROOT, result_file

SCENARIOS = ["baseline", "drawdown", "lapse", "us-demand-2027"]
#: ``1.35 (0.97–3.38)``: the median, then the P5–P95 range.
CELL = re.compile(r"(-?[\d,]+\.?\d*) \((-?[\d,]+\.?\d*)–(-?[\d,]+\.?\d*)\)")


def smasim(*args: str, columns: int = 100) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return result_file(tmp_path_factory.mktemp("headline"), SCENARIOS, samples=2_000, seed=4)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make run` writes: every config of configs/ as one batch of 1e5 paths."""
    scenarios = [load_scenario(path).with_overrides(samples=100_000)
                 for path in sorted((ROOT / "configs").glob("*.toml"))]
    out = tmp_path_factory.mktemp("shipped") / "batch.h5"
    return run_scenarios(scenarios, out, batch=True).path


def check_headline(path: Path, columns: int = 100, max_lines: int = 45) -> str:
    """The headline fits, names every scenario, and its cells are the JSON percentiles.

    45 lines: the numbers of six scenarios take 38, the troop levels they assume the rest.
    """
    code, text = smasim("summary", str(path), columns=columns)
    assert code == 0, text
    lines = text.splitlines()
    assert len(lines) <= max_lines
    assert max(map(len, lines)) <= columns
    for scenario in SCENARIOS:
        assert sum(line.startswith(f"{scenario} ") for line in lines) >= 3
    assert "USD bn" in text and "paths per scenario" in text and "P5–P95" in text
    code, output = smasim("summary", str(path), "--format", "json", "--percentiles", "5,50,95",
                          *[a for v in HEADLINE_QUANTITIES for a in ("--var", v)])
    assert code == 0, output
    records = json.loads(output)["records"]
    by_key = {(r["variable"], r["scenario"], r["year"]): r for r in records}
    # Walk the printed blocks: a title names the variable, a header the years.
    variable, years = "", []
    checked = 0
    for line in lines:
        head = line.split(" ", 1)[0]
        if head in HEADLINE_QUANTITIES:
            variable = head
        elif head == "scenario":
            years = ["horizon" if y == "horizon total" else int(y)
                     for y in re.split(r"\s{2,}", line.strip())[1:]]
        elif head in SCENARIOS:
            cells = CELL.findall(line)
            assert len(cells) == len(years)
            for (median, low, high), year in zip(cells, years, strict=True):
                # The horizon total is the last column of the yearly quantity it sums.
                shown_variable = variable if year != "horizon" else next(
                    v for v in HEADLINE_QUANTITIES if VARIABLES[v].sum_of == variable)
                record = by_key[shown_variable, head, year]
                scale = VARIABLES[shown_variable].display_scale
                decimals = len(median.split(".")[1]) if "." in median else 0
                for shown, key in ((median, "p50"), (low, "p5"), (high, "p95")):
                    assert float(shown.replace(",", "")) == round(record[key] / scale, decimals)
                checked += 1
    # Two quantities of six years, each with its horizon total.
    assert checked == len(SCENARIOS) * (6 + 1 + 6 + 1)
    troops = text.split("Troops assumed", 1)[1].replace("\n    ", " ")
    assert (": troops 28,500 in 2025; each year a 5% chance of a cut to 24,000 (never "
            "reversed); in 2031, 73.5% of paths at 28,500 and 26.5% at 24,000") in troops
    assert re.search(r"baseline(, \w+)*, lapse, us-demand-2027: troops", troops)
    assert "drawdown: troops 28,500 in 2025; each year a 5% chance of a cut to 24,000 (never " \
        "reversed); pinned at 24,000 in 2027–2031; in 2031, 24,000 in every path" in troops
    return text


def test_headline_of_a_small_batch(small: Path) -> None:
    check_headline(small)


def test_narrow_terminals_wrap_columns_not_rows(small: Path) -> None:
    text = check_headline(small, columns=100)
    narrow = smasim("summary", str(small), columns=60)[1]
    assert max(map(len, narrow.splitlines())) <= 60
    assert narrow.count("\nscenario ") > text.count("\nscenario ")


@pytest.mark.slow
def test_headline_of_the_shipped_batch_fits_a_screen(shipped: Path) -> None:
    # Six shipped scenarios (calibrated.toml and history.toml joined the four): still 45.
    check_headline(shipped)


def test_headline_rows_carry_their_quantity(small: Path) -> None:
    rows = headline_rows(small)
    assert [r.quantity.name for r in rows[:4]] == ["contribution_usd"] * 4
    assert [r.scenario for r in rows[:4]] == SCENARIOS
    assert rows[0].quantity.spec.kind == "USD"
    assert len(rows[0].cells) == 6 and rows[-1].cells[0].year is None
    for row in rows:
        for cell in row.cells:
            assert cell.low <= cell.median <= cell.high


def test_detail_and_any_selection_show_the_tables(small: Path) -> None:
    for args in (["--detail"], ["--var", "rok_share"], ["--scenario", "lapse"],
                 ["--percentiles", "50"]):
        code, output = smasim("summary", str(small), *args)
        assert code == 0, output
        assert "±" in output and "paths per scenario" not in output


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        pytest.param(["summary", "{f}", "--var", "contributon_usd"],
                     "--var: unknown variable(s) contributon_usd in {f}; did you mean "
                     "'contribution_usd'?", id="var"),
        pytest.param(["summary", "{f}", "--scenario", "baselin"],
                     "--scenario: unknown scenario(s) baselin in {f}; did you mean 'baseline'?",
                     id="scenario"),
        pytest.param(["summary", "{f}", "--outcomes", "--scenario", "drawdwn"],
                     "--scenario: drawdwn not in {f}; did you mean 'drawdown'?",
                     id="outcome-scenario"),
        pytest.param(["compare", "{f}", "--scenario", "baseline", "--scenario", "laps"],
                     "did you mean 'lapse'?", id="compare-scenario"),
        pytest.param(["plot", "{f}", "--kind", "fann", "-o", "x.png"],
                     "--kind: unknown value 'fann'; did you mean 'fan'? (allowed: fan, cdf, "
                     "hist, budget, history, coverage, shapley, tornado, response)", id="kind"),
        pytest.param(["summary", "{f}", "--format", "jsno"],
                     "--format: unknown value 'jsno'; did you mean 'json'?", id="format"),
        pytest.param(["summry", "{f}"],
                     "unknown command 'summry'; did you mean 'summary'?", id="command"),
    ],
)
def test_mistyped_names_get_a_suggestion(small: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, args: list[str],
                                         suggestion: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = smasim(*(a.format(f=small) for a in args))
    assert code == 2
    assert output.strip().count("\n") == 0
    assert output.startswith("Error: ")
    assert suggestion.format(f=small) in output
    assert not list(tmp_path.iterdir())


def test_no_suggestion_when_nothing_is_close() -> None:
    assert did_you_mean("zzzz", ["baseline", "lapse"]) == ""
    assert did_you_mean("laspe", ["baseline", "lapse"]) == "; did you mean 'lapse'?"


def test_headline_rows_render_in_every_format(small: Path) -> None:
    from simcore.report.formats import RENDERERS
    from simcore.report.render import headline_tables

    rows = headline_rows(small)
    records = json.loads(RENDERERS["json"](rows, headline_tables))["records"]
    assert len(records) == len(HEADLINE_QUANTITIES) * len(SCENARIOS)
    first = records[0]
    assert (first["variable"], first["scenario"], first["units"]) == (
        "contribution_usd", "baseline", "USD")
    assert first["p5_2026"] <= first["p50_2026"] <= first["p95_2026"]
    assert first["p50_2031"] == rows[0].cells[-1].median
    assert records[-1]["p50_horizon"] == rows[-1].cells[0].median
    markdown = RENDERERS["markdown"](rows, headline_tables)
    assert markdown.count("| scenario |") == len(headline_tables(rows))
    assert "| us-demand-2027 |" in markdown

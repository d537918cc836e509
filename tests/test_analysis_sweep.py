"""Parameter sweeps: value lists, ranges, the grid, names, renormalization, validation, the
sweep file and what reads it."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.analysis.sweep import parse_axis, plan_sweep, response_curves, sweep_grid
from simcore.core.errors import SmasimInputError
from simcore.io.reader import read_samples, read_scenario_coords
from tests.conftest import BASELINE, SCALAR_BASELINE, result_file

DEMAND = "negotiation.outcomes[1].probability"


@pytest.mark.parametrize(
    ("assignment", "values"),
    [
        pytest.param("fx.volatility=0.05,0.1", (0.05, 0.1), id="list"),
        pytest.param(f"{DEMAND}=0:1:0.1", tuple(k / 10 for k in range(11)), id="range"),
        pytest.param("run.horizon=3:7:2", (3, 5, 7), id="integer-range"),
        pytest.param("pins.fx={2027=1300},{2027=1500, 2028=1400}",
                     ({"2027": 1300}, {"2027": 1500, "2028": 1400}), id="tables"),
        pytest.param("troops.levels=[28500, 24000],[28500]", ([28500, 24000], [28500]),
                     id="arrays"),
    ],
)
def test_values_are_toml_lists_or_inclusive_ranges(assignment: str, values: tuple) -> None:
    axis = parse_axis(assignment)
    assert axis.key == assignment.partition("=")[0]
    assert axis.values == values


def test_decimal_ranges_hit_their_end_exactly() -> None:
    # 0.3 is 0.1 + 0.1 + 0.1 on paper, not 0.30000000000000004.
    assert parse_axis("x=0:0.3:0.1").values == (0.0, 0.1, 0.2, 0.3)


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("fx.volatility", "expected KEY=V1,V2"),
        ("fx.volatility=1:0:0.1", "STEP > 0 and STOP >= START"),
        ("fx.volatility=0.1,0.1", "repeated"),
        ("fx.volatility=abc", "not a TOML value"),
        ("fx..volatility=0.1", "malformed key"),
    ],
)
def test_bad_axes_are_refused(assignment: str, message: str) -> None:
    """From Python the error names the assignment; the command line adds --set."""
    with pytest.raises(SmasimInputError, match=rf"^{re.escape(assignment)}: .*{message}"):
        parse_axis(assignment)


def test_sweep_errors_name_the_option_on_the_command_line(tmp_path: Path) -> None:
    result, out = _sweep(tmp_path, "--set", "fx.volatility=1:0:0.1")
    assert result.exit_code == 2
    assert result.output == ("Error: --set fx.volatility=1:0:0.1: a range needs STEP > 0 and "
                             "STOP >= START\n")
    result, out = _sweep(tmp_path, "--set", f"{DEMAND}=0.2")
    assert result.exit_code == 2
    assert result.output.endswith("; --renormalize rescales the other outcomes' probabilities "
                                  "to make up the rest\n")
    assert not out.exists()


def test_grid_is_the_cartesian_product_named_by_its_values() -> None:
    axes = [parse_axis("fx.volatility=0.05,0.1"), parse_axis("agreement.reopen_probability=0,0.1")]
    points = sweep_grid(BASELINE, axes)
    assert [p.values for p in points] == [(0.05, 0), (0.05, 0.1), (0.1, 0), (0.1, 0.1)]
    assert [p.scenario.run.name for p in points] == [
        "baseline_fx.volatility-0.05_agreement.reopen_probability-0",
        "baseline_fx.volatility-0.05_agreement.reopen_probability-0.1",
        "baseline_fx.volatility-0.1_agreement.reopen_probability-0",
        "baseline_fx.volatility-0.1_agreement.reopen_probability-0.1",
    ]
    assert points[3].scenario.fx.volatility == 0.1
    assert points[3].scenario.agreement.reopen_probability == 0.1


def test_renormalize_keeps_the_other_outcomes_in_proportion() -> None:
    points = sweep_grid(BASELINE, [parse_axis(f"{DEMAND}=0,0.5,1")], renormalize=True)
    for point in points:
        p = [o.probability for o in point.scenario.negotiation.outcomes]
        assert math.isclose(sum(p), 1.0)
        assert p[1] == point.values[0]
        if p[1] < 1:
            assert p[0] / p[2] == pytest.approx(0.55 / 0.10)
    assert points[0].scenario.run.name == "baseline_demand.probability-0"


def test_an_invalid_grid_point_is_named() -> None:
    with pytest.raises(SmasimInputError, match=r"^sweep point fx.volatility=-1: .*fx.volatility"):
        sweep_grid(BASELINE, [parse_axis("fx.volatility=0.1,-1")])
    with pytest.raises(SmasimInputError, match=r"sweep point .*sum to 1"):
        sweep_grid(BASELINE, [parse_axis(f"{DEMAND}=0.1")])


def test_an_unbalanced_point_suggests_renormalize_and_floats_are_compact() -> None:
    with pytest.raises(SmasimInputError) as caught:
        sweep_grid(BASELINE, [parse_axis(f"{DEMAND}=0.2")])
    assert str(caught.value) == (
        f"sweep point {DEMAND}=0.2: negotiation.outcomes: probabilities must sum to 1 (sum to "
        "0.85); renormalize=True rescales the other outcomes' probabilities to make up the "
        "rest")
    with pytest.raises(SmasimInputError) as caught:
        sweep_grid(BASELINE, [parse_axis("fx.volatility=-0.4230769230769231")])
    assert str(caught.value) == ("sweep point fx.volatility=-0.423077: fx.volatility: must be "
                                 "greater than or equal to 0 (got -0.423077)")
    # Renormalized to a negative probability: the computed values are compact too.
    with pytest.raises(SmasimInputError) as caught:
        sweep_grid(BASELINE, [parse_axis(f"{DEMAND}=1.5")], renormalize=True)
    assert "negotiation.outcomes[0].probability: must be greater than or equal to 0 (got " \
        "-0.423077)" in str(caught.value)
    assert "renormalize" not in str(caught.value)


def test_renormalize_without_a_swept_probability_is_refused() -> None:
    with pytest.raises(SmasimInputError) as caught:
        sweep_grid(BASELINE, [parse_axis("fx.volatility=0.1")], renormalize=True)
    assert str(caught.value) == (
        "renormalize=True: no swept key is an outcome probability "
        "(negotiation.outcomes.NAME.probability or negotiation.outcomes[N].probability); "
        "there is nothing to rescale")


def test_an_outcome_is_swept_by_its_name() -> None:
    named = sweep_grid(BASELINE, [parse_axis("negotiation.outcomes.demand.probability=0,0.5"),
                                  parse_axis("negotiation.outcomes.demand.demand_usd=5e9,10e9")],
                       renormalize=True)
    indexed = sweep_grid(BASELINE, [parse_axis(f"{DEMAND}=0,0.5"),
                                    parse_axis("negotiation.outcomes[1].demand_usd=5e9,10e9")],
                         renormalize=True)
    assert [p.scenario for p in named] == [p.scenario for p in indexed]
    assert [p.scenario.run.name for p in named] == [
        "baseline_demand.probability-0_demand.demand_usd-5e9",
        "baseline_demand.probability-0_demand.demand_usd-10e9",
        "baseline_demand.probability-0.5_demand.demand_usd-5e9",
        "baseline_demand.probability-0.5_demand.demand_usd-10e9",
    ]
    last = named[-1].scenario.negotiation.outcomes
    assert [o.probability for o in last] == pytest.approx([0.5 * 0.55 / 0.65, 0.5,
                                                           0.5 * 0.10 / 0.65])
    assert last[1].demand_usd.values == [10e9]


def test_an_outcome_named_and_indexed_is_one_key() -> None:
    with pytest.raises(SmasimInputError, match=r"^sweep: each key may be swept once$"):
        sweep_grid(BASELINE, [parse_axis("negotiation.outcomes.demand.probability=0,0.5"),
                              parse_axis(f"{DEMAND}=0.2,0.3")])
    with pytest.raises(SmasimInputError, match=r"^negotiation.outcomes.demnd.probability: no "
                                               r"outcome named 'demnd' .*did you mean 'demand'"):
        sweep_grid(BASELINE, [parse_axis("negotiation.outcomes.demnd.probability=0,0.5")])


def _sweep(tmp_path: Path, *args: str) -> tuple[Any, Path]:
    out = tmp_path / "sweep.h5"
    result = CliRunner().invoke(cli, ["sweep", str(SCALAR_BASELINE), *args, "--samples", "3000",
                                      "-o", str(out), "-q"])
    return result, out


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result, out = _sweep(tmp_path_factory.mktemp("sweep"), "--set", "fx.volatility=0.05,0.074,0.1")
    assert result.exit_code == 0, result.output
    return out


def test_a_sweep_is_one_batch_with_common_random_numbers(sweep_file: Path,
                                                         tmp_path: Path) -> None:
    coords = read_scenario_coords(sweep_file)
    values, attrs = coords["sweep_fx_volatility"]
    np.testing.assert_array_equal(values, [0.05, 0.074, 0.1])
    assert attrs["long_name"] == "swept value of fx.volatility"
    # The point at the 0.2 baseline's own volatility is that baseline's run, bit for bit.
    run = tmp_path / "base.h5"
    assert CliRunner().invoke(cli, ["run", str(SCALAR_BASELINE), "--samples", "3000", "-o",
                                    str(run), "-q"]).exit_code == 0
    np.testing.assert_array_equal(read_samples(sweep_file, "contribution_usd", scenario=1),
                                  read_samples(run, "contribution_usd"))
    # Common random numbers: the troop path does not depend on the exchange-rate volatility.
    np.testing.assert_array_equal(read_samples(sweep_file, "troops", scenario=0),
                                  read_samples(sweep_file, "troops", scenario=2))


def test_rerun_of_a_sweep_keeps_the_swept_values(sweep_file: Path, tmp_path: Path) -> None:
    from simcore.run.rerun import rerun

    again = rerun(sweep_file, tmp_path / "again.h5").path
    before, after = read_scenario_coords(sweep_file), read_scenario_coords(again)
    assert before.keys() == after.keys() == {"sweep_fx_volatility"}
    np.testing.assert_array_equal(after["sweep_fx_volatility"][0],
                                  before["sweep_fx_volatility"][0])
    assert after["sweep_fx_volatility"][1] == before["sweep_fx_volatility"][1]
    np.testing.assert_array_equal(read_samples(again, "contribution_usd", scenario=2),
                                  read_samples(sweep_file, "contribution_usd", scenario=2))


def test_summary_compare_and_plots_read_a_sweep_file(sweep_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    summary = runner.invoke(cli, ["summary", str(sweep_file), "--var", "contribution_usd",
                                  "--years", "2031", "--format", "json"])
    assert summary.exit_code == 0, summary.output
    # The swept value is a column of its own, after the scenario it made.
    records = json.loads(summary.output)["records"]
    assert [(r["scenario"], r["fx.volatility"]) for r in records] == [
        ("baseline_fx.volatility-0.05", 0.05), ("baseline_fx.volatility-0.074", 0.074),
        ("baseline_fx.volatility-0.1", 0.1)]
    assert list(records[0])[2:5] == ["scenario", "fx.volatility", "year"]
    headline = runner.invoke(cli, ["summary", str(sweep_file)])
    assert headline.exit_code == 0, headline.output
    line = next(x for x in headline.output.splitlines()
                if x.startswith("baseline_fx.volatility-0.074 "))
    assert line.split()[1] == "0.074"
    assert re.search(r"^scenario +fx\.volatility +2026", headline.output, re.MULTILINE)
    # A workbook of the sweep: the swept value is a number in a column of its own.
    book_path = tmp_path / "sweep.xlsx"
    written = runner.invoke(cli, ["summary", str(sweep_file), "-o", str(book_path)])
    assert written.exit_code == 0, written.output
    sheet = list(openpyxl.load_workbook(book_path)["headline contribution_usd"]
                 .iter_rows(values_only=True))
    assert sheet[1][:3] == ("scenario", "fx.volatility", "2026 median [USD bn]")
    assert [row[:2] for row in sheet[2:5]] == [(r["scenario"], r["fx.volatility"])
                                               for r in records]
    compare = runner.invoke(cli, ["compare", str(sweep_file), "--scenario",
                                  "baseline_fx.volatility-0.05", "--scenario",
                                  "baseline_fx.volatility-0.1", "--var", "contribution_usd"])
    assert compare.exit_code == 0, compare.output
    for kind, extra in (("fan", []), ("response", ["--years", "2031"])):
        image = tmp_path / f"{kind}.png"
        result = runner.invoke(cli, ["plot", "--kind", kind, str(sweep_file), "--var",
                                     "contribution_usd", *extra, "-o", str(image)])
        assert result.exit_code == 0, result.output
        assert image.stat().st_size > 10_000


def test_response_chart_without_years_shows_the_last_year(sweep_file: Path,
                                                          tmp_path: Path) -> None:
    images = []
    for extra in ([], ["--years", "2031"]):
        image = tmp_path / f"response{len(extra)}.png"
        result = CliRunner().invoke(cli, ["plot", "--kind", "response", str(sweep_file),
                                          "--var", "contribution_usd", *extra, "-o", str(image)])
        assert result.exit_code == 0, result.output
        images.append(image.read_bytes())
    assert images[0] == images[1]


def test_a_file_that_is_not_a_sweep_is_named_first(tmp_path: Path) -> None:
    batch = result_file(tmp_path, ["baseline", "lapse"], samples=500, seed=1)
    result = CliRunner().invoke(cli, ["plot", "--kind", "response", str(batch), "-o",
                                      str(tmp_path / "r.png")])
    assert result.exit_code == 2
    assert result.output == (f"Error: {batch} is not a sweep of one numeric key (swept: "
                             "none); a response chart needs one\n")


def test_response_curves_are_the_percentiles_of_each_point(sweep_file: Path) -> None:
    curves = response_curves(sweep_file, "fx_krw_per_usd", years="2031")
    np.testing.assert_array_equal(curves.swept, [0.05, 0.074, 0.1])
    for k in range(3):
        values = read_samples(sweep_file, "fx_krw_per_usd", scenario=k)[:, -1]
        np.testing.assert_array_equal(curves.estimate[:, k],
                                      np.percentile(values, [5, 50, 80, 95]))
    assert (curves.lower <= curves.estimate).all() and (curves.estimate <= curves.upper).all()
    # A wider volatility spreads the exchange rate: P95 − P5 grows with it.
    spread = curves.estimate[-1] - curves.estimate[0]
    assert spread[0] < spread[1] < spread[2]
    with pytest.raises(SmasimInputError, match="one year"):
        response_curves(sweep_file, "fx_krw_per_usd")


def test_an_invalid_point_stops_the_sweep_before_anything_runs(tmp_path: Path) -> None:
    result, out = _sweep(tmp_path, "--set", "fx.volatility=0.1,-0.5")
    assert result.exit_code == 2
    assert result.output.startswith("Error: sweep point fx.volatility=-0.5:")
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_one_point_sweep_says_one_scenario(tmp_path: Path) -> None:
    result, out = _sweep(tmp_path, "--set", "fx.volatility=0.1")
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} (1 scenario x 3,000 paths" in result.output


def test_renormalize_on_the_cli_without_a_probability_is_one_line_exit_2(
    tmp_path: Path,
) -> None:
    result, out = _sweep(tmp_path, "--set", "fx.volatility=0.1", "--renormalize")
    assert result.exit_code == 2
    assert result.output == ("Error: --renormalize: no swept key is an outcome probability "
                             "(negotiation.outcomes.NAME.probability or "
                             "negotiation.outcomes[N].probability); there is nothing to "
                             "rescale\n")
    assert not out.exists()


def test_plan_applies_samples_and_seed_to_every_point() -> None:
    plan = plan_sweep(BASELINE, [f"{DEMAND}=0.2,0.4"], renormalize=True, samples=100, seed=3)
    assert plan.name == "baseline"
    assert {s.run.samples for s in plan.scenarios} == {100}
    assert {s.run.seed for s in plan.scenarios} == {3}
    np.testing.assert_array_equal(plan.coords["sweep_negotiation_outcomes_1_probability"][0],
                                  [0.2, 0.4])

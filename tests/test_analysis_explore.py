"""smasim explore (simcore.analysis.explore): a closed-form exploration, its design, its file,
reproduction of a point, levers; discover and robust on it (known answers)."""

from __future__ import annotations

import copy
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import tomli_w
from click.testing import CliRunner
from scipy import stats
from simcore.cli.main import cli

from simcore.analysis.discover import discover, read_discovery, write_discovery
from simcore.analysis.explore import (
    plan_exploration,
    read_exploration,
    run_exploration,
)
from simcore.analysis.robust import robust
from simcore.config.load import load_scenario
from simcore.core.errors import ParameterError, ResultFileError, SmasimInputError
from simcore.io.provenance import file_info
from simcore.io.reader import read_samples
from simcore.model.engine import simulate
from simcore.run.runner import StorageOptions, run_scenarios
from tests.conftest import BASELINE, SCALAR_BASELINE, deep_update

DEMAND_P = "negotiation.outcomes[1].probability"
MEAN_S = "negotiation.outcomes[1].concession.mean"
#: The US demand, USD a year, and the concession law's a + b.
D = 5e9
CONCENTRATION = 10.0
SEED = 20261128
#: Paths per point: the closed-form test's z-scores are exact whatever n, so a few.
PATHS = 3000
#: Points of the closed-form design.
POINTS = 64


def closed_form_config(folder: Path) -> Path:
    """From the 0.2 baseline (every driver parameter a number): volatilities 0, no rounding,
    no reopening; the agreement ends in 2030, so one negotiation in 2031, status quo or a
    demand of D with a Beta concession."""
    data = tomllib.loads(SCALAR_BASELINE.read_text())
    changes: dict[str, Any] = {
        "run": {"name": "closed", "seed": SEED, "samples": PATHS},
        "inflation": {"kr": {"volatility": 0.0}, "us": {"volatility": 0.0}},
        "defense": {"volatility": 0.0},
        "fx": {"volatility": 0.0},
        "agreement": {"rate_step": 0.0, "amount_step": 0.0, "reopen_probability": 0.0,
                      "last_year": 2030},
        "negotiation": {"outcomes": [
            {"kind": "status_quo", "probability": 0.5, "term": 5},
            {"kind": "demand", "probability": 0.5, "term": 5,
             "demand_usd": {"values": [D], "probabilities": [1.0]},
             "concession": {"a": 2.0, "b": CONCENTRATION - 2.0}},
        ]},
    }
    path = folder / "closed.toml"
    path.write_text(tomli_w.dumps(deep_update(copy.deepcopy(data), changes)))
    return path


def deterministic_parts(config: Path) -> tuple[float, float]:
    """The 2031 USD contribution of the status quo, ``SQ``, and last year's amount at this
    year's rate, ``V = C_2030 / X_2031`` (both the same on every path)."""
    scenario = load_scenario(config, overrides=[f"{DEMAND_P}=0.0",
                                                "negotiation.outcomes[0].probability=1.0"])
    paths = simulate(scenario.with_overrides(samples=100), seed=SEED)
    status_quo = paths["contribution_usd"][:, -1]
    value = paths["contribution_krw"][:, -2] / paths["fx_krw_per_usd"][:, -1]
    assert np.ptp(status_quo) == 0 and np.ptp(value) == 0
    return float(status_quo[0]), float(value[0])


def expected_2031(w: np.ndarray, m: np.ndarray, status_quo: float, value: float) -> np.ndarray:
    """E[contribution_usd 2031] = (1 − w) SQ + w (V + m (D − V)): bilinear in (w, m)."""
    return (1 - w) * status_quo + w * (value + m * (D - value))


def assignments(data: Any, point: int) -> list[str]:
    """The ``--set`` assignments a point's ``assignments`` variable lists."""
    words = shlex.split(str(data["assignments"].values[point]))
    assert words[::2] == ["--set"] * (len(words) // 2)
    return words[1::2]


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("explore")
    config = closed_form_config(folder)
    plan = plan_exploration(config, [f"{DEMAND_P}=0.05:0.95", f"{MEAN_S}=0.1:0.5"],
                            points=POINTS, thresholds=["contribution_usd=2e9"],
                            percentiles=[50, 80])
    output = folder / "closed-explore.h5"
    run_exploration(plan, output)
    return {"config": config, "plan": plan, "file": output, "folder": folder,
            "parts": deterministic_parts(config)}


def test_the_2031_mean_is_bilinear_in_the_judgments(closed: dict[str, Any]) -> None:
    data = read_exploration(closed["file"])
    w = data[f"vary_{DEMAND_P.replace('.', '_').replace('[', '_').replace(']', '')}"].values
    m = data["vary_negotiation_outcomes_1_concession_mean"].values
    mean = data["contribution_usd_mean"].sel(year=2031).values
    se = data["contribution_usd_mean_se"].sel(year=2031).values
    z = (mean - expected_2031(w, m, *closed["parts"])) / se
    assert z.shape == (POINTS,) and np.all(se > 0)
    assert np.all(np.abs(z) < 4)
    # The χ² on 64 degrees of freedom. The points share their paths (common random
    # numbers), so their z-scores are positively correlated: each is N(0, 1), but their sum
    # of squares is more spread than χ²(64) (here about 14); only its upper tail is a test.
    assert stats.chi2.sf(np.sum(z**2), df=POINTS) > 0.01


def test_each_stratum_of_each_judgment_holds_one_point(closed: dict[str, Any]) -> None:
    plan = closed["plan"]
    for k, (low, high) in enumerate(((0.05, 0.95), (0.1, 0.5))):
        strata = np.floor((plan.values[:, k] - low) / (high - low) * POINTS).astype(int)
        assert sorted(strata) == list(range(POINTS))


def test_the_file_describes_the_design(closed: dict[str, Any]) -> None:
    data = read_exploration(closed["file"])
    assert data.sizes["point"] == POINTS and "lever" not in data.dims
    assert data.attrs["design"] == "lhs" and data.attrs["design_seed"] == str(SEED)
    coord = data["vary_negotiation_outcomes_1_concession_mean"]
    assert coord.attrs["distribution"] == "uniform(0.1, 0.5)"
    assert (coord.attrs["lower_bound"], coord.attrs["upper_bound"]) == (0.1, 0.5)
    # The exceedance probability is a proportion of the point's paths with its binomial SE.
    p = data["contribution_usd_exceedance"].sel(year=2031).values[:, 0]
    se = data["contribution_usd_exceedance_se"].sel(year=2031).values[:, 0]
    np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / PATHS))
    np.testing.assert_array_equal(np.round(p * PATHS) / PATHS, p)
    # Each point's assignments rescale the status quo to make up the rest.
    first = dict(a.split("=", 1) for a in assignments(data, 0))
    w = float(first[DEMAND_P])
    assert float(first["negotiation.outcomes[0].probability"]) == pytest.approx(1 - w)
    a, b = float(first["negotiation.outcomes[1].concession.a"]), float(
        first["negotiation.outcomes[1].concession.b"])
    assert a + b == pytest.approx(CONCENTRATION)
    assert a / (a + b) == pytest.approx(closed["plan"].values[0, 1])


def test_a_point_run_alone_reproduces_its_paths(closed: dict[str, Any]) -> None:
    folder = closed["folder"]
    plan = plan_exploration(closed["config"], [f"{DEMAND_P}=0.05:0.95", f"{MEAN_S}=0.1:0.5"],
                            points=4, samples=70_000)
    explored = folder / "stored.h5"
    run_exploration(plan, explored, storage=StorageOptions(store=["contribution_usd"]))
    data = read_exploration(explored)
    point = 2
    # As a user would: the point's stored assignments pasted into smasim run (two blocks).
    single = folder / "alone.h5"
    sets = [word for assignment in assignments(data, point) for word in ("--set", assignment)]
    result = CliRunner().invoke(cli, ["run", str(closed["config"]), "--samples", "70000",
                                      *sets, "-o", str(single)])
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(
        read_samples(explored, "contribution_usd", scenario=int(data["scenario_index"][point])),
        read_samples(single, "contribution_usd"))


def test_a_lever_the_output_does_not_read_changes_nothing(closed: dict[str, Any]) -> None:
    plan = plan_exploration(closed["config"], [f"{DEMAND_P}=0.05:0.95"], points=6,
                            levers=["us_cost.base_usd=3e9,4e9"], samples=2000)
    output = closed["folder"] / "lever.h5"
    run_exploration(plan, output)
    data = read_exploration(output)
    assert data.sizes["lever"] == 2
    for name in ("contribution_usd_mean", "contribution_usd_percentile"):
        values = data[name].transpose("lever", ...).values
        np.testing.assert_array_equal(values[0], values[1])
    assert list(data["lever_us_cost_base_usd"].values) == [3e9, 4e9]


def test_prim_finds_the_analytic_threshold_of_the_demand_probability(
        closed: dict[str, Any]) -> None:
    # Mean concession fixed at 0.2: the 2031 mean crosses T at w* where it is linear in w.
    status_quo, value = closed["parts"]
    m, w_star = 0.2, 0.4
    threshold = float(expected_2031(np.array(w_star), np.array(m), status_quo, value))
    plan = plan_exploration(closed["config"], [f"{DEMAND_P}=0.05:0.95"], points=POINTS)
    output = closed["folder"] / "one-key.h5"
    run_exploration(plan, output)
    found = discover(output, f"contribution_usd[2031].mean > {threshold!r}", resamples=5)
    box = found.box
    assert found.trajectory.restricted[box].tolist() == [True]
    assert found.trajectory.upper[box, 0] == found.trajectory.bounds[1, 0]
    spacing = (0.95 - 0.05) / POINTS
    assert abs(found.trajectory.lower[box, 0] - w_star) <= spacing
    assert found.trajectory.coverage[box] >= 1 - found.near_threshold / found.cases.sum()


def test_points_near_the_threshold_are_counted(closed: dict[str, Any]) -> None:
    # The case "P(2031 > 2e9) >= 0.2" is uncertain for a point whose estimate lies within
    # 2 binomial standard errors of 0.2; the count is shown with the box.
    found = discover(closed["file"], "contribution_usd[2031].exceed(2e9) >= 0.2", resamples=2)
    data = read_exploration(closed["file"])
    p = data["contribution_usd_exceedance"].sel(year=2031).values[:, 0]
    se = data["contribution_usd_exceedance_se"].sel(year=2031).values[:, 0]
    by_hand = int(np.sum(np.abs(p - 0.2) <= 2 * se))
    assert 0 < by_hand < POINTS
    assert found.near_threshold == by_hand
    result = CliRunner().invoke(cli, ["discover", str(closed["file"]), "--where",
                                      "contribution_usd[2031].exceed(2e9) >= 0.2",
                                      "--resamples", "2", "-o", str(closed["folder"] / "n.nc")])
    assert re.search(rf"within 2 SE of 0\.2\s+{by_hand}\b", result.output), result.output


def test_discovery_file_round_trip(closed: dict[str, Any], tmp_path: Path) -> None:
    found = discover(closed["file"], "contribution_usd[2031].exceed(2e9) >= 0.2", resamples=4)
    path = write_discovery(found, tmp_path / "d.nc", command="test")
    again = read_discovery(path)
    assert again.case == found.case and again.box == found.box
    for name in ("lower", "upper", "coverage", "density", "quasi_p", "pareto"):
        np.testing.assert_array_equal(getattr(again.trajectory, name),
                                      getattr(found.trajectory, name))
    np.testing.assert_array_equal(again.cart.lower, found.cart.lower)
    np.testing.assert_array_equal(again.scores.scores, found.scores.scores)
    assert [r.as_record() for r in again.rows()] == [r.as_record() for r in found.rows()]
    assert file_info(path).attrs["smasim_kind"] == "discover"
    assert str(file_info(path).attrs["history"]).endswith(" test")  # origin_attrs: time first
    with pytest.raises(ResultFileError, match="not a smasim discover file; it is a smasim run"):
        read_discovery(closed["file"])


def test_discover_refuses_what_the_exploration_cannot_answer(closed: dict[str, Any]) -> None:
    file = closed["file"]
    for where, message in (
        ("contribution_usd[2031].p90 > 1e9", "90 is not among the stored percentiles"),
        ("contribution_krw[2031].mean > 1", "no per-point statistics of contribution_krw"),
        ("contribution_usd.mean > 1", "is by year"),
        ("contribution_usd[2031].exceed(3e9) > 0.1", "3e+09 is not among the stored"),
        ("contribution_usd[2031].mean > 1e15", "no row of the exploration is a case"),
        ("contribution_usd[2031] > 1", "expected [not] VARIABLE[YEAR].STATISTIC"),
    ):
        with pytest.raises(ParameterError, match=re.escape(message)):
            discover(file, where)


def test_robust_prefers_a_lever_that_dominates_path_by_path(closed: dict[str, Any]) -> None:
    # A lower escalation cap lowers every path's 2031 contribution: its regret is 0 at
    # every point and every rule chooses it.
    plan = plan_exploration(closed["config"], [f"{DEMAND_P}=0.05:0.95"], points=8,
                            levers=["agreement.escalation.cap=0.01,0.05"], samples=2000,
                            percentiles=[50, 80])
    output = closed["folder"] / "caps.h5"
    run_exploration(plan, output)
    result = robust(output, "contribution_usd[2031].p80", criterion="<= 1.5e9")
    assert result.labels == ["cap=0.01", "cap=0.05"]
    assert np.all(result.scores.regret[0] == 0) and np.all(result.scores.regret[1] > 0)
    assert all(chosen == [0] for metric, chosen in result.preferred().items()
               if metric != "satisficing")
    data = read_exploration(output)
    p80 = data["contribution_usd_percentile"].sel(year=2031, percentile=80.0)
    np.testing.assert_array_equal(result.outcomes, p80.transpose("lever", "point").values)
    np.testing.assert_array_equal(result.scores.satisficing,
                                  (result.outcomes <= 1.5e9).mean(axis=1))
    with pytest.raises(ParameterError, match="no levers"):
        robust(closed["file"], "contribution_usd[2031].p80")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vary", f"{DEMAND_P}=0.1"], "expected LOW:HIGH or a law"),
        (["--vary", f"{DEMAND_P}=gamma(1, 2)"], "unknown law 'gamma'"),
        (["--vary", f"{DEMAND_P}=beta(0, 2)"], "beta: needs A > 0"),
        (["--vary", f"{DEMAND_P}=0.1:0.6", "--vary", f"{DEMAND_P}=0.2:0.3"], "given twice"),
        (["--vary", f"{DEMAND_P}=0.1:0.6", "--design", "sobol"],
         "--points: a Sobol' design needs a power of two"),
        (["--vary", f"{DEMAND_P}=0.5:1.5"], "explore point"),
        (["--vary", f"{DEMAND_P}=0.1:0.6", "--threshold", "nothing=1"],
         "--threshold nothing=1: nothing is not a variable"),
    ],
)
def test_explore_errors_are_one_line(closed: dict[str, Any], args: list[str],
                                     message: str) -> None:
    result = CliRunner().invoke(cli, ["explore", str(closed["config"]), "--points", "6",
                                      *args, "-o", str(closed["folder"] / "x.h5")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_commands_end_to_end(closed: dict[str, Any], tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "e.h5"
    result = runner.invoke(cli, ["explore", str(closed["config"]), "--vary",
                                 f"{DEMAND_P}=0.05:0.95", "--lever",
                                 "agreement.escalation.cap=0.01,0.05", "--points", "8",
                                 "--samples", "1000", "--percentiles", "50,80", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 lhs points x 2 lever combinations x 1,000 paths" in result.output
    info = runner.invoke(cli, ["info", str(out)])
    assert f"varies {DEMAND_P}" in info.output and "uniform(0.05, 0.95)" in info.output
    assert "agreement.escalation.cap=0.01,0.05" in info.output
    found = tmp_path / "d.nc"
    result = runner.invoke(cli, ["discover", str(out), "--where",
                                 "contribution_usd[2031].p80 > 1.6e9", "-o", str(found),
                                 "--plot", str(tmp_path / "d.png"), "--resamples", "3"])
    assert result.exit_code == 0, result.output
    assert "Peeling trajectory" in result.output and found.exists()
    described = runner.invoke(cli, ["info", str(found)])
    assert "smasim discover file, not a run" in described.output
    assert re.search(r"complete\s+yes", described.output)
    assert (tmp_path / "d.png").stat().st_size > 0
    result = runner.invoke(cli, ["robust", str(out), "--outcome",
                                 "contribution_usd[2031].p80", "--criterion", "<= 1.6e9",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"label": "cap=0.01"' in result.output
    assert json.loads(result.output)["schema_version"] == 1
    # The formats of every table command: a workbook, the wide CSV.
    workbook = tmp_path / "robust.xlsx"
    result = runner.invoke(cli, ["robust", str(out), "--outcome", "contribution_usd[2031].p80",
                                 "-o", str(workbook)])
    assert result.exit_code == 0 and workbook.stat().st_size > 0, result.output
    result = runner.invoke(cli, ["robust", str(out), "--outcome", "contribution_usd[2031].p80",
                                 "--format", "csv", "--layout", "wide"])
    assert result.exit_code == 0 and result.output.startswith("table,lever,mean [USD bn]")
    robust_plot = tmp_path / "robust.svg"
    result = runner.invoke(cli, ["robust", str(out), "--outcome", "contribution_usd[2031].p80",
                                 "--plot", str(robust_plot)])
    assert result.exit_code == 0, result.output
    assert "Savage's minimax regret" in result.output
    assert 'id="regret 1"' in robust_plot.read_text() or "regret 1" in robust_plot.read_text()
    result = runner.invoke(cli, ["robust", str(out), "--outcome", "contribution_usd.p80"])
    assert result.exit_code == 2 and "is by year" in result.output
    rerun = runner.invoke(cli, ["rerun", str(out), "-o", str(tmp_path / "again.h5")])
    assert rerun.exit_code == 2 and "an exploration; run it again" in rerun.output
    recorded = str(file_info(out).attrs["history"]).partition(" ")[2]
    assert rerun.output.rstrip().endswith(f"the command it records: {recorded}")
    info = runner.invoke(cli, ["info", str(out), "--format", "json"])
    groups = json.loads(info.output)["groups"]
    assert groups["explore"]["attrs"]["design"] == "lhs"
    from simcore.report.html.report import build_report

    with pytest.raises(SmasimInputError, match="an exploration"):
        build_report([out])
    run = tmp_path / "run.h5"
    run_scenarios([load_scenario(closed["config"]).with_overrides(samples=500)], run)
    page = build_report([run], discovery=found)
    assert 'id="discovery"' in page and "Under which judgments" in page
    assert "Box " in page and "Peeling trajectory" in page


def test_the_documented_example_runs_as_written(tmp_path: Path) -> None:
    """The how-to's worked example (docs/howto/explore.md), at 16 points of 500 paths: the
    same options parse and run, and discover answers its question."""
    text = (BASELINE.parents[1] / "docs" / "howto" / "explore.md").read_text()
    block = text[text.index("**Under which judgments does Korea's 2031 payment"):]
    block = block[: block.index("256 points of a Latin hypercube")]
    vary = re.findall(r"--vary '([^']+)'", block)
    where = re.search(r"--where '([^']+)'", block)
    assert len(vary) == 4 and where is not None
    runner = CliRunner()
    out = tmp_path / "judgment.h5"
    # "baseline": the shipped scenario configs/baseline.toml, found by name as run finds it.
    result = runner.invoke(cli, ["explore", "baseline", "--points", "16", "--samples", "500",
                                 *[arg for v in vary for arg in ("--vary", v)], "--threshold",
                                 "contribution_usd=2e9", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["discover", str(out), "--where", where[1], "--resamples", "2",
                                 "-o", str(tmp_path / "d.nc")])
    assert result.exit_code == 0, result.output
    assert "Box " in result.output


def test_an_explorations_summary_is_a_workbook_of_its_points(tmp_path: Path) -> None:
    # An exploration summarizes only its chosen variables: summary's headline and workbook
    # show those (the headline's other quantities are absent), each point a row.
    runner = CliRunner()
    out = tmp_path / "e.h5"
    result = runner.invoke(cli, ["explore", str(SCALAR_BASELINE), "--vary",
                                 f"{DEMAND_P}=0.05:0.95", "--points", "4", "--samples", "500",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    headline = runner.invoke(cli, ["summary", str(out)])
    assert headline.exit_code == 0, headline.output
    assert "contribution_usd [USD bn]" in headline.output
    book = tmp_path / "e.xlsx"
    written = runner.invoke(cli, ["summary", str(out), "-o", str(book)])
    assert written.exit_code == 0, written.output
    records = json.loads(runner.invoke(cli, ["summary", str(out), "--var", "contribution_usd",
                                             "--format", "json"]).output)["records"]
    workbook = openpyxl.load_workbook(book)
    assert workbook.sheetnames[0] == "headline contribution_usd"
    assert "about" in workbook.sheetnames
    sheet = list(workbook["headline contribution_usd"].iter_rows(values_only=True))
    header = sheet[1]
    assert header[:3] == ("scenario", "point of the exploration's design", DEMAND_P)
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in sheet[2:]
            if str(row[0]).startswith("baseline_p")}
    assert len(rows) == 4
    for record in records:
        row = rows[record["scenario"]]
        assert row["point of the exploration's design"] == record[
            "point of the exploration's design"]
        assert row[DEMAND_P] == pytest.approx(record[DEMAND_P], rel=1e-15)
        for level, label in ((5, "P5"), (50, "median"), (95, "P95")):
            # The sheet's unit is USD bn, the JSON's USD.
            assert row[f"{record['year']} {label} [USD bn]"] == pytest.approx(
                record[f"p{level}"] / 1e9, rel=1e-12)

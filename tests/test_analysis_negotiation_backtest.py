"""The negotiation backtest: hand-computed scores, no look-ahead, the CLI, file and report."""

from __future__ import annotations

import csv
import json
import math
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy import special, stats
from simcore.cli.main import cli

from simcore.analysis.backtest import read_negotiation_backtest
from simcore.analysis.negotiation_backtest import (
    MIN_EARLIER,
    NegotiationBacktest,
    backtest_negotiations,
    negotiation_forecasts,
)
from simcore.config.load import load_scenario
from simcore.evidence.history import load_history, negotiation_records
from tests.conftest import BASELINE, ROOT
from tests.test_evidence_history import copy_data
from tests.test_stats_scores import normal_crps

CONFIGS = sorted((ROOT / "configs").glob("*.toml"))
#: first_year_change_pct of the scored agreements (5th … 12th) and their status quo.
CHANGES = [6.8, -8.9, 6.6, 2.5, 5.8, 8.2, 13.9, 8.3]
STATUS_QUO = [12.8, 11.7, 0.0, 2.5, 2.2, 1.9, 0.0, 3.1]


@pytest.fixture(scope="module")
def result() -> NegotiationBacktest:
    return backtest_negotiations(load_history(), [load_scenario(p) for p in CONFIGS])


def test_eight_events_from_the_fifth_agreement(result: NegotiationBacktest) -> None:
    assert [e.agreement for e in result.events] == [
        "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th"]
    assert [round(100 * e.change, 1) for e in result.events] == CHANGES
    assert [round(100 * e.status_quo, 1) for e in result.events] == STATUS_QUO
    assert [e.origin for e in result.events][:2] == [2001, 2004]


def test_the_status_quo_scores_its_distance(result: NegotiationBacktest) -> None:
    (model,) = [m for m in result.models if m.name == "status_quo"]
    for score, y, q in zip(model.scores, CHANGES, STATUS_QUO, strict=True):
        assert score.crps == pytest.approx(abs(y - q) / 100, abs=1e-15)
        assert score.pit == (0.5 if y == q else 1.0 if q < y else 0.0)
    # (6.0 + 20.6 + 6.6 + 0 + 3.6 + 6.3 + 13.9 + 5.2) / 8 = 7.775 points
    assert model.totals()["mean_crps"] == pytest.approx(0.07775, abs=1e-15)


def test_the_history_model_of_the_fifth_is_the_normal_of_the_three_before(
    result: NegotiationBacktest,
) -> None:
    earlier = [0.182, 0.100, -0.154]  # the 2nd, 3rd and 4th agreements
    mean = float(f"{statistics.fmean(earlier):.4g}")  # rounded as calibrate rounds it
    sd = float(f"{statistics.stdev(earlier):.4g}")
    (model,) = [m for m in result.models if m.name == "history_model"]
    first = model.scores[0]
    assert first.crps == pytest.approx(normal_crps(mean, sd, 0.068), rel=1e-10)
    expected_pit = (stats.norm.cdf(0.0675, mean, sd) + stats.norm.cdf(0.0685, mean, sd)) / 2
    assert first.pit == pytest.approx(expected_pit, rel=1e-12)
    assert first.bin_probability == pytest.approx(
        stats.norm.cdf(0.073, mean, sd) - stats.norm.cdf(0.063, mean, sd), rel=1e-12)
    assert first.lapse_probability == 0.5 / 4  # Jeffreys: no lapse in 3
    assert first.brier == 0.125**2
    totals = model.totals()
    # The per-event PITs of a review of the record, and its mean CRPS of 4.3 points.
    assert [round(s.pit, 2) for s in model.scores] == [
        0.56, 0.17, 0.63, 0.49, 0.60, 0.68, 0.84, 0.64]
    assert round(100 * totals["mean_crps"], 1) == 4.3
    assert totals["pits_in_80"] == 8 and totals["zero_probability_events"] == 0


def test_the_baseline_gives_no_mass_to_a_cut(result: NegotiationBacktest) -> None:
    (model,) = [m for m in result.models if m.name == "baseline"]
    assert set(model.same_as) == {"calibrated", "drawdown"}
    assert model.kind == "judgment"
    value = 1.4028e12 / 1421.4  # its base-year amount, USD
    # 2002, +6.8%: the status quo atom (+12.8%) lies above; only the demands' Betas reach.
    w_sq, w_demand = 0.55 / 0.9, 0.35 / 0.9

    def cdf(x: float) -> float:
        return w_demand * (0.6 * special.betainc(2, 8, x / (5e9 / value - 1))
                           + 0.4 * special.betainc(2, 8, x / (10e9 / value - 1)))

    first = model.scores[0]
    assert first.pit == pytest.approx((cdf(0.0675) + cdf(0.0685)) / 2, rel=1e-12)
    assert w_sq + w_demand == pytest.approx(1.0)
    # 2005, −8.9%: nothing below 0, so the bin has no mass and the log score is −∞.
    cut = model.scores[1]
    assert cut.bin_probability == 0.0 and cut.log_score == -math.inf and cut.pit == 0.0
    assert cut.lapse_probability == 0.10
    totals = model.totals()
    assert totals["zero_probability_events"] == 1 and totals["pits_in_80"] == 6
    assert round(100 * totals["mean_crps"], 1) == 14.7


def test_a_scenario_fitted_to_every_agreement_is_marked_in_sample_and_lapse_only_unscored(
    result: NegotiationBacktest,
) -> None:
    kinds = {m.name: m.kind for m in result.models}
    assert kinds == {"history_model": "history", "status_quo": "status_quo",
                     "baseline": "judgment", "history": "in_sample", "lapse": "judgment",
                     "us-demand-2027": "judgment"}
    (lapse,) = [m for m in result.models if m.name == "lapse"]
    assert lapse.scored == [] and lapse.totals()["events"] == 0
    # It always lapses: Brier 1 for the seven concluded, 0 for the 11th.
    assert lapse.totals()["mean_brier"] == pytest.approx(7 / 8)


def _mutated(folder: Path, first_row: int) -> Path:
    """The shipped data with every outcome from data row ``first_row`` on changed: the
    first-year change (+40 points, or −40 for a rise), the lapse flag, the US ask."""
    path = folder / "negotiations.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows[first_row:]:
        change = float(row["first_year_change_pct"])
        row["first_year_change_pct"] = f"{change - 40 if change > 0 else change + 40:.1f}"
        row["lapse"] = "0" if row["lapse"] == "1" else "1"
        row["us_ask_usd_m"] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


@pytest.mark.parametrize("first_row", [MIN_EARLIER, 6, 10])
def test_no_forecast_uses_its_own_or_a_later_agreement(tmp_path: Path, first_row: int) -> None:
    """Changing what happened in agreement k and after leaves every forecast up to k alone
    (its status quo, the expiring rule, is known before and kept)."""
    judgments = [load_scenario(p) for p in CONFIGS]
    shipped = negotiation_forecasts(negotiation_records(load_history()), judgments)
    folder = _mutated(copy_data(tmp_path / "data"), first_row)
    records = negotiation_records(load_history(folder))
    assert records[first_row].first_year_change != negotiation_records(
        load_history())[first_row].first_year_change
    changed = negotiation_forecasts(records, judgments)
    last = first_row - MIN_EARLIER  # the event of the first changed agreement
    for before, after in zip(shipped, changed, strict=True):
        if before.kind == "in_sample":
            continue  # fitted to every row by construction: what "in-sample" says
        assert before.forecasts[: last + 1] == after.forecasts[: last + 1], before.name
    # The history model does learn from the changed rows for the events after them.
    if first_row < len(records) - 1:
        assert shipped[0].forecasts[last + 1] != changed[0].forecasts[last + 1]


def test_cli_json_table_file_and_report(tmp_path: Path) -> None:
    out = tmp_path / "bt.nc"
    args = ["backtest", "--from", "2024", "--horizon", "1", "--samples", "200", "-o", str(out),
            "--judgment", str(BASELINE), "--judgment", str(ROOT / "configs" / "lapse.toml")]
    runner = CliRunner()
    result = runner.invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [m["model"] for m in data["negotiation_models"]] == [
        "history_model", "status_quo", "baseline", "lapse"]
    records = data["negotiations"]
    assert len(records) == 4 * 8
    cut = next(r for r in records if r["model"] == "baseline" and r["agreement"] == "6th")
    assert cut["bin_probability"] == 0.0 and cut["log_score"] is None  # −∞ is not JSON
    stored = read_negotiation_backtest(out)
    assert stored is not None and stored.totals() == data["negotiation_models"]
    table = runner.invoke(cli, [*args, "--overwrite"])
    assert table.exit_code == 0, table.output
    assert "8 events: illustrative" in table.output
    assert "history model" in table.output and "4.33" in table.output
    assert "14.75" in table.output  # the baseline's mean CRPS in points


def test_a_judgment_file_that_cannot_be_read_stops_before_any_simulation(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["backtest", "--judgment", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path / 'none.toml'}: no such file, nor a "
                                    "shipped scenario (shipped scenarios: baseline, ")
    assert result.output.count("\n") == 1


def test_a_pooled_judgment_is_forecast_by_its_betas_and_its_demands_quantiles() -> None:
    """configs/variants/pooled.toml (smasim elicit): each of the concession's three Betas with
    its weight, the demand as 64 equally likely quantiles; the demand part's mean is E[s] ·
    (E[D]/V − 1) (s and D independent) up to the 64 points' discretization."""
    from simcore.analysis.negotiation_backtest import DEMAND_POINTS, judgment_forecast
    from simcore.config.schema import DemandOutcome
    from simcore.stats.scores import ScaledBeta

    pooled = load_scenario(ROOT / "configs" / "variants" / "pooled.toml")
    forecast = judgment_forecast(pooled, 0.02)
    assert forecast.law is not None
    demand = pooled.negotiation.outcomes[1]
    assert isinstance(demand, DemandOutcome)
    scaled = [(w, c) for w, c in zip(forecast.law.weights, forecast.law.components, strict=True)
              if isinstance(c, ScaledBeta)]
    assert len(scaled) == 3 * DEMAND_POINTS
    share = demand.probability / (1 - 0.1)  # lapse is not a concluded agreement
    assert math.fsum(w for w, _ in scaled) == pytest.approx(share, rel=1e-12)
    mean = math.fsum(w * c.scale * c.a / (c.a + c.b) for w, c in scaled) / share
    value = pooled.agreement.base_year_amount_krw / pooled.fx.initial
    expected = demand.concession.law().mean * (demand.demand_usd.law().mean / value - 1)
    assert mean == pytest.approx(expected, rel=2e-3)

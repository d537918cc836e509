"""The negotiation backtest laid out (report.backtest) and in the report's
backtest section, from the scores a backtest file stores."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simcore.analysis.backtest import DriverBacktest, read_negotiation_backtest, write_backtest
from simcore.analysis.negotiation_backtest import backtest_negotiations
from simcore.config.load import load_scenario
from simcore.evidence.history import load_history
from simcore.report.backtest import negotiation_tables
from simcore.report.html.report import build_report
from tests.conftest import BASELINE, ROOT, result_file
from tests.test_report_html import cells, section


def _tables_of_the_shipped_judgments() -> list[list[list[str]]]:
    result = backtest_negotiations(load_history(), [
        load_scenario(BASELINE), load_scenario(ROOT / "configs" / "drawdown.toml"),
        load_scenario(ROOT / "configs" / "lapse.toml")])
    return [table.rows for table in negotiation_tables(result)]


def test_totals_and_events_in_points() -> None:
    totals, events = _tables_of_the_shipped_judgments()
    assert [row[0] for row in totals] == ["history model", "status quo",
                                          "baseline (= drawdown)", "lapse"]
    assert totals[0][1:4] == ["8", "4.33", "-28.7"]
    assert totals[2][2] == "14.75" and totals[2][4] == "1"  # the 2005 cut: no mass
    assert totals[3] == ["lapse", "—", "—", "—", "—", "—", "—", "0.875"]
    assert events[1][:5] == ["6th", "2005", "-8.9", "+11.7", ""]
    assert events[1][5] == "8.3 (0.17)"  # the history model's CRPS in points (PIT)
    assert len(events[0]) == 5 + 3  # the lapse scenario has no change to score


def test_the_report_shows_the_stored_scores(tmp_path: Path) -> None:
    result = backtest_negotiations(load_history(), [load_scenario(BASELINE)])
    drivers = DriverBacktest(
        origins=np.arange(2010, 2012), leads=np.array([1]),
        forecast=np.zeros((4, 2, 1, 7)), realized=np.zeros((4, 2, 1)),
        pit=np.full((4, 2, 1), 0.5), crps=np.zeros((4, 2, 1)),
        crps_no_change=np.zeros((4, 2, 1)), window_start=2000, samples=10, source="test")
    path = tmp_path / "b.nc"
    write_backtest(drivers, path, negotiations=result)
    stored = read_negotiation_backtest(path)
    assert stored is not None and stored.totals() == result.totals()
    batch = result_file(tmp_path, ["baseline"], samples=500, seed=3)
    page = build_report([batch], backtest=path)
    text = section(page, "backtest")
    assert "Negotiation backtest: the agreements from the 5th" in text
    assert "8 events: illustrative" in text
    totals = cells(text, 1)
    assert [c[0] for c in totals[2][:3]] == ["baseline", "8", "14.75"]

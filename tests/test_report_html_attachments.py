"""Sensitivity and backtest files attached to a report (simcore.report.attachments).

The sensitivity file is a small real one (`smasim sensitivity -o`'s writer, a cheap
analysis of the baseline); the backtest file is written by the backtest's own writer, from
small synthetic forecasts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simcore.analysis.backtest import (
    LEVELS,
    DriverBacktest,
    driver_records,
    read_backtest,
    write_backtest,
)
from simcore.analysis.sensitivity import SensitivityResult
from simcore.core.errors import ResultFileError, SmasimInputError
from simcore.core.types import DRIVERS
from simcore.report.attachments import read_coverage, read_sensitivity
from simcore.report.backtest import coverage_tables
from simcore.report.render import format_with_error
from simcore.report.sensitivity import variance_share_tables
from simcore.stats.shapley import NO_VARIANCE


def backtest_file(path: Path) -> Path:
    """Four drivers, 10 origins, leads 1-2; forecasts are the quantiles of N(0, 1)."""
    shape = (len(DRIVERS), 10, 2)
    forecast = np.broadcast_to(stats.norm.ppf(LEVELS), (*shape, len(LEVELS))).copy()
    # Realized z-values whose position against the central intervals is known by hand.
    realized = np.broadcast_to(
        np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, 0.1, -0.1])[:, None], shape
    ).copy()
    realized[1, 7:, 1] = np.nan  # not yet observed
    pit = stats.norm.cdf(realized)
    result = DriverBacktest(
        origins=np.arange(2010, 2020), leads=np.array([1, 2]), forecast=forecast,
        realized=realized, pit=pit, crps=np.abs(realized), crps_no_change=np.abs(realized),
        window_start=2000, samples=1000, source="synthetic",
    )
    write_backtest(result, path)
    return path


def test_sensitivity_rows_and_table(analysis: tuple[SensitivityResult, Path]) -> None:
    result, path = analysis
    rows = read_sensitivity(path)
    assert [r.as_record() for r in rows] == [r.as_record() for r in result.rows()]
    assert len(rows) == len(result.years) * len(result.groups)
    first = rows[0]
    assert (first.variable, first.year) == ("contribution_krw", 2026)
    assert first.as_record()["shapley"] is None  # the known 2026 amount has no variance
    (table,) = variance_share_tables(rows)
    assert table.header == ["year", "Korean inflation", "US inflation", "the exchange rate",
                            "the ROK defense budget", "heavy tails of the shocks", "troop cuts",
                            "the negotiations", "the inflation trends",
                            "the drivers' uncertain parameters"]
    assert table.title == ("ROK SMA contribution, nominal [KRW tn]: share of each year's "
                           "variance by group of inputs [%]")
    assert table.rows[0] == ["2026", *[NO_VARIANCE] * len(result.groups)]
    fx = result.groups.index("fx")
    share, error = result.shapley[0, 1, fx], result.shapley_se[0, 1, fx]
    assert table.rows[1][0] == "2027"
    assert table.rows[1][1 + fx] == format_with_error(share, error, 0.01)


def test_backtest_coverage_by_hand(tmp_path: Path) -> None:
    rows = read_coverage(backtest_file(tmp_path / "b.nc"))
    by_key = {(r.driver, r.lead, r.level): r for r in rows}
    # |z| <= 0.674 (50 %): 0, ±0.5, ±0.1 → 5 of 10; <= 1.2816 (80 %): also ±1 → 7;
    # <= 1.645 (90 %): also ±1.5 → 9.
    for level, hits in [(0.5, 5), (0.8, 7), (0.9, 9)]:
        row = by_key["fx", 1, level]
        assert (row.hits, row.n, row.n_eff, row.rate) == (hits, 10, 10, hits / 10)
        expected = stats.binomtest(hits, 10).proportion_ci(0.95, method="wilson")
        assert row.rate_lower == pytest.approx(expected.low, rel=1e-9)
        assert row.rate_upper == pytest.approx(expected.high, rel=1e-9)
        assert by_key["fx", 2, level].n_eff == 5
    # Origins without a realized value are not scored: 7 left, of which 0, ±0.5, ±1, ±1.5.
    second = DRIVERS[1]
    assert (by_key[second, 2, 0.9].hits, by_key[second, 2, 0.9].n) == (7, 7)
    (table,) = coverage_tables(rows)
    assert table.header == ["driver", "lead [years]", "50% interval", "80% interval",
                            "90% interval", "origins (effective)"]
    first = next(r for r in table.rows if r[0] == "fx" and r[1] == "1")
    assert first[2] == "50 (24–76)"
    assert first[-1] == "10 (10)"


def test_backtest_coverage_equals_the_backtest_json(tmp_path: Path) -> None:
    path = backtest_file(tmp_path / "b.nc")
    forecast, realized, pit, leads = read_backtest(path)
    result = DriverBacktest(origins=np.arange(10), leads=leads, forecast=forecast,
                            realized=realized, pit=pit, crps=pit, crps_no_change=pit,
                            window_start=2000, samples=1000, source="synthetic")
    keys = ["driver", "lead", "level", "hits", "n", "n_eff", "rate", "rate_lower",
            "rate_upper"]
    expected = [{k: r[k] for k in keys} for r in driver_records(result)]
    assert [{k: r.as_record()[k] for k in keys} for r in read_coverage(path)] == expected


def test_unreadable_or_foreign_files(tmp_path: Path,
                                     analysis: tuple[SensitivityResult, Path]) -> None:
    with pytest.raises(ResultFileError, match="no such file"):
        read_sensitivity(tmp_path / "missing.nc")
    text = tmp_path / "text.nc"
    text.write_text("not netcdf")
    with pytest.raises(SmasimInputError, match=r"backtest file: .*text\.nc"):
        read_coverage(text)
    with pytest.raises(ResultFileError, match=r"not a smasim sensitivity file"):
        read_sensitivity(backtest_file(tmp_path / "b.nc"))
    with pytest.raises(SmasimInputError, match=r"backtest file: .*not a smasim backtest"):
        read_coverage(analysis[1])

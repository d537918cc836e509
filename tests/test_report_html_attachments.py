"""Sensitivity and backtest files attached to a report (simcore.report_attachments).

The commands that write these files are built elsewhere; these tests write small synthetic
files of the documented layout (METHODS §S and §C) and check what the report reads back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from simcore.errors import SmasimInputError
from simcore.report_attachments import (
    NO_VARIANCE,
    coverage_tables,
    read_backtest,
    read_sensitivity,
    sensitivity_tables,
    wilson_interval,
)

GROUPS = ["kr_inflation", "fx", "negotiation"]


def sensitivity_file(path: Path) -> Path:
    shapley = np.array([[[np.nan] * 3, [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]]])
    data = xr.Dataset(
        {
            "shapley": (("variable", "year", "group"), shapley),
            "shapley_se": (("variable", "year", "group"), np.full((1, 3, 3), 0.004)),
            "closed": (("variable", "year", "group"), shapley * 0.9),
            "total": (("variable", "year", "group"), shapley * 1.1),
        },
        coords={"variable": ["contribution_usd"], "year": [2026, 2027, 2028], "group": GROUPS},
    )
    data.to_netcdf(path, engine="h5netcdf")
    return path


def backtest_file(path: Path, levels: list[float], scale: float = 1.0) -> Path:
    """Two drivers, 10 origins, leads 1-2; forecast quantiles of N(0, 1) at ``levels`` (in
    percent), stored as ``levels * scale``."""
    quantiles = stats.norm.ppf(np.array(levels) / 100)
    forecast = np.broadcast_to(quantiles, (2, 10, 2, len(levels))).copy()
    # Realized: z-values whose position against the central intervals is known by hand.
    realized = np.tile(np.array([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, 0.1, -0.1]),
                       (2, 2, 1)).transpose(0, 2, 1).copy()
    realized[1, 7:, 1] = np.nan  # not yet observed
    data = xr.Dataset(
        {
            "forecast": (("driver", "origin", "lead", "level"), forecast),
            "realized": (("driver", "origin", "lead"), realized),
        },
        coords={"driver": ["fx", "kr_inflation"], "origin": np.arange(2010, 2020),
                "lead": [1, 2], "level": [x * scale for x in levels]},
    )
    data.to_netcdf(path, engine="h5netcdf")
    return path


def test_sensitivity_rows_and_table(tmp_path: Path) -> None:
    rows = read_sensitivity(sensitivity_file(tmp_path / "s.nc"))
    assert len(rows) == 9
    row = rows[4]
    assert (row.variable, row.year, row.group) == ("contribution_usd", 2027, "fx")
    assert row.as_record() == {"variable": "contribution_usd", "year": 2027, "group": "fx",
                               "shapley": 0.5, "shapley_se": 0.004, "closed": 0.45,
                               "total": pytest.approx(0.55)}
    assert rows[0].as_record()["shapley"] is None
    (table,) = sensitivity_tables(rows)
    assert table.header == ["year", *GROUPS]
    assert table.rows[0] == ["2026", NO_VARIANCE, NO_VARIANCE, NO_VARIANCE]
    assert table.rows[1] == ["2027", "20.0 ±0.4", "50.0 ±0.4", "30.0 ±0.4"]


def test_wilson_interval_matches_scipy() -> None:
    expected = stats.binomtest(8, 10).proportion_ci(0.95, method="wilson")
    lower, upper = wilson_interval(0.8, 10)
    assert lower == pytest.approx(expected.low, rel=1e-9)
    assert upper == pytest.approx(expected.high, rel=1e-9)
    assert all(np.isnan(wilson_interval(0.5, 0)))


@pytest.mark.parametrize("scale", [1.0, 0.01], ids=["percent", "fractions"])
def test_backtest_coverage_by_hand(tmp_path: Path, scale: float) -> None:
    levels = [5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0]
    rows = read_backtest(backtest_file(tmp_path / "b.nc", levels, scale))
    by_key = {(r.driver, r.lead, r.level): r for r in rows}
    # |z| <= 0.674 (50 %): 0, ±0.5, ±0.1 → 5 of 10; <= 1.2816 (80 %): also ±1 → 7;
    # <= 1.645 (90 %): also ±1.5 → 9.
    for level, hits in [(0.5, 5), (0.8, 7), (0.9, 9)]:
        row = by_key["fx", 1, level]
        assert (row.hits, row.n, row.n_eff, row.rate) == (hits, 10, 10, hits / 10)
        assert (row.rate_lower, row.rate_upper) == wilson_interval(hits / 10, 10)
        lead_two = by_key["fx", 2, level]
        assert lead_two.n_eff == 5
        assert (lead_two.rate_lower, lead_two.rate_upper) == wilson_interval(hits / 10, 5)
    # Origins without a realized value are not scored: 7 left, of which 0, ±0.5, ±1, ±1.5.
    assert (by_key["kr_inflation", 2, 0.9].hits, by_key["kr_inflation", 2, 0.9].n) == (7, 7)
    (table,) = coverage_tables(rows)
    assert table.header == ["driver", "lead [years]", "50% interval", "80% interval",
                            "90% interval", "origins (effective)"]
    assert table.rows[0][:3] == ["fx", "1", "50 (24–76)"]
    assert table.rows[0][-1] == "10 (10)"


def test_backtest_without_central_intervals(tmp_path: Path) -> None:
    path = backtest_file(tmp_path / "b.nc", [50.0, 60.0])
    with pytest.raises(SmasimInputError, match=r"--backtest: .* no central interval"):
        read_backtest(path)


def test_unreadable_or_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(SmasimInputError, match="--sensitivity: cannot read"):
        read_sensitivity(tmp_path / "missing.nc")
    text = tmp_path / "text.nc"
    text.write_text("not netcdf")
    with pytest.raises(SmasimInputError, match="--backtest: cannot read"):
        read_backtest(text)
    with pytest.raises(SmasimInputError, match=r"--sensitivity: .* lacks variable, year"):
        read_sensitivity(backtest_file(tmp_path / "b.nc", [25.0, 75.0]))

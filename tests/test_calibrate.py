"""smasim calibrate: estimates against independent computations and synthetic truths."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from cli.main import cli
from simcore.config.schema import load_scenario
from simcore.evidence.calibrate import calibrate, dickey_fuller_critical, fit_fx, fit_inflation
from simcore.evidence.history import DriverHistory, load_history
from simcore.model.engine import simulate
from tests.conftest import BASELINE, ROOT
from tests.evidence_data import TRUE, TRUE_R, simulate_series, write_synthetic
from tests.test_history import SHIPPED

CALIBRATED = ROOT / "configs" / "calibrated.toml"


def _column(name: str, column: str) -> dict[int, float]:
    with (SHIPPED / name).open(encoding="utf-8") as handle:
        return {int(r["year"]): float(r[column]) for r in csv.DictReader(handle)}


def _lstsq(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    design = np.column_stack([np.ones_like(x), x])
    coef, rss, *_ = np.linalg.lstsq(design, y, rcond=None)
    s2 = rss[0] / (y.size - 2)
    return coef, s2 * np.linalg.inv(design.T @ design), y - design @ coef


def test_shipped_estimates_equal_an_independent_lstsq() -> None:
    fit = calibrate(load_history())
    assert (fit.start, fit.end) == (2000, 2025)
    kr = {y: v / 100 for y, v in _column("macro.csv", "kr_cpi_inflation_pct").items()}
    us = {y: v / 100 for y, v in _column("macro.csv", "us_cpi_inflation_pct").items()}
    fx = _column("macro.csv", "krw_per_usd")
    d = {y: v / 100 for y, v in _column("defense_budget.csv", "growth_pct").items()}
    years = np.arange(2001, 2026)
    residuals = {}
    for name, series, mine in (("kr", kr, fit.kr), ("us", us, fit.us)):
        now = np.array([series[y] for y in years])
        before = np.array([series[y - 1] for y in years])
        (c, phi), cov, res = _lstsq(before, now)
        g = np.array([1 / (1 - phi), c / (1 - phi) ** 2])
        assert mine.persistence == pytest.approx(phi, abs=1e-12)
        assert mine.persistence_se == pytest.approx(math.sqrt(cov[1, 1]), abs=1e-12)
        assert mine.mean == pytest.approx(c / (1 - phi), abs=1e-12)
        assert mine.mean_se == pytest.approx(math.sqrt(g @ cov @ g), abs=1e-12)
        assert mine.volatility == pytest.approx(math.sqrt(res @ res / (years.size - 2)),
                                                abs=1e-12)
        assert (mine.initial, mine.previous) == pytest.approx((series[2025], series[2024]),
                                                              abs=1e-15)
        residuals[name] = dict(zip(years.tolist(), res, strict=True))
    # FX: Dickey–Fuller regression of the PPP-adjusted log change on the lagged log level.
    y = np.array([math.log(fx[t] / fx[t - 1]) - (kr[t] - us[t]) for t in years])
    lagged = np.log([fx[t - 1] for t in years])
    (_, slope), cov, _ = _lstsq(lagged, y)
    t_ratio = -slope / math.sqrt(cov[1, 1])
    assert fit.fx.t_ratio == pytest.approx(t_ratio, abs=1e-12)
    assert t_ratio < 2.99 and not fit.fx.identified  # a random walk in the shipped data
    assert fit.fx.reversion == 0.0 and fit.fx.anchor == fx[2025]
    assert fit.fx.volatility == pytest.approx(y.std(ddof=1), abs=1e-12)
    residuals["fx"] = dict(zip(years.tolist(), y - y.mean(), strict=True))
    # Defense: real growth over the years with both (2014–2025).
    dyears = np.arange(2014, 2026)
    real = np.array([d[t] - kr[t] for t in dyears])
    assert fit.defense is not None
    assert fit.defense.real_growth == pytest.approx(real.mean(), abs=1e-12)
    assert fit.defense.volatility == pytest.approx(real.std(ddof=1), abs=1e-12)
    residuals["defense"] = dict(zip(dyears.tolist(), real - real.mean(), strict=True))
    names = ["kr", "us", "fx", "defense"]
    for i, a in enumerate(names):
        for j, b in enumerate(names[:i]):
            common = sorted(set(residuals[a]) & set(residuals[b]))
            expected = np.corrcoef([residuals[a][t] for t in common],
                                   [residuals[b][t] for t in common])[0, 1]
            assert fit.correlation.matrix[i, j] == pytest.approx(expected, abs=1e-12)
    assert not fit.correlation.repaired


def test_dickey_fuller_critical_value_is_mackinnons() -> None:
    assert dickey_fuller_critical(25) == pytest.approx(-2.9865, abs=1e-4)
    assert dickey_fuller_critical(10_000_000) == pytest.approx(-2.86154, abs=1e-5)


def test_a_long_synthetic_history_is_recovered_within_three_standard_errors(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(20261201)
    series = simulate_series(rng, 400, reversion=TRUE["fx"]["reversion"])
    folder = write_synthetic(tmp_path / "data", 1700, series)
    fit = calibrate(load_history(folder), start=1701, end=2099)
    for mine, true in ((fit.kr, TRUE["kr"]), (fit.us, TRUE["us"])):
        assert abs(mine.mean - true["mean"]) < 3 * mine.mean_se
        assert abs(mine.persistence - true["persistence"]) < 3 * mine.persistence_se
        assert abs(mine.volatility - true["volatility"]) < 3 * mine.volatility_se
    assert fit.fx.identified
    assert abs(fit.fx.reversion - TRUE["fx"]["reversion"]) < 3 * fit.fx.reversion_se
    assert abs(fit.fx.anchor - TRUE["fx"]["anchor"]) < 3 * fit.fx.anchor_se
    assert abs(fit.fx.volatility - TRUE["fx"]["volatility"]) < 3 * fit.fx.volatility_se
    assert fit.defense is not None
    assert abs(fit.defense.real_growth - TRUE["defense"]["real_growth"]) < (
        3 * fit.defense.real_growth_se)
    assert abs(fit.defense.volatility - TRUE["defense"]["volatility"]) < (
        3 * fit.defense.volatility_se)
    # The residuals' correlation estimates R (not exactly: the defense residual is
    # d − π, which carries the kr shock; compare the inflation pair and kr–fx only).
    se_r = (1 - TRUE_R**2) / math.sqrt(398)
    for i, j in ((0, 1), (0, 2)):
        assert abs(fit.correlation.matrix[i, j] - TRUE_R[i, j]) < 3 * se_r[i, j]


def _history(years: np.ndarray, **values: np.ndarray) -> DriverHistory:
    return DriverHistory(years=years, values=values)


def test_reported_standard_errors_match_the_spread_over_many_series() -> None:
    rng = np.random.default_rng(11)
    count, n = 2000, 101
    series = simulate_series(rng, n, reversion=TRUE["fx"]["reversion"], count=count)
    years = np.arange(1900, 1900 + n)
    fits = [fit_inflation(_history(years, kr_inflation=series["kr"][k]), "kr_inflation",
                          1900, 2000) for k in range(count)]
    for name in ("mean", "persistence", "volatility"):
        spread = np.std([getattr(f, name) for f in fits], ddof=1)
        reported = np.mean([getattr(f, f"{name}_se") for f in fits])
        assert reported == pytest.approx(spread, rel=0.2), name


def test_a_random_walk_is_identified_about_five_percent_of_the_time() -> None:
    # The Dickey–Fuller rule's size: with the critical value right, 5% of random walks
    # reject the unit root (binomial: 3 SE = 1.5 points at 2000 walks).
    rng = np.random.default_rng(5)
    count, n = 2000, 26
    series = simulate_series(rng, n, reversion=0.0, count=count)
    years = np.arange(2000, 2000 + n)
    identified = np.mean([
        fit_fx(_history(years, fx=series["fx"][k], kr_inflation=series["kr"][k],
                        us_inflation=series["us"][k]), 2000, 2025, ppp=1.0).identified
        for k in range(count)])
    assert abs(identified - 0.05) < 3 * math.sqrt(0.05 * 0.95 / count)


def test_negotiations_equal_an_independent_computation() -> None:
    fit = calibrate(load_history(), negotiations=True).negotiations
    assert fit is not None
    pct = [18.2, 10.0, -15.4, 6.8, -8.9, 6.6, 2.5, 5.8, 8.2, 13.9, 8.3]
    changes = np.array(pct) / 100
    assert fit.n == 11 and fit.lapses == 1
    assert fit.increase_mean == pytest.approx(changes.mean(), abs=1e-12)
    assert fit.increase_sd == pytest.approx(changes.std(ddof=1), abs=1e-12)
    assert fit.lapse_probability == 1.5 / 12 and fit.increase_probability == 10.5 / 12
    assert fit.lapse_interval == pytest.approx(stats.beta.ppf([0.025, 0.975], 1.5, 10.5))
    assert fit.implied_concession == pytest.approx(0.0347, abs=1e-4)


def test_negotiations_recover_a_synthetic_record(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    count = 600
    changes = rng.normal(0.04, 0.08, count)
    lapses = rng.random(count) < 0.2
    folder = write_synthetic(tmp_path / "data", 1800,
                             simulate_series(rng, 50, reversion=0.0))
    lines = ["agreement,first_year,last_year,currency,previous_amount,first_amount,"
             "first_year_change_pct,us_ask_usd_m,lapse,lapse_months,concluded,note"]
    lines += [f"a{k},{1000 + k},{1000 + k},USD_m,100,{float(100 * (1 + c))!r},"
              f"{float(100 * c)!r},,{int(lapse)},,,"
              for k, (c, lapse) in enumerate(zip(changes, lapses, strict=True))]
    (folder / "negotiations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fit = calibrate(load_history(folder), start=1801, end=1849, negotiations=True).negotiations
    assert fit is not None and fit.n == count
    assert abs(fit.increase_mean - 0.04) < 3 * 0.08 / math.sqrt(count)
    assert abs(fit.increase_sd - 0.08) < 3 * 0.08 / math.sqrt(2 * (count - 1))
    assert abs(fit.lapse_probability - 0.2) < 3 * math.sqrt(0.2 * 0.8 / count)
    lo, hi = fit.lapse_interval
    assert lo < fit.lapse_probability < hi and hi - lo < 0.07


def test_json_has_exactly_the_contract_keys() -> None:
    result = CliRunner().invoke(cli, ["calibrate", "--format", "json", "--negotiations"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["kr_inflation", "us_inflation", "defense", "fx", "correlation",
                          "years", "negotiations"]
    assert set(data["kr_inflation"]) >= {"mean", "persistence", "volatility", "initial",
                                         "previous", "mean_se", "persistence_se"}
    assert list(data["defense"]) == ["real_growth", "volatility"]
    assert list(data["fx"]) == ["volatility", "reversion", "anchor", "identified"]
    assert list(data["correlation"]) == ["drivers", "matrix", "repaired", "distance"]
    assert data["years"] == [2000, 2025]
    assert list(data["negotiations"]) == ["n", "increase_mean", "increase_sd",
                                          "increase_probability", "lapse_probability",
                                          "lapse_interval", "implied_concession"]


@pytest.mark.parametrize(("name", "options"), [("calibrated", []),
                                                ("variants/calibrated-1996", ["--from", "1996"])])
def test_the_shipped_calibrated_configs_are_what_the_command_writes(
    tmp_path: Path, name: str, options: list[str]
) -> None:
    out = tmp_path / f"{Path(name).name}.toml"
    args = ["calibrate", "--base", str(BASELINE), *options, "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    shipped = ROOT / "configs" / f"{name}.toml"
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "exists" in again.output


def test_the_written_scenario_validates_runs_and_keeps_the_base_elsewhere() -> None:
    scenario = load_scenario(CALIBRATED)
    base = load_scenario(BASELINE)
    fit = calibrate(load_history())
    assert scenario.run.name == "calibrated"
    assert scenario.inflation.kr.persistence == fit.kr.persistence
    assert scenario.fx.volatility == fit.fx.volatility
    np.testing.assert_array_equal(np.array(scenario.shocks.correlation),
                                  fit.correlation.matrix)
    # What calibrate does not estimate is the base's, key for key.
    for section in ("troops", "agreement", "negotiation", "us_cost", "rok_other_support"):
        assert getattr(scenario, section) == getattr(base, section), section
    for key in ("base_year", "horizon", "samples", "seed", "sampler"):
        assert getattr(scenario.run, key) == getattr(base.run, key), key  # batch-compatible
    text = CALIBRATED.read_text(encoding="utf-8")
    assert "smasim calibrate" in text and "± 0.18" in text and "Judgment" in text
    values = simulate(scenario.with_overrides(samples=500), seed=1)
    assert np.isfinite(values["contribution_usd"]).all()


def test_validate_accepts_the_written_file(tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    runner = CliRunner()
    assert runner.invoke(cli, ["calibrate", "--base", str(BASELINE), "--from", "2005",
                               "-o", str(out)]).exit_code == 0
    result = runner.invoke(cli, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    assert load_scenario(out).run.name == "mine"
    assert "years 2005–2025" in out.read_text(encoding="utf-8")


def test_bad_years_are_one_line_errors() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["calibrate", "--from", "2025", "--to", "2020"])
    assert result.exit_code == 2 and "--from 2025 must be before --to 2020" in result.output
    result = runner.invoke(cli, ["calibrate", "--from", "2023", "--to", "2025"])
    assert result.exit_code == 2 and "at least 3 are needed" in result.output

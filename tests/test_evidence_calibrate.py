"""smasim calibrate: estimates against independent computations and synthetic truths."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats
from simcore.cli.main import cli

from simcore.config.load import load_scenario
from simcore.config.schema import ShocksSection
from simcore.evidence.calibrate import (
    DRAWS_SEED,
    Calibration,
    calibrate,
    dickey_fuller_critical,
    estimate,
    fit_fx,
    fit_inflation,
    ols,
    round_estimates,
)
from simcore.evidence.calibrated_scenario import calibrated_toml
from simcore.evidence.history import DriverHistory, load_history
from simcore.model.engine import simulate
from simcore.stats.posterior import InflationDraws
from tests.conftest import BASELINE, ROOT
from tests.evidence_data import TRUE, TRUE_R, simulate_series, write_synthetic
from tests.test_evidence_history import SHIPPED

CALIBRATED = ROOT / "configs" / "calibrated.toml"


def _column(name: str, column: str) -> dict[int, float]:
    with (SHIPPED / name).open(encoding="utf-8") as handle:
        return {int(r["year"]): float(r[column]) for r in csv.DictReader(handle)}


def _lstsq(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    design = np.column_stack([np.ones_like(x), x])
    coef, rss, *_ = np.linalg.lstsq(design, y, rcond=None)
    s2 = rss[0] / (y.size - 2)
    return coef, s2 * np.linalg.inv(design.T @ design), y - design @ coef


def test_ols_is_the_closed_form_by_hand() -> None:
    # x̄ = 1.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5: slope 1.1, intercept 1.1; residuals
    # (−0.1, 0.8, −1.3, 0.6), RSS 2.7, s² = 1.35: Var(slope) = 1.35/5, Var(intercept) =
    # 1.35 (1/4 + 2.25/5), Cov = −1.35 · 1.5/5.
    fit = ols(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0, 5.0]))
    assert fit.slope == pytest.approx(1.1, rel=1e-15)
    assert fit.intercept == pytest.approx(1.1, rel=1e-15)
    np.testing.assert_allclose(fit.residuals, [-0.1, 0.8, -1.3, 0.6], rtol=0, atol=1e-15)
    np.testing.assert_allclose(fit.covariance, [[0.945, -0.405], [-0.405, 0.27]], rtol=1e-14)
    assert fit.slope_se == pytest.approx(math.sqrt(0.27), rel=1e-15)
    assert fit.sigma == pytest.approx(math.sqrt(1.35), rel=1e-15)


def test_ols_equals_polyfit() -> None:
    rng = np.random.default_rng(4)
    for n in (3, 25, 400):
        x = 7.0 + 0.3 * rng.standard_normal(n)  # a log exchange rate: far from 0, narrow
        y = 0.2 - 0.03 * x + 0.05 * rng.standard_normal(n)
        (slope, intercept), cov = np.polyfit(x, y, 1, cov="unscaled")
        fit = ols(x, y)
        s2 = fit.sigma**2
        assert fit.slope == pytest.approx(slope, rel=1e-12)
        assert fit.intercept == pytest.approx(intercept, rel=1e-12)
        np.testing.assert_allclose(fit.covariance, s2 * cov[::-1, ::-1], rtol=1e-9)
        np.testing.assert_allclose(fit.residuals, y - intercept - slope * x, rtol=0,
                                   atol=1e-12 * np.abs(y).max())


def _exact_t_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """−slope / SE(slope) of y on [1, x] in exact rational arithmetic on the doubles given."""
    xs, ys = [Fraction(v) for v in x], [Fraction(v) for v in y]
    n = len(xs)
    x_bar, y_bar = sum(xs) / n, sum(ys) / n
    sxx = sum((a - x_bar) ** 2 for a in xs)
    slope = sum((a - x_bar) * (b - y_bar) for a, b in zip(xs, ys, strict=True)) / sxx
    rss = sum((b - y_bar - slope * (a - x_bar)) ** 2 for a, b in zip(xs, ys, strict=True))
    return -float(slope) / math.sqrt(float(rss / (n - 2) / sxx))


def test_shipped_estimates_equal_an_independent_lstsq() -> None:
    fit = estimate(load_history())
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
    t_ratio = _exact_t_ratio(lagged, y)
    (_, slope), cov, _ = _lstsq(lagged, y)
    # lstsq's s² (XᵀX)⁻¹ loses digits to XᵀX's condition (about 1e5: x ≈ 7, sd 0.2).
    assert -slope / math.sqrt(cov[1, 1]) == pytest.approx(t_ratio, rel=1e-10)
    assert fit.fx.t_ratio == pytest.approx(t_ratio, rel=1e-14)
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
    fit = estimate(load_history(), negotiations=True).negotiations
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
             "first_year_change_pct,status_quo_change_pct,us_ask_usd_m,lapse,lapse_months,"
             "concluded,note"]
    lines += [f"a{k},{1000 + k},{1000 + k},USD_m,100,{float(100 * (1 + c))!r},"
              f"{float(100 * c)!r},0,,{int(lapse)},,,"
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
    assert list(data) == ["schema_version", "kr_inflation", "us_inflation", "defense", "fx",
                          "correlation", "years", "negotiations"]
    assert set(data["kr_inflation"]) >= {"mean", "persistence", "volatility", "initial",
                                         "previous", "mean_se", "persistence_se"}
    assert list(data["kr_inflation"]["draws"]) == ["mean", "persistence", "volatility",
                                                   "trend_volatility"]
    assert list(data["kr_inflation"]["draws"]["mean"]) == ["median", "p05", "p95"]
    assert list(data["defense"]) == ["real_growth", "volatility"]
    assert list(data["fx"]) == ["volatility", "reversion", "anchor", "identified", "draws"]
    assert data["fx"]["draws"]["window"] == [2016, 2025]
    assert list(data["fx"]["draws"]["volatility"]) == ["median", "p05", "p95"]
    assert list(data["correlation"]) == ["drivers", "matrix", "repaired", "distance"]
    assert data["years"] == [2000, 2025]
    assert list(data["negotiations"]) == ["n", "increase_mean", "increase_sd",
                                          "increase_probability", "lapse_probability",
                                          "lapse_interval", "implied_concession"]


@pytest.mark.parametrize(("name", "options"), [
    ("calibrated", []), ("history", ["--negotiations"]),
    ("variants/calibrated-1996", ["--from", "1996"])])
def test_the_shipped_calibrated_configs_are_what_the_command_writes(
    tmp_path: Path, name: str, options: list[str]
) -> None:
    out = tmp_path / f"{Path(name).name}.toml"
    args = ["calibrate", "--base", str(BASELINE), *options, "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} and its draws files draws/" in " ".join(result.output.split())
    shipped = ROOT / "configs" / f"{name}.toml"
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
    written = sorted((tmp_path / "draws").iterdir())
    assert len(written) == 3
    for path in written:  # the same tables, byte for byte, beside the shipped scenario
        assert path.read_bytes() == (shipped.parent / "draws" / path.name).read_bytes()
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "exists" in again.output


def test_every_shipped_draws_file_is_named_by_a_scenario() -> None:
    """No stale table: each file of a configs draws folder is one a shipped scenario names."""
    named = set()
    for config in ROOT.glob("configs/**/*.toml"):
        named |= {(config.parent / line.split('"')[1]).resolve()
                  for line in config.read_text(encoding="utf-8").splitlines()
                  if line.startswith("draws = ")}
    files = {path.resolve() for path in ROOT.glob("configs/**/draws/*.csv")}
    assert files and files == named


def test_the_baseline_simulates_the_calibrated_draws() -> None:
    """Its inflation and exchange-rate tables are calibrate's, so baseline − calibrated
    differs only in what is judgment (defense, the correlations)."""
    base, calibrated = load_scenario(BASELINE), load_scenario(CALIBRATED)
    assert base.inflation == calibrated.inflation
    assert base.fx.volatility == calibrated.fx.volatility
    assert (base.fx.reversion, base.fx.ppp) == (calibrated.fx.reversion, calibrated.fx.ppp)


def test_the_written_scenario_validates_runs_and_keeps_the_base_elsewhere() -> None:
    scenario = load_scenario(CALIBRATED)
    base = load_scenario(BASELINE)
    fit = calibrate(load_history(), ppp=0.0)
    assert scenario.run.name == "calibrated"
    assert fit.kr.draws is not None and fit.fx.volatility_draws is not None
    assert scenario.inflation.kr.persistence == fit.kr.draws.persistence.tolist()
    assert scenario.inflation.us.trend_volatility == fit.us.draws.trend_volatility.tolist()
    assert scenario.fx.volatility == fit.fx.volatility_draws.tolist()
    assert (scenario.fx.reversion, scenario.fx.ppp, scenario.fx.real_anchor) == (0.0, 0.0, True)
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


#: Fields the data give (observations) or counts fix exactly: never rounded, never perturbed
#: (nor a value exactly 0: a default such as κ = 0 of a random walk, not a computed one).
_EXACT = {"initial", "previous", "increase_probability", "lapse_probability",
          "increase_interval", "lapse_interval", "implied_concession",
          "configured_concession_mean"}


def _nudged_draws(values: np.ndarray, direction: float) -> np.ndarray:
    """Each draw moved by one ulp, but an exact 0 (a model's fixed value: the AR(1)'s trend
    volatility, the local level's persistence)."""
    return np.where(values == 0.0, values, np.nextafter(values, direction))


def _perturbed(raw: Calibration, direction: float) -> Calibration:
    """Every computed number of ``raw`` moved by one ulp towards ``direction``."""

    def nudge(fit: Any) -> Any:
        if fit is None:
            return None
        changes = {f.name: float(np.nextafter(getattr(fit, f.name), direction))
                   for f in dataclasses.fields(fit)
                   if isinstance(getattr(fit, f.name), float) and f.name not in _EXACT
                   and getattr(fit, f.name) != 0.0 and math.isfinite(getattr(fit, f.name))
                   and not (f.name == "anchor" and not fit.identified)}  # an observed rate
        if getattr(fit, "draws", None) is not None:
            changes["draws"] = InflationDraws(**{
                name: _nudged_draws(column, direction)
                for name, column in fit.draws.columns().items()})
        if getattr(fit, "volatility_draws", None) is not None:
            changes["volatility_draws"] = _nudged_draws(fit.volatility_draws, direction)
        return dataclasses.replace(fit, **changes)

    corr = raw.correlation
    matrix = np.nextafter(corr.matrix, direction)
    matrix = np.triu(matrix, 1) + np.triu(matrix, 1).T + np.eye(len(matrix))
    return dataclasses.replace(
        raw, kr=nudge(raw.kr), us=nudge(raw.us), defense=nudge(raw.defense), fx=nudge(raw.fx),
        negotiations=nudge(raw.negotiations),
        correlation=dataclasses.replace(nudge(corr), matrix=matrix))


def _written(calibration: Calibration) -> str:
    """What the command writes of a calibration: the JSON and, for a 2025 base, the TOML and
    its draws files."""
    text = json.dumps(calibration.as_json())
    if calibration.end == 2025:
        written = calibrated_toml(BASELINE.read_text(encoding="utf-8"), calibration,
                                  name="calibrated", base_name="baseline.toml", command="c",
                                  seed=DRAWS_SEED, base_dir=BASELINE.parent)
        text += written.text + "".join(written.draws_files[k] for k in sorted(
            written.draws_files))
    return text


@pytest.mark.parametrize(("start", "end"), [(2000, None), (1996, None), (2000, 2021),
                                            (1996, 2021), (2000, 2012)])
def test_a_last_ulp_change_of_any_estimate_changes_no_written_digit(
    start: int, end: int | None
) -> None:
    # What another machine's BLAS kernel, SIMD level or libm could do to the raw estimates:
    # move each by an ulp. 2000–2021 and 1996–2021 are repaired, 1996 identifies κ.
    raw = estimate(load_history(), start=start, end=end, negotiations=True)
    rounded = round_estimates(raw)
    assert rounded.ties == ()
    for direction in (math.inf, -math.inf):
        moved = _perturbed(raw, direction)
        assert moved.kr.mean != raw.kr.mean and moved.fx.t_ratio != raw.fx.t_ratio
        again = round_estimates(moved)
        assert again.ties == ()
        assert _written(again) == _written(rounded)
        np.testing.assert_array_equal(again.correlation.matrix, rounded.correlation.matrix)


def test_calibrate_returns_the_estimates_rounded_as_stated() -> None:
    raw = estimate(load_history(), start=1996, negotiations=True)
    fit = calibrate(load_history(), start=1996, negotiations=True)
    assert _written(fit) == _written(round_estimates(raw))  # what the backtest gets too
    for name in ("mean", "persistence", "volatility"):
        assert getattr(fit.kr, name) == float(f"{getattr(raw.kr, name):.4g}"), name
        assert getattr(fit.kr, f"{name}_se") == float(f"{getattr(raw.kr, f'{name}_se'):.2g}")
    assert (fit.kr.mean, fit.kr.persistence, fit.kr.volatility) == (0.02615, 0.3362, 0.01506)
    assert (fit.fx.reversion, fit.fx.anchor, fit.fx.anchor_se) == (0.4569, 1181.0, 43.0)
    assert (fit.fx.t_ratio, fit.fx.critical_value) == (3.43, -2.97)
    assert fit.fx.identified
    assert fit.negotiations is not None and raw.negotiations is not None
    assert (fit.negotiations.increase_mean, fit.negotiations.increase_sd) == (0.05091, 0.096)
    assert fit.negotiations.lapse_interval == raw.negotiations.lapse_interval  # not rounded
    np.testing.assert_array_equal(fit.correlation.matrix, np.round(raw.correlation.matrix, 3))
    assert fit.correlation.shrink == 1.0
    # Observations are the data's.
    assert (fit.kr.initial, fit.kr.previous, fit.fx.initial) == (0.021, 0.0232, 1421.4)
    assert _written(round_estimates(fit)) == _written(fit)  # rounding twice: no change


def test_a_repaired_backtest_origin_is_rounded_to_a_matrix_the_config_accepts() -> None:
    fit = calibrate(load_history(), start=2000, end=2021)
    assert fit.correlation.repaired and fit.correlation.distance == 0.0712
    matrix = fit.correlation.matrix
    np.testing.assert_array_equal(matrix, np.round(matrix, 3))
    ShocksSection(drivers=list(fit.correlation.drivers), correlation=matrix.tolist())


def _with_tie(history: Any, **options: Any) -> Calibration:
    raw = estimate(history, **options)
    # 0.015625 = 1/64 exactly: the midpoint of 0.01562 and 0.01563.
    return round_estimates(dataclasses.replace(raw, kr=dataclasses.replace(raw.kr,
                                                                           mean=0.015625)))


def test_a_tie_is_warned_and_written_in_the_header(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simcore.cli.calibrate.calibrate", _with_tie)
    out = tmp_path / "tied.toml"
    result = CliRunner().invoke(cli, ["calibrate", "--base", str(BASELINE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    message = ("inflation.kr.mean = 0.015625 is within 1e-12 (relative) of 0.015625: 0.01562 "
               "is written, another machine may write 0.01563")
    assert f"Warning: {message}" in result.stderr
    assert "the same on every machine except 1 tie(s)" in " ".join(result.stdout.split())
    text = out.read_text(encoding="utf-8")
    assert f"#   TIE {message}\n" in text and "mean 0.01562 ± " in text
    assert "1\n# tie(s) lie within 1e-12 (relative) of a rounding boundary, and may be" in text


@pytest.mark.parametrize("name", ["calibrated", "history", "variants/calibrated-1996"])
def test_the_shipped_headers_say_how_estimates_are_rounded(name: str) -> None:
    header = (ROOT / "configs" / f"{name}.toml").read_text(encoding="utf-8").split("[run]")[0]
    assert ("# Rounding: estimates and draws to 4 significant digits, standard errors to 2, "
            "correlations to 3\n# decimals (kept positive definite), so that every machine "
            "writes the same digits; no value\n# lay within 1e-12 (relative) of a rounding "
            "boundary.\n") in header

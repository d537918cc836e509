"""Synthetic series in the shipped data layout, generated from the model with known parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.test_evidence_history import copy_data

#: The parameters the synthetic data are drawn with (config units).
TRUE = {
    "kr": {"mean": 0.03, "persistence": 0.6, "volatility": 0.01},
    "us": {"mean": 0.02, "persistence": 0.3, "volatility": 0.015},
    "fx": {"anchor": 1000.0, "reversion": 0.3, "volatility": 0.05},
    "defense": {"real_growth": 0.02, "volatility": 0.01},
}
#: Correlation of the (kr, us, fx, defense) shocks.
TRUE_R = np.array([
    [1.0, 0.5, 0.2, 0.0],
    [0.5, 1.0, 0.0, 0.0],
    [0.2, 0.0, 1.0, 0.3],
    [0.0, 0.0, 0.3, 1.0],
])


def simulate_series(rng: np.random.Generator, years: int, *, reversion: float,
                    count: int = 1) -> dict[str, np.ndarray]:
    """``count`` synthetic histories of ``years`` years (arrays shaped (count, years)),
    vectorized over histories; the model of MODEL.md §2–4 with PPP pass-through 1."""
    z = rng.standard_normal((count, years, 4)) @ np.linalg.cholesky(TRUE_R).T
    kr, us, logx = (np.empty((count, years)) for _ in range(3))
    p_kr, p_us, p_fx = TRUE["kr"], TRUE["us"], TRUE["fx"]
    kr[:, 0], us[:, 0], logx[:, 0] = p_kr["mean"], p_us["mean"], np.log(p_fx["anchor"])
    for t in range(1, years):
        kr[:, t] = (p_kr["mean"] + p_kr["persistence"] * (kr[:, t - 1] - p_kr["mean"])
                    + p_kr["volatility"] * z[:, t, 0])
        us[:, t] = (p_us["mean"] + p_us["persistence"] * (us[:, t - 1] - p_us["mean"])
                    + p_us["volatility"] * z[:, t, 1])
        logx[:, t] = (logx[:, t - 1] + (kr[:, t] - us[:, t])
                      + reversion * (np.log(p_fx["anchor"]) - logx[:, t - 1])
                      + p_fx["volatility"] * z[:, t, 2])
    defense = kr + TRUE["defense"]["real_growth"] + TRUE["defense"]["volatility"] * z[..., 3]
    return {"kr": kr, "us": us, "fx": np.exp(logx), "defense": defense}


def write_synthetic(folder: Path, first: int, series: dict[str, np.ndarray]) -> Path:
    """A data folder whose macro and defense files hold the first history of ``series``
    (full precision), the other files copied from the shipped data."""
    copy_data(folder)
    years = range(first, first + series["kr"].shape[1])
    macro = ["year,krw_per_usd,kr_cpi_inflation_pct,us_cpi_inflation_pct,us_cpi_u_index,note"]
    defense = ["year,budget_100m_krw,growth_pct,status"]
    for k, year in enumerate(years):
        fx, kr, us, d = (float(series[key][0, k]) for key in ("fx", "kr", "us", "defense"))
        macro.append(f"{year},{fx!r},{100 * kr!r},{100 * us!r},100,")
        defense.append(f"{year},1000,{100 * d!r},official")
    (folder / "macro.csv").write_text("\n".join(macro) + "\n", encoding="utf-8")
    (folder / "defense_budget.csv").write_text("\n".join(defense) + "\n", encoding="utf-8")
    return folder


#: Known processes behind the synthetic-truth backtest (METHODS.md §C), config units:
#: T1 a stationary AR(1), T2 a drifting mean (local level), T3 a driftless log random walk.
T1 = {"mean": 0.025, "persistence": 0.5, "volatility": 0.011}
T2 = {"start": 0.04, "noise": 0.008, "level": 0.004}
T3 = {"start": 1100.0, "volatility": 0.074}


def truth_history(rng: np.random.Generator, years: int, *, swap: bool
                  ) -> dict[str, np.ndarray]:
    """One synthetic history in :func:`write_synthetic`'s layout: Korean inflation from T1
    and US inflation from T2 (``swap``: the other way round), the exchange rate from T3,
    independent shocks; defense growth Korean inflation + 2% ± 1 point."""
    phi, mean, sigma = T1["persistence"], T1["mean"], T1["volatility"]
    ar1 = np.empty(years)
    ar1[0] = mean + sigma / np.sqrt(1.0 - phi * phi) * rng.standard_normal()
    for t in range(1, years):
        ar1[t] = mean + phi * (ar1[t - 1] - mean) + sigma * rng.standard_normal()
    level = T2["start"] + np.cumsum(T2["level"] * rng.standard_normal(years))
    drifting = level + T2["noise"] * rng.standard_normal(years)
    kr, us = (drifting, ar1) if swap else (ar1, drifting)
    steps = np.concatenate([[0.0], T3["volatility"] * rng.standard_normal(years - 1)])
    fx = T3["start"] * np.exp(np.cumsum(steps))
    defense = kr + 0.02 + 0.01 * rng.standard_normal(years)
    return {"kr": kr[None], "us": us[None], "fx": fx[None], "defense": defense[None]}

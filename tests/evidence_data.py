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

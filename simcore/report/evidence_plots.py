"""Figures of the evidence: the shipped history, and the backtest's coverage and PIT.

Drawn like :mod:`simcore.report.plots`: matplotlib's object API on an Agg canvas (no pyplot, no
display), the :class:`~matplotlib.figure.Figure` returned and nothing written
(:func:`simcore.report.figure.save_figure` writes it).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from simcore.analysis.backtest import (
    INTERVALS,
    VARIABLE,
    DriverBacktest,
    StoredBacktest,
    coverage_rows,
)
from simcore.core.types import DRIVERS
from simcore.core.variables import VARIABLES
from simcore.evidence.history import History
from simcore.report.figure import panel_grid

#: Inches per panel (width, height), and above the panels for the title.
_PANEL = (5.2, 3.6)
_TITLE_HEIGHT = 0.5
_STATUS_MARKER = {"official": "o", "derived": "s", "approximate": "^"}
#: Bins of the PIT histogram (a uniform PIT puts 1/10 in each).
PIT_BINS = 10


def _figure(rows: int, columns: int) -> tuple[Figure, np.ndarray]:
    return panel_grid(rows, columns, panel=_PANEL, title_height=_TITLE_HEIGHT)


def history_chart(history: History) -> Figure:
    """The SMA amounts by agreement (marker: status), inflation, exchange rate, defense."""
    figure, axes = _figure(2, 2)
    sma = history.sma
    ax = axes[0, 0]
    krw = ~np.isnan(sma["amount_100m_krw"])
    agreements = list(dict.fromkeys(sma["agreement"][krw].tolist()))
    for k, agreement in enumerate(agreements):
        rows = krw & (sma["agreement"] == agreement)
        colour = colormaps["tab20"](k % 20)
        ax.plot(sma["year"][rows], sma["amount_100m_krw"][rows] / 1e4, color=colour, lw=1)
        for status, marker in _STATUS_MARKER.items():
            pick = rows & (sma["status"] == status)
            if pick.any():
                ax.scatter(sma["year"][pick], sma["amount_100m_krw"][pick] / 1e4,
                           marker=marker, color=colour,
                           facecolors=colour if status == "official" else "none",
                           label=agreement if status == "official" else None, zorder=3)
    # Two lines: on one, the title is wider than its panel and runs off the figure's edge.
    ax.set_title("SMA amounts in KRW by agreement\n(filled: official; open: derived or "
                 "approximate; years set in USD only not shown)", fontsize=8)
    ax.set_ylabel("KRW tn")
    ax.legend(fontsize=7, ncol=3)
    drivers = history.drivers()
    years = drivers.years
    ax = axes[0, 1]
    ax.plot(years, 100 * drivers.values["kr_inflation"], marker=".", label="Korea CPI")
    ax.plot(years, 100 * drivers.values["us_inflation"], marker=".", label="US CPI")
    ax.set_title("CPI inflation (World Bank, Statistics Korea, BLS)", fontsize=9)
    ax.set_ylabel("% a year")
    ax.legend(fontsize=8)
    ax = axes[1, 0]
    ax.plot(years, drivers.values["fx"], marker=".", color="C2")
    ax.set_title("KRW per USD, annual average (FRED AEXKOUS)", fontsize=9)
    ax.set_ylabel("KRW/USD")
    ax = axes[1, 1]
    ax.bar(years, 100 * np.nan_to_num(drivers.values["defense"]), color="C3")
    ax.set_title("ROK defense budget growth (Ministry of National Defense)", fontsize=9)
    ax.set_ylabel("% a year")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.set_xlabel("year")
    figure.suptitle(f"smasim history ({history.source})")
    return figure


def coverage_chart(backtest: DriverBacktest | StoredBacktest) -> Figure:
    """Per driver: empirical vs nominal coverage by lead with its Wilson band (the rows of
    :func:`simcore.analysis.backtest.coverage_rows`), and the PIT histogram of all leads.

    Parameters
    ----------
    backtest : DriverBacktest or StoredBacktest
        A backtest, or what its file keeps (:func:`simcore.analysis.backtest.read_backtest`).
    """
    rows = coverage_rows(backtest)
    pit = backtest.pit
    figure, axes = _figure(2, len(DRIVERS))
    for d, driver in enumerate(DRIVERS):
        ax = axes[0, d]
        named = VARIABLES[VARIABLE[driver]].long_name
        mine = [r for r in rows if r.driver == driver]
        for j, level in enumerate(INTERVALS):
            colour = f"C{j}"
            ax.axhline(level, color=colour, ls="--", lw=0.8)
            if not mine:
                continue
            curve = [r for r in mine if r.level == level]
            leads = [r.lead for r in curve]
            ax.fill_between(leads, [r.rate_lower for r in curve], [r.rate_upper for r in curve],
                            color=colour, alpha=0.15)
            ax.plot(leads, [r.rate for r in curve], marker="o", color=colour,
                    label=f"{100 * level:.0f}% interval")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{named}: coverage (dashed: nominal)", fontsize=9)
        ax.set_xlabel("lead (years)")
        ax.set_ylabel("share of realized values inside")
        if mine:
            ax.legend(fontsize=7, loc="lower left")
        ax = axes[1, d]
        values = pit[d][np.isfinite(pit[d])]
        if values.size:
            ax.hist(values, bins=PIT_BINS, range=(0, 1), density=True, color="C7")
        ax.axhline(1.0, color="k", ls="--", lw=0.8)
        ax.set_title(f"{named}: PIT, all leads (n = {values.size})"
                     + ("" if values.size else ": not scored"), fontsize=9)
        ax.set_xlabel("PIT")
        ax.set_ylabel("density (uniform = 1)")
        ax.set_xlim(0, 1)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    figure.suptitle("smasim backtest: nominal vs empirical coverage, Wilson 95% band on "
                    f"n_eff = ceil(n / lead); max lead {math.floor(backtest.leads[-1])}")
    return figure

"""The synthetic-truth test of the backtest's method (METHODS.md §C, "Synthetic truth").

Data folders of the shipped layout whose macro series come from known processes (T1 a
stationary AR(1), T2 a drifting mean, T3 a driftless log random walk; tests/evidence_data.py)
go through the backtest as ``smasim backtest --data DIR`` runs it (the data read by
``load_history``, every origin calibrated and simulated). Pooled over the histories and the
six leads, the central intervals of a correctly specified method cover at their levels; the
standard error is cluster-robust (one cluster per history: its origins and leads share
shocks), and the band is three of them. The shipped default passes; the 0.2 method (point
estimates) fails where the mean drifts, and already errs towards narrow intervals under the
AR(1) it assumes.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simcore.analysis.backtest import INTERVALS, Method, backtest_drivers, interval_hits
from simcore.evidence.history import load_history
from tests.evidence_data import truth_history, write_synthetic

#: Histories (half with Korean inflation from T1, half from T2), their years (the shipped
#: macro.csv's 1995–2025), and the paths per origin.
HISTORIES = 40
FIRST_YEAR, YEARS = 1995, 31
SAMPLES = 2000
#: Each scored driver's process, by whether the history is swapped.
PROCESS = {False: {"kr_inflation": "T1", "us_inflation": "T2", "fx": "T3"},
           True: {"kr_inflation": "T2", "us_inflation": "T1", "fx": "T3"}}
DRIVER_INDEX = {"kr_inflation": 0, "us_inflation": 1, "fx": 2}


def _hits_by_process(folders: list[tuple[Path, bool]], method: Method
                     ) -> tuple[dict[str, list[tuple[np.ndarray, np.ndarray]]],
                                dict[str, list[np.ndarray]]]:
    """Per process: each history's (hits per level, scored) summed over origins and leads,
    and its lead-1 PITs."""
    hits: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    pits: dict[str, list[np.ndarray]] = {}
    for folder, swap in folders:
        result = backtest_drivers(load_history(folder), samples=SAMPLES, method=method)
        inside, scored = interval_hits(result.forecast, result.realized)
        for driver, process in PROCESS[swap].items():
            d = DRIVER_INDEX[driver]
            hits.setdefault(process, []).append(
                (inside[d].sum(axis=(0, 1)).astype(float), scored[d].sum()))
            lead1 = result.pit[d, :, 0]
            pits.setdefault(process, []).append(lead1[np.isfinite(lead1)])
    return hits, pits


def _pooled(rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Pooled coverage per level and its cluster-robust standard error (a ratio estimator
    over clusters: ``sqrt(Σ (h_r − p n_r)² / (R (R − 1))) / mean(n_r)``)."""
    held = np.array([h for h, _ in rows])
    scored = np.array([float(n) for _, n in rows])
    pooled = held.sum(axis=0) / scored.sum()
    r = len(rows)
    spread = ((held - pooled * scored[:, None]) ** 2).sum(axis=0) / (r * (r - 1))
    return pooled, np.sqrt(spread) / scored.mean()


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, bool]]:
    rng = np.random.default_rng(20261207)
    root = tmp_path_factory.mktemp("truths")
    out = []
    for r in range(HISTORIES):
        swap = r % 2 == 1
        out.append((write_synthetic(root / f"history-{r}", FIRST_YEAR,
                                    truth_history(rng, YEARS, swap=swap)), swap))
    return out


@pytest.mark.slow
def test_the_shipped_method_covers_every_synthetic_truth(
    folders: list[tuple[Path, bool]]
) -> None:
    hits, pits = _hits_by_process(folders, "posterior")
    for process, rows in hits.items():
        pooled, se = _pooled(rows)
        z = (pooled - np.array(INTERVALS)) / se
        assert np.all(np.abs(z) <= 3.0), (process, pooled.round(3), se.round(3))
        # The lead-1 PITs of all histories, 10 bins: uniform.
        counts = np.histogram(np.concatenate(pits[process]), bins=10, range=(0.0, 1.0))[0]
        assert stats.chisquare(counts).pvalue >= 0.001, (process, counts)


@pytest.mark.slow
def test_the_plug_in_method_fails_where_the_mean_drifts(
    folders: list[tuple[Path, bool]]
) -> None:
    """0.2's point estimates: every interval too narrow under T2 by far more than three
    standard errors, and the lead-1 PITs U-shaped; the backtest never stops on a history
    whose persistence estimate reaches 1 (the benchmark takes the stationary bound)."""
    hits, pits = _hits_by_process(folders, "plug-in")
    pooled, se = _pooled(hits["T2"])
    assert np.all(pooled < np.array(INTERVALS) - 3.0 * se), (pooled.round(3), se.round(3))
    counts = np.histogram(np.concatenate(pits["T2"]), bins=10, range=(0.0, 1.0))[0]
    assert stats.chisquare(counts).pvalue < 0.001
    assert counts[0] + counts[-1] > 2 * math.ceil(counts.sum() / 10)

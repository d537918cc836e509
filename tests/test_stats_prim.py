"""PRIM (simcore.stats.prim): a planted box, a null control, quasi-p values, pasting, stability."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simcore.stats.designs import unit_design
from simcore.stats.prim import box_contains, pareto_boxes, prim, prim_stability, quasi_p_values

UNIT = np.array([[0.0] * 5, [1.0] * 5])
#: Label noise of the planted box: P(y = 1) = 0.2 · 0.95 + 0.8 · 0.05 = 0.23.
FLIP = 0.05


def planted(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """X ~ U(0,1)^5; y = 1 iff x1 >= 0.6 and x2 <= 0.5, each label flipped with p = 0.05."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 5))
    inside = (x[:, 0] >= 0.6) & (x[:, 1] <= 0.5)
    return x, inside ^ (rng.random(n) < FLIP)


@pytest.fixture(scope="module")
def planted_trajectory() -> tuple[np.ndarray, np.ndarray, object]:
    x, y = planted(20261128, 20_000)
    return x, y, prim(x, y, bounds=UNIT)


def test_the_trajectory_holds_the_planted_box(planted_trajectory) -> None:
    x, y, trajectory = planted_trajectory
    exactly_x1_x2 = np.all(trajectory.restricted == [True, True, False, False, False], axis=1)
    near = (exactly_x1_x2 & (np.abs(trajectory.lower[:, 0] - 0.6) <= 0.02)
            & (np.abs(trajectory.upper[:, 1] - 0.5) <= 0.02))
    found = np.flatnonzero(near & (trajectory.density >= 0.93) & (trajectory.coverage >= 0.80))
    assert found.size, "no box restricting exactly x1 >= 0.6 and x2 <= 0.5"
    box = found[0]
    # The unrestricted sides stay at the space's limits.
    assert trajectory.upper[box, 0] == 1.0 and trajectory.lower[box, 1] == 0.0
    assert np.all(trajectory.quasi_p[box, :2] < 1e-10)
    assert np.all(np.isnan(trajectory.quasi_p[box, 2:]))
    # Coverage and density are what the box's points say.
    inside = box_contains(x, trajectory.lower[box], trajectory.upper[box])
    assert trajectory.points[box] == inside.sum()
    assert trajectory.density[box] == y[inside].sum() / inside.sum()
    assert trajectory.coverage[box] == y[inside].sum() / y.sum()


def test_no_pareto_box_restricts_an_irrelevant_input(planted_trajectory) -> None:
    _, _, trajectory = planted_trajectory
    # Far along the trajectory peeling takes noise on x3–x5: those boxes are not significant.
    assert np.any(trajectory.restricted[:, 2:])
    assert not np.any(trajectory.restricted[trajectory.pareto][:, 2:])
    chosen = trajectory.chosen
    assert trajectory.pareto[chosen]
    assert trajectory.restricted[chosen].tolist() == [True, True, False, False, False]
    assert abs(trajectory.lower[chosen, 0] - 0.6) <= 0.02
    assert abs(trajectory.upper[chosen, 1] - 0.5) <= 0.02


def test_trajectory_statistics_are_consistent(planted_trajectory) -> None:
    _, y, trajectory = planted_trajectory
    assert trajectory.step[0] == "start" and trajectory.mass[0] == 1.0
    assert trajectory.coverage[0] == 1.0 and trajectory.base_rate == y.mean()
    assert trajectory.base_rate == pytest.approx(0.23, abs=4 * np.sqrt(0.23 * 0.77 / y.size))
    peeled = [i for i, step in enumerate(trajectory.step) if step == "peel"]
    # Each peel removes about 5% of the box and raises its density; none goes below 5% mass.
    assert np.all(np.diff(trajectory.points[[0, *peeled]]) < 0)
    assert np.all(np.diff(trajectory.density[[0, *peeled]]) > 0)
    assert trajectory.mass[peeled].min() >= 0.05
    np.testing.assert_allclose(trajectory.wracc, trajectory.mass
                               * (trajectory.density - trajectory.base_rate))


def test_null_control_finds_no_box(rng: np.random.Generator) -> None:
    n = 20_000
    x = rng.random((n, 5))
    y = rng.random(n) < 0.23
    trajectory = prim(x, y, bounds=UNIT)
    base = trajectory.base_rate
    # Peeling still runs (in-sample noise), but no restriction earns its place.
    assert len(trajectory) > 1
    assert trajectory.chosen == 0
    offered = trajectory.pareto
    binomial_error = np.sqrt(base * (1 - base) / trajectory.points[offered])
    assert np.all(trajectory.density[offered] - base <= 3 * binomial_error)


def test_quasi_p_value_by_hand() -> None:
    # Box x >= 0.5 over 10 points; without its restriction the density is 4/10.
    x = np.arange(10, dtype=float).reshape(-1, 1) / 10
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 0, 1], dtype=bool)
    values = quasi_p_values(x, y, np.array([0.5]), np.array([0.9]), np.array([[0.0], [0.9]]))
    # P(Binomial(5, 0.4) >= 4)
    assert values[0] == pytest.approx(stats.binom.sf(3, 5, 0.4), rel=1e-12)


def test_pareto_boxes_need_eligibility_and_a_trade_off() -> None:
    coverage = np.array([1.0, 0.9, 0.9, 0.5, 0.4])
    density = np.array([0.2, 0.8, 0.8, 0.95, 0.99])
    restrictions = np.array([0, 1, 2, 2, 3])
    eligible = np.array([True, True, True, True, False])
    # Box 2 ties box 1 but restricts more; box 4 is not eligible.
    assert pareto_boxes(coverage, density, restrictions, eligible).tolist() == [
        True, True, False, True, False]


@pytest.mark.parametrize("seed", range(4))
def test_pasting_takes_back_an_overshooting_peel(seed: int) -> None:
    # A sharp boundary at 0.37 over 64 stratified points: peels of 3 points can remove a
    # case with two non-cases; the chosen box starts at the first case again.
    x = unit_design("lhs", 64, 2, np.random.default_rng(seed))
    y = x[:, 0] > 0.37
    trajectory = prim(x, y, bounds=UNIT[:, :2])
    chosen = trajectory.chosen
    assert trajectory.lower[chosen, 0] == x[y, 0].min()
    assert trajectory.restricted[chosen].tolist() == [True, False]
    assert trajectory.coverage[chosen] == 1.0 and trajectory.density[chosen] == 1.0


def test_ties_are_peeled_whole() -> None:
    # A discrete input: a peel never splits a group of equal values.
    x = np.repeat(np.arange(5.0), 20).reshape(-1, 1)
    y = x[:, 0] >= 3
    trajectory = prim(x, y)
    for lower in trajectory.lower[:, 0]:
        assert lower in (0.0, 1.0, 2.0, 3.0)
    assert trajectory.lower[trajectory.chosen, 0] == 3.0
    assert trajectory.density[trajectory.chosen] == 1.0


def test_stability_on_halves() -> None:
    x, y = planted(7, 4000)
    trajectory = prim(x, y, bounds=UNIT)
    stability = prim_stability(x, y, trajectory, np.random.default_rng(1), resamples=6)
    assert stability.resamples == 6
    assert stability.restriction_frequency.tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert np.all(stability.overlap > 0.8)
    # On the half that did not shape it, the box keeps a density near the planted 0.95.
    held_out = stability.holdout_density
    assert np.all(np.abs(held_out - 0.95) < 4 * np.sqrt(0.95 * 0.05 / 400))


def test_bad_input_is_refused() -> None:
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="x must be"):
        prim(x, np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="bounds"):
        prim(x + 2, np.zeros(4, dtype=bool), bounds=np.array([[0.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="peel_alpha"):
        prim(x, np.zeros(4, dtype=bool), peel_alpha=0.0)


@pytest.mark.slow
def test_matches_ema_workbench_until_the_planted_box() -> None:
    """The EMA Workbench's PRIM (lenient objective, α = 0.05) peels the same boxes (only
    where ema_workbench is installed: it is no dependency of smasim)."""
    try:
        import pandas
        from ema_workbench.analysis import prim as prim_module
    except Exception as err:  # absent, or installed without its own dependencies
        pytest.skip(f"ema_workbench is not usable here ({type(err).__name__})")
    x, y = planted(1, 20_000)
    frame = pandas.DataFrame(x, columns=[f"x{j + 1}" for j in range(5)])
    reference = prim_module.Prim(frame, y.astype(int), threshold=0.8, peel_alpha=0.05,
                                 paste_alpha=0.05, mass_min=0.05).find_box()
    ours = prim(x, y)
    # Up to the planted box both peel the same sides; the two quantile rules differ by a
    # point or so per peel, which moves a limit by about 1/n of its range each time.
    reached = int(np.argmax(ours.density > 0.94))
    for k in range(reached + 1):
        limits = reference.box_lims[k].to_numpy()
        np.testing.assert_allclose(limits[0], ours.lower[k], atol=0.005)
        np.testing.assert_allclose(limits[1], ours.upper[k], atol=0.005)

"""Tree cross-checks (simcore.stats.trees): CART leaves as boxes, extra-trees feature scores."""

from __future__ import annotations

import numpy as np

from simcore.stats.trees import cart_leaves, feature_scores
from tests.test_stats_prim import UNIT, planted


def test_cart_leaves_cover_the_planted_box() -> None:
    x, y = planted(3, 2000)
    leaves = cart_leaves(x, y, bounds=UNIT, rng=np.random.default_rng(1))
    # Leaves partition the points; their statistics are those of their points.
    assert leaves.points.sum() == 2000 and leaves.cases.sum() == y.sum()
    assert leaves.mass.min() >= 0.05
    np.testing.assert_allclose(leaves.coverage.sum(), 1.0)
    np.testing.assert_array_equal(leaves.predicted, leaves.density > 0.5)
    assert np.all(np.diff(leaves.density) <= 0)
    # The case leaves lie in x1 >= 0.6, x2 <= 0.5 (to a split's resolution) and hold most
    # of the cases, at about the planted density 0.95.
    cases = leaves.predicted
    assert np.all(leaves.lower[cases, 0] >= 0.57) and np.all(leaves.upper[cases, 1] <= 0.53)
    assert leaves.coverage[cases].sum() >= 0.75
    density = leaves.cases[cases].sum() / leaves.points[cases].sum()
    assert abs(density - 0.95) <= 4 * np.sqrt(0.95 * 0.05 / leaves.points[cases].sum())
    # A leaf's limits (lower < x <= upper, closed at the space's bounds) hold its points.
    for k in range(len(leaves.points)):
        above = (x > leaves.lower[k]) | (leaves.lower[k] == UNIT[0])
        inside = np.all(above & (x <= leaves.upper[k]), axis=1)
        assert inside.sum() == leaves.points[k]


def test_feature_scores_single_out_the_inputs_that_matter() -> None:
    x, y = planted(4, 2000)
    scores = feature_scores(x, y, rng=np.random.default_rng(2))
    assert abs(np.sum(scores.scores) + scores.noise - 1.0) < 1e-12
    assert np.all(scores.scores[:2] > 4 * scores.noise)
    # x3–x5 are noise like the noise column: exchangeable with it, scores near its level.
    assert np.all(np.abs(scores.scores[2:] / scores.noise - 1) < 0.5)
    # The same generator state gives the same scores.
    again = feature_scores(x, y, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(scores.scores, again.scores)


def test_feature_scores_of_a_numeric_target() -> None:
    rng = np.random.default_rng(5)
    x = rng.random((500, 3))
    scores = feature_scores(x, 3 * x[:, 1] + 0.01 * rng.standard_normal(500), rng=rng)
    assert scores.scores[1] > 0.9

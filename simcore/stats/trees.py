"""Tree-based cross-checks of scenario discovery, with scikit-learn.

- :func:`cart_leaves`: a classification tree (CART, Breiman et al. 1984) of the cases of
  interest over the inputs, each leaf no smaller than ``mass_min`` of the points (as the EMA
  Workbench grows it for scenario discovery); every leaf is a box, with the coverage,
  density and mass PRIM reports, so the two can be compared.
- :func:`feature_scores`: how much each input matters at all, as the mean decrease in
  impurity of an ensemble of extremely randomized trees (Geurts, Ernst & Wehenkel 2006), the
  feature scoring that Jaxa-Rozen & Kwakkel (2018) found to rank inputs as variance-based
  indices do at a fraction of the runs. A column of uniform noise is scored beside the
  inputs: an input scoring no higher than it is indistinguishable from noise.

Trees split on thresholds halfway between values and sum impurities in a fixed order with
their own seeded generator (drawn from the caller's), so results do not depend on the
machine; they may change with the scikit-learn version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CartLeaves", "FeatureScores", "cart_leaves", "feature_scores"]

#: Trees in the extra-trees ensemble.
ESTIMATORS = 250
#: Share of the inputs each split of an extra tree chooses among (the EMA Workbench's 0.6).
MAX_FEATURES = 0.6


def _seed(rng: np.random.Generator) -> int:
    """A seed for scikit-learn's own generator, drawn from ``rng``."""
    return int(rng.integers(2**31 - 1))


@dataclass(frozen=True)
class CartLeaves:
    """The leaves of a classification tree as boxes.

    Attributes
    ----------
    lower, upper : ndarray, shape (L, d)
        Each leaf's limits (``lower < x <= upper``; the whole space's bounds where the tree
        did not split the input).
    points, cases : ndarray of int64, shape (L,)
    coverage, density, mass : ndarray, shape (L,)
        As PRIM's (:class:`simcore.stats.prim.PrimTrajectory`).
    predicted : ndarray of bool, shape (L,)
        Leaves where cases are the majority.
    depth : int
        Depth of the tree.
    """

    lower: np.ndarray
    upper: np.ndarray
    points: np.ndarray
    cases: np.ndarray
    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    predicted: np.ndarray
    depth: int


def cart_leaves(
    x: np.ndarray,
    y: np.ndarray,
    *,
    bounds: np.ndarray,
    rng: np.random.Generator,
    mass_min: float = 0.05,
) -> CartLeaves:
    """Grow a classification tree of ``y`` over ``x``; its leaves as boxes, densest first.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    y : ndarray of bool, shape (n,)
    bounds : ndarray, shape (2, d)
        The whole space.
    rng : numpy.random.Generator
        Breaks ties between equally good splits.
    mass_min : float
        Smallest share of the points in a leaf.
    """
    from sklearn.tree import DecisionTreeClassifier

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    tree = DecisionTreeClassifier(min_samples_leaf=max(1, int(mass_min * x.shape[0])),
                                  random_state=_seed(rng)).fit(x, y)
    structure = tree.tree_
    leaves: list[tuple[int, np.ndarray, np.ndarray]] = []
    stack = [(0, bounds[0].copy(), bounds[1].copy())]
    while stack:
        node, lower, upper = stack.pop()
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            leaves.append((node, lower, upper))
            continue
        feature, threshold = structure.feature[node], structure.threshold[node]
        left_upper = upper.copy()
        left_upper[feature] = min(upper[feature], threshold)
        right_lower = lower.copy()
        right_lower[feature] = max(lower[feature], threshold)
        stack += [(right, right_lower, upper), (left, lower, left_upper)]
    members = tree.apply(x)
    total = int(np.count_nonzero(y))
    counts = np.array([(np.count_nonzero(members == node),
                        np.count_nonzero(y[members == node])) for node, _, _ in leaves],
                      dtype=np.int64)
    points, cases = counts[:, 0], counts[:, 1]
    density = cases / points
    order = np.lexsort((-cases, -density))
    return CartLeaves(
        lower=np.vstack([leaves[i][1] for i in order]),
        upper=np.vstack([leaves[i][2] for i in order]),
        points=points[order],
        cases=cases[order],
        coverage=(cases / total if total else np.zeros(len(leaves)))[order],
        density=density[order],
        mass=(points / x.shape[0])[order],
        predicted=(2 * cases > points)[order],
        depth=int(tree.get_depth()),
    )


@dataclass(frozen=True)
class FeatureScores:
    """Extra-trees feature scores of the inputs, and of a column of noise.

    Attributes
    ----------
    scores : ndarray, shape (d,)
        Each input's share of the ensemble's impurity decrease (the inputs and the noise
        column sum to 1).
    noise : float
        The noise column's score: the level an input that does not matter reaches.
    """

    scores: np.ndarray
    noise: float


def feature_scores(
    x: np.ndarray, target: np.ndarray, *, rng: np.random.Generator
) -> FeatureScores:
    """Extra-trees feature scores of the inputs for ``target``.

    Parameters
    ----------
    x : ndarray, shape (n, d)
    target : ndarray, shape (n,)
        Boolean (classification: Gini impurity) or numeric (regression: variance).
    rng : numpy.random.Generator
        Draws the noise column and seeds the ensemble.
    """
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    x = np.asarray(x, dtype=np.float64)
    target = np.asarray(target)
    noisy = np.column_stack([x, rng.random(x.shape[0])])
    options = {"n_estimators": ESTIMATORS, "max_features": MAX_FEATURES,
               "random_state": _seed(rng), "n_jobs": 1}
    model = (ExtraTreesClassifier(**options) if target.dtype == bool
             else ExtraTreesRegressor(**options)).fit(noisy, target)
    importances = np.asarray(model.feature_importances_, dtype=np.float64)
    return FeatureScores(scores=importances[:-1], noise=float(importances[-1]))

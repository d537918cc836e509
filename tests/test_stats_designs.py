"""Space-filling designs (simcore.stats.designs): stratification, balance, seeds, marginals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simcore.core.errors import ParameterError
from simcore.stats.designs import (
    BetaMarginal,
    NormalMarginal,
    TriangularMarginal,
    UniformMarginal,
    scale_design,
    unit_design,
)


@pytest.mark.parametrize("points", [7, 64, 256])
def test_latin_hypercube_puts_one_point_in_each_stratum(points: int) -> None:
    design = unit_design("lhs", points, 3, np.random.default_rng(points))
    assert design.shape == (points, 3)
    for column in design.T:
        assert sorted(np.floor(column * points).astype(int)) == list(range(points))


def test_sobol_balances_every_elementary_interval() -> None:
    design = unit_design("sobol", 64, 2, np.random.default_rng(3))
    # Each of the 64 cells of an 8 x 8 grid, and of a 64 x 1 and a 1 x 64 grid, holds one.
    for rows, columns in ((8, 8), (64, 1), (1, 64), (4, 16)):
        cells = np.floor(design[:, 0] * rows) * columns + np.floor(design[:, 1] * columns)
        assert np.unique(cells).size == 64


def test_sobol_needs_a_power_of_two() -> None:
    with pytest.raises(ParameterError, match=r"points: a Sobol. design needs a power of two,"
                       r".*got 100; 64 or 128"):
        unit_design("sobol", 100, 2, np.random.default_rng(0))


def test_same_generator_state_same_design() -> None:
    for kind in ("lhs", "sobol"):
        first = unit_design(kind, 32, 4, np.random.default_rng(11))
        np.testing.assert_array_equal(first, unit_design(kind, 32, 4, np.random.default_rng(11)))
        assert not np.array_equal(first, unit_design(kind, 32, 4, np.random.default_rng(12)))


def test_too_small_designs_are_refused() -> None:
    with pytest.raises(ParameterError, match="at least 2 points"):
        unit_design("lhs", 1, 2, np.random.default_rng(0))


@pytest.mark.parametrize(
    ("marginal", "reference"),
    [
        (UniformMarginal(0.1, 0.6), stats.uniform(0.1, 0.5)),
        (TriangularMarginal(0.0, 0.2, 1.0), stats.triang(0.2, 0.0, 1.0)),
        (BetaMarginal(2.0, 8.0), stats.beta(2.0, 8.0)),
        (BetaMarginal(2.0, 3.0, 1e9, 5e9), stats.beta(2.0, 3.0, 1e9, 4e9)),
        (NormalMarginal(0.35, 0.05), stats.norm(0.35, 0.05)),
    ],
)
def test_marginals_invert_their_cdf(marginal, reference) -> None:
    u = np.linspace(0.0, 0.99, 100)
    np.testing.assert_allclose(marginal.ppf(u), reference.ppf(u), rtol=1e-12, atol=1e-12)
    lo, hi = marginal.support
    assert (lo, hi) == tuple(reference.support())


def test_a_scaled_latin_hypercube_keeps_its_strata_in_probability() -> None:
    marginals = [UniformMarginal(0.1, 0.6), BetaMarginal(2.0, 8.0)]
    design = scale_design(unit_design("lhs", 50, 2, np.random.default_rng(5)), marginals)
    probability = np.column_stack([(design[:, 0] - 0.1) / 0.5,
                                   stats.beta(2.0, 8.0).cdf(design[:, 1])])
    for column in probability.T:
        assert sorted(np.floor(column * 50 + 1e-9).astype(int)) == list(range(50))


def test_marginals_check_their_parameters() -> None:
    with pytest.raises(ValueError, match="LOW < HIGH"):
        UniformMarginal(1.0, 1.0)
    with pytest.raises(ValueError, match="MODE"):
        TriangularMarginal(0.0, 2.0, 1.0)
    with pytest.raises(ValueError, match="A > 0"):
        BetaMarginal(0.0, 1.0)
    with pytest.raises(ValueError, match="SD > 0"):
        NormalMarginal(0.0, -1.0)
    assert UniformMarginal(0.1, 0.6).describe() == "uniform(0.1, 0.6)"
    assert BetaMarginal(2, 3, 1e9, 5e9).describe() == "beta(2, 3, 1e+09, 5e+09)"

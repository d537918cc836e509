"""Scores of mixed laws (stats.scores) against closed forms and hand-computed cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from simcore.stats.scores import (
    Normal,
    PointMass,
    ScaledBeta,
    crps,
    interval_mid_pit,
    interval_probability,
    mixture,
)


def normal_crps(mean: float, sd: float, y: float) -> float:
    """Gneiting & Raftery (2007), eq. 21: σ [z (2Φ(z) − 1) + 2φ(z) − 1/√π]."""
    z = (y - mean) / sd
    return sd * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))


def normal_abs_mean(mean: float, sd: float) -> float:
    """E|X| of X ~ N(mean, sd²): the folded normal's mean."""
    return sd * math.sqrt(2 / math.pi) * math.exp(-mean**2 / (2 * sd**2)) + mean * (
        1 - 2 * stats.norm.cdf(-mean / sd))


@pytest.mark.parametrize("y", [-0.2, 0.0, 0.04, 0.1, 0.5])
def test_a_point_mass_scores_its_distance(y: float) -> None:
    assert crps(mixture([(1.0, PointMass(0.04))]), y) == pytest.approx(abs(y - 0.04), abs=1e-15)


@pytest.mark.parametrize(("mean", "sd", "y"), [(0.05, 0.096, 0.068), (0.0, 1.0, 3.0),
                                                (0.05, 0.01, -0.154), (2.0, 0.3, 2.0)])
def test_a_normal_matches_the_closed_form(mean: float, sd: float, y: float) -> None:
    assert crps(mixture([(1.0, Normal(mean, sd))]), y) == pytest.approx(
        normal_crps(mean, sd, y), rel=1e-10)


@pytest.mark.parametrize("y", [-0.2, 0.3, 0.7, 1.5])
@pytest.mark.parametrize("origin,scale", [(0.0, 1.0), (1.0, -1.0)])
def test_a_uniform_matches_the_closed_form(y: float, origin: float, scale: float) -> None:
    """U(0, 1), written as Beta(1, 1) upward from 0 or downward from 1:
    ∫₀ʸ x² dx + ∫ᵧ¹ (1 − x)² dx inside, E|X − y| − 1/6 outside."""
    exact = (y**3 + (1 - y) ** 3) / 3 if 0 <= y <= 1 else abs(y - 0.5) - 1 / 6
    law = mixture([(1.0, ScaledBeta(origin, scale, 1.0, 1.0))])
    assert crps(law, y) == pytest.approx(exact, abs=1e-12)


def test_a_mixture_of_normals_matches_the_kernel_form() -> None:
    """CRPS = Σ w_i E|X_i − y| − ½ Σ w_i w_j E|X_i − X_j| (Gneiting & Raftery 2007, eq. 20)."""
    parts = [(0.3, 0.02, 0.01), (0.5, 0.08, 0.05), (0.2, -0.1, 0.03)]
    y = 0.031
    first = math.fsum(w * normal_abs_mean(m - y, s) for w, m, s in parts)
    second = math.fsum(wi * wj * normal_abs_mean(mi - mj, math.hypot(si, sj))
                       for wi, mi, si in parts for wj, mj, sj in parts)
    law = mixture([(w, Normal(m, s)) for w, m, s in parts])
    assert crps(law, y) == pytest.approx(first - second / 2, rel=1e-10)


def test_atoms_and_a_scaled_beta_match_an_independent_quadrature() -> None:
    """The baseline's law for 2002: a status-quo atom and two demand Betas, against QUADPACK
    integrating (F − 1{x ≥ y})² with the jump and the Betas' ends as breakpoints."""
    law = mixture([(0.55, PointMass(0.128)), (0.21, ScaledBeta(0.0, 4.066, 2.0, 8.0)),
                   (0.14, ScaledBeta(0.0, 9.133, 2.0, 8.0))])
    y = 0.068

    def integrand(x: float) -> float:
        return float((law.cdf(np.array([x]))[0] - (x >= y)) ** 2)

    pieces = [0.0, y, 0.128, 4.066, 9.133]
    exact = math.fsum(integrate.quad(integrand, a, b, limit=200, epsabs=1e-13)[0]
                      for a, b in itertools.pairwise(pieces))
    assert crps(law, y) == pytest.approx(exact, rel=1e-9)


def test_mid_pit_of_a_point_mass_is_half_inside_and_zero_or_one_outside() -> None:
    atom = mixture([(1.0, PointMass(0.025))])
    assert interval_mid_pit(atom, 0.0245, 0.0255) == 0.5
    assert interval_mid_pit(atom, 0.0255, 0.0265) == 1.0  # the atom lies below
    assert interval_mid_pit(atom, 0.0235, 0.0245) == 0.0  # the atom lies above
    coin = mixture([(0.5, PointMass(0.0)), (0.5, PointMass(1.0))])
    assert interval_mid_pit(coin, -0.1, 0.1) == 0.25  # half of the lower atom's half
    assert interval_probability(coin, -0.1, 0.1) == 0.5
    assert interval_probability(coin, 0.2, 0.8) == 0.0


def test_mid_pit_and_bin_probability_of_a_normal() -> None:
    law = mixture([(1.0, Normal(0.05, 0.1))])
    low, high = 0.0675, 0.0685
    expected = (special.ndtr((low - 0.05) / 0.1) + special.ndtr((high - 0.05) / 0.1)) / 2
    assert interval_mid_pit(law, low, high) == pytest.approx(expected, rel=1e-14)
    assert interval_probability(law, 0.063, 0.073) == pytest.approx(
        stats.norm.cdf(0.073, 0.05, 0.1) - stats.norm.cdf(0.063, 0.05, 0.1), rel=1e-12)


def test_a_beta_below_its_origin_has_no_mass() -> None:
    law = mixture([(1.0, ScaledBeta(0.0, 4.0, 2.0, 8.0))])
    assert interval_probability(law, -0.094, -0.084) == 0.0
    assert interval_mid_pit(law, -0.0895, -0.0885) == 0.0


def test_degenerate_parts_are_refused_and_weights_renormalized() -> None:
    with pytest.raises(ValueError, match="PointMass"):
        Normal(0.0, 0.0)
    with pytest.raises(ValueError, match="PointMass"):
        ScaledBeta(0.0, 0.0, 2.0, 8.0)
    with pytest.raises(ValueError, match="positive weight"):
        mixture([(0.0, PointMass(1.0))])
    law = mixture([(0.55, PointMass(0.0)), (0.35, PointMass(1.0)), (0.0, PointMass(2.0))])
    assert law.weights == pytest.approx((0.55 / 0.9, 0.35 / 0.9), rel=1e-15)

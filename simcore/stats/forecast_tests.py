"""Tests of probabilistic forecasts from their PIT values (docs/spec/METHODS.md §C).

- :func:`berkowitz_test`: Berkowitz's (2001) likelihood-ratio test that the normal scores
  ``z = Φ⁻¹(PIT)`` of a sequence of one-step forecasts are iid N(0, 1), against a Gaussian
  AR(1) with any mean, variance and autocorrelation (3 degrees of freedom), by exact
  maximum likelihood.
- :func:`mean_pit_null_sd`: the sd of the mean PIT of a calibrated forecaster over ``n``
  consecutive origins at lead ``h``, whose forecasts overlap: closed form for Gaussian
  errors.

Pure functions of their arguments: every sum is :func:`math.fsum`, logs are :mod:`math`'s,
the optimizer is scipy's scalar Brent method (no BLAS, no SIMD-specific functions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

#: PIT values are kept within [ε, 1 − ε] before ``Φ⁻¹`` (a realized value outside every
#: simulated one has a mid-PIT of 0 or 1): ``ε = 1 / (2 · samples)`` is passed in.
_RHO_BOUND = 0.999


@dataclass(frozen=True)
class BerkowitzResult:
    """Berkowitz's likelihood-ratio test.

    Attributes
    ----------
    statistic : float
        ``LR = 2 (ℓ(μ̂, σ̂, ρ̂) − ℓ(0, 1, 0))``, chi-square with 3 degrees of freedom under the
        null.
    p_value : float
    mean, sd, autocorrelation : float
        The maximum-likelihood ``μ̂``, ``σ̂`` and ``ρ̂`` of the normal scores.
    n : int
        Forecasts tested.
    """

    statistic: float
    p_value: float
    mean: float
    sd: float
    autocorrelation: float
    n: int


def _profile(z: list[float], rho: float) -> tuple[float, float, float]:
    """The exact Gaussian AR(1) log-likelihood of ``z`` maximised over μ and σ at ``rho``:
    ``(ℓ, μ̂, σ̂²)``. The first value enters as stationary (variance σ² / (1 − ρ²))."""
    n = len(z)
    root = math.sqrt(1.0 - rho * rho)
    a = [root * z[0]] + [z[t] - rho * z[t - 1] for t in range(1, n)]
    b = [root] + [1.0 - rho] * (n - 1)
    mean = math.fsum(x * y for x, y in zip(a, b, strict=True)) / math.fsum(y * y for y in b)
    variance = math.fsum((x - mean * y) ** 2 for x, y in zip(a, b, strict=True)) / n
    log_likelihood = (-0.5 * n * (math.log(2.0 * math.pi * variance) + 1.0)
                      + 0.5 * math.log(1.0 - rho * rho))
    return log_likelihood, mean, variance


def berkowitz_test(pit: np.ndarray, *, floor: float) -> BerkowitzResult:
    """Berkowitz's (2001) test of ``pit``, a sequence of one-step forecasts in time order.

    Parameters
    ----------
    pit : ndarray, shape (n,)
        PIT values, n ≥ 3.
    floor : float
        ε: the PITs are clipped to [ε, 1 − ε] (a mid-PIT of 0 or 1 says only that the value
        lay beyond every simulated one).
    """
    values = np.clip(np.asarray(pit, dtype=float), floor, 1.0 - floor)
    if values.size < 3:
        raise ValueError(f"Berkowitz's test needs at least 3 forecasts (got {values.size})")
    z = [float(v) for v in special.ndtri(values)]
    best = optimize.minimize_scalar(lambda rho: -_profile(z, rho)[0],
                                    bounds=(-_RHO_BOUND, _RHO_BOUND), method="bounded",
                                    options={"xatol": 1e-10})
    rho = float(best.x)
    fitted, mean, variance = _profile(z, rho)
    null = -0.5 * len(z) * math.log(2.0 * math.pi) - 0.5 * math.fsum(v * v for v in z)
    statistic = max(0.0, 2.0 * (fitted - null))
    return BerkowitzResult(statistic=statistic,
                           p_value=float(special.chdtrc(3, statistic)), mean=mean,
                           sd=math.sqrt(variance), autocorrelation=rho, n=len(z))


def mean_pit_null_sd(n: int, lead: int, persistence: float = 1.0) -> float:
    """The sd of the mean of ``n`` PITs of a calibrated forecaster at ``lead`` from
    consecutive origins.

    The lead-``h`` error from origin ``o`` is ``Σ_{j=1..h} φ^{h−j} ε_{o+j}``, so the errors of
    origins ``k < h`` apart share shocks, with correlation ``ρ_k``; for Gaussian errors the
    PITs ``Φ(e / sd)`` have ``Cov = arcsin(ρ / 2) / (2π)`` (1/12 at ρ = 1), and the variance
    of their mean is the average of those covariances. ``persistence`` 1, a random walk,
    gives the largest overlap of any φ in [0, 1], hence the widest band.
    """
    if n < 1 or lead < 1:
        raise ValueError(f"n and lead must be at least 1 (got {n}, {lead})")
    weights = [persistence ** (lead - j) for j in range(1, lead + 1)]
    total = math.fsum(w * w for w in weights)
    covariance = []
    for k in range(min(lead, n)):
        rho = math.fsum(weights[j] * weights[j - k] for j in range(k, lead)) / total
        covariance.append(math.asin(rho / 2.0) / (2.0 * math.pi))
    pairs = [n * covariance[0]] + [2.0 * (n - k) * covariance[k]
                                    for k in range(1, len(covariance))]
    return math.sqrt(math.fsum(pairs)) / n

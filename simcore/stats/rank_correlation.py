"""Rank correlations of an output with each scalar input: the tornado of spreadsheet tools.

Spearman's ρ between ``Y`` and each input (a driver's shock in one year, a uniform's role in
one year) from an ordinary run (METHODS.md §S). Unlike Shapley effects it measures only a
monotone association with one input at a time, and under correlated inputs it credits an
input with what its partners do; it is a quick look, not an attribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

#: Paths per chunk of the sums of products: a chunk's products of every input stay in the
#: CPU's cache (twice as fast as one pass over all paths at 1e5 paths × 70 inputs).
SUM_CHUNK = 1024


@dataclass(frozen=True)
class RankCorrelations:
    """Spearman's ρ of one output with each input, the largest ``|ρ|`` first.

    Attributes
    ----------
    inputs : tuple of str
        Inputs named in words ("KRW/USD shock 2029"), by decreasing ``|ρ|``; inputs
        without variation (ρ undefined) come last.
    rho : ndarray, shape (p,)
        Spearman's ρ in [−1, 1]; NaN when the input or the output is constant.
    """

    inputs: tuple[str, ...]
    rho: np.ndarray

    def top(self, count: int) -> RankCorrelations:
        """The ``count`` inputs with the largest ``|ρ|``."""
        return RankCorrelations(inputs=self.inputs[:count], rho=self.rho[:count])


def spearman(outputs: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """Spearman's ρ of every output with every input, shape (m, p).

    Parameters
    ----------
    outputs : ndarray, shape (n,) or (n, m)
        Outputs per path.
    inputs : ndarray, shape (n, p)
        Scalar inputs per path.

    Returns
    -------
    ndarray, shape (m, p)
        Pearson's correlation of the ranks (ties get average ranks); NaN where an input or
        an output is constant.

    Notes
    -----
    No matrix product (whose order of additions and fused multiply-adds are the BLAS
    kernel's): each sum over the paths is numpy's pairwise reduction of elementwise
    products within chunks of :data:`SUM_CHUNK` paths, the chunks added in path order, an
    order fixed by ``n`` alone, so ρ is the same bits on every machine.
    """
    def centred_ranks(values: np.ndarray) -> np.ndarray:
        """Ranks minus their mean, one variable per row (paths contiguous)."""
        columns = np.asarray(values, dtype=float).reshape(values.shape[0], -1)
        ranks = np.ascontiguousarray(rankdata(columns, axis=0).T)
        return ranks - ranks.mean(axis=1, keepdims=True)

    y, x = centred_ranks(outputs), centred_ranks(inputs)
    covariance = np.zeros((y.shape[0], x.shape[0]))
    products = np.empty((x.shape[0], min(SUM_CHUNK, x.shape[1])))
    chunk_sum = np.empty(x.shape[0])
    for start in range(0, x.shape[1], SUM_CHUNK):
        x_chunk = x[:, start:start + SUM_CHUNK]
        buffer = products[:, :x_chunk.shape[1]]
        for i, row in enumerate(y[:, start:start + SUM_CHUNK]):
            np.multiply(x_chunk, row, out=buffer)
            np.add.reduce(buffer, axis=1, out=chunk_sum)
            covariance[i] += chunk_sum
    with np.errstate(divide="ignore", invalid="ignore"):
        return covariance / np.sqrt((y * y).sum(axis=1)[:, None] * (x * x).sum(axis=1))


def sorted_correlations(inputs: Sequence[str], rho: np.ndarray) -> RankCorrelations:
    """The inputs by decreasing ``|ρ|``; equal ``|ρ|`` keep their order, NaN goes last."""
    rho = np.asarray(rho, dtype=float)
    order = np.argsort(np.where(np.isnan(rho), np.inf, -np.abs(rho)), kind="stable")
    return RankCorrelations(inputs=tuple(inputs[i] for i in order), rho=rho[order])


def rank_correlations(output: np.ndarray, inputs: Mapping[str, np.ndarray]) -> RankCorrelations:
    """Spearman's ρ between ``output`` and each input, sorted by decreasing ``|ρ|``.

    Parameters
    ----------
    output : ndarray, shape (n,)
        One output per path (one variable in one year).
    inputs : mapping of str to ndarray, shape (n,)
        Each scalar input per path, keyed by its name in words.

    Returns
    -------
    RankCorrelations
        Ties get average ranks (so a discrete output such as a known amount with a few
        jumps is handled); the order among equal ``|ρ|`` is the order of ``inputs``.

    Examples
    --------
    >>> x = np.array([0.1, 0.4, 0.2, 0.9])
    >>> result = rank_correlations(x**3, {"noise": np.array([3.0, 1.0, 4.0, 1.5]), "x": x})
    >>> result.inputs, result.rho.round(2).tolist()
    (('x', 'noise'), [1.0, -0.6])
    """
    names = tuple(inputs)
    columns = np.column_stack([np.asarray(inputs[name], dtype=float) for name in names])
    return sorted_correlations(names, spearman(output, columns)[0])

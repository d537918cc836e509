"""Block-wise moments equal numpy's over all samples, whatever the grouping."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from simcore.stats.moments import Moments


@pytest.mark.parametrize(
    ("offset", "scale"), [(0.0, 1.0), (1.5e12, 1e10)], ids=["centered", "krw-like"]
)
def test_merged_blocks_equal_numpy(
    rng: np.random.Generator, offset: float, scale: float
) -> None:
    values = offset + rng.standard_normal((10_000, 6)) * np.arange(1, 7) * scale
    blocks = [Moments.of(values[i : i + 1_000]) for i in range(0, 10_000, 1_000)]
    merged = functools.reduce(Moments.merge, blocks)
    assert merged.count == 10_000
    np.testing.assert_allclose(merged.mean, values.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(merged.sd(), values.std(axis=0, ddof=1), rtol=1e-9)
    np.testing.assert_allclose(merged.mcse(), values.std(axis=0, ddof=1) / 100.0, rtol=1e-9)


def test_constant_column_has_zero_spread() -> None:
    values = np.full((5_000, 2), 1.5192e12)
    merged = functools.reduce(Moments.merge, [Moments.of(values[i::5]) for i in range(5)])
    assert np.all(merged.sd() == 0.0)


def test_float32_and_integers_sum_in_float64() -> None:
    values = np.array([[28500], [24000], [24000]], dtype=np.int32)
    moments = Moments.of(values)
    np.testing.assert_allclose(moments.mean, [25500.0])
    np.testing.assert_allclose(moments.sd(), [np.std([28500, 24000, 24000], ddof=1)])
    single = Moments.of(np.ones((1, 3), dtype=np.float32))
    assert np.all(np.isnan(single.sd()))

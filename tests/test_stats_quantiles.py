"""simcore.stats.quantiles: bit-for-bit equality with np.percentile, on every path of the selection.

The reference is always ``np.percentile(x.astype(np.float64), q)`` (numpy's default "linear"
method) and the comparison ``assert_array_equal``, i.e. exact equality (NaN equal to NaN,
``-0.0`` equal to ``0.0``). Columns above ``SMALL`` go through the bracketing pass; the tests
with shrunken constants push small arrays through the same code many times, including the
retry and fallback branches that random data almost never reaches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import simcore.stats.quantiles as quantiles_mod
from simcore.stats.quantiles import column_percentiles, exact_percentiles

Generator = Callable[[np.random.Generator, int], np.ndarray]
BIG = 400_000  # above quantiles.SMALL: exercises the bracketing pass


def reference(x: np.ndarray, q: object) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.percentile(np.asarray(x).astype(np.float64), q)


def _normal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n)


def _lognormal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.lognormal(0.0, 3.0, n)


def _two_valued(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.where(rng.random(n) < 0.3, 1.5, -2.0)


def _all_equal(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.full(n, 3.25)


def _ties_90(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.where(rng.random(n) < 0.9, 7.0, 7.0 + rng.standard_normal(n))


def _ties_50_mid(rng: np.random.Generator, n: int) -> np.ndarray:
    # The tie sits at the median, so ranks land inside it and on both of its edges.
    return np.where(rng.random(n) < 0.5, 0.0, rng.standard_normal(n))


def _few_values(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 6, n).astype(np.float64)


def _float32(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def _float32_ties(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(-3, 4, n).astype(np.float32) * np.float32(0.1)


def _sorted(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.sort(rng.standard_normal(n))


def _antithetic(rng: np.random.Generator, n: int) -> np.ndarray:
    # Period-2 layout (x, -x, ...): a plain strided subsample would see one sign only.
    half = rng.standard_normal((n + 1) // 2)
    return np.stack([half, -half], axis=1).ravel()[:n]


def _signed_zeros(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array([-0.0, 0.0, 1.0, -1.0]), n)


def _infinities(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.standard_normal(n)
    x[rng.integers(0, n, max(1, n // 10))] = np.inf
    x[rng.integers(0, n, max(1, n // 20))] = -np.inf
    return x


def _huge(rng: np.random.Generator, n: int) -> np.ndarray:
    # b - a overflows in the interpolation: numpy's inf/NaN must be reproduced.
    return rng.choice(np.array([-1e308, 0.0, 1e308]), n)


def _subnormal(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n) * 1e-310


def _outliers(rng: np.random.Generator, n: int) -> np.ndarray:
    # A few values far outside anything a subsample is likely to see.
    x = rng.standard_normal(n)
    x[rng.integers(0, n, 7)] = [1e300, -1e300, 1e12, -1e12, 5e5, -5e5, 1e200]
    return x


DISTRIBUTIONS = [
    pytest.param(_normal, 1_000_000, id="normal-1e6"),
    pytest.param(_lognormal, BIG, id="lognormal-sigma3"),
    pytest.param(_two_valued, BIG, id="two-valued"),
    pytest.param(_all_equal, BIG, id="all-equal"),
    pytest.param(_ties_90, BIG, id="90pct-ties"),
    pytest.param(_ties_50_mid, BIG, id="50pct-ties-at-median"),
    pytest.param(_few_values, BIG, id="six-values"),
    pytest.param(_float32, BIG, id="float32"),
    pytest.param(_float32_ties, BIG, id="float32-ties"),
    pytest.param(_sorted, BIG, id="sorted"),
    pytest.param(_antithetic, BIG, id="antithetic-pairs"),
    pytest.param(_signed_zeros, BIG, id="signed-zeros"),
    pytest.param(_infinities, BIG, id="infinities"),
    pytest.param(_huge, BIG, id="overflowing-range"),
    pytest.param(_subnormal, BIG, id="subnormal"),
    pytest.param(_outliers, BIG, id="far-outliers"),
    pytest.param(_normal, 1, id="n1"),
    pytest.param(_normal, 2, id="n2"),
    pytest.param(_normal, 3, id="n3"),
    pytest.param(_normal, 10, id="n10"),
    pytest.param(_two_valued, 10, id="n10-two-valued"),
    pytest.param(_float32, 3, id="n3-float32"),
]

LEVELS = [
    pytest.param([5, 10, 25, 50, 75, 90, 95], id="fan-7"),
    pytest.param([0, 100], id="ends"),
    pytest.param([95, 5, 50, 50, 100, 0, 5, 50], id="unsorted-duplicates"),
    pytest.param(np.linspace(0, 100, 101), id="dense-101"),
    pytest.param([0.001, 2.5, 33.3, 66.7, 97.5, 99.999], id="odd-levels"),
    pytest.param(50, id="scalar"),
]


@pytest.mark.parametrize("levels", LEVELS)
@pytest.mark.parametrize(("make", "n"), DISTRIBUTIONS)
def test_matches_numpy_exactly(make: Generator, n: int, levels: object) -> None:
    x = make(np.random.default_rng(20240611), n)
    before = x.copy()
    got = exact_percentiles(x, levels)
    want = np.atleast_1d(reference(x, levels))
    assert got.dtype == np.float64
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x, before)  # the input is left alone


def test_follows_numpy_virtual_index_not_the_alpha_beta_formula() -> None:
    # numpy's "linear" uses (n - 1) * q. The general H&F form n*q + (1 - q) - 1 rounds to
    # 1.7999999999999998 here, which would interpolate to 1.7999999999999998 instead of 1.8.
    x = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    assert np.percentile(x, 45) == 1.8
    np.testing.assert_array_equal(exact_percentiles(x, [45]), [1.8])


def test_float32_levels_follow_numpy() -> None:
    x = np.random.default_rng(3).standard_normal(300_000)
    levels = np.array([0.1, 12.5, 50.0, 87.3, 99.9], dtype=np.float32)
    np.testing.assert_array_equal(exact_percentiles(x, levels), reference(x, levels))


def test_integer_input_is_widened_like_numpy() -> None:
    x = np.random.default_rng(4).integers(-(2**40), 2**40, 200_001)
    np.testing.assert_array_equal(exact_percentiles(x, [1, 50, 99]), reference(x, [1, 50, 99]))


def test_strided_view() -> None:
    base = np.random.default_rng(5).standard_normal(2 * BIG)
    x = base[::2]
    np.testing.assert_array_equal(exact_percentiles(x, [5, 50, 95]), reference(x, [5, 50, 95]))


def test_overwrite_input_keeps_the_values() -> None:
    x = np.random.default_rng(6).standard_normal(5_000)
    values = np.sort(x)
    got = exact_percentiles(x, [10, 50, 90], overwrite_input=True)
    np.testing.assert_array_equal(got, reference(values, [10, 50, 90]))
    np.testing.assert_array_equal(np.sort(x), values)


@pytest.mark.parametrize("n", [pytest.param(50, id="sorted-path"), pytest.param(BIG, id="pass")])
def test_nan_gives_numpys_nan(n: int) -> None:
    x = np.random.default_rng(7).standard_normal(n)
    x[n // 3] = np.nan
    got = exact_percentiles(x, [5, 50, 95])
    np.testing.assert_array_equal(got, reference(x, [5, 50, 95]))
    assert np.isnan(got).all()


@pytest.mark.parametrize(
    ("values", "levels", "error"),
    [
        pytest.param(np.array([]), [50], ValueError, id="empty"),
        pytest.param(np.ones((3, 2)), [50], ValueError, id="2-D"),
        pytest.param(np.ones(3), [101], ValueError, id="q-above-100"),
        pytest.param(np.ones(3), [-1e-9], ValueError, id="q-negative"),
        pytest.param(np.ones(3), [np.nan], ValueError, id="q-nan"),
        pytest.param(np.ones(3), [[50]], ValueError, id="q-2-D"),
        pytest.param(np.ones(3, dtype=complex), [50], TypeError, id="complex"),
    ],
)
def test_rejects(values: np.ndarray, levels: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        exact_percentiles(values, levels)


def test_fast_path_is_used_and_only_small_sets_are_sorted(monkeypatch) -> None:
    """Guards the speed claim: the 1e6 column is scanned, never sorted or partitioned whole."""
    scanned: list[int] = []
    sorted_sizes: list[int] = []
    scan, by_sorting = quantiles_mod._scan, quantiles_mod._by_sorting

    def spy_scan(y, *args):
        scanned.append(y.shape[0])
        return scan(y, *args)

    def spy_sort(y, ranks, *, owned):
        sorted_sizes.append(y.shape[0])
        return by_sorting(y, ranks, owned=owned)

    monkeypatch.setattr(quantiles_mod, "_scan", spy_scan)
    monkeypatch.setattr(quantiles_mod, "_by_sorting", spy_sort)
    x = np.random.default_rng(8).standard_normal(1_000_000)
    levels = [5, 10, 25, 50, 75, 90, 95]
    np.testing.assert_array_equal(exact_percentiles(x, levels), reference(x, levels))
    assert scanned[0] == x.shape[0]
    assert max(sorted_sizes) <= quantiles_mod.SMALL


# --- every branch, on small arrays with shrunken constants ----------------------------------


@pytest.fixture
def tiny_constants(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Sends arrays of a few dozen values through the bracketing pass and its recursion.

    Returns counters of the branches taken, so that the tests can check they were reached.
    """
    monkeypatch.setattr(quantiles_mod, "SMALL", 24)
    monkeypatch.setattr(quantiles_mod, "SUBSAMPLE", 64)
    monkeypatch.setattr(quantiles_mod, "_MAX_CUTS", 400)
    monkeypatch.setattr(quantiles_mod, "_MAX_KEPT_FRACTION", 0.9)
    taken = {"scan": 0, "retry": 0, "point": 0}
    scan, order_statistics = quantiles_mod._scan, quantiles_mod._order_statistics

    def spy_scan(y, cut_values, cut_le, labels):
        taken["scan"] += 1
        taken["point"] += int((labels == quantiles_mod._POINT).sum())
        return scan(y, cut_values, cut_le, labels)

    def spy_order_statistics(y, ranks, *, owned, depth=0, attempt=0):
        taken["retry"] += attempt > 0
        return order_statistics(y, ranks, owned=owned, depth=depth, attempt=attempt)

    monkeypatch.setattr(quantiles_mod, "_scan", spy_scan)
    monkeypatch.setattr(quantiles_mod, "_order_statistics", spy_order_statistics)
    return taken


SMALL_DISTRIBUTIONS = [
    _normal,
    _lognormal,
    _two_valued,
    _all_equal,
    _ties_90,
    _ties_50_mid,
    _few_values,
    _float32_ties,
    _sorted,
    _antithetic,
    _signed_zeros,
    _infinities,
    _huge,
]


@pytest.mark.parametrize(
    "sigmas",
    [
        pytest.param(4.0, id="normal-brackets"),
        pytest.param(0.0, id="brackets-that-miss"),  # forces the retries and the final sort
    ],
)
def test_every_path_on_small_arrays(
    tiny_constants: dict[str, int], monkeypatch: pytest.MonkeyPatch, sigmas: float
) -> None:
    monkeypatch.setattr(quantiles_mod, "WINDOW_SIGMAS", sigmas)
    rng = np.random.default_rng(9)
    level_sets = [[5, 10, 25, 50, 75, 90, 95], [0, 100, 50], np.linspace(0, 100, 21), [37.5]]
    for make in SMALL_DISTRIBUTIONS:
        for n in (25, 60, 257, 1000, 4099):
            x = make(rng, n)
            for levels in level_sets:
                np.testing.assert_array_equal(
                    exact_percentiles(x, levels), reference(x, levels), err_msg=f"{make} {n}"
                )
    assert tiny_constants["scan"] > 100
    assert tiny_constants["point"] > 0  # runs of ties were answered without extraction
    if sigmas == 0.0:
        assert tiny_constants["retry"] > 0


def test_plan_refused_when_too_many_cuts(
    tiny_constants: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quantiles_mod, "_MAX_CUTS", 2)
    x = np.random.default_rng(10).standard_normal(3000)
    levels = [5, 50, 95]
    np.testing.assert_array_equal(exact_percentiles(x, levels), reference(x, levels))
    assert tiny_constants["scan"] == 0


VALUE_POOL = st.sampled_from([-np.inf, -1e308, -2.5, -1.0, -0.0, 0.0, 1e-310, 1.0, 3.0, 1e308])


@settings(max_examples=150, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.integers(1, 400),
        elements=st.one_of(VALUE_POOL, st.floats(-1e6, 1e6, allow_nan=False)),
    ),
    levels=st.lists(st.floats(0, 100), min_size=1, max_size=12),
)
def test_property_small_constants(x: np.ndarray, levels: list[float]) -> None:
    # Hypothesis forbids function-scoped fixtures, so the constants are patched by hand.
    saved = quantiles_mod.SMALL, quantiles_mod.SUBSAMPLE, quantiles_mod._MAX_KEPT_FRACTION
    quantiles_mod.SMALL, quantiles_mod.SUBSAMPLE, quantiles_mod._MAX_KEPT_FRACTION = 24, 32, 0.9
    try:
        got = exact_percentiles(x, levels)
    finally:
        quantiles_mod.SMALL, quantiles_mod.SUBSAMPLE, quantiles_mod._MAX_KEPT_FRACTION = saved
    np.testing.assert_array_equal(got, reference(x, levels))


# --- column_percentiles ----------------------------------------------------------------------


def _panel(rng: np.random.Generator, n: int, dtype: type) -> np.ndarray:
    columns = [
        rng.standard_normal(n),
        rng.lognormal(0.0, 3.0, n),
        np.full(n, -4.0),
        np.where(rng.random(n) < 0.5, 0.0, 1.0),
        np.where(rng.random(n) < 0.9, 2.0, rng.standard_normal(n)),
    ]
    return np.stack(columns, axis=1).astype(dtype)


@pytest.mark.parametrize(
    ("n", "dtype", "order"),
    [
        pytest.param(200_000, np.float64, "C", id="float64-C"),
        pytest.param(200_000, np.float64, "F", id="float64-F"),
        pytest.param(200_000, np.float32, "C", id="float32"),
        pytest.param(7, np.float64, "C", id="n7"),
        pytest.param(1, np.float64, "C", id="n1"),
    ],
)
def test_column_percentiles_matches_axis0(n: int, dtype: type, order: str) -> None:
    values = np.asarray(_panel(np.random.default_rng(11), n, dtype), order=order)
    before = values.copy()
    levels = [0, 5, 10, 25, 50, 75, 90, 95, 100]
    got = column_percentiles(values, levels)
    assert got.shape == (len(levels), values.shape[1])
    np.testing.assert_array_equal(got, np.percentile(values.astype(np.float64), levels, axis=0))
    np.testing.assert_array_equal(values, before)


def test_column_percentiles_rejects() -> None:
    with pytest.raises(ValueError):
        column_percentiles(np.ones(5), [50])
    with pytest.raises(ValueError):
        column_percentiles(np.ones((0, 3)), [50])


@pytest.mark.parametrize("n", [7, 1_000, 300_000], ids=["tiny", "small", "bracketed"])
def test_percentiles_and_order_statistics_in_one_selection(n: int) -> None:
    from simcore.stats.quantiles import percentiles_and_order_statistics

    x = np.random.default_rng(n).lognormal(0.0, 2.0, n)
    ranks = np.array([0, n // 3, n // 2, n - 1, n // 3])
    pct, stats = percentiles_and_order_statistics(x, [5, 50, 95], ranks)
    np.testing.assert_array_equal(pct, np.percentile(x, [5, 50, 95]))
    np.testing.assert_array_equal(stats, np.sort(x)[ranks])
    with pytest.raises(ValueError, match="ranks must lie in"):
        percentiles_and_order_statistics(x, [50], np.array([n]))
    x[3] = np.nan
    _, stats = percentiles_and_order_statistics(x, [50], ranks)
    assert np.all(np.isnan(stats))


# --- columns tallied block by block -----------------------------------------------------------


def _tally_in_blocks(
    x: np.ndarray, block: int, levels: list[float], extra: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Brackets from the first block, the blocks tallied in ``order``, merged, settled."""
    from simcore.stats.quantiles import bracket_column, settle_column, tally_column

    brackets = bracket_column(x[:block], x.shape[0], levels, extra)
    assert brackets is not None
    starts = np.arange(0, x.shape[0], block)[order]
    tallies = [tally_column(x[s : s + block], brackets) for s in starts]
    total = tallies[0]
    for part in tallies[1:]:
        total = total.merge(part)
    return settle_column(brackets, total)


STREAMED = [
    _normal, _lognormal, _two_valued, _all_equal, _ties_90, _ties_50_mid, _few_values,
    _float32, _float32_ties, _antithetic, _signed_zeros, _infinities, _huge, _subnormal,
]


@pytest.mark.parametrize("make", STREAMED, ids=lambda f: f.__name__.strip("_"))
def test_a_column_tallied_in_blocks_gives_the_exact_percentiles(make: Generator) -> None:
    """Bit for bit what one pass over the whole column gives, whatever the blocks' order."""
    from simcore.stats.quantiles import percentiles_and_order_statistics

    rng = np.random.default_rng(11)
    n, block = 200_003, 8_192
    x = make(rng, n)
    levels = [5, 10, 25, 50, 75, 90, 95]
    extra = np.array([0, 9_500, 10_500, 99_000, 101_000, n - 1])
    expected = percentiles_and_order_statistics(x, levels, extra)
    for order in (np.arange(-(-n // block)), rng.permutation(-(-n // block))):
        got = _tally_in_blocks(x, block, levels, extra, order)
        assert got is not None, "a 4-sigma bracket missed"
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])
        assert got[0].tobytes() == expected[0].tobytes() or make is _signed_zeros


def test_a_misplaced_bracket_is_reported_never_a_wrong_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pilot unlike the column (here: its sorted head) misses; the caller is told."""
    monkeypatch.setattr(quantiles_mod, "WINDOW_SIGMAS", 0.0)
    x = np.sort(np.random.default_rng(12).standard_normal(100_000))
    assert _tally_in_blocks(x, 4_096, [50], np.array([], dtype=np.intp),
                            np.arange(25)) is None


def test_nan_anywhere_in_the_column_makes_every_percentile_nan() -> None:
    from simcore.stats.quantiles import bracket_column, settle_column, tally_column

    x = np.random.default_rng(13).standard_normal(50_000)
    for where in (10, 40_000):  # in the pilot block, in a later block
        y = x.copy()
        y[where] = np.nan
        brackets = bracket_column(y[:10_000], y.shape[0], [5, 50], np.array([3]))
        assert brackets is not None
        tally = tally_column(y[:10_000], brackets).merge(tally_column(y[10_000:], brackets))
        percentiles, stats = settle_column(brackets, tally)
        assert np.isnan(percentiles).all() and np.isnan(stats).all()
        np.testing.assert_array_equal(percentiles, reference(y, [5, 50]))


def test_a_tally_must_cover_the_column() -> None:
    from simcore.stats.quantiles import bracket_column, settle_column, tally_column

    x = np.random.default_rng(14).standard_normal(30_000)
    brackets = bracket_column(x[:10_000], x.shape[0], [50], np.array([], dtype=np.intp))
    assert brackets is not None
    with pytest.raises(ValueError, match="holds 10000 elements, not 30000"):
        settle_column(brackets, tally_column(x[:10_000], brackets))


def test_levels_too_dense_to_bracket_need_a_pass_of_their_own() -> None:
    from simcore.stats.quantiles import bracket_column

    x = np.random.default_rng(15).standard_normal(10_000)
    assert bracket_column(x[:1_000], 1_000_000, np.linspace(0, 100, 101), np.array([])) is None


@pytest.mark.parametrize("make", [_normal, _lognormal, _ties_90, _ties_50_mid, _few_values,
                                  _float32, _all_equal, _infinities],
                         ids=lambda f: f.__name__.strip("_"))
def test_brackets_narrowed_as_blocks_arrive_stay_exact(make: Generator) -> None:
    """Refined every few blocks, with blocks still tallied against older brackets (in flight
    on other workers) carried over: the same bits, and far fewer values kept."""
    from simcore.stats.quantiles import (
        bracket_column,
        percentiles_and_order_statistics,
        refine_brackets,
        retally,
        settle_column,
        tally_column,
    )

    rng = np.random.default_rng(18)
    n, block = 600_000, 6_000
    x = make(rng, n)
    levels = [5, 10, 25, 50, 75, 90, 95]
    extra = np.array([29_000, 31_000, 299_000, 301_000])
    expected = percentiles_and_order_statistics(x, levels, extra)
    pilot = bracket_column(x[:block], n, levels, extra)
    assert pilot is not None
    current, total = pilot, None
    in_flight: list[tuple[int, object]] = []  # (block start, brackets it was tallied with)
    refinements = 0
    for number, start in enumerate(range(0, n, block)):
        in_flight.append((start, current))
        if len(in_flight) < 3:  # three blocks in flight, as on a cluster
            continue
        done, made_with = in_flight.pop(0)
        part = retally(tally_column(x[done : done + block], made_with), made_with, current)
        total = part if total is None else total.merge(part)
        if number in (8, 20, 50):
            refined = refine_brackets(current, total)
            refinements += refined is not current
            total, current = retally(total, current, refined), refined
    for done, made_with in in_flight:
        part = retally(tally_column(x[done : done + block], made_with), made_with, current)
        total = part if total is None else total.merge(part)
    assert total is not None and total.size == n
    got = settle_column(current, total)
    assert got is not None
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    if make in (_normal, _lognormal, _float32):
        assert refinements == 3
        unrefined = tally_column(x, pilot)
        assert sum(len(k) for k in total.kept) < 0.3 * sum(len(k) for k in unrefined.kept)


def test_levels_at_the_ends_are_not_narrowed() -> None:
    from simcore.stats.quantiles import bracket_column, refine_brackets, tally_column

    x = np.random.default_rng(19).standard_normal(100_000)
    brackets = bracket_column(x[:5_000], x.shape[0], [0, 50, 100], np.array([], dtype=np.intp))
    assert brackets is not None
    assert refine_brackets(brackets, tally_column(x[:50_000], brackets)) is brackets


def test_a_tally_carries_over_only_to_refined_brackets() -> None:
    from simcore.stats.quantiles import bracket_column, retally, tally_column

    x = np.random.default_rng(20).standard_normal(100_000)
    none = np.array([], dtype=np.intp)
    low = bracket_column(x[:5_000], x.shape[0], [10], none)
    high = bracket_column(x[:5_000], x.shape[0], [90], none)
    assert low is not None and high is not None
    with pytest.raises(ValueError, match="do not refine"):
        retally(tally_column(x, low), low, high)


@pytest.mark.parametrize("make", SMALL_DISTRIBUTIONS, ids=lambda f: f.__name__.strip("_"))
def test_a_carried_tally_equals_a_tally_made_against_the_new_brackets(make: Generator) -> None:
    from simcore.stats.quantiles import bracket_column, refine_brackets, retally, tally_column

    rng = np.random.default_rng(21)
    n = 120_000
    x = make(rng, n)
    if make in (_huge, _float32_ties):
        x = x + rng.integers(0, 50, n).astype(x.dtype)  # ties of many values, not three
    extra = np.array([5_000, 7_000, 60_000], dtype=np.intp)
    brackets = bracket_column(x[:3_000], n, [5, 25, 50, 75, 95], extra)
    assert brackets is not None
    for seen in (12_000, 48_000):
        refined = refine_brackets(brackets, tally_column(x[:seen], brackets))
        carried = retally(tally_column(x[:seen], brackets), brackets, refined)
        direct = tally_column(x[:seen], refined)
        np.testing.assert_array_equal(carried.counts, direct.counts)
        np.testing.assert_array_equal(np.sort(np.concatenate(carried.kept)),
                                      np.sort(np.concatenate(direct.kept)))
        brackets = refined

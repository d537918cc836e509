"""Rank correlations against closed forms, and the Shapley and tornado figures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from simcore.report.figure import save_figure
from simcore.report.sensitivity import drivers_sentence
from simcore.report.sensitivity_panels import drawn_groups
from simcore.report.sensitivity_plots import (
    GROUP_HATCHES,
    ShapleyPanel,
    response_chart,
    shapley_chart,
    tornado_chart,
)
from simcore.stats.rank_correlation import RankCorrelations, rank_correlations, spearman


def test_spearman_of_a_bivariate_normal_is_the_arcsine_law(rng):
    n, r = 200_000, 0.6
    x = rng.standard_normal(n)
    y = r * x + math.sqrt(1 - r * r) * rng.standard_normal(n)
    result = rank_correlations(np.exp(y), {"x": x, "noise": rng.random(n)})
    # Spearman's ρ of a bivariate normal: (6/π) arcsin(r/2); its SE is below 1/√n.
    expected = 6 / math.pi * math.asin(r / 2)
    assert result.inputs == ("x", "noise")
    assert abs(result.rho[0] - expected) < 4 / math.sqrt(n)
    assert abs(result.rho[1]) < 4 / math.sqrt(n)


def test_sorted_by_absolute_rho_with_signs_kept_and_undefined_last():
    x = np.arange(10.0)
    result = rank_correlations(
        x,
        {"pinned": np.full(10, 0.03), "weak": np.array([1, 0, 2, 3, 5, 4, 6, 9, 7, 8.0]),
         "falling": -x, "rising": x**3},
    )
    assert result.inputs == ("falling", "rising", "weak", "pinned")
    np.testing.assert_allclose(result.rho[:2], [-1.0, 1.0])
    assert 0.9 < result.rho[2] < 1.0
    assert np.isnan(result.rho[3])
    assert result.top(2).inputs == ("falling", "rising")


def test_ties_get_average_ranks():
    # Y takes two values: the rank correlation equals the point-biserial of the ranks.
    y = np.array([0.0, 0.0, 1.0, 1.0])
    result = rank_correlations(y, {"u": np.array([0.1, 0.2, 0.3, 0.4])})
    assert result.rho[0] == pytest.approx(0.894427191, abs=1e-9)


def test_spearman_matches_pearson_of_the_ranks_and_a_hand_case(rng):
    from scipy.stats import rankdata

    outputs = np.column_stack([rng.standard_normal(3000), rng.integers(0, 5, 3000)])
    inputs = np.column_stack([outputs[:, 0] + rng.standard_normal(3000), rng.random(3000),
                              np.full(3000, 2.0)])
    y, x = rankdata(outputs, axis=0), rankdata(inputs[:, :2], axis=0)
    rho = spearman(outputs, inputs)
    assert rho.shape == (2, 3)
    np.testing.assert_allclose(rho[:, :2], np.corrcoef(y.T, x.T)[:2, 2:], rtol=1e-14)
    assert np.isnan(rho[:, 2]).all()  # a constant input
    # Ranks 1, 2, 3, 4 against 1, 3, 2, 4: centred products sum to 4, squares to 5 each.
    result = spearman(np.array([1.0, 2.0, 3.0, 4.0]), np.array([[10.0, 4.0], [30.0, 3.0],
                                                                [20.0, 2.0], [40.0, 1.0]]))
    assert result.tolist() == [[0.8, -1.0]]


def test_shapley_chart_stacks_to_one_per_year_with_hatches(tmp_path: Path):
    shares = np.array([[0.9, 0.1, 0.0], [0.5, 0.52, -0.02], [np.nan] * 3])
    panel = ShapleyPanel(label="contribution_usd (USD bn)", years=[2026, 2027, 2028],
                         shares=shares)
    figure = shapley_chart([panel], ["fx", "negotiation", "troops"], title="t")
    save_figure(figure, tmp_path / "s.png")
    ax = figure.axes[0]
    patches = {p.get_gid(): p for p in ax.patches}
    for year in (2026, 2027):
        total = sum(patches[f"{year} {g}"].get_height() for g in ("fx", "negotiation", "troops"))
        assert total == pytest.approx(1.0)
    assert patches["2027 troops"].get_height() == 0.0
    assert patches["2027 negotiation"].get_height() == pytest.approx(0.52 / 1.02)
    # Distinct hatches: the groups stay apart in black and white.
    hatches = [patches[f"2026 {g}"].get_hatch() for g in ("fx", "negotiation", "troops")]
    assert hatches == list(GROUP_HATCHES[:3]) and len(set(hatches)) == 3
    assert any(t.get_text() == "no variance" for t in ax.texts)
    assert (tmp_path / "s.png").stat().st_size > 10_000


def test_groups_without_a_share_are_left_out_and_named_in_words():
    shares = np.array([[0.0, 0.9, 0.1, 0.0], [0.0, 0.5, 0.52, -0.02], [np.nan] * 4])
    panel = ShapleyPanel(label="x", years=[2026, 2027, 2028], shares=shares)
    (cut,), groups, dropped = drawn_groups([panel], ["tail", "fx", "negotiation", "troops"])
    # Exactly 0 in every year: left out; a small negative estimate is an estimate: kept.
    assert groups == ["the exchange rate", "the negotiations", "troop cuts"]
    assert dropped == ["heavy tails of the shocks"]
    np.testing.assert_array_equal(cut.shares, shares[:, 1:])
    # A group a file of another version names, unknown here, is shown as it is stored.
    assert drawn_groups([panel], ["a", "fx", "b", "c"])[1] == ["the exchange rate", "b", "c"]


def test_drivers_sentence_groups_the_years_each_group_dominates():
    shares = np.array([[np.nan, np.nan], [0.93, 0.07], [0.3, 0.75], [0.06, 0.95]])
    text = drivers_sentence([2026, 2027, 2028, 2029], shares,
                            ["the exchange rate", "the negotiations"], "the payment")
    # 2028: 0.75 of 1.05 (the chart's normalization) is 71%.
    assert text == ("What moves the payment most: nothing in 2026 (it is known: no "
                    "variance); the exchange rate in 2027 (93% of its variance); the "
                    "negotiations in 2028–2029 (71–94%).")


def test_tornado_puts_the_largest_rho_on_top(tmp_path: Path):
    result = RankCorrelations(inputs=("KRW/USD shock 2029", "troop-move uniform 2028"),
                              rho=np.array([-0.8, 0.3]))
    figure = tornado_chart(result, title="t", label="contribution 2031")
    save_figure(figure, tmp_path / "t.svg")
    bars = {p.get_gid(): p for p in figure.axes[0].patches}
    top, second = bars["KRW/USD shock 2029"], bars["troop-move uniform 2028"]
    assert top.get_y() > second.get_y()
    assert top.get_width() == pytest.approx(-0.8) and top.get_hatch() == "///"
    assert second.get_width() == pytest.approx(0.3) and not second.get_hatch()
    assert (tmp_path / "t.svg").read_text().lstrip().startswith("<?xml")


def test_response_chart_draws_each_percentile_against_the_swept_value(tmp_path: Path):
    swept = [0.0, 0.5, 1.0]
    p = np.array([[1.0, 1.1, 1.2], [2.0, 2.5, 3.0], [2.5, 3.0, 3.5], [3.0, 3.5, 4.0]]) * 1e9
    figure = response_chart(swept, p, p - 1e8, p + 2e8, title="t",
                            xlabel="demand probability", ylabel="USD bn", scale=1e9,
                            levels=(5, 50, 80, 95))
    save_figure(figure, tmp_path / "r.png")
    ax = figure.axes[0]
    lines = {line.get_gid(): line for line in ax.lines if line.get_gid()}
    assert set(lines) == {"P5", "P50", "P80", "P95"}
    np.testing.assert_array_equal(lines["P80"].get_xdata(), swept)
    np.testing.assert_array_equal(lines["P80"].get_ydata(), p[2])
    assert len({line.get_linestyle() for line in lines.values()}) == 4
    assert (tmp_path / "r.png").stat().st_size > 10_000

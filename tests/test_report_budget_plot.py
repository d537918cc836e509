"""The budget figure (simcore.report.budget_plot): what is drawn equals the allocation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from simcore.core.errors import SmasimInputError
from simcore.report.budget_plot import STACKS, budget_chart
from simcore.report.figure import save_figure
from simcore.stats.budget import allocate_budget

YEARS = [2026, 2027, 2028, 2029]


@pytest.fixture
def result(rng: np.random.Generator):
    x = rng.lognormal(np.log([1.0e9, 1.1e9, 1.2e9, 1.3e9]), [0.0, 0.1, 0.2, 0.3], (20_000, 4))
    return allocate_budget(x, 80.0)


def _patches(figure) -> dict[str, Rectangle]:
    return {p.get_gid(): p for ax in figure.axes for p in ax.patches if p.get_gid()}


def test_drawn_amounts_equal_the_allocation(result, tmp_path: Path) -> None:
    path = tmp_path / "budget.svg"
    figure = budget_chart(YEARS, result, title="t", label="USD bn", scale=1e9)
    save_figure(figure, path)
    assert path.read_text().lstrip().startswith("<?xml")
    patches = _patches(figure)
    amounts = dict(zip(STACKS, (result.budget, result.proportional, result.percentile),
                       strict=True))
    for name, values in amounts.items():
        heights = [patches[f"{name} {year}"].get_height() for year in YEARS]
        np.testing.assert_allclose(heights, values, rtol=1e-12)
        top = patches[f"{name} {YEARS[-1]}"]
        assert top.get_y() + top.get_height() == pytest.approx(values.sum(), rel=1e-12)
    for k, year in enumerate(YEARS):
        assert patches[f"budget {year}"].get_height() == pytest.approx(result.budget[k])
        assert patches[f"percentile {year}"].get_height() == pytest.approx(result.percentile[k])
    (total,) = [line for line in figure.axes[0].lines if line.get_gid() == "total"]
    assert total.get_ydata()[0] == result.total


def test_years_differ_without_colour(result) -> None:
    figure = budget_chart(YEARS, result, title="t", label="USD bn", scale=1e9)
    patches = _patches(figure)
    looks = set()
    for year in YEARS:
        patch = patches[f"{STACKS[0]} {year}"]
        red, green, blue = to_rgb(patch.get_facecolor())
        assert red == green == blue  # grey: prints the same in black and white
        looks.add((round(red, 3), patch.get_hatch()))
    assert len(looks) == len(YEARS)
    assert len({patches[f"{STACKS[0]} {y}"].get_hatch() for y in YEARS}) == len(YEARS)


def test_output_suffix_is_checked(result, tmp_path: Path) -> None:
    with pytest.raises(SmasimInputError, match=r"\.png or \.svg"):
        save_figure(budget_chart(YEARS, result, title="t", label="USD"), tmp_path / "b.pdf")
    with pytest.raises(ValueError, match="years"):
        budget_chart(YEARS[:2], result, title="t", label="USD")

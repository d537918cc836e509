"""Figures: valid PNG/SVG files of sensible size whose plotted data equal the summary."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.read.queries import summary_rows
from simcore.read.select import select
from simcore.report import plots
from simcore.report.figure import save_figure
from simcore.report.panels import FAN_LEVELS, distribution_panels, fan_panels, figure_title
from tests.conftest import result_file

N = 3_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return result_file(tmp_path_factory.mktemp("plot"), ["baseline", "drawdown"], samples=N,
                       seed=9)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def plot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["plot", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", ["fan", "cdf", "hist"])
def test_png_files_are_valid_and_sensibly_sized(batch: Path, tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.png"
    code, output = plot(str(batch), "--kind", kind, "-o", str(out))
    assert code == 0, output
    assert output == f"Wrote {out}\n"
    width, height = png_size(out)
    assert 500 <= width <= 4000 and 300 <= height <= 4000
    assert 10_000 < out.stat().st_size < 2_000_000


def test_svg_is_xml_with_the_title(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "fan.svg"
    code, output = plot(str(batch), "--kind", "fan", "--overlay", "--var", "rok_share",
                        "--var", "total_cost_usd", "-o", str(out))
    assert code == 0, output
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert 10_000 < out.stat().st_size < 2_000_000
    text = out.read_text()
    # Variables in words, with their units.
    assert "ROK share of the total stationing cost [%]" in text
    assert "total cost of stationing, nominal [USD bn]" in text
    assert "rok_share" not in text and "total_cost_usd" not in text


def test_fan_chart_draws_the_summary_percentiles(batch: Path, tmp_path: Path) -> None:
    selection = select(batch, variables=["total_cost_usd"])
    figure = plots.fan_chart(selection.years, fan_panels(selection),
                             title=figure_title(selection, "fan chart"))
    save_figure(figure, tmp_path / "fan.png")
    rows = summary_rows(batch, variables=["total_cost_usd"], percentiles=list(FAN_LEVELS))
    for ax, scenario in zip(figure.axes, ("baseline", "drawdown"), strict=True):
        expected = np.array([[r.percentiles[q].value for r in rows if r.scenario == scenario]
                             for q in FAN_LEVELS])
        (median,) = ax.get_lines()
        np.testing.assert_array_equal(median.get_xdata(), np.arange(2026, 2032))
        np.testing.assert_array_equal(median.get_ydata(), expected[2])
        outer, inner = ax.collections
        # fill_between's polygon: the lower edge left to right, then the upper one back.
        vertices = outer.get_paths()[0].vertices
        assert set(expected[0]) <= set(vertices[:, 1]) and set(expected[4]) <= set(vertices[:, 1])
        assert set(expected[1]) <= set(inner.get_paths()[0].vertices[:, 1])
        assert ax.get_title() == f"{scenario}: total cost of stationing, nominal [USD bn]"
        # Values stay in USD; the ticks read in billions.
        label = ax.yaxis.get_major_formatter()(5.5e9, 0)
        assert label == "5.5"
    assert figure.get_suptitle() == f"baseline, drawdown — fan chart — {batch}"


def test_title_option_replaces_the_title(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "fan.svg"
    code, output = plot(str(batch), "--title", "What Korea pays & why", "-o", str(out))
    assert code == 0, output
    text = out.read_text()
    assert "What Korea pays &amp; why" in text and "fan chart" not in text


def test_small_multiples_fan_chart_for_a_printed_page(batch: Path) -> None:
    selection = select(batch, variables=["contribution_usd"])
    (panel,) = fan_panels(selection)
    figure = plots.fan_small_multiples(selection.years, panel, title="t", unit="USD bn")
    axes = figure.axes
    assert len(axes) == 2 and figure.get_figwidth() == plots.SMALL_MULTIPLES_WIDTH
    # One scale for every scenario, from 0; grey bands and a black median (black and white).
    assert axes[0].get_ylim() == axes[1].get_ylim() and axes[0].get_ylim()[0] == 0
    for ax, scenario in zip(axes, ("baseline", "drawdown"), strict=True):
        outer, inner = ax.collections
        (median,) = ax.get_lines()
        assert (outer.get_gid(), inner.get_gid(), median.get_gid()) == (
            f"{scenario} outer", f"{scenario} inner", f"{scenario} median")
        np.testing.assert_array_equal(median.get_ydata(), panel.series[scenario][2])
        assert median.get_color() == "black"
        greys = [c.get_facecolor()[0][:3] for c in (outer, inner)]
        assert all(len(set(np.round(g, 6))) == 1 for g in greys) and greys[0][0] > greys[1][0]
    assert [t.get_text() for t in figure.legends[0].get_texts()] == [
        "90% of paths (P5–P95)", "half of paths (P25–P75)", "median"]


def test_s_curve_marks_equal_the_summary(batch: Path, tmp_path: Path) -> None:
    selection = select(batch, variables=["rok_share", "cum_contribution_usd"], years="2031",
                       scenarios=["drawdown"])
    figure = plots.cdf_chart(distribution_panels(selection, years_given=True), title="t")
    save_figure(figure, tmp_path / "cdf.svg")
    rows = summary_rows(batch, variables=["rok_share", "cum_contribution_usd"], years="2031",
                        scenarios=["drawdown"], percentiles=[50.0, 70.0, 80.0])
    for ax, row in zip(figure.axes, rows, strict=True):
        marks = {line.get_gid(): (line.get_xdata()[0], line.get_ydata()[0])
                 for line in ax.get_lines() if line.get_gid()}
        for q in (50.0, 70.0, 80.0):
            assert marks[f"drawdown P{q:g}"] == (row.percentiles[q].value, q / 100)
        curve = next(line for line in ax.get_lines() if line.get_label() == "drawdown")
        assert np.all(np.diff(curve.get_xdata()) >= 0)
        np.testing.assert_array_equal(curve.get_ydata(), plots.CDF_LEVELS / 100)
    assert figure.axes[0].get_title() == "ROK share of the total stationing cost [%], 2031"
    assert figure.axes[1].get_title() == ("ROK SMA contribution summed over the horizon, "
                                          "nominal [USD bn], horizon total")


def test_horizon_total_of_money_is_the_sum_over_years(batch: Path) -> None:
    selection = select(batch, variables=["contribution_usd"], scenarios=["baseline"])
    (panel,) = distribution_panels(selection, years_given=False)
    (cum,) = distribution_panels(select(batch, variables=["cum_contribution_usd"],
                                        scenarios=["baseline"]), years_given=False)
    np.testing.assert_allclose(panel.series["baseline"], cum.series["baseline"], rtol=1e-15)
    assert panel.description == "total 2026-2031"
    (share,) = distribution_panels(select(batch, variables=["rok_share"]), years_given=False)
    assert share.description == "2031"


def test_histogram_shares_and_mean(batch: Path, tmp_path: Path) -> None:
    selection = select(batch, variables=["total_cost_usd"], years="2029")
    figure = plots.histogram(distribution_panels(selection, years_given=True), title="t")
    save_figure(figure, tmp_path / "h.png")
    (ax,) = figure.axes
    rows = summary_rows(batch, variables=["total_cost_usd"], years="2029", percentiles=[50.0])
    for k, row in enumerate(rows):
        patch = ax.patches[k]
        assert patch.get_label() == row.scenario
        heights = patch.get_data().values
        assert heights.sum() == pytest.approx(1.0, abs=1e-12)
        mean_line = next(line for line in ax.get_lines()
                         if line.get_label() == f"{row.scenario} mean")
        assert mean_line.get_xdata()[0] == pytest.approx(row.mean, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["-o", "x.pdf"], "-o: x.pdf must end in .png or .svg", id="suffix"),
        pytest.param(["--var", "cum_contribution_usd", "-o", "x.png"],
                     "--kind fan: cum_contribution_usd has no year axis", id="fan-total"),
        pytest.param(["--kind", "cdf", "--var", "rok_share", "--years", "2027-2029", "-o",
                      "x.png"], "--years: rok_share does not add up over years", id="share"),
        pytest.param(["--scenario", "lapse", "-o", "x.png"], "--scenario: unknown scenario(s)",
                     id="scenario"),
    ],
)
def test_bad_plots_exit_2(batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = plot(str(batch), *args)
    assert code == 2
    assert message in output
    assert output.strip().count("\n") == 0
    assert not list(tmp_path.iterdir())

"""What a new user hits reading results: outputs never overwritten silently, fan charts in a
grid, S-curve labels that never overlap, no fake "±0" interval at P0 and P100."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.text import Text
from simcore.cli.main import cli

from simcore.core.errors import OutputExistsError
from simcore.io.atomic import replacing, write_text
from simcore.read.queries import summary_rows
from simcore.read.select import select
from simcore.report import plots
from simcore.report.figure import save_figure
from simcore.report.panels import Panel, distribution_panels, fan_panels
from simcore.report.render import summary_tables
from tests.conftest import result_file

N = 2_000
SCENARIOS = ["baseline", "drawdown", "lapse", "us-demand-2027"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return result_file(tmp_path_factory.mktemp("outputs"), SCENARIOS, samples=N, seed=3)


def smasim(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("command", "name"),
    [
        pytest.param(["summary", "--var", "rok_share"], "out.csv", id="summary"),
        pytest.param(["compare", "--scenario", "baseline", "--scenario", "lapse", "--var",
                      "rok_share"], "out.json", id="compare"),
        pytest.param(["plot", "--var", "rok_share"], "out.png", id="plot"),
    ],
)
def test_outputs_are_not_overwritten_without_asking(batch: Path, tmp_path: Path,
                                                    command: list[str], name: str) -> None:
    out = tmp_path / name
    out.write_bytes(b"keep me")
    first, *options = command
    code, output = smasim(first, str(batch), *options, "-o", str(out))
    assert code == 2
    assert output.strip().count("\n") == 0
    assert f"{out}: exists; pass --overwrite to replace it" in output
    assert out.read_bytes() == b"keep me"
    code, output = smasim(first, str(batch), *options, "-o", str(out), "--overwrite")
    assert code == 0, output
    assert out.read_bytes() != b"keep me"
    # Written under a temporary name and renamed: nothing else is left beside it.
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_library_writer_refuses_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "table.md"
    write_text(out, "first\n")
    with pytest.raises(OutputExistsError, match="exists; pass overwrite=True"):
        write_text(out, "second\n")
    assert out.read_text() == "first\n"
    write_text(out, "second\n", overwrite=True)
    assert out.read_text() == "second\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.md"]


def test_the_writer_makes_missing_folders_and_removes_them_if_it_fails(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "table.md"
    write_text(out, "text\n")
    assert out.read_text() == "text\n"
    assert [p.name for p in out.parent.iterdir()] == ["table.md"]
    failed = tmp_path / "other" / "inner" / "x.md"
    with pytest.raises(RuntimeError), replacing(failed) as temp:
        temp.write_text("half")
        raise RuntimeError("stopped")
    assert [p.name for p in tmp_path.iterdir()] == ["new"]


@pytest.mark.parametrize(
    ("command", "name"),
    [pytest.param(["budget"], "b.csv", id="budget"),
     pytest.param(["summary", "--var", "rok_share"], "s.md", id="summary"),
     pytest.param(["plot", "--var", "rok_share"], "p.png", id="plot")],
)
def test_an_output_in_a_new_folder_is_written_like_run(batch: Path, tmp_path: Path,
                                                       command: list[str], name: str) -> None:
    out = tmp_path / "nodir" / name
    first, *options = command
    code, output = smasim(first, str(batch), *options, "-o", str(out))
    assert code == 0, output
    assert out.stat().st_size > 0
    assert [p.name for p in out.parent.iterdir()] == [name]


def test_fan_chart_of_four_scenarios_is_a_grid(batch: Path, tmp_path: Path) -> None:
    selection = select(batch, variables=["contribution_usd", "rok_share"])
    figure = plots.fan_chart(selection.years, fan_panels(selection), title="t")
    save_figure(figure, tmp_path / "fan.png")
    # Two variables × four scenarios: per variable two rows of at most three panels.
    assert len(figure.axes) == 8
    assert figure.get_figwidth() == pytest.approx(3 * 6.4)
    rows = {round(ax.get_position().y0, 3) for ax in figure.axes}
    assert len(rows) == 4
    titles = [ax.get_title() for ax in figure.axes]
    # In words, not codes (the variable's description and its display unit).
    assert titles[:4] == [f"{s}: ROK SMA contribution, nominal [USD bn]" for s in SCENARIOS]
    # A variable's panels share one y-scale, as on one row before.
    limits = {ax.get_ylim() for ax in figure.axes[:4]}
    assert len(limits) == 1


def mark_labels(ax: Axes) -> list[Text]:
    legend = ax.get_legend()
    assert legend is not None
    return list(legend.get_texts())


def test_s_curve_labels_of_four_scenarios_never_overlap(batch: Path, tmp_path: Path) -> None:
    selection = select(batch, variables=["contribution_usd", "cum_contribution_usd"],
                       years="2031")
    figure = plots.cdf_chart(distribution_panels(selection, years_given=True), title="t")
    save_figure(figure, tmp_path / "cdf.png")
    renderer = figure.canvas.get_renderer()
    assert isinstance(renderer, RendererAgg)
    rows = summary_rows(batch, variables=["contribution_usd", "cum_contribution_usd"],
                        years="2031", percentiles=[50, 70, 80])
    for ax, name in zip(figure.axes, ["contribution_usd", "cum_contribution_usd"],
                        strict=True):
        labels = mark_labels(ax)
        assert len(labels) == 4
        boxes = [t.get_window_extent(renderer) for t in labels]
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b)
        # Every label names its scenario and the three marks' values, in display units.
        for text, scenario in zip(labels, SCENARIOS, strict=True):
            (row,) = [r for r in rows if r.scenario == scenario and r.variable == name]
            expected = ", ".join(f"P{q:g} {row.percentiles[q].value / 1e9:,.4g}"
                                 for q in (50.0, 70.0, 80.0))
            assert text.get_text() == f"{scenario}: {expected}"


def test_s_curve_labels_stay_apart_for_equal_curves(tmp_path: Path) -> None:
    """Identical scenarios: the worst case for labels placed beside the points."""
    values = np.random.default_rng(1).normal(1e9, 1e8, 5_000)
    panel = Panel("x [USD bn]", 1e9, {f"s{k}": values for k in range(6)}, "2031")
    figure = plots.cdf_chart([panel], title="t")
    save_figure(figure, tmp_path / "cdf.png")
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in mark_labels(figure.axes[0])]
    assert len(boxes) == 6
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_p0_and_p100_have_no_interval(batch: Path) -> None:
    rows = summary_rows(batch, variables=["total_cost_usd"], scenarios=["baseline"],
                        years="2031", percentiles=[0, 50, 100])
    (row,) = rows
    samples = select(batch, variables=["total_cost_usd"], scenarios=["baseline"],
                     years="2031")
    values = samples.values(samples.quantities[0], samples.scenarios[0])[:, 0]
    assert row.percentiles[0.0].value == values.min()
    assert row.percentiles[100.0].value == values.max()
    for q in (0.0, 100.0):
        assert math.isnan(row.percentiles[q].lower) and math.isnan(row.percentiles[q].upper)
        assert row.percentiles[q].half_width is None
    assert row.percentiles[50.0].half_width is not None
    record = row.as_record()
    assert record["p0_lower"] is None and record["p100_upper"] is None
    assert record["p0"] == values.min() and record["p50_lower"] is not None
    (table,) = summary_tables(rows)
    cells = table.rows[0]
    assert cells[2].endswith("±n/a") and cells[4].endswith("±n/a")
    assert not any(cell.endswith("±0") for cell in cells)
    assert "P0 and P100 are the sample's extremes and have no interval" in table.caption


def test_p0_p100_json_and_csv_intervals_are_empty(batch: Path) -> None:
    code, output = smasim("summary", str(batch), "--var", "rok_share", "--percentiles",
                          "0,100", "--years", "2031", "--format", "json")
    assert code == 0, output
    for record in json.loads(output)["records"]:
        assert record["p0_lower"] is None and record["p0_upper"] is None
        assert record["p100_lower"] is None and record["p100_upper"] is None
        assert record["p0"] <= record["p100"]


def test_convergence_has_no_precision_target_at_p0(batch: Path) -> None:
    from simcore.read.queries import convergence_rows

    rows = convergence_rows(batch, variables=["cum_contribution_usd"], scenarios=["lapse"],
                            percentiles=[0, 50], smallest=500)
    assert [r.n for r in rows] == [500, 1000, 2000]
    for row in rows:
        assert math.isnan(row.paths_needed["p0"])
        assert row.as_record()["paths_needed_p0"] is None
        assert row.paths_needed["p50"] >= 1
    (table,) = summary_tables(rows)
    assert "p0 n/a" in table.caption


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda f: summary_rows(f, variables=["nonsense"]),
                     "variables: unknown variable(s) nonsense", id="variables"),
        pytest.param(lambda f: summary_rows(f, scenarios=["basline"]),
                     "scenarios: unknown scenario(s) basline", id="scenarios"),
        pytest.param(lambda f: summary_rows(f, years="2040"), "years: 2040 outside", id="years"),
        pytest.param(lambda f: summary_rows(f, variables=["pv_contribution_usd"], real=True),
                     "real: pv_contribution_usd is a present value", id="real"),
        pytest.param(lambda f: summary_rows(f, exceed=[math.nan]),
                     "exceed: thresholds must be finite", id="exceed"),
    ],
)
def test_library_errors_name_arguments_not_flags(batch: Path, call: Callable[[Path], object],
                                                 message: str) -> None:
    from simcore.core.errors import SmasimInputError

    with pytest.raises(SmasimInputError) as caught:
        call(batch)
    assert str(caught.value).startswith(message)
    assert "--" not in str(caught.value)


def test_rows_carry_their_quantity(batch: Path) -> None:
    rows = summary_rows(batch, variables=["total_cost_usd", "rok_share", "contribution_usd"],
                        scenarios=["lapse"], years="2031", percentiles=[50], real=True)
    kinds = {r.variable: (r.quantity.spec.kind, r.quantity.display_unit, r.quantity.real)
             for r in rows}
    assert kinds == {
        "total_cost_usd_real": ("USD", "USD bn", True),
        "rok_share": ("fraction", "%", False),
        "contribution_usd_real": ("USD", "USD bn", False),
    }
    titles = [t.title for t in summary_tables(rows)]
    assert titles[0] == ("lapse: total_cost_usd_real [USD bn] — total cost of stationing, "
                         "in base-year prices")
    assert titles[2].endswith("ROK SMA contribution in base-year US dollars")

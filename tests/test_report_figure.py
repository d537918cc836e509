"""Figures are drawn, then saved by one function; every writer refuses an existing output
in the same words."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from simcore.analysis.backtest import StoredBacktest, coverage_rows, read_backtest
from simcore.core.errors import OutputExistsError, SmasimInputError
from simcore.core.types import DRIVERS
from simcore.io.atomic import refuse_existing, write_text
from simcore.io.layout import file_layout
from simcore.io.writer import ResultWriter
from simcore.report import plots
from simcore.report.evidence_plots import coverage_chart
from simcore.report.figure import DASHES, SUFFIXES, canvas, dashed, save_figure
from simcore.report.panels import Panel
from tests.conftest import BASELINE, ROOT
from tests.test_report_html_attachments import backtest_file


def small_panel() -> Panel:
    values = np.random.default_rng(3).normal(1e9, 1e8, (2, 400))
    return Panel("x [USD bn]", 1e9, {"a": values[0], "b": values[1]}, "2031")


def test_figure_functions_draw_and_write_nothing(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    figure = plots.cdf_chart([small_panel()], title="t")
    assert isinstance(figure, Figure) and figure.get_suptitle() == "t"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_save_figure_writes_the_format_of_the_suffix(tmp_path: Path, suffix: str) -> None:
    path = save_figure(plots.histogram([small_panel()], title="t"), tmp_path / f"f{suffix}")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") == (suffix == ".png")
    assert (b"<svg" in data) == (suffix == ".svg")
    assert [p.name for p in tmp_path.iterdir()] == [f"f{suffix}"]  # no temporary left


def test_save_figure_refuses_another_suffix_and_an_existing_file(tmp_path: Path) -> None:
    figure = canvas(2, 2)
    with pytest.raises(SmasimInputError, match=r"-o: .*x\.pdf must end in \.png or \.svg"):
        save_figure(figure, tmp_path / "x.pdf")
    target = tmp_path / "x.png"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="exists; pass overwrite=True"):
        save_figure(figure, target)
    assert target.read_bytes() == b"keep me"
    save_figure(figure, target, overwrite=True)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_dashed_gives_each_named_curve_its_own_pattern() -> None:
    figure = canvas(3, 2)
    ax = figure.subplots()
    for name in ("a", "b", "c"):
        ax.plot([0, 1], [0, 1], label=name)
    ax.plot([0, 1], [1, 0], label="other", linestyle=":")
    ax.legend()
    dashed(figure, ["a", "b", "c"])
    styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
    assert len({styles["a"], styles["b"], styles["c"]}) == 3
    assert styles["a"] == "-" == DASHES[0]
    assert styles["other"] == ":"  # not a scenario's curve: left as it was


def test_the_coverage_figure_draws_the_coverage_rows(tmp_path: Path) -> None:
    stored = StoredBacktest(*read_backtest(backtest_file(tmp_path / "b.nc")))
    figure = coverage_chart(stored)
    rows = coverage_rows(stored)
    for d, driver in enumerate(DRIVERS):
        drawn = {line.get_label(): line for line in figure.axes[d].get_lines()
                 if not line.get_label().startswith("_")}
        for level in (0.5, 0.8, 0.9):
            mine = [r for r in rows if r.driver == driver and r.level == level]
            line = drawn[f"{100 * level:.0f}% interval"]
            assert list(line.get_xdata()) == [r.lead for r in mine]
            assert list(line.get_ydata()) == [r.rate for r in mine]


def writers() -> dict[str, Callable[[Path, bool], object]]:
    """Each kind of writer smasim has, as a function of the path and ``overwrite``."""
    from simcore.config.load import load_scenario

    layout = file_layout([load_scenario(BASELINE).with_overrides(samples=10)], batch=False)

    def result_file(path: Path, overwrite: bool) -> object:
        with ResultWriter(path, layout, {}, overwrite=overwrite):
            return None

    return {
        "text": lambda path, overwrite: write_text(path, "x", overwrite=overwrite),
        "figure": lambda path, overwrite: save_figure(canvas(1, 1), path.with_suffix(".png"),
                                                      overwrite=overwrite),
        "result file": result_file,
    }


@pytest.mark.parametrize("kind", ["text", "figure", "result file"])
def test_every_writer_refuses_in_the_same_words(tmp_path: Path, kind: str) -> None:
    write = writers()[kind]
    target = tmp_path / "out.png"
    target.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError) as found:
        write(target, False)
    assert str(found.value) == (f"{target}: exists; pass overwrite=True to replace it, or "
                                "choose another output path")
    assert found.value.worded({"output": "-o", "overwrite": "--overwrite"}) == (
        f"{target}: exists; pass --overwrite to replace it, or choose another -o")
    folder = tmp_path / "folder.png"
    folder.mkdir()
    with pytest.raises(OutputExistsError, match="is a directory; the output path must name"):
        write(folder, True)
    assert target.read_bytes() == b"keep me"


def test_no_output_is_free() -> None:
    refuse_existing(None, overwrite=False)  # nothing asked for: nothing to refuse


def test_writing_a_figure_or_a_page_loads_neither_h5py_nor_xarray(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from simcore.io.atomic import write_text\n"
        "from simcore.report.figure import canvas, save_figure\n"
        f"save_figure(canvas(1, 1), {str(tmp_path / 'f.png')!r})\n"
        f"write_text({str(tmp_path / 'p.html')!r}, '<p>')\n"
        "print(sorted(m for m in ('h5py', 'xarray', 'h5netcdf') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "f.png").exists() and (tmp_path / "p.html").exists()

"""What every figure shares: its canvas, title, display-unit ticks, black-and-white line
styles, and the one function that writes a figure to a file.

Figure functions (:mod:`simcore.report.plots`, :mod:`~simcore.report.budget_plot`,
:mod:`~simcore.report.sensitivity_plots`, :mod:`~simcore.report.evidence_plots`) draw with
matplotlib's object API on an Agg canvas (no pyplot, so no global state and no display
needed) and return the :class:`~matplotlib.figure.Figure`, writing nothing: a caller reads
back what was drawn, inlines it into a page (:mod:`simcore.report.html.document`), or saves
it with :func:`save_figure`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import LineStyleType

from simcore.core.errors import SmasimInputError
from simcore.io.atomic import replacing

#: File types a figure is saved as, by suffix.
SUFFIXES = (".png", ".svg")
#: Dots per inch of every figure (PNG pixels; SVG is resolution-free).
DPI = 120
#: Inches per panel of a grid (width, height), and above the panels for the title.
PANEL_SIZE = (6.4, 3.8)
TITLE_HEIGHT = 0.6
#: Dash patterns that tell overlaid scenario curves apart in black and white, in order.
DASHES: tuple[LineStyleType, ...] = (
    "-", "--", ":", "-.", (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1)),
)


def check_output(path: str | Path) -> Path:
    """Raise unless ``path`` ends in a suffix of :data:`SUFFIXES`."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise SmasimInputError(
            f"-o: {path} must end in {' or '.join(SUFFIXES)} (got {path.suffix or 'no suffix'})"
        )
    return path


def canvas(width: float, height: float) -> Figure:
    """An empty figure of ``width`` × ``height`` inches at :data:`DPI`, laid out by
    matplotlib's constrained layout, on an Agg canvas (renders without a display; saving
    picks PNG or SVG from the format)."""
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def panel_grid(rows: int, columns: int, *, panel: tuple[float, float] = PANEL_SIZE,
               title_height: float = TITLE_HEIGHT) -> tuple[Figure, np.ndarray]:
    """A figure of ``rows`` × ``columns`` panels of ``panel`` inches each (width, height),
    ``title_height`` inches more for the title; the axes as an array, shape (rows, columns)."""
    figure = canvas(panel[0] * columns, panel[1] * rows + title_height)
    return figure, figure.subplots(rows, columns, squeeze=False)


def wrapped_title(figure: Figure, title: str, *, characters_per_inch: float = 10) -> None:
    """``title`` above the figure, wrapped to its width so that it is never cut off
    (about 10 characters of 12-point text per inch)."""
    width = max(40, int(figure.get_figwidth() * characters_per_inch))
    figure.suptitle(textwrap.fill(title, width))


def display_ticks(axis: Axis, scale: float) -> None:
    """Tick labels in display units: values divided by ``scale``, thousands grouped (the
    data stay in the file's units)."""
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value / scale:,.4g}"))


def dashed(figure: Figure, names: Sequence[str]) -> Figure:
    """Each scenario's curve and legend entry drawn with its own dash pattern (:data:`DASHES`,
    in the order of ``names``), so that overlaid curves stay apart in black and white.

    A curve is a line labelled with the scenario's name; a legend entry is a text starting
    with it (``"baseline"`` or ``"baseline: P50 …"``). Other lines are left as they are.
    Returns ``figure``, changed in place.
    """
    def style(label: str) -> LineStyleType | None:
        matches = [k for k, name in enumerate(names) if label == name
                   or label.startswith(f"{name}:")]
        return DASHES[matches[0] % len(DASHES)] if matches else None

    for ax in figure.axes:
        pairs: list[tuple[Any, object]] = [(line, line.get_label()) for line in ax.get_lines()]
        legend = ax.get_legend()
        if legend is not None:
            pairs += [(handle, text.get_text())
                      for handle, text in zip(legend.legend_handles, legend.get_texts(),
                                              strict=True)]
        for artist, label in pairs:
            dash = style(str(label))
            if dash is not None and hasattr(artist, "set_linestyle"):
                artist.set_linestyle(dash)
    return figure


def save_figure(figure: Figure, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``figure`` to ``path``, PNG or SVG by its suffix: the only place that writes a
    figure.

    Written under a temporary name and renamed when complete
    (:func:`simcore.io.atomic.replacing`), so that no half-written image is ever seen.

    Parameters
    ----------
    figure : Figure
        As a figure function returns it.
    path : str or Path
        Ends in ``.png`` or ``.svg`` (:data:`SUFFIXES`).
    overwrite : bool
        Replace ``path`` if it exists.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    SmasimInputError
        Another suffix.
    OutputExistsError
        ``path`` exists and ``overwrite`` is False, or is a directory.
    """
    path = check_output(path)
    with replacing(path, overwrite=overwrite) as temp:
        figure.savefig(temp, format=path.suffix.lower().lstrip("."))
    return path

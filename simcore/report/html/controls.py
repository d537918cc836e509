"""The report's controls: other outcome and reopening probabilities, with the first page
recomputed in the page, offline, from the stored paths.

Changing a negotiating scenario's outcome probabilities ``w_k`` or its reopening probability
``ρ`` changes only how likely each path's negotiation history is, so the stored paths
weighted by the likelihood ratio of their history are a sample under the new probabilities
(docs/spec/METHODS.md §W; :mod:`simcore.analysis.reweight`, whose
:func:`~simcore.analysis.reweight.history_table` gives each path's pattern of counts). A
path's ratio depends only on that pattern, so the page carries, per scenario, the patterns, how
many of the file's paths have each (its effective sample size is then the one ``smasim
reweight`` reports), and the paths it recomputes from: all of them up to
:data:`PAGE_PATHS`, else every path of a rare history and an evenly spread share of a common
one's, each counting for the paths of its history it stands for. Each path brings its
pattern and the values the first page reads (the payment in every year for the fan chart,
and the numbers of the bottom line and the table), as 4-byte floats (8-byte where every path
is carried, so that the numbers are those of ``smasim reweight``): about 40 bytes a path.
The script (``controls.js``) computes the ratios and the weighted percentiles exactly as
:mod:`simcore.stats.importance` does, and reads them by the reading rule.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from simcore.analysis.reweight import DEFAULT_MIN_ESS, Judgment, history_table
from simcore.config.load import parse_scenario
from simcore.config.schema import Scenario
from simcore.core.errors import PathsNotStoredError, SmasimInputError
from simcore.io.reader import read_samples
from simcore.read.select import select
from simcore.report.html.document import Section, paragraph, svg_id
from simcore.report.html.front import (
    FRONT_VARIABLES,
    TOTAL,
    LiveNumber,
    LiveNumbers,
    ScenarioNumbers,
)
from simcore.report.reading import unit_words

__all__ = ["PAGE_PATHS", "Controllable", "controllables", "controls_section", "fan_geometry",
           "kept_paths"]

#: Most paths per scenario the page carries to recompute its numbers from.
PAGE_PATHS = 4_000
#: The page's script.
SCRIPT = resources.files("simcore.report.html").joinpath("controls.js").read_text(
    encoding="utf-8")


@dataclass(frozen=True)
class Controllable:
    """A scenario whose probabilities the page can move.

    Attributes
    ----------
    label : str
        The scenario as the report names it.
    path : Path
        Its result file.
    scenario : Scenario
        Its stored configuration.
    """

    label: str
    path: Path
    scenario: Scenario

    @property
    def movable(self) -> bool:
        """Some probability can change without giving weight to what no path drew: two
        outcomes drawn with positive probability, or a reopening that may or may not
        happen."""
        judgment = Judgment.of(self.scenario)
        return (sum(w > 0 for w in judgment.outcomes) > 1 or 0 < judgment.reopen < 1)


def kept_paths(pattern: np.ndarray, limit: int, order: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The paths a page carries, and what each pattern's carried paths stand for.

    Every path when there are at most ``limit``; else each pattern keeps at most ``cap``
    of its paths, the largest ``cap`` whose total fits ``limit``, spread evenly through
    the pattern's paths sorted by ``order`` (the path nearest the middle of each of ``cap``
    equal shares: a stratified sample of ``order``'s distribution within the pattern), so
    that a rare history keeps all of its paths.

    Parameters
    ----------
    pattern : ndarray of int, shape (n,)
        Each path's pattern (:attr:`simcore.analysis.reweight.HistoryTable.pattern_of_path`).
    limit : int
        Most paths to keep.
    order : ndarray, shape (n,), optional
        What the paths of a pattern are sorted by before they are spread (ties in path
        order) [default: path order].

    Returns
    -------
    kept : ndarray of int, shape (m,)
        The indices of the paths kept, ascending.
    multiplicity : ndarray, shape (P,)
        Per pattern, its paths in the file over its paths kept.

    >>> kept, multiplicity = kept_paths(np.array([0, 1, 0, 0, 0, 0, 2, 0]), 5)
    >>> kept.tolist(), multiplicity.tolist()
    ([1, 2, 4, 6, 7], [2.0, 1.0, 1.0])
    >>> kept_paths(np.array([0, 1, 0, 0, 0, 0, 2, 0]), 5,
    ...            order=np.array([6., 0, 5, 4, 3, 2, 0, 1]))[0].tolist()
    [0, 1, 3, 5, 6]
    """
    counts = np.bincount(pattern)
    cap = int(counts.max())
    if counts.sum() > limit:
        low, high = 1, cap  # the largest cap with sum(min(counts, cap)) <= limit
        while low < high:
            middle = (low + high + 1) // 2
            if np.minimum(counts, middle).sum() <= limit:
                low = middle
            else:
                high = middle - 1
        cap = low
    kept = []
    for p, count in enumerate(counts):
        mine = np.flatnonzero(pattern == p)
        if order is not None:
            mine = mine[np.argsort(order[mine], kind="stable")]
        take = min(int(count), cap)
        kept.append(mine[(2 * np.arange(take) + 1) * count // (2 * take)])
    chosen = np.sort(np.concatenate(kept))
    return chosen, counts / np.bincount(pattern[chosen], minlength=counts.size)


def _encoded(values: np.ndarray, dtype: str) -> str:
    """Little-endian bytes in base64: what the script decodes."""
    return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode()


def fan_geometry(figure: Figure, names: Sequence[str]) -> dict[str, dict[str, list[float]]]:
    """Per scenario panel of the first page's fan chart (as inlined: 72 units an inch, y
    down), the affine map from its data to the SVG: ``x`` = [a, b] with ``a + b · year``,
    ``y`` = [c, d] with ``c + d · value``."""
    width, height = (72 * size for size in figure.get_size_inches())
    geometry = {}
    for name, ax in zip(names, figure.axes, strict=False):
        box = ax.get_position()
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        bx = width * box.width / (x1 - x0)
        by = -height * box.height / (y1 - y0)
        geometry[name] = {"x": [width * box.x0 - bx * x0, bx],
                          "y": [height * (1 - box.y0) - by * y0, by]}
    return geometry




def _column_key(variable: str, year: int | None) -> str:
    return f"{variable}|{'' if year is None else year}"


def _scenario_data(item: Controllable, numbers: ScenarioNumbers, geometry: Mapping[str, Any],
                   columns: Sequence[tuple[str, int | None]], limit: int) -> dict[str, Any]:
    """What the script needs of one scenario.

    Raises
    ------
    PathsNotStoredError
        The file keeps a summary but no paths of a variable the first page reads.
    """
    selection = select(item.path, variables=list(dict.fromkeys(v for v, _ in columns)),
                       scenarios=[item.scenario.run.name])
    (ref,) = selection.scenarios
    codes = read_samples(item.path, "negotiation_outcome", scenario=ref.index)
    table = history_table(item.scenario, codes)
    pattern = table.pattern_of_path
    paths = {}
    for quantity in selection.quantities:
        samples = selection.values(quantity, ref)
        for variable, year in columns:
            if variable == quantity.name:
                paths[_column_key(variable, year)] = (
                    samples if year is None else samples[:, selection.years.index(year)])
    # Spread through each history's horizon totals: the total's percentiles, and the
    # payments that make it up, carry less of the subsample's error than at random.
    kept, multiplicity = kept_paths(pattern, limit, order=paths[_column_key(TOTAL, None)])
    every = kept.size == pattern.size
    values = {key: _encoded(column[kept], "<f8" if every else "<f4")
              for key, column in paths.items()}
    years = numbers.years
    return {
        "label": item.label,
        "paths": int(pattern.size),
        "names": list(table.names),
        "outcomes": list(table.judgment.outcomes),
        "reopen": table.judgment.reopen,
        "patterns": table.patterns.tolist(),
        "counts": table.paths.tolist(),
        "multiplicity": multiplicity.tolist(),
        "pattern": _encoded(pattern[kept], "<u2"),
        "carried": int(kept.size),
        "precision": "f8" if every else "f4",
        "values": values,
        "command": f"smasim reweight {item.path} --scenario {item.scenario.run.name}",
        "fan": {
            "years": years,
            "columns": [_column_key(FRONT_VARIABLES[0], year) for year in years],
            "ids": {part: svg_id("fan", f"{item.label} {part}")
                    for part in ("outer", "inner", "median")},
            **geometry,
        },
    }


def _same_number(live: LiveNumbers, number: LiveNumber, scenario: str | None) -> int | None:
    """Which live number is ``scenario``'s same percentile as ``number``, shown on its own
    (None when ``scenario`` is)."""
    return None if scenario is None else next(
        k for k, other in enumerate(live.numbers)
        if other.minus is None and other.digits_of is None and other.scenario == scenario
        and (other.variable, other.year, other.level)
        == (number.variable, number.year, number.level))


def _live_records(live: LiveNumbers, numbers: Mapping[str, ScenarioNumbers]
                  ) -> list[dict[str, Any]]:
    """Each live number: what it is, its unit, and its static value and interval."""
    records = []
    for number in live.numbers:
        own = numbers[number.scenario]
        spec = own.quantity(number.variable).spec
        prefix, suffix = unit_words(spec.display_unit)
        found = own.estimate(number.variable, number.year, number.level)
        records.append({
            "scenario": number.scenario,
            "column": _column_key(number.variable, number.year),
            "level": number.level,
            "minus": _same_number(live, number, number.minus),
            "digitsOf": _same_number(live, number, number.digits_of),
            "value": found.value,
            "lower": found.lower if np.isfinite(found.lower) else None,
            "upper": found.upper if np.isfinite(found.upper) else None,
            "unit": {"scale": spec.display_scale, "percent": spec.display_unit == "%",
                     "prefix": prefix, "suffix": suffix},
        })
    return records


def _fieldset(k: int, item: Controllable) -> str:
    judgment = Judgment.of(item.scenario)
    inputs = []
    for m, (name, w) in enumerate(zip(item.scenario.outcome_names, judgment.outcomes,
                                      strict=True)):
        # An outcome no path drew cannot be given weight: its input is fixed at 0.
        fixed = " disabled" if w == 0 or len(judgment.outcomes) == 1 else ""
        inputs.append(f'<label>{html.escape(name.replace("_", " "))} <input type="number" '
                      f'data-outcome="{m}" min="0" max="1" step="0.01" value="{w!r}"'
                      f"{fixed}></label>")
    if 0 < judgment.reopen < 1:
        inputs.append('<label>early reopening, each year <input type="number" data-reopen '
                      f'min="0" max="1" step="0.01" value="{judgment.reopen!r}"></label>')
    return (f'<fieldset data-scenario="{k}"><legend>{html.escape(item.label)}</legend>'
            + " ".join(inputs) + '<p class="status" role="status" aria-live="polite">As '
            "configured: the numbers are the printed ones.</p></fieldset>\n")


def controls_section(items: Sequence[Controllable], numbers: Sequence[ScenarioNumbers],
                     live: LiveNumbers, geometry: Mapping[str, Mapping[str, Any]],
                     *, limit: int = PAGE_PATHS) -> Section | None:
    """The controls of every scenario whose probabilities can move, the data the page
    recomputes from, and the script; None when no scenario's can.

    Raises
    ------
    SmasimInputError
        A scenario's stored paths do not follow its configuration.
    """
    movable = [item for item in items if item.movable]
    if not movable:
        return None
    by_label = {n.label: n for n in numbers}
    used = {label: [(n.variable, n.year) for n in live.numbers if n.scenario == label]
            for label in by_label}
    scenarios, unstored = [], []
    for item in movable:
        # The payment each year (the fan), the horizon total (what the paths are spread
        # through) and whatever else of the scenario's the first page says.
        columns = list(dict.fromkeys([*((FRONT_VARIABLES[0], y)
                                        for y in by_label[item.label].years),
                                      (TOTAL, None), *used[item.label]]))
        try:
            scenarios.append(_scenario_data(item, by_label[item.label], geometry[item.label],
                                            columns, limit))
        except PathsNotStoredError:
            unstored.append(item.label)
    if not scenarios:
        return None
    data = {"minEss": DEFAULT_MIN_ESS, "scenarios": scenarios,
            "live": _live_records(live, by_label)}
    # "<" never appears raw inside the script element, whatever a label holds.
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    carried = ", ".join(f"{s['label']} {s['carried']:,} of {s['paths']:,}" for s in scenarios)
    body = (
        paragraph(
            "Change how likely each negotiation outcome is, or an early reopening: the bottom "
            "line, the table and the fan chart of the first page are recomputed here, from "
            "the simulated paths, each counted by how likely its negotiation history is "
            "under the new probabilities (importance re-weighting, as smasim reweight does). "
            "Changing one outcome rescales the others to keep the total at 100%. Where the "
            "new probabilities rest on too few paths (an effective sample size below "
            f"{DEFAULT_MIN_ESS:,}), the numbers stay as configured: simulate them afresh.")
        + (paragraph(f"No controls for {', '.join(unstored)}: its file keeps summaries, "
                     "not the paths the first page reads.", css_class="note")
           if unstored else "")
        + "<form>\n" + "".join(_fieldset(k, item) for k, item in enumerate(movable))
        + '<button type="button" id="controls-reset">Back to the configured probabilities'
        "</button></form>\n"
        + paragraph(
            f"Paths this page recomputes from, per scenario: {carried} (every path of a rare "
            "history, an even spread of a common one's), so a recomputed number may differ "
            "in its last digit from smasim reweight, which weighs every path; † marks a "
            f"digit their own error could change. These data take {len(payload) / 1e3:,.0f} "
            "kB of the page.", css_class="note")
        + f'<script type="application/json" id="reweighting-data">{payload}</script>\n'
        + f"<script>\n{SCRIPT}</script>\n"
    )
    return Section("controls", "Try other probabilities", body, new_page=False, hidden=True)


def controllables(sources: Sequence[tuple[str, Path, str]]) -> list[Controllable]:
    """Each scenario (label, file, stored configuration) with its configuration read again;
    one this version cannot read gets no controls."""
    items = []
    for label, path, text in sources:
        try:
            scenario = parse_scenario(text, source=f"{path} ({label}'s stored configuration)")
        except SmasimInputError:
            continue
        items.append(Controllable(label, path, scenario))
    return items

"""The HTML building blocks (simcore.report.html.document): self-contained, accessible,
printable."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simcore.report.html.document import (
    Cell,
    Section,
    document,
    external_references,
    figure_html,
    svg_markup,
    table_html,
    tiles,
)


class Elements(HTMLParser):
    """Start tags with their attributes, in order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def small_figure(label: str = "P50 line") -> Figure:
    figure = Figure(figsize=(4, 3))
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    ax.plot([2026, 2027, 2028], [1.0, 1.5, 1.2], marker="o", gid=label, label=label)
    ax.fill_between([2026, 2027, 2028], [0.8, 1.2, 1.0], [1.2, 1.8, 1.5], alpha=0.3)
    ax.set_title("A & <B>")
    ax.legend()
    return figure


def test_svg_is_inline_accessible_and_deterministic() -> None:
    figure = small_figure()
    svg = svg_markup(figure, ident="fig-a", title="Fan <chart>")
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    assert "http" not in svg  # no namespace or metadata URLs left
    root = Elements(svg).named("svg")[0]
    assert root["role"] == "img"
    assert root["aria-label"] == "Fan <chart>"
    assert "<title>Fan &lt;chart&gt;</title>" in svg
    # Text stays text (no glyph outlines): searchable, and the title is escaped.
    assert "A &amp; &lt;B&gt;" in svg
    assert svg_markup(figure, ident="fig-a", title="Fan <chart>") == svg


def test_two_figures_never_share_an_id() -> None:
    page = figure_html(small_figure(), ident="one", title="a", description="d") + figure_html(
        small_figure(), ident="two", title="b", description="e"
    )
    ids = [attrs["id"] for _, attrs in Elements(page).tags if "id" in attrs]
    assert ids and not [i for i, c in Counter(ids).items() if c > 1]
    # A gid with a space becomes a valid id, and every reference points at an existing id.
    assert "one-P50-line" in ids
    references = [v[1:] for _, attrs in Elements(page).tags for k, v in attrs.items()
                  if k in ("href", "xlink:href") and v]
    references += [part.split(")")[0] for part in page.split("url(#")[1:]]
    assert references and set(references) <= set(ids)


def test_figure_has_a_text_alternative() -> None:
    page = figure_html(small_figure(), ident="f1", title="Fan", description="Median 1.5 in 2027")
    elements = Elements(page)
    assert elements.named("svg")[0]["aria-describedby"] == "f1-caption"
    assert elements.named("figcaption")[0]["id"] == "f1-caption"
    assert "Median 1.5 in 2027</figcaption>" in page


def test_table_has_scoped_headers_and_escapes() -> None:
    text = table_html("Headline <P50>", ["year", "P50", "P80"],
                      [["2026", "1.4", "1.5"], ["total", "<8>", "9"]], "± is the error")
    elements = Elements(text)
    assert [a["scope"] for a in elements.named("th")] == ["col"] * 3 + ["row"] * 2
    assert len(elements.named("td")) == 4
    assert "<caption>Headline &lt;P50&gt;</caption>" in text
    assert "&lt;8&gt;" in text and "± is the error" in text


def test_table_header_groups_span_their_columns() -> None:
    text = table_html("Headline", ["year", "P50", "P80", "P50"], [["2026", "1", "2", "3"]],
                      groups=[("", 1), ("cost [USD bn]", 2), ("share [%]", 1)])
    elements = Elements(text)
    assert [(a["scope"], a.get("colspan")) for a in elements.named("th")] == [
        ("colgroup", "2"), ("colgroup", "1"), *[("col", None)] * 4, ("row", None)]
    assert text.index("cost [USD bn]") < text.index('<th scope="col">year')
    with pytest.raises(ValueError, match="span 3 columns, not 4"):
        table_html("x", ["a", "b", "c", "d"], [], groups=[("g", 3)])


def test_document_is_self_contained_and_prints_on_a4() -> None:
    sections = [
        Section("first", "First", table_html("t", ["a", "b"], [["x", "1"]])),
        Section("second", "Second", figure_html(small_figure(), ident="fig", title="f",
                                                description="d")),
    ]
    page = document("Report <1>", sections, lead="What & why", footer="made by a test")
    assert page.startswith("<!DOCTYPE html>")
    assert external_references(page) == []
    assert "@page { size: A4" in page
    assert "break-before: page" in page
    elements = Elements(page)
    assert elements.named("html")[0]["lang"] == "en"
    assert [a["href"] for a in elements.named("a")] == ["#first", "#second"]
    assert [a["id"] for a in elements.named("section")] == ["first", "second"]
    assert "<title>Report &lt;1&gt;</title>" in page
    with pytest.raises(ValueError, match="repeat"):
        document("t", [sections[0], sections[0]])
    with pytest.raises(ValueError, match="id"):
        document("t", [Section("1st", "x", "")])


@pytest.mark.parametrize(
    "snippet",
    [
        pytest.param('<img src="https://example.org/a.png">', id="img-src"),
        pytest.param('<script src="//cdn.example/x.js"></script>', id="protocol-relative"),
        pytest.param('<link rel="stylesheet" href="style.css">', id="relative-file"),
        pytest.param("<style>body { background: url('http://x/y.png') }</style>", id="css-url"),
        pytest.param("<style>@import 'fonts.css';</style>", id="css-import"),
        pytest.param('<div style="background:url(a.png)"></div>', id="style-attribute"),
        pytest.param('<svg><use xlink:href="other.svg#m"></use></svg>', id="xlink"),
        pytest.param('<img srcset="a.png 2x">', id="srcset"),
    ],
)
def test_external_references_are_found(snippet: str) -> None:
    assert len(external_references(f"<html><body>{snippet}</body></html>")) == 1


def test_inside_references_are_allowed() -> None:
    page = '<a href="#x">x</a><link rel="icon" href="data:,"><p style="fill:url(#g)"></p>'
    assert external_references(page) == []


def test_figures_of_real_size_stay_small() -> None:
    figure = small_figure()
    ax = figure.axes[0]
    ax.plot(np.linspace(2026, 2031, 400), np.sin(np.linspace(0, 6, 400)))
    assert len(svg_markup(figure, ident="s", title="t")) < 200_000


def test_cells_carry_their_exact_values() -> None:
    text = table_html("t", ["year", "P50", "note"],
                      [[Cell("2026", None), Cell("1.523", np.float64(1523456789.0123)), "x"]],
                      numeric=False)
    (cell, plain) = Elements(text).named("td")
    assert float(cell["data-value"]) == 1523456789.0123
    assert "class" not in cell and "data-value" not in plain
    assert "<th scope=\"row\">2026</th>" in text


def test_tiles_and_page_breaks() -> None:
    block = tiles([table_html("a", ["x"], [["1"]]), table_html("b", ["x"], [["2"]])])
    assert [a["class"] for a in Elements(block).named("div")] == ["tiles", "tile", "tile"]
    page = document("t", [Section("one", "One", block), Section("two", "Two", ""),
                          Section("three", "Three", "", new_page=False)])
    # The first section follows the title; a short section may follow the previous one.
    assert [a.get("class") for a in Elements(page).named("section")] == [None, "new-page", None]

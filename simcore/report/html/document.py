"""One self-contained HTML document: sections, accessible tables, inline SVG figures, A4 print.

The building blocks of ``smasim report``, free of any knowledge of result files: strings in,
HTML strings out, every text escaped with :func:`html.escape`. The document makes no request
of any kind when opened: styles are inline, figures are inline SVG (text kept as text, so it
is searchable and needs no font file), fonts are the reader's own, and the only links point
inside the document. It prints on A4 with each section starting a new page.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, NamedTuple

import matplotlib
from matplotlib.figure import Figure

__all__ = ["STYLE", "Cell", "Markup", "Section", "document", "external_references",
           "figure_html", "paragraph", "svg_id", "svg_markup", "svg_settings", "table_html",
           "tiles"]

#: The document's only style sheet. Greys and black only: nothing depends on colour, so the
#: printout in black and white reads as the screen does.
STYLE = """
:root { color: #111; background: #fff; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
       "DejaVu Sans", Arial, sans-serif; line-height: 1.45; margin: 0 auto;
       max-width: 68rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #111; padding-bottom: .2rem;
     margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p, li { max-width: 52rem; }
.lead { font-size: 1.05rem; color: #333; }
.bottom-line p { font-size: 1.12rem; max-width: 58rem; }
nav ol { columns: 2; padding-left: 1.4rem; }
a { color: #111; text-decoration: underline; }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; font-size: .86rem;
        font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .2rem 0 .4rem; }
th, td { border: 1px solid #777; padding: .2rem .45rem; vertical-align: top; }
/* Text tables share the width out evenly and wrap long settings anywhere. */
table.text { table-layout: fixed; width: 100%; }
table.text thead th:first-child { width: 12rem; }
table.text th, table.text td { overflow-wrap: anywhere; }
thead th { background: #e6e6e6; text-align: center; }
thead td.blank { border: none; }
tbody th { text-align: left; font-weight: 600; background: #f4f4f4; }
td.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #f7f7f7; }
.note { font-size: .82rem; color: #333; margin-top: -.8rem; }
figure { margin: 1rem 0 1.6rem; }
figure svg { display: block; max-width: 100%; height: auto; }
.tiles { display: flex; flex-wrap: wrap; gap: 0 1.2rem; align-items: flex-start; }
/* As wide as its table: the note under it wraps instead of widening the tile. */
.tile { flex: 0 1 auto; width: min-content; min-width: 14rem; max-width: 100%; }
table:not(.text) tbody th { white-space: nowrap; }
figcaption { font-size: .86rem; color: #222; border-left: 3px solid #777;
             padding-left: .6rem; margin-top: .3rem; }
pre, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
            font-size: .84rem; }
pre { background: #f2f2f2; border: 1px solid #bbb; padding: .6rem; white-space: pre-wrap; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr);
           gap: .15rem 1rem; }
dd { overflow-wrap: anywhere; }
dt { font-weight: 600; }
dl.facts dd { margin: 0; }
/* The controls (a screen-only section): the status says in words when numbers stay put. */
fieldset { margin: .6rem 0; border: 1px solid #777; }
fieldset label { margin-right: 1rem; white-space: nowrap; }
fieldset input { width: 5.5rem; }
form { margin-bottom: 1.6rem; }
.status { font-size: .86rem; overflow-wrap: anywhere; margin: .4rem 0 0; }
.status.warning { font-weight: 700; border-left: 3px solid #111; padding-left: .5rem; }
footer { margin-top: 3rem; font-size: .8rem; color: #333; border-top: 1px solid #777; }
@page { size: A4; margin: 12mm 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  table { font-size: 8pt; }
  th, td { padding: .1rem .3rem; }
  .note, figcaption { font-size: 8pt; }
  .bottom-line p { font-size: 11pt; }
  #bottom-line figure { margin: .4rem 0 .6rem; }
  #bottom-line figure svg { max-height: 86mm; }
  #bottom-line h2 { margin-top: 1rem; }
  nav, footer, .screen-only { display: none; }
  main > section.new-page { break-before: page; }
  h2, h3 { break-after: avoid; }
  figure, pre, .tile, tr { break-inside: avoid; }
  figure svg { max-height: 105mm; }
  a { text-decoration: none; }
}
"""

_PROLOG = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]*)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]*)')
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:-]+")
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _check_ident(ident: str) -> str:
    if not _IDENT.match(ident):
        raise ValueError(f"an HTML id must be a letter then letters, digits, - or _ ({ident!r})")
    return ident


def paragraph(text: str, *, css_class: str | None = None) -> str:
    """``<p>`` with ``text`` escaped (unless it is :class:`Markup`)."""
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<p{attribute}>{_escaped(text)}</p>\n"


class Markup(str):
    """Text that is already HTML (built with this module's functions, every text in it
    escaped): a table cell or a paragraph takes it as it is."""


def _escaped(text: str) -> str:
    return text if isinstance(text, Markup) else html.escape(text)


class Cell(NamedTuple):
    """A table cell shown as ``text`` that also carries the exact ``value`` it shows.

    The value (in the file's units) goes into a ``data-value`` attribute, so a program (or
    a test) can read the number behind the rounded text.
    """

    text: str
    value: float | None


def table_html(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str | Cell]],
    caption: str = "",
    *,
    row_headers: bool = True,
    numeric: bool = True,
    groups: Sequence[tuple[str, int]] = (),
) -> str:
    """An accessible ``<table>``: a caption, column headers, and (optionally) row headers.

    Parameters
    ----------
    title : str
        The table's ``<caption>``.
    header : sequence of str
        Column headings (``<th scope="col">``).
    rows : sequence of sequence of str or Cell
        Display strings, as the text renderers print them (a :class:`Cell` adds the exact
        value; :class:`Markup` is taken as it is). The first cell of each row is a
        ``<th scope="row">`` when ``row_headers``.
    caption : str
        A note printed under the table (how to read it, what ± means).
    row_headers : bool
        Whether the first column names the row.
    numeric : bool
        The data cells are numbers (right-aligned, never wrapped); else text.
    groups : sequence of (str, int)
        A heading row above ``header``: each label spans that many columns (``<th
        scope="colgroup">``; an empty label leaves its columns without one), so that
        ``header`` can say ``P50 ±`` under a variable's name instead of repeating it.

    Returns
    -------
    str
    """
    opening = "<table>" if numeric else '<table class="text">'
    out = [opening, f"<caption>{html.escape(title)}</caption>", "<thead>"]
    if groups:
        if sum(span for _, span in groups) != len(header):
            raise ValueError(f"groups span {sum(s for _, s in groups)} columns, not "
                             f"{len(header)}")
        out.append("<tr>" + "".join(
            f'<th scope="colgroup" colspan="{span}">{html.escape(label)}</th>' if label
            else f'<td colspan="{span}" class="blank"></td>' for label, span in groups
        ) + "</tr>")
    out.append("<tr>")
    out += [f'<th scope="col">{html.escape(h)}</th>' for h in header]
    out.append("</tr></thead>\n<tbody>")
    data_class = ' class="num"' if numeric else ""
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            value = ""
            if isinstance(cell, Cell):
                if cell.value is not None:
                    value = f' data-value="{float(cell.value)!r}"'
                cell = cell.text
            text = _escaped(cell)
            if k == 0 and row_headers:
                cells.append(f'<th scope="row"{value}>{text}</th>')
            else:
                cells.append(f"<td{data_class}{value}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>\n")
    if caption:
        out.append(paragraph(caption, css_class="note"))
    return "\n".join(out)


def tiles(parts: Sequence[str]) -> str:
    """Blocks (tables with their notes) side by side where the page is wide enough.

    Small tables of the same layout (one per scenario) then fill the width of a screen or
    an A4 page instead of a long column; each block stays whole across printed pages.
    """
    return ('<div class="tiles">\n'
            + "".join(f'<div class="tile">\n{part}</div>\n' for part in parts) + "</div>\n")


def svg_settings(ident: str) -> dict[Any, Any]:
    """matplotlib settings under which an SVG is saved for the page (``rc_context``).

    Text stays text (``svg.fonttype = "none"``): searchable, selectable, and drawn with the
    reader's fonts, so no font file is embedded or fetched. The hash salt fixes the ids
    matplotlib derives for clip paths: the same figure gives the same bytes.
    """
    return {"svg.fonttype": "none", "svg.hashsalt": _check_ident(ident)}


def svg_id(ident: str, gid: str) -> str:
    """The id in the page of an artist drawn with ``gid`` in the figure ``ident``
    (:func:`svg_markup` prefixes every id of a figure so that two never share one)."""
    return f"{ident}-{_NOT_ID.sub('-', gid).strip('-')}"


def svg_markup(figure: Figure, *, ident: str, title: str) -> str:
    """A matplotlib figure as inline SVG markup, accessible and safe to repeat in one page.

    The XML prolog, the metadata block and the namespace declarations (HTML needs none)
    are dropped; every ``id`` is prefixed with ``ident`` so that two figures never share
    one, and the root carries ``role="img"``, ``aria-label`` and a ``<title>``.

    Parameters
    ----------
    figure : Figure
        A figure drawn on an Agg canvas (as :mod:`simcore.report.plots` makes them), saved here
        under :func:`svg_settings`.
    ident : str
        Unique within the document: a letter, then letters, digits, ``-`` or ``_``.
    title : str
        Short title read by screen readers and shown as a tooltip.

    Returns
    -------
    str
        ``<svg …>…</svg>``, deterministic for a given figure and ``ident``.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context(svg_settings(ident)):
        figure.savefig(buffer, format="svg")
    text = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1))

    renamed: dict[str, str] = {}

    def new_id(old: str) -> str:
        return renamed.setdefault(old, svg_id(ident, old))

    text = _ID.sub(lambda m: f'id="{new_id(m[1])}"', text)
    text = _REFERENCE.sub(lambda m: f"{m[1]}{new_id(m[2])}", text)
    opening = _SVG_OPEN.search(text)
    assert opening is not None, "matplotlib's SVG has an <svg> root"
    root = _NAMESPACES.sub("", opening[0])
    root = root[:-1] + f' role="img" aria-label="{html.escape(title)}">'
    return (
        f"{text[: opening.start()]}{root}\n<title>{html.escape(title)}</title>"
        f"{text[opening.end():].rstrip()}\n"
    )


def figure_html(figure: Figure, *, ident: str, title: str, description: str) -> str:
    """``<figure>`` with inline SVG and a caption that says in words what the figure shows.

    Parameters
    ----------
    figure : Figure
        The figure to inline (see :func:`svg_markup`).
    ident : str
        Unique id (see :func:`svg_markup`); the caption gets ``<ident>-caption``.
    title : str
        Short title (the SVG's ``<title>`` and ``aria-label``).
    description : str
        The text alternative: the numbers a reader would take from the figure. Shown as the
        visible caption and linked with ``aria-describedby``.

    Returns
    -------
    str
    """
    svg = svg_markup(figure, ident=ident, title=title)
    svg = svg.replace(' role="img"', f' role="img" aria-describedby="{ident}-caption"', 1)
    return (
        f'<figure id="{ident}">\n{svg}'
        f'<figcaption id="{ident}-caption"><strong>{html.escape(title)}.</strong> '
        f"{html.escape(description)}</figcaption>\n</figure>\n"
    )


@dataclass(frozen=True)
class Section:
    """One part of the document.

    Attributes
    ----------
    ident : str
        Its id (the contents link to ``#ident``).
    title : str
        Its heading.
    body : str
        HTML, already escaped (built with this module's functions).
    new_page : bool
        Printing starts it on a new page (else it follows the previous section, for a short
        section that belongs with it).
    hidden : bool
        Hidden until a script of the page shows it (controls that need the script); never
        printed, and not in the contents.
    """

    ident: str
    title: str
    body: str
    new_page: bool = True
    hidden: bool = False


def document(
    title: str,
    sections: Sequence[Section],
    *,
    lead: str = "",
    footer: str = "",
    before_contents: int = 0,
) -> str:
    """A complete HTML5 page: heading, contents, the sections, a footer; nothing external.

    Parameters
    ----------
    title : str
        Page title and ``<h1>``.
    sections : sequence of Section
        In order; each starts a new page in print.
    lead : str
        A sentence under the title (escaped, unless it is :class:`Markup`).
    footer : str
        Text at the end (escaped), e.g. how the page was made.
    before_contents : int
        How many sections come before the contents (a first page that answers, read
        before anything is looked up).

    Returns
    -------
    str
    """
    idents = [_check_ident(s.ident) for s in sections]
    if len(set(idents)) != len(idents):
        raise ValueError(f"section ids repeat: {idents}")
    contents = "".join(
        f'<li><a href="#{s.ident}">{html.escape(s.title)}</a></li>' for s in sections
        if not s.hidden
    )

    def opening(k: int, section: Section) -> str:
        # A hidden section is for the screen only, even once a script shows it.
        attributes = (' class="screen-only" hidden' if section.hidden
                      else ' class="new-page"' if section.new_page and k else "")
        return (f'<section id="{section.ident}" aria-labelledby="{section.ident}-h"'
                f"{attributes}>")

    parts = [
        f'{opening(k, s)}\n<h2 id="{s.ident}-h">{html.escape(s.title)}</h2>\n{s.body}'
        "</section>\n"
        for k, s in enumerate(sections)
    ]
    nav = f'<nav aria-label="Contents"><h2>Contents</h2><ol>{contents}</ol></nav>\n'
    parts.insert(before_contents, nav)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # An empty inline icon: without it a browser may ask a server for /favicon.ico.
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{html.escape(title)}</h1>\n"
        + (paragraph(lead, css_class="lead") if lead else "")
        + "</header>\n"
        f"<main>\n{''.join(parts)}</main>\n"
        + (f"<footer>{paragraph(footer)}</footer>\n" if footer else "")
        + "</body>\n</html>\n"
    )


#: Attributes through which a page can load or link to something.
_URL_ATTRIBUTES = frozenset({"src", "href", "xlink:href", "srcset", "action", "formaction",
                             "poster", "data", "background", "manifest", "ping"})
_CSS_URL = re.compile(r"url\(\s*['\"]?([^)'\"]*)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)


class _ReferenceCollector(HTMLParser):
    """Every URL an HTML page could load or open, from attributes and CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRIBUTES:
                self.urls.append(value.strip())
            elif name == "style":
                self._css(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)

    def _css(self, text: str) -> None:
        self.urls += [m.strip() for m in _CSS_URL.findall(text)]
        self.urls += ["@import"] * len(_CSS_IMPORT.findall(text))


def external_references(page: str) -> list[str]:
    """URLs in ``page`` that point outside it (empty for a self-contained document).

    Looks at every attribute that loads or links (``src``, ``href``, ``xlink:href``,
    ``srcset``, …) and every CSS ``url(…)`` and ``@import``, in ``<style>`` elements and
    ``style`` attributes. A fragment (``#id``) and an inline ``data:`` URL stay inside the
    document; anything else (``http:``, ``//host``, a relative file name) is returned.

    Parameters
    ----------
    page : str
        HTML text.

    Returns
    -------
    list of str
        The offending URLs, in document order.
    """
    collector = _ReferenceCollector()
    collector.feed(page)
    collector.close()
    return [url for url in collector.urls if not url.startswith(("#", "data:"))]

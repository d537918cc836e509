"""HTML pages rendered in headless Chromium: no errors, no requests, figures drawn, A4 print.

Chromium comes from the Debian package (``.ci/run`` installs it where it can) and is driven
by the ``playwright`` Python package with that executable; ``playwright install`` (a browser
download) is never needed. Without either, these tests skip with the reason; the report's
structure, links and numbers are still checked without a browser by the other test files.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread

from simcore.report.html.document import Section, document, figure_html, table_html
from tests.test_report_html_document import small_figure

#: Flags for a quiet, offline, reproducible headless Chromium (no background services,
#: no QUIC, every host name unresolvable so that nothing can reach a network).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
#: Width of the screenshot checked for content, in CSS pixels.
SCREEN_WIDTH = 1280
#: Most A4 pages of the shipped batch's report with a sensitivity and a backtest file.
PAGES = 18
_PDF_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def chromium_path() -> str | None:
    """The system Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for the module (skips, with the reason, where it cannot run)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed (test extra)"
    )
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs the Debian package chromium)")
    with sync_api.sync_playwright() as driver:
        try:
            launched = driver.chromium.launch(executable_path=executable,
                                              args=list(CHROMIUM_ARGS))
        except sync_api.Error as err:
            pytest.skip(f"Chromium at {executable} does not start: {str(err).splitlines()[0]}")
        yield launched
        launched.close()


@dataclass
class Rendered:
    """A page loaded from a file, with everything it asked for and complained about."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def figure_sizes(self) -> list[tuple[float, float]]:
        """Rendered width and height of every figure's SVG, in CSS pixels."""
        sizes = self.page.eval_on_selector_all(
            "figure svg",
            "els => els.map(e => { const r = e.getBoundingClientRect(); "
            "return [r.width, r.height]; })",
        )
        return [(float(w), float(h)) for w, h in sizes]

    def screenshot_variance(self) -> float:
        """Variance of the grey levels of a full-page screenshot (0 for a blank page)."""
        pixels = imread(io.BytesIO(self.page.screenshot(full_page=True)), format="png")
        return float(np.var(pixels[..., :3].mean(axis=2)))

    def pdf(self) -> bytes:
        """The page printed to PDF on A4 (as a reader's "Print" would)."""
        return bytes(self.page.pdf(format="A4", print_background=True,
                                   prefer_css_page_size=True))

    def pdf_pages(self) -> int:
        """Pages of the page printed to PDF on A4."""
        return len(_PDF_PAGE.findall(self.pdf()))


def render(browser: Any, path: Path) -> Rendered:
    """Open ``path`` at :data:`SCREEN_WIDTH`, recording requests and errors; block the net.

    Every request is recorded; any that is not the document itself is aborted, on top of
    the host resolver rule that already makes every host unreachable.
    """
    context = browser.new_context(viewport={"width": SCREEN_WIDTH, "height": 900})
    rendered = Rendered(page=context.new_page(), url=path.resolve().as_uri())

    def gate(route: Any) -> None:
        if route.request.url == rendered.url:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", gate)
    page = rendered.page
    page.on("request", lambda request: rendered.requests.append(request.url))
    page.on("console", lambda message: message.type == "error"
            and rendered.errors.append(message.text))
    page.on("pageerror", lambda error: rendered.errors.append(str(error)))
    page.goto(rendered.url, wait_until="load")
    return rendered


def check_page(rendered: Rendered, *, figures: int, max_pages: int) -> None:
    """What every page we ship must satisfy in a browser."""
    assert rendered.errors == []
    assert rendered.requests == [rendered.url]
    sizes = rendered.figure_sizes()
    assert len(sizes) == figures
    assert all(width > 100 and height > 50 for width, height in sizes), sizes
    assert rendered.screenshot_variance() > 1e-3
    assert 1 <= rendered.pdf_pages() <= max_pages


def test_document_renders_offline(browser: Any, tmp_path: Path) -> None:
    page = document("Test page", [
        Section("numbers", "Numbers", table_html("t", ["year", "P50"], [["2026", "1.4"]])),
        Section("picture", "Picture", figure_html(small_figure(), ident="fig", title="A line",
                                                  description="rises then falls")),
    ])
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    rendered = render(browser, path)
    check_page(rendered, figures=1, max_pages=2)
    cells = rendered.page.eval_on_selector_all("tbody td", "els => els.map(e => e.textContent)")
    assert cells == ["1.4"]


def test_an_external_request_is_caught(browser: Any, tmp_path: Path) -> None:
    # The harness itself must notice a page that reaches out, and must not let it through.
    path = tmp_path / "leaky.html"
    path.write_text('<!DOCTYPE html><html lang="en"><body>'
                    '<img src="http://example.invalid/a.png" alt="x"></body></html>')
    rendered = render(browser, path)
    assert "http://example.invalid/a.png" in rendered.requests
    assert rendered.errors  # the blocked image is reported on the console


def test_the_page_script_reads_and_marks_as_the_report(browser: Any) -> None:
    # The reading rule of controls.js, run on its own, against simcore.report.reading: the
    # same text and the same mark for values whose half-width lies about half a unit of
    # their last digit (the mark's threshold), for amounts, amounts to another's last digit,
    # differences, and differences of the numbers shown.
    from simcore.core.variables import VARIABLES
    from simcore.report.html.controls import SCRIPT
    from simcore.report.reading import (
        half_unit,
        last_place,
        reading,
        shown_difference,
        unit_words,
    )

    rule = SCRIPT[SCRIPT.index("// --- the reading rule"):SCRIPT.index("// --- weighted")]
    variables = [VARIABLES[name] for name in ("contribution_usd", "contribution_krw",
                                              "rok_share")]
    rng = np.random.default_rng(25)
    cases, expected = [], []
    for _ in range(600):
        spec = variables[int(rng.integers(len(variables)))]
        percent = spec.display_unit == "%"
        value = float(rng.uniform(0.02, 0.6) if percent
                      else 10.0 ** rng.uniform(-1.5, 3.5) * spec.display_scale)
        other = float(value * rng.uniform(0.3, 3.0))
        kind = ["own", "to", "like", "shown"][int(rng.integers(4))]
        place = last_place((value if kind == "own" else other) / spec.display_scale, percent)
        unit = half_unit(place) * spec.display_scale
        lower = value - float(rng.uniform(0.0, 1.4)) * unit
        upper = value + float(rng.uniform(0.0, 1.4)) * unit
        ends = [None, None] if rng.random() < 0.05 and kind != "shown" else [lower, upper]
        prefix, suffix = unit_words(spec.display_unit)
        cases.append([kind, value, {"scale": spec.display_scale, "percent": percent,
                                    "prefix": prefix, "suffix": suffix}, *ends, other])
        if kind == "shown":
            expected.append(shown_difference(value, other, spec, lower=lower,
                                             upper=upper).text)
        else:
            expected.append(reading(value, spec, lower=ends[0], upper=ends[1],
                                    like=other if kind == "like" else None,
                                    to=other if kind == "to" else None).text)
    page = browser.new_page()
    found = page.evaluate(
        "(cases) => { const MARK = '\\u2020'; const MINUS = '\\u2212';\n" + rule + """
        return cases.map(([kind, v, unit, lower, upper, other]) => kind === "shown"
          ? reading(shownValue(v, unit, other) - shownValue(other, unit, other), unit,
                    lower, upper, other, true)
          : reading(v, unit, lower, upper, kind === "own" ? null : other, kind === "like"));
        }""", cases)
    page.close()
    assert found == expected
    assert 150 < sum(text.endswith("\u2020") for text in expected) < 450


def pdf_page_text(pdf: bytes, page: int, folder: Path) -> str:
    """The text of one page of a PDF (``pdftotext`` of poppler; skips without it), with
    runs of white space as one space."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = folder / "printed.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          check=True, capture_output=True, text=True).stdout
    return " ".join(text.split())


@pytest.mark.slow
def test_report_of_the_shipped_batch(browser: Any, tmp_path: Path,
                                     analysis: tuple[Any, Path]) -> None:
    # Imported here: the document tests above need no result file, nor the read side.
    from click.testing import CliRunner
    from simcore.cli.main import cli

    from simcore.report.html.report import build_report
    from tests.test_report_html import SHIPPED, json_year, shipped_batch
    from tests.test_report_html_attachments import backtest_file

    batch = shipped_batch(tmp_path)
    page = build_report(
        [batch], sensitivity=analysis[1],
        backtest=backtest_file(tmp_path / "b.nc"),
    )
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    rendered = render(browser, path)
    # Fan chart, S-curve, budget figure, Shapley chart, tornado; every section printed.
    check_page(rendered, figures=5, max_pages=PAGES)
    # The first printed page answers: the bottom line, the chart and the table of numbers.
    first = pdf_page_text(rendered.pdf(), 1, tmp_path)
    bottom = rendered.page.inner_text("#bottom-line .bottom-line")
    assert " ".join(bottom.split()) in first
    assert "Simulation precision:" in first
    chart = rendered.page.eval_on_selector_all(
        "#fan svg text", "els => els.map(e => e.textContent)")
    assert {"baseline", "us-demand-2027", "median", "USD bn"} <= set(chart)
    assert "ROK SMA contribution, nominal: median and ranges by year" in first
    # ... and the chart is drawn there (its text stays text in the printed SVG).
    for drawn in (*SHIPPED, "USD bn", "90% of paths (P5–P95)", "half of paths (P25–P75)"):
        assert drawn in first, drawn
    caption = rendered.page.inner_text("#bottom-line table caption")
    assert caption.startswith("South Korea's SMA payments: baseline and ") and caption in first
    table = rendered.page.eval_on_selector_all(
        "#bottom-line table tbody :is(th, td)", "els => els.map(e => e.innerText)")
    assert len(table) == 15
    for cell in table:
        assert " ".join(cell.split()) in first
    # No reading table shows a ±; the appendix does.
    reading = rendered.page.eval_on_selector_all(
        "section:not(#errors):not(#backtest) table", "els => els.map(e => e.innerText)")
    assert reading and not any("±" in t for t in reading)
    assert "±" in rendered.page.inner_text("#errors")

    result = CliRunner().invoke(cli, ["summary", str(batch), "--var", "contribution_usd",
                                      "--var", "cum_contribution_usd", "--var",
                                      "total_cost_usd", "--var", "rok_share", "--percentiles",
                                      "50,80", "--format", "json"])
    records = {(r["scenario"], r["variable"], json_year(r["year"])): r
               for r in json.loads(result.output)["records"]}
    shown = rendered.page.eval_on_selector_all(
        "#scenarios tbody td[data-value]", "els => els.map(e => Number(e.dataset.value))")
    # Row by row: each year's contribution, total cost and ROK share; then the total.
    years = range(2026, 2032)
    expected = [
        records[scenario, variable, year][q]
        for scenario in SHIPPED
        for variable, year in [*((v, y) for y in years
                                 for v in ("contribution_usd", "total_cost_usd", "rok_share")),
                               ("cum_contribution_usd", None)]
        for q in ("p50", "p80")
    ]
    assert shown == expected


def _numbers_from_path(d: str) -> list[float]:
    """The y coordinates of an SVG path of M/L commands."""
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return values[1::2]


@pytest.mark.slow
def test_controls_recompute_the_first_page_as_reweight_does(browser: Any,
                                                          tmp_path: Path) -> None:
    from click.testing import CliRunner
    from simcore.cli.main import cli

    from simcore.core.variables import VARIABLES
    from simcore.report.html.report import build_report
    from simcore.report.reading import reading, shown_difference
    from tests.test_report_html import json_year, shipped_batch

    batch = shipped_batch(tmp_path)
    path = tmp_path / "report.html"
    path.write_text(build_report([batch]), encoding="utf-8")
    rendered = render(browser, path)
    page = rendered.page
    assert page.is_visible("#controls")  # the script shows them
    data = json.loads(page.text_content("#reweighting-data"))
    (baseline,) = [k for k, s in enumerate(data["scenarios"]) if s["label"] == "baseline"]
    fieldset = f'#controls fieldset[data-scenario="{baseline}"]'
    median = "#fan-baseline-median path"

    def spans() -> list[str]:
        return list(page.eval_on_selector_all("[data-live]",
                                              "els => els.map(e => e.textContent)"))

    def move(outcome: int, value: str) -> str:
        box = page.locator(f'{fieldset} [data-outcome="{outcome}"]')
        box.fill(value)
        box.dispatch_event("change")
        return str(page.inner_text(f"{fieldset} .status"))

    printed, drawn = spans(), page.get_attribute(median, "d")
    assert page.inner_text(f"{fieldset} .status").startswith("As configured")

    # Demand at 50%, the other outcomes rescaled: what smasim reweight --renormalize gives.
    status = move(1, "0.5")
    assert status.startswith("Re-weighted: effective sample size ")
    assert "--set negotiation.outcomes.demand.probability=0.5" in status
    result = CliRunner().invoke(cli, [
        "reweight", str(batch), "--scenario", "baseline", "--set",
        "negotiation.outcomes.demand.probability=0.5", "--renormalize",
        "--var", "contribution_usd", "--var", "contribution_krw", "--var",
        "cum_contribution_usd", "--var", "rok_share", "--percentiles", "5,25,50,75,80,95",
        "--format", "json"])
    assert result.exit_code == 0, result.output
    records = {(r["variable"], json_year(r["year"])): r
               for r in json.loads(result.stdout)["records"]}
    now = spans()
    moved = 0
    for k, number in enumerate(data["live"]):
        variable, year = number["column"].split("|")
        key = f"p{number['level']:g}"
        if number["minus"] is not None:  # another scenario's total minus the baseline's
            own = records[variable, None]
            expected = shown_difference(number["value"], own[key], VARIABLES[variable],
                                        lower=number["lower"] - own[f"{key}_upper"],
                                        upper=number["upper"] - own[f"{key}_lower"]).text
        elif number["digitsOf"] is not None:  # to the digits of the baseline's total
            expected = reading(number["value"], VARIABLES[variable], lower=number["lower"],
                               upper=number["upper"], to=records[variable, None][key]).text
        elif number["scenario"] == "baseline":
            record = records[variable, int(year) if year else None]
            expected = reading(record[key], VARIABLES[variable], lower=record[f"{key}_lower"],
                               upper=record[f"{key}_upper"]).text
        else:
            expected = printed[k]
        assert now[k] == expected, (k, number)
        moved += now[k] != printed[k]
    assert moved >= 5
    # The fan's median is redrawn through the re-weighted medians.
    fan = next(s for s in data["scenarios"] if s["label"] == "baseline")["fan"]
    heights = _numbers_from_path(str(page.get_attribute(median, "d")))
    values = [(y - fan["y"][0]) / fan["y"][1] for y in heights]
    np.testing.assert_allclose(values, [records["contribution_usd", year]["p50"]
                                        for year in fan["years"]], rtol=1e-6)

    # Everything on lapse: too few effective paths; the page keeps the printed numbers, and
    # smasim reweight refuses the same probabilities.
    status = move(2, "1")
    assert status.startswith("Too few effective paths") and "below the floor of 1,000" in status
    assert spans() == printed and page.get_attribute(median, "d") == drawn
    result = CliRunner().invoke(cli, [
        "reweight", str(batch), "--scenario", "baseline", "--set",
        "negotiation.outcomes.lapse.probability=1", "--renormalize"])
    assert result.exit_code == 2 and "below the floor of 1,000" in result.output

    # Back to the configured probabilities: exactly the printed page.
    move(1, "0.5")
    page.click("#controls-reset")
    assert spans() == printed and page.get_attribute(median, "d") == drawn
    assert page.inner_text(f"{fieldset} .status").startswith("As configured")
    assert rendered.errors == [] and rendered.requests == [rendered.url]
    # Every one of 4 x 4,000 paths in 8-byte floats: the largest the page gets (PAGE_PATHS).
    assert len(path.read_bytes()) < 2_000_000

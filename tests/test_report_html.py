"""`smasim report`: the HTML report's structure and numbers, without a browser.

The report is one more renderer of the read side's rows, so every number it shows is
checked against what `smasim summary`, `compare` and `budget` print for the same file:
the reading tables as the reading rule rounds those numbers (no ±), the appendix exactly
as the commands print them. Expectations come from the file, never from numbers typed here.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.analysis.reweight import DEFAULT_MIN_ESS, Judgment
from simcore.analysis.sensitivity import SensitivityResult
from simcore.config.load import load_scenario
from simcore.core.records import HORIZON
from simcore.core.variables import VARIABLES
from simcore.io.provenance import file_info
from simcore.io.reader import read_samples
from simcore.read.rows import Estimate
from simcore.report import plots
from simcore.report.attachments import read_sensitivity
from simcore.report.figure import dashed
from simcore.report.html.controls import kept_paths
from simcore.report.html.document import external_references
from simcore.report.html.report import build_report
from simcore.report.panels import Panel
from simcore.report.reading import MARK, reading, shown_difference
from simcore.report.render import format_estimate, format_scaled
from simcore.report.scenario_notes import SEE_FILES
from simcore.report.sensitivity import variance_share_tables
from simcore.run.runner import StorageOptions, run_scenarios
from tests.conftest import ROOT
from tests.test_report_html_attachments import backtest_file
from tests.test_report_html_document import Elements

N = 4_000
#: The shipped batch: every configuration of configs/, as `make run` simulates them.
SHIPPED = sorted(path.stem for path in (ROOT / "configs").glob("*.toml"))
SECTIONS = ["bottom-line", "controls", "scenarios", "distributions", "outcomes", "differences",
            "budgets", "errors", "configuration", "method"]
#: Sections whose tables are read, not checked: no ± in any of them.
READING = ["bottom-line", "scenarios", "outcomes", "differences", "budgets", "sensitivity"]
YEARS = list(range(2026, 2032))


def shipped_batch(folder: Path) -> Path:
    """The shipped configs as one batch, recorded as if run from the repository root."""
    scenarios = [load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(samples=N,
                                                                                  seed=11)
                 for name in SHIPPED]
    command = "smasim batch " + " ".join(f"configs/{name}.toml" for name in SHIPPED)
    return run_scenarios(scenarios, folder / "batch.h5", batch=True, command=command).path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shipped_batch(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def page(batch: Path) -> str:
    return build_report([batch])


def smasim(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def summary_records(batch: Path, *variables: str, percentiles: str = "50,80"
                    ) -> dict[tuple[str, str, int | None], dict[str, Any]]:
    """``smasim summary --format json`` by (scenario, variable, year)."""
    args = [a for v in variables for a in ("--var", v)]
    code, output = smasim("summary", batch, *args, "--percentiles", percentiles,
                          "--format", "json")
    assert code == 0, output
    return {(r["scenario"], r["variable"], json_year(r["year"])): r
            for r in json.loads(output)["records"]}


def json_year(year: int | str) -> int | None:
    """A JSON record's year as the rows hold it (None: the horizon total)."""
    return None if year == HORIZON else int(year)


def read(record: dict[str, Any], level: str, variable: str, **kwargs: Any) -> Any:
    """The reading of a record's percentile (with its interval), as the rule makes it."""
    return reading(record[level], VARIABLES[variable], lower=record[f"{level}_lower"],
                   upper=record[f"{level}_upper"], **kwargs)


def cells(text: str, table: int) -> list[list[tuple[str, str | None]]]:
    """(text, data-value) of every body cell of the table-th table, row by row."""

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[list[list[tuple[str, str | None]]]] = []
            self.cell: list[str] | None = None
            self.value: str | None = None
            self.in_body = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table":
                self.tables.append([])
            elif tag == "tbody":
                self.in_body = True
            elif tag == "tr" and self.in_body:
                self.tables[-1].append([])
            elif tag in ("td", "th") and self.in_body:
                self.cell, self.value = [], dict(attrs).get("data-value")

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th") and self.cell is not None:
                self.tables[-1][-1].append(("".join(self.cell), self.value))
                self.cell = None
            elif tag == "tbody":
                self.in_body = False

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(text)
    return parser.tables[table]


def section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}"')
    return page[start: page.index("</section>", start)]


def text_of(markup: str) -> str:
    """The text a reader sees (tags dropped, entities read)."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def drawn_text(markup: str) -> list[str]:
    """Every text drawn in the inline figures (titles, axis labels, ticks, legends)."""
    import html

    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", markup)]


def test_structure_is_accessible_and_self_contained(page: str) -> None:
    assert external_references(page) == []
    elements = Elements(page)
    assert [a["id"] for a in elements.named("section")] == SECTIONS
    assert all(a.get("scope") in ("col", "row", "colgroup") for a in elements.named("th"))
    svgs = elements.named("svg")
    # The fan chart on the first page, the S-curve and one budget figure.
    assert len(svgs) == 3 == len(elements.named("figcaption"))
    assert all(s["role"] == "img" and s["aria-label"] and s["aria-describedby"] for s in svgs)
    assert page.count("<title>") == 1 + len(svgs)
    assert len(page.encode()) < 3_000_000
    # The contents follow the first page: read before anything is looked up.
    assert page.index('<nav aria-label="Contents">') > page.index("</section>")
    assert page.index('<nav aria-label="Contents">') < page.index('<section id="scenarios"')


def test_no_reading_table_shows_an_error(page: str, batch: Path,
                                         analysis: tuple[SensitivityResult, Path]) -> None:
    full = build_report([batch], sensitivity=analysis[1])
    for ident in READING:
        tables = re.findall(r"<table.*?</table>", section(full, ident), re.DOTALL)
        assert tables or ident == "sensitivity"
        assert not any("±" in table for table in tables), ident
    # The errors are in the appendix.
    assert section(full, "errors").count("±") > 100


def test_first_page_says_the_bottom_line_from_the_numbers(batch: Path, page: str) -> None:
    records = summary_records(batch, "contribution_usd", "contribution_krw",
                              "cum_contribution_usd", "rok_share", percentiles="5,50,80,95")
    # The main alternative: the scenario whose median horizon total differs most.
    totals = {s: records[s, "cum_contribution_usd", None]["p50"] for s in SHIPPED}
    alternative = max(SHIPPED[1:], key=lambda s: abs(totals[s] - totals["baseline"]))

    def shown(scenario: str, variable: str, year: int | None, level: str) -> str:
        return read(records[scenario, variable, year], level, variable).text

    # The alternative's total to the baseline's last digit, and the difference of the two
    # numbers shown, its interval bounded by the medians' own (not compare's paired ΔP50).
    a, b = (records[s, "cum_contribution_usd", None] for s in ("baseline", alternative))
    total = read(b, "p50", "cum_contribution_usd", to=a["p50"])
    difference = shown_difference(b["p50"], a["p50"], VARIABLES["cum_contribution_usd"],
                                  lower=b["p50_lower"] - a["p50_upper"],
                                  upper=b["p50_upper"] - a["p50_lower"])
    # The page's arithmetic adds up: the alternative's total minus the baseline's, as shown.
    figures = [Decimal(re.sub(r"[^0-9.]", "", text)) for text in (
        total.text, shown("baseline", "cum_contribution_usd", None, "p50"), difference.text)]
    assert difference.text.startswith("+$")
    assert figures[0] - figures[1] == figures[2]
    expected = (
        "In the central scenario, baseline, South Korea pays "
        f"{shown('baseline', 'contribution_usd', 2026, 'p50')} in 2026 and "
        f"{shown('baseline', 'contribution_usd', 2031, 'p50')} "
        f"({shown('baseline', 'contribution_krw', 2031, 'p50')}) in 2031 at the median: "
        f"{shown('baseline', 'cum_contribution_usd', None, 'p50')} over 2026–2031. "
        "With 90% probability its 2031 payment lies between "
        f"{shown('baseline', 'contribution_usd', 2031, 'p5')} and "
        f"{shown('baseline', 'contribution_usd', 2031, 'p95')}. "
        f"The main alternative, {alternative}, puts the 2026–2031 total at "
        f"{total.text} at the median ({difference.text} against baseline)."
    )
    front = section(page, "bottom-line")
    bottom = front[front.index('<div class="bottom-line">'):]
    assert text_of(bottom[: bottom.index("</div>")]).strip() == expected
    # The title, and the question (the central scenario's) under it.
    # The agreement is spelled out where a reader meets it first.
    assert ("<h1>What South Korea pays for US forces under the Special Measures Agreement "
            "(SMA), 2026–2031</h1>") in page
    header = page[page.index("<header>"): page.index("</header>")]
    assert "The question.</strong> Baseline: what will South Korea pay" in header
    # The table: five numbers for the central scenario and the alternative.
    table = cells(front, 0)
    assert [row[0][0] for row in table] == [
        "Payment in 2031, median", "Payment in 2031, 90% range", "Total 2026–2031, median",
        "Total 2026–2031, 80% budget (P80)",
        "ROK share of the cost of stationing in 2031, median"]
    for k, scenario in enumerate(("baseline", alternative)):
        column = [row[k + 1][0] for row in table]
        assert column == [
            f"{shown(scenario, 'contribution_usd', 2031, 'p50')} "
            f"({shown(scenario, 'contribution_krw', 2031, 'p50')})",
            f"{shown(scenario, 'contribution_usd', 2031, 'p5')} to "
            f"{shown(scenario, 'contribution_usd', 2031, 'p95')}",
            shown(scenario, "cum_contribution_usd", None, "p50"),
            shown(scenario, "cum_contribution_usd", None, "p80"),
            shown(scenario, "rok_share", 2031, "p50"),
        ]
    assert "Simulation precision: 4,000 simulated paths per scenario." in front
    # One chart: the fan chart of the payment, every scenario a panel.
    assert front.count("<svg") == 1
    for scenario in SHIPPED:
        assert f'id="fan-{scenario}-median"' in front


def test_year_tables_read_the_summary(batch: Path, page: str) -> None:
    records = summary_records(batch, "contribution_usd", "cum_contribution_usd",
                              "total_cost_usd", "rok_share")
    text = section(page, "scenarios")
    columns = ["contribution_usd", "total_cost_usd", "rok_share"]
    for k, scenario in enumerate(SHIPPED):
        table = cells(text, k)
        assert [row[0][0] for row in table] == [*map(str, YEARS), "total"]
        for row in table:
            wanted = ([("cum_contribution_usd", None)] if row[0][0] == "total"
                      else [(v, int(row[0][0])) for v in columns])
            shown = iter(row[1:])
            for variable, year in wanted:
                for level in ("p50", "p80"):
                    text_shown, value = next(shown)
                    record = records[scenario, variable, year]
                    assert float(value) == record[level]
                    assert text_shown == read(record, level, variable).number
            assert all(c == ("—", None) for c in shown)
    # Long names, not codes, in the headings; a number whose error could change its last
    # digit is marked, and the note says what the mark means.
    assert "ROK SMA contribution, nominal [USD bn]" in text
    assert "ROK share of the total stationing cost [%]" in text
    assert "contribution_usd" not in text and "rok_share" not in text
    if MARK in text:
        assert f"{MARK}: the Monte Carlo error could change the last digit shown." in text


def test_appendix_holds_the_errors_as_summary_prints_them(batch: Path, page: str) -> None:
    records = summary_records(batch, "contribution_usd", "cum_contribution_usd",
                              "total_cost_usd", "rok_share")
    text = section(page, "errors")
    columns = [("contribution_usd", 1e9), ("total_cost_usd", 1e9), ("rok_share", 0.01)]
    for k, scenario in enumerate(SHIPPED):
        table = cells(text, k)
        assert len(table) == 7
        for row in table:
            label = row[0][0]
            if label == "2026–2031 total":
                wanted = [("cum_contribution_usd", None, 1e9)]
                assert row[3:] == [("—", None)] * 4
            else:
                wanted = [(v, int(label), scale) for v, scale in columns]
            shown = iter(row[1:])
            for variable, year, scale in wanted:
                record = records[scenario, variable, year]
                for q in ("p50", "p80"):
                    text_shown, value = next(shown)
                    assert float(value) == record[q]
                    estimate = Estimate(record[q], record[f"{q}_lower"], record[f"{q}_upper"])
                    assert text_shown == format_estimate(estimate, scale)


def test_questions_and_differences(page: str) -> None:
    text = section(page, "scenarios")
    assert "Lapse: what happens if no successor agreement is reached" in text
    assert text.count("<dd>2025 base year, calibrated from history. It assumes troops") == 2
    assert "smasim calibrate" not in text and "No question is stated" not in text
    assert "It assumes troops 28,500 in 2025; each year a 5% chance of a cut to 24,000" in text
    assert "pinned at 24,000 in 2027–2031" in text
    # The differences are an appendix, for a reader: 4 digits, no matrix dumped.
    text = section(page, "configuration")
    rows = {row[0][0]: [c for c, _ in row[1:]] for row in cells(text, 0)}
    # Every shipped scenario simulates calibrate's tables of draws: no inflation row.
    assert not any(key.startswith("inflation.") for key in rows)
    assert dict(zip(SHIPPED, rows["defense.real_growth"], strict=True))["calibrated"] == (
        "0.03058")
    assert all("[[" not in value and "{" not in value
               for values in rows.values() for value in values)
    assert dict(zip(SHIPPED, rows["shocks.correlation"], strict=True)) == {
        "baseline": SEE_FILES, "calibrated": SEE_FILES, "drawdown": "same as baseline",
        "history": SEE_FILES, "lapse": "same as baseline", "us-demand-2027": SEE_FILES}
    assert "pins.troops" in rows and "negotiation.outcomes" in rows
    last_year = dict(zip(SHIPPED, rows["agreement.last_year"], strict=True))
    assert last_year["baseline"] == "2030" and last_year["us-demand-2027"] == "2026"
    assert dict(zip(SHIPPED, rows["pins.troops"], strict=True))["baseline"] == "—"
    assert "run.name" not in rows and "run.samples" not in rows


def test_outcomes_leave_out_what_never_happens(batch: Path, page: str) -> None:
    code, output = smasim("summary", batch, "--outcomes", "--format", "json")
    assert code == 0, output
    records = json.loads(output)["records"]
    text = section(page, "outcomes")
    assert '<th scope="col">no negotiation</th>' in text
    assert '<th scope="col">status quo</th>' in text and "status_quo" not in text
    share = VARIABLES["rok_share"]
    for k, scenario in enumerate(SHIPPED):
        mine = [r for r in records if r["scenario"] == scenario]
        outcomes = list(dict.fromkeys(r["outcome"] for r in mine))
        by = {(r["year"], r["outcome"]): r for r in mine}
        # A year without talks on any path, and an outcome that never happens, are left out.
        years = [y for y in YEARS if any(by[y, o]["probability"] > 0 for o in outcomes
                                         if by[y, o]["code"] >= 0)]
        kept = [o for o in outcomes if any(by[y, o]["probability"] > 0 for y in years)]
        table = cells(text, k)
        assert [row[0][0] for row in table] == [str(y) for y in years]
        for row, year in zip(table, years, strict=True):
            for (shown, value), outcome in zip(row[1:], kept, strict=True):
                record = by[year, outcome]
                p, half = record["probability"], 1.959963984540054 * record["se"]
                assert float(value) == p
                assert shown == reading(p, share, lower=p - half, upper=p + half).number
    assert "years without talks: 2026" in text
    lapse = cells(text, SHIPPED.index("lapse"))
    assert [row[0][0] for row in lapse] == ["2031"]
    assert "outcomes that never happen: no negotiation" in text


def test_differences_read_compare(batch: Path, page: str) -> None:
    text = section(page, "differences")
    others = SHIPPED[1:]
    for level, table in (("p50", 0), ("p80", 1)):
        rows = cells(text, table)
        records = {}
        for scenario in others:
            code, output = smasim("compare", batch, "--scenario", "baseline", "--scenario",
                                  scenario, "--var", "contribution_usd", "--var",
                                  "cum_contribution_usd", "--percentiles", "50,80",
                                  "--format", "json")
            assert code == 0, output
            records[scenario] = json.loads(output)["records"]
        # Columns: the scenarios that differ somewhere; rows: the years in which one does.
        differs = [s for s in others if any(r[f"{level}_diff"] != 0 for r in records[s])]
        assert "drawdown" not in differs  # a drawdown changes the cost, not the payment
        years = [k for k in range(7) if any(records[s][k][f"{level}_diff"] != 0
                                            for s in differs)]
        assert [row[0][0] for row in rows] == [
            str(records[others[0]][k]["year"] or "horizon") for k in years]
        for row, k in zip(rows, years, strict=True):
            for (shown, value), scenario in zip(row[1:], differs, strict=True):
                record = records[scenario][k]
                assert float(value) == record[f"{level}_diff"]
                assert shown == reading(
                    record[f"{level}_diff"], VARIABLES["contribution_usd"],
                    lower=record[f"{level}_diff_lower"], upper=record[f"{level}_diff_upper"],
                    like=record[f"{level}_a"]).number
    assert "scenarios that do not differ: drawdown" in text
    # The share's differences read in points; the drawdown raises it.
    assert "ROK share of the total stationing cost [points]: difference of the median" in text
    drawdown = [row[SHIPPED.index("drawdown")][0] for row in cells(text, 3)]
    assert all(d.startswith("+") for d in drawdown[1:])


def test_appendix_differences_equal_compare(batch: Path, page: str) -> None:
    text = section(page, "errors")
    code, output = smasim("compare", batch, "--scenario", "baseline", "--scenario", "lapse",
                          "--var", "contribution_usd", "--var", "cum_contribution_usd",
                          "--percentiles", "50,80", "--format", "markdown")
    assert code == 0, output
    # After the scenarios' tables: one per scenario after the reference.
    table = cells(text, len(SHIPPED) + SHIPPED.index("lapse") - 1)
    assert [row[0][0] for row in table] == [*map(str, YEARS), "horizon"]
    for row in table:
        assert "| " + " | ".join(c for c, _ in row) + " |" in output
    assert "how many times wider that interval would be" in text  # what (×k) means


def test_budgets_read_budget_json(batch: Path, page: str) -> None:
    code, output = smasim("budget", batch, "--var", "contribution_usd", "--format", "json")
    assert code == 0, output
    text = section(page, "budgets")
    spec = VARIABLES["contribution_usd"]
    for k, record in enumerate(json.loads(output)["budgets"]):
        table = cells(text, k)
        for row, year in zip(table[:-1], record["years"], strict=True):
            assert row[0][0] == str(year["year"])
            assert float(row[1][1]) == year["budget"]
            assert row[1][0] == reading(year["budget"], spec, lower=year["budget_lower"],
                                        upper=year["budget_upper"]).number
            assert row[2][0] == reading(year["percentile"], spec).number
        assert table[-1][0][0] == "total"
        assert table[-1][1][0] == reading(record["total"], spec).number
    # The appendix: as smasim budget prints it.
    errors = section(page, "errors")
    assert "baseline: ROK SMA contribution, nominal [USD bn]: budget for the P80" in errors
    first = json.loads(output)["budgets"][0]
    appendix = next(cells(errors, t) for t in range(errors.count("<table"))
                    if cells(errors, t)[0][1][0].count("±") == 1
                    and len(cells(errors, t)[0]) == 4)
    assert [c[2][0] for c in appendix[:-1]] == [format_scaled(y["percentile"], 1e9)
                                               for y in first["years"]]


def test_provenance(batch: Path, page: str) -> None:
    text = section(page, "method")
    info = file_info(batch)
    for digest in info.config_hashes().values():
        assert digest in text
    assert f"smasim rerun {batch}" in text
    assert "seed" in text and str(info.attrs["seed"]) in text
    assert f"{N:,}" in text
    assert "three significant digits" in text  # the reading rule, stated


def test_attached_sensitivity_and_backtest(batch: Path, tmp_path: Path,
                                           analysis: tuple[SensitivityResult, Path]) -> None:
    result, sensitivity = analysis
    backtest = backtest_file(tmp_path / "b.nc")
    page = build_report([batch], sensitivity=sensitivity, backtest=backtest)
    ids = [a["id"] for a in Elements(page).named("section")]
    assert ids == [*SECTIONS[:-3], "sensitivity", "backtest", *SECTIONS[-3:]]
    drivers = section(page, "sensitivity")
    # The chart of the payment's shares: groups in words, the ones without a share left
    # out and named; one sentence on what dominates which years.
    (v,) = [k for k, name in enumerate(result.variables) if name == "contribution_krw"]
    shares = np.nan_to_num(result.shapley[v])
    zero = [g for k, g in enumerate(result.groups) if not np.any(shares[:, k] != 0)]
    assert zero and "negotiation" not in zero
    words = {"kr_inflation": "Korean inflation", "us_inflation": "US inflation",
             "fx": "the exchange rate", "defense": "the ROK defense budget",
             "tail": "heavy tails of the shocks", "troops": "troop cuts",
             "negotiation": "the negotiations", "inflation_trend": "the inflation trends",
             "parameters": "the drivers' uncertain parameters"}
    assert f"Left out, zero in every year: {', '.join(words[g] for g in zero)}." in drivers
    legend = drawn_text(drivers)
    assert "the negotiations" in legend and not any(words[g] in legend for g in zero)
    assert "What moves the payment most: " in drivers
    assert drivers.count("<svg") == 1 and "<table" not in drivers
    # The tables with their errors and the tornado are in the appendix.
    errors = section(page, "errors")
    (table,) = variance_share_tables(read_sensitivity(sensitivity))
    assert "ROK SMA contribution, nominal [KRW tn]: share" in errors
    shapley = next(t for t in range(errors.count("<table")) if "share of each year" in
                   errors.split("<table")[t + 1][:300])
    assert cells(errors, shapley)[1] == [(cell, None) for cell in table.rows[1]]
    assert 'id="tornado"' in errors
    assert ("50 (24–76)", None) in cells(section(page, "backtest"), 0)[4]
    assert f"--sensitivity {sensitivity}" in section(page, "method")


def test_the_same_file_gives_the_same_report_in_any_folder(
    batch: Path, page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The questions come from the file, not from configuration files near the reader."""
    monkeypatch.chdir(tmp_path)  # no configs/ here
    assert build_report([batch]) == page
    assert "Lapse: what happens if no successor agreement" in section(page, "scenarios")


def test_single_run_without_a_question(tmp_path: Path) -> None:
    # A scenario built in Python has no comment, so the file keeps no question.
    scenario = load_scenario(ROOT / "configs" / "lapse.toml").with_overrides(samples=N,
                                                                              seed=2)
    path = run_scenarios([scenario.with_comment("")], tmp_path / "lapse.h5", batch=False,
                         command="smasim run elsewhere/lapse.toml").path
    page = build_report([path])
    ids = [a["id"] for a in Elements(page).named("section")]
    assert "differences" not in ids and "configuration" not in ids
    # Said once, where the questions are; never "Not stated" in the body.
    assert page.count("No question is stated") == 1
    assert "No question is stated for lapse" in section(page, "scenarios")
    assert "Not stated" not in page and "The question." not in page
    front = section(page, "bottom-line")
    assert "main alternative" not in front and len(cells(front, 0)[0]) == 2


def test_the_authors_words(tmp_path: Path, batch: Path) -> None:
    text = (ROOT / "configs" / "lapse.toml").read_text()
    shutil.copytree(ROOT / "configs" / "draws", tmp_path / "draws")  # the tables it reads
    config = tmp_path / "lapse.toml"
    config.write_text(text + '\n[report]\ntitle = "If the talks fail"\n'
                      'question = "What does a lapse cost Korea?"\n')
    scenario = load_scenario(config).with_overrides(samples=N, seed=2)
    path = run_scenarios([scenario], tmp_path / "lapse.h5", batch=False,
                         command=f"smasim run {config}").path
    # The [report] table travels in the stored configuration.
    page = build_report([path])
    assert "<h1>If the talks fail</h1>" in page and "<h1>What South Korea pays" not in page
    assert "The question.</strong> What does a lapse cost Korea?" in page
    assert "<dd>What does a lapse cost Korea? It assumes" in section(page, "scenarios")
    # A notes file comes first; its bottom line replaces the generated one.
    notes = tmp_path / "notes.toml"
    notes.write_text('[report]\nquestion = "Q & A?"\nbottom_line = "Korea pays <more>."\n')
    out = tmp_path / "report.html"
    code, output = smasim("report", path, "--notes", notes, "-o", out)
    assert code == 0, output
    page = out.read_text()
    assert "<h1>If the talks fail</h1>" in page
    assert "The question.</strong> Q &amp; A?" in page
    front = section(page, "bottom-line")
    assert '<div class="bottom-line"><p>Korea pays &lt;more&gt;.</p>' in front
    assert "In the central scenario" not in front
    # Only the table's numbers are live (and counted in the sentence on precision).
    assert re.findall(r'data-live="(\d+)"', front) == [str(k) for k in range(7)]
    assert f"--notes {notes}" in section(page, "method")
    # Its words never appear among the configuration differences.
    assert "report." not in section(build_report([batch, path]), "configuration")
    # A bad notes file: one line naming the file and the key.
    notes.write_text('[report]\ntitel = "x"\n')
    code, output = smasim("report", path, "--notes", notes, "-o", tmp_path / "x.html")
    assert code == 2
    assert output.strip() == (f"Error: {notes}: report.titel: unknown key; did you mean "
                              "'title'? (allowed: title, question, bottom_line)")


def test_command_writes_the_file(batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, output = smasim("report", batch, "-o", out)
    assert code == 0, output
    assert output.startswith(f"Wrote {out} (")
    assert out.read_text().startswith("<!DOCTYPE html>")
    code, output = smasim("report", batch, "-o", out)
    assert code == 2 and "--overwrite" in output
    code, output = smasim("report", batch, "-o", tmp_path / "report.pdf")
    assert code == 2 and output.startswith("Error: -o:") and ".html" in output
    code, output = smasim("report", tmp_path / "missing.h5", "-o", tmp_path / "x.html")
    assert code == 2 and "missing.h5" in output
    assert not (tmp_path / "x.html").exists()


def test_overlaid_curves_differ_without_colour(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    names = ["a", "b", "c", "d"]
    panel = Panel("x [USD bn]", 1e9, {n: rng.normal(k, 1, 500) * 1e9
                                      for k, n in enumerate(names)}, "total")
    figure = dashed(plots.cdf_chart([panel], title="t"), names)
    ax = figure.axes[0]
    curves = {line.get_label(): line.get_linestyle() for line in ax.get_lines()
              if line.get_label() in names}
    assert len(set(curves.values())) == len(names)
    legend = ax.get_legend()
    for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        assert handle.get_linestyle() == curves[text.get_text().split(":")[0]]


def test_several_files(tmp_path: Path) -> None:
    def run(name: str, seed: int) -> Path:
        scenario = load_scenario(ROOT / "configs" / f"{name}.toml").with_overrides(
            samples=N, seed=seed)
        return run_scenarios([scenario], tmp_path / f"{name}-{seed}.h5", batch=False,
                             command=f"smasim run configs/{name}.toml").path

    first, paired, other_seed = run("baseline", 1), run("lapse", 1), run("drawdown", 2)
    page = build_report([first, paired, other_seed])
    assert external_references(page) == []
    text = section(page, "errors")
    # Scenarios are named with their file; the same design pairs, another seed cannot.
    assert f"{first.name}:baseline" in text
    code, output = smasim("compare", first, paired, "--var", "contribution_usd", "--var",
                          "cum_contribution_usd", "--percentiles", "50,80", "--format",
                          "markdown")
    assert code == 0, output
    for row in cells(text, 3):
        assert "| " + " | ".join(c for c, _ in row) + " |" in output
    assert f"{other_seed.name}:drawdown: not paired" in section(page, "differences")
    assert section(page, "scenarios").count("<table") == 3
    assert "Drawdown: what does the alliance cost" in section(page, "scenarios")
    # The unpaired alternative's difference is still stated, from the two medians.
    assert f"The main alternative, {paired.name}:lapse" in section(page, "bottom-line")
    # Single runs have controls too (a lapse has no probability to move).
    assert re.findall(r"<legend>(.*?)</legend>", section(page, "controls")) == [
        f"{first.name}:baseline", f"{other_seed.name}:drawdown"]


def test_no_controls_without_the_paths(batch: Path, tmp_path: Path) -> None:
    # A run that kept every path but the negotiation codes': no history to weight.
    scenario = load_scenario(ROOT / "configs" / "baseline.toml").with_overrides(samples=N,
                                                                                 seed=3)
    kept = [v.name for v in file_info(batch).variables if v.name != "negotiation_outcome"]
    path = run_scenarios([scenario], tmp_path / "baseline.h5", batch=False,
                         command="smasim run configs/baseline.toml",
                         storage=StorageOptions(store=kept)).path
    page = build_report([path])
    assert 'id="controls"' not in page and "<script" not in page
    assert section(page, "bottom-line").count('data-live="') == 13  # 6 said, 7 in the table


def test_titles_name_variables_in_words(batch: Path, tmp_path: Path,
                                        analysis: tuple[SensitivityResult, Path]) -> None:
    page = build_report([batch], sensitivity=analysis[1])
    codes = [name for name in VARIABLES if "_" in name]
    titles = re.findall(r"<caption>(.*?)</caption>", page) + re.findall(
        r"<title>(.*?)</title>", page) + re.findall(r'aria-label="([^"]*)"', page)
    assert len(titles) > 20
    for text in titles:
        assert not any(re.search(rf"\b{code}\b", text) for code in codes), text
    # Axis labels, legends and panel titles of the figures too (text stays text in the
    # inline SVG).
    drawn = drawn_text(page)
    assert len(drawn) > 50
    for text in drawn:
        assert not any(re.search(rf"\b{code}\b", text) for code in codes), text
    groups = ("kr_inflation", "us_inflation", "negotiation")
    assert not any(code in drawn for code in groups)


def reweighting_data(page: str) -> dict[str, Any]:
    """The data the page's controls recompute from."""
    found = re.search(r'<script type="application/json" id="reweighting-data">(.*?)</script>',
                      page, re.DOTALL)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_controls_for_each_negotiating_scenario(batch: Path, page: str) -> None:
    # Hidden until the page's script shows them, and never printed.
    assert '<section id="controls" aria-labelledby="controls-h" class="screen-only" hidden>' \
        in page
    text = section(page, "controls")
    judgments = {name: Judgment.of(load_scenario(ROOT / "configs" / f"{name}.toml"))
                 for name in SHIPPED}
    movable = [name for name, j in judgments.items()
               if sum(w > 0 for w in j.outcomes) > 1 or 0 < j.reopen < 1]
    assert set(movable) < set(SHIPPED) and "baseline" in movable
    assert re.findall(r"<legend>(.*?)</legend>", text) == movable
    baseline = text[text.index("<legend>baseline</legend>"):text.index("</fieldset>")]
    assert re.findall(r'data-outcome="\d+" [^>]*value="([^"]*)"', baseline) == [
        repr(w) for w in judgments["baseline"].outcomes]
    assert f'value="{judgments["baseline"].reopen!r}"' in baseline
    data = reweighting_data(page)
    assert data["minEss"] == DEFAULT_MIN_ESS == 1000
    assert f"below {DEFAULT_MIN_ESS:,})" in text
    infos = file_info(batch)
    for scenario in data["scenarios"]:
        name = scenario["label"]
        # A file of at most PAGE_PATHS paths: every path, in 8-byte floats, so that the
        # page's numbers are those of smasim reweight.
        assert scenario["paths"] == scenario["carried"] == N and scenario["precision"] == "f8"
        assert sum(scenario["counts"]) == N and set(scenario["multiplicity"]) == {1.0}
        stored = read_samples(batch, "contribution_usd", scenario=infos.scenarios.index(name))
        for k, year in enumerate(YEARS):
            values = np.frombuffer(base64.b64decode(
                scenario["values"][f"contribution_usd|{year}"]), dtype="<f8")
            np.testing.assert_array_equal(values, stored[:, k])
        pattern = np.frombuffer(base64.b64decode(scenario["pattern"]), dtype="<u2")
        assert np.bincount(pattern).tolist() == scenario["counts"]
    assert f"{N:,} of {N:,}" in text and "kB of the page" in text


def test_live_numbers_are_the_printed_ones(page: str) -> None:
    # At the configured probabilities the script shows what the page prints: each live
    # number's stored value reads as its span does.
    data = reweighting_data(page)
    spans = re.findall(r'<span class="live" data-live="(\d+)">([^<]*)</span>', page)
    assert [int(k) for k, _ in spans] == list(range(len(data["live"]))) and len(spans) > 20
    for (_, shown), number in zip(spans, data["live"], strict=True):
        variable = number["column"].split("|")[0]
        reference = data["live"][number["minus"] if number["minus"] is not None
                                 else number["digitsOf"] if number["digitsOf"] is not None
                                 else 0]["value"]
        if number["minus"] is not None:  # the difference of the two totals shown
            expected = shown_difference(
                number["value"], reference, VARIABLES[variable],
                lower=number["lower"] - data["live"][number["minus"]]["upper"],
                upper=number["upper"] - data["live"][number["minus"]]["lower"])
        else:
            expected = reading(number["value"], VARIABLES[variable], lower=number["lower"],
                               upper=number["upper"],
                               to=reference if number["digitsOf"] is not None else None)
        assert expected.text == text_of(shown)
    assert sum(number["minus"] is not None for number in data["live"]) == 1
    assert sum(number["digitsOf"] is not None for number in data["live"]) == 1


def test_kept_paths_keep_rare_histories_whole() -> None:
    pattern = np.repeat([0, 1, 2], [1_000, 10, 90])
    kept, multiplicity = kept_paths(pattern, 200)
    # The largest cap per pattern whose total fits: 100 + 10 + 90.
    assert np.bincount(pattern[kept]).tolist() == [100, 10, 90]
    assert multiplicity.tolist() == [10.0, 1.0, 1.0]
    assert kept[:3].tolist() == [5, 15, 25]  # the middle of each tenth of the common one's
    kept, multiplicity = kept_paths(pattern, 1_100)
    assert kept.tolist() == list(range(1_100)) and set(multiplicity) == {1.0}

"""`smasim report`: the HTML report's structure and numbers, without a browser.

The report is one more renderer of the read side's rows, so every number it shows is
checked against what `smasim summary`, `compare` and `budget` print for the same file.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.analysis.sensitivity import SensitivityResult
from simcore.config.load import load_scenario
from simcore.core.variables import VARIABLES
from simcore.io.provenance import file_info
from simcore.read.rows import Estimate
from simcore.report import plots
from simcore.report.attachments import read_sensitivity
from simcore.report.figure import dashed
from simcore.report.html.document import external_references
from simcore.report.html.report import build_report
from simcore.report.panels import Panel
from simcore.report.render import format_estimate, format_scaled
from simcore.report.scenario_notes import SEE_FILES
from simcore.report.sensitivity import variance_share_tables
from simcore.run.runner import run_scenarios
from tests.conftest import ROOT
from tests.test_report_html_attachments import backtest_file
from tests.test_report_html_document import Elements

N = 4_000
#: The shipped batch: every configuration of configs/, as `make run` simulates them.
SHIPPED = sorted(path.stem for path in (ROOT / "configs").glob("*.toml"))
SECTIONS = ["headline", "questions", "distributions", "outcomes", "differences", "budgets",
            "configuration", "method"]


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


def test_structure_is_accessible_and_self_contained(page: str) -> None:
    assert external_references(page) == []
    elements = Elements(page)
    assert [a["id"] for a in elements.named("section")] == SECTIONS
    assert all(a.get("scope") in ("col", "row", "colgroup") for a in elements.named("th"))
    svgs = elements.named("svg")
    # Fan chart and S-curve, and one budget figure.
    assert len(svgs) == 3 == len(elements.named("figcaption"))
    assert all(s["role"] == "img" and s["aria-label"] and s["aria-describedby"] for s in svgs)
    assert page.count("<title>") == 1 + len(svgs)
    assert len(page.encode()) < 3_000_000


def test_questions_and_differences(page: str) -> None:
    text = section(page, "questions")
    assert "Lapse: what happens if no successor agreement is reached" in text
    for name in ("calibrated", "history"):
        assert f"<dt>{name}</dt><dd>2025 base year, calibrated from history</dd>" in text
    assert "smasim calibrate" not in text
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


def test_headline_equals_summary_json(batch: Path, page: str) -> None:
    code, output = smasim("summary", batch, "--var", "contribution_usd", "--var",
                          "cum_contribution_usd", "--var", "total_cost_usd", "--var",
                          "rok_share", "--percentiles", "50,80", "--format", "json")
    assert code == 0, output
    records = {(r["scenario"], r["variable"], r["year"]): r
               for r in json.loads(output)["records"]}
    text = section(page, "headline")
    columns = [("contribution_usd", 1e9), ("total_cost_usd", 1e9), ("rok_share", 0.01)]
    for k, scenario in enumerate(SHIPPED):
        table = cells(text, k)
        assert len(table) == 7
        for row in table:
            label = row[0][0]
            if label == "2026–2031 total":
                wanted = [("cum_contribution_usd", "horizon", 1e9)]
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
    # Long names, not codes, in the headings.
    assert "ROK SMA contribution, nominal [USD bn]" in text
    assert "ROK share of the total stationing cost [%]" in text
    assert "contribution_usd" not in text and "rok_share" not in text


def test_key_findings_repeat_the_tables(batch: Path, page: str) -> None:
    text = section(page, "headline")
    findings = text[text.index("<ul"): text.index("</ul>")]
    baseline = cells(text, SHIPPED.index("baseline"))
    p50, p80 = (c.split(" ±")[0] for c, _ in baseline[5][1:3])
    total50, total80 = (c.split(" ±")[0] for c, _ in baseline[6][1:3])
    share = baseline[5][5][0].split(" ±")[0]
    assert (f"baseline: the ROK contribution in 2031 is {p50} USD bn at the median (P80 {p80}); "
            f"over 2026–2031 it totals {total50} USD bn (P80 {total80}); in 2031 the ROK "
            f"carries {share} % of the total stationing cost at the median. It assumes troops "
            "28,500 in 2025; each year a 5% chance of a cut to 24,000 (never reversed); in "
            "2031, 73.5% of paths at 28,500 and 26.5% at 24,000.") in findings
    assert "drawdown: " in findings and "pinned at 24,000 in 2027–2031" in findings
    assert findings.count("<li>") == len(SHIPPED) + 2
    # The largest difference is compare's, as the differences section shows it.
    code, output = smasim("compare", batch, "--scenario", "baseline", "--scenario",
                          "us-demand-2027", "--var", "cum_contribution_usd", "--percentiles",
                          "50", "--format", "json")
    assert code == 0, output
    (record,) = json.loads(output)["records"]
    horizon = cells(section(page, "differences"), SHIPPED.index("us-demand-2027") - 1)[-1]
    assert horizon[0][0] == "horizon"
    shown = horizon[6][0].split(" ±")[0]  # the ΔP50 column
    assert abs(float(shown) - record["p50_diff"] / 1e9) < 0.05 * record["p50_diff"] / 1e9
    assert ("The largest difference from baseline in the horizon total of the ROK contribution "
            f"is us-demand-2027&#x27;s: {shown} USD bn more at the median over the horizon."
            ) in findings


def test_budgets_equal_budget_json(batch: Path, page: str) -> None:
    code, output = smasim("budget", batch, "--var", "contribution_usd", "--format", "json")
    assert code == 0, output
    text = section(page, "budgets")
    for k, record in enumerate(json.loads(output)["budgets"]):
        table = cells(text, k)
        own = [c[2][0] for c in table[:-1]]
        assert own == [format_scaled(y["percentile"], 1e9) for y in record["years"]]
        assert table[-1][1][0] == format_scaled(record["total"], 1e9)
        assert table[-1][0][0] == "2026–2031 total"


def test_differences_equal_compare(batch: Path, page: str) -> None:
    text = section(page, "differences")
    code, output = smasim("compare", batch, "--scenario", "baseline", "--scenario", "lapse",
                          "--var", "contribution_usd", "--var", "cum_contribution_usd",
                          "--percentiles", "50,80", "--format", "markdown")
    assert code == 0, output
    # One table per scenario after the reference: its years, then the horizon total.
    table = cells(text, SHIPPED.index("lapse") - 1)
    assert [row[0][0] for row in table] == [*map(str, range(2026, 2032)), "horizon"]
    for row in table:
        assert "| " + " | ".join(c for c, _ in row) + " |" in output
    assert "how many times wider that interval would be" in text  # what (×k) means


def test_cost_differences_equal_compare(batch: Path, page: str) -> None:
    """The drawdown's question: the total cost and the ROK share, ΔP50 of every scenario."""
    text = section(page, "differences")
    count = text.count("<table")
    tables = {variable: cells(text, count - 2 + k)
              for k, variable in enumerate(("total_cost_usd", "rok_share"))}
    assert "total cost of stationing, nominal [USD bn]: difference of the median" in text
    for k, scenario in enumerate(SHIPPED[1:]):
        code, output = smasim("compare", batch, "--scenario", "baseline", "--scenario",
                              scenario, "--var", "total_cost_usd", "--var", "rok_share",
                              "--percentiles", "50,80", "--format", "markdown")
        assert code == 0, output
        blocks = output.split("**rok_share")
        for variable, block in zip(tables, blocks, strict=True):
            assert [row[0][0] for row in tables[variable]] == [*map(str, range(2026, 2032))]
            for row in tables[variable]:
                year, shown = row[0][0], row[k + 1][0]
                (line,) = [x for x in block.splitlines() if x.startswith(f"| {year} |")]
                assert line.split(" | ")[6] == shown  # the ΔP50 column
    drawdown = [row[SHIPPED.index("drawdown")][0] for row in tables["total_cost_usd"]]
    assert drawdown[0].startswith("0.000") and all(d.startswith("-") for d in drawdown[1:])


def test_outcomes_equal_summary_outcomes(batch: Path, page: str) -> None:
    code, output = smasim("summary", batch, "--outcomes", "--format", "markdown")
    assert code == 0, output
    text = section(page, "outcomes")
    assert '<th scope="col">no negotiation</th>' in text
    assert '<th scope="col">status quo</th>' in text and "status_quo" not in text
    for k in range(len(SHIPPED)):
        for row in cells(text, k):
            assert "| " + " | ".join(c for c, _ in row) + " |" in output


def test_provenance(batch: Path, page: str) -> None:
    text = section(page, "method")
    info = file_info(batch)
    for digest in info.config_hashes().values():
        assert digest in text
    assert f"smasim rerun {batch}" in text
    assert "seed" in text and str(info.attrs["seed"]) in text
    assert f"{N:,}" in text


def test_attached_sensitivity_and_backtest(batch: Path, tmp_path: Path,
                                           analysis: tuple[SensitivityResult, Path]) -> None:
    sensitivity = analysis[1]
    backtest = backtest_file(tmp_path / "b.nc")
    page = build_report([batch], sensitivity=sensitivity, backtest=backtest)
    ids = [a["id"] for a in Elements(page).named("section")]
    assert ids == [*SECTIONS[:-2], "sensitivity", "backtest", "configuration", "method"]
    (table,) = variance_share_tables(read_sensitivity(sensitivity))
    assert cells(section(page, "sensitivity"), 0)[1] == [(cell, None) for cell in table.rows[1]]
    assert ("50 (24–76)", None) in cells(section(page, "backtest"), 0)[4]
    assert f"--sensitivity {sensitivity}" in section(page, "method")


def test_the_same_file_gives_the_same_report_in_any_folder(
    batch: Path, page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The questions come from the file, not from configuration files near the reader."""
    monkeypatch.chdir(tmp_path)  # no configs/ here
    assert build_report([batch]) == page
    assert "Lapse: what happens if no successor agreement" in section(page, "questions")


def test_single_runs_and_questions_not_found(tmp_path: Path) -> None:
    # A scenario built in Python has no comment, so the file keeps no question.
    scenario = load_scenario(ROOT / "configs" / "lapse.toml").with_overrides(samples=N,
                                                                              seed=2)
    path = run_scenarios([scenario.with_comment("")], tmp_path / "lapse.h5", batch=False,
                         command="smasim run elsewhere/lapse.toml").path
    page = build_report([path])
    ids = [a["id"] for a in Elements(page).named("section")]
    assert "differences" not in ids
    assert "Not stated" in section(page, "questions")
    assert "One scenario" in section(page, "questions")
    assert "configuration" not in ids


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
    text = section(page, "differences")
    # Scenarios are named with their file; the same design pairs, another seed cannot.
    assert f"{first.name}:baseline" in text
    code, output = smasim("compare", first, paired, "--var", "contribution_usd", "--var",
                          "cum_contribution_usd", "--percentiles", "50,80", "--format",
                          "markdown")
    assert code == 0, output
    for row in cells(text, 0):
        assert "| " + " | ".join(c for c, _ in row) + " |" in output
    assert f"{other_seed.name}:drawdown: not paired" in text
    headline = section(page, "headline")
    assert headline.count("<table") == 3
    assert "Drawdown: what does the alliance cost" in section(page, "questions")


def test_titles_name_variables_in_words(batch: Path, tmp_path: Path,
                                        analysis: tuple[SensitivityResult, Path]) -> None:
    page = build_report([batch], sensitivity=analysis[1])
    codes = [name for name in VARIABLES if "_" in name]
    titles = re.findall(r"<caption>(.*?)</caption>", page) + re.findall(
        r"<title>(.*?)</title>", page) + re.findall(r'aria-label="([^"]*)"', page)
    assert len(titles) > 20
    for text in titles:
        assert not any(re.search(rf"\b{code}\b", text) for code in codes), text
    assert ("baseline: ROK SMA contribution, nominal [USD bn]: budget for the P80"
            in section(page, "budgets"))
    assert "ROK SMA contribution, nominal [KRW tn]: share" in section(page, "sensitivity")
    # Axis labels of the figures too (text stays text in the inline SVG).
    assert "ROK SMA contribution, nominal [USD bn]" in section(page, "distributions")
    assert not any(f">{code} [" in page for code in codes)

"""The documentation site (docs/, ``make docs``) cannot rot unnoticed.

It builds with Sphinx with no warning (a broken cross-reference, a missing page or heading
anchor, a docstring that does not parse are warnings), every link between its pages lands
on a page and an anchor that exist, the notebook tutorial runs from an empty folder, every
command of ``smasim`` has a reference entry, every ``smasim`` command line the pages show
names a real command and real options, and every repository file a page cites exists.
"""

from __future__ import annotations

import html.parser
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
import pytest
from simcore.cli.main import COMMANDS, cli

from tests.conftest import ROOT

DOCS = ROOT / "docs"
NOTEBOOK = DOCS / "tutorial" / "python-api.ipynb"
#: Pages written for the site, and the README (which links into them).
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
#: Folders of the repository whose files the pages cite by path.
CITED_ROOTS = ("docs/", "configs/", "simcore/", "cli/", "tests/", "benchmarks/", ".ci/")
#: Where `make docs` writes the site (git-ignored).
BUILT = "docs/_build"
NUMBER = re.compile(r"-\d")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built from scratch with warnings as errors (the notebook is executed by
    its own test, not a second time here)."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "SMASIM_DOCS_EXECUTE": "off"}
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, done.stderr[-5000:]
    return out / "html"


@pytest.mark.slow
def test_site_builds_without_a_warning(site: Path) -> None:
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    expected = {"index.html", "tutorial/afternoon.html", "tutorial/python-api.html",
                "reference/cli/index.html", "reference/api/simcore.html", "spec/MODEL.html",
                "spec/CONFIG.html", "spec/METHODS.html", "model-notes.html"}
    assert expected <= pages


class _Anchors(html.parser.HTMLParser):
    """The ids of a page and the targets of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))


@pytest.mark.slow
def test_every_internal_link_lands_on_a_page_and_anchor(site: Path) -> None:
    parsed: dict[Path, _Anchors] = {}
    for page in site.rglob("*.html"):
        anchors = _Anchors()
        anchors.feed(page.read_text(encoding="utf-8"))
        parsed[page.resolve()] = anchors
    broken = []
    for page, anchors in parsed.items():
        for link in anchors.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("mailto:"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site.resolve())}: {link}")
            elif parts.fragment and target.suffix == ".html" and (
                    unquote(parts.fragment) not in parsed[target].ids):
                broken.append(f"{page.relative_to(site.resolve())}: {link} (no such anchor)")
    assert not broken, "\n".join(broken)


@pytest.mark.slow
def test_the_notebook_tutorial_runs_from_an_empty_folder(tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "demand-10bn" in outputs
    assert (tmp_path / "outputs" / "notebook.h5").is_file()


def test_every_command_has_a_reference_entry() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "reference/cli").glob("*.md"))
    documented = set(re.findall(r":prog: smasim (\S+)", text))
    assert documented == set(COMMANDS)


def _code_blocks(text: str) -> Iterator[str]:
    yield from re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)


def _command_lines(text: str) -> Iterator[str]:
    """Each ``smasim …`` line of a page's code blocks, continuation lines joined."""
    for block in _code_blocks(text):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = re.sub(r"^\s*\$\s*", "", line.strip())
            line = re.sub(r"^\.venv/bin/", "", line)
            if line.startswith("smasim "):
                yield line.split(" #")[0].split(" > ")[0].split(" | ")[0]


def test_every_command_line_shown_names_real_options() -> None:
    shown = [(page, line) for page in [*PAGES, ROOT / "README.md"]
             for line in _command_lines(page.read_text(encoding="utf-8"))]
    assert len(shown) > 20
    wrong = []
    for page, line in shown:
        args = [arg for arg in shlex.split(line)[1:] if arg != "--debug"]
        try:
            name, command, rest = cli.resolve_command(click.Context(cli), args)
        except click.ClickException as err:
            wrong.append(f"{page.relative_to(ROOT)}: {line}: {err.format_message()}")
            continue
        assert command is not None
        options = {"-h", "--help"} | {
            opt for param in command.params if isinstance(param, click.Option)
            for opt in (*param.opts, *param.secondary_opts)
        }
        unknown = [arg for arg in rest if arg.startswith("-") and not NUMBER.match(arg)
                   and arg.split("=")[0] not in options]
        if unknown:
            wrong.append(f"{page.relative_to(ROOT)}: {line}: smasim {name} has no {unknown}")
    assert not wrong, "\n".join(wrong)


def test_every_file_a_page_cites_exists() -> None:
    missing = []
    for page in [*PAGES, ROOT / "README.md"]:
        for cited in re.findall(r"`([^`\s]+)`", page.read_text(encoding="utf-8")):
            path = cited.split("::")[0].rstrip(".,;:")
            if (path.startswith(CITED_ROOTS) and not path.startswith(BUILT)
                    and not re.search(r"[*<>{}…]|\.\.\.", path) and not (ROOT / path).exists()):
                missing.append(f"{page.relative_to(ROOT)}: {cited}")
    assert not missing, "\n".join(missing)


def test_every_link_of_the_readme_lands_on_a_file_and_heading() -> None:
    """The README is read on its own (a forge renders it): its links into docs/ are checked
    here, as Sphinx checks the site's."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links
    broken = []
    for link in links:
        parts = urlsplit(link)
        if parts.scheme:
            continue
        target = ROOT / unquote(parts.path) if parts.path else ROOT / "README.md"
        if not target.is_file():
            broken.append(link)
        elif parts.fragment and parts.fragment not in _heading_slugs(target):
            broken.append(f"{link} (no such heading)")
    assert not broken, broken


def _heading_slugs(page: Path) -> set[str]:
    """The anchors a forge gives a Markdown page's headings (lower case, punctuation
    dropped, spaces to hyphens)."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}

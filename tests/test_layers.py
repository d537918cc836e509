"""The layer rule of docs/architecture.md, checked on every import the code makes.

A package of ``simcore`` may import only from packages in a lower layer; packages in one
layer do not know each other; nothing in ``simcore`` imports ``cli``. Every import counts:
those at the top of a module, those deferred into a function, and those only for type
checkers. Within one package, modules import each other freely, but never in a cycle.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Layer of each package, lowest first (docs/architecture.md, "The layers").
LAYERS: dict[str, int] = {
    "core": 0,
    "stats": 1,
    "config": 2,
    "model": 3, "io": 3, "evidence": 3,
    "run": 4, "read": 4,
    "analysis": 5,
    "report": 6,
}

Edge = tuple[str, str]  # (importing module, imported module), dotted


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[str]:
    """Every simcore or cli module the file names in an import, wherever the import is."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            # `from simcore.report import plots` names the module simcore.report.plots
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def code_edges() -> list[Edge]:
    modules = {module_name(p) for p in (ROOT / "simcore").rglob("*.py")}
    edges = []
    for path in sorted((ROOT / "simcore").rglob("*.py")):
        source = module_name(path)
        for target in imports_of(path):
            if target.split(".")[0] == "cli" or target.startswith("simcore.cli") or (
                target in modules
            ):
                edges.append((source, target))
    return edges


def package_of(module: str) -> str | None:
    """``simcore.report.html.report`` → ``report``; the root ``simcore`` → None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "simcore" and len(parts) > 1 else parts[0]


#: The modules that may import the CLI: the root's ``python -m simcore`` entry point.
ENTRY_POINTS = {"simcore.__main__"}


def layer_violations(edges: Iterable[Edge]) -> list[str]:
    """Each import that goes up a layer, sideways within one, into cli, or to an unknown
    package, worded for the failure message."""
    found = []
    for source, target in edges:
        here, there = package_of(source), package_of(target)
        if source == "simcore" or source in ENTRY_POINTS or here == there:
            continue  # the root's lazy API re-exports everything; a package knows itself
        if there == "cli":
            found.append(f"{source} imports {target}: the library never imports the CLI")
        elif here not in LAYERS or there not in LAYERS:
            found.append(f"{source} imports {target}: package outside the layer table")
        elif LAYERS[there] >= LAYERS[here]:
            way = "sideways" if LAYERS[there] == LAYERS[here] else "up"
            found.append(f"{source} ({here}, layer {LAYERS[here]}) imports {target} "
                         f"({there}, layer {LAYERS[there]}): {way}")
    return found


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """Import cycles among modules (a package's ``__init__`` re-exporting its own modules
    lazily is not an edge: it imports nothing at the top)."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        if source != target and not target.startswith(f"{source}."):
            graph.setdefault(source, set()).add(target)
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_every_import_goes_down_the_layers() -> None:
    assert layer_violations(code_edges()) == []


def test_every_package_is_in_the_layer_table() -> None:
    packages = {p.parent.name for p in (ROOT / "simcore").glob("*/__init__.py")} - {"data"}
    assert packages == set(LAYERS)


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert cycles(e for e in code_edges() if not e[0].endswith(("__init__",))) == []


@pytest.mark.parametrize(
    ("edge", "words"),
    [
        (("simcore.stats.summary", "simcore.run.runner"), "up"),
        (("simcore.model.engine", "simcore.io.writer"), "sideways"),
        (("simcore.run.runner", "simcore.read.select"), "sideways"),
        (("simcore.core.errors", "simcore.cli.main"), "never imports the CLI"),
    ],
)
def test_a_planted_upward_or_sideways_import_is_caught(edge: Edge, words: str) -> None:
    (violation,) = layer_violations([*code_edges(), edge])
    assert violation.startswith(f"{edge[0]} ") and words in violation


def test_a_planted_cycle_is_caught() -> None:
    planted = [("simcore.stats.summary", "simcore.stats.moments"),
               ("simcore.stats.moments", "simcore.stats.summary")]
    assert cycles(planted) == [["simcore.stats.moments", "simcore.stats.summary",
                                "simcore.stats.moments"]]


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_every_name_a_package_exports_is_there(package: str) -> None:
    # A package's API is loaded lazily from a table of names: a name whose module no longer
    # defines it (moved or renamed) fails only when someone reaches for it.
    module = importlib.import_module(f"simcore.{package}")
    missing = []
    for name in module.__all__:
        try:
            getattr(module, name)
        except AttributeError as err:
            missing.append(f"{name}: {err}")
    assert not missing, missing

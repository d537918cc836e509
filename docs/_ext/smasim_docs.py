"""Two pieces the site needs beyond stock Sphinx.

``.. public-api:: PACKAGE`` documents a package from its ``__all__``: its docstring, a
table of every public name with its one-line summary, then (for a subpackage) each name in
full. The root package's table links each name to the subpackage that documents it, so a
name is described once. A name added to an ``__all__`` appears without editing a page.
Constants are described by their ``#:`` comment in the module that defines them.

The click help texts of ``smasim`` are plain text written for a terminal; before
sphinx-click parses them as reStructuredText, their ``*``, ``|`` and ``_`` are escaped and
`` `code` `` becomes a literal.
"""

from __future__ import annotations

import importlib
import inspect
import re
from types import ModuleType
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

ROOT_PACKAGE = "simcore"
#: A constant whose value prints longer than this is shown without it.
MAX_VALUE_CHARS = 60


def _defining_module(package: ModuleType, name: str) -> str:
    """The module that defines a package's public ``name`` (the packages export lazily)."""
    where: str = package._EXPORTS[name]
    return where if where.startswith(f"{ROOT_PACKAGE}.") else f"{package.__name__}.{where}"


def _home(name: str) -> str:
    """The subpackage whose page documents the root package's public ``name``."""
    root = importlib.import_module(ROOT_PACKAGE)
    package = ".".join(_defining_module(root, name).split(".")[:2])
    if name not in importlib.import_module(package).__all__:
        logger.warning("%s.%s is public but %s does not export it: the reference has no "
                       "page for it", ROOT_PACKAGE, name, package)
    return package


def _comment(package: str, name: str) -> list[str] | None:
    """The ``#:`` comment of a package's public constant, where its module has one."""
    module = importlib.import_module(package)
    if name not in getattr(module, "_EXPORTS", {}):
        return None
    analyzer = ModuleAnalyzer.for_module(_defining_module(module, name))
    return analyzer.find_attr_docs().get(("", name))


def _entry(package: str, name: str, value: Any) -> list[str]:
    """The autodoc directive that documents one public name of ``package``."""
    full = f"{package}.{name}"
    if inspect.isclass(value):
        kind = "exception" if issubclass(value, BaseException) else "class"
        return [f".. auto{kind}:: {full}", ""]
    if inspect.isroutine(value):
        return [f".. autofunction:: {full}", ""]
    if _comment(package, name) is None:
        return []  # a type variable or helper alias with nothing to say
    options = ["   :no-value:"] if len(repr(value)) > MAX_VALUE_CHARS else []
    return [f".. autodata:: {full}", *options, ""]


class PublicApi(SphinxDirective):
    """A package's docstring, a table of its ``__all__``, and its members in full."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        package = self.arguments[0]
        module = importlib.import_module(package)
        root = package == ROOT_PACKAGE
        lines = [*inspect.cleandoc(module.__doc__ or "").splitlines(), "",
                 f".. py:module:: {package}", "", ".. py:currentmodule:: None", ""]
        homes = [_home(name) if root else package for name in module.__all__]
        lines += [".. rubric:: Public names", "", ".. autosummary::", "   :nosignatures:", ""]
        lines += [f"   ~{home}.{name}" for home, name in zip(homes, module.__all__, strict=True)]
        lines.append("")
        if not root:
            for name in module.__all__:
                lines += _entry(package, name, getattr(module, name))
        content = StringList(lines, source=f"<public-api {package}>")
        container = nodes.container()
        self.state.nested_parse(content, self.content_offset, container)
        return container.children


def _constant_doc(app: Sphinx, what: str, name: str, obj: Any,
                  options: Any, lines: list[str]) -> None:
    # A re-exported constant has no comment where autodoc looks (the package's
    # __init__), and its object's docstring is its type's (dict, TypeVar): say what it is.
    if what not in ("data", "attribute") or "." not in name:
        return
    package, attribute = name.rsplit(".", 1)
    if package.split(".")[0] != ROOT_PACKAGE:
        return
    try:
        comment = _comment(package, attribute)
    except ImportError:
        return
    if comment is not None:
        lines[:] = [*comment]
    elif lines and inspect.cleandoc(type(obj).__doc__ or "").splitlines()[:1] == lines[:1]:
        lines.clear()


#: A literal as sphinx-click writes it (kept), or as a help text quotes one (made literal).
_LITERAL = re.compile(r"(``.+?``|`[^`]+`)")
_SPECIAL = re.compile(r"([*|_\\])")


def _plain_text(line: str) -> str:
    """One line of terminal help as reStructuredText that reads the same."""
    if line.lstrip().startswith(".. "):
        return line
    indent = line[: len(line) - len(line.lstrip())]
    text = line[len(indent):]
    bar = ""
    if text.startswith("| "):  # sphinx-click's line block for click's \b paragraphs
        bar, text = "| ", text[2:]
    pieces = _LITERAL.split(text)
    escaped = [
        (piece if piece.startswith("``") else f"`{piece}`") if index % 2
        else _SPECIAL.sub(r"\\\1", piece)
        for index, piece in enumerate(pieces)
    ]
    return indent + bar + "".join(escaped)


def _escape_click_help(app: Sphinx, ctx: Any, lines: list[str]) -> None:
    lines[:] = [_plain_text(line) for line in lines]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("public-api", PublicApi)
    app.connect("autodoc-process-docstring", _constant_doc)
    app.connect("sphinx-click-process-description", _escape_click_help)
    app.connect("sphinx-click-process-options", _escape_click_help)
    app.connect("sphinx-click-process-arguments", _escape_click_help)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

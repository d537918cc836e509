"""Sphinx configuration of smasim's documentation site (``make docs``).

The pages are the Markdown files of this folder (MyST), the normative spec in ``spec/``
included as it is, an API reference generated from the docstrings of the public names
(each package's ``__all__``), the command line generated from its click definitions, and a
notebook executed while the site is built.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The documented package is the working tree's, also when it is not installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

import simcore  # noqa: E402

project = "smasim"
author = "the smasim authors"
copyright = "the smasim authors; Apache-2.0"
release = getattr(simcore, "__version__", "")

extensions = [
    "myst_nb",                  # Markdown pages (MyST) and executed notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",      # numpydoc sections
    "sphinx.ext.mathjax",
    "sphinx_click",
    "smasim_docs",              # _ext/: public-api tables, click help as plain text
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# Markdown: ::: fences, and anchors for headings down to ### so that [text](page.md#a-heading)
# links are checked. No $…$ maths: a dollar sign in these pages is a dollar.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# Options are written --like-this: no typographic dashes or quotes in the pages.
smartquotes = False

# The notebook tutorial runs while the site is built; an error in a cell fails the build.
nb_execution_mode = os.environ.get("SMASIM_DOCS_EXECUTE", "force")
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
# In a temporary folder: the notebook writes outputs/ where it runs.
nb_execution_in_temp = True

# API reference: each package's __all__, in source order within classes, numpydoc sections.
autodoc_default_options = {
    "members": True,
    "member-order": "groupwise",
    "show-inheritance": True,
}
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "separated"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
# Types in numpydoc sections are prose ("(n, years) float, USD"), not cross-references:
# parameters and attributes are laid out as fields, not as typed directives.
napoleon_use_param = False
napoleon_custom_sections = [("Attributes", "params_style")]
autosummary_generate = False

html_theme = "furo"
html_title = f"smasim {release}"
html_show_sourcelink = False

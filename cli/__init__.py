"""The ``smasim`` command line: thin click commands over :mod:`simcore`.

The repository keeps these modules in the top-level ``cli/`` folder; the distribution installs
them as ``simcore.cli`` (``[tool.setuptools.package-dir]`` in pyproject.toml), so that no
top-level package named ``cli`` lands in a user's site-packages. The modules import each other
relatively for that reason. Imported as plain ``cli`` (the repository's root on ``sys.path``)
they would be a second copy of every module, so that is refused.
"""

if __name__ != "simcore.cli":
    raise ImportError(f"the smasim command line is the package simcore.cli, not {__name__!r}: "
                      "import simcore.cli (pip install -e . maps the cli/ folder to it)")

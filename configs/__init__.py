"""The shipped scenarios, installed as the package ``simcore.configs`` (pyproject.toml,
``[tool.setuptools.package-dir]``): data only, read with :mod:`importlib.resources` by
:mod:`simcore.config.shipped`; ``smasim init`` copies them into a folder to edit."""

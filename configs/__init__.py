"""The shipped scenarios, installed as the package ``simcore.configs`` (pyproject.toml,
``[tool.setuptools.package-dir]``): data only, read with :mod:`importlib.resources` by
:mod:`simcore.config.shipped`; ``smasim init`` copies them into a folder to edit. This file
exists because setuptools' editable install maps a ``package-dir`` folder only when it is a
regular package."""

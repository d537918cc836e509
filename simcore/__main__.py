"""``python -m simcore``: the ``smasim`` command line."""

# mypy checks the repository's cli/ folder as the package `cli`; installed, it is simcore.cli
# (pyproject.toml, [tool.setuptools.package-dir]), which mypy cannot map back to the folder.
from simcore.cli.main import main  # type: ignore[import-not-found]

if __name__ == "__main__":
    main()

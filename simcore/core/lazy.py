"""Lazy public names for a package: imported from their module on first use.

A package's ``__init__`` names what it offers without importing it, so that ``import
simcore.read.rows`` (or ``smasim info``) does not load xarray, h5py or the engine through
a sibling module (PEP 562).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], moved: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public ``name`` lives in
    ``package + "." + exports[name]``.

    ``moved`` maps names the package had before 0.2 to the module that holds them now: they
    still resolve, with a FutureWarning, and are not listed by ``dir``.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("simcore.core", {"literal": "errors"})
    >>> getattr_("literal").__module__
    'simcore.core.errors'
    >>> dir_()
    ['literal']
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        if moved and name in moved:
            warnings.warn(f"{package}.{name} has moved to {moved[name]}.{name}; the old path "
                          "goes in smasim 0.3.0 (CHANGELOG.md)", FutureWarning, stacklevel=2)
            return getattr(importlib.import_module(moved[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__

"""Values as CSV and JSON records hold them: an undefined number is None, numpy is Python.

The one rule for NaN in machine-readable output: :func:`record_number` makes it None, which
CSV writes as an empty cell and JSON as ``null`` (JSON has no NaN);
:func:`json_ready` applies the same rule throughout a nested value. The one rule for a
horizon total (or anything over every year chosen) in a record's ``year``:
:data:`HORIZON`, by :func:`record_year`.
"""

from __future__ import annotations

import math
from typing import Any

#: What a record's ``year`` holds for a horizon total, or a statistic over every year chosen
#: (the probability of exceeding in any of them): the same word in every output.
HORIZON = "horizon"


def record_year(year: int | None) -> int | str:
    """A row's year as records hold it: the calendar year, or :data:`HORIZON` for None.

    >>> record_year(2031), record_year(None)
    (2031, 'horizon')
    """
    return HORIZON if year is None else int(year)


def record_number(value: float | None) -> float | None:
    """Python float for records; NaN (undefined) becomes None (JSON null, empty CSV cell).

    >>> record_number(float("nan")) is None, record_number(2)
    (True, 2.0)
    """
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def json_ready(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python numbers and lists, tuples as lists,
    and every non-finite float as None (:func:`record_number`); other values unchanged.

    >>> import numpy as np
    >>> json_ready({"a": np.array([1.5, np.nan]), "b": (np.int64(3), "x")})
    {'a': [1.5, None], 'b': [3, 'x']}
    """
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "tolist"):
        return json_ready(value.tolist())
    if isinstance(value, float):
        return record_number(value)
    return value

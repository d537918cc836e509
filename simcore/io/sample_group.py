"""A result file's root group (its samples) as an in-memory xarray Dataset.

The writer (:mod:`simcore.io.writer`) streams the same structure to disk block by block;
this builds it whole, for a run small enough to hold in memory
(:func:`simcore.run.in_memory.simulate_dataset`). Both take the variables, dimensions,
coordinates and CF attributes from :class:`~simcore.io.layout.FileLayout`, so a dataset built
here equals ``xarray.open_dataset`` of the file a run of the same layout writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from simcore.io.layout import FileLayout, _coordinates, _variable_attrs, global_attrs


def sample_dataset(
    values: Mapping[str, np.ndarray], *, layout: FileLayout, provenance: Mapping[str, Any]
) -> xr.Dataset:
    """The root group of a result file of ``layout`` holding ``values``.

    Parameters
    ----------
    values : mapping of str to ndarray
        Every variable of ``layout.variables``, shaped :meth:`FileLayout.shape` and in its
        storage type (:meth:`FileLayout.dtype`).
    layout : FileLayout
        Variables, dimensions, coordinates.
    provenance : mapping
        Global attributes (:func:`simcore.io.provenance.provenance_attrs`).

    Returns
    -------
    xarray.Dataset
        Dimensions ``sample`` and ``year`` (and ``scenario`` for a batch), every variable
        with its CF ``units`` and ``long_name`` (``flag_values``/``flag_meanings`` for the
        outcome codes), the coordinates with theirs, and the file's global attributes but
        the mark of a complete file.
    """
    for name in layout.variables:
        array = values[name]
        if array.shape != layout.shape(name) or array.dtype != layout.dtype(name):
            raise ValueError(f"{name}: {array.dtype}{list(array.shape)} given, the layout "
                             f"stores {layout.dtype(name)}{list(layout.shape(name))}")
    data_vars = {
        name: (layout.dims(name), values[name], _variable_attrs(name, layout))
        for name in layout.variables
    }
    return xr.Dataset(data_vars, coords=_coordinates(layout),
                      attrs=global_attrs(layout, provenance))

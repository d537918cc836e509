"""A small run into a labelled xarray Dataset in memory: no file.

:func:`simulate_dataset` plans the run as :func:`simcore.run.runner.run_scenarios` does
(the same checks, seed, layout and chunk tasks) and simulates every block as the file would
store it (:func:`simcore.run.runner.stored_block`), so its dataset holds the very values,
variables, coordinates and CF attributes of ``xarray.open_dataset`` of the file a run with
the same seed writes. Above :data:`IN_MEMORY_LIMIT` it refuses and points to a file, which a
run streams to disk block by block.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from simcore.config.schema import Scenario
from simcore.core.design import block_bounds
from simcore.core.errors import ParameterError, literal
from simcore.core.text import human_bytes
from simcore.io.provenance import provenance_attrs
from simcore.io.sample_group import sample_dataset
from simcore.run.parallel import ChunkExecutor, InProcessExecutor
from simcore.run.process import configure_process
from simcore.run.runner import ChunkTask, StorageOptions, plan_run, stored_block

__all__ = ["IN_MEMORY_LIMIT", "chunk_values", "simulate_dataset"]

#: Bytes of paths an in-memory run may hold by default: 1 GB, about 1.7 million baseline
#: paths of every variable in float64 (582 bytes a path); above it, a run to a file.
IN_MEMORY_LIMIT = 10**9


def chunk_values(task: ChunkTask) -> dict[str, np.ndarray]:
    """The values of a chunk's blocks of every variable the task keeps, as the file stores
    them (storage types, file codes), in the file's row order."""
    configure_process()
    parts = [stored_block(task, block) for block in task.blocks]
    return {name: np.concatenate([part[name] for part in parts]) for name in task.stored}


def simulate_dataset(
    scenarios: Sequence[Scenario],
    *,
    batch: bool = False,
    seed: int | None = None,
    storage: StorageOptions = StorageOptions(),
    executor: ChunkExecutor | None = None,
    seed_source: str | None = None,
    command: str | None = None,
    scenario_coords: Mapping[str, tuple[np.ndarray, dict[str, str]]] | None = None,
    max_bytes: int = IN_MEMORY_LIMIT,
) -> xr.Dataset:
    """Simulate scenarios into a labelled dataset in memory, as a run's file would hold them.

    Parameters
    ----------
    scenarios : sequence of Scenario
        One scenario (``batch=False``), or several that can share random inputs
        (``batch=True``), checked as :func:`simcore.run.runner.run_scenarios` checks them.
    batch : bool
        A ``scenario`` dimension.
    seed : int, optional
        The seed; default ``run.seed`` of the first scenario, else fresh entropy (recorded in
        the ``seed`` attribute).
    storage : StorageOptions
        ``float32`` and ``store`` (the variables kept) as for a file; ``compress`` changes
        no value and does not apply in memory.
    executor : ChunkExecutor, optional
        Where chunks are simulated; default this thread. Values never depend on it.
    seed_source, command : str, optional
        Recorded as in a file (``seed_source``, ``history``).
    scenario_coords : mapping, optional
        Extra coordinates along ``scenario`` (a sweep's swept values).
    max_bytes : int
        The most bytes of paths to hold (default :data:`IN_MEMORY_LIMIT`).

    Returns
    -------
    xarray.Dataset
        What ``xarray.open_dataset`` of the file gives: dimensions ``sample`` and ``year``
        (and ``scenario``), every kept variable with its CF attributes, the file's global
        attributes (provenance). The summary group is not built: summarize with xarray
        (``ds.quantile``), or run to a file for the exact percentiles with their intervals.

    Raises
    ------
    ParameterError
        The paths would take more than ``max_bytes``; or as :func:`run_scenarios`.
    ConfigError
        As :func:`run_scenarios`.

    Examples
    --------
    ::

        ds = simcore.simulate_dataset([scenario.with_overrides(samples=10_000)], seed=1)
        ds["contribution_usd"].quantile([0.05, 0.5, 0.95], dim="sample")
    """
    configure_process()
    executor = executor or InProcessExecutor()
    plan = plan_run(scenarios, batch=batch, seed=seed, seed_source=seed_source,
                    chunk_size=executor.chunk_size, storage=storage,
                    scenario_coords=scenario_coords)
    layout = plan.layout
    size = layout.nbytes()
    if size > max_bytes:
        count = f"{len(plan.scenarios)} scenarios x " if batch else ""
        raise ParameterError(literal(
            f"max_bytes: {count}{plan.samples:,} paths hold {human_bytes(size)}, more than "
            f"the {human_bytes(max_bytes)} an in-memory run may; run to a file "
            "(run_scenarios) and open it lazily with xarray.open_dataset(path, "
            "chunks={'sample': 65536}), keep fewer variables (StorageOptions(store=[...])), "
            "or raise max_bytes"
        ))
    values = {name: np.empty(layout.shape(name), dtype=layout.dtype(name))
              for name in layout.variables}
    tasks = plan.tasks()
    for task, chunk in zip(tasks, executor.map_ordered(chunk_values, tasks), strict=True):
        start = block_bounds(task.blocks.start, plan.samples)[0]
        for name, array in chunk.items():
            rows = slice(start, start + len(array))
            values[name][rows if task.file_scenario is None else (task.file_scenario, rows)] = (
                array
            )
    attrs = provenance_attrs(plan.scenarios, seed=plan.seed, seed_source=plan.seed_source,
                             command=command or " ".join(sys.argv))
    return sample_dataset(values, layout=layout, provenance=attrs)

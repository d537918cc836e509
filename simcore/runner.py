"""Run scenarios to a result file in four steps: plan, simulate, summarize, commit.

- :func:`plan_run` (pure, no file): the seed, the file's layout and the units of work;
- :func:`simulate_into`: simulate every chunk into the file being written, and return
  each scenario's moments (reduced from the values as stored);
- :func:`summarize_run`: the ``summary`` group, from the file's samples and the moments;
- :func:`commit_run`: write the summary and give the file its final name.

:func:`run_scenarios`, what ``smasim run`` and ``smasim batch`` call, composes them; it is
usable from a notebook as it is. Peak memory is bounded by one chunk of blocks while
simulating, and by one variable of one scenario (``samples × horizon`` values) while
summarizing.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import xarray as xr

from simcore.config import Scenario
from simcore.engine import simulate_block
from simcore.memory import configure_allocator, release_memory
from simcore.moments import Moments
from simcore.parallel import (
    DEFAULT_CHUNK_SIZE,
    ChunkExecutor,
    InProcessExecutor,
    ProgressCallback,
    default_threads,
)
from simcore.provenance import provenance_attrs
from simcore.sampling import block_bounds, block_count
from simcore.store import (
    DirectTarget,
    FileLayout,
    ResultWriter,
    file_layout,
    read_samples,
    summary_dataset,
)
from simcore.summary import VariableSummary, outcome_frequencies, summarize_values
from simcore.variables import SUMMARIZED

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ProgressCallback",
    "RunPlan",
    "RunResult",
    "commit_run",
    "plan_run",
    "run_scenarios",
    "simulate_into",
    "summarize_run",
]

#: Moments of each summarized variable, per scenario in file order.
RunMoments = list[dict[str, Moments]]


@dataclass(frozen=True)
class RunResult:
    """What a run wrote.

    Attributes
    ----------
    path : Path
        The complete result file.
    seed : int
        The seed used (given, configured, or entropy drawn for an unseeded run).
    seed_source : str
        Where the seed came from: ``"config"``, ``"entropy"`` or what the caller said.
    samples : int
        Paths per scenario.
    scenarios : list of str
        Scenario names.
    """

    path: Path
    seed: int
    seed_source: str
    samples: int
    scenarios: list[str]


def resolve_seed(
    scenario: Scenario, seed: int | None = None, seed_source: str | None = None
) -> tuple[int, str]:
    """The run's seed and where it came from.

    ``seed`` (if given) wins over ``run.seed`` of the configuration; an unseeded run draws
    fresh 128-bit entropy. Seed 0 is a seed like any other.
    """
    if seed is not None:
        return seed, seed_source or "argument"
    if scenario.run.seed is not None:
        return scenario.run.seed, seed_source or "config"
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)
    return entropy, seed_source or "entropy"


def chunk_blocks(samples: int, chunk_size: int) -> list[range]:
    """Group the run's blocks into chunks of ``ceil(chunk_size / BLOCK_SIZE)`` blocks.

    >>> chunk_blocks(5 * 65536, 2 * 65536)  # blocks of 65,536 samples
    [range(0, 2), range(2, 4), range(4, 5)]
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1 sample (got {chunk_size})")
    per_chunk = block_count(chunk_size)
    total = block_count(samples)
    return [range(b, min(b + per_chunk, total)) for b in range(0, total, per_chunk)]


@dataclass(frozen=True)
class RunPlan:
    """Everything a run decides before it touches a file.

    Attributes
    ----------
    scenarios : tuple of Scenario
        The scenarios, as validated.
    seed : int
        The seed every scenario's blocks are drawn with.
    seed_source : str
        Where the seed came from (recorded in the file).
    layout : FileLayout
        The file's variables, shapes and types.
    chunks : tuple of range
        Block indices of each unit of work (the same for every scenario).
    batch : bool
        The file has a ``scenario`` dimension.
    """

    scenarios: tuple[Scenario, ...]
    seed: int
    seed_source: str
    layout: FileLayout
    chunks: tuple[range, ...]
    batch: bool

    @property
    def samples(self) -> int:
        """Paths per scenario."""
        return self.layout.samples

    def file_scenario(self, index: int) -> int | None:
        """Index of scenario ``index`` along the file's ``scenario`` dimension (a batch)."""
        return index if self.batch else None

    def tasks(self, target: DirectTarget | None = None) -> list[ChunkTask]:
        """The units of work in file order: every chunk of the first scenario, then the next.

        ``target``: tasks write their values into the file themselves (same machine).
        """
        storage = {name: self.layout.dtype(name) for name in self.layout.variables}
        return [
            ChunkTask(
                scenario=scenario,
                blocks=chunk,
                seed=self.seed,
                storage=storage,
                outcome_codes=tuple(
                    self.layout.outcome_meanings.index(label)
                    for label in scenario.outcome_labels
                ),
                target=target,
                file_scenario=self.file_scenario(index),
            )
            for index, scenario in enumerate(self.scenarios)
            for chunk in self.chunks
        ]


def plan_run(
    scenarios: Sequence[Scenario],
    *,
    batch: bool = False,
    seed: int | None = None,
    seed_source: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    float32: bool = False,
    compress: bool = False,
) -> RunPlan:
    """Decide a run: its seed, its file's layout and its units of work (no file is touched).

    Parameters
    ----------
    scenarios : sequence of Scenario
        One scenario (``batch=False``), or several that satisfy
        :func:`simcore.config.check_batch`.
    batch : bool
        Write a ``scenario`` dimension.
    seed : int, optional
        The seed; default ``run.seed`` of the first scenario, else fresh entropy.
    seed_source : str, optional
        Recorded origin of the seed; default ``"argument"``, ``"config"`` or ``"entropy"``.
    chunk_size : int
        Samples per unit of work, rounded up to whole blocks; results do not depend on it.
    float32, compress : bool
        Storage options of the file.

    Returns
    -------
    RunPlan
    """
    first = scenarios[0]
    seed, source = resolve_seed(first, seed, seed_source)
    return RunPlan(
        scenarios=tuple(scenarios),
        seed=seed,
        seed_source=source,
        layout=file_layout(scenarios, batch=batch, float32=float32, compress=compress),
        chunks=tuple(chunk_blocks(first.run.samples, chunk_size)),
        batch=batch,
    )


@dataclass(frozen=True)
class ChunkTask:
    """A unit of work: consecutive blocks of one scenario, shaped for the file.

    Attributes
    ----------
    scenario : Scenario
        The scenario simulated.
    blocks : range
        Block indices.
    seed : int
        The run's seed.
    storage : dict of str to numpy dtype
        The file's variables and their storage types; a variable the scenario cannot
        produce is NaN.
    outcome_codes : tuple of int
        File code of each of the scenario's outcome indices.
    target : DirectTarget, optional
        Write the values straight into the file (same machine) instead of returning them.
    file_scenario : int, optional
        Index along the file's ``scenario`` dimension (a batch), for ``target``.
    """

    scenario: Scenario
    blocks: range
    seed: int
    storage: dict[str, np.dtype]
    outcome_codes: tuple[int, ...]
    target: DirectTarget | None = None
    file_scenario: int | None = None


@dataclass(frozen=True)
class ChunkResult:
    """A chunk's values as the file stores them, and each block's moments.

    Attributes
    ----------
    samples : int
        Samples in the chunk.
    values : dict of str to ndarray
        C-contiguous arrays in their storage types, shape (n, H) or (n,); empty when the
        task wrote them to the file itself.
    moments : list of dict of str to Moments
        Per block, in block order, the moments of every summarized variable (of the stored
        values, so the summary describes exactly what the file holds).
    """

    samples: int
    values: dict[str, np.ndarray]
    moments: list[dict[str, Moments]]


def simulate_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate a chunk's blocks, shape them as the file stores them, reduce their moments.

    A pure function of the task: the same task gives the same result on any worker.
    """
    configure_allocator()
    with_defense = "defense_growth" in task.storage
    # Outcome indices of this scenario → the file's codes (the batch-wide labels); −1 stays.
    lookup = np.asarray((-1, *task.outcome_codes), dtype=np.int8)
    parts: list[dict[str, np.ndarray]] = []
    moments: list[dict[str, Moments]] = []
    for block in task.blocks:
        raw = simulate_block(task.scenario, block, seed=task.seed, with_defense=with_defense)
        raw["negotiation_outcome"] = lookup[raw["negotiation_outcome"].astype(np.intp) + 1]
        shape = raw["contribution_usd"].shape
        # Stored types in the engine's column order first: moments over columns that are
        # contiguous are 6x faster than over rows; then the row order the file wants.
        stored = {
            name: np.asarray(raw[name], dtype=dtype, order="F")
            if name in raw
            else np.full(shape, np.nan, dtype=dtype)
            for name, dtype in task.storage.items()
        }
        moments.append({name: Moments.of(stored[name]) for name in SUMMARIZED if name in stored})
        parts.append({name: np.ascontiguousarray(value) for name, value in stored.items()})
    values = (
        parts[0]
        if len(parts) == 1
        else {name: np.concatenate([p[name] for p in parts]) for name in task.storage}
    )
    samples = len(values["contribution_usd"])
    if task.target is not None:
        start, _ = block_bounds(task.blocks.start, task.scenario.run.samples)
        task.target.write(start, values, scenario=task.file_scenario)
        values = {}
    return ChunkResult(samples=samples, values=values, moments=moments)


@dataclass(frozen=True)
class SummaryTask:
    """Summarize one stored variable of one scenario (a unit of the summary phase).

    Attributes
    ----------
    path : str
        The file, complete but for its summary group.
    name : str
        The variable.
    scenario : int, optional
        Index along the file's ``scenario`` dimension (a batch).
    percentiles : tuple of float
        Levels in [0, 100].
    moments : Moments
        Mean and variance reduced while simulating.
    threads : int
        Threads over the variable's years.
    """

    path: str
    name: str
    scenario: int | None
    percentiles: tuple[float, ...]
    moments: Moments
    threads: int


def summarize_stored(task: SummaryTask) -> VariableSummary:
    """Read one variable back from the file and summarize it (a pure function of the file)."""
    values = read_samples(task.path, task.name, scenario=task.scenario, complete=False)
    return summarize_values(
        values, task.percentiles, moments=task.moments, threads=task.threads
    )


def simulate_into(
    plan: RunPlan,
    writer: ResultWriter,
    *,
    executor: ChunkExecutor | None = None,
    progress: ProgressCallback | None = None,
) -> RunMoments:
    """Simulate every chunk of ``plan`` into the file ``writer`` is building.

    Parameters
    ----------
    plan : RunPlan
        The run.
    writer : ResultWriter
        The open writer of the run's file.
    executor : ChunkExecutor, optional
        Where chunks are simulated; default this thread. Results never depend on it.
    progress : callable, optional
        ``progress(done, total)`` in samples over all scenarios.

    Returns
    -------
    list of dict of str to Moments
        Per scenario, the moments of every summarized variable, over all its samples.
    """
    executor = executor or InProcessExecutor()
    # Tasks on this machine write their chunks into the file themselves; tasks on a remote
    # cluster send them back to this process, the file's only other writer.
    target = writer.direct_target() if executor.shares_filesystem else None
    tasks = plan.tasks(target)
    total = plan.samples * len(plan.scenarios)
    done = 0
    moments: RunMoments = [{} for _ in plan.scenarios]
    for task, result in zip(tasks, executor.map_ordered(simulate_chunk, tasks), strict=True):
        index = task.file_scenario or 0
        if result.values:
            start, _ = block_bounds(task.blocks.start, plan.samples)
            writer.write_block(start, result.values, scenario=task.file_scenario)
        for block_moments in result.moments:
            moments[index] = {
                name: moments[index][name].merge(m) if name in moments[index] else m
                for name, m in block_moments.items()
            }
        done += result.samples
        if progress is not None:
            progress(done, total)
        del result
    writer.end_direct()
    release_memory()
    return moments


def summarize_run(
    plan: RunPlan,
    path: str | Path,
    moments: RunMoments,
    *,
    executor: ChunkExecutor | None = None,
) -> xr.Dataset:
    """The ``summary`` group of a run whose samples are all in the file at ``path``.

    Parameters
    ----------
    plan : RunPlan
        The run.
    path : str or Path
        The file, complete but for its summary group, closed by its writer.
    moments : list of dict of str to Moments
        What :func:`simulate_into` returned.
    executor : ChunkExecutor, optional
        Worker processes on this machine summarize a variable each, reading the file
        themselves; otherwise this process does, one variable at a time, one thread per
        core over its years (memory: one variable of one scenario).

    Returns
    -------
    xarray.Dataset
    """
    executor = executor or InProcessExecutor()
    distribute = executor.shares_filesystem and executor.separate_processes
    percentiles = tuple(plan.scenarios[0].run.percentiles)
    layout = plan.layout
    summary_tasks = [
        SummaryTask(
            path=str(Path(path).absolute()),
            name=name,
            scenario=plan.file_scenario(index),
            percentiles=percentiles,
            moments=moments[index][name],
            threads=1 if distribute else default_threads(),
        )
        for index in range(len(plan.scenarios))
        for name in layout.variables
        if name in SUMMARIZED
    ]
    summarized = (executor if distribute else InProcessExecutor()).map_ordered(
        summarize_stored, summary_tasks
    )
    summaries: dict[str, list[VariableSummary]] = {}
    for task, summary in zip(summary_tasks, summarized, strict=True):
        summaries.setdefault(task.name, []).append(summary)
    frequencies = [
        outcome_frequencies(
            read_samples(path, "negotiation_outcome", scenario=plan.file_scenario(index),
                         complete=False),
            len(layout.outcome_meanings),
        )
        for index in range(len(plan.scenarios))
    ]
    return summary_dataset(summaries, frequencies, layout=layout, percentiles=percentiles)


def commit_run(plan: RunPlan, writer: ResultWriter, summary: xr.Dataset) -> RunResult:
    """Add the summary group, mark the file complete and give it its final name."""
    return RunResult(
        path=writer.commit(summary),
        seed=plan.seed,
        seed_source=plan.seed_source,
        samples=plan.samples,
        scenarios=[s.run.name for s in plan.scenarios],
    )


def run_scenarios(
    scenarios: Sequence[Scenario],
    output: str | Path,
    *,
    batch: bool = False,
    seed: int | None = None,
    seed_source: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    float32: bool = False,
    compress: bool = False,
    overwrite: bool = False,
    force: bool = False,
    progress: ProgressCallback | None = None,
    command: str | None = None,
    executor: ChunkExecutor | None = None,
    scenario_coords: Mapping[str, tuple[np.ndarray, dict[str, str]]] | None = None,
) -> RunResult:
    """Simulate scenarios block by block into one result file, then add its summary.

    Parameters
    ----------
    scenarios : sequence of Scenario
        One scenario (``batch=False``), or several sharing base year, horizon, samples,
        seed and sampler.
    output : str or Path
        Final file; written under a temporary name and renamed when complete.
    batch : bool
        Write a ``scenario`` dimension.
    seed : int, optional
        The seed of the run; default ``run.seed`` of the first scenario, else entropy.
    seed_source : str, optional
        Recorded origin of the seed (e.g. ``"command line"``).
    chunk_size : int
        Samples per unit of work, rounded up to whole blocks; results do not depend on it.
    float32 : bool
        Store floating-point variables as float32 (half the bytes).
    compress : bool
        zlib compression.
    overwrite : bool
        Replace an existing file.
    force : bool
        Write even if the destination seems to lack the space the file needs.
    progress : callable, optional
        ``progress(done, total)`` in samples over all scenarios.
    command : str, optional
        The command line recorded in ``history``.
    executor : ChunkExecutor, optional
        Where chunks are simulated (:func:`simcore.parallel.open_executor`); default: this
        thread. Results never depend on it.
    scenario_coords : mapping, optional
        Extra coordinates along ``scenario`` of a batch (a sweep's swept values), as
        :attr:`simcore.store.FileLayout.scenario_coords`.

    Returns
    -------
    RunResult
    """
    configure_allocator()
    plan = plan_run(
        scenarios, batch=batch, seed=seed, seed_source=seed_source, chunk_size=chunk_size,
        float32=float32, compress=compress,
    )
    if scenario_coords:
        plan = replace(plan, layout=replace(plan.layout, scenario_coords=scenario_coords))
    attrs = provenance_attrs(
        plan.scenarios, seed=plan.seed, seed_source=plan.seed_source,
        command=command or " ".join(sys.argv),
    )
    with ResultWriter(
        Path(output), plan.layout, attrs, overwrite=overwrite, force=force
    ) as writer:
        moments = simulate_into(plan, writer, executor=executor, progress=progress)
        writer.release()
        summary = summarize_run(plan, writer.temp, moments, executor=executor)
        return commit_run(plan, writer, summary)

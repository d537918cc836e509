"""Run scenarios to a result file in four steps: plan, simulate, summarize, commit.

- :func:`plan_run` (pure, no file): the seed, the file's layout and the units of work;
- :func:`simulate_into`: simulate every chunk into the file being written, and return what
  the summary needs, reduced from each block while it is in memory: moments, the tallies of
  the percentiles' brackets (placed by each scenario's block 0, the pilot, which is then
  written and tallied like any block: :func:`pilot_chunks`) and the counts of negotiation
  outcomes;
- :func:`summarize_run`: the ``summary`` group from those reductions (no sample is read back
  but for a column whose brackets a pilot misplaced, which is rare);
- :func:`commit_run`: write the summary and give the file its final name.

:func:`run_scenarios`, what ``smasim run`` and ``smasim batch`` call, composes them; it is
usable from a notebook as it is. Peak memory is a few chunks of blocks in flight plus the
values inside the brackets (a few % of the samples; about 0.4 GB at 1e7 baseline paths).
"""

from __future__ import annotations

import collections
import functools
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
import xarray as xr

from simcore.config.load import SHARED_RUN_KEYS, check_batch
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE, block_bounds, block_count
from simcore.core.errors import ParameterError, literal
from simcore.core.system import default_threads
from simcore.core.variables import SUMMARIZED
from simcore.io.direct_io import aligned_copy
from simcore.io.layout import FileLayout, file_layout
from simcore.io.provenance import provenance_attrs
from simcore.io.reader import read_samples
from simcore.io.summary_group import summary_dataset
from simcore.io.writer import DirectTarget, ResultWriter
from simcore.model.engine import simulate_resolved_block
from simcore.model.params import ModelParams, resolve_params
from simcore.run.parallel import (
    DEFAULT_CHUNK_SIZE,
    ChunkExecutor,
    InProcessExecutor,
    ProgressCallback,
)
from simcore.run.process import configure_process, objects_frozen, release_memory
from simcore.stats.moments import Moments
from simcore.stats.summary import (
    SummaryPlan,
    SummaryTally,
    VariableSummary,
    exceedance_counts,
    outcome_counts,
    plan_summary,
    refine_summary,
    retally_summary,
    settle_summary,
    tally_summary,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "ProgressCallback",
    "RunPlan",
    "RunResult",
    "ScenarioReduction",
    "StorageOptions",
    "check_run",
    "commit_run",
    "plan_run",
    "plan_summaries",
    "run_scenarios",
    "simulate_into",
    "stored_block",
    "summarize_run",
]

#: A task's result.
R = TypeVar("R")

#: Per summarized variable, how its percentiles are found from tallies of its blocks.
SummaryPlans = dict[str, SummaryPlan]
#: Per variable, the thresholds whose exceedances a run counts.
Thresholds = Mapping[str, tuple[float, ...]]
#: Per variable, samples above each threshold: by year (T, H) or (T,), and in some year (T,)
#: (:func:`simcore.stats.summary.exceedance_counts`).
ExceedanceCounts = dict[str, tuple[np.ndarray, np.ndarray]]


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


@dataclass(frozen=True)
class StorageOptions:
    """How a run's result file stores its values; never what they are.

    All three are recorded in the file (:attr:`simcore.io.provenance.FileInfo.float32`,
    ``compressed``, ``store``), so :func:`simcore.run.rerun.rerun` writes a file stored the
    same way.

    Attributes
    ----------
    float32 : bool
        Store floating-point variables as float32 (half the bytes).
    compress : bool
        zlib compression (much slower to write, barely smaller for random floats).
    store : sequence of str, optional
        The variables whose paths the file keeps (default None: all; empty: the summary
        group only), kept as a tuple. Every variable's summary is exact either way.

    Examples
    --------
    >>> StorageOptions(float32=True, store=["contribution_usd"])
    StorageOptions(float32=True, compress=False, store=('contribution_usd',))
    """

    float32: bool = False
    compress: bool = False
    store: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.store, str):  # a string is a sequence of letters, not of names
            raise ParameterError(
                f"{{store}}: a list of variable names, e.g. [{literal(repr(self.store))}], "
                "not a string"
            )
        if self.store is not None:
            object.__setattr__(self, "store", tuple(self.store))


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
        raise ParameterError(f"{{chunk_size}} must be at least 1 sample (got {chunk_size})")
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
    params : tuple of ModelParams
        Each scenario's parameters, resolved once for the run and shared by all its blocks.
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
    thresholds : mapping of str to tuple of float
        Per variable, the thresholds whose exceedances every block counts (an
        exploration's ``--threshold``); none by default.
    """

    scenarios: tuple[Scenario, ...]
    params: tuple[ModelParams, ...]
    seed: int
    seed_source: str
    layout: FileLayout
    chunks: tuple[range, ...]
    batch: bool
    thresholds: Thresholds = field(default_factory=dict)

    @property
    def samples(self) -> int:
        """Paths per scenario."""
        return self.layout.samples

    def file_scenario(self, index: int) -> int | None:
        """Index of scenario ``index`` along the file's ``scenario`` dimension (a batch)."""
        return index if self.batch else None

    def tasks(self, target: DirectTarget | None = None) -> list[ChunkTask]:
        """The units of work in file order: every chunk of the first scenario, then the next.

        ``target``: tasks that see the file write their values into it themselves. No
        variable is tallied (:func:`simulate_into` adds each task's brackets).
        """
        storage = {name: self.layout.dtype(name) for name in self.layout.simulated}
        # Computed once: it reads every scenario (an exploration's hundreds of points).
        outcome_codes = self.layout.outcome_codes
        return [
            ChunkTask(
                params=params,
                samples=self.samples,
                blocks=chunk,
                seed=self.seed,
                storage=storage,
                stored=tuple(self.layout.variables),
                outcome_codes=outcome_codes,
                target=target,
                file_scenario=self.file_scenario(index),
                thresholds=self.thresholds,
            )
            for index, params in enumerate(self.params)
            for chunk in self.chunks
        ]


def check_run(scenarios: Sequence[Scenario], *, batch: bool, seed: int | None = None) -> None:
    """Raise unless ``scenarios`` can run as asked, before anything runs: the checks the
    command line makes, with the Python arguments named.

    Raises
    ------
    ParameterError
        No scenario; an item that is not a :class:`~simcore.config.schema.Scenario`; several
        scenarios without ``batch`` (they would share one file's rows); a negative ``seed``.
    ConfigError
        A batch whose scenarios cannot share random inputs
        (:func:`simcore.config.load.check_batch`): a repeated name, or a disagreement on
        :data:`~simcore.config.load.SHARED_RUN_KEYS` (``samples``, ``horizon`` …; ``seed``
        only when the run is not given one, which then wins over all of theirs).
    """
    if not scenarios:
        raise ParameterError("scenarios: none given; pass a list of Scenario objects "
                             "(simcore.load_scenario(path))")
    for index, scenario in enumerate(scenarios):
        if not isinstance(scenario, Scenario):
            raise ParameterError(
                f"scenarios[{index}]: a {literal(type(scenario).__name__)}, not a Scenario; "
                "load one with simcore.load_scenario(path)"
            )
    if len(scenarios) > 1 and not batch:
        raise ParameterError(
            f"scenarios: {len(scenarios)} scenarios need {{batch}}, which writes them along a "
            "scenario dimension; or run each on its own"
        )
    if seed is not None and seed < 0:
        raise ParameterError(f"{{seed}} must be a whole number from 0 (got {seed})")
    if batch:
        # A seed given to the run wins over every configuration's: theirs may differ.
        check_batch(scenarios, keys=[k for k in SHARED_RUN_KEYS if seed is None or k != "seed"])


def plan_run(
    scenarios: Sequence[Scenario],
    *,
    batch: bool = False,
    seed: int | None = None,
    seed_source: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    storage: StorageOptions = StorageOptions(),
    scenario_coords: Mapping[str, tuple[np.ndarray, dict[str, str]]] | None = None,
    summarize: Sequence[str] | None = None,
    thresholds: Thresholds | None = None,
) -> RunPlan:
    """Decide a run: its seed, its file's layout and its units of work (no file is touched).

    Checks the scenarios first (:func:`check_run`) and resolves each one's parameters
    (:func:`simcore.model.params.resolve_params`), once for the whole run.

    Parameters
    ----------
    scenarios : sequence of Scenario
        One scenario (``batch=False``), or several that satisfy
        :func:`simcore.config.load.check_batch`.
    batch : bool
        Write a ``scenario`` dimension.
    seed : int, optional
        The seed; default ``run.seed`` of the first scenario, else fresh entropy.
    seed_source : str, optional
        Recorded origin of the seed; default ``"argument"``, ``"config"`` or ``"entropy"``.
    chunk_size : int
        Samples per unit of work, rounded up to whole blocks; results do not depend on it.
    storage : StorageOptions
        How the file stores its values (float32, compression, the variables it keeps).
    scenario_coords : mapping, optional
        Extra coordinates along ``scenario`` of a batch (a sweep's swept values), as
        :attr:`simcore.io.layout.FileLayout.scenario_coords`.
    summarize : sequence of str, optional
        The variables the file has at all, stored or summarized (default: all).
    thresholds : mapping of str to tuple of float, optional
        Per variable, thresholds whose exceedances every block counts.

    Returns
    -------
    RunPlan

    Raises
    ------
    ParameterError
        ``store`` or ``thresholds`` names a variable the run does not keep.
    """
    check_run(scenarios, batch=batch, seed=seed)
    first = scenarios[0]
    seed, source = resolve_seed(first, seed, seed_source)
    layout = file_layout(scenarios, batch=batch, float32=storage.float32,
                         compress=storage.compress, store=storage.store, summarize=summarize)
    if scenario_coords:
        layout = replace(layout, scenario_coords=scenario_coords)
    unknown = [name for name in thresholds or {} if name not in layout.simulated]
    if unknown:
        raise ParameterError(f"{{thresholds}} {literal(unknown[0])}: not a variable this run "
                             f"summarizes ({', '.join(layout.simulated)})")
    # A batch in which one scenario's rule reads the defense budget stores it for all (an
    # exploration that summarizes other variables only still simulates the rule: see
    # resolve_params).
    with_defense = "defense_growth" in layout.simulated
    return RunPlan(
        scenarios=tuple(scenarios),
        params=tuple(resolve_params(s, with_defense=with_defense) for s in scenarios),
        seed=seed,
        seed_source=source,
        layout=layout,
        chunks=tuple(chunk_blocks(first.run.samples, chunk_size)),
        batch=batch,
        thresholds=dict(thresholds or {}),
    )


@dataclass(frozen=True)
class ChunkTask:
    """A unit of work: consecutive blocks of one scenario, shaped for the file.

    Attributes
    ----------
    params : ModelParams
        The scenario's parameters, resolved once for the run (:attr:`RunPlan.params`).
    samples : int
        Paths of the scenario's run (they fix how many the last block holds).
    blocks : range
        Block indices.
    seed : int
        The run's seed.
    storage : dict of str to numpy dtype
        The run's variables and their storage types (summaries describe the values as
        stored); a variable the scenario cannot produce is NaN.
    stored : tuple of str
        The variables whose paths the task returns or writes (``store``).
    outcome_codes : tuple of int
        The outcome codes the file's summary counts (``FileLayout.outcome_codes``).
    target : DirectTarget, optional
        Write the values straight into the file instead of returning them, if the process
        running the task sees it (:meth:`DirectTarget.visible`: this machine, or a file
        system shared with it).
    file_scenario : int, optional
        Index along the file's ``scenario`` dimension (a batch), for ``target``.
    summaries : dict of str to SummaryPlan
        The summarized variables whose blocks are tallied, and their brackets.
    thresholds : mapping of str to tuple of float
        Per variable, thresholds whose exceedances are counted.
    """

    params: ModelParams
    samples: int
    blocks: range
    seed: int
    storage: dict[str, np.dtype]
    stored: tuple[str, ...]
    outcome_codes: tuple[int, ...]
    target: DirectTarget | None = None
    file_scenario: int | None = None
    summaries: SummaryPlans = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkResult:
    """A chunk's values as the file stores them, and what the summary needs of them.

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
    tallies : dict of str to SummaryTally
        The chunk's tally of each variable of the task's ``summaries``.
    outcome_counts : ndarray of int64, shape (codes, H)
        Samples with each of the task's ``outcome_codes`` (row 0: none) per year.
    exceedance : dict
        Per variable of the task's ``thresholds``, the chunk's exceedance counts.
    """

    samples: int
    values: dict[str, np.ndarray]
    moments: list[dict[str, Moments]]
    tallies: dict[str, SummaryTally]
    outcome_counts: np.ndarray
    exceedance: ExceedanceCounts = field(default_factory=dict)

    def __sizeof__(self) -> int:
        """Bytes held: dask's memory accounting reads it (through ``sys.getsizeof``) to
        decide when a worker's memory is full and what a transfer costs."""
        kept = sum(
            part.nbytes
            for tally in self.tallies.values()
            for column in tally.columns
            if column is not None
            for part in column.kept
        )
        return object.__sizeof__(self) + kept + sum(v.nbytes for v in self.values.values())


def visible_target(task: ChunkTask) -> DirectTarget | None:
    """The probe: the task's target if this process sees the file the client created (this
    machine, or a shared file system), where it then writes its blocks itself; None if it
    must send the values back (another machine without the file system)."""
    return task.target if task.target is not None and task.target.visible() else None


def stored_block(task: ChunkTask, block: int) -> dict[str, np.ndarray]:
    """Block ``block`` of the task's scenario as the file stores it.

    Every variable of ``task.storage`` in its storage type (NaN for one the scenario cannot
    produce), in the engine's column order (one year of all samples contiguous). A pure
    function of the task and the block.
    """
    raw = simulate_resolved_block(task.params, block, seed=task.seed, samples=task.samples)
    shape = raw["contribution_usd"].shape
    # Stored types in the engine's column order: moments over columns that are contiguous
    # are 6x faster than over rows.
    return {
        name: np.asarray(raw[name], dtype=dtype, order="F")
        if name in raw
        else np.full(shape, np.nan, dtype=dtype)
        for name, dtype in task.storage.items()
    }


def simulate_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate a chunk's blocks, shape them as the file stores them, and reduce them while
    they are in cache: moments, tallies for the percentiles, outcome counts.

    A pure function of the task: the same task gives the same result on any worker.
    """
    configure_process()
    parts: list[dict[str, np.ndarray]] = []
    moments: list[dict[str, Moments]] = []
    tallies: dict[str, SummaryTally] = {}
    counts = np.zeros((len(task.outcome_codes), task.params.horizon), dtype=np.int64)
    exceeding: ExceedanceCounts = {}
    target = visible_target(task)
    first_row = (task.file_scenario or 0) * task.samples
    for block in task.blocks:
        stored = stored_block(task, block)
        moments.append({name: Moments.of(stored[name]) for name in SUMMARIZED if name in stored})
        for name, plan in task.summaries.items():
            tally = tally_summary(stored[name], plan)
            tallies[name] = tallies[name].merge(tally) if name in tallies else tally
        counts += outcome_counts(stored["negotiation_outcome"], task.outcome_codes)
        for name, levels in task.thresholds.items():
            exceeding[name] = _add_counts(exceeding.get(name),
                                          exceedance_counts(stored[name], levels))
        # Then the row order the file wants, in memory a direct write can hand to the disk as
        # it is (simcore.io.direct_io): pages line up with the file's, whose large datasets
        # start on a page, where this scenario's rows start after those of the scenarios
        # before it.
        part = {name: aligned_copy(stored[name], phase=first_row * stored[name][0].nbytes)
                for name in task.stored}
        if target is None:
            parts.append(part)
        else:
            start, _ = block_bounds(block, task.samples)
            target.write(start, part, scenario=task.file_scenario)
    values = (
        {} if not parts
        else parts[0] if len(parts) == 1
        else {name: np.concatenate([p[name] for p in parts]) for name in task.stored}
    )
    first = block_bounds(task.blocks.start, task.samples)[0]
    samples = block_bounds(task.blocks.stop - 1, task.samples)[1] - first
    return ChunkResult(samples=samples, values=values, moments=moments, tallies=tallies,
                       outcome_counts=counts, exceedance=exceeding)


def _add_counts(
    total: tuple[np.ndarray, np.ndarray] | None, more: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Exceedance counts of two sets of samples together."""
    return more if total is None else (total[0] + more[0], total[1] + more[1])


#: Blocks seen before the brackets are first narrowed; then each time 4x as many.
FIRST_REFINEMENT = 4


@dataclass
class ScenarioReduction:
    """What a scenario's blocks reduced to while they were simulated: all its summary needs.

    Attributes
    ----------
    plans : dict of str to SummaryPlan
        Per summarized variable, the brackets that blocks are tallied against from now on:
        placed by a pilot block, narrowed as blocks arrive (the tallies carried over).
    moments : dict of str to Moments
        Per summarized variable, merged in block order.
    tallies : dict of str to SummaryTally
        Per summarized variable, every block's tally (merged in any order).
    outcome_counts : ndarray of int64, shape (codes, H)
        Samples with each outcome code of the file's summary per year.
    samples : int
        Samples folded in so far.
    exceedance : dict
        Per variable of the run's thresholds, exceedance counts over the samples folded in.
    """

    plans: SummaryPlans
    outcome_counts: np.ndarray
    moments: dict[str, Moments] = field(default_factory=dict)
    tallies: dict[str, SummaryTally] = field(default_factory=dict)
    samples: int = 0
    exceedance: ExceedanceCounts = field(default_factory=dict)

    def add(self, result: ChunkResult, plans: SummaryPlans) -> None:
        """Fold in the next chunk, simulated with ``plans`` (chunks in block order: the
        moments' bits depend on it), and narrow the brackets once enough blocks are in."""
        for block_moments in result.moments:
            for name, m in block_moments.items():
                self.moments[name] = self.moments[name].merge(m) if name in self.moments else m
        for name, tally in result.tallies.items():
            tally = retally_summary(tally, plans[name], self.plans[name])
            self.tallies[name] = (
                self.tallies[name].merge(tally) if name in self.tallies else tally
            )
        self.outcome_counts = self.outcome_counts + result.outcome_counts
        for name, counts in result.exceedance.items():
            self.exceedance[name] = _add_counts(self.exceedance.get(name), counts)
        before, self.samples = self.samples, self.samples + result.samples
        # Narrowed after 4, 16, 64 … blocks: each time the kept share of later blocks halves.
        if any(
            before < FIRST_REFINEMENT * BLOCK_SIZE * 4**k <= self.samples for k in range(32)
        ):
            for name, old in list(self.plans.items()):
                new = refine_summary(old, self.tallies[name])
                self.tallies[name] = retally_summary(self.tallies[name], old, new)
                self.plans[name] = new


def plan_summaries(
    plan: RunPlan, executor: ChunkExecutor | None = None
) -> list[SummaryPlans]:
    """Brackets for every summarized variable of every scenario, placed by a pilot block
    (:func:`pilot_chunks`)."""
    return [plans for _, (plans, _) in pilot_chunks(plan, executor)]


def pilot_chunks(
    plan: RunPlan, executor: ChunkExecutor | None = None, target: DirectTarget | None = None
) -> Iterator[tuple[ChunkTask, tuple[SummaryPlans, ChunkResult]]]:
    """Each scenario's pilot, its block 0 as the file stores it: the task, the brackets it
    places and its chunk result (tallied against those brackets), in scenario order.

    Simulated where ``executor`` runs tasks (default this thread), and written into the file
    by the pilot if it sees ``target``, else sent back with the result: block 0 is simulated
    once, as the pilot. The brackets decide how much of each block is kept for the exact
    selection, never a value.
    """
    pilot = functools.partial(simulate_pilot, samples=plan.samples,
                              percentiles=tuple(plan.scenarios[0].run.percentiles))
    tasks = [replace(task, blocks=range(1)) for task in plan.tasks(target)
             if task.blocks.start == 0]
    yield from zip(tasks, map_grouped(executor or InProcessExecutor(), pilot, tasks),
                   strict=True)


def _each(fn: Callable[[ChunkTask], R], tasks: Sequence[ChunkTask]) -> list[R]:
    return [fn(task) for task in tasks]


def _task_groups(tasks: Iterable[ChunkTask], blocks: int) -> Iterator[list[ChunkTask]]:
    """Consecutive tasks, grouped until a group holds ``blocks`` blocks (the last fewer)."""
    group: list[ChunkTask] = []
    size = 0
    for task in tasks:
        group.append(task)
        size += len(task.blocks)
        if size >= blocks:
            yield group
            group, size = [], 0
    if group:
        yield group


def map_grouped(
    executor: ChunkExecutor, fn: Callable[[ChunkTask], R], tasks: Iterable[ChunkTask]
) -> Iterator[R]:
    """``fn`` of each task, in task order, with consecutive tasks run together until a group
    holds the executor's chunk of blocks.

    A dask task costs tens of milliseconds of scheduling and transfer whatever it holds, so
    the many scenarios of one or two blocks of an exploration go several to a task (in this
    process a chunk is one block: every task runs on its own). Results never depend on it.
    """
    groups = _task_groups(tasks, block_count(executor.chunk_size))
    for results in executor.map_ordered(functools.partial(_each, fn), groups):
        yield from results


def simulate_pilot(
    task: ChunkTask, *, samples: int, percentiles: tuple[float, ...]
) -> tuple[SummaryPlans, ChunkResult]:
    """Simulate a pilot ``task`` (block 0), place the brackets of every summarized variable
    for a run of ``samples`` paths, and tally the block against them."""
    summarized = tuple(name for name in task.storage if name in SUMMARIZED)
    first = simulate_chunk(replace(task, target=None,
                                   stored=tuple(dict.fromkeys((*task.stored, *summarized)))))
    plans = {name: plan_summary(first.values[name], samples, percentiles)
             for name in summarized}
    values = {name: first.values[name] for name in task.stored}
    if (target := visible_target(task)) is not None:
        target.write(block_bounds(task.blocks.start, task.samples)[0], values,
                     scenario=task.file_scenario)
        values = {}
    return plans, replace(
        first,
        values=values,
        tallies={name: tally_summary(first.values[name], plans[name]) for name in plans},
    )


def simulate_again(plan: RunPlan, index: int, name: str) -> np.ndarray:
    """Every path of one variable of scenario ``index``, simulated again (the engine is
    deterministic per block): the values of a variable the file does not store.

    Memory: the whole variable (``samples × horizon`` values); needed only in the rare case
    that a pilot misplaced a bracket of a variable run with ``store``.
    """
    tasks = [replace(task, stored=(name,)) for task in plan.tasks()
             if task.file_scenario == plan.file_scenario(index)]
    return np.concatenate([simulate_chunk(task).values[name] for task in tasks])


def simulate_into(
    plan: RunPlan,
    writer: ResultWriter,
    *,
    executor: ChunkExecutor | None = None,
    progress: ProgressCallback | None = None,
) -> list[ScenarioReduction]:
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
    list of ScenarioReduction
        Per scenario, what its summary needs, over all its samples.
    """
    executor = executor or InProcessExecutor()
    # Writes to one file serialize on its inode lock, and a thread waiting there spins:
    # threads of this process leave the writing to this thread, which overlaps it with their
    # simulating (measured: 0.8 s less system time at 1e7 paths). Worker processes that see
    # the file (this machine, or a shared file system) write their chunks into it themselves;
    # the others send them back to this thread.
    target = writer.direct_target()
    task_target = None if executor.in_process else target
    total = plan.samples * len(plan.scenarios)
    done = 0
    outcomes = (len(plan.layout.outcome_codes), len(plan.layout.years))
    reductions: list[ScenarioReduction] = []
    submitted: collections.deque[ChunkTask] = collections.deque()

    def fold_in(task: ChunkTask, result: ChunkResult) -> None:
        nonlocal done
        if result.values:
            start, _ = block_bounds(task.blocks.start, plan.samples)
            if target is not None:
                target.write(start, result.values, scenario=task.file_scenario)
            else:
                writer.write_block(start, result.values, scenario=task.file_scenario)
        reductions[task.file_scenario or 0].add(result, task.summaries)
        done += result.samples
        if progress is not None:
            progress(done, total)

    for pilot, (plans, result) in pilot_chunks(plan, executor, task_target):
        reductions.append(ScenarioReduction(dict(plans), np.zeros(outcomes, dtype=np.int64)))
        fold_in(replace(pilot, summaries=plans), result)

    def tasks() -> Iterator[ChunkTask]:
        # Built as they are submitted: each carries its scenario's latest brackets. Block 0
        # was the pilot.
        for task in plan.tasks(task_target):
            blocks = range(max(task.blocks.start, 1), task.blocks.stop)
            if blocks:
                task = replace(task, blocks=blocks,
                               summaries=dict(reductions[task.file_scenario or 0].plans))
                submitted.append(task)
                yield task

    for result in map_grouped(executor, simulate_chunk, tasks()):
        fold_in(submitted.popleft(), result)
        del result
    writer.end_direct()
    release_memory()
    return reductions


def summarize_run(
    plan: RunPlan,
    path: str | Path,
    reductions: Sequence[ScenarioReduction],
    *,
    threads: int | None = None,
) -> xr.Dataset:
    """The ``summary`` group of a run, from what its blocks reduced to.

    Parameters
    ----------
    plan : RunPlan
        The run.
    path : str or Path
        The file, complete but for its summary group, closed by its writer: read only for a
        column whose brackets could not be placed or were misplaced by the pilot (a variable
        it does not store is then simulated again).
    reductions : sequence of ScenarioReduction
        What :func:`simulate_into` returned (their tallies are consumed).
    threads : int, optional
        Variables settled at once (default: one per core).

    Returns
    -------
    xarray.Dataset
    """
    percentiles = tuple(plan.scenarios[0].run.percentiles)
    layout = plan.layout
    jobs = [
        (index, name)
        for index in range(len(plan.scenarios))
        for name in layout.simulated
        if name in SUMMARIZED
    ]

    # One reader at a time: HDF5 refuses a file open twice in a process with other locking.
    reading = threading.Lock()

    def settle(job: tuple[int, str]) -> VariableSummary:
        index, name = job
        reduction = reductions[index]

        def read_back() -> np.ndarray:
            if name not in layout.variables:
                return simulate_again(plan, index, name)
            with reading:
                return read_samples(path, name, scenario=plan.file_scenario(index),
                                    complete=False)

        tally = reduction.tallies.pop(name)  # its kept values are freed once settled
        return settle_summary(reduction.plans[name], tally, reduction.moments[name], read_back)

    with ThreadPoolExecutor(threads or default_threads(), thread_name_prefix="summary") as pool:
        settled = list(pool.map(settle, jobs))
    summaries: dict[str, list[VariableSummary]] = {}
    for (_, name), summary in zip(jobs, settled, strict=True):
        summaries.setdefault(name, []).append(summary)
    frequencies = [reduction.outcome_counts / plan.samples for reduction in reductions]
    return summary_dataset(summaries, frequencies, layout=layout, percentiles=percentiles)


def commit_run(
    plan: RunPlan,
    writer: ResultWriter,
    summary: xr.Dataset,
    groups: Mapping[str, xr.Dataset] | None = None,
) -> RunResult:
    """Add the summary group (and any further ``groups``, by name), mark the file complete
    and give it its final name."""
    return RunResult(
        path=writer.commit(summary, groups),
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
    storage: StorageOptions = StorageOptions(),
    overwrite: bool = False,
    force: bool = False,
    executor: ChunkExecutor | None = None,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    seed_source: str | None = None,
    command: str | None = None,
    scenario_coords: Mapping[str, tuple[np.ndarray, dict[str, str]]] | None = None,
    summarize: Sequence[str] | None = None,
    thresholds: Thresholds | None = None,
    groups: Callable[[xr.Dataset, Sequence[ScenarioReduction]],
                     Mapping[str, xr.Dataset]] | None = None,
) -> RunResult:
    """Simulate scenarios block by block into one result file, then add its summary.

    Parameters
    ----------
    scenarios : sequence of Scenario
        One scenario (``batch=False``), or several sharing base year, horizon, samples,
        seed, sampler and percentiles, with distinct names (``batch=True``): checked before
        anything runs (:func:`check_run`).
    output : str or Path
        Final file; written under a temporary name and renamed when complete.
    batch : bool
        Write a ``scenario`` dimension.
    seed : int, optional
        The seed of the run; default ``run.seed`` of the first scenario, else entropy.
    storage : StorageOptions
        How the file stores its values: ``float32``, ``compress``, ``store`` (the variables
        whose paths it keeps); default: the paths of every variable, as computed (float64
        for floating-point variables), uncompressed.
    overwrite : bool
        Replace an existing file (only once the new one is complete).
    force : bool
        Write even if the destination seems to lack the space the file needs.
    executor : ChunkExecutor, optional
        Where chunks are simulated (:func:`simcore.run.parallel.open_executor`); default: this
        thread. Results never depend on it.
    chunk_size : int, optional
        Samples per unit of work, rounded up to whole blocks; results do not depend on it.
        Default: the executor's (one block in this process, 4 per dask task).
    progress : callable, optional
        ``progress(done, total)`` in samples over all scenarios.
    seed_source : str, optional
        Recorded origin of the seed (e.g. ``"command line"``).
    command : str, optional
        The command line recorded in ``history``.
    scenario_coords : mapping, optional
        Extra coordinates along ``scenario`` of a batch (a sweep's swept values), as
        :attr:`simcore.io.layout.FileLayout.scenario_coords`.
    summarize : sequence of str, optional
        The variables the file has at all, stored or summarized (default: all).
    thresholds : mapping of str to tuple of float, optional
        Per variable, thresholds whose exceedances every block counts, for ``groups``.
    groups : callable, optional
        ``groups(summary, reductions)`` → further groups of the file by name (an
        exploration's ``explore`` group), written with the summary before the file is
        complete.

    Returns
    -------
    RunResult

    Raises
    ------
    ParameterError, ConfigError
        Scenarios that cannot run as asked (:func:`check_run`), an existing ``output``
        without ``overwrite``, ``storage.store`` naming a variable the run does not simulate.

    Examples
    --------
    ::

        run_scenarios([scenario], "outputs/baseline.h5",
                      storage=StorageOptions(float32=True), overwrite=True)
    """
    configure_process()
    executor = executor or InProcessExecutor()
    plan = plan_run(
        scenarios, batch=batch, seed=seed, seed_source=seed_source,
        chunk_size=executor.chunk_size if chunk_size is None else chunk_size, storage=storage,
        scenario_coords=scenario_coords, summarize=summarize, thresholds=thresholds,
    )
    attrs = provenance_attrs(
        plan.scenarios, seed=plan.seed, seed_source=plan.seed_source,
        command=command or " ".join(sys.argv),
    )
    with ResultWriter(
        Path(output), plan.layout, attrs, overwrite=overwrite, force=force
    ) as writer, objects_frozen():
        reductions = simulate_into(plan, writer, executor=executor, progress=progress)
        writer.release()
        summary = summarize_run(plan, writer.temp, reductions)
        return commit_run(plan, writer, summary,
                          groups(summary, reductions) if groups is not None else None)

"""Run scenarios to a result file: blocks simulated, streamed to disk, then summarized.

``run_scenarios`` is what ``smasim run`` and ``smasim batch`` call; it is usable from a
notebook as it is. Peak memory is bounded by one chunk of blocks while simulating, and by
one variable of one scenario (``samples × horizon`` values) while summarizing.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simcore.config import Scenario
from simcore.engine import outcome_labels, output_variables, simulate_block
from simcore.errors import ConfigError
from simcore.memory import configure_allocator, release_memory
from simcore.moments import Moments
from simcore.parallel import ChunkExecutor, InProcessExecutor, default_threads
from simcore.sampling import BLOCK_SIZE, block_bounds, block_count
from simcore.store import (
    CF_CONVENTIONS,
    DirectTarget,
    FileLayout,
    ResultWriter,
    read_samples,
    summary_dataset,
)
from simcore.summary import VariableSummary, outcome_frequencies, summarize_values
from simcore.variables import SUMMARIZED, VARIABLES

#: Default samples per task: one block. A block (65,536 paths) already amortizes the
#: per-call overhead; larger chunks only hold more memory in flight.
DEFAULT_CHUNK_SIZE = BLOCK_SIZE

#: Called with (samples done, samples in all) as the run progresses.
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    """What a run wrote.

    Attributes
    ----------
    path : Path
        The complete result file.
    seed : int
        The seed used (configured, or entropy drawn for an unseeded run).
    seed_source : str
        ``"config"``, ``"command line"`` or ``"entropy"``.
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


def resolve_seed(scenario: Scenario) -> tuple[int, str]:
    """The run's seed and where it came from; an unseeded run draws fresh entropy.

    Seed 0 is a seed like any other.
    """
    if scenario.run.seed is not None:
        return scenario.run.seed, "config"
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)
    return entropy, "entropy"


def chunk_blocks(samples: int, chunk_size: int) -> list[range]:
    """Group the run's blocks into chunks of ``ceil(chunk_size / BLOCK_SIZE)`` blocks."""
    if chunk_size < 1:
        raise ValueError(f"chunk size must be at least 1 sample (got {chunk_size})")
    per_chunk = -(-chunk_size // BLOCK_SIZE)
    total = block_count(samples)
    return [range(b, min(b + per_chunk, total)) for b in range(0, total, per_chunk)]


def _versions() -> dict[str, str]:
    names = ("smasim", "numpy", "scipy", "xarray", "h5netcdf", "h5py", "pydantic")
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def provenance_attrs(
    scenarios: Sequence[Scenario], *, seed: int, seed_source: str, command: str
) -> dict[str, object]:
    """Global attributes that let anyone re-run the file (STYLE.md §12)."""
    first = scenarios[0]
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    versions = _versions()
    # An entropy seed (128 bits, injected by a re-run of an unseeded file) does not fit a
    # TOML integer (64-bit): it is recorded in ``seed`` only, so the stored configuration
    # stays valid and its hash that of the original run.
    written = [
        s if s.run.seed is None or s.run.seed < 2**63
        else s.model_copy(update={"run": s.run.model_copy(update={"seed": None})})
        for s in scenarios
    ]
    configs = [s.to_toml() for s in written]
    attrs: dict[str, object] = {
        "Conventions": CF_CONVENTIONS,
        "title": "smasim: US-ROK Special Measures Agreement cost-sharing simulation",
        "source": f"smasim {versions['smasim']}",
        "history": f"{created} {command}",
        "created": created,
        "smasim_version": versions["smasim"],
        "library_versions": " ".join(f"{k}={v}" for k, v in versions.items())
        + f" python={platform.python_version()}",
        "scenario_names": " ".join(s.run.name for s in scenarios),
        "seed": str(seed),
        "seed_source": seed_source,
        "sampler": first.run.sampler,
        "bit_generator": "PCG64",
        "block_size": BLOCK_SIZE,
        "n_samples": first.run.samples,
        "base_year": first.run.base_year,
        "horizon": first.run.horizon,
    }
    if len(scenarios) == 1:
        attrs["config_toml"] = configs[0]
        attrs["config_sha256"] = written[0].config_hash()
    else:
        # Numbered in the order of the ``scenario`` coordinate: scenario names may hold '-'
        # and '.', which CF does not allow in attribute names.
        for index, (scenario, text) in enumerate(zip(written, configs, strict=True)):
            attrs[f"config_toml_{index}"] = text
            attrs[f"config_sha256_{index}"] = scenario.config_hash()
    return attrs


#: Keys on which the scenarios of a batch must agree, so that they share random inputs.
SHARED_RUN_KEYS = ("base_year", "horizon", "samples", "seed", "sampler")


def check_batch(scenarios: Sequence[Scenario], sources: Sequence[str]) -> None:
    """Raise :class:`ConfigError` unless the scenarios can share their random inputs.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The batch, after command-line overrides.
    sources : sequence of str
        Where each scenario came from (file names), for the messages.
    """
    names = [s.run.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        where = ", ".join(
            f"{n} ({', '.join(src for src, m in zip(sources, names, strict=True) if m == n)})"
            for n in duplicates
        )
        raise ConfigError(f"run.name: scenario names in a batch must be unique; repeated: {where}")
    first = scenarios[0]
    for key in SHARED_RUN_KEYS:
        expected = getattr(first.run, key)
        for scenario, source in zip(scenarios[1:], sources[1:], strict=True):
            if getattr(scenario.run, key) != expected:
                raise ConfigError(
                    f"run.{key}: scenarios of a batch must agree (common random numbers); "
                    f"{sources[0]} has {expected!r}, {source} has "
                    f"{getattr(scenario.run, key)!r}"
                    + (" (or pass --samples / --seed to set it for all)"
                       if key in ("samples", "seed") else "")
                )
    percentiles = first.run.percentiles
    for scenario, source in zip(scenarios[1:], sources[1:], strict=True):
        if scenario.run.percentiles != percentiles:
            raise ConfigError(
                f"run.percentiles: scenarios of a batch must agree; {sources[0]} has "
                f"{percentiles}, {source} has {scenario.run.percentiles}"
            )


def file_layout(
    scenarios: Sequence[Scenario], *, batch: bool, float32: bool = False, compress: bool = False
) -> FileLayout:
    """The layout of the file a run of ``scenarios`` writes.

    A batch holds the union of the scenarios' variables (``defense_growth`` if any rule
    reads it) and of their outcome labels.
    """
    wanted = {name for s in scenarios for name in output_variables(s)}
    variables = [name for name in output_variables(scenarios[0])]
    variables += [n for n in VARIABLES if n in wanted and n not in variables]
    variables.sort(key=list(VARIABLES).index)
    labels: list[str] = []
    for scenario in scenarios:
        labels += [label for label in outcome_labels(scenario) if label not in labels]
    first = scenarios[0]
    return FileLayout(
        variables=variables,
        samples=first.run.samples,
        years=first.years,
        scenarios=[s.run.name for s in scenarios] if batch else None,
        outcome_meanings=labels,
        float32=float32,
        compress=compress,
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


def run_scenarios(
    scenarios: Sequence[Scenario],
    output: str | Path,
    *,
    batch: bool = False,
    seed_source: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    float32: bool = False,
    compress: bool = False,
    overwrite: bool = False,
    force: bool = False,
    progress: ProgressCallback | None = None,
    command: str | None = None,
    executor: ChunkExecutor | None = None,
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
    seed_source : str, optional
        Recorded origin of the seed (``"command line"`` when an option overrode it).
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

    Returns
    -------
    RunResult
    """
    configure_allocator()
    first = scenarios[0]
    seed, source = resolve_seed(first)
    source = seed_source or source
    layout = file_layout(scenarios, batch=batch, float32=float32, compress=compress)
    attrs = provenance_attrs(
        scenarios, seed=seed, seed_source=source, command=command or " ".join(sys.argv)
    )
    samples = first.run.samples
    executor = executor or InProcessExecutor()
    jobs = [
        (index, chunk)
        for index in range(len(scenarios))
        for chunk in chunk_blocks(samples, chunk_size)
    ]
    total = samples * len(scenarios)
    done = 0
    with ResultWriter(
        Path(output), layout, attrs, overwrite=overwrite, force=force
    ) as writer:
        # Tasks on this machine write their chunks into the file themselves; tasks on a
        # remote cluster send them back to this process, the file's only other writer.
        target = writer.direct_target() if executor.shares_filesystem else None
        tasks = (
            ChunkTask(
                scenario=scenarios[index],
                blocks=chunk,
                seed=seed,
                storage={name: layout.dtype(name) for name in layout.variables},
                outcome_codes=tuple(
                    layout.outcome_meanings.index(label)
                    for label in outcome_labels(scenarios[index])
                ),
                target=target,
                file_scenario=index if batch else None,
            )
            for index, chunk in jobs
        )
        moments: list[dict[str, Moments]] = [{} for _ in scenarios]
        for (index, chunk), result in zip(
            jobs, executor.map_ordered(simulate_chunk, tasks), strict=True
        ):
            if result.values:
                start, _ = block_bounds(chunk.start, samples)
                writer.write_block(start, result.values, scenario=index if batch else None)
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
        # Worker processes on this machine summarize a variable each, reading the file
        # themselves; otherwise this process does, one variable at a time, one thread per
        # core over its years (memory: one variable of one scenario).
        distribute = executor.shares_filesystem and executor.separate_processes
        summary_tasks = [
            SummaryTask(
                path=str(writer.temp.absolute()),
                name=name,
                scenario=index if batch else None,
                percentiles=tuple(first.run.percentiles),
                moments=moments[index][name],
                threads=1 if distribute else default_threads(),
            )
            for index in range(len(scenarios))
            for name in layout.variables
            if name in SUMMARIZED
        ]
        writer.release()
        summarized = (executor if distribute else InProcessExecutor()).map_ordered(
            summarize_stored, summary_tasks
        )
        summaries: dict[str, list[VariableSummary]] = {}
        for task, summary in zip(summary_tasks, summarized, strict=True):
            summaries.setdefault(task.name, []).append(summary)
        frequencies = [
            outcome_frequencies(
                read_samples(writer.temp, "negotiation_outcome", scenario=index if batch else None,
                             complete=False),
                len(layout.outcome_meanings),
            )
            for index in range(len(scenarios))
        ]
        path = writer.commit(
            summary_dataset(
                summaries, frequencies, layout=layout, percentiles=first.run.percentiles
            )
        )
    return RunResult(
        path=path,
        seed=seed,
        seed_source=source,
        samples=samples,
        scenarios=[s.run.name for s in scenarios],
    )

"""``smasim run`` and ``smasim batch``: simulate scenarios into a result file."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from simcore.config.load import check_batch
from simcore.config.schema import Scenario
from simcore.run.parallel import open_executor
from simcore.run.runner import StorageOptions, run_scenarios

from .options import (
    DEFAULT_OUTPUT_DIR,
    config_argument,
    configs_argument,
    load_config,
    run_output_option,
    simulation_options,
)
from .progress import progress_bar

if TYPE_CHECKING:
    import numpy as np


def simulate_with_progress(
    scenarios: list[Scenario],
    destination: Path,
    *,
    batch: bool,
    seed: int | None,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int | None,
    float32: bool,
    compress: bool,
    overwrite: bool,
    force: bool,
    quiet: bool,
    store: tuple[str, ...] | None = None,
    scenario_coords: Mapping[str, tuple[np.ndarray, dict[str, str]]] | None = None,
) -> None:
    """Run ``scenarios`` with a progress bar: :func:`run_scenarios` with the options of the
    command line."""
    label = ", ".join(s.run.name for s in scenarios)
    with (
        open_executor(workers=workers, scheduler=scheduler) as executor,
        progress_bar(label, quiet=quiet) as progress,
    ):
        result = run_scenarios(
            scenarios,
            destination,
            batch=batch,
            storage=StorageOptions(float32=float32, compress=compress, store=store),
            overwrite=overwrite,
            force=force,
            executor=executor,
            chunk_size=chunk_size,
            progress=progress,
            seed_source="command line" if seed is not None else None,
            command=shlex.join(["smasim", *sys.argv[1:]]),
            scenario_coords=scenario_coords,
        )
    many = len(result.scenarios)
    count = f"{many} scenario{'s' if many != 1 else ''} x " if batch else ""
    click.echo(
        f"Wrote {result.path} ({count}{result.samples:,} paths, "
        f"seed {result.seed} from {result.seed_source})."
    )


@click.command("run")
@config_argument
@run_output_option(f"{DEFAULT_OUTPUT_DIR}/<run.name>.h5")
@simulation_options
def run_command(
    config: Path,
    output: Path | None,
    samples: int | None,
    seed: int | None,
    assignments: tuple[str, ...],
    **options: Any,
) -> None:
    """Simulate the scenario in CONFIG (a TOML file, or a shipped scenario's name such as
    baseline) into a netCDF-4/HDF5 result file.

    The file holds every simulated path, CF metadata, the configuration as run (after
    --set, --samples, --seed) and seed, and a `summary` group (mean, sd, Monte Carlo
    error, percentiles). It is built under a temporary name and renamed only when complete.
    """
    scenario = load_config(config, assignments, samples=samples, seed=seed)
    destination = output or DEFAULT_OUTPUT_DIR / f"{scenario.run.name}.h5"
    simulate_with_progress([scenario], destination, batch=False, seed=seed, **options)


@click.command("batch")
@configs_argument
@run_output_option(f"{DEFAULT_OUTPUT_DIR}/batch.h5")
@simulation_options
def batch_command(
    configs: tuple[Path, ...],
    output: Path | None,
    samples: int | None,
    seed: int | None,
    assignments: tuple[str, ...],
    **options: Any,
) -> None:
    """Simulate several scenarios (CONFIGS) into one file with a `scenario` dimension.

    The scenarios share each sample's random inputs (common random numbers), so
    `ds.sel(scenario="drawdown") - ds.sel(scenario="baseline")` is a paired difference.
    They must agree on run.base_year, horizon, samples, seed, sampler and percentiles
    (--samples, --seed and --set set them for all).
    """
    scenarios = [load_config(c, assignments, samples=samples, seed=seed) for c in configs]
    check_batch(scenarios, [str(c) for c in configs])
    destination = output or DEFAULT_OUTPUT_DIR / "batch.h5"
    simulate_with_progress(scenarios, destination, batch=True, seed=seed, **options)

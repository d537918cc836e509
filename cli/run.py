"""``smasim run``: simulate one scenario into a result file."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from cli.options import (
    chunk_size_option,
    compress_option,
    float32_option,
    overwrite_option,
    quiet_option,
    samples_option,
    seed_option,
)
from cli.progress import progress_bar
from simcore.config import load_scenario
from simcore.runner import run_scenarios

DEFAULT_OUTPUT_DIR = Path("outputs")


@click.command("run")
@click.argument("config", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Result file [default: outputs/<run.name>.h5].",
)
@samples_option
@seed_option
@chunk_size_option
@float32_option
@compress_option
@overwrite_option
@quiet_option
def run_command(
    config: Path,
    output: Path | None,
    samples: int | None,
    seed: int | None,
    chunk_size: int,
    float32: bool,
    compress: bool,
    overwrite: bool,
    quiet: bool,
) -> None:
    """Simulate the scenario in CONFIG (a TOML file) and write a netCDF-4/HDF5 result file.

    The file holds every simulated path, CF metadata, the configuration and seed, and a
    `summary` group (mean, sd, Monte Carlo error, percentiles). It is built under a
    temporary name and renamed only when complete.
    """
    scenario = load_scenario(config).with_overrides(samples=samples, seed=seed)
    destination = output or DEFAULT_OUTPUT_DIR / f"{scenario.run.name}.h5"
    with progress_bar(f"{scenario.run.name}", quiet=quiet) as progress:
        result = run_scenarios(
            [scenario],
            destination,
            seed_source="command line" if seed is not None else None,
            chunk_size=chunk_size,
            float32=float32,
            compress=compress,
            overwrite=overwrite,
            progress=progress,
            command=shlex.join(["smasim", *sys.argv[1:]]),
        )
    click.echo(
        f"Wrote {result.path} ({result.samples:,} paths, seed {result.seed} "
        f"from {result.seed_source})."
    )

"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

from simcore.runner import DEFAULT_CHUNK_SIZE

samples_option = click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=None,
    help="Paths per scenario; overrides run.samples of the config.",
)
seed_option = click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Random seed; overrides run.seed of the config (0 is a seed).",
)
chunk_size_option = click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=DEFAULT_CHUNK_SIZE,
    show_default=True,
    help="Samples per unit of work, rounded up to whole blocks of 65,536. Results do not "
    "depend on it.",
)
float32_option = click.option(
    "--float32", is_flag=True, help="Store floating-point variables as float32 (half the bytes)."
)
compress_option = click.option(
    "--compress",
    is_flag=True,
    help="zlib-compress the samples (about 40x slower to write, 1.3-1.6x smaller).",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace the output file if it exists."
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Simulate on a local dask cluster of N worker processes [default: in this process, "
    "one thread per core].",
)
scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Simulate on a running dask cluster, e.g. tcp://10.0.0.5:8786 (its workers need "
    "smasim installed).",
)
force_option = click.option(
    "--force",
    is_flag=True,
    help="Write even if the destination seems to lack the free space the file needs "
    "(the estimate is the uncompressed size).",
)

"""``smasim info``, ``smasim validate`` and ``smasim rerun``: provenance you can act on."""

from __future__ import annotations

import importlib.metadata
import shlex
import sys
from pathlib import Path

import click

from simcore.config.load import check_batch
from simcore.config.schema import Scenario
from simcore.core.errors import SmasimInputError
from simcore.core.text import human_bytes
from simcore.io.layout import file_layout
from simcore.io.provenance import file_info
from simcore.report.file_info import info_text
from simcore.run.parallel import open_executor

from .main import describe_input_error
from .options import (
    chunk_size_option,
    configs_argument,
    force_option,
    load_config,
    overwrite_option,
    quiet_option,
    run_output_option,
    samples_option,
    scheduler_option,
    seed_option,
    set_option,
    workers_option,
)
from .progress import progress_bar
from .tables import echo_json


@click.command("info")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text for reading; json for programs.",
)
def info_command(file: Path, fmt: str) -> None:
    """Describe a result FILE: dimensions, scenarios, variables and units, seed, sampler,
    block size, versions (and which differ from the installed ones), the platform that
    wrote it, creation time, configuration hash, and whether it is complete.

    Reads only metadata, never the samples; a partial file left by an interrupted run is
    described too (complete: NO). A file of `smasim sensitivity -o` or `smasim backtest -o`
    is named as such, with the commands that read it.
    """
    info = file_info(file)
    if fmt == "json":
        echo_json(info.as_record())
    else:
        click.echo(info_text(info))


def _describe_scenario(source: Path, scenario: Scenario) -> str:
    run = scenario.run
    years = scenario.years
    size = file_layout([scenario], batch=False).nbytes()
    seed = "unseeded (entropy drawn at run time)" if run.seed is None else f"seed {run.seed}"
    return (
        f"ok {source}: {run.name}, {years[0]}–{years[-1]}, {run.samples:,} samples, {seed}, "
        f"sampler {run.sampler}; output about {human_bytes(size)}"
    )


@click.command("validate")
@configs_argument
@click.option(
    "--show",
    is_flag=True,
    help="Print the resolved configuration (defaults filled in) as TOML on stdout.",
)
@click.option(
    "--batch",
    "as_batch",
    is_flag=True,
    help="Also check that CONFIGS can run together as one `smasim batch`.",
)
@samples_option
@seed_option
@set_option
def validate_command(
    configs: tuple[Path, ...],
    show: bool,
    as_batch: bool,
    samples: int | None,
    seed: int | None,
    assignments: tuple[str, ...],
) -> None:
    """Validate scenario CONFIGS without running them.

    Every file is checked and every error reported, one line each (exit code 2 if any).
    --set changes values as `smasim run` would. With --show the resolved TOML goes to
    stdout and the verdicts to stderr, so
    `smasim validate x.toml --show > resolved.toml` keeps a runnable file.
    """
    scenarios: list[Scenario] = []
    errors: list[SmasimInputError] = []
    for source in configs:
        try:
            scenario = load_config(source, assignments, samples=samples, seed=seed)
        except SmasimInputError as err:
            errors.append(err)
            continue
        scenarios.append(scenario)
        click.echo(_describe_scenario(source, scenario), err=show)
        if show:
            if len(configs) > 1:
                click.echo(f"# {source}")
            click.echo(scenario.to_toml())
    for error in errors[:-1]:
        click.echo(f"Error: {describe_input_error(error)}", err=True)
    if errors:
        raise errors[-1]
    if as_batch:
        check_batch(scenarios, [str(c) for c in configs])
        size = file_layout(scenarios, batch=True).nbytes()
        click.echo(
            f"ok: the {len(scenarios)} scenarios can run as one batch; output about "
            f"{human_bytes(size)}",
            err=show,
        )


@click.command("rerun")
@click.argument("file", type=click.Path(path_type=Path))
@run_output_option("FILE's name with .rerun before the suffix")
@chunk_size_option
@workers_option
@scheduler_option
@overwrite_option
@force_option
@quiet_option
def rerun_command(
    file: Path,
    output: Path | None,
    chunk_size: int | None,
    workers: int | None,
    scheduler: str | None,
    overwrite: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Run a result FILE again from the configuration and seed stored in it.

    Scenarios, seed, batch layout and storage types come from the file, so the new file's
    variables are identical to FILE's (with the same smasim version). Chunk size and
    workers never change a value.
    """
    written_by = file_info(file).attrs.get("smasim_version")
    running = importlib.metadata.version("smasim")
    if written_by != running:
        click.echo(
            f"Note: {file} was written by smasim {written_by}; this is smasim {running}, "
            "so values differ wherever the model changed.",
            err=True,
        )
    from simcore.run.rerun import default_rerun_path, rerun  # the engine: only to rerun

    destination = output or default_rerun_path(file)
    with (
        open_executor(workers=workers, scheduler=scheduler) as executor,
        progress_bar(f"rerun of {file}", quiet=quiet) as progress,
    ):
        result = rerun(
            file,
            destination,
            overwrite=overwrite,
            force=force,
            chunk_size=chunk_size,
            progress=progress,
            command=shlex.join(["smasim", *sys.argv[1:]]),
            executor=executor,
        )
    click.echo(
        f"Wrote {result.path} ({', '.join(result.scenarios)}: {result.samples:,} paths, "
        f"seed {result.seed} from {result.seed_source})."
    )

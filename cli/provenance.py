"""``smasim info``, ``smasim validate`` and ``smasim rerun``: provenance you can act on."""

from __future__ import annotations

import importlib.metadata
import json
import shlex
import sys
from pathlib import Path

import click

from simcore.config.load import check_batch
from simcore.config.schema import Scenario
from simcore.core.errors import SmasimInputError
from simcore.core.text import human_bytes
from simcore.io.layout import OTHER_KINDS, file_layout
from simcore.io.provenance import FileInfo, file_info
from simcore.run.parallel import open_executor

from .main import describe_input_error
from .options import (
    chunk_size_option,
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


def render_info(info: FileInfo) -> str:
    """``smasim info`` as aligned text: one fact per line, variables last."""
    attrs = info.attrs
    years = f" ({info.years[0]}–{info.years[-1]})" if info.years else ""
    dims = ", ".join(
        f"{name} = {size:,}{years if name == 'year' else ''}" for name, size in info.dims.items()
    )
    status = (
        "yes" if info.complete
        else "NO: the run did not finish (interrupted, or still running); do not use its values"
    )
    hashes = info.config_hashes()
    facts = [
        ("complete", status),
        ("dimensions", dims),
        ("scenarios", ", ".join(info.scenarios)),
        ("seed", f"{attrs.get('seed')} (from {attrs.get('seed_source', '?')})"),
        ("sampler", f"{attrs.get('sampler')}, {attrs.get('bit_generator')} streams, "
                    f"blocks of {attrs.get('block_size', 0):,} samples"),
        ("storage", ("float32" if info.float32 else "float64")
                    + (", zlib-compressed" if info.compressed else ", uncompressed")),
        ("created", str(attrs.get("created", "?"))),
        ("history", str(attrs.get("history", "?"))),
        ("smasim", str(attrs.get("smasim_version", "?"))),
        ("libraries", str(attrs.get("library_versions", "?"))),
        ("conventions", str(attrs.get("Conventions", "?"))),
    ]
    facts += [
        (f"config sha256{'' if not info.batch else f' ({name})'}", digest)
        for name, digest in hashes.items()
    ]
    facts += _exploration(info)
    if info.kind in OTHER_KINDS:
        # Not a run: no sampler, storage or run history; show only the facts it carries.
        run_only = {"sampler", "storage"}
        facts = [(label, value) for label, value in facts
                 if label not in run_only and value.strip() not in {"", "?", "None"}]
        header = f"{info.path}: smasim {info.kind} file, not a run (read it with " \
                 f"{OTHER_KINDS[info.kind]})"
    else:
        header = f"{info.path}: smasim result file"
    width = max(len(label) for label, _ in facts)
    lines = [header]
    lines += [f"  {label:<{width}}  {value}" for label, value in facts]
    lines.append("  variables with paths" if info.summary_only else "  variables")
    name_width = max((len(v.name) for v in info.variables), default=0)
    dims_width = max((len(", ".join(v.dims)) + 2 for v in info.variables), default=0)
    for var in info.variables:
        shape = f"({', '.join(var.dims)})"
        lines.append(
            f"    {var.name:<{name_width}}  {shape:<{dims_width}}  {var.dtype:<7}  "
            f"{var.units:<7}  {var.long_name}"
        )
    if info.summary_only:
        lines.append("  summary only (no paths: the run used --store)")
        lines += [f"    {name}" for name in info.summary_only]
    return "\n".join(lines)


def _exploration(info: FileInfo) -> list[tuple[str, str]]:
    """What an exploration's ``explore`` group says of its design (``smasim explore``)."""
    group = info.groups.get("explore")
    if group is None:
        return []
    attrs = group["attrs"]
    levers = int(attrs.get("lever_combinations", 1))
    facts = [("exploration", f"{attrs.get('design')} design of {attrs.get('points')} points"
              + (f" x {levers} lever combinations" if attrs.get("lever_keys") else "")
              + f" (design seed {attrs.get('design_seed')}); read it with smasim discover "
              "or smasim robust")]
    facts += [(f"varies {spec['key']}", str(spec.get("distribution", "")))
              for name, spec in group["variables"].items() if name.startswith("vary_")]
    facts += [("lever", lever) for lever in str(attrs.get("levers", "")).split()]
    facts += [("threshold", text) for text in str(attrs.get("thresholds", "")).split()]
    facts.append(("per-point statistics", str(attrs.get("variables", ""))))
    return facts


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
    block size, versions, creation time, configuration hash, and whether it is complete.

    Reads only metadata, never the samples; a partial file left by an interrupted run is
    described too (complete: NO). A file of `smasim sensitivity -o` or `smasim backtest -o`
    is named as such, with the commands that read it.
    """
    info = file_info(file)
    if fmt == "json":
        click.echo(json.dumps(info.as_record(), indent=2))
    else:
        click.echo(render_info(info))


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
@click.argument("configs", nargs=-1, required=True, type=click.Path(path_type=Path))
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

"""``smasim init``: the shipped scenarios (and elicitation files), copied into a folder to read
and edit."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from simcore.io.shipped import write_shipped_scenarios

#: Where ``smasim init`` writes without FOLDER: the folder every example in the
#: documentation names (``smasim run configs/baseline.toml``).
DEFAULT_FOLDER = Path("configs")


@click.command("init")
@click.argument("folder", required=False, default=DEFAULT_FOLDER, type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True,
              help="Replace copies that exist in FOLDER (edits made to them are lost).")
def init_command(folder: Path, overwrite: bool) -> None:
    """Copy the shipped scenarios, comments included, into FOLDER [default: configs], with
    the example elicitation file (elicitation/workshop.toml, for `smasim elicit`).

    Each file opens with the question it answers and explains its settings; edit a copy and
    run it (`smasim run configs/baseline.toml`). Nothing is written if any copy exists
    already (unless --overwrite). Without a copy, commands take a shipped scenario by
    name: `smasim run baseline`.
    """
    written = write_shipped_scenarios(folder, overwrite=overwrite)
    click.echo(f"Wrote {len(written)} files to {folder}:")
    for path in written:
        click.echo(f"  {path}")
    baseline = shlex.quote(str(folder / "baseline.toml"))
    every = f"{shlex.quote(str(folder))}/*.toml"
    click.echo(
        f"Next: smasim run {baseline}   # simulate one scenario into outputs/baseline.h5\n"
        f"      smasim summary outputs/baseline.h5\n"
        f"      smasim batch {every}   # every scenario, sharing random numbers, into "
        "outputs/batch.h5"
    )

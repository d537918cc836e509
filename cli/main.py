"""The ``smasim`` command: a thin click skin over ``simcore``.

Errors are translated once, here: an input error (bad config, bad option, unreadable or
foreign file) is one ``Error: …`` line and exit code 2; a failure while running (disk full,
I/O error) is one line and exit code 1; Ctrl-C exits 130. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from cli.compare import compare_command
from cli.plot import plot_command
from cli.run import batch_command, run_command
from cli.summary import summary_command
from simcore.errors import SmasimInputError

EXIT_INPUT = 2
EXIT_FAILURE = 1
EXIT_SIGINT = 130


class InputError(click.ClickException):
    """A usage or input error: one line, exit code 2, no usage text."""

    exit_code = EXIT_INPUT


class RunFailure(click.ClickException):
    """A failure while running (disk full, I/O error): one line, exit code 1."""

    exit_code = EXIT_FAILURE


class SmasimGroup(click.Group):
    """Translate library errors into one-line messages with the contract's exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SmasimInputError as err:
            if ctx.meta.get("smasim.debug"):
                raise
            raise InputError(str(err)) from err
        except OSError as err:
            if ctx.meta.get("smasim.debug"):
                raise
            where = f"{err.filename}: " if getattr(err, "filename", None) else ""
            raise RunFailure(f"{where}{err.strerror or err}") from err
        except KeyboardInterrupt:
            if ctx.meta.get("smasim.debug"):
                raise
            click.echo("Interrupted: no result file was written.", err=True)
            ctx.exit(EXIT_SIGINT)


@click.group(cls=SmasimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smasim", prog_name="smasim")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Monte Carlo scenarios of US-ROK Special Measures Agreement cost-sharing.

    \b
    Typical use:
      smasim run configs/baseline.toml            # simulate, write outputs/baseline.h5
      smasim summary outputs/baseline.h5          # percentile tables
      smasim batch configs/*.toml --samples 1e5   # scenarios sharing random numbers
    """
    ctx.meta["smasim.debug"] = debug


cli.add_command(run_command)
cli.add_command(batch_command)
cli.add_command(summary_command)
cli.add_command(compare_command)
cli.add_command(plot_command)


def main() -> None:
    """Console entry point."""
    sys.exit(cli.main(prog_name="smasim", standalone_mode=True))

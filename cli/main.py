"""The ``smasim`` command: a thin click skin over ``simcore``.

Errors are translated once, here: an input error (bad config, bad option, unreadable or
foreign file) is one ``Error: …`` line and exit code 2; a failure while running (disk full,
I/O error) is one line and exit code 1; SIGINT (Ctrl-C) exits 130 and SIGTERM 143, both
after the same cleanup; a reader that closes the output pipe (``| head -1``) ends the
command quietly with exit code 0. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import importlib
import os
import re
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

import click

from simcore.core.errors import ParameterError, SmasimInputError, did_you_mean

#: How the CLI names the library's parameters in messages (:class:`ParameterError`).
OPTION_WORDING = {
    "output": "-o",
    "overwrite": "--overwrite",
    "force": "--force",
    "samples": "--samples",
    "seed": "--seed",
    "overrides": "--set ",
    "float32": "--float32",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "store": "--store",
    "start": "--from",
    "end": "--to",
    "window_start": "--window-start",
    "horizon": "--horizon",
    "backtest": "--backtest",
    "variables": "--var",
    "scenarios": "--scenario",
    "years": "--years",
    "percentiles": "--percentiles",
    "real": "--real",
    "exceed": "--exceed",
    "precision": "--precision",
    "fan": "--kind fan",
    "level": "--level",
    "renormalize": "--renormalize",
    "vary": "--vary",
    "levers": "--lever",
    "points": "--points",
    "design": "--design",
    "thresholds": "--threshold",
    "where": "--where",
    "box": "--box",
    "outcome": "--outcome",
    "criterion": "--criterion",
    "sense": "--sense",
    "min_ess": "--min-ess",
    "chunk_size": "--chunk-size",
    "batch": "smasim batch",
}

EXIT_INPUT = 2
EXIT_FAILURE = 1
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM
#: Seconds before a swallowed stop signal is delivered again.
REDELIVERY_DELAY = 0.05


class Interrupted(KeyboardInterrupt):
    """A stop signal (SIGINT or SIGTERM), raised in the main thread like Ctrl-C.

    Being a ``KeyboardInterrupt``, it unwinds through every context manager, so the result
    writer removes its temporary file whichever signal stopped the run.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    # Ignore further signals: a second Ctrl-C must not cut short the cleanup of the first.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    raise Interrupted(signum)


def _redeliver(unraisable: Any) -> None:
    # A signal handler's exception can land where Python swallows exceptions (a weakref
    # callback, a finalizer) and only reports them here: deliver that signal again, a
    # moment later so that it arrives after this hook returns; a stop is never lost.
    if isinstance(unraisable.exc_value, Interrupted):
        install_signal_handlers()
        timer = threading.Timer(
            REDELIVERY_DELAY, os.kill, args=(os.getpid(), unraisable.exc_value.signum)
        )
        timer.daemon = True
        timer.start()
    else:
        sys.__unraisablehook__(unraisable)


def install_signal_handlers() -> None:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (main thread only)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    sys.unraisablehook = _redeliver


#: HDF5 puts the file and errno inside its message text rather than in the exception.
_HDF5_FILENAME = re.compile(r"\b(?:file)?name = '([^']*)'")
_HDF5_ERRNO = re.compile(r"errno = (\d+)")


def describe_input_error(err: SmasimInputError) -> str:
    """An input error as the command line words it: a :class:`ParameterError` names the
    options (``--set``, ``--samples``) where the library names its arguments."""
    return err.worded(OPTION_WORDING) if isinstance(err, ParameterError) else str(err)


def describe_os_error(err: OSError) -> str:
    """One line for a failure while running: which file, what went wrong, what was kept.

    A smasim temporary file is named by the result it was building, and the line says
    whether it was removed. HDF5's multi-line diagnostics are reduced to the system's
    description of their ``errno``.
    """
    text = str(err)
    filename = err.filename
    code = err.errno
    reason = err.strerror
    if filename is None and (match := _HDF5_FILENAME.search(text)):
        filename = match[1]
        if code is None and (found := _HDF5_ERRNO.search(text)):
            code = int(found[1])
        reason = os.strerror(code) if code else None
    reason = (reason or text or type(err).__name__).splitlines()[0]
    if filename is None:
        return reason
    from simcore.io.partial import final_path

    temp = Path(os.fsdecode(filename))
    result = final_path(temp)
    if result is None:
        return f"{temp}: {reason}"
    if temp.exists():
        return f"{result}: {reason}; could not remove the partial file {temp}"
    return f"{result}: {reason}; the partial file was removed, nothing was written"


class InputError(click.ClickException):
    """A usage or input error: one line, exit code 2, no usage text."""

    exit_code = EXIT_INPUT


class RunFailure(click.ClickException):
    """A failure while running (disk full, I/O error): one line, exit code 1."""

    exit_code = EXIT_FAILURE


def _silence_stdout() -> None:
    """Point standard output at the null device: what is still buffered for a closed pipe
    would otherwise fail again when Python flushes it at exit."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. a test's captured output)
        pass
    finally:
        os.close(null)


class CommandEntry(NamedTuple):
    """Where a command lives (``module:attribute`` in this package) and its line in
    ``smasim --help``."""

    location: str
    summary: str


#: Each command, the module of this package that holds it, imported only when used, and its
#: one line in ``smasim --help``: a command pays only for the libraries it needs (``smasim
#: summary`` does not import the engine, dask or scipy), and the list of commands none.
COMMANDS = {
    "init": CommandEntry("init:init_command", "Copy the shipped scenarios into a folder to edit."),
    "run": CommandEntry("run:run_command", "Simulate one scenario into a result file."),
    "batch": CommandEntry("run:batch_command",
                          "Simulate scenarios sharing random numbers into one file."),
    "summary": CommandEntry("summary:summary_command",
                            "Percentiles, means and exceedances of a result file."),
    "compare": CommandEntry("compare:compare_command",
                            "Compare two scenarios path by path (paired differences)."),
    "plot": CommandEntry("plot:plot_command", "Draw a result file's distributions as charts."),
    "budget": CommandEntry("budget:budget_command",
                           "How much to budget each year for a chosen confidence."),
    "report": CommandEntry("report:report_command",
                           "Write one HTML report of result files for readers."),
    "sensitivity": CommandEntry("sensitivity:sensitivity_command",
                                "Which uncertainty drives each year (Shapley effects)."),
    "sweep": CommandEntry("sweep:sweep_command",
                          "Run a scenario over a grid of values, as one batch."),
    "explore": CommandEntry("explore:explore_command",
                            "Run a scenario over a space-filling design of judgments."),
    "discover": CommandEntry("discover:discover_command",
                             "Find the judgments under which an outcome happens (PRIM)."),
    "robust": CommandEntry("robust:robust_command",
                           "Compare an exploration's levers by regret and satisficing."),
    "info": CommandEntry("provenance:info_command",
                         "Describe a file: scenarios, variables, provenance."),
    "validate": CommandEntry("provenance:validate_command",
                             "Check scenario configurations without running them."),
    "rerun": CommandEntry("provenance:rerun_command",
                          "Run a result file again from the configuration it records."),
    "history": CommandEntry("history:history_command",
                            "Print the historical series smasim ships, with sources."),
    "calibrate": CommandEntry("calibrate:calibrate_command",
                              "Estimate the drivers' parameters from history."),
    "backtest": CommandEntry("backtest:backtest_command",
                             "Score the model's intervals against what happened."),
    "elicit": CommandEntry("elicit:elicit_command",
                           "Fit and pool experts' judgments into a scenario."),
    "reweight": CommandEntry("reweight:reweight_command",
                             "A file's summary under other outcome probabilities."),
}


class SmasimGroup(click.Group):
    """Commands loaded on demand; library errors become one line with the contract's codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].location.split(":")
        found = importlib.import_module(f".{module}", __package__)
        command: click.Command = getattr(found, attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The table's lines, not each command's docstring: listing the commands must not
        # import them (and the libraries they need).
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry.summary) for name, entry in COMMANDS.items()])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            raise InputError(
                f"unknown command '{name}'{did_you_mean(name, COMMANDS)} "
                f"(commands: {', '.join(COMMANDS)})"
            )
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`smasim summary … | head -1`): end quietly and
            # successfully, as Unix tools do.
            _silence_stdout()
            ctx.exit(0)
        except SystemExit as err:
            # rich meets a closed pipe the same way, then exits 1 from within.
            if isinstance(err.__context__, BrokenPipeError):
                _silence_stdout()
                ctx.exit(0)
            raise
        except SmasimInputError as err:
            if ctx.meta.get("smasim.debug"):
                raise
            raise InputError(describe_input_error(err)) from err
        except OSError as err:
            if ctx.meta.get("smasim.debug"):
                raise
            from simcore.run.parallel import SchedulerUnreachableError  # only on this error path

            message = (
                err.worded(OPTION_WORDING)
                if isinstance(err, SchedulerUnreachableError)
                else describe_os_error(err)
            )
            raise RunFailure(message) from err
        except MemoryError as err:
            if ctx.meta.get("smasim.debug"):
                raise
            raise RunFailure(
                f"out of memory ({err or 'allocation failed'}); partial output removed; try a "
                "smaller --chunk-size, fewer --workers or --samples, or --float32"
            ) from err
        except KeyboardInterrupt as err:
            if ctx.meta.get("smasim.debug"):
                raise
            signum = getattr(err, "signum", signal.SIGINT)
            click.echo(
                f"Interrupted ({signal.Signals(signum).name}): stopped; partial output "
                "removed, no result file written or changed.",
                err=True,
            )
            ctx.exit(EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT)


@click.group(cls=SmasimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smasim", prog_name="smasim")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Monte Carlo scenarios of US-ROK Special Measures Agreement cost-sharing.

    \b
    Typical use:
      smasim run baseline                         # a shipped scenario → outputs/baseline.h5
      smasim summary outputs/baseline.h5          # percentile tables
      smasim init                                 # copy the shipped scenarios into configs/
      smasim run configs/baseline.toml            # your copy, after editing it
      smasim batch configs/*.toml --samples 1e5   # scenarios sharing random numbers
    """
    ctx.meta["smasim.debug"] = debug



def main() -> None:
    """Console entry point."""
    install_signal_handlers()
    sys.exit(cli.main(prog_name="smasim", standalone_mode=True))

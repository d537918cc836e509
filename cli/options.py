"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

import click

from simcore.config.load import load_scenario
from simcore.config.schema import MAX_SAMPLES, Scenario
from simcore.config.shipped import locate_scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import SmasimInputError, did_you_mean
from simcore.read.choices import HEADLINE_VARIABLES
from simcore.report.formats import FORMATS, LAYOUTS
from simcore.run.parallel import DASK_CHUNK_SIZE, DEFAULT_CHUNK_SIZE

P = ParamSpec("P")

# --- read side: summary, compare, plot -------------------------------------------------------

class Choice(click.Choice):
    """A choice whose refusal is one line naming the closest valid value (exit 2)."""

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> object:
        if isinstance(value, str) and value not in self.choices:
            name = max(param.opts, key=len) if param is not None and param.opts else "value"
            allowed = [str(c) for c in self.choices]
            raise SmasimInputError(
                f"{name}: unknown value '{value}'{did_you_mean(value, allowed)} "
                f"(allowed: {', '.join(allowed)})"
            )
        return super().convert(value, param, ctx)


file_argument = click.argument("file", type=click.Path(path_type=Path))
var_option = click.option(
    "--var",
    "variables",
    multiple=True,
    help=f"Variable (repeatable) [default: {', '.join(HEADLINE_VARIABLES)}].",
)
scenario_option = click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    help="Scenario of a batch file (repeatable) [default: all].",
)
years_option = click.option(
    "--years",
    default=None,
    metavar="YEARS",
    help="Years to show: 2027, 2027-2031 or 2027,2029-2030 [default: all].",
)
real_option = click.option(
    "--real",
    is_flag=True,
    help="Money in base-year prices: USD deflated by each path's US CPI (as "
    "contribution_usd_real), KRW by Korean CPI.",
)
percentiles_option = click.option(
    "--percentiles",
    default=None,
    help="Comma-separated percentiles, e.g. 5,50,80,95 [default: those stored in the file]. "
    "Percentiles not stored are computed from the samples.",
)
exceed_option = click.option(
    "--exceed",
    "thresholds",
    type=float,
    multiple=True,
    metavar="VALUE",
    help="Threshold in the variable's units, e.g. 2e9 USD (repeatable): the probability of "
    "exceeding it per year and in any year shown, with its standard error.",
)


def selection_options(command: Callable[P, None]) -> Callable[P, None]:
    """What ``summary`` and ``reweight`` summarize: ``--var``, ``--scenario``,
    ``--percentiles``, ``--years``, ``--real`` and ``--exceed``."""
    for option in (exceed_option, real_option, years_option, percentiles_option,
                   scenario_option, var_option):
        command = option(command)
    return command


def wants_headline(fmt: str | None, output: Path | None, *chosen: object) -> bool:
    """The headline, rather than tables: a terminal table with nothing chosen (``--detail``
    or any selection implies the tables)."""
    return not any(chosen) and fmt in (None, "table") and output is None


def detail_option(also: str = "") -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``--detail``: the summary tables instead of the headline (``also``: the command's own
    options that imply it, named in the help)."""
    implied = "--var, --scenario, --percentiles, --years, --real, --exceed" + (
        f", {also}" if also else "")
    return click.option(
        "--detail",
        is_flag=True,
        help="The detailed tables (every variable of --var's default, mean and percentiles "
        f"with their errors) instead of the headline. Implied by {implied}.",
    )


format_option = click.option(
    "--format",
    "fmt",
    type=Choice(FORMATS),
    default=None,
    help="table/markdown: readable units, for people; xlsx: an Excel workbook (needs -o), a "
    "sheet per table, numbers in readable units with their errors in columns of their own; "
    "csv/json: the file's units (USD, KRW, fractions), for programs [default: from -o's "
    "suffix (.csv, .json, .md, .xlsx), else table].",
)
layout_option = click.option(
    "--layout",
    type=Choice(LAYOUTS),
    default="long",
    show_default=True,
    help="With csv: long, one record per row in the file's units (as json); wide, the tables "
    "as people read them (years or groups as columns) in readable units, the errors in "
    "columns of their own (as xlsx).",
)
read_output_option = click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file instead of the terminal (refused if it exists, unless "
    "--overwrite).",
)
read_overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace the -o file if it exists."
)

# --- run side --------------------------------------------------------------------------------

#: Largest chunk: 64 blocks (about 3 GB of float64 values in flight per chunk).
MAX_CHUNK_SIZE = 64 * DEFAULT_CHUNK_SIZE


class Count(click.ParamType):
    """A positive whole number, also written as 1e6 or 100_000."""

    name = "count"

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = float(value)
        else:
            try:
                number = float(str(value).replace("_", ""))
            except ValueError:
                self.fail(f"{value!r} is not a number of paths (e.g. 100000 or 1e5)", param, ctx)
        if not number.is_integer() or not 1 <= number <= self.maximum:
            self.fail(f"{value!r} must be a whole number from 1 to {self.maximum:,}", param, ctx)
        return int(number)


samples_option = click.option(
    "--samples",
    type=Count(MAX_SAMPLES),
    default=None,
    help="Paths per scenario (e.g. 100000 or 1e5); overrides run.samples of the config.",
)
seed_option = click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help="Random seed; overrides run.seed of the config (0 is a seed).",
)
chunk_size_option = click.option(
    "--chunk-size",
    type=Count(MAX_CHUNK_SIZE),
    default=None,
    help=f"Samples per unit of work, rounded up to whole blocks of {BLOCK_SIZE:,}. Results do "
    f"not depend on it. [default: {DEFAULT_CHUNK_SIZE:,} in this process, "
    f"{DASK_CHUNK_SIZE:,} per dask task]",
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



# --------------------------------------------------------------------------------------------
# Run side: options of the commands that read configurations and write result files
# (run, batch, rerun, validate).


class ScenarioFile(click.ParamType):
    """CONFIG: a scenario file, or, where no such file exists, ``NAME.toml`` beside it or a
    shipped scenario's name (``baseline``), said on stderr
    (:func:`~simcore.config.shipped.locate_scenario`). Every command that reads a
    configuration takes it through this type, so each finds the shipped scenarios alike."""

    name = "config"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> Path:
        located = locate_scenario(str(value))
        if located.found_as == "shipped":
            click.echo(f"Note: no file {value} here; using the shipped scenario "
                       f"{located.path} (smasim init copies them into a folder to edit)",
                       err=True)
        elif located.found_as == "file":
            click.echo(f"Note: no file {value} here; using {located.path}", err=True)
        return located.path


#: CONFIG of a command that reads one scenario (run, sweep, sensitivity).
config_argument = click.argument("config", type=ScenarioFile())
#: CONFIGS of a command that reads several (batch, validate).
configs_argument = click.argument("configs", nargs=-1, required=True, type=ScenarioFile())

#: Where ``smasim run`` and ``batch`` write when no ``-o`` is given.
DEFAULT_OUTPUT_DIR = Path("outputs")

#: What ``--set`` does, for every command that reads one or more configurations.
_SET_HELP = (
    "Change one value of the configuration without editing the file (repeatable): a "
    "dotted key path and a TOML value, e.g. --set fx.volatility=0.1, --set "
    "negotiation.outcomes.demand.probability=0.3 (an outcome by its name, or [1] by its "
    "index), --set 'pins.fx={2027=1300}'. Applied before validation"
)


def _set_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option("--set", "assignments", metavar="KEY=VALUE", multiple=True,
                        help=help_text)


#: ``--set`` of the commands that read several configurations (run, batch, validate).
set_option = _set_option(f"{_SET_HELP}; a batch applies it to every scenario.")
#: ``--set`` of a command that reads one configuration (sensitivity).
single_set_option = _set_option(f"{_SET_HELP}.")


def run_output_option(default: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """``-o/--output``: the result file a run writes; ``default`` says where it goes without."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help=f"Result file [default: {default}].",
    )


def store_list(ctx: click.Context, param: click.Parameter, value: str | None
               ) -> tuple[str, ...] | None:
    """``--store a,b`` → ``("a", "b")``; ``none`` → ``()``; ``all`` or absent → None (all):
    the callback of every command's ``--store``."""
    if value is None or value.strip().lower() == "all":
        return None
    if value.strip().lower() == "none":
        return ()
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    if not names:
        raise click.BadParameter("name variables, e.g. contribution_usd,rok_share, or none")
    return names


store_option = click.option(
    "--store",
    metavar="VAR[,VAR...]|none",
    default=None,
    callback=store_list,
    help="Keep the paths of these variables only (none: the summary group only, e.g. for "
    "1e8 paths without a 57 GB file); every variable is still summarized, exactly "
    "[default: all].",
)


def simulation_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every simulating command (run, batch) takes, in one order."""
    for option in reversed(
        (samples_option, seed_option, set_option, chunk_size_option, workers_option,
         scheduler_option, float32_option, compress_option, store_option, overwrite_option,
         force_option, quiet_option)
    ):
        command = option(command)
    return command


def batch_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of a command that builds its batch's scenarios itself (sweep, explore):
    those of :func:`simulation_options` but ``--set`` and ``--store``, in the same order."""
    for option in reversed(
        (samples_option, seed_option, chunk_size_option, workers_option, scheduler_option,
         float32_option, compress_option, overwrite_option, force_option, quiet_option)
    ):
        command = option(command)
    return command


def load_config(
    path: Path, assignments: tuple[str, ...], *, samples: int | None, seed: int | None
) -> Scenario:
    """The scenario in ``path`` with the ``--set`` assignments, then --samples and --seed.

    An assignment that fails is one line naming it: ``Error: --set KEY=VALUE: …`` (an
    :class:`~simcore.config.overrides.OverrideError` names its option as any
    :class:`~simcore.core.errors.ParameterError` does).
    """
    scenario = load_scenario(path, overrides=assignments)
    return scenario.with_overrides(samples=samples, seed=seed)

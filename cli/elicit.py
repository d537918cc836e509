"""``smasim elicit``: experts' judgments fitted, pooled, and written into a scenario."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import cast

import click

from simcore.config.load import load_scenario
from simcore.config.shipped import shipped_scenario
from simcore.core.errors import SmasimInputError
from simcore.evidence.elicitation import (
    PooledElicitation,
    PooledJudgment,
    PoolMethod,
    QuantileAnswer,
    elicited_toml,
    pool_judgments,
    read_elicitation,
)
from simcore.io.atomic import refuse_existing, write_text
from simcore.report.formats import TextTable

from .history import format_option, print_table
from .options import Choice, ScenarioFile
from .tables import echo_json

#: The base scenario when neither --base nor the file names one (shipped, not looked up).
DEFAULT_BASE = "baseline"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def _number(value: float, amount: bool) -> str:
    return f"{value / 1e9:.3g}" if amount else f"{value:.3g}"


def _quantiles(values: tuple[float, ...] | list[float], amount: bool) -> str:
    return " / ".join(_number(v, amount) for v in values)


def _print_law_judgment(judgment: PooledJudgment, levels: list[float]) -> None:
    amount = judgment.target.kind == "amount"
    rows = []
    families: list[str] = []
    for expert in judgment.experts:
        answer = expert.answer
        assert isinstance(answer, QuantileAnswer) and expert.law is not None
        fit = next(f for f in expert.fits if f.family == expert.law.family)
        rows.append([expert.expert, f"{expert.weight:.3g}",
                     "/".join(f"P{100 * p:g}" for p in answer.levels),
                     _quantiles(answer.values, amount), _quantiles(fit.fitted_values, amount),
                     expert.law.describe(4), f"{fit.sse:.2g}"])
        if len(expert.fits) > 1:
            families.append(f"{expert.expert}: " + ", ".join(
                f"{f.family} {f.sse:.2g}" for f in expert.fits))
    assert judgment.law is not None
    levels = list(judgment.levels(levels))
    pooled = [float(judgment.law.ppf(level)) for level in levels]
    rows.append([f"{judgment.pool} pool", "1", "/".join(f"P{100 * p:g}" for p in levels),
                 "", _quantiles(pooled, amount),
                 "mixture" if judgment.pool == "linear" else judgment.law.describe(4), ""])
    caption = [f"Sets {judgment.target.key}. Fits: least squares on the CDF points "
               "(SHELF); SSE = Σ (F(value) − level)²."]
    if families:
        caption.append("SSE by family: " + "; ".join(families) + ".")
    if judgment.note:
        caption.append(f"Chosen: {judgment.note}.")
    unit = " [USD bn]" if amount else ""
    print_table(TextTable(f"{judgment.target.name}: {judgment.target.what}",
                          ["expert", "weight", "levels", f"given{unit}", f"fitted{unit}", "law",
                           "SSE"], rows, "\n".join(caption)))


def _print_probability_judgment(judgment: PooledJudgment) -> None:
    assert judgment.probabilities is not None
    experts = judgment.experts
    rows = [[label, *(f"{(e.probabilities or ())[k]:.3f}" for e in experts),
             f"{judgment.probabilities[k]:.3f}"]
            for k, label in enumerate(judgment.labels)]
    weights = ", ".join(f"{e.expert} {e.weight:.3g}" for e in experts)
    given = [e.expert for e in experts if e.dirichlet is not None]
    caption = f"Sets {judgment.target.key}. Weights: {weights}."
    if given:
        caption += (f" {', '.join(given)} gave quantiles of each probability: their Beta "
                    "marginals make a Dirichlet (SHELF's fitDirichlet), whose mean is shown.")
    print_table(TextTable(f"{judgment.target.name}: {judgment.target.what}",
                          ["outcome", *(e.expert for e in experts), f"{judgment.pool} pool"],
                          rows, caption))


def _print(pooled: PooledElicitation) -> None:
    levels = pooled.elicitation.header.levels
    for judgment in pooled.judgments:
        if judgment.law is not None:
            _print_law_judgment(judgment, levels)
        else:
            _print_probability_judgment(judgment)


@click.command("elicit")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--base", "base_path", type=ScenarioFile(), default=None,
              help="Scenario the judgments go into: a file or a shipped scenario's name "
              f"[default: the file's elicitation.base, else the shipped {DEFAULT_BASE}].")
@click.option("--pool", type=Choice(("linear", "log")), default=None,
              help="How experts are pooled: linear (a mixture) or log (the normalized "
              "product) [default: the file's elicitation.pool, else linear].")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the pooled scenario (TOML); its run.name is the file's stem.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Draw each expert beside the pool (.png or .svg).")
@click.option("--overwrite", is_flag=True, help="Replace output files that exist.")
@format_option("table", "json")
def elicit_command(file: Path, base_path: Path | None, pool: str | None, output: Path | None,
                   plot_path: Path | None, overwrite: bool, fmt: str) -> None:
    """Fit and pool the experts' judgments of an elicitation FILE (TOML).

    Each quantile judgment is fitted by least squares on its CDF points (SHELF: Beta for a
    fraction; normal, lognormal and gamma for an amount), the fit error and fitted quantiles
    shown beside the given ones; experts are pooled linearly (the default) or
    logarithmically. With -o, writes the base scenario with the pooled distributions as its
    judgment inputs and the record of who said what (also stored in every result file).
    Format of FILE: docs/spec/CONFIG.md, "Elicitation files".
    """
    refuse_existing(output, overwrite)
    if plot_path is not None:
        # Imported only to draw: matplotlib is slow to load.
        from simcore.report.figure import check_output, save_figure

        check_output(plot_path)
        if plot_path.exists() and not overwrite:
            raise SmasimInputError(f"--plot: {plot_path} exists; pass --overwrite to replace it")
    elicitation = read_elicitation(file)
    base_file = base_path or elicitation.base_path() or shipped_scenario(DEFAULT_BASE)
    base = load_scenario(base_file)
    pooled = pool_judgments(elicitation, base, pool=cast(PoolMethod | None, pool))
    for tie in pooled.ties:
        click.echo(f"Warning: {tie}", err=True)
    text = None
    if output is not None:
        name = output.stem if _NAME.match(output.stem) else "elicited"
        command = shlex.join([
            "smasim", "elicit", str(file), *(["--base", base_file.name] if base_path else []),
            *(["--pool", pool] if pool else []), "-o", output.name])
        text = elicited_toml(base_file.read_text(encoding="utf-8"), pooled, name=name,
                             base_name=base_file.name, command=command,
                             base_dir=base_file.parent, output_dir=output.parent)
    if fmt == "json":
        echo_json(pooled.as_json())
    else:
        _print(pooled)
    if output is not None and text is not None:
        write_text(output, text, overwrite=overwrite)
        if fmt != "json":
            click.echo(f"Wrote {output}")
    if plot_path is not None:
        from simcore.report.elicitation_plot import elicitation_figure

        written = save_figure(elicitation_figure(pooled), plot_path, overwrite=overwrite)
        if fmt != "json":
            click.echo(f"Wrote {written}")

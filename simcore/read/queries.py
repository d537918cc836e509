"""What users read, as rows: a file's selection (:mod:`simcore.read.select`) made into rows
(:mod:`simcore.read.rows`).

Each function here takes a result file and the user's choices and returns rows; render them
with :mod:`simcore.report.render`. Stored statistics are read from the file's ``summary`` group;
anything else (percentiles that are not stored, exceedance, values in base-year prices,
convergence, paired comparisons) is computed from the samples of one variable of one
scenario at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from simcore.core.errors import ParameterError, SmasimInputError, literal
from simcore.read.choices import check_levels, check_thresholds
from simcore.read.rows import (
    AssumptionRow,
    ComparisonRow,
    HeadlineRow,
    OutcomeRow,
    SummaryRow,
    comparison_rows_of,
    convergence_rows_of,
    headline_rows_of,
    outcome_rows_of,
    summary_rows_of,
    troop_assumption,
)
from simcore.read.select import (
    Selection,
    outcome_frequency,
    select,
    stored_configs,
    summary_arrays,
)
from simcore.stats.compare import DEFAULT_SECTIONS, paired_difference
from simcore.stats.convergence import DEFAULT_PRECISION, checkpoints
from simcore.stats.summary import exceedance, summarize_values, value_frequencies

#: The headline: money a newcomer asks about first, per year and over the horizon.
HEADLINE_QUANTITIES = ("contribution_usd", "total_cost_usd", "cum_contribution_usd",
                       "cum_total_cost_usd")
#: Percentiles of a headline cell: low end of the range, median, high end.
HEADLINE_LEVELS = (5.0, 50.0, 95.0)


def levels(selection: Selection, percentiles: Sequence[float] | None) -> list[float]:
    """Percentile levels asked for (checked, without repeats), or those stored in the file."""
    if percentiles is None:
        return selection.stored_levels
    return check_levels(percentiles)


def selection_rows(
    selection: Selection, percentiles: Sequence[float] | None, thresholds: Sequence[float] = ()
) -> list[SummaryRow]:
    """Summary rows of a selection: per scenario, quantity, then year."""
    chosen = levels(selection, percentiles)
    rows: list[SummaryRow] = []
    for scenario in selection.scenarios:
        for item in selection.quantities:
            # A discrete variable (troops) is summarized by the share of paths at each of
            # its values, not by percentiles; from the stored percentiles only where the
            # file keeps no paths of it (a run with --store).
            discrete = item.spec.discrete and selection.has_paths(item)
            wanted = [] if discrete else chosen
            needs_samples = (discrete or bool(thresholds)
                             or bool(selection.missing_levels(item, wanted)))
            # One variable of one scenario in memory at a time, and only when needed.
            samples = selection.values(item, scenario) if needs_samples else None
            moments, pct = selection.statistics(item, scenario, wanted, samples)
            tail = exceedance(samples, thresholds) if samples is not None and thresholds else None
            shares = value_frequencies(samples) if samples is not None and discrete else None
            made = summary_rows_of(item, scenario.name, selection.years, selection.n, moments,
                                   pct, wanted, tail, shares)
            rows += [replace(row, swept=dict(scenario.swept)) for row in made]
    return rows


def summary_rows(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    percentiles: Sequence[float] | None = None,
    real: bool = False,
    exceed: Sequence[float] = (),
) -> list[SummaryRow]:
    """Rows of the percentile summary of a result file.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    variables : sequence of str, optional
        Variable names; default :data:`simcore.read.select.HEADLINE_VARIABLES`.
    scenarios : sequence of str, optional
        Scenario names; default all.
    years : str, optional
        Years text, e.g. ``"2027-2031"``; default every year.
    percentiles : sequence of float, optional
        Default: the percentiles stored in the file. Others are computed from the samples.
    real : bool
        Money in base-year prices (:func:`simcore.read.select.quantity`).
    exceed : sequence of float
        Thresholds, in each variable's units: adds ``P(X > threshold)`` per year, and a
        horizon row (``year=None``) with the probability of exceeding in any chosen year.

    Returns
    -------
    list of SummaryRow
        Per scenario, variable, then year (``year=None`` for horizon rows).
    """
    selection = select(path, variables=variables, scenarios=scenarios, years=years, real=real)
    thresholds = check_thresholds(exceed)
    big = [t for t in thresholds if abs(t) > 1]
    fractions = [q.name for q in selection.quantities if q.spec.kind == "fraction"]
    if big and len(fractions) == len(selection.quantities):
        # Tables show shares and rates in %, but thresholds are in the file's units.
        raise ParameterError(
            f"{{exceed}}: thresholds for {literal(', '.join(fractions))} are fractions "
            "(0.5 = 50%): "
            f"give e.g. 0.5, not {', '.join(f'{t:g}' for t in big)}"
        )
    return selection_rows(selection, percentiles, thresholds)


def headline_rows(path: str | Path) -> list[HeadlineRow]:
    """The headline of a result file: :data:`HEADLINE_QUANTITIES` per scenario and year,
    each the median with its P5–P95 range (:data:`HEADLINE_LEVELS`), from the stored
    statistics; of a file that summarizes only some of them (an exploration), those."""
    selection = select(path, defaults=HEADLINE_QUANTITIES)
    return headline_rows_of(selection_rows(selection, HEADLINE_LEVELS), HEADLINE_LEVELS)


def assumption_rows(path: str | Path) -> list[AssumptionRow]:
    """What each scenario of a result file assumes that its headline does not show: the
    troop level (MODEL.md §5), in words, with the exact share of paths at each level in
    the last year."""
    rows = []
    for scenario, config in stored_configs(path).items():
        run, troops = config["run"], config["troops"]
        pins = {int(year): int(level)
                for year, level in config.get("pins", {}).get("troops", {}).items()}
        rows.append(AssumptionRow(scenario, "troops", troop_assumption(
            troops["levels"], troops["initial"], troops["transition"], pins,
            run["base_year"], run["horizon"])))
    return rows


def convergence_rows(
    path: str | Path,
    *,
    variables: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    years: str | None = None,
    percentiles: Sequence[float] | None = None,
    real: bool = False,
    precision: float = DEFAULT_PRECISION,
    smallest: int = 1000,
) -> list[SummaryRow]:
    """How the mean and percentiles settle as paths accumulate, and how many are needed.

    Each row summarizes the first ``m`` paths of the file for ``m`` in
    :func:`simcore.stats.convergence.checkpoints` (doubling up to all paths). Because every run's
    values never depend on its length, the first ``m`` paths *are* a run of ``m`` paths.

    Parameters
    ----------
    path, variables, scenarios, years, percentiles, real
        As :func:`summary_rows`.
    precision : float
        Target relative half-width of the 95% confidence intervals, e.g. 0.01 for ±1%.
    smallest : int
        Fewest paths at the first checkpoint.

    Returns
    -------
    list of SummaryRow
        Per scenario, variable, year, then checkpoint; ``paths_needed`` holds, for the mean
        and each percentile, :func:`simcore.stats.convergence.paths_needed` from that checkpoint.
    """
    if not 0 < precision < 1:
        raise ParameterError(f"{{precision}}: must lie in (0, 1), e.g. 0.01 (got {precision})")
    selection = select(path, variables=variables, scenarios=scenarios, years=years, real=real)
    wanted = levels(selection, percentiles)
    rows: list[SummaryRow] = []
    for scenario in selection.scenarios:
        for item in selection.quantities:
            samples = selection.values(item, scenario)
            width = selection.width(item)
            # Prefixes of the paths: the first m paths are a run of m paths.
            steps = [
                (m, *summary_arrays(summarize_values(samples[:m], wanted), width))
                for m in checkpoints(selection.n, smallest=smallest)
            ]
            rows += convergence_rows_of(item, scenario.name, selection.years, steps, wanted,
                                        precision)
    return rows


def _check_same_design(first: Selection, second: Selection) -> None:
    """Raise unless path ``i`` of one file used the random inputs of path ``i`` of the other."""
    a, b = first.design(), second.design()
    for key in a:
        if a[key] != b[key]:
            raise SmasimInputError(
                f"compare: {first.path} and {second.path} do not share random inputs: {key} "
                f"differs ({a[key]} vs {b[key]}); run both with the same seed, samples and "
                "sampler, or as one batch"
            )


def comparison_rows(
    path: str | Path,
    other: str | Path | None = None,
    *,
    scenarios: Sequence[str] = (),
    variables: Sequence[str] | None = None,
    years: str | None = None,
    percentiles: Sequence[float] | None = None,
    real: bool = False,
    sections: int = DEFAULT_SECTIONS,
) -> list[ComparisonRow]:
    """Paired differences ``B − A`` under common random numbers.

    Parameters
    ----------
    path : str or Path
        A batch file holding both scenarios, or the file of A.
    other : str or Path, optional
        The file of B, of the same design (seed, samples, sampler, years) as ``path``.
    scenarios : sequence of str
        With one file: exactly two names, A then B. With two files: none (each file holds
        one scenario) or two, the first naming A in ``path``, the second B in ``other``.
    variables, years, percentiles, real
        As :func:`summary_rows`; percentiles default to those stored in ``path``.
    sections : int
        Batches for the percentile intervals (:func:`simcore.stats.compare.paired_difference`).

    Returns
    -------
    list of ComparisonRow
        Per variable, then year.
    """
    if other is None:
        if len(scenarios) != 2:
            raise ParameterError(
                "{scenarios}: give two scenarios of the batch file, A then B (B − A is reported)"
                f" (got {len(scenarios)})"
            )
        side_a = select(path, variables=variables, scenarios=scenarios[:1], years=years,
                        real=real)
        side_b = select(path, variables=variables, scenarios=scenarios[1:], years=years,
                        real=real)
        labels = [side_a.scenarios[0].name, side_b.scenarios[0].name]
    else:
        if len(scenarios) not in (0, 2):
            raise ParameterError(
                "{scenarios}: with two files give none, or two (A in the first file, B in the "
                f"second) (got {len(scenarios)})"
            )
        picks: list[list[str] | None] = [[s] for s in scenarios] or [None, None]
        side_a = select(path, variables=variables, scenarios=picks[0], years=years, real=real)
        side_b = select(other, variables=variables, scenarios=picks[1], years=years, real=real)
        for side in (side_a, side_b):
            if len(side.scenarios) != 1:
                raise ParameterError(
                    f"{{scenarios}}: {literal(side.path)} is a batch of "
                    f"{literal(', '.join(s.name for s in side.scenarios))}; name one scenario "
                    "per file"
                )
        _check_same_design(side_a, side_b)
        labels = [f"{Path(s.path).name}:{s.scenarios[0].name}" for s in (side_a, side_b)]
    wanted = levels(side_a, percentiles)
    rows: list[ComparisonRow] = []
    for item_a, item_b in zip(side_a.quantities, side_b.quantities, strict=True):
        diff = paired_difference(
            side_a.values(item_a, side_a.scenarios[0]),
            side_b.values(item_b, side_b.scenarios[0]),
            wanted,
            sections=sections,
        )
        rows.extend(comparison_rows_of(item_a, labels, side_a.years, diff, wanted))
    return rows


def outcome_rows(path: str | Path, *, scenarios: Sequence[str] | None = None) -> list[OutcomeRow]:
    """The probability of each negotiation outcome per year, from the summary group.

    Parameters
    ----------
    path : str or Path
        A complete smasim result file.
    scenarios : sequence of str, optional
        Scenarios of a batch file (default: all).
    """
    return outcome_rows_of(*outcome_frequency(path, scenarios))

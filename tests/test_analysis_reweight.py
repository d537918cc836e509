"""smasim reweight: histories from stored codes, likelihood ratios, the effective sample size,
agreement with fresh runs, bit-for-bit identity when nothing changes, one-line refusals
(simcore.analysis.reweight, simcore.model.agreement.negotiation_chances, cli/reweight.py)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.analysis.reweight import (
    Judgment,
    history_counts,
    history_tables,
    likelihood_ratios,
    new_judgment,
    reweight,
    reweighted_headline,
    reweighted_rows,
)
from simcore.config.schema import Scenario
from simcore.core.errors import SmasimInputError
from simcore.model.engine import simulate
from simcore.read.queries import HEADLINE_QUANTITIES, headline_rows, summary_rows
from simcore.run.runner import StorageOptions, run_scenarios
from simcore.stats.importance import effective_sample_size, weighted_summary
from simcore.stats.summary import summarize_values
from tests.test_model_reference import MIXED_OUTCOMES

Factory = Callable[..., Scenario]
OLD, NEW = (0.55, 0.35, 0.10), (0.40, 0.50, 0.10)
#: One scheduled negotiation (2031) per path and no early reopening: L_i = w'_k / w_k.
ONE_NEGOTIATION = {"agreement": {"reopen_probability": 0.0}}
DEMAND_HALF = ["negotiation.outcomes.status_quo.probability=0.4",
               "negotiation.outcomes.demand.probability=0.5"]


def _file(tmp_path: Path, scenario: Scenario, name: str = "run") -> Path:
    return run_scenarios([scenario], tmp_path / f"{name}.h5").path


def test_moving_055_035_010_to_040_050_010_gives_the_ratios_and_the_closed_form_ess(
    make_scenario: Factory,
) -> None:
    scenario = make_scenario({"run": {"samples": 20_000}, **ONE_NEGOTIATION})
    codes = simulate(scenario, seed=3)["negotiation_outcome"]
    counts = history_counts(scenario, codes)
    assert np.all(counts.outcomes.sum(axis=1) == 1) and not counts.reopened.any()
    ratios = likelihood_ratios(counts, Judgment(OLD, 0.0), Judgment(NEW, 0.0))
    drawn = counts.outcomes.argmax(axis=1)
    expected = np.array([0.40 / 0.55, 0.50 / 0.35, 0.10 / 0.10])[drawn]
    np.testing.assert_allclose(ratios, expected, rtol=1e-8, atol=0)
    # Kish's n_eff from the outcome counts n_k: (Σ n_k r_k)² / Σ n_k r_k².
    n = counts.outcomes.sum(axis=0)
    r = np.array([0.40 / 0.55, 0.50 / 0.35, 1.0])
    closed = (n @ r) ** 2 / (n @ r**2)
    assert effective_sample_size(ratios) == pytest.approx(closed, rel=1e-12)
    # ... which is n / Σ w'_k² / w_k within its sampling error.
    expected_share = 1 / sum(q * q / p for p, q in zip(OLD, NEW, strict=True))
    assert closed / codes.shape[0] == pytest.approx(expected_share, abs=0.01)


def _history_probability(scenario: Scenario, codes: np.ndarray, judgment: Judgment) -> np.ndarray:
    """The probability of each path's history, by MODEL.md §6 one path at a time (an
    independent replay of the schedule)."""
    agreement = scenario.agreement
    outcomes = scenario.negotiation.outcomes
    lookup = dict(zip(scenario.outcome_codes, range(len(outcomes)), strict=True))
    base = scenario.run.base_year
    probability = np.ones(codes.shape[0])
    for i, row in enumerate(codes.tolist()):
        last_year, holds = agreement.last_year, True
        for t, code in enumerate(row):
            year = base + 1 + t
            scheduled = year > last_year
            known = holds and not scheduled and year in agreement.amounts_krw
            reopenable = not scheduled and not known and agreement.reopen_probability > 0
            if code == -1:
                assert not scheduled
                if reopenable:
                    probability[i] *= 1 - judgment.reopen
                continue
            k = lookup[code]
            probability[i] *= judgment.outcomes[k] * (judgment.reopen if reopenable else 1.0)
            outcome = outcomes[k]
            if outcome.kind == "status_quo":
                if scheduled:
                    last_year = year + outcome.term - 1
            elif outcome.kind == "lapse":
                last_year, holds = year - 1, False
            else:
                last_year, holds = year + outcome.term - 1, False
    return probability


def test_ratios_of_histories_with_reopenings_lapses_and_renewals(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 3000}, "agreement": {
        "last_year": 2027, "reopen_probability": 0.2}, "negotiation": {
            "outcomes": MIXED_OUTCOMES}})
    codes = simulate(scenario, seed=9)["negotiation_outcome"]
    old, new = Judgment.of(scenario), Judgment((0.2, 0.3, 0.5), 0.35)
    counts = history_counts(scenario, codes)
    assert counts.reopened.any() and counts.outcomes[:, 2].max() >= 2  # lapses follow lapses
    ratios = likelihood_ratios(counts, old, new)
    expected = (_history_probability(scenario, codes, new)
                / _history_probability(scenario, codes, old))
    np.testing.assert_allclose(ratios, expected, rtol=1e-12)
    # Unchanged judgment: exactly 1.
    assert np.all(likelihood_ratios(counts, old, old) == 1.0)


def test_paths_that_do_not_follow_the_configuration_are_refused(make_scenario: Factory) -> None:
    scenario = make_scenario({"run": {"samples": 100}, **ONE_NEGOTIATION})
    codes = simulate(scenario, seed=1)["negotiation_outcome"].copy()
    codes[0, 2] = 1  # a demand in 2028, inside the agreement, without reopenings
    with pytest.raises(SmasimInputError, match="not this configuration's"):
        history_counts(scenario, codes)
    codes[0, 2], codes[1, 5] = -1, -1  # no negotiation in the scheduled 2031
    with pytest.raises(SmasimInputError, match="none where one was scheduled"):
        history_counts(scenario, codes)


def test_reweighted_percentiles_agree_with_fresh_runs_over_seeds(make_scenario: Factory) -> None:
    """The baseline re-weighted from (0.55, 0.35, 0.10) to (0.40, 0.50, 0.10) against runs
    at (0.40, 0.50, 0.10) with other seeds: every P50 and P80 of the horizon total and of
    2031's contribution within 3.5 combined standard errors (from each 95 % interval)."""
    base = make_scenario({"run": {"samples": 20_000}})
    fresh = make_scenario({"run": {"samples": 20_000}, "negotiation": {"outcomes": [
        {"kind": "status_quo", "probability": 0.40, "term": 5},
        {"kind": "demand", "probability": 0.50,
         "demand_usd": {"values": [5e9, 10e9], "probabilities": [0.6, 0.4]},
         "concession": {"a": 2.0, "b": 8.0}, "term": 5,
         "escalation": {"rule": "cpi", "cap": 0.05, "lag": 2}},
        {"kind": "lapse", "probability": 0.10, "funding_fraction": 1.0}]}})
    z = 1.959964
    worst = 0.0
    for seed in range(5):
        paths = simulate(base, seed=seed)
        ratios = likelihood_ratios(history_counts(base, paths["negotiation_outcome"]),
                                   Judgment.of(base), Judgment.of(fresh))
        other = simulate(fresh, seed=1000 + seed)
        for name, column in (("cum_contribution_usd", None), ("contribution_usd", 5)):
            values = paths[name] if column is None else paths[name][:, column]
            direct = other[name] if column is None else other[name][:, column]
            weighted = weighted_summary(values, ratios, [50, 80])
            plain = summarize_values(direct, [50, 80])
            for k in range(2):
                se_w = (weighted.percentile_upper[k] - weighted.percentile_lower[k]) / (2 * z)
                se_f = (plain.percentile_upper[k] - plain.percentile_lower[k]) / (2 * z)
                gap = abs(weighted.percentile[k] - plain.percentile[k]) / math.hypot(se_w, se_f)
                worst = max(worst, gap)
    assert worst <= 3.5


def test_the_unchanged_judgment_gives_the_unweighted_summary_bit_for_bit(
    make_scenario: Factory, tmp_path: Path,
) -> None:
    path = _file(tmp_path, make_scenario({"run": {"samples": 5000}}))
    same = ["negotiation.outcomes.demand.probability=0.35"]
    result = reweight(path, same)
    assert result.weights[0].unchanged
    assert reweighted_rows(result) == summary_rows(path)
    assert reweighted_rows(result, percentiles=[12.5, 80], exceed=[1.2e9]) == summary_rows(
        path, percentiles=[12.5, 80], exceed=[1.2e9])
    headline = reweight(path, same, variables=HEADLINE_QUANTITIES)
    assert reweighted_headline(headline) == headline_rows(path)


def test_reweight_summarizes_the_stored_paths_under_the_weights(
    make_scenario: Factory, tmp_path: Path,
) -> None:
    scenario = make_scenario({"run": {"samples": 5000}})
    path = _file(tmp_path, scenario)
    result = reweight(path, DEMAND_HALF, variables=["cum_contribution_usd"])
    weights = result.weights[0]
    assert weights.new.outcomes == pytest.approx(NEW) and not weights.unchanged
    assert "demand 0.35 → 0.5" in weights.describe()
    paths = simulate(scenario, seed=scenario.run.seed or 0)
    expected = weighted_summary(paths["cum_contribution_usd"], weights.ratios, [5, 50, 95])
    (row,) = reweighted_rows(result, percentiles=[5, 50, 95])
    assert row.mean == pytest.approx(float(expected.mean), rel=1e-15)
    assert row.percentiles[50].value == pytest.approx(float(expected.percentile[1]), rel=1e-15)
    # --renormalize: the others keep their proportions.
    renormalized = reweight(path, ["negotiation.outcomes.demand.probability=0.5"],
                            renormalize=True, variables=["cum_contribution_usd"])
    old = renormalized.weights[0].new.outcomes
    assert old[1] == 0.5 and old[0] / old[2] == pytest.approx(5.5) and sum(old) == 1.0


@pytest.mark.parametrize(("assignments", "message"), [
    (["fx.volatility=0.1"], r"fx\.volatility is not a discrete judgment probability"),
    (["negotiation.outcomes.demand.demand_usd=7e9"], "do not record which value each demand"),
    (["negotiation.outcomes.demand.term=3"], "not a discrete judgment probability"),
    (["negotiation.outcomes.demand.probability=0.5"],
     r"sum to 1 \(sum to 1\.15\); --renormalize rescales"),
    (["negotiation.outcomes.demnd.probability=0.5"], "did you mean 'demand'"),
])
def test_what_reweighting_cannot_give_is_refused(
    make_scenario: Factory, assignments: list[str], message: str
) -> None:
    with pytest.raises(SmasimInputError, match=message) as info:
        new_judgment(make_scenario(), assignments)
    assert "\n" not in str(info.value)


def test_outcomes_are_set_by_name_or_by_index(make_scenario: Factory) -> None:
    scenario = make_scenario()
    by_index = new_judgment(scenario, ["negotiation.outcomes[1].probability=0.5"],
                            renormalize=True)
    by_name = new_judgment(scenario, ["negotiation.outcomes.demand.probability=0.5"],
                           renormalize=True)
    assert by_index == by_name
    assert by_name.outcomes == pytest.approx((0.55 * 0.5 / 0.65, 0.5, 0.10 * 0.5 / 0.65),
                                             rel=1e-15)
    assert new_judgment(scenario, ["agreement.reopen_probability=0.1"]).reopen == 0.1


def test_probability_where_the_run_had_none_is_refused(make_scenario: Factory) -> None:
    scenario = make_scenario({"agreement": {"reopen_probability": 0.0}, "negotiation": {
        "outcomes": [{"kind": "status_quo", "probability": 0.9, "term": 5},
                     {"kind": "lapse", "probability": 0.1},
                     {"kind": "increase", "probability": 0.0, "term": 5,
                      "first_year": {"mean": 0.05, "sd": 0.07}}]}})
    with pytest.raises(SmasimInputError, match=r"outcome increase gets probability 0\.1, but "
                                               r"the run gave it 0"):
        new_judgment(scenario, ["negotiation.outcomes.increase.probability=0.1"],
                     renormalize=True)
    with pytest.raises(SmasimInputError, match="the run had no early reopenings"):
        new_judgment(scenario, ["agreement.reopen_probability=0.05"])
    # Taking probability away is fine: those paths get weight 0.
    judgment = new_judgment(scenario, ["negotiation.outcomes.lapse.probability=0",
                                       "negotiation.outcomes.status_quo.probability=1"])
    assert judgment.outcomes == (1.0, 0.0, 0.0)


def test_an_effective_sample_size_below_the_floor_names_the_rerun(
    make_scenario: Factory, tmp_path: Path,
) -> None:
    path = run_scenarios([make_scenario({"run": {"samples": 3000}})], tmp_path / "run.h5",
                         command="smasim run configs/baseline.toml --samples 3000").path
    expected = (r"effective sample size \d+ of 3,000 paths is below the floor of 1,000 "
                r"\(min_ess\).*smasim run configs/baseline\.toml "
                r"--set=negotiation\.outcomes\.status_quo\.probability=0\.0122222222222 .* "
                r"--set=negotiation\.outcomes\.lapse\.probability=0\.98 --samples 3000$")
    with pytest.raises(SmasimInputError, match=expected):
        reweight(path, ["negotiation.outcomes.lapse.probability=0.98"], renormalize=True)
    assert reweight(path, ["negotiation.outcomes.lapse.probability=0.98"], renormalize=True,
                    min_ess=10).weights[0].effective_paths < 1000


def test_reweight_needs_the_outcome_paths(make_scenario: Factory, tmp_path: Path) -> None:
    path = run_scenarios([make_scenario({"run": {"samples": 500}})], tmp_path / "s.h5",
                         storage=StorageOptions(store=["contribution_usd"])).path
    with pytest.raises(SmasimInputError, match="negotiation_outcome has a summary but no paths"):
        reweight(path, DEMAND_HALF, variables=["contribution_usd"])


def test_history_tables_let_a_page_recompute_the_weights_of_every_path(
    make_scenario: Factory, tmp_path: Path,
) -> None:
    """What the report's page computes in JavaScript, here in plain Python from the JSON: each
    pattern's ratio as a product of powers, each path's weight through its pattern, the
    effective sample size from the pattern counts; against the library and an independent
    replay of each path's history."""
    baseline = make_scenario({"run": {"samples": 3000, "name": "baseline"}})
    mixed = make_scenario({"run": {"samples": 3000, "name": "mixed"}, "agreement": {
        "last_year": 2027, "reopen_probability": 0.2}, "negotiation": {
            "outcomes": MIXED_OUTCOMES}})
    path = run_scenarios([baseline, mixed], tmp_path / "batch.h5", batch=True, seed=4).path
    tables = history_tables(path)
    assert [t.scenario for t in tables] == ["baseline", "mixed"]
    assert [t.scenario for t in history_tables(path, ["mixed"])] == ["mixed"]
    new_of = {"baseline": Judgment((0.40, 0.50, 0.10), 0.05),
              "mixed": Judgment((0.2, 0.3, 0.5), 0.35)}
    for scenario, table in zip((baseline, mixed), tables, strict=True):
        record = json.loads(json.dumps(table.as_json()))
        assert record["outcomes"] == list(scenario.outcome_names)
        assert record["columns"] == [*scenario.outcome_names, "reopened", "not_reopened"]
        assert record["probabilities"] == [o.probability for o in scenario.negotiation.outcomes]
        assert record["reopen_probability"] == scenario.agreement.reopen_probability
        patterns, counts, of_path = (record["patterns"], record["paths"],
                                     record["pattern_of_path"])
        assert len({tuple(p) for p in patterns}) == len(patterns) == len(counts)
        assert sum(counts) == len(of_path) == 3000
        assert counts == [of_path.count(j) for j in range(len(patterns))]
        new = new_of[scenario.run.name]
        old = Judgment.of(scenario)
        k = len(old.outcomes)
        page = []
        for row in patterns:
            value = math.prod((b / a) ** n for a, b, n in zip(old.outcomes, new.outcomes,
                                                              row[:k], strict=True) if n)
            value *= (new.reopen / old.reopen) ** row[k] if row[k] else 1.0
            value *= ((1 - new.reopen) / (1 - old.reopen)) ** row[k + 1]
            page.append(value)
        weights = np.array(page)[of_path]
        codes = simulate(scenario, seed=4)["negotiation_outcome"]
        library = likelihood_ratios(history_counts(scenario, codes), old, new)
        np.testing.assert_array_equal(table.ratios(new)[table.pattern_of_path], library)
        np.testing.assert_allclose(weights, library, rtol=1e-13)
        replayed = (_history_probability(scenario, codes, new)
                    / _history_probability(scenario, codes, old))
        np.testing.assert_allclose(weights, replayed, rtol=1e-12)
        c, lj = np.array(counts), np.array(page)
        ess = math.fsum(c * lj) ** 2 / math.fsum(c * lj * lj)
        assert ess == pytest.approx(effective_sample_size(library), rel=1e-12)
    # The mixed scenario has histories of many kinds: reopenings, lapses after lapses.
    mixed_table = tables[1]
    assert len(mixed_table.patterns) > 10 and mixed_table.patterns[:, 3].max() >= 1


# --- The command ----------------------------------------------------------------------------


def test_the_command_prints_the_headline_and_the_tables_in_every_format(
    make_scenario: Factory, tmp_path: Path,
) -> None:
    path = _file(tmp_path, make_scenario({"run": {"samples": 4000}}))
    runner = CliRunner()
    headline = runner.invoke(cli, ["reweight", str(path), *(f"--set={a}" for a in DEMAND_HALF)])
    assert headline.exit_code == 0, headline.output
    assert "contribution_usd [USD bn]" in headline.output
    assert "Re-weighted baseline: status_quo 0.55 → 0.4, demand 0.35 → 0.5; effective sample" in (
        headline.output)
    detail = runner.invoke(cli, ["reweight", str(path), *(f"--set={a}" for a in DEMAND_HALF),
                                 "--var", "cum_contribution_usd", "--format", "json"])
    assert detail.exit_code == 0
    records = json.loads(detail.stdout)["records"]
    plain = json.loads(runner.invoke(cli, ["summary", str(path), "--var",
                                           "cum_contribution_usd", "--format",
                                           "json"]).stdout)["records"]
    assert [set(r) for r in records] == [set(r) for r in plain]
    assert records[0]["p50"] != plain[0]["p50"]
    book_path = tmp_path / "reweighted.xlsx"
    written = runner.invoke(cli, ["reweight", str(path), *(f"--set={a}" for a in DEMAND_HALF),
                                  "--var", "cum_contribution_usd", "-o", str(book_path)])
    assert written.exit_code == 0, written.output
    book = openpyxl.load_workbook(book_path)
    sheet = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert sheet[2][0] == "horizon"
    assert sheet[2][list(sheet[1]).index("P50 [USD bn]")] == pytest.approx(
        records[0]["p50"] / 1e9, rel=1e-15, abs=0.0)
    about = {row[0]: row[1] for row in book["about"].iter_rows(min_row=3, values_only=True)}
    assert about["re-weighting"].startswith("Re-weighted baseline: status_quo 0.55 → 0.4")
    markdown = runner.invoke(cli, ["reweight", str(path), *(f"--set={a}" for a in DEMAND_HALF),
                                   "--var", "cum_contribution_usd", "--format", "markdown"])
    assert "by Woodruff's method" in markdown.stdout
    assert "order statistics" not in markdown.stdout and "effective" in markdown.stdout
    same = runner.invoke(cli, ["reweight", str(path), "--set",
                               "negotiation.outcomes.demand.probability=0.35", "--var",
                               "cum_contribution_usd", "--format", "markdown"])
    assert same.stdout == runner.invoke(cli, ["summary", str(path), "--var",
                                              "cum_contribution_usd", "--format",
                                              "markdown"]).stdout
    refusals = {
        "fx.volatility=0.1": "is not a discrete judgment probability",
        "negotiation.outcomes.demand.demand_usd=7e9": "do not record which value each demand",
        "negotiation.outcomes.lapse.probability=0.98": "below the floor of 1,000 (--min-ess)",
    }
    for assignment, reason in refusals.items():
        refused = runner.invoke(cli, ["reweight", str(path), "--set", assignment,
                                      "--renormalize"])
        assert refused.exit_code == 2 and refused.output.count("\n") == 1, refused.output
        assert refused.output.startswith("Error: reweight: ") and reason in refused.output
    assert "smasim run" in refused.output  # the floor's refusal names the rerun
    missing = runner.invoke(cli, ["reweight", str(path)])
    assert missing.exit_code == 2


"""smasim elicit: the elicitation file, fits and pools against a base scenario, the written
scenario and its record (simcore.evidence.elicitation, cli/elicit.py)."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats
from simcore.cli.main import cli

from simcore.config.load import load_scenario, parse_scenario
from simcore.config.schema import (
    BetaMixture,
    DemandOutcome,
    LapseOutcome,
    Scenario,
    scenario_from_dict,
)
from simcore.core.errors import SmasimInputError
from simcore.evidence.elicitation import (
    elicited_toml,
    pool_judgments,
    read_elicitation,
)
from simcore.stats.elicitation import Distribution, Mixture, fit_distribution
from tests.conftest import BASELINE, ROOT

WORKSHOP = ROOT / "configs" / "elicitation" / "workshop.toml"


def _write(tmp_path: Path, body: str, header: str = "") -> Path:
    path = tmp_path / "judgments.toml"
    path.write_text(f'[elicitation]\ntitle = "test"\nbase = "{BASELINE}"\n{header}\n{body}',
                    encoding="utf-8")
    return path


def _pooled(path: Path, **kwargs: Any) -> Any:
    elicitation = read_elicitation(path)
    return pool_judgments(elicitation, load_scenario(elicitation.base_path() or BASELINE),
                          **kwargs)


def _written(pooled: Any, folder: Path = BASELINE.parent) -> tuple[str, Scenario]:
    """The baseline elicited into a scenario to be written in ``folder``, and it parsed."""
    text = elicited_toml(BASELINE.read_text(), pooled, name="pooled", base_name="baseline.toml",
                         command="smasim elicit judgments.toml -o pooled.toml",
                         base_dir=BASELINE.parent, output_dir=folder)
    return text, parse_scenario(text, base_dir=folder)


def test_the_shipped_workshop_pools_to_the_hand_computed_values() -> None:
    pooled = _pooled(WORKSHOP)
    probabilities = pooled.judgment("probabilities")
    # The average of (0.55, 0.35, 0.10), (0.45, 0.45, 0.10), (0.65, 0.25, 0.10).
    assert probabilities.probabilities == pytest.approx((0.55, 0.35, 0.10), abs=1e-15)
    reopen = pooled.judgment("reopen_probability")
    # C's quartiles make a Beta, written to 4 digits, whose mean is C's probability.
    a, b = (float(f"{p:.4g}") for p in fit_distribution(
        (0.01, 0.02, 0.04), (0.25, 0.5, 0.75), "beta").distribution.parameters)
    assert reopen.probabilities[0] == pytest.approx((0.03 + 0.05 + a / (a + b)) / 3,
                                                    abs=1e-9)
    concession = pooled.judgment("demand.concession")
    assert isinstance(concession.law, Mixture)
    assert concession.law.weights == pytest.approx((1 / 3,) * 3, abs=1e-15)
    for expert, quartiles in zip(concession.experts, ((0.05, 0.12, 0.22), (0.10, 0.20, 0.30),
                                                      (0.02, 0.05, 0.10)), strict=True):
        fit = fit_distribution(quartiles, (0.25, 0.5, 0.75), "beta").distribution
        # Written to 4 significant digits.
        np.testing.assert_allclose(expert.law.parameters, fit.parameters, rtol=5e-4)
    assert pooled.ties == ()


def test_the_log_pool_of_the_workshop_is_the_closed_form_of_its_fits() -> None:
    pooled = _pooled(WORKSHOP, pool="log")
    probabilities = pooled.judgment("probabilities").probabilities
    cube = [(0.55 * 0.45 * 0.65) ** (1 / 3), (0.35 * 0.45 * 0.25) ** (1 / 3),
            (0.1 * 0.1 * 0.1) ** (1 / 3)]
    assert probabilities == pytest.approx([c / sum(cube) for c in cube], abs=1e-9)
    concession = pooled.judgment("demand.concession")
    fits = [e.law for e in concession.experts]
    assert concession.law == Distribution("beta", (
        float(f"{sum(f.parameters[0] for f in fits) / 3:.4g}"),
        float(f"{sum(f.parameters[1] for f in fits) / 3:.4g}")))
    demand = pooled.judgment("demand.demand_usd")
    # One family for all three (the smallest total SSE), then the closed form.
    assert len({e.law.family for e in demand.experts}) == 1
    assert demand.law.family == demand.experts[0].law.family
    assert "smallest total SSE" in demand.note


def test_the_written_scenario_samples_the_pools_and_carries_the_record() -> None:
    pooled = _pooled(WORKSHOP)
    text, scenario = _written(pooled)
    assert text.startswith("# 13th SMA negotiation, three analysts, pooled expert judgment "
                           "(linear pool): smasim elicit")
    demand, lapse = scenario.negotiation.outcomes[1], scenario.negotiation.outcomes[2]
    assert isinstance(demand, DemandOutcome) and isinstance(lapse, LapseOutcome)
    assert demand.concession.law() == pooled.judgment("demand.concession").law
    assert demand.demand_usd.law() == pooled.judgment("demand.demand_usd").law
    assert isinstance(lapse.funding_fraction, BetaMixture)
    assert [o.probability for o in scenario.negotiation.outcomes] == [0.55, 0.35, 0.1]
    assert scenario.agreement.reopen_probability == pytest.approx(0.036018143, abs=1e-12)
    # Untouched keys are the base's; the base's comments are kept.
    base = load_scenario(BASELINE)
    assert scenario.fx == base.fx and scenario.agreement.escalation == base.agreement.escalation
    assert "# 2025 average" in text
    record = scenario.elicitation
    assert record is not None and record.source == "workshop.toml"
    assert [e.name for e in record.experts] == ["A", "B", "C"]
    assert record.experts[0].date == "2026-01-15"
    assert [j.judgment for j in record.judgments] == [
        "probabilities", "reopen_probability", "demand.concession", "demand.demand_usd",
        "lapse.funding_fraction"]
    answer = record.judgments[2].experts[0]
    assert answer.values == [0.05, 0.12, 0.22] and answer.family == "beta"
    # The resolved configuration a result file stores holds the record.
    assert tomllib.loads(scenario.to_toml())["elicitation"]["title"] == \
        "13th SMA negotiation, three analysts"


def test_writing_is_deterministic_and_eliciting_over_an_elicited_base_works(
    tmp_path: Path,
) -> None:
    pooled = _pooled(WORKSHOP)
    first, _ = _written(pooled, tmp_path)
    assert _written(_pooled(WORKSHOP), tmp_path)[0] == first
    # Written elsewhere, the base's tables of draws are named from there.
    assert '"draws/' in _written(pooled)[0] and '"draws/' not in first
    base = tmp_path / "pooled.toml"
    base.write_text(first, encoding="utf-8")
    path = _write(tmp_path, '[[expert]]\nname = "D"\n[expert.judgments]\n'
                  "demand.concession = [0.1, 0.2, 0.3]\n")
    again = pool_judgments(read_elicitation(path), load_scenario(base))
    text = elicited_toml(first, again, name="again", base_name="pooled.toml", command="x",
                         base_dir=tmp_path, output_dir=tmp_path)
    scenario = parse_scenario(text, base_dir=tmp_path)
    assert scenario.inflation == load_scenario(BASELINE).inflation  # the same tables of draws
    assert scenario.elicitation is not None
    assert [e.name for e in scenario.elicitation.experts] == ["D"]
    assert text.splitlines().count("[elicitation]") == 1


def test_quantiles_of_outcome_probabilities_make_a_dirichlet(tmp_path: Path) -> None:
    alpha = (6.0, 3.0, 1.0)
    quartiles = {label: [float(q) for q in stats.beta(a, 10 - a).ppf([0.25, 0.5, 0.75])]
                 for label, a in zip(("status_quo", "demand", "lapse"), alpha, strict=True)}
    body = ('[[expert]]\nname = "A"\n[expert.judgments]\nprobabilities = { '
            + ", ".join(f"{k} = {v}" for k, v in quartiles.items()) + " }\n"
            '[[expert]]\nname = "B"\n[expert.judgments]\n'
            "probabilities = { status_quo = 0.5, demand = 0.4, lapse = 0.1 }\n")
    pooled = _pooled(_write(tmp_path, body))
    judgment = pooled.judgment("probabilities")
    a, b = judgment.experts
    assert b.dirichlet is None
    np.testing.assert_allclose(a.dirichlet, alpha, rtol=1e-3)
    np.testing.assert_allclose(a.probabilities, np.array(a.dirichlet) / sum(a.dirichlet),
                               rtol=1e-15)
    average = (np.array(a.probabilities) + np.array(b.probabilities)) / 2
    np.testing.assert_allclose(judgment.probabilities, average, atol=1e-9)
    # The hook for second-order uncertainty: vectors from the experts' pooled judgments.
    draws = judgment.draw_probabilities(np.random.default_rng(1), 40_000)
    np.testing.assert_allclose(draws.mean(axis=0), judgment.probabilities, atol=0.005)
    assert np.all(draws[:, 1][np.isclose(draws[:, 0], 0.5)] == 0.4)
    record = pooled.record().judgments[0].experts[0]
    assert record.dirichlet is not None and record.quantiles is not None


def test_expert_weights_are_normalized_and_weight_the_pool(tmp_path: Path) -> None:
    body = ('[[expert]]\nname = "A"\nweight = 3\n[expert.judgments]\n'
            "probabilities = { status_quo = 0.5, demand = 0.3, lapse = 0.2 }\n"
            '[[expert]]\nname = "B"\nweight = 1\n[expert.judgments]\n'
            "probabilities = { status_quo = 0.2, demand = 0.5, lapse = 0.3 }\n")
    pooled = _pooled(_write(tmp_path, body))
    assert pooled.weights == {"A": 0.75, "B": 0.25}
    assert pooled.judgment("probabilities").probabilities == pytest.approx(
        (0.425, 0.35, 0.225), abs=1e-12)


def test_second_order_draws_of_a_reopening_use_each_experts_beta(tmp_path: Path) -> None:
    reopen = _pooled(WORKSHOP).judgment("reopen_probability")
    draws = reopen.draw_probabilities(np.random.default_rng(2), 30_000)[:, 0]
    points = np.isin(draws, (0.03, 0.05))
    assert points.mean() == pytest.approx(2 / 3, abs=0.01)
    beta = reopen.experts[2].law
    assert beta is not None
    # C's draws follow C's Beta: their mean is the Beta's mean, within 4 standard errors.
    spread = math.sqrt(beta.mean * (1 - beta.mean) / (sum(beta.parameters) + 1))
    assert draws[~points].mean() == pytest.approx(beta.mean,
                                                  abs=4 * spread / math.sqrt((~points).sum()))
    assert draws.mean() == pytest.approx(reopen.probabilities[0], abs=0.002)


def test_a_judgment_only_some_experts_gave_pools_those(tmp_path: Path) -> None:
    body = ('[[expert]]\nname = "A"\n[expert.judgments]\nreopen_probability = 0.02\n'
            '[[expert]]\nname = "B"\n[expert.judgments]\nreopen_probability = 0.04\n'
            "demand.concession = [0.1, 0.2, 0.3]\n")
    pooled = _pooled(_write(tmp_path, body))
    assert [e.expert for e in pooled.judgment("demand.concession").experts] == ["B"]
    assert pooled.judgment("demand.concession").experts[0].weight == 1.0
    assert pooled.judgment("reopen_probability").probabilities[0] == pytest.approx(0.03)


@pytest.mark.parametrize(("body", "message"), [
    ("[[expert]]\nname = 'A'\n[expert.judgments]\ndemand.concesion = [0.1, 0.2, 0.3]\n",
     r"expert A: judgments\.demand\.concesion: not a judgment baseline takes; did you mean "
     r"'demand\.concession'\?"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\nprobabilities = { status_quo = 0.6, "
     "demand = 0.4 }\n", r"judgments\.probabilities: no probability for lapse"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\nprobabilities = { status_quo = 0.6, "
     "demand = 0.4, lapse = 0.1 }\n", r"judgments\.probabilities: the probabilities must sum "
     r"to 1 \(sum to 1\.1\)"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\nprobabilities = { status_quo = 0.6, "
     "demand = 0.3, war = 0.1 }\n", r"judgments\.probabilities\.war: not an outcome"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\nprobabilities = { status_quo = 0.6, "
     "demand = [0.2, 0.3, 0.4], lapse = 0.1 }\n", "not a mix"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\ndemand.concession = [0.1, 0.3, 1.2]\n",
     r"judgments\.demand\.concession: values must be fractions in \[0, 1\]"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\ndemand.concession = 0.2\n",
     r"judgments\.demand\.concession: give quantiles"),
    ("[[expert]]\nname = 'A'\n[expert.judgments]\ndemand.concession = [0.3, 0.2, 0.4]\n",
     "values must increase"),
    ("[[expert]]\nname = 'A'\nweight = 2\n[expert.judgments]\nreopen_probability = 0.1\n"
     "[[expert]]\nname = 'B'\n[expert.judgments]\nreopen_probability = 0.1\n",
     "give every expert a weight, or none"),
])
def test_judgments_that_cannot_be_used_are_refused_in_one_line(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(SmasimInputError, match=message) as info:
        _pooled(_write(tmp_path, body))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("text", "message"), [
    ('[elicitation]\ntitle = "t"\npool = "geometric"\n[[expert]]\nname = "A"\n'
     "[expert.judgments]\nreopen_probability = 0.1\n",
     r"elicitation\.pool: must be 'linear' or 'log'"),
    ('[elicitation]\ntitle = "t"\n[[expert]]\nnam = "A"\n',
     r"expert\[0\]\.nam: unknown key; did you mean 'name'\?"),
    ('[elicitation]\ntitle = "t"\n[[expert]]\nname = "A"\n[expert.judgments]\nx = 1\n'
     '[[expert]]\nname = "A"\n[expert.judgments]\nx = 1\n', "names must be distinct"),
])
def test_a_malformed_file_names_its_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SmasimInputError, match=message):
        read_elicitation(path)


def test_a_base_without_the_outcome_cannot_take_its_judgment(tmp_path: Path) -> None:
    data = tomllib.loads(BASELINE.read_text())
    status_quo, demand, _ = data["negotiation"]["outcomes"]
    data["negotiation"]["outcomes"] = [status_quo | {"probability": 0.65}, demand]
    data["run"]["name"] = "no-lapse"
    base = tmp_path / "no-lapse.toml"
    base.write_text(scenario_from_dict(data, base_dir=BASELINE.parent).to_toml(), encoding="utf-8")
    path = _write(tmp_path, "[[expert]]\nname = 'A'\n[expert.judgments]\n"
                  "lapse.funding_fraction = [0.8, 0.9, 0.95]\n")
    with pytest.raises(SmasimInputError, match=r"judgments\.lapse\.funding_fraction: not a "
                                               r"judgment no-lapse takes \(judgments: "
                                               r"probabilities, reopen_probability, "
                                               r"demand\.concession, demand\.demand_usd\)"):
        pool_judgments(read_elicitation(path), load_scenario(base))


# --- The command ------------------------------------------------------------------------


def test_elicit_writes_a_scenario_that_validates_and_runs(tmp_path: Path) -> None:
    out, figure = tmp_path / "pooled.toml", tmp_path / "pooled.png"
    result = CliRunner().invoke(cli, ["elicit", str(WORKSHOP), "-o", str(out), "--plot",
                                      str(figure)])
    assert result.exit_code == 0, result.output
    assert "demand.concession: share of the gap that ROK concedes" in result.output
    assert "linear pool" in result.output and f"Wrote {out}" in result.output
    assert figure.stat().st_size > 10_000
    scenario = load_scenario(out)
    assert scenario.run.name == "pooled" and scenario.elicitation is not None
    assert "smasim elicit " in out.read_text().splitlines()[0]
    valid = CliRunner().invoke(cli, ["validate", str(out)])
    assert valid.exit_code == 0, valid.output
    again = CliRunner().invoke(cli, ["elicit", str(WORKSHOP), "-o", str(out)])
    assert again.exit_code == 2 and "exists; pass --overwrite" in again.output


def test_the_workshop_figure_shows_each_expert_beside_the_pool() -> None:
    """One panel per judgment, in order: each expert (by name) then the pool; a density
    panel's pool curve is the pool's density, a probability panel's pool bars its vector."""
    from simcore.report.elicitation_plot import elicitation_figure

    pooled = _pooled(WORKSHOP)
    figure = elicitation_figure(pooled)
    panels = [ax for ax in figure.axes if ax.get_visible()]
    assert len(panels) == len(pooled.judgments) == 5
    for ax, judgment in zip(panels, pooled.judgments, strict=True):
        assert ax.get_title().startswith(f"{judgment.target.name}: ")
        labels = ax.get_legend_handles_labels()[1]
        assert labels[-1] == "linear pool"
        assert [label.split(":")[0] for label in labels[:-1]] == [
            e.expert for e in judgment.experts]
        if judgment.law is not None:
            scale = 1e9 if judgment.target.kind == "amount" else 1.0
            x, y = ax.get_lines()[-1].get_data()
            np.testing.assert_allclose(y, judgment.law.pdf(np.asarray(x) * scale) * scale,
                                       rtol=1e-12)
        else:
            pool_bars = ax.containers[-1]
            np.testing.assert_allclose([bar.get_height() for bar in pool_bars],
                                       [100 * p for p in judgment.probabilities[
                                           :len(judgment.labels)]], rtol=1e-12)


def test_elicit_json_has_the_record_the_values_and_the_pools_quantiles() -> None:
    result = CliRunner().invoke(cli, ["elicit", str(WORKSHOP), "--format", "json", "--pool",
                                      "log"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pool"] == "log" and [e["name"] for e in data["experts"]] == ["A", "B", "C"]
    concession = data["judgments"][2]
    assert concession["judgment"] == "demand.concession"
    law = Distribution("beta", (concession["value"]["a"], concession["value"]["b"]))
    for level, value in concession["pooled_quantiles"].items():
        assert value == pytest.approx(float(law.ppf(float(level))), rel=1e-12)
    assert math.fsum(data["judgments"][0]["value"]) == pytest.approx(1.0, abs=1e-12)


def test_elicit_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[elicitation]\ntitle = "t"\n[[expert]]\nname = "A"\n[expert.judgments]\n'
                   "demand.concession = [0.3, 0.2, 0.4]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["elicit", str(bad), "--base", str(BASELINE)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "values must increase" in result.output
    pool = CliRunner().invoke(cli, ["elicit", str(WORKSHOP), "--pool", "geometric"])
    assert pool.exit_code == 2 and "--pool: unknown value 'geometric'" in pool.output


# --- The record in result files, smasim info and the report -----------------------------------


def test_every_result_file_carries_the_record_and_info_and_the_report_show_it(
    tmp_path: Path,
) -> None:
    from simcore.io.provenance import file_info
    from simcore.report.html.judgment import judgment_section
    from simcore.run.runner import run_scenarios

    _, scenario = _written(_pooled(WORKSHOP))
    baseline = load_scenario(BASELINE)
    scenarios = [s.with_overrides(samples=2_000, seed=5) for s in (baseline, scenario)]
    path = run_scenarios(scenarios, tmp_path / "batch.h5", batch=True).path
    records = file_info(path).elicitations()
    assert list(records) == ["pooled"] and records["pooled"] == scenario.elicitation
    info = CliRunner().invoke(cli, ["info", str(path)])
    assert info.exit_code == 0
    line = next(x for x in info.output.splitlines() if x.strip().startswith("elicitation"))
    assert ("13th SMA negotiation, three analysts (2026-01-15): linear pool of 3 experts "
            "(A 0.333, B 0.333, C 0.333)") in line
    data = json.loads(CliRunner().invoke(cli, ["info", str(path), "--format", "json"]).output)
    assert data["elicitation"]["pooled"]["sha256"] == read_elicitation(WORKSHOP).sha256
    section = judgment_section(records)
    assert section is not None and section.title == "Whose judgment"
    assert "P25 / P50 / P75: 0.05 / 0.12 / 0.22" in section.body
    assert "beta(a=1.001, b=5.524)" in section.body
    assert judgment_section({}) is None
    # The record is not a setting: the appendix of differences leaves it to that section.
    from simcore.report.scenario_notes import config_differences

    keys = [d.key for d in config_differences(file_info(path).configs(), whole=False)]
    assert "agreement.reopen_probability" in keys
    assert not any(key.startswith("elicitation") for key in keys)


def test_the_shipped_pooled_scenario_is_what_elicit_writes() -> None:
    """configs/variants/pooled.toml (docs/howto/reweight.md's workflow) is exactly `smasim elicit
    configs/elicitation/workshop.toml -o pooled.toml` from configs/baseline.toml."""
    variants = ROOT / "configs" / "variants"
    text = elicited_toml(BASELINE.read_text(), _pooled(WORKSHOP), name="pooled",
                         base_name="baseline.toml",
                         command="smasim elicit configs/elicitation/workshop.toml -o pooled.toml",
                         base_dir=BASELINE.parent, output_dir=variants)
    assert text == (variants / "pooled.toml").read_text()
    # The baseline's tables of draws, named from configs/variants/: the drivers are the same.
    pooled, baseline = load_scenario(variants / "pooled.toml"), load_scenario(BASELINE)
    assert (pooled.inflation, pooled.fx) == (baseline.inflation, baseline.fx)

"""configs/history.toml: the baseline with its negotiation outcomes from the record."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from simcore.cli.main import cli

from simcore.config.load import load_scenario
from simcore.core.outcomes import KIND_CODES
from simcore.evidence.calibrate import calibrate
from simcore.evidence.history import load_history
from simcore.model.engine import simulate
from tests.conftest import BASELINE, ROOT

HISTORY = ROOT / "configs" / "history.toml"


def test_history_config_is_what_the_command_writes(tmp_path: Path) -> None:
    out = tmp_path / "history.toml"
    result = CliRunner().invoke(cli, ["calibrate", "--base", str(BASELINE), "--negotiations",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wide" in result.output and "0.875" in result.output
    assert out.read_text(encoding="utf-8") == HISTORY.read_text(encoding="utf-8")
    assert CliRunner().invoke(cli, ["validate", str(out)]).exit_code == 0


def test_history_outcomes_come_from_the_record_and_say_so() -> None:
    scenario = load_scenario(HISTORY)
    fit = calibrate(load_history(), negotiations=True).negotiations
    assert fit is not None
    assert scenario.outcome_names == ["increase", "lapse"]
    increase, lapse = scenario.negotiation.outcomes
    assert increase.probability == fit.increase_probability == 0.875
    assert lapse.probability == fit.lapse_probability == 0.125
    assert increase.first_year.mean == fit.increase_mean
    assert increase.first_year.sd == fit.increase_sd
    base = load_scenario(BASELINE)
    assert scenario.agreement == base.agreement and scenario.troops == base.troops
    text = HISTORY.read_text(encoding="utf-8")
    assert "FROM HISTORY" in text and "judgment: kept from the base config" in text
    assert "No demand outcome" in text


def test_history_first_year_rates_have_the_recorded_mean() -> None:
    scenario = load_scenario(HISTORY).with_overrides(samples=60_000)
    values = simulate(scenario, seed=3)
    outcome, krw = values["negotiation_outcome"], values["contribution_krw"]
    # Paths whose only negotiation is the scheduled one of 2031, ending in `increase`.
    quiet = (outcome[:, :-1] == -1).all(axis=1) & (outcome[:, -1] == KIND_CODES["increase"])
    rate = krw[quiet, -1] / krw[quiet, -2] - 1.0
    fit = scenario.negotiation.outcomes[0].first_year
    # The rate is rounded to 0.001 and the amount to 1e8 KRW: at most 0.0006 apart.
    assert abs(rate.mean() - fit.mean) < 3 * fit.sd / math.sqrt(rate.size) + 6e-4
    assert abs(np.std(rate, ddof=1) - fit.sd) < 3 * fit.sd / math.sqrt(2 * rate.size) + 6e-4

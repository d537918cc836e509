"""`--set KEY=VALUE`: dotted key paths applied to the parsed configuration before validation."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import OPTION_WORDING, cli

from simcore.config.load import load_scenario, parse_scenario
from simcore.config.overrides import OverrideError, apply_overrides, parse_override
from simcore.core.errors import ConfigError, ParameterError
from simcore.io.provenance import file_info
from tests.conftest import BASELINE, ROOT, SCALAR_BASELINE


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_apply_overrides_sets_nested_values_and_never_mutates(
    baseline_dict: dict[str, Any],
) -> None:
    before = copy.deepcopy(baseline_dict)
    changed = apply_overrides(baseline_dict, [
        "fx.volatility=0.1",
        "run.samples=1e5",
        "negotiation.outcomes[1].probability=0.3",
        "agreement.escalation.cap=0.04",
        "pins.fx={2027=1300}",
        "run.name='other'",
    ])
    assert baseline_dict == before
    assert changed["fx"]["volatility"] == 0.1
    assert changed["run"]["samples"] == 100000.0
    assert changed["negotiation"]["outcomes"][1]["probability"] == 0.3
    assert changed["agreement"]["escalation"]["cap"] == 0.04
    assert changed["pins"]["fx"] == {"2027": 1300}
    assert changed["run"]["name"] == "other"
    # Everything else is the file's.
    changed["fx"]["volatility"] = before["fx"]["volatility"]
    assert changed["negotiation"]["outcomes"][0] == before["negotiation"]["outcomes"][0]


def test_a_later_assignment_wins() -> None:
    assert apply_overrides({"a": {"b": 1}}, ["a.b=2", "a.b=3"]) == {"a": {"b": 3}}


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("fx.volatility", "fx.volatility: expected KEY=VALUE"),
        ("fx..volatility=1", "malformed key 'fx..volatility'"),
        ("fx.volatility=abc", "value 'abc' is not a TOML value"),
        ("negotiation.outcomes[3].probability=0.3",
         "negotiation.outcomes has 3 entries; index 3 is past its end (indices 0–2)"),
        ("fx[0]=1", "fx is not a list; it has no [0]"),
        ("fx.volatility.x=1", "fx.volatility is a value (0.074), not a table with key 'x'"),
        ("negotiation.outcomes.probability=0.3",
         "negotiation.outcomes is a list: index it, e.g. negotiation.outcomes[1].probability"),
        ("fx=1", "fx is a table: set one of its keys, e.g. fx.initial=1421.4"),
        ("negotiation.outcomes=1", "negotiation.outcomes is a list of tables: index it, e.g. "
         "negotiation.outcomes[0].kind=VALUE"),
        ("negotiation.outcomes[0].term.x=1", "negotiation.outcomes[0].term is a value (5), not "
         "a table with key 'x'"),
    ],
)
def test_assignments_that_cannot_apply_name_themselves(
    baseline_dict: dict[str, Any], assignment: str, message: str
) -> None:
    with pytest.raises(OverrideError) as caught:
        apply_overrides(baseline_dict, [assignment])
    assert str(caught.value).startswith(f"{assignment}: ")
    assert message in str(caught.value)


def test_parse_override_reads_toml_values() -> None:
    assert parse_override("a.b[2][0].c = [1, 2]").path == ("a", "b", 2, 0, "c")
    assert parse_override("a.b = [1, 2]").value == [1, 2]
    assert parse_override("agreement.amounts_krw.2027=1.5e12").path == (
        "agreement", "amounts_krw", "2027")


def test_load_scenario_with_overrides_validates_the_result() -> None:
    scenario = load_scenario(BASELINE, overrides=["fx.volatility=0.1", "run.samples=1e3",
                                                 "pins.fx={2027=1300}"])
    assert scenario.fx.volatility == 0.1
    assert scenario.run.samples == 1000
    assert scenario.pins.fx == {2027: 1300.0}
    with pytest.raises(OverrideError, match=r"^fx.volatilty=0.1 on .*baseline.toml: unknown "
                                            r"key; did you mean 'volatility'\?"):
        load_scenario(BASELINE, overrides=["fx.volatilty=0.1"])
    with pytest.raises(OverrideError, match=r"^fx.volatility=-1 on .*: must be greater than or "
                                            r"equal to 0 \(got -1\)$"):
        load_scenario(BASELINE, overrides=["run.samples=10", "fx.volatility=-1"])


def test_a_long_value_in_the_way_is_cut_short() -> None:
    with pytest.raises(OverrideError) as caught:
        apply_overrides({"a": {"b": "x" * 100}}, ["a.b.c=1"])
    assert str(caught.value) == f"a.b.c=1: a.b is a value ('{'x' * 38}…), not a table with key 'c'"


def test_a_table_may_still_be_replaced_by_a_table() -> None:
    assert apply_overrides({"pins": {"fx": {"2026": 1}}}, ["pins.fx={2027=2}"]) == {
        "pins": {"fx": {"2027": 2}}}


def test_a_set_into_a_table_the_file_lacks_names_its_required_keys(tmp_path: Path) -> None:
    config = tmp_path / "no-defense.toml"
    config.write_text(_toml_without(SCALAR_BASELINE.read_text(), "defense"))
    with pytest.raises(OverrideError) as caught:
        load_scenario(config, overrides=["defense.volatility=0.02"])
    assert str(caught.value) == (
        f"defense.volatility=0.02 on {config}: the configuration has no [defense] table; one "
        "needs its required keys defense.initial, defense.real_growth as well")


def test_a_value_where_a_table_belongs_is_named_a_table() -> None:
    # A top-level key comes before the first header.
    scenario_text = "pins = 1\n" + _toml_without(SCALAR_BASELINE.read_text(), "pins")
    with pytest.raises(ConfigError, match=r"^<string>: pins is a table: set its keys "
                       r"\(kr_inflation, us_inflation, defense, fx, troops\), not a value$"):
        parse_scenario(scenario_text)


def _toml_without(text: str, table: str) -> str:
    """The TOML ``text`` without its ``[table]`` section (up to the next header)."""
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.split("]")[0].strip("[") == table
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "fx.volatilty=0.1"],
         "Error: --set fx.volatilty=0.1 on {config}: unknown key; did you mean 'volatility'? "
         "(allowed: initial, anchor, reversion, ppp, volatility, real_anchor, draws)\n"),
        (["--set", "negotiation.outcomes[5].probability=0.3"],
         "Error: --set negotiation.outcomes[5].probability=0.3 on {config}: negotiation.outcomes"
         " has 3 entries; index 5 is past its end (indices 0–2)\n"),
        (["--set", "negotiation.outcomes[1].probability=0.3"],
         "Error: --set negotiation.outcomes[1].probability=0.3 on {config}: negotiation.outcomes:"
         " probabilities must sum to 1 (sum to 0.95)\n"),
    ],
)
def test_a_bad_set_is_one_line_exit_2_nothing_written(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.h5"
    for command in (["run", str(BASELINE), "-o", str(out), "-q"], ["validate", str(BASELINE)]):
        code, output = invoke(*command, *args)
        assert code == 2
        assert output == message.format(config=BASELINE)
    assert list(tmp_path.iterdir()) == []


def test_an_assignment_names_itself_from_python_and_the_option_on_the_command_line() -> None:
    with pytest.raises(OverrideError) as caught:
        load_scenario(BASELINE, overrides=["fx.volatility=-1"])
    assert isinstance(caught.value, ParameterError)
    reason = "must be greater than or equal to 0 (got -1)"
    assert str(caught.value) == f"fx.volatility=-1 on {BASELINE}: {reason}"
    assert caught.value.worded(OPTION_WORDING) == f"--set fx.volatility=-1 on {BASELINE}: {reason}"


def test_validate_words_every_bad_assignment_with_its_option(tmp_path: Path) -> None:
    """The errors validate prints before the last are worded as the last one is."""
    other = tmp_path / "other.toml"
    other.write_text(SCALAR_BASELINE.read_text())
    result = CliRunner().invoke(cli, ["validate", str(BASELINE), str(other),
                                      "--set", "fx.volatility=-1"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: --set fx.volatility=-1 on {config}: must be greater than or equal to 0 "
        "(got -1)" for config in (BASELINE, other)
    ]


def test_the_file_stores_the_configuration_as_run_and_rerun_reproduces_it(
    tmp_path: Path,
) -> None:
    out = tmp_path / "set.h5"
    code, output = invoke("run", str(BASELINE), "-o", str(out), "-q", "--samples", "700",
                          "--set", "fx.volatility=0.2", "--set", "pins.fx={2028=1300}")
    assert code == 0, output
    stored = tomllib.loads(file_info(out).configs()["baseline"])
    assert stored["fx"]["volatility"] == 0.2
    assert stored["pins"]["fx"] == {"2028": 1300.0}
    with h5py.File(out) as handle:
        column = list(handle["year"][()]).index(2028)
        assert np.allclose(handle["fx_krw_per_usd"][:, column], 1300.0, rtol=1e-12, atol=0)
    again = tmp_path / "again.h5"
    code, output = invoke("rerun", str(out), "-o", str(again), "-q")
    assert code == 0, output
    with h5py.File(out) as a, h5py.File(again) as b:
        for name in ("fx_krw_per_usd", "contribution_usd", "negotiation_outcome"):
            assert a[name][()].tobytes() == b[name][()].tobytes()


def test_set_applies_to_every_scenario_of_a_batch(tmp_path: Path) -> None:
    out = tmp_path / "batch.h5"
    configs = [str(ROOT / "configs" / f"{n}.toml") for n in ("baseline", "drawdown")]
    code, output = invoke("batch", *configs, "-o", str(out), "-q", "--samples", "300",
                          "--set", "pins.fx={2028=1234.5}")
    assert code == 0, output
    for text in file_info(out).configs().values():
        assert tomllib.loads(text)["pins"]["fx"] == {"2028": 1234.5}
    with h5py.File(out) as handle:
        fx = handle["fx_krw_per_usd"][()]
        years = list(handle["year"][()])
    assert fx.shape[0] == 2
    # Within rounding: the pin is applied on the log scale (exactness is the engine's affair).
    assert np.allclose(fx[:, :, years.index(2028)], 1234.5, rtol=1e-12, atol=0)
    assert not np.allclose(fx[:, :, years.index(2029)], 1234.5, rtol=1e-6, atol=0)


def test_validate_show_prints_the_configuration_with_the_change() -> None:
    code, output = invoke("validate", str(BASELINE), "--set", "agreement.escalation.cap=0.04",
                          "--show")
    assert code == 0, output
    toml_text = output[output.index("[run]"):]
    assert tomllib.loads(toml_text)["agreement"]["escalation"]["cap"] == 0.04

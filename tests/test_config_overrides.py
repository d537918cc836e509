"""`--set KEY=VALUE`: dotted key paths applied to the parsed configuration before validation."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from simcore.cli.main import OPTION_WORDING, cli

from simcore.config.load import load_scenario, parse_scenario
from simcore.config.overrides import (
    OverrideError,
    apply_overrides,
    outcome_key,
    parse_key,
    parse_override,
    resolve_key,
)
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
         "negotiation.outcomes is a list: name or index an outcome first, e.g. "
         "negotiation.outcomes.status_quo.probability (names: status_quo, demand, lapse)"),
        ("negotiation.outcomes.demnd.probability=0.3",
         "no outcome named 'demnd' in negotiation.outcomes; did you mean 'demand'? (names: "
         "status_quo, demand, lapse)"),
        ("negotiation.outcomes.war.probability=0.3",
         "no outcome named 'war' in negotiation.outcomes (names: status_quo, demand, lapse)"),
        ("troops.levels.first=1", "troops.levels is a list: index it, e.g. troops.levels[1]"),
        ("fx=1", "fx is a table: set one of its keys, e.g. fx.initial=1421.4"),
        ("negotiation.outcomes=1", "negotiation.outcomes is a list of tables: name or index an "
         "outcome, e.g. negotiation.outcomes.status_quo.probability=VALUE or "
         "negotiation.outcomes[0].probability=VALUE"),
        ("negotiation.outcomes.demand.concession=1", "negotiation.outcomes.demand.concession is "
         "a table: set one of its keys, e.g. negotiation.outcomes.demand.concession.a=2.0"),
        ("negotiation.outcomes.demand.demand_usd.values[5]=1", "negotiation.outcomes.demand."
         "demand_usd.values has 2 entries; index 5 is past its end (indices 0–1)"),
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


def test_an_outcome_is_set_by_its_name_or_its_index() -> None:
    by_name = load_scenario(BASELINE, overrides=[
        "negotiation.outcomes.demand.probability=0.5",
        "negotiation.outcomes.status_quo.probability=0.4",
        "negotiation.outcomes.demand.demand_usd=10e9",
        "negotiation.outcomes.demand.concession.a=3",
    ])
    by_index = load_scenario(BASELINE, overrides=[
        "negotiation.outcomes[1].probability=0.5",
        "negotiation.outcomes[0].probability=0.4",
        "negotiation.outcomes[1].demand_usd={values=[10e9], probabilities=[1.0]}",
        "negotiation.outcomes[1].concession.a=3",
    ])
    assert by_name == by_index
    demand = by_name.negotiation.outcomes[1]
    assert (demand.probability, demand.concession.a) == (0.5, 3.0)
    assert demand.demand_usd.values == [10e9] and demand.demand_usd.probabilities == [1.0]
    # The rest of the distribution's table may be set by key as before.
    two = load_scenario(BASELINE, overrides=[
        "negotiation.outcomes.demand.demand_usd.values=[8e9, 12e9]"])
    assert two.negotiation.outcomes[1].demand_usd.values == [8e9, 12e9]


def test_a_name_is_found_as_the_earlier_assignments_left_the_configuration() -> None:
    scenario = load_scenario(BASELINE, overrides=[
        "negotiation.outcomes.demand.name='big'", "negotiation.outcomes.big.term=4"])
    assert scenario.outcome_names == ["status_quo", "big", "lapse"]
    assert scenario.negotiation.outcomes[1].term == 4
    with pytest.raises(OverrideError, match=r"^negotiation.outcomes.big.term=0 on .*: must be "
                                            r"greater than or equal to 1 \(got 0\)$"):
        load_scenario(BASELINE, overrides=["negotiation.outcomes.demand.name='big'",
                                           "negotiation.outcomes.big.term=0"])


def test_an_unnamed_outcome_is_addressed_by_its_default_name() -> None:
    """A file without names (written before outcomes had them): the kind, numbered."""
    data = tomllib.loads(SCALAR_BASELINE.read_text())
    for outcome in data["negotiation"]["outcomes"]:
        del outcome["name"]
    data["negotiation"]["outcomes"].append(
        copy.deepcopy(data["negotiation"]["outcomes"][1]) | {"probability": 0.0})
    changed = apply_overrides(data, ["negotiation.outcomes.demand_2.term=7"])
    assert changed["negotiation"]["outcomes"][3]["term"] == 7
    assert "name" not in changed["negotiation"]["outcomes"][3]


def test_the_key_parser_is_public_for_other_commands(baseline_dict: dict[str, Any]) -> None:
    assert parse_key("negotiation.outcomes.demand.probability") == (
        "negotiation", "outcomes", "demand", "probability")
    assert resolve_key(baseline_dict, "negotiation.outcomes.lapse.funding_fraction") == (
        "negotiation", "outcomes", 2, "funding_fraction")
    assert resolve_key(baseline_dict, "negotiation.outcomes[1].probability") == (
        "negotiation", "outcomes", 1, "probability")
    assert resolve_key(baseline_dict, "pins.fx.2027") == ("pins", "fx", "2027")
    # What reweight or explore needs to know of a key: which outcome's which value it sets.
    assert outcome_key(resolve_key(baseline_dict, "negotiation.outcomes.lapse.probability")) \
        == (2, "probability")
    assert outcome_key(resolve_key(baseline_dict, "negotiation.outcomes.demand.concession.a")) \
        is None
    assert outcome_key(("fx", "volatility")) is None
    # A validated scenario's mapping works as well as the parsed file.
    dumped = load_scenario(BASELINE).model_dump()
    assert resolve_key(dumped, "negotiation.outcomes.demand") == ("negotiation", "outcomes", 1)
    with pytest.raises(OverrideError, match=r"^--vary negotiation.outcomes.demnd.probability=0:1: "
                                            r"no outcome named 'demnd'"):
        resolve_key(baseline_dict, "negotiation.outcomes.demnd.probability",
                    assignment="--vary negotiation.outcomes.demnd.probability=0:1")


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
        (["--set", "negotiation.outcomes.demnd.probability=0.3"],
         "Error: --set negotiation.outcomes.demnd.probability=0.3 on {config}: no outcome named "
         "'demnd' in negotiation.outcomes; did you mean 'demand'? (names: status_quo, demand, "
         "lapse)\n"),
        (["--set", "negotiation.outcomes.demand.term=0"],
         "Error: --set negotiation.outcomes.demand.term=0 on {config}: must be greater than or "
         "equal to 1 (got 0)\n"),
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


def test_the_documented_demand_change_by_name_runs(tmp_path: Path) -> None:
    """The how-to's example (docs/howto/change-a-value.md) runs as written, and the file
    records the changed demand."""
    text = (ROOT / "docs" / "howto" / "change-a-value.md").read_text()
    block = text[text.index("## Change the demand's size and probability"):]
    block = block[: block.index("## From Python")]
    assignments = re.findall(r"--set (\S+)", block)
    assert len(assignments) == 3
    out = tmp_path / "demand.h5"
    code, output = invoke("run", str(BASELINE), "-o", str(out), "-q", "--samples", "2000",
                          *[arg for a in assignments for arg in ("--set", a)])
    assert code == 0, output
    stored = parse_scenario(file_info(out).configs()["baseline"])
    status_quo, demand, lapse = stored.negotiation.outcomes
    assert (status_quo.probability, demand.probability, lapse.probability) == (0.4, 0.5, 0.1)
    assert demand.demand_usd.values == [10e9] and demand.demand_usd.probabilities == [1.0]

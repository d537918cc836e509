"""The configuration contract (CONFIG.md): defaults, validation, one-line errors."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from simcore.config.load import load_scenario, parse_scenario
from simcore.config.schema import scenario_from_dict
from simcore.core.errors import ConfigError, ParameterError
from tests.conftest import ROOT, deep_update


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_configs_are_valid_and_say_what_they_answer(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.run.name == path.stem
    assert path.read_text().startswith("# "), "each config starts with the question it answers"


def test_baseline_values_and_defaults(baseline_dict: dict[str, Any]) -> None:
    data = copy.deepcopy(baseline_dict)
    for key in ("percentiles", "discount_rate", "sampler"):
        del data["run"][key]
    del data["shocks"]
    del data["agreement"]["rate_step"], data["agreement"]["amount_step"]
    del data["agreement"]["reopen_probability"], data["agreement"]["amounts_krw"]
    del data["rok_other_support"], data["pins"]
    del data["us_cost"]["troop_elasticity"]
    del data["negotiation"]["outcomes"][2]["funding_fraction"]
    scenario = scenario_from_dict(data)
    assert scenario.run.sampler == "mc"
    assert scenario.run.percentiles == [5, 10, 25, 50, 75, 90, 95]
    assert scenario.run.discount_rate == 0.03
    assert scenario.shocks.distribution == "normal"
    assert scenario.shocks.drivers == ["kr_inflation", "us_inflation", "fx", "defense"]
    assert (scenario.shocks.full_correlation() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0],
                                                   [0, 0, 0, 1]]).all()
    assert scenario.agreement.rate_step == 0.001
    assert scenario.agreement.amount_step == 1e8
    assert scenario.agreement.reopen_probability == 0.0
    assert scenario.agreement.amounts_krw == {}
    assert scenario.rok_other_support.base_krw == 0.0
    assert scenario.us_cost.troop_elasticity == 1.0
    assert scenario.negotiation.outcomes[2].funding_fraction == 1.0
    assert scenario.run.seed == 20261128


def test_rule_lag_defaults(baseline_dict: dict[str, Any]) -> None:
    data = deep_update(copy.deepcopy(baseline_dict),
                       {"agreement": {"escalation": {"rule": "defense_budget"}}})
    assert scenario_from_dict(data).agreement.escalation.lag == 1
    data = deep_update(copy.deepcopy(baseline_dict), {"agreement": {"escalation": {"rule": "cpi"}}})
    assert scenario_from_dict(data).agreement.escalation.lag == 2


def test_resolved_toml_round_trips(baseline_dict: dict[str, Any]) -> None:
    scenario = scenario_from_dict(baseline_dict)
    again = parse_scenario(scenario.to_toml())
    assert again == scenario
    assert again.config_hash() == scenario.config_hash()


def test_integral_floats_are_integers(baseline_dict: dict[str, Any]) -> None:
    data = deep_update(copy.deepcopy(baseline_dict), {"run": {"samples": 1e6}})
    assert scenario_from_dict(data).run.samples == 1_000_000


def test_overrides_are_validated(baseline_dict: dict[str, Any]) -> None:
    scenario = scenario_from_dict(baseline_dict)
    assert scenario.with_overrides(samples=7, seed=0).run.seed == 0
    with pytest.raises(ConfigError, match=r"run\.samples"):
        scenario.with_overrides(samples=0)


def test_an_override_refused_names_the_argument_not_the_command_line(
    baseline_dict: dict[str, Any],
) -> None:
    scenario = scenario_from_dict(baseline_dict)
    with pytest.raises(ParameterError) as caught:
        scenario.with_overrides(samples=0, seed=3)
    assert str(caught.value) == ("samples: run.samples: must be greater than or equal to 1 "
                                 "(got 0)")
    assert caught.value.worded({"samples": "--samples", "seed": "--seed"}).startswith(
        "--samples: run.samples:")
    with pytest.raises(ConfigError) as caught:
        scenario.with_overrides(samples=10, seed=-1)
    assert str(caught.value).startswith("seed: run.seed: must be greater than or equal to 0")


BAD = [
    ({"run": {"samples": 0}}, r"run\.samples: .*greater than or equal to 1"),
    ({"run": {"samples": 1e11}}, r"run\.samples: .*less than or equal to 10000000000"),
    ({"run": {"horizon": 0}}, r"run\.horizon"),
    ({"run": {"samples": 2.5}}, r"run\.samples: .*integer"),
    ({"run": {"samples": "many"}}, r"run\.samples"),
    ({"run": {"sampler": "halton"}}, r"run\.sampler: .*'mc', 'sobol' or 'lhs'"),
    ({"run": {"percentiles": [5, 101]}}, r"run\.percentiles: percentiles must lie in \[0, 100\]"),
    ({"run": {"name": "a b/c"}}, r"run\.name"),
    ({"inflation": {"kr": {"persistence": 1.0}}}, r"inflation\.kr\.persistence: .*less than 1"),
    ({"inflation": {"us": {"volatility": -0.1}}}, r"inflation\.us\.volatility: .*greater than"),
    ({"fx": {"reversion": 1.5}}, r"fx\.reversion"),
    ({"fx": {"initial": 0}}, r"fx\.initial"),
    ({"shocks": {"distribution": "student_t", "dof": 2}}, r"shocks\.dof: .*greater than 2"),
    ({"shocks": {"distribution": "student_t", "dof": None}}, r"shocks\.dof: required"),
    ({"shocks": {"correlation": [[1, 0.5], [0.5, 1]]}}, r"shocks\.correlation: must be a 4x4"),
    ({"shocks": {"correlation": [[1, 0.9, 0.9, 0], [0.9, 1, -0.9, 0], [0.9, -0.9, 1, 0],
                                 [0, 0, 0, 1]]}},
     r"shocks\.correlation: must be positive semi-definite \(smallest eigenvalue -0\.\d+\)"),
    ({"shocks": {"correlation": [[1, 0.5, 0, 0], [0.4, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}},
     r"shocks\.correlation: must be symmetric \(entries \[\(0, 1\)\]"),
    ({"shocks": {"correlation": [[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}},
     r"shocks\.correlation: diagonal must be 1"),
    ({"shocks": {"drivers": ["fx", "fx"]}}, r"shocks\.drivers: drivers must be distinct"),
    ({"shocks": {"drivers": ["oil"]}}, r"shocks\.drivers\[0\]"),
    ({"troops": {"initial": 1000}}, r"troops\.initial: must be one of troops\.levels"),
    ({"troops": {"transition": [[0.9, 0.05], [0, 1]]}}, r"troops\.transition\[0\]: row must sum"),
    ({"troops": {"transition": [[1.2, -0.2], [0, 1]]}}, r"troops\.transition\[0\]\[0\]"),
    ({"troops": {"transition": [[1.0]]}}, r"troops\.transition: must be a 2x2"),
    ({"agreement": {"last_year": 2024}}, r"agreement\.last_year: must be >= run\.base_year"),
    ({"agreement": {"amounts_krw": {2031: 1e12}}}, r"agreement\.amounts_krw\.2031"),
    ({"agreement": {"amounts_krw": {2025: 1e12}}}, r"agreement\.amounts_krw\.2025"),
    ({"agreement": {"escalation": {"rule": "cpi", "lag": 3}}}, r"agreement\.escalation\.lag"),
    ({"agreement": {"escalation": {"rule": "defense_budget", "lag": 2}}},
     r"agreement\.escalation\.lag"),
    ({"agreement": {"escalation": {"rule": "cpi", "cap": 0.01, "floor": 0.02}}},
     r"agreement\.escalation: cap \(0\.01\) must not be below floor"),
    ({"agreement": {"escalation": {"rule": "magic"}}},
     r"agreement\.escalation\.rule: unknown value 'magic' \(allowed: 'fixed', 'cpi'"),
    ({"agreement": {"reopen_probability": 1.5}}, r"agreement\.reopen_probability"),
    ({"agreement": {"escalation": {"rule": "defense_budget"}}, "defense": None},
     r"defense: the \[defense\] section is required"),
    ({"pins": {"kr_inflation": {2025: 0.03}}}, r"pins\.kr_inflation\.2025: pin years"),
    ({"pins": {"troops": {2027: 20000}}}, r"pins\.troops\.2027: must be one of troops\.levels"),
    ({"pins": {"oil": {2027: 1}}}, r"pins\.oil: unknown key"),
    ({"run": None}, r"^test: run: required key is missing"),
    # A file written before the key existed fails, saying what 0 and 1 mean (0 = its old rule)
    ({"us_cost": {"offset_share": None}},
     r"us_cost\.offset_share: required key is missing: .* 1 = it replaces it .* 0 = it pays "
     r"for new spending \(the rule before 0\.2\.0"),
    ({"us_cost": {"offset_share": 1.5}}, r"us_cost\.offset_share: .*less than or equal to 1"),
]


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m for _, m in BAD])
def test_invalid_configs_name_the_key(
    baseline_dict: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    data = deep_update(copy.deepcopy(baseline_dict), copy.deepcopy(changes))
    with pytest.raises(ConfigError, match=message) as info:
        scenario_from_dict(data, source="test")
    assert "\n" not in str(info.value)


def test_outcome_probabilities_must_sum_to_one(baseline_dict: dict[str, Any]) -> None:
    baseline_dict["negotiation"]["outcomes"][0]["probability"] = 0.5
    with pytest.raises(ConfigError, match=r"negotiation\.outcomes: probabilities must sum to 1"):
        scenario_from_dict(baseline_dict)


def test_demand_distribution_checked(baseline_dict: dict[str, Any]) -> None:
    baseline_dict["negotiation"]["outcomes"][1]["demand_usd"]["probabilities"] = [0.6, 0.3]
    with pytest.raises(ConfigError, match=r"negotiation\.outcomes\[1\]\.demand_usd: probabilities"):
        scenario_from_dict(baseline_dict)


def test_beta_parameters_positive(baseline_dict: dict[str, Any]) -> None:
    baseline_dict["negotiation"]["outcomes"][1]["concession"]["a"] = 0
    with pytest.raises(ConfigError, match=r"negotiation\.outcomes\[1\]\.concession\.a"):
        scenario_from_dict(baseline_dict)


def test_outcome_kind_must_be_known(baseline_dict: dict[str, Any]) -> None:
    baseline_dict["negotiation"]["outcomes"][1]["kind"] = "war"
    message = r"negotiation\.outcomes\[1\]\.kind: unknown value 'war' .*'status_quo'"
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict(baseline_dict)


def test_shipped_outcomes_are_named_by_their_kind() -> None:
    # Scenarios only: configs/elicitation holds elicitation files (smasim elicit's input).
    scenarios = [path for path in sorted((ROOT / "configs").rglob("*.toml"))
                 if "elicitation" not in path.parts]
    names = {path.stem: load_scenario(path).outcome_names for path in scenarios}
    assert names["baseline"] == ["status_quo", "demand", "lapse"]
    assert names["history"] == ["increase", "lapse"]
    assert names["lapse"] == ["lapse"] and names["us-demand-2027"] == ["demand"]
    for path in scenarios:
        # Named in the file itself, not by default: a reader sees the name --set uses.
        written = tomllib.loads(path.read_text())["negotiation"]["outcomes"]
        assert [o["name"] for o in written] == [o["kind"] for o in written] == names[path.stem]


def test_an_outcome_without_a_name_is_named_by_its_kind(baseline_dict: dict[str, Any]) -> None:
    for outcome in baseline_dict["negotiation"]["outcomes"]:
        outcome.pop("name", None)
    extra = copy.deepcopy(baseline_dict["negotiation"]["outcomes"][1]) | {"probability": 0.0}
    baseline_dict["negotiation"]["outcomes"].append(extra)
    scenario = scenario_from_dict(baseline_dict)
    assert scenario.outcome_names == ["status_quo", "demand", "lapse", "demand_2"]
    assert scenario.outcome_codes == [0, 1, 2, 9]
    # The resolved TOML (stored in every result file) carries the names.
    assert 'name = "demand_2"' in scenario.to_toml()
    assert parse_scenario(scenario.to_toml()) == scenario


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["a", "b", "a"], r"^test: negotiation\.outcomes\[2\]\.name: 'a' is already the name of "
                          r"negotiation\.outcomes\[0\]; outcome names must be unique within a "
                          r"scenario$"),
        # A given name that is another outcome's default is a repeat too.
        ([None, "status_quo", None], r"negotiation\.outcomes\[1\]\.name: 'status_quo' is "
                                     r"already the name of negotiation\.outcomes\[0\]"),
        (["big demand", None, None], r"^test: negotiation\.outcomes\[0\]\.name: must be a "
                                     r"letter, then up to 63 letters, digits, '_' or '-'"),
        (["2x", None, None], r"negotiation\.outcomes\[0\]\.name: must be a letter"),
        ([5, None, None], r"negotiation\.outcomes\[0\]\.name: must be a valid string"),
    ],
)
def test_outcome_names_are_unique_keys(
    baseline_dict: dict[str, Any], names: list[Any], message: str
) -> None:
    for outcome, name in zip(baseline_dict["negotiation"]["outcomes"], names, strict=True):
        outcome.pop("name", None)
        if name is not None:
            outcome["name"] = name
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict(baseline_dict, source="test")


def test_too_many_outcomes_of_one_kind(baseline_dict: dict[str, Any]) -> None:
    lapse = {"kind": "lapse", "probability": 0.0}
    baseline_dict["negotiation"]["outcomes"] += [copy.deepcopy(lapse) for _ in range(16)]
    with pytest.raises(ConfigError, match=r"negotiation\.outcomes: at most 16 outcomes of one "
                                          r"kind \('lapse' has 17\)"):
        scenario_from_dict(baseline_dict)


def test_one_demand_amount_is_that_amount_with_probability_one(
    baseline_dict: dict[str, Any],
) -> None:
    baseline_dict["negotiation"]["outcomes"][1]["demand_usd"] = 10e9
    demand = scenario_from_dict(baseline_dict).negotiation.outcomes[1]
    assert demand.demand_usd.values == [10e9] and demand.demand_usd.probabilities == [1.0]
    baseline_dict["negotiation"]["outcomes"][1]["demand_usd"] = 0
    with pytest.raises(ConfigError, match=r"negotiation\.outcomes\[1\]\.demand_usd: must be a "
                                          r"positive amount, or a table of values and "
                                          r"probabilities \(got 0\)$"):
        scenario_from_dict(baseline_dict)


@pytest.mark.parametrize(
    ("section", "key", "suggestion"),
    [
        ("inflation.kr", "persistance", "persistence"),
        ("run", "sample", "samples"),
        ("agreement", "lastyear", "last_year"),
    ],
)
def test_misspelt_key_suggests_the_closest(
    baseline_dict: dict[str, Any], section: str, key: str, suggestion: str
) -> None:
    table = baseline_dict
    for part in section.split("."):
        table = table[part]
    table[key] = table.pop(suggestion)
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(baseline_dict)
    text = str(info.value)
    assert f"{section}.{key}: unknown key; did you mean '{suggestion}'?" in text
    assert "required key is missing" not in text  # the misspelling is reported once


def test_unknown_key_in_an_outcome_and_a_rule(baseline_dict: dict[str, Any]) -> None:
    baseline_dict["negotiation"]["outcomes"][1]["terms"] = 5
    baseline_dict["agreement"]["escalation"]["capp"] = 0.1
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(baseline_dict)
    text = str(info.value)
    assert "negotiation.outcomes[1].terms: unknown key; did you mean 'term'?" in text
    assert "agreement.escalation.capp: unknown key; did you mean 'cap'?" in text


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml: no such file"):
        load_scenario(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        load_scenario(tmp_path)
    empty = tmp_path / "empty.toml"
    empty.write_text("\n")
    with pytest.raises(ConfigError, match=r"empty\.toml: the file is empty"):
        load_scenario(empty)
    broken = tmp_path / "broken.toml"
    broken.write_text("[run]\nname = \n")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML: .*line 2, column 8"):
        load_scenario(broken)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not a text file"):
        load_scenario(binary)


@pytest.mark.parametrize(("key", "shown"), [("\n", r'run."\n"'), ("a b", 'run."a b"')])
def test_a_key_that_is_not_bare_is_quoted_and_the_error_stays_one_line(
    baseline_dict: dict[str, Any], key: str, shown: str
) -> None:
    """Found by the mutation property: a newline in a key broke the one-line error."""
    baseline_dict["run"][key] = 1
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict(baseline_dict, source="t")
    assert "\n" not in str(caught.value)
    assert f"{shown}: unknown key" in str(caught.value)


@pytest.mark.parametrize(
    ("index", "key", "value", "message"),
    [
        (1, "concession", {"mixture": [{"weight": 0.5, "a": 2.0, "b": 8.0},
                                       {"weight": 0.6, "a": 3.0, "b": 3.0}]},
         r"^test: negotiation\.outcomes\[1\]\.concession: mixture weights must sum to 1 "
         r"\(sum to 1\.1\)$"),
        (1, "concession", {"mixture": [{"weight": 1.0, "a": 2.0, "bb": 8.0}]},
         r"concession\.mixture\[0\]\.bb: unknown key; did you mean 'b'\? \(allowed: weight, a, "
         r"b\)"),
        (1, "concession", {"a": 2.0, "bb": 8.0},
         r"concession\.bb: unknown key; did you mean 'b'\? \(allowed: a, b\)"),
        (1, "concession", 0.3, r"concession is a table: set its keys \(a, b\), not a value"),
        (1, "demand_usd", {"mixture": [{"weight": 1.0, "family": "normal", "mean": 6e9,
                                        "sd": 1e9}]},
         r"demand_usd\.mixture\[0\]\.family: unknown value 'normal' \(allowed: 'lognormal', "
         r"'gamma'\)"),
        (1, "demand_usd", {"mixture": [{"weight": 1.0, "family": "gamma", "shape": 2.0,
                                        "scale": -1.0}]},
         r"demand_usd\.mixture\[0\]\.scale: must be greater than 0"),
        (2, "funding_fraction", -0.5, r"outcomes\[2\]\.funding_fraction: must be greater than"),
        (2, "funding_fraction", {"a": 8.0}, r"outcomes\[2\]\.funding_fraction\.b: required key"),
    ],
)
def test_judgment_laws_are_checked_and_name_their_key(
    baseline_dict: dict[str, Any], index: int, key: str, value: Any, message: str
) -> None:
    """A concession, a demand and a funding fraction take a number or table as before, or a
    pooled mixture; errors name the key as the file spells it (MODEL.md §6, CONFIG.md)."""
    baseline_dict["negotiation"]["outcomes"][index][key] = value
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict(baseline_dict, source="test")


def test_pooled_judgments_round_trip_and_plain_ones_are_written_as_before(
    baseline_dict: dict[str, Any],
) -> None:
    plain = scenario_from_dict(copy.deepcopy(baseline_dict))
    assert tomllib.loads(plain.to_toml())["negotiation"]["outcomes"][1]["concession"] == {
        "a": 2.0, "b": 8.0}
    outcomes = baseline_dict["negotiation"]["outcomes"]
    outcomes[1]["concession"] = {"mixture": [{"weight": 0.5, "a": 2.0, "b": 8.0},
                                             {"weight": 0.5, "a": 3.0, "b": 3.0}]}
    outcomes[2]["funding_fraction"] = {"a": 8.0, "b": 2.0}
    pooled = scenario_from_dict(baseline_dict)
    assert parse_scenario(pooled.to_toml()) == pooled
    assert pooled.config_hash() != plain.config_hash()

"""Properties over random configurations (hypothesis).

Valid configurations, drawn from ranges a scenario analyst might plausibly write: no NaN or
infinity anywhere, escalation within [floor, cap], ``rok_share`` in [0, 1], money
non-negative, troops one of the levels, summary percentiles monotone in the percentile.
Invalid configurations: always a :class:`ConfigError`, never another exception.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any, get_args

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simcore.config.load import parse_scenario
from simcore.config.schema import (
    CpiRule,
    DefenseBudgetRule,
    Scenario,
    scenario_from_dict,
)
from simcore.core.errors import ConfigError
from simcore.core.outcomes import NO_NEGOTIATION
from simcore.core.types import Sampler
from simcore.core.variables import VARIABLES
from simcore.model.agreement import escalation_rate
from simcore.model.engine import simulate
from simcore.model.params import resolve_rule
from simcore.stats.summary import summarize_values
from tests.conftest import SCALAR_BASELINE

BASE: dict[str, Any] = tomllib.loads(SCALAR_BASELINE.read_text())
#: Variables that are amounts of money (or per-troop money): never negative.
MONEY = [name for name, spec in VARIABLES.items() if spec.units in ("KRW", "USD")]

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fractions(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def weights(draw: st.DrawFn, count: int) -> list[float]:
    """``count`` probabilities summing to 1 (integer weights, at least one positive)."""
    raw = draw(st.lists(st.integers(0, 10), min_size=count, max_size=count))
    assume(sum(raw) > 0)
    return [w / sum(raw) for w in raw]


@st.composite
def rules(draw: st.DrawFn, *, allow_defense: bool = True) -> dict[str, Any]:
    kinds = ["fixed", "cpi", "usd_cpi"] + (["defense_budget"] if allow_defense else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "fixed":
        return {"rule": "fixed", "rate": draw(fractions(-0.05, 0.1))}
    if kind == "usd_cpi":
        return {"rule": "usd_cpi"}
    rule: dict[str, Any] = {"rule": kind, "lag": draw(st.sampled_from([0, 1, 2] if kind == "cpi"
                                                                      else [0, 1]))}
    floor = draw(st.none() | fractions(-0.05, 0.03))
    cap = draw(st.none() | fractions(floor if floor is not None else -0.05, 0.1))
    if floor is not None:
        rule["floor"] = floor
    if cap is not None:
        rule["cap"] = cap
    return rule


@st.composite
def correlations(draw: st.DrawFn, size: int) -> list[list[float]]:
    """A random correlation matrix: the normalized Gram matrix of random vectors."""
    vectors = np.array(draw(st.lists(
        st.lists(fractions(-1, 1), min_size=size, max_size=size), min_size=size, max_size=size
    )))
    gram = vectors @ vectors.T + 1e-3 * np.eye(size)
    scale = np.sqrt(np.diag(gram))
    matrix = gram / np.outer(scale, scale)
    matrix = (matrix + matrix.T) / 2
    np.fill_diagonal(matrix, 1.0)
    return matrix.tolist()


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    base = data["run"]["base_year"]
    horizon = draw(st.integers(1, 7))
    data["run"].update(
        horizon=horizon,
        samples=draw(st.integers(1, 200)),
        seed=draw(st.integers(0, 2**63 - 1)),
        sampler=draw(st.sampled_from(get_args(Sampler))),
        percentiles=draw(st.lists(fractions(0, 100), min_size=1, max_size=6)),
        discount_rate=draw(fractions(-0.05, 0.1)),
    )
    for country in ("kr", "us"):
        data["inflation"][country] = {
            "initial": draw(fractions(-0.01, 0.08)),
            "previous": draw(fractions(-0.01, 0.08)),
            "mean": draw(fractions(0.0, 0.06)),
            "persistence": draw(fractions(-0.9, 0.9)),
            "volatility": draw(fractions(0.0, 0.02)),
        }
    data["defense"] = {"initial": draw(fractions(-0.02, 0.1)),
                       "real_growth": draw(fractions(-0.02, 0.06)),
                       "volatility": draw(fractions(0, 0.03))}
    data["fx"] = {"initial": draw(fractions(800, 2000)), "anchor": draw(fractions(800, 2000)),
                  "reversion": draw(fractions(0, 1)), "ppp": draw(fractions(0, 1.5)),
                  "volatility": draw(fractions(0, 0.2))}
    drivers = draw(st.permutations(["kr_inflation", "us_inflation", "fx", "defense"]))
    drivers = drivers[: draw(st.integers(1, 4))]
    data["shocks"] = {"distribution": draw(st.sampled_from(["normal", "student_t"])),
                      "dof": draw(fractions(5, 30)), "drivers": drivers,
                      "correlation": draw(correlations(len(drivers)))}
    count = draw(st.integers(1, 3))
    levels = draw(st.lists(st.integers(10_000, 40_000), min_size=count, max_size=count,
                           unique=True))
    data["troops"] = {"levels": levels, "initial": draw(st.sampled_from(levels)),
                      "transition": [weights(draw, count) for _ in levels]}
    data["rok_other_support"] = {"base_krw": draw(fractions(0, 2e12))}
    data["us_cost"] = {"base_usd": draw(fractions(1e8, 5e9)),
                       "troop_elasticity": draw(fractions(0, 2)),
                       "offset_share": draw(fractions(0, 1))}
    last_year = draw(st.integers(base, base + horizon + 2))
    agreement = data["agreement"]
    agreement.update(
        last_year=last_year,
        escalation=draw(rules()),
        rate_step=draw(st.sampled_from([0.0, 0.001])),
        amount_step=draw(st.sampled_from([0.0, 1e8])),
        reopen_probability=draw(fractions(0, 0.5)),
        base_year_amount_krw=draw(fractions(5e11, 3e12)),
        amounts_krw=({} if last_year == base or not draw(st.booleans())
                     else {str(base + 1): draw(fractions(5e11, 3e12))}),
    )
    kinds = draw(st.lists(st.sampled_from(["status_quo", "demand", "lapse"]), min_size=1,
                          max_size=3))
    probabilities = weights(draw, len(kinds))
    outcomes = []
    for kind, probability in zip(kinds, probabilities, strict=True):
        outcome: dict[str, Any] = {"kind": kind, "probability": probability}
        if kind in ("status_quo", "demand"):
            outcome["term"] = draw(st.integers(1, 6))
        if kind == "demand":
            values = draw(st.lists(fractions(1e9, 1e10), min_size=1, max_size=3))
            outcome["demand_usd"] = {"values": values,
                                     "probabilities": weights(draw, len(values))}
            outcome["concession"] = {"a": draw(fractions(0.5, 5)), "b": draw(fractions(0.5, 5))}
            if draw(st.booleans()):
                outcome["escalation"] = draw(rules())
        if kind == "lapse":
            outcome["funding_fraction"] = draw(fractions(0, 1.2))
        outcomes.append(outcome)
    data["negotiation"] = {"outcomes": outcomes}
    pins: dict[str, Any] = {}
    if draw(st.booleans()):
        year = str(draw(st.integers(base + 1, base + horizon)))
        pins["kr_inflation"] = {year: draw(fractions(-0.01, 0.08))}
    if draw(st.booleans()):
        year = str(draw(st.integers(base + 1, base + horizon)))
        pins["troops"] = {year: draw(st.sampled_from(levels))}
    data["pins"] = pins
    return data


# --------------------------------------------------------------------------------------------
# Valid configurations


@SETTINGS
@given(valid_configs())
def test_simulated_paths_are_sane(data: dict[str, Any]) -> None:
    scenario = scenario_from_dict(data, source="hypothesis")
    values = simulate(scenario, seed=scenario.run.seed or 0)
    n, horizon = scenario.run.samples, scenario.run.horizon
    for name, array in values.items():
        assert array.shape[0] == n, name
        assert np.isfinite(array).all(), f"{name} has NaN or inf"
    assert values["contribution_usd"].shape == (n, horizon)
    share = values["rok_share"]
    assert ((share >= 0) & (share <= 1)).all()
    for name in MONEY:
        assert (values[name] >= 0).all(), f"{name} is negative"
    assert np.isin(values["troops"], scenario.troops.levels).all()
    codes = values["negotiation_outcome"]
    assert np.isin(codes, [NO_NEGOTIATION, *scenario.outcome_codes]).all()
    _check_escalation_bounds(scenario, values)
    _check_summary_monotone(scenario, values)


def _check_escalation_bounds(scenario: Scenario, values: dict[str, np.ndarray]) -> None:
    """Years under the base agreement's own rule grow within [floor, cap] (up to rounding)."""
    agreement = scenario.agreement
    rule = agreement.escalation
    if not isinstance(rule, CpiRule | DefenseBudgetRule):
        return
    contribution = values["contribution_krw"]
    previous = np.column_stack([np.full(len(contribution), agreement.base_year_amount_krw),
                                contribution[:, :-1]])
    untouched = np.cumsum(values["negotiation_outcome"] != -1, axis=1) == 0
    for t, year in enumerate(scenario.years):
        if year > agreement.last_year or year in agreement.amounts_krw:
            continue
        rows = untouched[:, t] & (previous[:, t] > 0)
        growth = contribution[rows, t] / previous[rows, t] - 1
        slack = agreement.amount_step / (2 * previous[rows, t]) + 1e-12
        if rule.floor is not None:
            assert (growth >= rule.floor - slack).all()
        if rule.cap is not None:
            assert (growth <= rule.cap + slack).all()


def _check_summary_monotone(scenario: Scenario, values: dict[str, np.ndarray]) -> None:
    percentiles = scenario.run.percentiles
    assert percentiles == sorted(percentiles)
    for name, array in values.items():
        if name == "negotiation_outcome":
            continue
        stats = summarize_values(array, percentiles)
        assert (np.diff(stats.percentile, axis=0) >= 0).all(), name
        assert np.isfinite(stats.percentile).all() and np.isfinite(stats.mean).all(), name


@SETTINGS
@given(
    rule=rules(),
    lagged=st.lists(fractions(-0.5, 0.5), min_size=1, max_size=50),
    rate_step=st.sampled_from([0.0, 0.001, 0.0025]),
)
def test_escalation_rate_stays_within_floor_and_cap(rule: dict[str, Any], lagged: list[float],
                                                    rate_step: float) -> None:
    model = scenario_from_dict(
        {**copy.deepcopy(BASE), "agreement": {**BASE["agreement"], "escalation": rule}}
    ).agreement.escalation
    assume(model.rule != "usd_cpi")
    rate = np.asarray(
        escalation_rate(resolve_rule(model), np.asarray(lagged), rate_step=rate_step)
    )
    assert np.isfinite(rate).all()
    floor = getattr(model, "floor", None)
    cap = getattr(model, "cap", None)
    if floor is not None:
        assert (rate >= floor).all()
    if cap is not None:
        assert (rate <= cap).all()


# --------------------------------------------------------------------------------------------
# Invalid configurations: always a ConfigError, never anything else


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value and isinstance(value[0], dict | list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [path]


def _tables(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if isinstance(value, dict) and not _is_year_table(path) else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _tables(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _tables(item, (*path, i))
    return found


def _is_year_table(path: tuple[Any, ...]) -> bool:
    return bool(path) and (path[-1] == "amounts_krw" or path[0] == "pins")


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _expect_config_error(data: Any) -> None:
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, source="hypothesis")
    assert "\n" not in str(info.value)


#: Keys (or list items) every scenario must have.
REQUIRED = [
    ("run",), ("run", "name"), ("run", "base_year"), ("run", "horizon"), ("run", "samples"),
    ("inflation", "kr", "mean"), ("inflation", "us", "volatility"), ("fx", "initial"),
    ("fx", "anchor"), ("troops", "levels"), ("troops", "transition"), ("us_cost", "base_usd"),
    ("agreement", "last_year"), ("agreement", "escalation"), ("agreement", "name"),
    ("negotiation", "outcomes"), ("negotiation", "outcomes", 0, "probability"),
]

#: (key path, strategy of values outside what the contract allows).
OUT_OF_RANGE = [
    (("run", "horizon"), st.integers(-5, 0) | st.integers(101, 10_000)),
    (("run", "samples"), st.integers(-10, 0) | st.integers(10**10 + 1, 10**12)),
    (("run", "base_year"), st.integers(0, 1899) | st.integers(2201, 9999)),
    (("run", "percentiles"), st.lists(fractions(100.01, 1e6) | fractions(-1e6, -0.01),
                                      min_size=1, max_size=3)),
    (("run", "sampler"), st.text(max_size=8).filter(lambda s: s not in get_args(Sampler))),
    (("inflation", "kr", "persistence"), fractions(1, 10) | fractions(-10, -1)),
    (("inflation", "us", "volatility"), fractions(-1, -1e-9)),
    (("fx", "initial"), fractions(-1e4, 0)),
    (("fx", "reversion"), fractions(1.0001, 10) | fractions(-10, -1e-9)),
    (("agreement", "reopen_probability"), fractions(1.0001, 10) | fractions(-10, -1e-9)),
    (("agreement", "base_year_amount_krw"), fractions(-1e12, 0)),
    (("agreement", "last_year"), st.integers(0, 2024)),
    (("troops", "initial"), st.integers(1, 100_000).filter(lambda x: x not in (28500, 24000))),
    (("negotiation", "outcomes", 0, "probability"), fractions(1.0001, 5) | fractions(-5, -1e-9)),
    (("negotiation", "outcomes", 0, "term"), st.integers(-5, 0)),
    (("negotiation", "outcomes", 1, "concession", "a"), fractions(-5, 0)),
]

WRONG_TYPES = st.sampled_from([[{"x": 1}], {"nested": {"deep": 1}}, True, "text"])


@SETTINGS
@given(st.data())
def test_unknown_keys_are_errors(data: st.DataObject) -> None:
    config = copy.deepcopy(BASE)
    table_path = data.draw(st.sampled_from(_tables(config)))
    table = _get(config, table_path)
    key = data.draw(st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True))
    assume(key not in table and not (table_path == () and key in Scenario.model_fields))
    table[key] = data.draw(st.integers() | st.text(max_size=5))
    _expect_config_error(config)


@SETTINGS
@given(st.sampled_from(REQUIRED))
def test_missing_required_keys_are_errors(path: tuple[Any, ...]) -> None:
    config = copy.deepcopy(BASE)
    del _get(config, path[:-1])[path[-1]]
    _expect_config_error(config)


@SETTINGS
@given(st.data())
def test_wrong_types_are_errors(data: st.DataObject) -> None:
    config = copy.deepcopy(BASE)
    path = data.draw(st.sampled_from(_leaves(config)))
    current = _get(config, path)
    replacement = data.draw(WRONG_TYPES.filter(lambda v: type(v) is not type(current)))
    # A known gap, pinned by test_a_boolean_lag_is_a_config_error.
    assume(not (path[-1] == "lag" and replacement is True))
    assume(not (isinstance(current, str) and isinstance(replacement, str)))
    _get(config, path[:-1])[path[-1]] = replacement
    _expect_config_error(config)


@SETTINGS
@given(st.data())
def test_out_of_range_values_are_errors(data: st.DataObject) -> None:
    config = copy.deepcopy(BASE)
    path, values = data.draw(st.sampled_from(OUT_OF_RANGE))
    _get(config, path[:-1])[path[-1]] = data.draw(values)
    _expect_config_error(config)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | fractions(-1e300, 1e300)
    | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=8,
)


@SETTINGS
@given(st.data())
def test_any_mutation_is_valid_or_a_config_error(data: st.DataObject) -> None:
    config = copy.deepcopy(BASE)
    path = data.draw(st.sampled_from(_leaves(config) + _tables(config)[1:]))
    _get(config, path[:-1])[path[-1]] = data.draw(JSONISH)
    try:
        scenario = scenario_from_dict(config, source="hypothesis")
    except ConfigError as err:
        assert "\n" not in str(err)
    else:
        assert isinstance(scenario, Scenario)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_scenario(text, source="hypothesis.toml")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_nan_and_inf_are_config_errors(value: str) -> None:
    text = SCALAR_BASELINE.read_text().replace("mean = 0.0248", f"mean = {value}")
    with pytest.raises(ConfigError, match=r"inflation\.kr\.mean"):
        parse_scenario(text, source="nan.toml")


@pytest.mark.parametrize("n", [1, 100])
def test_tiny_percentile_levels_get_valid_intervals(n: int) -> None:
    import warnings

    from simcore.stats.summary import order_statistic_ranks

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lower, upper = order_statistic_ranks(n, [1e-20])
    assert 0 <= lower[0] <= upper[0] <= n + 1


def test_a_boolean_lag_is_a_config_error() -> None:
    text = SCALAR_BASELINE.read_text().replace('rule = "cpi", cap = 0.05, lag = 2',
                                        'rule = "cpi", cap = 0.05, lag = true', 1)
    assert "lag = true" in text
    with pytest.raises(ConfigError, match=r"agreement\.escalation\.lag"):
        parse_scenario(text, source="bool.toml")

"""Closed sets of names, defined once and reused by pydantic, the engine and the CLI."""

from typing import Literal, get_args

Sampler = Literal["mc", "sobol", "lhs"]
ShockDistribution = Literal["normal", "student_t"]
Driver = Literal["kr_inflation", "us_inflation", "fx", "defense"]
PinnedDriver = Literal["kr_inflation", "us_inflation", "defense", "fx", "troops"]
RuleKind = Literal["fixed", "cpi", "defense_budget", "usd_cpi"]
OutcomeKind = Literal["status_quo", "demand", "lapse"]

#: Canonical order of the continuous drivers: the shock array's last axis follows it.
DRIVERS: tuple[Driver, ...] = get_args(Driver)
SAMPLERS: tuple[Sampler, ...] = get_args(Sampler)

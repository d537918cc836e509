"""Closed sets of names, defined once and reused by pydantic, the engine and the CLI."""

from typing import Literal, get_args

Sampler = Literal["mc", "sobol", "lhs"]
ShockDistribution = Literal["normal", "student_t"]
Driver = Literal["kr_inflation", "us_inflation", "fx", "defense"]
RuleKind = Literal["fixed", "cpi", "defense_budget", "usd_cpi"]
OutcomeKind = Literal["status_quo", "demand", "lapse", "increase"]

#: Canonical order of the continuous drivers: the first axis of the shock arrays follows it.
DRIVERS: tuple[Driver, ...] = get_args(Driver)

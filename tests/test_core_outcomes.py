"""The one table of negotiation outcome codes (MODEL.md §9) and the default outcome names."""

from __future__ import annotations

from typing import get_args

import numpy as np
import pytest

from simcore.core.outcomes import (
    BASE_CODES,
    KIND_CODES,
    KIND_SLOTS,
    MAX_PER_KIND,
    NO_NEGOTIATION,
    default_outcome_names,
    outcome_codes,
    outcome_meaning,
)
from simcore.core.types import OutcomeKind


def test_each_kind_has_its_fixed_code() -> None:
    assert KIND_CODES == {"status_quo": 0, "demand": 1, "lapse": 2, "increase": 3}
    # Every kind the configuration accepts has a code, below the slots of first entries.
    assert set(KIND_CODES) == set(get_args(OutcomeKind))
    assert max(KIND_CODES.values()) < KIND_SLOTS
    assert NO_NEGOTIATION == -1
    assert BASE_CODES == (-1, 0, 1, 2, 3)


@pytest.mark.parametrize(
    ("kinds", "codes"),
    [
        (["status_quo", "demand", "lapse"], [0, 1, 2]),  # baseline
        (["increase", "lapse"], [3, 2]),  # history: its position would say 0 and 1
        (["lapse"], [2]),  # lapse: its position would say 0
        (["demand"], [1]),
        # The m-th outcome of a kind: + 8 (m − 1), wherever it is listed.
        (["demand", "status_quo", "demand", "demand"], [1, 0, 9, 17]),
        (["increase", "increase"], [3, 11]),
    ],
)
def test_a_code_depends_on_the_kind_and_its_repeat_not_the_position(
    kinds: list[str], codes: list[int]
) -> None:
    assert outcome_codes(kinds) == codes  # type: ignore[arg-type]


def test_every_code_has_one_meaning_and_names_default_to_it() -> None:
    kinds = [kind for kind in KIND_CODES for _ in range(MAX_PER_KIND)]
    codes = outcome_codes(kinds)  # type: ignore[arg-type]
    assert len(set(codes)) == len(codes)
    assert max(codes) <= np.iinfo(np.int8).max  # every code fits the stored int8
    assert max(KIND_CODES.values()) + 8 * MAX_PER_KIND > np.iinfo(np.int8).max
    names = default_outcome_names(kinds, [None] * len(kinds))
    assert [outcome_meaning(code) for code in codes] == names
    assert names[:2] == ["status_quo", "status_quo_2"]
    assert outcome_meaning(-1) == "no_negotiation"


def test_codes_outside_the_table_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 16 outcomes of one kind"):
        outcome_codes(["lapse"] * (MAX_PER_KIND + 1))
    # 4–7 are free for kinds to come; 128 does not fit an int8.
    for code in (-2, 4, 7, 12, 8 * MAX_PER_KIND, 128):
        with pytest.raises(ValueError, match="not a negotiation outcome code"):
            outcome_meaning(code)


def test_a_default_name_depends_on_the_kinds_only() -> None:
    """A given name never shifts another outcome's default; a clash is validation's error."""
    kinds = ["demand", "demand", "lapse"]
    assert default_outcome_names(kinds, ["big", None, None]) == ["big", "demand_2", "lapse"]
    assert default_outcome_names(kinds, [None, "demand", None]) == ["demand", "demand", "lapse"]

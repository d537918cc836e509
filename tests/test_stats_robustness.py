"""Robustness rules (simcore.stats.robustness) on decision matrices with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from simcore.stats.robustness import METRICS, regret, robustness

#: Costs (less is better) of three options in two scenarios: the expected value prefers A,
#: the worst case B, and minimax regret C (regrets A: 0, 7; B: 12, 0; C: 6, 2).
THREE = np.array([[0.0, 19.0], [12.0, 12.0], [6.0, 14.0]])


def test_the_three_rules_choose_three_different_options() -> None:
    result = robustness(THREE)
    np.testing.assert_array_equal(result.expected, [9.5, 12.0, 10.0])
    np.testing.assert_array_equal(result.worst, [19.0, 12.0, 14.0])
    np.testing.assert_array_equal(result.max_regret, [7.0, 12.0, 6.0])
    assert (result.best("expected"), result.best("worst"), result.best("max_regret")) == (
        0, 1, 2)


def test_an_added_option_flips_the_minimax_regret_choice() -> None:
    # D = (18, 1.5) is chosen by no rule, but it lowers the best outcome of scenario 2 from
    # 12 to 1.5: C's regret there grows to 12.5, A's to 17.5; B's stays 12 (scenario 1).
    four = np.vstack([THREE, [18.0, 1.5]])
    result = robustness(four)
    np.testing.assert_array_equal(result.max_regret, [17.5, 12.0, 12.5, 18.0])
    assert result.best("max_regret") == 1
    assert result.best("expected") == 0 and result.best("worst") == 1


def test_satisficing_is_the_share_of_scenarios_meeting_the_criterion() -> None:
    result = robustness(THREE, meets=THREE <= 13)
    np.testing.assert_array_equal(result.satisficing, [0.5, 1.0, 0.5])
    assert result.best("satisficing") == 1
    assert robustness(THREE).best("satisficing") is None


def test_benefits_reverse_every_rule() -> None:
    result = robustness(-THREE, sense="max")
    assert (result.best("expected"), result.best("worst"), result.best("max_regret")) == (
        0, 1, 2)
    np.testing.assert_array_equal(result.regret, regret(THREE))


def test_percentile_regret_spares_the_extreme_scenarios() -> None:
    # Twenty scenarios; option 0 has one disastrous scenario, option 1 a steady small regret.
    outcomes = np.zeros((2, 20))
    outcomes[0, 0] = 100.0
    outcomes[1, 1:] = 5.0
    result = robustness(outcomes)
    assert result.best("max_regret") == 1
    assert result.best("regret_p90") == 0
    assert result.regret_p90.tolist() == [0.0, 5.0]


def test_metric_names_follow_the_literature() -> None:
    assert "Savage" in METRICS["max_regret"][0] and "Starr" in METRICS["satisficing"][0]
    assert "Laplace" in METRICS["expected"][0] and "Wald" in METRICS["worst"][0]


def test_bad_matrices_are_refused() -> None:
    with pytest.raises(ValueError, match="options, scenarios"):
        robustness(np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        robustness(np.array([[1.0, np.nan]]))

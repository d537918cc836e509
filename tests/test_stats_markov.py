"""Exact troop-level distributions (stats.markov) and the words that state them (read.rows)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from simcore.config.schema import Scenario
from simcore.model.engine import simulate
from simcore.read.rows import troop_assumption
from simcore.stats.markov import chain_marginals

THREE = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.0, 0.3, 0.7]]


def test_an_absorbing_cut_reaches_one_minus_the_stay_probability_to_the_power_t() -> None:
    marginals = chain_marginals([[0.95, 0.05], [0.0, 1.0]], 0, 6)
    for t, p in enumerate(marginals, start=1):
        assert p[1] == pytest.approx(1 - 0.95**t, abs=1e-15)
        assert sum(p) == pytest.approx(1.0, abs=1e-15)
    assert round(marginals[-1][1], 3) == 0.265  # the baseline's 26.5% at 24,000 by 2031


def test_marginals_are_the_matrix_power_and_pins_restart_the_chain() -> None:
    q = np.array(THREE)
    marginals = chain_marginals(THREE, 1, 4, pinned={2: 2})
    np.testing.assert_allclose(marginals[0], q[1], rtol=1e-15)
    assert marginals[1] == [0.0, 0.0, 1.0]
    np.testing.assert_allclose(marginals[3], q[2] @ q, rtol=1e-14)


def test_the_engine_draws_the_exact_distribution(make_scenario: Callable[..., Scenario]) -> None:
    n = 40_000
    scenario = make_scenario({"run": {"samples": n},
                              "troops": {"levels": [28500, 24000, 20000], "initial": 24000,
                                         "transition": THREE}})
    troops = simulate(scenario, seed=3)["troops"]
    exact = chain_marginals(THREE, 1, troops.shape[1])
    for t, p in enumerate(exact):
        for j, level in enumerate([28500, 24000, 20000]):
            share = float(np.mean(troops[:, t] == level))
            se = (p[j] * (1 - p[j]) / n) ** 0.5
            assert abs(share - p[j]) <= 4 * se + 1e-12, (t, level, share, p[j])


def test_a_chain_with_moves_both_ways_names_each_level_it_leaves() -> None:
    text = troop_assumption([28500, 24000, 20000], 24000, THREE, {}, 2025, 6)
    assert text.startswith("troops 24,000 in 2025; each year from 28,500, a 20% chance of a cut "
                           "to 24,000 and a 10% chance of a cut to 20,000; from 24,000, a 10% "
                           "chance of a rise to 28,500")
    p = chain_marginals(THREE, 1, 6)[-1]
    assert text.endswith(f"in 2031, {100 * p[1]:.3g}% of paths at 24,000, {100 * p[2]:.3g}% at "
                         f"20,000 and {100 * p[0]:.3g}% at 28,500")


def test_a_fixed_level_and_pins_in_words() -> None:
    assert troop_assumption([28500], 28500, [[1.0]], {}, 2025, 6) == (
        "troops 28,500 in 2025; no change modelled; in 2031, 28,500 in every path")
    text = troop_assumption([28500, 24000], 28500, [[1.0, 0.0], [0.0, 1.0]],
                            {2027: 24000, 2028: 24000, 2030: 28500}, 2025, 6)
    # A level the pins reach is not "left" by the chain: no move is named.
    assert text == ("troops 28,500 in 2025; no change modelled; pinned at 24,000 in 2027–2028, "
                    "28,500 in 2030; in 2031, 28,500 in every path")

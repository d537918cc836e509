"""What each scenario asks and how scenarios differ (simcore.report.scenario_notes)."""

from __future__ import annotations

from pathlib import Path

from simcore.config.load import header_comment
from simcore.report.scenario_notes import (
    ABSENT,
    SEE_FILES,
    config_differences,
    question_of,
    scenario_questions,
)

ROOT = Path(__file__).resolve().parents[1]


def test_question_of_every_shipped_config() -> None:
    for path in sorted((ROOT / "configs").glob("*.toml")):
        question = question_of(header_comment(path.read_text()))
        assert question and "#" not in question and "\n" not in question, path
    lapse = question_of(header_comment((ROOT / "configs" / "lapse.toml").read_text()))
    assert lapse.startswith("Lapse: what happens if no successor agreement")
    assert lapse.endswith("(as in the 2020 furlough)?")
    # A file smasim calibrate wrote names its command after a colon: the description only.
    for name in ("calibrated.toml", "history.toml", "variants/calibrated-1996.toml"):
        text = (ROOT / "configs" / name).read_text()
        assert question_of(header_comment(text)) == "2025 base year, calibrated from history"


def test_header_comment_stops_at_the_first_setting() -> None:
    text = "\n\n# First line\n#   second line\n#\n[run]\n# not part of it\nname = 'x'\n"
    assert header_comment(text) == "First line\nsecond line"
    assert header_comment("[run]\nname = 'x'\n") == ""


def test_question_is_the_first_question_or_the_first_line() -> None:
    assert question_of("What if\nthe talks fail? More detail.\nAnd more.") == (
        "What if the talks fail?")
    assert question_of("Calibrated from history: made by smasim calibrate\nEstimates: …") == (
        "Calibrated from history: made by smasim calibrate")
    assert question_of("") == ""
    # Command lines are not descriptions: skipped alone, cut off after a colon.
    assert question_of("smasim calibrate -o x.toml\n$ make run\nMade from data: smasim "
                       "calibrate --base b.toml\nMore.") == "Made from data"


def test_questions_come_from_the_comments_the_file_keeps() -> None:
    comments = {"alpha": "Does A happen? If so, when.", "beta": "", "gamma": "smasim run x"}
    assert [(q.scenario, q.question) for q in scenario_questions(comments)] == [
        ("alpha", "Does A happen?"), ("beta", None), ("gamma", None)]


def test_differences_between_stored_configs() -> None:
    base = (
        '[run]\nname = "a"\nsamples = 100\n[agreement]\nlast_year = 2030\n'
        '[pins.troops]\n2027 = 24000\n'
        '[[negotiation.outcomes]]\nkind = "status_quo"\nprobability = 0.5\n'
        '[[negotiation.outcomes]]\nkind = "demand"\nprobability = 0.5\n'
        'demand_usd = { values = [5e9, 1e10], probabilities = [0.6, 0.4] }\n'
    )
    other = base.replace('name = "a"', 'name = "b"').replace("2030", "2026")
    other = other.replace("[pins.troops]\n2027 = 24000\n", "[defense]\nvolatility = 0.015\n")
    differences = config_differences({"a": base, "b": other, "c": base.replace('"a"', '"c"')})
    assert [(d.key, d.values) for d in differences] == [
        ("agreement.last_year", {"a": "2030", "b": "2026", "c": "2030"}),
        ("pins.troops", {"a": "{2027=24_000}", "b": ABSENT, "c": "{2027=24_000}"}),
        ("defense.volatility", {"a": ABSENT, "b": "0.015", "c": ABSENT}),
    ]
    # Arrays of tables are one setting, shown whole and compared whole.
    changed = base.replace("probability = 0.5\n[[", "probability = 0.4\n[[", 1)
    (difference,) = config_differences({"a": base, "b": changed})
    assert difference.key == "negotiation.outcomes"
    assert difference.values["b"] == (
        "{kind=status_quo, probability=0.4}; {kind=demand, probability=0.5, "
        "demand_usd={values=[5_000_000_000, 10_000_000_000], probabilities=[0.6, 0.4]}}"
    )


def test_nested_tables_are_compared_key_by_key() -> None:
    base = '[inflation.kr]\nmean = 0.0248\nvolatility = 0.0111\n[pins]\n'
    other = '[inflation.kr]\nmean = 0.024828211\nvolatility = 0.0111\n[pins]\n'
    (difference,) = config_differences({"a": base, "b": other})
    # Six significant digits: the last digits of an estimate are noise; empty tables vanish.
    assert (difference.key, difference.values) == (
        "inflation.kr.mean", {"a": "0.0248", "b": "0.0248282"})


def test_summary_for_a_reader_rounds_and_names_composites() -> None:
    base = ('[run]\nname = "a"\n[fx]\nvolatility = 0.074\nreversion = 0.1\n'
            '[shocks]\ncorrelation = [[1, 0.2], [0.2, 1]]\n'
            '[[negotiation.outcomes]]\nkind = "lapse"\nprobability = 1.0\n')
    b = base.replace('"a"', '"b"').replace("0.074", "0.0740001").replace("0.2", "0.3")
    c = base.replace('"a"', '"c"').replace("0.1\n", "0\n").replace('"lapse"', '"demand"')
    differences = config_differences({"a": base, "b": b, "c": c}, digits=4, whole=False)
    # fx.volatility agrees to 4 significant digits: left out.
    assert [(d.key, d.values) for d in differences] == [
        ("fx.reversion", {"a": "0.1", "b": "0.1", "c": "0"}),
        ("shocks.correlation", {"a": SEE_FILES, "b": SEE_FILES, "c": "same as a"}),
        ("negotiation.outcomes", {"a": SEE_FILES, "b": "same as a", "c": SEE_FILES}),
    ]
    assert config_differences({"a": base, "b": b})[0].key == "fx.volatility"


def test_a_table_of_draws_is_named_not_spelled_out_for_a_reader() -> None:
    """A parameter's 2,000 draws (MODEL.md §2a) would fill a page: a reader's summary says
    whether it is the first scenario's table or another."""
    draws = ", ".join(f"0.0{k:03d}" for k in range(100, 140))
    a = f'[run]\nname = "a"\n[fx]\nvolatility = [{draws}]\n'
    b = a.replace('"a"', '"b"').replace("0.0139", "0.0141")
    c = a.replace('"a"', '"c"')
    d = a.replace('"a"', '"d"').replace(f"[{draws}]", "0.05")
    (difference,) = config_differences({"a": a, "b": b, "c": c, "d": d}, whole=False)
    assert difference.values == {"a": SEE_FILES, "b": SEE_FILES, "c": "same as a", "d": "0.05"}

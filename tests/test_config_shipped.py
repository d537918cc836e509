"""The shipped scenarios as package data (simcore.config.shipped), and the comment a
scenario keeps from its file (Scenario.comment)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from simcore.config.load import header_comment, load_scenario, parse_scenario
from simcore.config.schema import scenario_from_dict
from simcore.config.shipped import (
    locate_scenario,
    shipped_draws_files,
    shipped_file,
    shipped_files,
    shipped_scenario,
    shipped_scenarios,
)
from simcore.core.errors import ConfigError, OutputExistsError
from simcore.io.shipped import write_shipped_scenarios
from tests.conftest import BASELINE, ROOT

SHIPPED = ("baseline", "calibrated", "drawdown", "history", "lapse", "us-demand-2027",
           "variants/calibrated-1996", "variants/pooled")
#: Every shipped file: the scenarios and an elicitation file (smasim elicit's input).
FILES = ("baseline", "calibrated", "drawdown", "history", "lapse", "us-demand-2027",
         "elicitation/workshop", "variants/calibrated-1996", "variants/pooled")


def test_every_file_of_configs_is_shipped_under_its_name() -> None:
    in_repository = sorted(p.relative_to(ROOT / "configs").with_suffix("").as_posix()
                           for p in (ROOT / "configs").rglob("*.toml"))
    assert sorted(shipped_files()) == in_repository
    assert shipped_files() == FILES  # top-level first, each level sorted
    assert shipped_scenarios() == SHIPPED  # the elicitation file is no scenario
    for name in FILES:
        # The repository's configs/ is the package data: one copy, never a second.
        assert shipped_file(name).samefile(ROOT / "configs" / f"{name}.toml")
    for name in SHIPPED:
        assert shipped_scenario(name) == shipped_file(name)
    assert shipped_scenario("lapse.toml") == shipped_scenario("lapse")
    with pytest.raises(ConfigError, match=r"^elicitation/workshop: no shipped scenario has "):
        shipped_scenario("elicitation/workshop")
    with pytest.raises(ConfigError, match=r"^nothing: no shipped file has that name \(shipped "
                       r"files: baseline, "):
        shipped_file("nothing")


@pytest.mark.parametrize(("name", "close"), [
    ("basline", "; did you mean 'baseline'?"),
    ("configs/lapse.toml", "; did you mean 'lapse'?"),
    ("nothing-like-it", ""),
])
def test_an_unknown_name_lists_the_shipped_ones(name: str, close: str) -> None:
    with pytest.raises(ConfigError) as info:
        shipped_scenario(name)
    assert str(info.value) == (f"{name}: no shipped scenario has that name{close} (shipped "
                               f"scenarios: {', '.join(SHIPPED)})")


def test_locate_a_file_then_name_dot_toml_then_a_shipped_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert locate_scenario("baseline") == (shipped_scenario("baseline"), "shipped")
    assert locate_scenario("variants/calibrated-1996.toml") == (
        shipped_scenario("variants/calibrated-1996"), "shipped")
    # A file of that name here wins, and so does NAME.toml: the user's own copy.
    Path("lapse.toml").write_text("[run]\n")
    assert locate_scenario("lapse") == (Path("lapse.toml"), "file")
    assert locate_scenario("lapse.toml") == (Path("lapse.toml"), None)
    Path("baseline").mkdir()  # something load_scenario refuses with its reason
    assert locate_scenario("baseline") == (Path("baseline"), None)
    with pytest.raises(ConfigError, match=r"^lapse2\.toml: no such file, nor a shipped scenario; "
                       r"did you mean 'lapse'\? \(shipped scenarios: baseline, "):
        locate_scenario("lapse2.toml")


def test_copies_are_byte_for_byte_and_never_replace_without_asking(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    written = write_shipped_scenarios(folder)
    assert written == [folder / f"{name}.toml" for name in FILES]
    for name, path in zip(FILES, written, strict=True):
        assert path.read_bytes() == (ROOT / "configs" / f"{name}.toml").read_bytes()
    # The tables of draws the scenarios name come along, so that each copy loads where it is.
    draws = shipped_draws_files()
    assert draws and all(name.startswith(("draws/", "variants/draws/")) for name in draws)
    for name in draws:
        assert (folder / name).read_bytes() == (ROOT / "configs" / name).read_bytes()
    assert load_scenario(folder / "baseline.toml") == load_scenario(shipped_scenario("baseline"))
    load_scenario(folder / "variants" / "calibrated-1996.toml")
    edited = folder / "lapse.toml"
    edited.write_text("# mine\n")
    with pytest.raises(OutputExistsError) as info:
        write_shipped_scenarios(folder)
    assert str(info.value) == (f"{folder / 'baseline.toml'}: exists (and 8 more of the 9 "
                               "copies); pass overwrite=True to replace the copies, or choose "
                               "another folder")
    assert edited.read_text() == "# mine\n"
    write_shipped_scenarios(folder, overwrite=True)
    assert edited.read_bytes() == (ROOT / "configs" / "lapse.toml").read_bytes()
    with pytest.raises(OutputExistsError, match=r"is a file; name a folder"):
        write_shipped_scenarios(edited)


def test_a_failed_copy_leaves_no_copy_behind(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    (folder / "variants").mkdir(parents=True)
    (folder / "variants" / "pooled.toml").mkdir()  # the last copy cannot be written
    with pytest.raises(OutputExistsError, match="is a directory"):
        write_shipped_scenarios(folder, overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == ["variants"]


def test_a_scenario_keeps_the_comment_its_file_opens_with() -> None:
    text = BASELINE.read_text()
    scenario = load_scenario(BASELINE)
    assert scenario.comment == header_comment(text)
    assert scenario.comment.startswith("Baseline: what will South Korea pay")
    # The comment is no part of the configuration: equality, TOML and hash ignore it.
    plain = scenario_from_dict(tomllib.loads(text), base_dir=BASELINE.parent)
    assert plain.comment == "" and plain == scenario
    assert plain.config_hash() == scenario.config_hash()
    assert "Baseline" not in scenario.to_toml()
    # It survives overrides, --samples and --seed.
    changed = load_scenario(BASELINE, overrides=["fx.volatility=0.1"]).with_overrides(samples=9)
    assert changed.comment == scenario.comment
    assert scenario.with_comment("Why?").comment == "Why?" and scenario.comment != "Why?"
    assert parse_scenario(scenario.to_toml()).comment == ""

"""Driver parameters as tables of draws: inline, or a file named by its SHA-256 (CONFIG.md)."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from simcore.config.draws import draws_file_name, draws_file_text
from simcore.config.load import load_scenario, parse_scenario
from simcore.config.schema import scenario_from_dict
from simcore.core.errors import ConfigError
from tests.conftest import SCALAR_BASELINE

COLUMNS = {"mean": [0.02, 0.025, 0.03], "persistence": [0.5, 0.0, 0.9],
           "volatility": [0.011, 0.008, 0.004], "trend_volatility": [0.0, 0.004, 0.0]}


def _write_draws(folder: Path, columns: dict[str, list[float]]) -> str:
    """A draws file in ``folder``/draws, named by its SHA-256; its path relative to ``folder``."""
    text = draws_file_text(columns)
    path = folder / "draws" / draws_file_name(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return f"draws/{path.name}"


def _config(folder: Path, kr: dict[str, Any]) -> Path:
    """The baseline with ``[inflation.kr]`` replaced by ``kr``, written into ``folder``."""
    text = SCALAR_BASELINE.read_text(encoding="utf-8")
    start = text.index("[inflation.kr]")
    end = text.index("[inflation.us]")
    lines = ["[inflation.kr]"] + [f"{key} = {value!r}".replace("'", '"')
                                  for key, value in kr.items()]
    path = folder / "scenario.toml"
    path.write_text(text[:start] + "\n".join(lines) + "\n\n" + text[end:], encoding="utf-8")
    return path


def test_a_draws_file_is_read_relative_to_the_config_and_held_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _write_draws(tmp_path, COLUMNS)
    config = _config(tmp_path, {"initial": 0.021, "previous": 0.0232, "draws": name})
    monkeypatch.chdir(tmp_path.parent)  # not the config's folder: the path is the config's
    scenario = load_scenario(config)
    kr = scenario.inflation.kr
    assert kr.mean == COLUMNS["mean"] and kr.trend_volatility == COLUMNS["trend_volatility"]
    assert kr.draws is None and kr.table_size == 3
    # The resolved configuration needs no other file, and reads back as the same model.
    text = scenario.to_toml()
    assert "draws" not in tomllib.loads(text)["inflation"]["kr"]
    again = parse_scenario(text)
    assert again == scenario and again.config_hash() == scenario.config_hash()


def test_inline_tables_equal_the_same_draws_from_a_file(tmp_path: Path) -> None:
    name = _write_draws(tmp_path, COLUMNS)
    from_file = load_scenario(_config(tmp_path, {"initial": 0.021, "previous": 0.0232,
                                                 "draws": name}))
    inline = load_scenario(_config(tmp_path, {"initial": 0.021, "previous": 0.0232,
                                              **COLUMNS}))
    assert from_file.config_hash() == inline.config_hash()


def test_a_key_of_the_section_wins_over_the_files_column(tmp_path: Path) -> None:
    name = _write_draws(tmp_path, COLUMNS)
    config = _config(tmp_path, {"initial": 0.021, "previous": 0.0232, "draws": name})
    scenario = load_scenario(config, overrides=["inflation.kr.volatility=0.02"])
    assert scenario.inflation.kr.volatility == 0.02
    assert scenario.inflation.kr.mean == COLUMNS["mean"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda text: text.replace("0.025", "0.026"), "its bytes have SHA-256 .*, not the one its "
     "name states"),
    (lambda text: text.replace("mean", "mu", 1), r"columns \['mu', .* must be distinct names "
     "among mean, persistence, volatility, trend_volatility"),
    (lambda text: text + "0.1,0.2\n", "line 5: 2 cells for 4 columns"),
    (lambda text: text.replace("0.025", "nan"), "line 3, column mean: 'nan' is not a finite"),
])
def test_a_broken_draws_file_is_a_one_line_error(tmp_path: Path, change: Any,
                                                 message: str) -> None:
    text = change(draws_file_text(COLUMNS))
    # Named after the original text, or (for a file broken before it was named) its own.
    named = draws_file_name(draws_file_text(COLUMNS)) if "SHA-256" in message else (
        draws_file_name(text))
    (tmp_path / "draws").mkdir()
    (tmp_path / "draws" / named).write_text(text, encoding="utf-8")
    config = _config(tmp_path, {"initial": 0.021, "previous": 0.0232,
                                "draws": f"draws/{named}"})
    with pytest.raises(ConfigError, match=f"inflation.kr: draws file .*{message}") as caught:
        load_scenario(config)
    assert "\n" not in str(caught.value)


def test_a_draws_file_must_be_named_by_its_sha256(tmp_path: Path) -> None:
    (tmp_path / "posterior.csv").write_text(draws_file_text(COLUMNS), encoding="utf-8")
    config = _config(tmp_path, {"initial": 0.021, "previous": 0.0232,
                                "draws": "posterior.csv"})
    with pytest.raises(ConfigError, match="the name must be the SHA-256 of the file's bytes"):
        load_scenario(config)
    missing = hashlib.sha256(b"none").hexdigest()
    config = _config(tmp_path, {"initial": 0.021, "previous": 0.0232,
                                "draws": f"draws/{missing}.csv"})
    with pytest.raises(ConfigError, match=f"draws/{missing}.csv: no such file"):
        load_scenario(config)


@pytest.mark.parametrize(("kr", "message"), [
    ({"persistence": [0.5, 1.2]}, r"inflation\.kr\.persistence: draw 1 is 1\.2: each must be "
     "less than 1"),
    ({"volatility": [0.01, -0.01]}, r"inflation\.kr\.volatility: draw 1 is -0\.01: each must be "
     "greater than or equal to 0"),
    ({"mean": [0.02, 0.03], "volatility": [0.01, 0.02, 0.03]},
     r"inflation\.kr: tables of draws must have one length, a row per draw \(got lengths "
     r"\[2, 3\]\)"),
    ({"mean": []}, r"inflation\.kr\.mean: a table of draws needs at least one value"),
    ({"mean": [0.02, "x"]}, r"inflation\.kr\.mean: draw 1 is 'x', not a finite number"),
    ({"persistence": 1.0}, r"inflation\.kr\.persistence: must be less than 1 \(got 1\.0\)"),
    ({"log_variance_sd": -0.1}, r"inflation\.kr\.log_variance_sd: must be greater than or "
     "equal to 0"),
])
def test_tables_are_checked_draw_by_draw(baseline_dict: dict[str, Any], kr: dict[str, Any],
                                         message: str) -> None:
    baseline_dict["inflation"]["kr"].update(kr)
    with pytest.raises(ConfigError, match=message):
        scenario_from_dict(baseline_dict)


def test_fx_and_defense_take_tables_and_a_real_anchor(baseline_dict: dict[str, Any]) -> None:
    baseline_dict["fx"].update({"volatility": [0.05, 0.06], "anchor": [1300.0, 1400.0],
                                "real_anchor": True})
    baseline_dict["defense"]["real_growth"] = [0.02, 0.03, 0.04]
    scenario = scenario_from_dict(baseline_dict)
    assert scenario.fx.table_size == 2 and scenario.defense is not None
    assert scenario.defense.table_size == 3 and scenario.fx.real_anchor
    baseline_dict["fx"]["reversion"] = [0.1, 1.5]
    with pytest.raises(ConfigError, match=r"fx\.reversion: draw 1 is 1\.5: each must be less "
                                          "than or equal to 1"):
        scenario_from_dict(baseline_dict)


def test_a_draws_file_is_parsed_once_and_each_reader_gets_its_own_columns(
    tmp_path: Path,
) -> None:
    # Every point of an exploration loads the same files: parsed once, by their bytes.
    from simcore.config import draws

    path = tmp_path / _write_draws(tmp_path, COLUMNS)
    draws._parsed_draws.cache_clear()
    first = draws.read_draws_file(path, COLUMNS)
    first["mean"][0] = 99.0
    second = draws.read_draws_file(path, COLUMNS)
    assert second == COLUMNS
    assert draws._parsed_draws.cache_info().misses == 1
    assert draws._parsed_draws.cache_info().hits == 1
    # Other allowed names are checked every time, not cached with the parse.
    with pytest.raises(ValueError, match="must be distinct names among mean"):
        draws.read_draws_file(path, ["mean"])


def test_a_long_table_is_one_toml_line_of_the_numbers_tomli_w_writes(tmp_path: Path) -> None:
    # 17 draws: one more than the arrays written one item per line. The same table with
    # 0.0 in place of -0.0 (equal as floats) must not share its cached text.
    persistence = [0.5, -0.0, 0.25, 1e-05, 0.1 + 0.2, *([0.9] * 12)]
    columns = {name: (values * 6)[:17] for name, values in COLUMNS.items()}
    texts = []
    for table in (persistence, [abs(x) for x in persistence]):
        scenario = load_scenario(_config(tmp_path, {"initial": 0.021, "previous": 0.0232,
                                                    **columns, "persistence": table}))
        text = scenario.to_toml()
        line = next(row for row in text.splitlines() if row.startswith("persistence = "))
        # tomli_w writes a number as str(); the array on one line, items joined by ", ".
        assert line == "persistence = [" + ", ".join(tomli_w.dumps({"x": x})[4:-1]
                                                     for x in table) + "]"
        assert parse_scenario(text) == scenario
        texts.append(text)
    assert "persistence = [0.5, -0.0, 0.25, 1e-05, 0.30000000000000004, 0.9" in texts[0]
    assert "persistence = [0.5, 0.0, 0.25" in texts[1]

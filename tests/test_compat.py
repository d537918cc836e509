"""The 0.1 import paths keep working for one release, each with a FutureWarning."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import simcore

#: A name each old module had, and the module that holds it now.
SAMPLES = {
    "simcore.store": [("read_summary", "simcore.io.reader"), ("FileLayout", "simcore.io.layout"),
                      ("temporary_path", "simcore.io.partial"),
                      ("ResultWriter", "simcore.io.writer"), ("human_bytes", "simcore.core.text"),
                      ("summary_dataset", "simcore.io.summary_group")],
    "simcore.sampling": [("draw_block", "simcore.model.sampling"),
                         ("BLOCK_SIZE", "simcore.core.design")],
    "simcore.provenance": [("file_info", "simcore.io.provenance"), ("rerun", "simcore.run.rerun")],
    "simcore.shocks": [("correlation_factor", "simcore.stats.linalg")],
    "simcore.select": [("parse_years", "simcore.read.choices"), ("select", "simcore.read.select")],
    "simcore.parallel": [("default_threads", "simcore.core.system"),
                         ("open_executor", "simcore.run.parallel")],
    "simcore.sensitivity": [("sensitivity_tables", "simcore.report.sensitivity"),
                            ("analyse_sensitivity", "simcore.analysis.sensitivity")],
    "simcore.html_report": [("build_report", "simcore.report.html.report")],
}


def _fresh(name: str) -> object:
    sys.modules.pop(name, None)
    with pytest.warns(FutureWarning, match="has moved to"):
        return importlib.import_module(name)


@pytest.mark.parametrize("old", sorted(simcore.MOVED_MODULES))
def test_every_old_module_path_imports_with_a_warning(old: str) -> None:
    module = _fresh(old)
    for home in simcore.MOVED_MODULES[old]:
        public = [n for n in dir(importlib.import_module(home)) if not n.startswith("_")]
        assert all(getattr(module, n) is getattr(importlib.import_module(home), n)
                   for n in public[:5])


@pytest.mark.parametrize("old", sorted(SAMPLES))
def test_split_modules_find_each_name_in_its_new_home(old: str) -> None:
    module = _fresh(old)
    for name, home in SAMPLES[old]:
        assert getattr(module, name) is getattr(importlib.import_module(home), name)


def test_an_unknown_name_of_an_old_path_is_an_attribute_error() -> None:
    module = _fresh("simcore.store")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        module.nothing  # noqa: B018


def test_the_names_of_the_old_report_and_config_modules_still_resolve() -> None:
    import simcore.config
    import simcore.report

    with pytest.warns(FutureWarning, match=r"simcore\.read\.queries\.summary_rows"):
        assert simcore.report.summary_rows is importlib.import_module(
            "simcore.read.queries").summary_rows
    with pytest.warns(FutureWarning, match=r"simcore\.stats\.linalg\.PSD_TOLERANCE"):
        assert simcore.config.PSD_TOLERANCE == 1e-10


def test_from_old_path_import_name_works_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error::FutureWarning", "-c",
         "from simcore.runner import run_scenarios"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1 and "FutureWarning: simcore.runner has moved" in done.stderr
    done = subprocess.run([sys.executable, "-c", "from simcore.runner import run_scenarios; "
                           "print(run_scenarios.__module__)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "simcore.run.runner"


def test_the_root_lists_the_notebook_workflow_for_completion() -> None:
    assert dir(simcore) == simcore.__all__
    assert {"load_scenario", "simulate", "run_scenarios", "summary_rows", "build_report",
            "ConfigError"} <= set(simcore.__all__)
    assert all(getattr(simcore, name) is not None for name in simcore.__all__)


def test_the_hard_coded_all_is_the_export_table() -> None:
    assert simcore.__all__ == sorted(simcore._EXPORTS)

"""Layer 3, files: the result file's layout, writing and reading it, partial files and
atomic replacement, direct I/O, provenance, the one writer and reader of the files that are
not runs (sensitivity, backtest), copies of the shipped scenarios. The only package that
knows h5py and h5netcdf.

Every public name is importable from here (``from simcore.io import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "ALIGNMENT": "direct_io",
    "ALIGNMENT_THRESHOLD": "direct_io",
    "CF_CONVENTIONS": "layout",
    "COMPLETE_ATTR": "layout",
    "CREATING_SUFFIX": "partial",
    "DirectTarget": "writer",
    "DirectWriter": "direct_io",
    "FILE_OVERHEAD": "writer",
    "FileInfo": "provenance",
    "FileLayout": "layout",
    "KIND_ATTR": "layout",
    "OTHER_KINDS": "layout",
    "OutcomeFrequency": "layout",
    "PLATFORM_ATTRS": "provenance",
    "RECORDED_PACKAGES": "provenance",
    "ResultWriter": "writer",
    "SUMMARY_FLOAT_ATTR": "layout",
    "SUMMARY_GROUP": "layout",
    "SUMMARY_ONLY_ATTR": "layout",
    "SUMMARY_STATISTICS": "layout",
    "TEMP_SUFFIX": "partial",
    "VERSIONS_ATTR": "provenance",
    "VariableInfo": "provenance",
    "aligned_copy": "direct_io",
    "aligned_empty": "direct_io",
    "blas_description": "provenance",
    "check_dataset": "dataset_file",
    "check_free_space": "writer",
    "check_result_file": "reader",
    "cpu_model": "provenance",
    "cpuinfo_model": "provenance",
    "existing_file": "reader",
    "file_info": "provenance",
    "file_layout": "layout",
    "final_path": "partial",
    "flag_attrs": "layout",
    "global_attrs": "layout",
    "installed_versions": "provenance",
    "is_stale_temporary": "partial",
    "open_summary": "reader",
    "origin_attrs": "provenance",
    "package_versions": "provenance",
    "platform_attrs": "provenance",
    "provenance_attrs": "provenance",
    "read_dataset": "dataset_file",
    "read_outcome_frequency": "reader",
    "read_samples": "reader",
    "read_scenario_coords": "reader",
    "read_structure": "reader",
    "read_summary": "reader",
    "recorded_versions": "provenance",
    "refuse_existing": "atomic",
    "remove_stale_temporaries": "partial",
    "replacing": "atomic",
    "sample_dataset": "sample_group",
    "stored_scenarios": "provenance",
    "summary_dataset": "summary_group",
    "temporary_path": "partial",
    "version_differences": "provenance",
    "write_shipped_scenarios": "shipped",
    "write_dataset": "dataset_file",
    "write_text": "atomic",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

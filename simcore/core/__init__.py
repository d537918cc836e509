"""Layer 0, the vocabulary every layer shares: errors, closed name sets, the table of
output variables, the table of negotiation outcome codes, the design constants, and small
helpers. Imports only numpy and the
standard library.

Every public name is importable from here (``from simcore.core import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "BIT_GENERATOR": "design",
    "BASE_CODES": "outcomes",
    "BLOCK_SIZE": "design",
    "ConfigError": "errors",
    "ConfigParameterError": "errors",
    "DRIVERS": "types",
    "Deflator": "variables",
    "KIND_CODES": "outcomes",
    "KIND_SLOTS": "outcomes",
    "MAX_PER_KIND": "outcomes",
    "NO_NEGOTIATION": "outcomes",
    "NO_NEGOTIATION_MEANING": "outcomes",
    "Driver": "types",
    "OutcomeKind": "types",
    "OutputExistsError": "errors",
    "PARAMETER_WORDING": "errors",
    "ParameterError": "errors",
    "PathsNotStoredError": "errors",
    "ResultFileError": "errors",
    "Rounder": "rounding",
    "RuleKind": "types",
    "SUMMARIZED": "variables",
    "Sampler": "types",
    "ShockDistribution": "types",
    "SmasimInputError": "errors",
    "TIE_BAND": "rounding",
    "Tie": "rounding",
    "VARIABLES": "variables",
    "VariableKind": "variables",
    "VariableSpec": "variables",
    "block_bounds": "design",
    "block_count": "design",
    "default_outcome_names": "outcomes",
    "default_threads": "system",
    "did_you_mean": "errors",
    "human_bytes": "text",
    "json_ready": "records",
    "literal": "errors",
    "outcome_codes": "outcomes",
    "outcome_meaning": "outcomes",
    "record_number": "records",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

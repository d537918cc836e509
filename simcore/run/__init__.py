"""Layer 4, running scenarios into a result file: plan, simulate (threads or dask),
summarize, commit; the process settings; running a file again.

Every public name is importable from here (``from simcore.run import …``) and is loaded
from its module on first use.
"""

from __future__ import annotations

from simcore.core.lazy import lazy_exports

_EXPORTS = {
    "ALLOCATOR_ENVIRONMENT": "process",
    "CONNECT_TIMEOUT": "parallel",
    "ChunkExecutor": "parallel",
    "ChunkResult": "runner",
    "ChunkTask": "runner",
    "DASK_CHUNK_SIZE": "parallel",
    "DEFAULT_CHUNK_SIZE": "parallel",
    "DaskExecutor": "parallel",
    "FIRST_REFINEMENT": "runner",
    "IN_MEMORY_LIMIT": "in_memory",
    "InProcessExecutor": "parallel",
    "MMAP_THRESHOLD": "process",
    "ProgressCallback": "parallel",
    "R": "parallel",
    "RunPlan": "runner",
    "RunResult": "runner",
    "ScenarioReduction": "runner",
    "SchedulerUnreachableError": "parallel",
    "StorageOptions": "runner",
    "SummaryPlans": "runner",
    "T": "parallel",
    "TRIM_THRESHOLD": "process",
    "check_run": "runner",
    "check_scheduler": "parallel",
    "chunk_blocks": "runner",
    "chunk_values": "in_memory",
    "commit_run": "runner",
    "configure_allocator": "process",
    "configure_process": "process",
    "default_rerun_path": "rerun",
    "limit_blas_threads": "process",
    "objects_frozen": "process",
    "open_executor": "parallel",
    "pilot_chunks": "runner",
    "plan_run": "runner",
    "plan_summaries": "runner",
    "recorded_storage": "rerun",
    "release_memory": "process",
    "rerun": "rerun",
    "resolve_seed": "runner",
    "run_scenarios": "runner",
    "simulate_again": "runner",
    "simulate_chunk": "runner",
    "simulate_dataset": "in_memory",
    "simulate_into": "runner",
    "simulate_pilot": "runner",
    "stored_block": "runner",
    "summarize_run": "runner",
    "visible_target": "runner",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

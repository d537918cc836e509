"""Running a result file again from what it says about itself (``smasim rerun``)."""

from __future__ import annotations

from pathlib import Path

from simcore.core.errors import SmasimInputError
from simcore.io.provenance import FileInfo, file_info, stored_scenarios
from simcore.io.reader import read_scenario_coords
from simcore.run.parallel import ChunkExecutor, ProgressCallback
from simcore.run.runner import RunResult, StorageOptions, run_scenarios


def default_rerun_path(path: str | Path) -> Path:
    """``outputs/baseline.h5`` → ``outputs/baseline.rerun.h5``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.rerun{path.suffix or '.h5'}")


def rerun(
    path: str | Path,
    output: str | Path | None = None,
    *,
    overwrite: bool = False,
    force: bool = False,
    chunk_size: int | None = None,
    progress: ProgressCallback | None = None,
    command: str | None = None,
    executor: ChunkExecutor | None = None,
) -> RunResult:
    """Run a result file's stored configuration and seed again into a new file.

    The scenarios, seed, batch layout (a sweep's swept values included) and storage
    (float32, compression, the variables kept) are the file's, so the new file's variables
    are identical to the old one's when the same version of smasim runs them. Only the
    provenance attributes (creation time, history, ``seed_source``) differ.

    Parameters
    ----------
    path : str or Path
        The result file (complete or not: its configuration is written first).
    output : str or Path, optional
        The new file; default :func:`default_rerun_path`.
    overwrite, force, chunk_size, progress, command, executor
        As for :func:`simcore.run.runner.run_scenarios`.

    Returns
    -------
    RunResult

    Raises
    ------
    SmasimInputError
        An exploration's file (``smasim explore`` runs it again, from its history).
    """
    info = file_info(path)
    if "explore" in info.groups:
        # Its design, levers and thresholds are the exploration's, not a run's.
        history = str(info.attrs.get("history", "")).partition(" ")[2]
        raise SmasimInputError(f"{path}: an exploration; run it again with the command it "
                               f"records: {history}")
    return run_scenarios(
        stored_scenarios(info),
        Path(output) if output is not None else default_rerun_path(path),
        batch=info.batch,
        # The seed is passed beside the configurations, never written into them: an
        # unseeded run's entropy has 128 bits, more than a configuration's seed may.
        seed=info.seed,
        storage=recorded_storage(info),
        overwrite=overwrite,
        force=force,
        executor=executor,
        chunk_size=chunk_size,
        progress=progress,
        seed_source=f"rerun of {path}",
        command=command,
        # A sweep's swept values along `scenario`, from the file's structure.
        scenario_coords=read_scenario_coords(path, complete=info.complete) if info.batch
        else None,
    )


def recorded_storage(info: FileInfo) -> StorageOptions:
    """How a result file says it stores its values: float32, compression, the variables
    whose paths it keeps."""
    return StorageOptions(float32=info.float32, compress=info.compressed, store=info.store)

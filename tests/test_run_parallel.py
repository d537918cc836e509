"""The same file whatever runs the chunks: threads, dask worker processes, chunk sizes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import pytest

from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import SmasimInputError
from simcore.core.variables import VARIABLES
from simcore.io.writer import DirectTarget, ResultWriter
from simcore.model.params import ModelParams
from simcore.run.parallel import (
    DaskExecutor,
    InProcessExecutor,
    SchedulerUnreachableError,
    open_executor,
)
from simcore.run.runner import run_scenarios
from tests.conftest import BASELINE

Factory = Callable[..., Scenario]
N = 2 * BLOCK_SIZE + 1_000


def _variables(path: Path) -> dict[str, bytes]:
    with h5py.File(path, "r") as handle:
        return {name: handle[name][()].tobytes() for name in VARIABLES if name in handle}


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    from simcore.config.load import load_scenario
    from tests.conftest import ROOT

    return [
        load_scenario(ROOT / "configs" / name).with_overrides(samples=N)
        for name in ("baseline.toml", "drawdown.toml")
    ]


def run_written_by_h5py(scenarios: list[Scenario], path: Path, **options: Any) -> Path:
    """The reference: one thread, every chunk written by h5py in the writing process (as for
    a compressed file, which has no direct target)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ResultWriter, "direct_target", lambda self: None)
        return run_scenarios(
            scenarios, path, batch=True, executor=InProcessExecutor(), **options
        ).path


@pytest.fixture(scope="module")
def serial_file(scenarios: list[Scenario], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_written_by_h5py(scenarios, tmp_path_factory.mktemp("serial") / "serial.h5",
                               chunk_size=1)


@pytest.mark.parametrize(
    ("workers", "threads", "chunk_size"),
    [
        pytest.param(None, 1, BLOCK_SIZE, id="direct-writes"),
        pytest.param(None, 2, BLOCK_SIZE, id="2-threads"),
        pytest.param(None, 1, 10 * BLOCK_SIZE, id="one-big-chunk"),
        pytest.param(1, None, 2 * BLOCK_SIZE, id="dask-1-worker", marks=pytest.mark.slow),
        pytest.param(2, None, BLOCK_SIZE, id="dask-2-workers", marks=pytest.mark.slow),
    ],
)
def test_identical_bytes(
    scenarios: list[Scenario],
    serial_file: Path,
    tmp_path: Path,
    workers: int | None,
    threads: int | None,
    chunk_size: int,
) -> None:
    with open_executor(workers=workers, threads=threads) as executor:
        path = run_scenarios(
            scenarios, tmp_path / "x.h5", batch=True, chunk_size=chunk_size, executor=executor
        ).path
    expected = _variables(serial_file)
    got = _variables(path)
    assert expected.keys() == got.keys() and len(got) >= 15
    for name, data in expected.items():
        assert got[name] == data, name


def test_executor_options_are_checked() -> None:
    with pytest.raises(SmasimInputError, match=r"^workers and scheduler exclude each other"):
        with open_executor(workers=2, scheduler="tcp://127.0.0.1:1"):
            pass
    for address in ("localhost", "tcp://localhost", "foo:bar", "http://host:80"):
        with pytest.raises(SmasimInputError, match=rf"^scheduler {address}: expected a dask"):
            with open_executor(scheduler=address):
                pass
    # Not bad input but a failure to run (exit 1): nothing answers there.
    with pytest.raises(SchedulerUnreachableError,
                       match=r"^scheduler tcp://127\.0\.0\.1:9: cannot connect"):
        with open_executor(scheduler="tcp://127.0.0.1:9", connect_timeout=1.0):
            pass


def test_threads_leave_the_writing_to_the_calling_thread(
    scenarios: list[Scenario], serial_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes to one file serialize in the kernel, where a waiting thread spins: threads of
    the run's process simulate, and only the thread that called the run writes."""
    writers: list[threading.Thread] = []
    write = DirectTarget.write

    def recorded(self: DirectTarget, *args: Any, **kwargs: Any) -> None:
        writers.append(threading.current_thread())
        write(self, *args, **kwargs)

    monkeypatch.setattr(DirectTarget, "write", recorded)
    path = run_scenarios(scenarios, tmp_path / "x.h5", batch=True,
                         executor=InProcessExecutor(threads=2)).path
    assert len(writers) == 2 * 3  # 2 scenarios x 3 blocks
    assert set(writers) == {threading.main_thread()}
    assert _variables(path) == _variables(serial_file)


def test_a_run_takes_its_chunk_size_from_the_executor(
    scenarios: list[Scenario], serial_file: Path, tmp_path: Path
) -> None:
    """Unless the run says, tasks are as large as the executor wants them: one block in this
    process, 4 on dask workers (whose fixed cost per task is larger); smaller tasks (a pilot,
    a scenario's last block) go to the executor together until they hold as many blocks."""
    assert InProcessExecutor.chunk_size == BLOCK_SIZE
    assert DaskExecutor.chunk_size == 4 * BLOCK_SIZE
    groups: list[list[range]] = []

    class TwoBlocksPerTask(InProcessExecutor):
        chunk_size = 2 * BLOCK_SIZE

        def map_ordered(self, fn: Callable[[Any], Any], tasks: Any) -> Any:
            def recorded(tasks: Any) -> Any:
                for group in tasks:
                    groups.append([task.blocks for task in group])
                    yield group
            return super().map_ordered(fn, recorded(tasks))

    path = run_scenarios(scenarios, tmp_path / "x.h5", batch=True,
                         executor=TwoBlocksPerTask()).path
    # Block 0 of each scenario is its pilot (its first chunk then skips it): the two pilots
    # go together; then each scenario's blocks 1 and 2, together.
    assert groups == [[range(0, 1)] * 2] + [[range(1, 2), range(2, 3)]] * 2
    assert _variables(path) == _variables(serial_file)


def test_every_block_is_simulated_once(
    scenarios: list[Scenario], serial_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pilot that places the brackets is block 0 itself: it is written and folded in,
    not simulated again (a third of the blocks of a batch of 1e5-path scenarios)."""
    import simcore.run.runner as runner_module

    simulated: dict[int, list[int]] = {}
    simulate_resolved_block = runner_module.simulate_resolved_block

    def recorded(params: ModelParams, block: int, **options: Any) -> dict[str, Any]:
        # A scenario's blocks all read its one resolved ModelParams: its identity names it.
        simulated.setdefault(id(params), []).append(block)
        return simulate_resolved_block(params, block, **options)

    monkeypatch.setattr(runner_module, "simulate_resolved_block", recorded)
    path = run_scenarios(scenarios, tmp_path / "x.h5", batch=True,
                         executor=InProcessExecutor(threads=2)).path
    assert len(simulated) == len(scenarios)
    assert all(sorted(blocks) == list(range(3)) for blocks in simulated.values())
    assert _variables(path) == _variables(serial_file)


def test_in_process_map_keeps_order() -> None:
    executor = InProcessExecutor(threads=3)
    assert list(executor.map_ordered(lambda x: x * x, range(20))) == [x * x for x in range(20)]


@pytest.mark.slow
def test_a_million_paths_on_two_workers_equal_one_thread(tmp_path: Path) -> None:
    """Scale: 2 scenarios x 1e6 paths (16 blocks each, a short last one), both ways."""
    from simcore.config.load import load_scenario
    from tests.conftest import ROOT

    scenarios = [
        load_scenario(ROOT / "configs" / name).with_overrides(samples=1_000_000)
        for name in ("baseline.toml", "lapse.toml")
    ]
    serial = run_written_by_h5py(scenarios, tmp_path / "serial.h5")
    with open_executor(workers=2) as executor:
        spread = run_scenarios(scenarios, tmp_path / "spread.h5", batch=True,
                               executor=executor, chunk_size=3 * BLOCK_SIZE).path
    expected, got = _variables(serial), _variables(spread)
    for name, data in expected.items():
        assert got[name] == data, name
    with h5py.File(serial, "r") as a, h5py.File(spread, "r") as b:
        for name in ("contribution_usd_mean", "contribution_usd_percentile",
                     "contribution_usd_percentile_upper"):
            assert a["summary"][name][()].tobytes() == b["summary"][name][()].tobytes(), name


def test_the_cli_names_its_options_where_the_library_names_parameters(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from simcore.cli.main import cli

    result = CliRunner().invoke(cli, ["run", str(BASELINE), "-o", str(tmp_path / "x.h5"),
                                      "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert result.output == "Error: --workers and --scheduler exclude each other: give one\n"
    assert list(tmp_path.iterdir()) == []


def test_a_stopped_local_cluster_is_quiet_while_it_shuts_down_then_logs_again() -> None:
    """A stop (Ctrl-C, SIGTERM) ends a --workers run in our one line: distributed's loggers
    say nothing while the cluster goes down, and have their levels back afterwards."""
    import logging

    import distributed  # noqa: F401  (its import sets these loggers' levels)

    from simcore.run.parallel import SHUTDOWN_LOGGERS

    loggers = [logging.getLogger(name) for name in SHUTDOWN_LOGGERS]
    before = [logger.level for logger in loggers]
    during_shutdown: list[str] = []

    class Record(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            during_shutdown.append(f"{record.name}: {record.getMessage()}")

    handler = Record()
    with pytest.raises(KeyboardInterrupt), open_executor(workers=1):
        # The cluster's start logs (INFO); from the stop on, nothing may.
        logging.getLogger("distributed").addHandler(handler)
        raise KeyboardInterrupt
    logging.getLogger("distributed").removeHandler(handler)
    assert during_shutdown == []
    assert [logger.level for logger in loggers] == before

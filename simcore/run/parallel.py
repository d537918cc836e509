"""Mapping the pure chunk function over chunks: in process, or on a dask cluster.

Every way of running is a map of one picklable function over chunk tasks, with results
yielded in task order (the run folds the blocks' moments in that order), so that the file
is identical to a serial run's whoever writes each chunk:

- :class:`InProcessExecutor`: the calling process, with a few threads (numpy releases the
  GIL in random draws and ufuncs, so threads overlap simulation with writing);
- :class:`DaskExecutor`: a ``dask.distributed`` client, on a ``LocalCluster`` of worker
  processes (``--workers N``) or an existing cluster (``--scheduler ADDRESS``).

:func:`check_scheduler` asks an address for a dask scheduler's identity under one deadline
before a client is built, so a wrong address is a prompt error, never a hang.

At most ``in_flight`` results wait in memory at once, so memory stays bounded by a few
chunks whatever the number of paths.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import re
import signal
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from simcore.core.design import BLOCK_SIZE
from simcore.core.errors import PARAMETER_WORDING, ParameterError, literal
from simcore.core.system import default_threads
from simcore.run.process import ALLOCATOR_ENVIRONMENT

#: Samples per task in this process: one block. A block (65,536 paths) already amortizes a
#: thread's per-call overhead; larger chunks only hold more memory in flight.
DEFAULT_CHUNK_SIZE = BLOCK_SIZE

#: Samples per task on dask workers: 4 blocks. A task's fixed cost there (scheduling it,
#: serializing it and its result: ~40 ms of Python across the workers' and the client's
#: threads in perf of a 1e7-path run on 2 workers, 7.4 s for 153 one-block tasks) was
#: half a 1-block task's time again; 4 blocks ran 11% faster than 1 there. Workers that see
#: the file write each block as it is made, so the chunk's values are held at once only by
#: one that sends them back (~150 MB).
DASK_CHUNK_SIZE = 4 * BLOCK_SIZE

#: Called with (samples done, samples in all) as a run progresses.
ProgressCallback = Callable[[int, int], None]

T = TypeVar("T")
R = TypeVar("R")


class ChunkExecutor(Protocol):
    """Maps a function over tasks and yields the results in task order."""

    #: Parallel slots: the number of tasks worth keeping in flight.
    slots: int
    #: Tasks run in the calling process (threads): their results need no transfer, and the
    #: calling thread is the one writer of the file (see :func:`simcore.run.runner.simulate_into`).
    in_process: bool
    #: Samples per task when the run does not say (:data:`DEFAULT_CHUNK_SIZE`,
    #: :data:`DASK_CHUNK_SIZE`).
    chunk_size: int

    def map_ordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for each task, in the order of ``tasks``."""
        ...


def _ordered(submit: Callable[[T], Any], result: Callable[[Any], R], tasks: Iterable[T],
             in_flight: int) -> Iterator[R]:
    """Keep up to ``in_flight`` tasks submitted; yield results in submission order."""
    pending: collections.deque[Any] = collections.deque()
    try:
        for task in tasks:
            pending.append(submit(task))
            if len(pending) >= in_flight:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
    finally:
        for future in pending:
            future.cancel()


class InProcessExecutor:
    """Run tasks in this process: serially, or on ``threads`` threads.

    Parameters
    ----------
    threads : int
        1 runs each task in the calling thread.
    """

    in_process = True
    chunk_size = DEFAULT_CHUNK_SIZE

    def __init__(self, threads: int = 1) -> None:
        self.slots = max(1, threads)

    def __repr__(self) -> str:
        return f"InProcessExecutor(threads={self.slots})"

    def map_ordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        if self.slots == 1:
            for task in tasks:
                yield fn(task)
            return
        with ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="smasim") as pool:

            def submit(task: T) -> Future[R]:
                return pool.submit(fn, task)

            # One result waiting for the writer per thread, plus the one being written.
            yield from _ordered(submit, Future.result, tasks, in_flight=self.slots + 1)


class DaskExecutor:
    """Run tasks on a dask.distributed cluster through ``client``.

    Workers on this machine, or on machines that share the output folder's file system,
    write their chunks into the result file themselves; the others send them back (each
    task probes: :meth:`simcore.io.writer.DirectTarget.visible`).
    """

    in_process = False
    chunk_size = DASK_CHUNK_SIZE

    def __init__(self, client: Any) -> None:
        self.client = client
        workers = client.scheduler_info().get("workers", {})
        self.slots = max(1, sum(w.get("nthreads", 1) for w in workers.values()))

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client.scheduler.address!r}, slots={self.slots})"

    def map_ordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        def submit(task: T) -> Any:
            # pure=False: identical tasks are still separate chunks to compute.
            return self.client.submit(fn, task, pure=False)

        def result(future: Any) -> R:
            value = future.result()
            future.release()
            return value

        yield from _ordered(submit, result, tasks, in_flight=2 * self.slots)


#: Seconds a scheduler address gets to answer: a refused connection is retried until then
#: (a scheduler may be starting), and the command still fails well within 10 s.
CONNECT_TIMEOUT = 5.0


class SchedulerUnreachableError(ConnectionError):
    """No dask scheduler answers at the address given: a failure to run, not bad input.

    Names the ``{scheduler}`` parameter as :class:`simcore.core.errors.ParameterError` does.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        super().__init__(self.worded(PARAMETER_WORDING))

    def worded(self, names: Mapping[str, str]) -> str:
        """The message with each parameter named as ``names`` says."""
        return self.template.format_map(names)


def check_scheduler(address: str, *, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`SchedulerUnreachableError` unless a dask scheduler answers at ``address``.

    Asks for the server's identity under one deadline that nothing can outlast: dask's own
    client waits forever for a server that accepts the connection but does not speak dask
    (an HTTP server, e.g. the dashboard's port), or tries to allocate exabytes for the
    frame length it reads from an HTTP error page.
    """
    import asyncio

    from distributed.core import rpc
    from distributed.security import Security

    async def identity() -> dict[str, Any]:
        arguments = Security().get_connection_args("client")
        async with rpc(address, timeout=timeout, connection_args=arguments) as remote:
            answer: dict[str, Any] = await remote.identity()
            return answer

    async def within_deadline() -> dict[str, Any]:
        return await asyncio.wait_for(identity(), timeout)

    # A thread of its own: the caller may be running an event loop (a notebook). Not waited
    # for on the way out, so that Ctrl-C during the probe stops at once.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smasim-probe")
    try:
        info = pool.submit(asyncio.run, within_deadline()).result()
    except TimeoutError:
        raise _unreachable(address, f"no answer within {timeout:g} s") from None
    except OSError as err:
        raise _unreachable(address, (str(err) or type(err).__name__).splitlines()[0]) from None
    except Exception as err:  # whatever a foreign server makes dask raise
        raise _unreachable(
            address, f"the server there does not speak dask's protocol: {type(err).__name__}"
        ) from None
    finally:
        pool.shutdown(wait=False)
    kind = info.get("type") if isinstance(info, dict) else None
    if kind != "Scheduler":
        raise _unreachable(
            address,
            f"it is a dask {kind or 'server'}, not a scheduler: give the address `dask "
            "scheduler` prints",
        )


def _unreachable(address: str, reason: str) -> SchedulerUnreachableError:
    return SchedulerUnreachableError(
        f"{{scheduler}} {literal(address)}: cannot connect to a dask scheduler there "
        f"({literal(reason)})"
    )


@contextlib.contextmanager
def open_executor(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    threads: int | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> Iterator[ChunkExecutor]:
    """The executor for a run, closed (cluster shut down) on exit.

    Parameters
    ----------
    workers : int, optional
        Start a ``LocalCluster`` of this many worker processes (one thread each).
    scheduler : str, optional
        Address of a running dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    threads : int, optional
        Threads for an in-process run (default: the usable cores).
    connect_timeout : float
        Seconds to wait for ``scheduler`` to answer.

    Raises
    ------
    SchedulerUnreachableError
        Nothing at ``scheduler`` answers as a dask scheduler within ``connect_timeout``.
    """
    if workers is not None and scheduler is not None:
        raise ParameterError("{workers} and {scheduler} exclude each other: give one")
    if workers is None and scheduler is None:
        yield InProcessExecutor(threads or default_threads())
        return
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        if not re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://[^:/\s]+:\d+/?", scheduler):
            raise ParameterError(
                f"{{scheduler}} {literal(scheduler)}: expected a dask scheduler address such "
                "as tcp://10.0.0.5:8786 (protocol, host and port)"
            )
        check_scheduler(scheduler, timeout=connect_timeout)
        try:
            client = Client(scheduler, timeout=f"{connect_timeout}s")
        except (OSError, TimeoutError, ValueError) as err:
            raise _unreachable(scheduler, str(err)) from None
        with client:
            yield DaskExecutor(client)
        return
    assert workers is not None
    if workers < 1:
        raise ParameterError(f"{{workers}}: must be at least 1 (got {workers})")
    import dask.config

    # The nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which made a block 1.5-1.7x
    # slower (benchmarks/bench_run.py); start them with the allocator settings of this process.
    environment = dask.config.get("distributed.nanny.pre-spawn-environ", {})
    with (
        # Entered first so that it exits last: what it holds outlives the cluster's shutdown.
        contextlib.ExitStack() as after_shutdown,
        dask.config.set(
            {"distributed.nanny.pre-spawn-environ": {**environment, **ALLOCATOR_ENVIRONMENT}}
        ),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            # Any free port: a second run (or anything on 8787) must not print a warning.
            dashboard_address=":0",
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        try:
            yield DaskExecutor(client)
        except BaseException:
            # A stopped run ends in one line of ours: the scheduler's complaints about the
            # workers it loses (tracebacks, under load) would only bury it.
            after_shutdown.enter_context(loggers_silenced(SHUTDOWN_LOGGERS))
            _kill_workers(cluster)
            raise


#: The loggers of a ``LocalCluster`` in this process (scheduler, nannies, client, their
#: event loop) that report lost workers and cancelled tasks.
SHUTDOWN_LOGGERS = ("distributed", "tornado", "asyncio")


@contextlib.contextmanager
def loggers_silenced(names: Iterable[str]) -> Iterator[None]:
    """Raise these loggers to above CRITICAL for the block, then restore their levels."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _kill_workers(cluster: Any) -> None:
    """End a ``LocalCluster``'s worker processes at once, when the run stops (Ctrl-C, an
    error): closing the cluster normally waits for the tasks they are running, seconds each,
    which nobody will collect."""
    for nanny in list(cluster.workers.values()):
        with contextlib.suppress(Exception):  # a worker that is already gone
            nanny.close_gracefully()  # the nanny must not start a new worker process
            if nanny.pid:
                os.kill(nanny.pid, signal.SIGKILL)

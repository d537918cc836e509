"""Writing samples past the page cache (simcore.io.direct_io): the same bytes as a plain write,
whatever the alignment, and direct I/O where the file system allows it."""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import simcore.io.direct_io as direct_io
from simcore.config.load import load_scenario
from simcore.config.schema import Scenario
from simcore.core.design import BLOCK_SIZE
from simcore.core.variables import VARIABLES
from simcore.io.direct_io import ALIGNMENT, DirectWriter, aligned_copy, aligned_empty
from simcore.run.runner import run_scenarios
from tests.conftest import BASELINE

SIZE = 5 * ALIGNMENT + 123


@pytest.fixture
def direct_folder(tmp_path: Path) -> Path:
    """``tmp_path``, where the tests that watch direct writes happen; they are skipped
    where its file system (or the platform) has no direct I/O: there is nothing to watch."""
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    try:
        os.close(os.open(probe, os.O_WRONLY | getattr(os, "O_DIRECT", 0)))
        supported = bool(getattr(os, "O_DIRECT", 0))
    except OSError:
        supported = False
    probe.unlink()
    if not supported:
        pytest.skip("this file system has no direct I/O")
    return tmp_path


def _recorded_writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, int, int]]:
    """Record every ``pwrite`` as (through O_DIRECT, position, bytes)."""
    calls: list[tuple[bool, int, int]] = []
    pwrite = os.pwrite

    def recorded(fd: int, data: Any, position: int) -> int:
        written = pwrite(fd, data, position)
        direct = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0))
        calls.append((direct, position, written))
        return written

    monkeypatch.setattr(direct_io.os, "pwrite", recorded)
    return calls


@pytest.mark.parametrize("shape", [(7,), (3, 1000), (BLOCK_SIZE, 6)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int8])
def test_aligned_memory_starts_on_a_disk_block(shape: tuple[int, ...], dtype: type) -> None:
    array = aligned_empty(shape, dtype)
    assert array.shape == shape and array.dtype == dtype and array.flags.c_contiguous
    assert array.ctypes.data % ALIGNMENT == 0
    values: np.ndarray = np.asfortranarray(np.arange(np.prod(shape)).reshape(shape).astype(dtype))
    copy = aligned_copy(values)
    assert copy.ctypes.data % ALIGNMENT == 0 and copy.flags.c_contiguous
    assert np.array_equal(copy, values)


@pytest.mark.parametrize("phase", [1, 100, ALIGNMENT - 8, ALIGNMENT + 24])
def test_aligned_memory_can_start_at_a_phase(phase: int) -> None:
    """Memory bound for a file offset with the same phase: whole pages line up."""
    assert aligned_empty((10, 6), np.float64, phase=phase).ctypes.data % ALIGNMENT == (
        phase % ALIGNMENT)
    values = np.arange(60.0).reshape(6, 10).T
    copy = aligned_copy(values, phase=phase)
    assert copy.ctypes.data % ALIGNMENT == phase % ALIGNMENT and np.array_equal(copy, values)


@pytest.mark.parametrize("position", [0, 1, ALIGNMENT - 1, ALIGNMENT, 3 * ALIGNMENT + 17])
@pytest.mark.parametrize("length", [0, 5, ALIGNMENT, 2 * ALIGNMENT + 1, 4 * ALIGNMENT])
@pytest.mark.parametrize("buffer_offset", [0, 3])
def test_a_write_puts_exactly_its_bytes_at_its_place(
    tmp_path: Path, position: int, length: int, buffer_offset: int
) -> None:
    """Every alignment of position, length and buffer: the file reads back as a plain
    write would leave it, and the bytes around the written range are untouched."""
    path = tmp_path / "file"
    before = np.random.default_rng(1).integers(0, 256, 8 * ALIGNMENT, dtype=np.uint8)
    path.write_bytes(before.tobytes())
    memory = aligned_empty(length + buffer_offset, np.uint8)
    memory[:] = np.random.default_rng(2).integers(0, 256, memory.size, dtype=np.uint8)
    values = memory[buffer_offset:]
    with DirectWriter(str(path)) as writer:
        writer.write(values, position)
    expected = before.copy()
    expected[position : position + length] = values
    assert path.read_bytes() == expected.tobytes()


def test_whole_pages_go_to_disk_directly_and_the_partial_ones_through_the_cache(
    direct_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = direct_folder / "file"
    path.write_bytes(bytes(8 * ALIGNMENT))
    calls = _recorded_writes(monkeypatch)
    values = np.arange(SIZE // 8, dtype=np.float64)  # not aligned in memory, nor in length
    with DirectWriter(str(path)) as writer:
        writer.write(values, 100)
    head = ALIGNMENT - 100
    body = (values.nbytes - head) // ALIGNMENT * ALIGNMENT
    assert calls == [
        (False, 100, head),
        (True, ALIGNMENT, body),
        (False, ALIGNMENT + body, values.nbytes - head - body),
    ]
    assert path.read_bytes()[100 : 100 + values.nbytes] == values.tobytes()


def test_without_direct_io_every_write_goes_through_the_page_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A platform without O_DIRECT (macOS): the same bytes, in one buffered write (not
    split at pages, nothing copied to line them up)."""
    monkeypatch.setattr(direct_io, "_O_DIRECT", 0)
    path = tmp_path / "file"
    path.write_bytes(bytes(8 * ALIGNMENT))
    calls = _recorded_writes(monkeypatch)
    values = np.arange(SIZE // 8, dtype=np.float64)
    with DirectWriter(str(path)) as writer:
        writer.write(values, 100)
    assert calls == [(False, 100, values.nbytes)]
    assert path.read_bytes()[100 : 100 + values.nbytes] == values.tobytes()


def test_a_device_that_refuses_the_alignment_gets_buffered_writes(
    direct_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EINVAL from a direct write (a device with larger blocks): that write and every later
    one go through the page cache, and the file is still right."""
    path = direct_folder / "file"
    path.write_bytes(bytes(8 * ALIGNMENT))
    pwrite = os.pwrite
    refused: list[int] = []

    def refusing(fd: int, data: Any, position: int) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            refused.append(position)
            raise OSError(errno.EINVAL, "Invalid argument")
        return pwrite(fd, data, position)

    monkeypatch.setattr(direct_io.os, "pwrite", refusing)
    first = aligned_copy(np.full(ALIGNMENT, 7, dtype=np.uint8))
    second = aligned_copy(np.full(2 * ALIGNMENT, 9, dtype=np.uint8))
    with DirectWriter(str(path)) as writer:
        writer.write(first, 0)
        writer.write(second, 4 * ALIGNMENT)
    assert refused == [0]
    data = path.read_bytes()
    assert data[:ALIGNMENT] == first.tobytes()
    assert data[4 * ALIGNMENT : 6 * ALIGNMENT] == second.tobytes()


def test_other_errors_are_not_hidden(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), DirectWriter(str(tmp_path / "missing")):
        pass


def test_a_run_writes_its_full_blocks_directly_into_aligned_datasets(
    direct_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's large datasets start on a disk block, so every full block of samples goes
    to disk directly (no copy into the page cache); the file is the same as ever (the golden
    tests pin its values)."""
    samples = 2 * BLOCK_SIZE + 1_000
    calls = _recorded_writes(monkeypatch)
    scenario = load_scenario(BASELINE).with_overrides(samples=samples, seed=3)
    path = run_scenarios([scenario], direct_folder / "run.h5").path
    with h5py.File(path) as handle:
        datasets = [handle[name] for name in VARIABLES if name in handle]
        row_bytes = [d.nbytes // samples for d in datasets]
        for dataset in datasets:
            assert dataset.id.get_offset() % ALIGNMENT == 0, dataset.name
    direct = sum(size for through_direct, _, size in calls if through_direct)
    # Both full blocks, and the whole pages of the short last one (its last partial page
    # is buffered).
    assert direct == sum(2 * BLOCK_SIZE * r + 1_000 * r // ALIGNMENT * ALIGNMENT
                         for r in row_bytes)
    assert sum(size for _, _, size in calls) == samples * sum(row_bytes)


def test_a_small_file_keeps_its_compact_layout(tmp_path: Path) -> None:
    """Datasets under the alignment threshold are not padded to a disk block."""
    scenario = load_scenario(BASELINE).with_overrides(samples=500, seed=3)
    path = run_scenarios([scenario], tmp_path / "run.h5").path
    with h5py.File(path) as handle:
        extents = sorted((handle[name].id.get_offset(), handle[name].nbytes)
                         for name in VARIABLES if name in handle)
    # Each dataset starts where the one before it ends.
    assert all(start + size == following
               for (start, size), (following, _) in itertools.pairwise(extents))


def test_a_batch_hands_its_blocks_to_the_disk_without_copying_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_scenario: Callable[..., Scenario]
) -> None:
    """A scenario's rows start mid-page when the samples do not fill whole pages; its blocks
    are made in memory of the same phase, so no write copies them to line them up."""
    recopied: list[int] = []
    aligned = direct_io.aligned_copy

    def recorded(array: np.ndarray, *, phase: int = 0) -> np.ndarray:
        recopied.append(array.nbytes)
        return aligned(array, phase=phase)

    monkeypatch.setattr(direct_io, "aligned_copy", recorded)  # what DirectWriter calls
    scenarios = [make_scenario({"run": {"name": name, "samples": BLOCK_SIZE + 1_000,
                                        "seed": 3}}) for name in ("a", "b")]
    path = run_scenarios(scenarios, tmp_path / "batch.h5", batch=True).path
    with h5py.File(path) as handle:
        assert handle["contribution_usd"].shape[:2] == (2, BLOCK_SIZE + 1_000)
    assert recopied == []

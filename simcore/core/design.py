"""The design constants of the reproducibility contract: blocks and their bit generator.

Samples are produced in fixed blocks of :data:`BLOCK_SIZE`; block ``b`` draws only from
streams of ``SeedSequence(seed, spawn_key=(b,))`` with :data:`BIT_GENERATOR`. Both are
recorded in every result file; a file written with others cannot be reproduced.
"""

from __future__ import annotations

#: Samples per block. Part of the reproducibility contract: recorded in every output file.
BLOCK_SIZE = 2**16
#: The bit generator every block stream uses (recorded as ``bit_generator``).
BIT_GENERATOR = "PCG64"


def block_count(samples: int) -> int:
    """Number of blocks that cover ``samples`` paths."""
    return -(-samples // BLOCK_SIZE)


def block_bounds(block: int, samples: int) -> tuple[int, int]:
    """Sample range ``[start, stop)`` of block ``block`` in a run of ``samples`` paths."""
    start = block * BLOCK_SIZE
    return start, min(start + BLOCK_SIZE, samples)

"""The vCPU and memory pairs a Batch job on Fargate may ask for, and the nearest ones to a
pair it may not.

From botocore's batch service model, ``ResourceRequirement.value`` (the AWS Batch API
Reference's table for ``type="VCPU"`` on Fargate; botocore 1.44.18, read 2026-12-07):
0.25 vCPU takes 512, 1024 or 2048 MiB; 0.5 takes 1024-4096 in steps of 1024; 1 takes
2048-8192 in steps of 1024; 2 takes 4096-16384 in steps of 1024; 4 takes 8192-30720 in
steps of 1024; 8 takes 16384-61440 in steps of 4096; 16 takes 32768-122880 in steps of
8192; 32 takes 61440, 122880 or 249856.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Final

MEMORY_BY_VCPUS: Final[dict[float, tuple[int, ...]]] = {
    0.25: (512, 1024, 2048),
    0.5: tuple(range(1024, 4096 + 1, 1024)),
    1: tuple(range(2048, 8192 + 1, 1024)),
    2: tuple(range(4096, 16384 + 1, 1024)),
    4: tuple(range(8192, 30720 + 1, 1024)),
    8: tuple(range(16384, 61440 + 1, 4096)),
    16: tuple(range(32768, 122880 + 1, 8192)),
    32: (61440, 122880, 249856),
}
PAIRS: Final = tuple((vcpus, memory) for vcpus, memories in MEMORY_BY_VCPUS.items()
                     for memory in memories)


def is_valid(vcpus: float, memory: int) -> bool:
    return memory in MEMORY_BY_VCPUS.get(vcpus, ())


def nearest(vcpus: float, memory: int) -> list[tuple[float, int]]:
    """The smallest pair that gives at least ``vcpus`` and ``memory``, then the largest
    that gives at most both (either may be missing)."""
    above = [pair for pair in PAIRS if pair[0] >= vcpus and pair[1] >= memory]
    below = [pair for pair in PAIRS if pair[0] <= vcpus and pair[1] <= memory]
    return ([min(above)] if above else []) + ([max(below)] if below else [])


def refusal(vcpus: float, memory: int) -> str:
    """Why Fargate refuses the pair, and what it would take instead."""
    pairs = " or ".join(f"{v:g} vCPU with {m} MiB" for v, m in nearest(vcpus, memory))
    memories = MEMORY_BY_VCPUS.get(vcpus)
    takes = f"; with {vcpus:g} vCPU it takes {_span(memories)} MiB" if memories else \
        f"; it takes {', '.join(f'{v:g}' for v in MEMORY_BY_VCPUS)} vCPU"
    return (f"{vcpus:g} vCPU with {memory} MiB is not a size Fargate runs{takes}; "
            f"nearest: {pairs}")


def _span(memories: tuple[int, ...]) -> str:
    steps = {b - a for a, b in pairwise(memories)}
    if len(memories) > 3 and len(steps) == 1:
        return f"{memories[0]}-{memories[-1]} in steps of {steps.pop()}"
    return ", ".join(str(m) for m in memories)

"""release_freed_memory: what a model load leaves in reference cycles is freed (no model needed)."""

import gc
import weakref

import numpy as np

from gte_notes.core.model.heap import release_freed_memory


class _Node:
    def __init__(self) -> None:
        self.buffer = np.ones(1_000_000, dtype=np.float32)
        self.me = self  # a cycle: reference counting alone never frees it


def test_cycles_are_collected_only_when_asked() -> None:
    gc.disable()  # the automatic collector must not do the work this test checks
    try:
        node = _Node()
        alive = weakref.ref(node)
        del node
        release_freed_memory()
        assert alive() is not None  # trimming the heap leaves live (cyclic) objects alone
        release_freed_memory(cycles=True)
        assert alive() is None
    finally:
        gc.enable()

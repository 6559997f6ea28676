"""Giving memory back to the OS after the big one-off allocations: loading a model, racing its
precisions, exporting it, an indexing run's batches."""

from __future__ import annotations

import contextlib
import ctypes
import gc


def release_freed_memory(cycles: bool = False) -> None:
    """Hand the freed heap back to the OS; first collect reference cycles if `cycles`.

    glibc keeps freed pages unless asked (`malloc_trim`, ~1 ms; a no-op off glibc). A first start's
    precision race leaves its losing variants (torch modules, ONNX exports) in reference cycles:
    ~720 MB of the gte-small-shaped model's 1.78 GB RSS came back only after `gc.collect()`. That
    holds the GIL for ~140 ms with the model's ~450k objects, so only a model load asks for it."""
    if cycles:
        gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)

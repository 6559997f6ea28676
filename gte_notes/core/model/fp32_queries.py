"""Queries in fp32 when the notes run in torch int8 or bf16, through ONNX Runtime: no torch to search.

A restart searches through the saved query encoder (query_encoder.py), which must give the engine's
own query vectors. With notes in torch int8 or bf16 those came from the reduced model, which ONNX
Runtime cannot reproduce within 1e-4 (other kernels, other rounding), so the encoder was a TorchScript
trace and every restart imported torch: ~210 MB and ~2 s. A query is one short forward pass, so it
runs in fp32 instead: the fp32 model, exported once to ONNX (the file the precision race exports too),
checked against the fp32 torch model before its weights are freed. The query vector is then the
model's own, not an approximation of it, and the passages' int8/bf16 vectors are each within the
precision check's cosine of theirs. Measured with the stand-in, passages in torch int8 (whose int8 is
lossy: 0.918 on the check), queries in fp32 against queries in torch int8, hybrid hit@10 / MRR@10:
dendron-site 65.0 / 28.5 vs 55.0 / 28.2, vaultofknowledge 86.0 / 58.9 vs 80.0 / 51.9 (README
"Memory"). Where onnxruntime is missing or the export fails its check, queries stay in the notes'
precision, through torch, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gte_notes.core.model.onnx_model import OnnxModel, export_model, model_file, runtime_version

log = logging.getLogger(__name__)

REDUCED_TORCH = ("int8", "bf16")  # the precisions whose queries run in fp32 (through this module)
_CHECK_LENGTHS = (1, 7, 64, 512)
_MAX_ABS_DIFF = 1e-4


def fp32_query_model(
    inner: Any,
    rest: list[Any],
    token_types: bool,
    onnx_dir: Path,
    fingerprint: str,
    reference: Callable[[list[int]], np.ndarray],
    vocab: int,
    max_tokens: int,
) -> OnnxModel | None:
    """The fp32 model `inner` (with its pooling, `rest`) as an ONNX model for queries, checked against
    `reference` (token ids -> the fp32 torch model's vector) up to `max_tokens`; None if it cannot be."""
    if runtime_version() is None:
        return None
    try:
        model = export_model(
            inner, rest, token_types, "onnx-fp32", model_file(onnx_dir, fingerprint, "onnx-fp32")
        )
        for n in (n for n in _CHECK_LENGTHS if n <= max_tokens):
            # Fixed ids, so a failed check is reproducible (as onnx_query_encoder.py's).
            row = [int((i * 7919 + 1000) % max(vocab - 1, 2) + 1) for i in range(n)]
            diff = float(np.abs(model.query_vector(row) - reference(row)).max())
            if not diff <= _MAX_ABS_DIFF:  # also catches NaN
                log.warning(
                    "the fp32 ONNX export differs from the model at %d tokens (%.2g): queries "
                    "stay in the notes' precision",
                    n,
                    diff,
                )
                return None
    except Exception as err:  # noqa: BLE001 - without it queries run as the notes do, through torch
        log.warning(
            "could not export the model for fp32 queries (%r): queries stay in the notes' precision",
            err,
            exc_info=True,
        )
        return None
    # A fresh handle: its session opens on the first query, so a process whose queries go through the
    # saved encoder (query_encoder.py) never holds a second copy of these weights.
    return OnnxModel(model.source, "onnx-fp32")

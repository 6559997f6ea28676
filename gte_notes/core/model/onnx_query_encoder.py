"""The saved query encoder as an ONNX model: a restart embeds queries without importing torch.

Importing torch is most of what is left of a restart's wait for search by meaning (~2 s) and ~210 MB
of its memory. Where the full model runs in fp32 or through ONNX Runtime, the query path saved for
the next start is an ONNX model (`<key>.onnx`) with its metadata and tokenizer beside it
(`<key>.json`, written last, so its presence means the pair is complete), run by onnxruntime and
`tokenizers` alone. Before it is saved it must give the full model's vectors (max abs diff 1e-4) for
queries of 1 to 512 tokens, as the TorchScript encoder must (query_encoder.py). Where the notes run in
torch int8 or bf16, whose kernels ONNX cannot reproduce, queries run in fp32 through an ONNX export
(fp32_queries.py), and that file is the encoder; the TorchScript trace stays for when there is none.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gte_notes.core.model.onnx_model import OnnxModel, export_model, runtime_version
from gte_notes.core.model.saved_encoder_files import read_meta

log = logging.getLogger(__name__)


def save_onnx_encoder(
    full: Any, stem: Path, meta: dict[str, Any], check_lengths: Sequence[int], max_abs_diff: float
) -> int:
    """Save `full`'s query path at `stem`.onnx/.json; the longest query length checked (0: not saved)."""
    # The ONNX model the queries already run through: the notes' own, or the fp32 one (fp32_queries.py).
    query_model = full._fp32_queries or full._inner
    runs_onnx = isinstance(query_model, OnnxModel)
    if not (runs_onnx or full.precision == "fp32") or runtime_version() is None:
        return 0
    model_path, info_path = stem.with_suffix(".onnx"), stem.with_suffix(".json")
    stem.parent.mkdir(parents=True, exist_ok=True)
    staging = stem.with_suffix(".onnx.tmp")
    with contextlib.suppress(OSError):
        staging.unlink()
    try:
        if runs_onnx:  # the very model the queries run through
            source = query_model.source
            _link_or_copy(source, staging) if isinstance(source, Path) else staging.write_bytes(source)
        else:
            export_model(full._inner, full._rest, full._takes_token_types, "onnx-fp32", staging)
        candidate = OnnxModel(staging, query_model.precision if runs_onnx else full.precision)
        if runs_onnx:
            # The very file the model's queries run through: short rows show the copy opens and agrees;
            # checking every length would compare the model with itself (~1 s of a first start).
            short = [n for n in check_lengths if n <= min(16, full.max_tokens)]
            fits = [n for n in check_lengths if n <= full.max_tokens]
            agreed = bool(short) and _checked_length(candidate, full, short, max_abs_diff) == max(short)
            checked = max(fits) if agreed else 0
        else:
            checked = _checked_length(candidate, full, check_lengths, max_abs_diff)
        if checked < min(16, full.max_tokens):
            log.warning("the ONNX query encoder differs from the model: not saved")
            return 0
        os.replace(staging, model_path)
        info = dict(meta, checked_tokens=checked, tokenizer=full._span_tok.to_str())
        tmp = info_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, info_path)
        return checked
    finally:
        with contextlib.suppress(OSError):
            staging.unlink()


def load_onnx_encoder(stem: Path) -> tuple[OnnxModel, dict[str, Any]] | None:
    """The saved ONNX encoder at `stem` and its metadata, or None when there is none."""
    model_path, info_path = stem.with_suffix(".onnx"), stem.with_suffix(".json")
    if not (info_path.is_file() and model_path.is_file()) or runtime_version() is None:
        return None
    meta = read_meta(info_path.read_text(encoding="utf-8"), tokenizer=True)
    model = OnnxModel(model_path, str(meta["precision"]))
    model.query_vector([101, 102])  # opens the session now: a damaged file fails here, not in a search
    return model, meta


def remove_onnx_encoder(stem: Path) -> None:
    for suffix in (".json", ".onnx"):
        with contextlib.suppress(OSError):
            stem.with_suffix(suffix).unlink()


def _checked_length(candidate: OnnxModel, full: Any, lengths: Sequence[int], max_abs_diff: float) -> int:
    vocab = len(full._span_tok.get_vocab())
    checked = 0
    for n in (n for n in lengths if n <= full.max_tokens):
        # Fixed ids (not random) so a failed check is reproducible.
        row = [int((i * 7919 + 1000) % max(vocab - 1, 2) + 1) for i in range(n)]
        diff = np.abs(candidate.query_vector(row) - full.query_row_vector(row)).max()
        if not diff <= max_abs_diff:  # also catches NaN
            log.warning("ONNX query encoder differs from the model at %d tokens (%.2g)", n, diff)
            break
        checked = n
    return checked


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)  # same data dir, so usually one file on disk for both
    except OSError:
        shutil.copyfile(source, target)

"""Search by meaning seconds after launch: the query side of the model, saved once, loaded with ONNX
Runtime (or torch) and `tokenizers` alone.

Loading the model through sentence-transformers imports transformers and sentence-transformers and,
through them, SciPy, scikit-learn and sympy: most of a ten-second start and some 200 MB that a session
which embeds nothing never uses. A query needs much less: the tokenizer and one forward pass with the
model's pooling and normalisation. So after a full load the app saves that whole path: as an ONNX
model where ONNX Runtime reproduces the model's precision (onnx_query_encoder.py; a restart then
imports no torch either), else traced for one row (TorchScript). Either is checked against the model
at several query lengths and saved with the tokenizer in the data dir. The next start loads it
(`QuickEmbedder`) and searches at once; the full model is loaded only when notes need embedding, on the
indexing thread. Which of these serves queries and which serves notes is decided in serving.py.

A saved encoder is found by the same key as the precision check (model content, runtime versions, CPU
flags, precision asked for), so it is never used with another model or another runtime, and its
vectors carry the full model's model id.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from gte_notes.core.errors import KnownError, QueryNeedsModel
from gte_notes.core.model import embedder as embedder_module  # sets OMP_WAIT_POLICY before torch loads
from gte_notes.core.model import precision_check
from gte_notes.core.model.heap import release_freed_memory
from gte_notes.core.model.model_catalog import CodeConsent
from gte_notes.core.model.model_files import model_fingerprint
from gte_notes.core.model.onnx_model import OnnxModel
from gte_notes.core.model.onnx_query_encoder import load_onnx_encoder, remove_onnx_encoder, save_onnx_encoder
from gte_notes.core.model.precision_cache import check_key
from gte_notes.core.model.query_path import query_path_class  # imports no torch
from gte_notes.core.model.saved_encoder_files import is_damaged_file_error, read_meta, tokenizer_from_json

log = logging.getLogger(__name__)

ENCODER_DIR = "query-encoders"
_CHECK_LENGTHS = (1, 2, 7, 16, 64, 128, 256, 512)
_MIN_CHECKED = 16  # an encoder for shorter queries than this is not worth saving
_MAX_ABS_DIFF = 1e-4


class NotesEncoder(Protocol):
    """What embeds a QuickEmbedder's notes when not the full model in this process: note_process.py's
    NoteProcess (given by serving.py, so this module needs no import of it)."""

    expected_model_id: str | None

    def encode(
        self, texts: Sequence[str], token_counts: Sequence[int], cancel: Callable[[], bool] | None = None
    ) -> np.ndarray: ...

    def close(self) -> None: ...


def encoder_file(data_dir: Path, name: str, path: Path, requested: str) -> Path:
    key = check_key(model_fingerprint(path), requested, precision_check.MIN_CALIBRATION_COSINE)
    return Path(data_dir) / ENCODER_DIR / f"{hashlib.sha256(f'{name}|{key}'.encode()).hexdigest()[:24]}.pt"


# ---- saving -----------------------------------------------------------------------------------------


def save_query_encoder(full: embedder_module.Embedder, requested: str, data_dir: Path) -> bool:
    target = encoder_file(data_dir, full.name, full.path, requested)
    if target.is_file() or target.with_suffix(".json").is_file():
        return True
    meta = {
        "name": full.name,
        "path": str(full.path),
        "dim": full.dim,
        "max_tokens": full.max_tokens,
        "precision": full.precision,
        "note": full.precision_note,
        "model_id": full.model_id,
    }
    # ONNX first, where it reproduces the model: a restart then needs no torch (onnx_query_encoder.py).
    try:
        if save_onnx_encoder(full, target, meta, _CHECK_LENGTHS, _MAX_ABS_DIFF):
            return True
    except Exception as err:  # noqa: BLE001 - a runtime that fails to export leaves the TorchScript path
        log.warning("could not save an ONNX query encoder (%r): trying TorchScript", err, exc_info=True)
    if isinstance(full._inner, OnnxModel):
        return False  # an ONNX model that failed its own check: no torch graph to trace either
    import torch

    query_path = query_path_class()(full._inner, full._rest, full._takes_token_types).eval()
    vocab = int(getattr(getattr(full._inner, "config", None), "vocab_size", 30000) or 30000)
    checked = 0
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer warns about shape-dependent branches; the check counts
        traced = torch.jit.trace(query_path, _example(8, vocab), check_trace=False)
        for n in (n for n in _CHECK_LENGTHS if n <= full.max_tokens):
            x = _example(n, vocab)
            if not (traced(*x) - query_path(*x)).abs().max().item() <= _MAX_ABS_DIFF:  # also catches NaN
                break
            checked = n
    if checked < _MIN_CHECKED:
        log.warning("the traced query encoder differs from the model: not saved")
        return False
    meta["checked_tokens"] = checked
    files = {"meta.json": json.dumps(meta), "tokenizer.json": full._span_tok.to_str()}
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", DeprecationWarning
            )  # TorchScript: still what loads without Python deps
            torch.jit.save(traced, tmp, _extra_files=files)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return True


def _example(n: int, vocab: int) -> tuple[Any, Any]:
    import torch

    ids = (torch.arange(n, dtype=torch.int64).reshape(1, n) * 7919 + 1000) % max(vocab - 1, 2) + 1
    return ids, torch.ones_like(ids)


# ---- loading ----------------------------------------------------------------------------------------


def load_query_encoder(
    name: str, path: Path, requested: str, data_dir: Path, consent: CodeConsent | None = None
) -> QuickEmbedder | None:
    """The saved query encoder of this model, or None when there is none or it is damaged (then removed:
    the caller loads the model, which saves it anew). A bug while reading it is logged as a bug with its
    traceback and the file is not removed for it (saved_encoder_files.py). `consent` is kept for the full
    model's load (model_catalog.check_remote_code)."""
    file = encoder_file(data_dir, name, path, requested)
    started = time.perf_counter()
    try:
        found = load_onnx_encoder(file)
        if found is not None:
            model, meta = found
            quick = QuickEmbedder(model, meta, str(meta["tokenizer"]), requested, data_dir, consent)
            quick.load_times = {"load the saved ONNX query encoder (no torch)": time.perf_counter() - started}
            return quick
    except Exception as err:  # noqa: BLE001 - sorted below: a damaged file, or a bug that is logged
        if not is_damaged_file_error(err):
            # A bug in gte-notes, not a damaged file: logged as one (with its traceback), the file kept,
            # and this start runs on the full model rather than stopping the app.
            log.exception("bug while reading the saved ONNX query encoder %s: loading the model", file)
            return None
        log.warning("saved ONNX query encoder %s not usable: loading the model", file, exc_info=True)
        remove_onnx_encoder(file)
    if not file.is_file():
        return None
    started = time.perf_counter()
    import torch

    imported = time.perf_counter()
    files = {"meta.json": "", "tokenizer.json": ""}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = torch.jit.load(str(file), map_location="cpu", _extra_files=files)
        text = {k: v.decode() if isinstance(v, bytes) else v for k, v in files.items()}
        meta = read_meta(text["meta.json"])
        quick = QuickEmbedder(graph.eval(), meta, text["tokenizer.json"], requested, data_dir, consent)
    except Exception as err:  # noqa: BLE001 - sorted below: a damaged file, or a bug that is logged
        if not is_damaged_file_error(err):
            log.exception("bug while reading the saved query encoder %s: loading the model", file)
            return None  # as above: logged as a bug, the file kept
        log.warning("saved query encoder %s not usable: loading the model", file, exc_info=True)
        with contextlib.suppress(OSError):
            file.unlink()
        return None
    release_freed_memory()  # the file's bytes, read and unpacked, are garbage now
    quick.load_times = {
        "import torch": imported - started,
        "load the saved query encoder": time.perf_counter() - imported,
    }
    return quick


class QuickEmbedder:
    """The embedder the engine starts on: queries through the saved encoder, tokens through the
    model's tokenizer, and `encode` (notes) through the full model, loaded on first use."""

    def __init__(
        self,
        graph: Any,
        meta: dict[str, Any],
        tokenizer_json: str,
        requested: str,
        data_dir: Path,
        consent: CodeConsent | None = None,
    ) -> None:
        self.name, self.path = str(meta["name"]), Path(meta["path"])
        self.dim, self.max_tokens = int(meta["dim"]), int(meta["max_tokens"])
        self.precision, self.model_id = str(meta["precision"]), str(meta["model_id"])
        self.precision_note = str(meta["note"])
        self.load_times: dict[str, float] = {}
        self._graph = graph
        self._checked_tokens = int(meta["checked_tokens"])
        backend = tokenizer_from_json(tokenizer_json)
        self._span_tok = embedder_module._fresh_tokenizer(backend, None)
        self._query_tok = embedder_module._fresh_tokenizer(backend, self.max_tokens)
        self._known_words: frozenset[str] | None = None
        # The same precision the saved vectors were made with, so the model id cannot change under them.
        self.full_precision = self.precision if requested == "auto" else requested
        self._data_dir = data_dir
        self._full: embedder_module.Embedder | None = None
        self._consent = consent  # what serving.open_embedder was given, for the full load
        self._notes: NotesEncoder | None = None  # notes embedded in a child process (note_process.py)
        self._lock = threading.Lock()

    def embed_notes_apart(self, notes: NotesEncoder) -> None:
        """From now on `encode` runs through `notes` (a child process: note_process.py)."""
        notes.expected_model_id = self.model_id
        self._notes = notes

    def keep_full(self, full: embedder_module.Embedder) -> None:
        """Notes, and queries longer than the saved encoder was checked for, through this model, loaded
        already (a first start in this process), instead of loading it again."""
        self._full = full

    def close(self) -> None:
        """Stop the notes' process, if any (queries keep working; notes can no longer be embedded)."""
        if self._notes is not None:
            self._notes.close()

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return list(
            self._span_tok.encode_batch([text], add_special_tokens=False)[0].offsets
        )  # GIL: embedder.py

    def count_tokens(self, text: str) -> int:
        return len(self._span_tok.encode_batch([text], add_special_tokens=True)[0].ids)

    def known_words(self) -> frozenset[str]:
        """The tokenizer's whole words, as Embedder.known_words (spelling correction's dictionary)."""
        if self._known_words is None:
            self._known_words = embedder_module.whole_words(self._query_tok)
        return self._known_words

    def prepare_queries(self) -> bool:
        return True

    def encode_query(self, text: str) -> np.ndarray:
        row = self._query_tok.encode_batch([text])[0].ids
        if len(row) > self._checked_tokens:
            if self._full is None:
                raise QueryNeedsModel(text)
            return self._full.encode_query(text)
        if isinstance(self._graph, OnnxModel):
            return self._graph.query_vector(row)  # on one thread, for the reason below
        import torch

        ids = torch.tensor([row], dtype=torch.int64)
        before = torch.get_num_threads()
        torch.set_num_threads(1)  # as Embedder.encode_query: a short query must not wait for a busy core
        try:
            # Without the executor's profiling and re-optimising runs the first queries take 60 ms, not
            # 300 + 200 ms, and steady queries measured no slower: the graph is a plain chain of kernels.
            with torch.inference_mode(), torch.jit.optimized_execution(False):
                return self._graph(ids, torch.ones_like(ids))[0].numpy()
        finally:
            torch.set_num_threads(before)

    def encode(
        self,
        texts: Sequence[str],
        token_counts: Sequence[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        if not texts:  # nothing to embed is no reason to load the model
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._notes is not None:
            counts = (
                token_counts
                if token_counts is not None
                else [len(e.ids) for e in self._query_tok.encode_batch(list(texts))]
            )  # truncated as the model does
            return self._notes.encode(texts, counts, cancel)
        return self.full().encode(texts, token_counts, cancel)

    def full(self) -> embedder_module.Embedder:
        """The full model, loaded once (seconds: the imports the fast start skipped)."""
        with self._lock:
            if self._full is None:
                full = embedder_module.load_embedder(
                    self.name, self.full_precision, self._data_dir, consent=self._consent
                )
                if full.model_id != self.model_id:
                    raise KnownError(
                        f"The model in {self.path} changed while gte-notes was running; "
                        "restart gte-notes to use it."
                    )
                self._full = full
            return self._full

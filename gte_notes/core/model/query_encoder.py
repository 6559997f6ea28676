"""Search by meaning seconds after launch: the query side of the model, saved once, loaded with ONNX
Runtime (or torch) and `tokenizers` alone.

Loading the model through sentence-transformers imports transformers and sentence-transformers and,
through them, SciPy, scikit-learn and sympy: most of a ten-second start and some 200 MB that a session
which embeds nothing never uses. A query needs much less: the tokenizer and one forward pass with the
model's pooling and normalisation. So after a full load the app saves that whole path: as an ONNX
model where ONNX Runtime reproduces the model's precision (onnx_query_encoder.py; a restart then
imports no torch either), else traced for one row (TorchScript). Either is checked against the model
at several query lengths and saved with the tokenizer in the data dir. The next start loads it
(`QuickEmbedder`) and searches at once; the full model is
loaded only when notes need embedding, on the indexing thread.

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
from typing import Any

import numpy as np

from gte_notes.core.errors import Cancelled, KnownError, QueryNeedsModel
from gte_notes.core.model import embedder as embedder_module  # sets OMP_WAIT_POLICY before torch loads
from gte_notes.core.model import precision_check
from gte_notes.core.model.heap import release_freed_memory
from gte_notes.core.model.model_catalog import CodeConsent, check_remote_code
from gte_notes.core.model.model_files import model_fingerprint, resolve_model_path
from gte_notes.core.model.note_process import NoteProcess
from gte_notes.core.model.onnx_model import OnnxModel
from gte_notes.core.model.onnx_query_encoder import load_onnx_encoder, remove_onnx_encoder, save_onnx_encoder
from gte_notes.core.model.precision_cache import check_key
from gte_notes.core.model.saved_encoder_files import is_damaged_file_error, read_meta, tokenizer_from_json

log = logging.getLogger(__name__)

ENCODER_DIR = "query-encoders"
_CHECK_LENGTHS = (1, 2, 7, 16, 64, 128, 256, 512)
_MIN_CHECKED = 16  # an encoder for shorter queries than this is not worth saving
_MAX_ABS_DIFF = 1e-4


def encoder_file(data_dir: Path, name: str, path: Path, requested: str) -> Path:
    key = check_key(model_fingerprint(path), requested, precision_check.MIN_CALIBRATION_COSINE)
    return Path(data_dir) / ENCODER_DIR / f"{hashlib.sha256(f'{name}|{key}'.encode()).hexdigest()[:24]}.pt"


def open_embedder(
    name: str, precision: str, data_dir: Path, consent: CodeConsent | None = None, notes_apart: bool = False
) -> Any:
    """What the app's engine runs on: the saved query encoder when there is one, else the full model
    (then saving its query encoder for the next start). `consent`: see model_catalog.check_remote_code;
    it is asked before a saved encoder too, so a model's code never gets around a refusal that way.
    `notes_apart`: notes are embedded in a process of their own (note_process.py), the first start's
    model load and encoder export too, so this process never holds the full model."""
    try:
        path: Path | None = resolve_model_path(name)
    except KnownError:
        path = None  # load_embedder says what is missing, in the words the GUI expects
    if path is not None:
        check_remote_code(name, path, consent)
        quick = load_query_encoder(name, path, precision, Path(data_dir))
        if quick is not None:
            quick._consent = consent
            if notes_apart:
                quick.embed_notes_apart()
            return quick
        if notes_apart:
            quick = _first_start_apart(name, path, precision, Path(data_dir), consent)
            if quick is not None:
                return quick
    full = embedder_module.load_embedder(name, precision, data_dir, consent=consent)
    if isinstance(full, embedder_module.Embedder) and path is not None:
        mark = time.perf_counter()
        try:
            saved = save_query_encoder(full, precision, Path(data_dir))
        except Exception:  # export and tracing fail in many ways; this start runs on the full model
            log.exception("could not save the query encoder")
            saved = False
        quick = load_query_encoder(name, path, precision, Path(data_dir)) if saved else None
        release_freed_memory(
            cycles=True
        )  # the export and its checks: ~0.9 GB of a first start's RSS otherwise
        full.load_times["trace, check and save the query encoder (first start)"] = time.perf_counter() - mark
        if quick is not None:
            # Queries through the graph just checked (the engine need not trace the model again),
            # notes through the model already loaded.
            quick._full = full
            quick._consent = consent
            quick.load_times = full.load_times
            return quick
    return full


def _first_start_apart(
    name: str, path: Path, precision: str, data_dir: Path, consent: CodeConsent | None
) -> QuickEmbedder | None:
    """A first start with notes apart: the child loads the model and saves the query encoder, which
    this process then loads; the child stays, ready to embed the notes. None: load the model here."""
    notes = NoteProcess(name, precision, data_dir, consent)
    started = time.perf_counter()
    try:
        ready = notes.start(save_encoder=True)
    except (KnownError, Cancelled):
        notes.close()
        raise
    except Exception:  # whatever stopped the child (its traceback is logged), this process can load it
        log.exception("the process for the model did not start: loading the model in this one")
        notes.close()
        return None
    quick = load_query_encoder(name, path, precision, data_dir) if ready["saved"] else None
    if quick is None:
        notes.close()
        return None
    quick._consent = consent
    quick.embed_notes_apart(notes)
    times = dict(ready["load_times"])
    times["start a process for the model (Python and its imports)"] = max(
        0.0, time.perf_counter() - started - sum(times.values())
    )
    quick.load_times = {**times, **quick.load_times}
    return quick


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


def query_path_class() -> type:
    import torch

    class QueryPath(torch.nn.Module):
        """Token ids of one query -> its normalised vector: the model, its pooling, normalisation."""

        def __init__(self, inner: Any, rest: list[Any], token_types: bool) -> None:
            super().__init__()
            self.inner = inner
            self.rest = torch.nn.ModuleList(rest)
            self.token_types = token_types

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            kwargs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention_mask}
            if self.token_types:
                kwargs["token_type_ids"] = torch.zeros_like(input_ids)
            hidden = self.inner(**kwargs, return_dict=True).last_hidden_state
            features: dict[str, Any] = {
                "input_ids": input_ids,
                "attention_mask": attention_mask,
                "token_embeddings": hidden.float(),
            }
            for module in self.rest:
                features = module(features)
            return torch.nn.functional.normalize(features["sentence_embedding"].float(), p=2, dim=1)

    return QueryPath


# ---- loading ----------------------------------------------------------------------------------------


def load_query_encoder(name: str, path: Path, requested: str, data_dir: Path) -> QuickEmbedder | None:
    """The saved encoder for this model and precision, None when there is none or it is damaged (then
    removed: the caller loads the model, which saves it anew). A bug while reading it is logged as a bug
    with its traceback and the file is not removed for it (saved_encoder_files.py)."""
    file = encoder_file(data_dir, name, path, requested)
    started = time.perf_counter()
    try:
        found = load_onnx_encoder(file)
        if found is not None:
            model, meta = found
            quick = QuickEmbedder(model, meta, str(meta["tokenizer"]), requested, data_dir)
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
        quick = QuickEmbedder(graph.eval(), meta, text["tokenizer.json"], requested, data_dir)
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
        self, graph: Any, meta: dict[str, Any], tokenizer_json: str, requested: str, data_dir: Path
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
        self._full_precision = self.precision if requested == "auto" else requested
        self._data_dir = data_dir
        self._full: embedder_module.Embedder | None = None
        self._consent: CodeConsent | None = None  # what open_embedder was given, for the full load
        self._notes: NoteProcess | None = None  # notes embedded in a child process (note_process.py)
        self._lock = threading.Lock()

    def embed_notes_apart(self, notes: NoteProcess | None = None) -> None:
        """From now on `encode` runs in a child process (started on first use unless given running)."""
        if notes is None:
            notes = NoteProcess(self.name, self._full_precision, self._data_dir, self._consent)
        notes.expected_model_id = self.model_id
        self._notes = notes

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
                    self.name, self._full_precision, self._data_dir, consent=self._consent
                )
                if full.model_id != self.model_id:
                    raise KnownError(
                        f"The model in {self.path} changed while gte-notes was running; "
                        "restart gte-notes to use it."
                    )
                self._full = full
            return self._full

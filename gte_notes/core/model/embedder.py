"""The embedding model: text in, L2-normalised float32 vectors out, on the CPU.

sentence-transformers loads the model; the forward pass is driven here rather than through
`SentenceTransformer.encode`, because the app needs things encode does not give:
- batches sized by tokens, not by count, after sorting by token length: a count-sized batch of
  long passages pads every row to 512 tokens and spends most of its time on padding;
- cancellation between batches, which stay under BATCH_TOKENS so a cancel lands within about a second;
- a faster precision (bf16, dynamic int8, an ONNX Runtime export) checked against fp32 and raced when
  the model loads (precision_check.py, precision_variants.py); queries in fp32 (fp32_queries.py).

Threads: indexing and queries may call `encode` and `encode_query` at the same time from different
threads, and neither takes a lock: safe, as a forward pass in eval mode under `torch.inference_mode`
reads the weights and writes only its own tensors (dynamic int8 computes its activation scales per
call). Each path has its own `tokenizers.Tokenizer` copy, never changed once configured: changing a
shared fast tokenizer's truncation while another thread encodes with it raises "Already borrowed".
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gte_notes.core.errors import Cancelled, KnownError, ModelMissingError
from gte_notes.core.files.path_text import display
from gte_notes.core.model import precision_check
from gte_notes.core.model.fp32_queries import REDUCED_TORCH, fp32_query_model
from gte_notes.core.model.heap import release_freed_memory
from gte_notes.core.model.model_catalog import CodeConsent, check_remote_code
from gte_notes.core.model.model_files import (
    DEFAULT_MODEL,
    check_vocabulary,
    model_fingerprint,
    resolve_model_path,
)
from gte_notes.core.model.onnx_model import MODEL_DIR, OnnxModel
from gte_notes.core.model.precision_cache import PrecisionCache, check_key
from gte_notes.core.model.precision_check import PRECISIONS, PrecisionCheck
from gte_notes.core.model.precision_variants import make_variant
from gte_notes.core.model.query_path import model_inputs, pooled  # import no torch

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

# OpenMP worker threads spin while they wait by default. With a query and an indexing batch running
# at once, or any other busy program, spinning threads take the cores from the ones with work: at
# load 12 on 2 cores a query took 640 ms spinning and 86 ms passive. libgomp reads this once, when
# torch is first imported, which this module never does at import time; a user's setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Tokens (rows x padded length) per forward pass. On 2 idle AVX-512 cores throughput is flat from 512
# to 2048 and drops beyond; on a busy machine every batch costs extra thread wake-ups, so fewer, larger
# batches win (4096 beat 1024 by 1.8x at load 12). Queries do not wait for a batch (no lock), so this
# is a throughput knob only.
BATCH_TOKENS = 2048
MAX_BATCH_ROWS = 128


class Embedder:
    """A loaded model, ready to embed from any thread. Build it with `load_embedder`."""

    name: str
    path: Path
    dim: int
    max_tokens: int
    precision: str
    precision_note: str
    model_id: str

    def __init__(
        self,
        name: str,
        path: Path,
        model: SentenceTransformer,
        precision: str = "auto",
        cache: PrecisionCache | None = None,
    ) -> None:
        first = model[0]
        inner = getattr(first, "auto_model", None)
        tokenizer = getattr(first, "tokenizer", None)
        if inner is None or getattr(tokenizer, "backend_tokenizer", None) is None:
            raise ModelMissingError(
                f'"{path}" is not a supported model: gte-notes needs a transformer text model with a fast '
                "tokenizer (tokenizer.json). Pass --model PATH to a sentence-transformers model folder."
            )
        check_vocabulary(path, tokenizer.backend_tokenizer, inner.config)
        self.name = name
        self.path = path
        self._st = model
        self._first = first
        self._rest = list(model)[1:]
        self.max_tokens = int(model.max_seq_length or getattr(inner.config, "max_position_embeddings", 512))
        self._takes_token_types = "token_type_ids" in inspect.signature(inner.forward).parameters

        backend: Tokenizer = tokenizer.backend_tokenizer
        self._span_tok = _fresh_tokenizer(backend, None)
        self._batch_tok = _fresh_tokenizer(backend, self.max_tokens)
        self._query_tok = _fresh_tokenizer(backend, self.max_tokens)
        self._known_words: frozenset[str] | None = None

        self._inner: Any = inner.eval()  # a torch module, or an OnnxModel once an ONNX precision is adopted
        self._fp32_queries: OnnxModel | None = None  # queries' model when notes run in torch int8/bf16
        fingerprint = model_fingerprint(path)
        self._fingerprint = fingerprint
        # ONNX exports are kept beside the precision check, so a restart loads instead of exporting;
        # without a data dir they go to a temporary folder, read into memory once a precision is chosen.
        scratch = tempfile.TemporaryDirectory(prefix="gte-notes-onnx-") if cache is None else None
        self._onnx_dir = cache.path.parent / MODEL_DIR if cache is not None else Path(scratch.name)
        key = (
            check_key(fingerprint, precision, precision_check.MIN_CALIBRATION_COSINE)
            if cache is not None
            else ""
        )
        known = cache.get(key) if cache is not None else None
        if known is not None:
            self.dim, self.precision = known["dim"], known["precision"]
            self.precision_note = f"{known['note']}; checked on an earlier start"
            if self.precision != "fp32":
                self._adopt(self._variant(self.precision))
        else:
            check = PrecisionCheck(self._inner, self._variant, self._tokenize, self._forward)
            reference = check.calibration_vectors(self._inner)
            self.dim = int(reference.shape[1])
            self.precision, checked, chosen = check.choose(precision, reference)
            self.precision_note = checked
            if chosen is not self._inner:
                self._adopt(chosen)
            if cache is not None:  # the check's own words: _adopt adds how queries run, on every start
                cache.put(key, self.precision, checked, self.dim)
        if scratch is not None:
            for onnx in (self._inner, self._fp32_queries):
                if isinstance(onnx, OnnxModel):
                    onnx.into_memory()
            scratch.cleanup()
        self.model_id = f"{_short_name(name)}:{fingerprint[:12]}:{self.precision}:{self.dim}"
        self.load_times: dict[str, float] = {}
        self._query_graph: torch.jit.ScriptModule | None = None

    # -- tokens -------------------------------------------------------------------------------------

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans in `text` of the model's tokens, without special tokens or truncation."""
        # encode_batch, not encode: only the batch call releases the GIL, and a long note takes the
        # tokenizer a second, during which the GUI thread could not run a line of Python.
        return list(self._span_tok.encode_batch([display(text)], add_special_tokens=False)[0].offsets)

    def count_tokens(self, text: str) -> int:
        """How many tokens the model sees for `text` untruncated, counting [CLS] and [SEP]."""
        return len(self._span_tok.encode_batch([display(text)], add_special_tokens=True)[0].ids)  # GIL: above

    # -- vectors ------------------------------------------------------------------------------------

    def encode(
        self,
        texts: Sequence[str],
        token_counts: Sequence[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        """Embed `texts` as float32 rows of shape (len(texts), dim), L2-normalised, in input order.

        Texts longer than `max_tokens` are truncated. `token_counts` (e.g. from the chunker) spares a
        tokenizer pass for planning batches. `cancel` is polled between batches; if it returns True,
        `Cancelled` is raised and nothing is returned.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # The tokenizer raises TypeError on a lone surrogate (a byte of a file name that is not UTF-8);
        # U+FFFD keeps every offset, so spans computed on the original text still fit.
        texts = [display(t) for t in texts]
        if token_counts is not None and len(token_counts) != len(texts):
            raise ValueError("token_counts must have one entry per text")
        ids: list[list[int]] | None = None
        if token_counts is None:
            ids = [enc.ids for enc in self._batch_tok.encode_batch(list(texts))]
            lengths = [len(row) for row in ids]
        else:
            lengths = [min(max(int(n), 2), self.max_tokens) for n in token_counts]

        for batch in plan_batches(lengths, BATCH_TOKENS, MAX_BATCH_ROWS):
            if cancel is not None and cancel():
                raise Cancelled()
            if ids is not None:
                rows = [ids[i] for i in batch]
            else:
                rows = [enc.ids for enc in self._batch_tok.encode_batch([texts[i] for i in batch])]
            out[batch] = self._forward(self._inner, rows)
        return out

    def prepare_queries(self) -> bool:
        """Trace the model for search-as-you-type (query_graph.py): about a second, once, so the app
        does it in the background after loading; a one-off CLI search does not. True if traced."""
        if isinstance(self._inner, OnnxModel) or self._fp32_queries is not None:
            return True  # the exported graph is already one C++ call per query
        from gte_notes.core.model.query_graph import trace_query_graph  # imports torch

        if self._query_graph is None:
            self._query_graph = trace_query_graph(self._inner, self._takes_token_types)
        return self._query_graph is not None

    def known_words(self) -> frozenset[str]:
        """The whole words of the model's vocabulary: a dictionary of common words, so a spelling
        correction never "fixes" a real word that the notes happen not to contain."""
        if self._known_words is None:
            self._known_words = whole_words(self._query_tok)
        return self._known_words

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query: float32 (dim,), normalised. Runs at once, alongside any indexing encode."""
        import torch

        from gte_notes.core.model.query_graph import MAX_TRACED_TOKENS

        row = self._query_tok.encode_batch([text])[0].ids  # a pasted page must not hold the GIL
        if isinstance(self._inner, OnnxModel) or self._fp32_queries is not None:
            return self.query_row_vector(row)
        if len(row) > MAX_TRACED_TOKENS:
            return self._forward(self._inner, [row])[0]
        # A short query gains little from a second core, and while an indexing batch holds the other
        # core, waiting for it costs ten times the query (measured: p95 1.5 s instead of 40 ms). The
        # thread count is per calling thread in torch's OpenMP backend: indexing threads keep theirs.
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._forward(self._inner, [row], graph=self._query_graph)[0]
        finally:
            torch.set_num_threads(before)

    def query_row_vector(self, row: list[int]) -> np.ndarray:
        """The query vector of token ids `row`, by the model queries run through (fp32_queries.py)."""
        model = self._fp32_queries or self._inner
        return model.query_vector(row) if isinstance(model, OnnxModel) else self._forward(model, [row])[0]

    def _forward(
        self, inner: Any, rows: list[list[int]], graph: torch.jit.ScriptModule | None = None
    ) -> np.ndarray:
        """Vectors of `rows` (token ids): through `graph` (the traced single-query model) when given."""
        width = max(len(row) for row in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, row in enumerate(rows):
            ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        if isinstance(inner, OnnxModel):
            return inner.vectors(ids, mask)
        import torch

        input_ids = torch.from_numpy(ids)
        attention_mask = torch.from_numpy(mask)
        with torch.inference_mode():
            if graph is not None:
                hidden = graph(input_ids, attention_mask)
            else:
                kwargs = model_inputs(input_ids, attention_mask, self._takes_token_types)
                hidden = inner(**kwargs).last_hidden_state
            vectors = pooled(self._rest, input_ids, attention_mask, hidden)
        return vectors.numpy()

    # -- precision (precision_check.py decides, precision_variants.py converts) -------------------

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        return [enc.ids for enc in self._batch_tok.encode_batch(texts)]

    def _variant(self, precision: str) -> Any:
        """The model in `precision`: a converted torch module, or an ONNX export (saved in the data dir
        beside the precision check, so a restart loads it instead of exporting again)."""
        return make_variant(
            precision, self._inner, self._rest, self._takes_token_types, self._onnx_dir, self._fingerprint
        )

    def _adopt(self, variant: Any) -> None:
        if self.precision in REDUCED_TORCH and not isinstance(variant, OnnxModel):
            fp32 = self._inner  # still the fp32 model: its export and check must come before it is freed
            self._fp32_queries = fp32_query_model(
                fp32,
                self._rest,
                self._takes_token_types,
                self._onnx_dir,
                self._fingerprint,
                lambda row: self._forward(fp32, [row])[0],
                len(self._span_tok.get_vocab()),
                self.max_tokens,
            )
            if self._fp32_queries is not None:
                self.precision_note += "; queries in fp32 (ONNX Runtime)"
        self._inner = variant
        if isinstance(variant, OnnxModel):
            self._st = self._first = None  # nothing runs the torch model any more: let it be freed
            return
        # Swap it into the SentenceTransformer too, so the fp32 weights can be freed.
        for attr in ("model", "auto_model"):
            if attr in self._first._modules:
                setattr(self._first, attr, variant)
                break


def plan_batches(lengths: Sequence[int], budget: int, max_rows: int) -> list[list[int]]:
    """Group indices into batches of similar length whose padded size (rows x longest) fits `budget`."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # Ascending order makes lengths[i] the padded width if i joins the batch.
        if current and ((len(current) + 1) * lengths[i] > budget or len(current) >= max_rows):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def whole_words(tokenizer: Tokenizer) -> frozenset[str]:
    """The words a WordPiece vocabulary holds whole (not "##" pieces, not single letters)."""
    return frozenset(w for w in tokenizer.get_vocab() if w.isalpha() and len(w) > 1)


def _fresh_tokenizer(backend: Tokenizer, max_length: int | None) -> Tokenizer:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(backend.to_str())
    tok.no_padding()
    if max_length is None:
        tok.no_truncation()
    else:
        tok.enable_truncation(max_length=max_length)
    return tok


def _short_name(name: str) -> str:
    tail = re.split(r"[/\\]", name.rstrip("/\\"))[-1] or "model"
    return tail.replace(":", "_")


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """Silence the weight-loading progress bars and reports, which would land on the CLI's stderr."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def load_embedder(
    name_or_path: str = DEFAULT_MODEL,
    precision: str = "auto",
    data_dir: Path | None = None,
    consent: CodeConsent | None = None,
) -> Embedder:
    """Find the model offline, load it on the CPU and settle its precision.

    `precision` is "auto" (the fastest this CPU runs well that stays within MIN_CALIBRATION_COSINE
    of fp32) or one of "fp32", "bf16", "int8" to force it. With `data_dir`, the precision check's
    outcome is remembered there (precision_cache.py) and later loads skip it. Raises
    ModelMissingError when the model is absent or its folder cannot be loaded, and RemoteCodeRefused
    (before anything is imported from the model) when it ships code that `consent` does not cover.
    `Embedder.load_times` says where the load's seconds went.
    """
    if precision not in ("auto", *PRECISIONS):
        raise KnownError(f'Unknown precision "{precision}": use auto, {", ".join(PRECISIONS)}.')
    path = resolve_model_path(name_or_path)
    runs_code = check_remote_code(name_or_path, path, consent)
    times: dict[str, float] = {}
    mark = time.perf_counter()
    from sentence_transformers import SentenceTransformer

    times["import torch, transformers, sentence-transformers"] = time.perf_counter() - mark
    mark = time.perf_counter()
    try:
        with _quiet_loading():
            model = SentenceTransformer(
                str(path), device="cpu", local_files_only=True, trust_remote_code=runs_code
            )
    except KnownError:
        raise
    except _damaged_folder_errors() as err:
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else "no details"
        raise ModelMissingError(
            f'The model in "{path}" could not be loaded ({type(err).__name__}: {first}). The folder may be '
            'incomplete or damaged: fetch it again with "gte-notes model download", or pass --model PATH '
            "to another sentence-transformers model folder."
        ) from err
    times["read weights, build the model"] = time.perf_counter() - mark
    mark = time.perf_counter()
    cache = PrecisionCache(data_dir) if data_dir is not None else None
    embedder = Embedder(name_or_path, path, model, precision, cache)
    release_freed_memory(cycles=True)  # the fp32 weights a reduced precision replaced, the race's losers
    times["precision (check or cached) and conversion"] = time.perf_counter() - mark
    embedder.load_times = times
    return embedder


def _damaged_folder_errors() -> tuple[type[BaseException], ...]:
    """What reading a missing, partial or corrupt model folder raises: a missing or unreadable file
    (OSError), bad JSON or config values (ValueError, KeyError), weights that do not fit the config
    (RuntimeError from torch), a truncated safetensors file, model code that imports what is not there.
    A TypeError or AttributeError is a bug in this code or a library's, and reaches the crash report."""
    from safetensors import SafetensorError

    return (OSError, ValueError, KeyError, RuntimeError, ImportError, SafetensorError)

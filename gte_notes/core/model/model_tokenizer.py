"""The chosen model's tokenizer on its own, read from the model's folder without the model.

A first start spends tens of seconds loading the model (imports, weights, the precision check) before it
can embed a note, yet reading, cutting and keyword-indexing the notes needs only the tokenizer: its
`tokenizer.json` loads with `tokenizers` in a fraction of a second, no torch. The passages cut with it
are the ones the model cuts (the same tokenizer, limit and passage size), so a note is searchable by
its words while the model still loads.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from gte_notes.core.errors import KnownError
from gte_notes.core.files.json_file import read_json_object
from gte_notes.core.model.model_catalog import canonical_name
from gte_notes.core.model.model_files import resolve_model_path
from gte_notes.core.model.saved_encoder_files import tokenizer_from_json

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

FALLBACK_MAX_TOKENS = 512


class ModelTokenizer:
    """What the chunker needs of a model (chunking.Tokenizer): token offsets, the model's limit and the
    passage size chosen. Used on one thread at a time (a `tokenizers.Tokenizer` is not shared here)."""

    def __init__(self, tokenizer: Tokenizer, max_tokens: int, passage_tokens: int | None = None) -> None:
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self._tok = tokenizer
        self.max_tokens = max_tokens
        self.passage_tokens = passage_tokens

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        # encode_batch releases the GIL (embedder.py): the GUI thread keeps running through a long note.
        return list(self._tok.encode_batch([text], add_special_tokens=False)[0].offsets)

    def count_tokens(self, text: str) -> int:
        return len(self._tok.encode_batch([text], add_special_tokens=True)[0].ids)


def model_max_tokens(path: Path) -> int:
    """The model's input limit as sentence-transformers sets it: `max_seq_length` of its
    sentence_bert_config.json, else the tokenizer's and the position table's smaller limit."""
    seq = read_json_object(path / "sentence_bert_config.json").get("max_seq_length")
    if isinstance(seq, int) and seq > 0:
        return seq
    limits = [
        v
        for v in (
            read_json_object(path / "tokenizer_config.json").get("model_max_length"),
            read_json_object(path / "config.json").get("max_position_embeddings"),
        )
        if isinstance(v, int) and 0 < v < 1_000_000
    ]
    return min(limits) if limits else FALLBACK_MAX_TOKENS


def open_model_tokenizer(name: str, passage_tokens: int = 0) -> ModelTokenizer | None:
    """The tokenizer of the model `name` (a hub name or a folder), or None when the model's folder or its
    tokenizer.json is not there (the model's load then says what is missing)."""
    try:
        path = resolve_model_path(canonical_name(name))
    except KnownError:
        return None
    file = path / "tokenizer.json"
    if not file.is_file():
        return None
    try:
        tokenizer = tokenizer_from_json(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a damaged file costs the early keyword pass; the model's load reports it
        log.warning("cannot read the tokenizer in %s: no keyword pass before the model", file, exc_info=True)
        return None
    return ModelTokenizer(tokenizer, model_max_tokens(path), passage_tokens or None)

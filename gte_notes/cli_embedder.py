"""The embedder the command-line commands use, from the parsed arguments and settings.

Writers (`index`, `watch`) load the full model. `search` needs only the query side: the query encoder
the app saves after a full load (query_encoder.py), which loads with onnxruntime and `tokenizers`
alone, no torch: about a second instead of the model's ten. `related` needs no model at all: the
vectors it compares are in the index. Shared by `cli` and `watch_cli`, so neither imports the other.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from gte_notes.cli_output import say_loading
from gte_notes.core import QueryNeedsModel, Settings, Store


def embedder_for(args: argparse.Namespace, settings: Settings, store: Store | None = None):
    # Imported when called: `--help`, `status` and the GUI launcher do not load torch.
    from gte_notes.cli_models import open_for_cli
    from gte_notes.core import index_model_id

    # A writer opens the model the way its index was built (the vector size it recorded), and saves its
    # query encoder, so the searches that follow load no model.
    return open_for_cli(args, settings, index_model_id(store) if store is not None else "", save_encoder=True)


class QueryModel:
    """What `search` asks of the model: query vectors and the tokenizer's words. `model_id` and `dim`
    name the index's vectors the queries are compared with (vectors_to_search in cli.py)."""

    def __init__(self, embedder: Any, model_id: str, dim: int) -> None:
        self.embedder = embedder
        self.model_id = model_id
        self.dim = dim

    def encode_query(self, text: str) -> np.ndarray:
        text = tokenizer_text(text)
        try:
            return self.embedder.encode_query(text)
        except QueryNeedsModel:
            # Longer than the saved encoder was checked for (a TorchScript trace): the full model embeds it.
            say_loading("Loading the model for a long query (~10 s)…")
            self.embedder.full()
            return self.embedder.encode_query(text)

    def known_words(self) -> frozenset[str]:
        known = getattr(self.embedder, "known_words", None)
        return known() if known is not None else frozenset()


def tokenizer_text(text: str) -> str:
    """`text` as the tokenizer takes it: bytes that are not UTF-8 reach argv as lone surrogates (a
    terminal in another encoding, a script), which the tokenizer refuses with a TypeError. Each
    becomes U+FFFD."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no undecodable byte made
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def query_embedder_for(args: argparse.Namespace, settings: Settings, store: Store) -> Any:
    """The query side of the chosen model, at the vector size the index was built with."""
    from gte_notes.cli_models import open_for_cli
    from gte_notes.core import index_model_id

    return open_for_cli(args, settings, index_model_id(store), queries_only=True)

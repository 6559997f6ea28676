"""Test doubles that stand in for the model in fast tests."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from gte_notes.core.errors import Cancelled

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")
# Bigrams get a smaller share so word overlap dominates similarity, as it roughly does for the model.
_BIGRAM_WEIGHT = 0.5


def _bucket(key: str, dim: int) -> int:
    # Python's hash() is salted per process; blake2b keeps vectors identical across runs.
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little") % dim


class FakeEmbedder:
    """A deterministic stand-in for `gte_notes.core.model.embedder.Embedder`, with no torch and no
    model files.

    Used by the fast tests of chunking, indexing, storage and search, where the model is not the point.
    Tokens are `\\w+|[^\\w\\s]` matches; a text's vector is a hashed bag of its lowercased words plus
    a lighter hashed bag of word bigrams, L2-normalised, so texts sharing words are close. The default
    `max_tokens` of 128 is small on purpose, so the chunker's splitting is exercised by short notes.
    `encoded_texts` counts every text passed to `encode` / `encode_query`, to assert what was re-embedded.
    """

    def __init__(
        self,
        max_tokens: int = 128,
        dim: int = 384,
        model_id: str | None = None,
    ) -> None:
        self.name = "fake"
        self.path = Path("fake-model")
        self.dim = dim
        self.max_tokens = max_tokens
        self.precision = "fp32"
        self.precision_note = "fp32 (fake embedder)"
        self.model_id = model_id or f"fake:0:fp32:{dim}"
        self.encoded_texts = 0
        self.batch_size = 16  # cancel is polled between batches of this many texts, as in Embedder

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _TOKEN.finditer(text)]

    def count_tokens(self, text: str) -> int:
        return sum(1 for _ in _TOKEN.finditer(text)) + 2  # [CLS] and [SEP], like the real tokenizer

    def encode(
        self,
        texts: Sequence[str],
        token_counts: Sequence[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            if cancel is not None and cancel():
                raise Cancelled()
            for i in range(start, min(start + self.batch_size, len(texts))):
                out[i] = self._vector(texts[i])
        self.encoded_texts += len(texts)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        self.encoded_texts += 1
        return self._vector(text)

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        # Truncate like the model does, so a chunk that overflows max_tokens loses its tail here too.
        tokens = _TOKEN.findall(text)[: max(self.max_tokens - 2, 1)]
        words = [t.lower() for t in tokens if _WORD.fullmatch(t)]
        for word in words:
            vec[_bucket(word, self.dim)] += 1.0
        for a, b in itertools.pairwise(words):
            vec[_bucket(f"{a} {b}", self.dim)] += _BIGRAM_WEIGHT
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0  # empty text still gets a valid unit vector
            return vec
        return vec / norm

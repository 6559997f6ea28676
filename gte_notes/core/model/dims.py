"""Elastic dimensions: keep only the first N of a model's vector components, then L2-normalise again.

A model trained for it (Matryoshka: gte-multilingual-base, 128-768) keeps most of its quality at a
fraction of the index size; any other model loses quality, by how much is in the README's "Models"
table. The index keeps the size in the model id ("...:384:d256"), which keys every stored vector, so
vectors of two sizes never meet in one index, and a change of size re-embeds instead of mixing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from gte_notes.core.errors import KnownError
from gte_notes.core.model.model_catalog import known

if TYPE_CHECKING:
    import numpy as np

MIN_DIMS = 128


def check_dims(dims: int, full_dim: int, name: str) -> int:
    """`dims` if the model can give it (0 = all of them), else a KnownError saying what can."""
    if dims in (0, full_dim):
        return full_dim
    if not MIN_DIMS <= dims <= full_dim:
        raise KnownError(
            f"--dims {dims} is not possible with {name}: its vectors have {full_dim} dimensions; "
            f"choose from {MIN_DIMS} to {full_dim}, or 0 for all of them. Nothing was changed."
        )
    return dims


def quality_warning(name: str, dims: int, full_dim: int) -> str:
    """What the user should know about cutting this model's vectors ("" when nothing is cut)."""
    if dims >= full_dim:
        return ""
    facts = known(name)
    if facts is not None and facts.elastic and dims >= facts.min_dim:
        return ""
    return (
        f"{name} was not trained for shorter vectors: at {dims} of its {full_dim} dimensions search "
        "quality drops (see the README's Models section for measured numbers)."
    )


def truncate(vectors: np.ndarray, dims: int) -> np.ndarray:
    """The first `dims` components of each row, unit length again (float32, C-contiguous)."""
    import numpy as np  # here: the settings and the model's name read this module before numpy is needed

    cut = np.ascontiguousarray(vectors[..., :dims], dtype=np.float32)
    norms = np.linalg.norm(cut, axis=-1, keepdims=True)
    return cut / np.maximum(norms, 1e-12)


def dims_of(model_id: str) -> int:
    """The vector size an index's model id records: "m:abc:fp32:384:d256" -> 256, "m:abc:fp32:384" -> 384."""
    parts = model_id.split(":")
    for part in reversed(parts):
        if part.startswith("d") and part[1:].isdigit():
            return int(part[1:])
    return int(parts[3]) if len(parts) >= 4 and parts[3].isdigit() else 0


def cut_of(new_id: str, old_id: str) -> int:
    """The size to cut `old_id`'s vectors to for them to be `new_id`'s, 0 when they cannot be.

    "m:abc:fp32:384:d256" is "m:abc:fp32:384" cut to 256, and so is "m:abc:fp32:384:d512" cut further:
    the first dimensions of a vector, normalised again, are all DimsEmbedder keeps."""
    base, _, size = new_id.rpartition(":d")
    if not base or not size.isdigit():
        return 0
    old_base, _, old_size = old_id.rpartition(":d")
    if old_id == base or (old_base == base and old_size.isdigit() and int(old_size) >= int(size)):
        return int(size)
    return 0


class DimsEmbedder:
    """Any embedder with its vectors cut to `dims`: the same model, its own model id and dim.

    Everything but the vectors (tokens, limits, precision, loading) is the wrapped embedder's.
    """

    def __init__(self, inner: Any, dims: int) -> None:
        self._inner_embedder = inner
        self.full_dim = int(inner.dim)
        self.dim = dims
        self.model_id = f"{inner.model_id}:d{dims}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner_embedder, name)

    def encode(
        self,
        texts: Sequence[str],
        token_counts: Sequence[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        return truncate(self._inner_embedder.encode(texts, token_counts, cancel), self.dim)

    def encode_query(self, text: str) -> np.ndarray:
        return truncate(self._inner_embedder.encode_query(text), self.dim)


def with_dims(embedder: Any, dims: int) -> Any:
    """`embedder` cut to `dims` (checked; 0 or its own size: `embedder` itself, ids unchanged)."""
    size = check_dims(int(dims or 0), int(embedder.dim), str(getattr(embedder, "name", "the model")))
    return embedder if size == embedder.dim else DimsEmbedder(embedder, size)

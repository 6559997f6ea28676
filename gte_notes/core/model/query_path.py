"""The query side of a sentence-transformers model as one torch module: token ids of a query in, its
normalised vector out (the model, its pooling, normalisation). What the saved query encoders are made
from, traced (query_encoder.py) or exported to ONNX (onnx_model.py). Imports torch only when called."""

from __future__ import annotations

from typing import Any


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
            hidden = self.inner(**model_inputs(input_ids, attention_mask, self.token_types)).last_hidden_state
            return pooled(self.rest, input_ids, attention_mask, hidden)

    return QueryPath


def model_inputs(input_ids: Any, attention_mask: Any, token_types: bool) -> dict[str, Any]:
    """The transformer's keyword arguments for token ids (all-zero token types if it takes them)."""
    import torch

    kwargs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention_mask, "return_dict": True}
    if token_types:
        kwargs["token_type_ids"] = torch.zeros_like(input_ids)
    return kwargs


def pooled(rest: Any, input_ids: Any, attention_mask: Any, hidden: Any) -> Any:
    """The model's own pooling modules (`rest`) over the transformer's `hidden` states, normalised: one
    code for the full model (embedder.py) and the saved query encoders, which must agree to 1e-4.
    Pools in fp32 whatever the model ran in: a bf16 mean over 512 tokens loses digits."""
    import torch

    features: dict[str, Any] = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "token_embeddings": hidden.float(),
    }
    for module in rest:
        features = module(features)
    return torch.nn.functional.normalize(features["sentence_embedding"].float(), p=2, dim=1)

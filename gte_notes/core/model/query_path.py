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

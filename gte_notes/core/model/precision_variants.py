"""The model in another precision: a converted torch module (bf16, dynamic int8) or an ONNX Runtime
export (onnx_model.py), saved in the data dir beside the precision check so a restart loads it
instead of exporting again. Which one runs is precision_check.py's decision."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gte_notes.core.model.onnx_model import ONNX_PRECISIONS, export_model, model_file

if TYPE_CHECKING:
    import torch


def make_variant(
    precision: str, inner: Any, rest: list[Any], takes_token_types: bool, onnx_dir: Path, fingerprint: str
) -> Any:
    """`inner` (the fp32 transformer; `rest`: the model's pooling and normalising modules) in
    `precision`."""
    if precision in ONNX_PRECISIONS:
        target = model_file(onnx_dir, fingerprint, precision)
        return export_model(inner, rest, takes_token_types, precision, target)
    return convert(inner, precision)


def convert(inner: torch.nn.Module, precision: str) -> torch.nn.Module:
    import torch

    if precision == "bf16":
        # Casting the weights beats torch.autocast here: autocast re-casts every weight on every call.
        return copy.deepcopy(inner).to(torch.bfloat16).eval()
    if precision == "int8":
        with warnings.catch_warnings():
            # torch deprecates eager-mode quantisation in favour of torchao, which is not a dependency.
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(inner, {torch.nn.Linear}, dtype=torch.qint8).eval()
    raise ValueError(precision)

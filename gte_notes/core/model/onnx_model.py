"""The model through ONNX Runtime: the fastest path on CPUs whose only int8 kernels are AVX2.

torch's dynamic int8 quantises the Linear layers alone and leaves attention, GELU and LayerNorm as
separate eager kernels with Python between them; on an AVX2-only EPYC it ran 1.4x fp32. ONNX Runtime's
BERT optimiser fuses each layer's attention, bias+GELU and residual+LayerNorm into single kernels, and
its dynamic int8 quantisation then runs the fused attention and every matrix product on integer
kernels with AVX2 paths: 2.4x fp32 on the same CPU (README "Embedding"). So a model is exported once
(the whole query path: transformer, the model's own pooling, normalisation), optimised, optionally
quantised, and saved; the file is then run by ONNX Runtime alone, which needs neither torch nor
transformers. `auto` still decides per CPU (embedder.py): the precision check and the speed race.

The file doubles as the saved query encoder (query_encoder.py), so a restart embeds queries with
onnxruntime and `tokenizers` only. onnxruntime is a dependency; if it is missing or fails to export,
these precisions are skipped with a note, and asking for one by name is a clear error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from gte_notes.core.errors import KnownError
from gte_notes.core.model.precision_cache import installed_version
from gte_notes.core.model.query_path import query_path_class  # imports no torch

log = logging.getLogger(__name__)

ONNX_PRECISIONS = ("onnx-fp32", "onnx-int8")
MODEL_DIR = "onnx-models"  # in the data dir: exported once per model, runtime versions and precision


def runtime_version() -> str | None:
    """onnxruntime's version, or None when it is not installed (read without importing it)."""
    return installed_version("onnxruntime")


def require_runtime(precision: str) -> None:
    if runtime_version() is None:
        raise KnownError(
            f'Precision "{precision}" needs ONNX Runtime, which is not installed: '
            "pip install onnxruntime, or use --precision auto."
        )


class OnnxModel:
    """An exported model file: padded token ids in, normalised vectors out. Thread-safe (ORT's `run`).

    Two sessions over the same file: batches on all cores, queries on one, for the reason in
    Embedder.encode_query (a short query must not wait for a core an indexing batch holds). Each is
    made on first use, so a process that only searches never pays for the batch session.
    """

    def __init__(self, source: Path | bytes, precision: str) -> None:
        self.source = source  # a file, or the model's bytes when there is no data dir to keep it in
        self.precision = precision
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()

    def into_memory(self) -> None:
        """Read the file into memory, so the temporary folder it was exported to can go."""
        if isinstance(self.source, Path):
            self.source = self.source.read_bytes()

    def vectors(self, ids: np.ndarray, mask: np.ndarray, threads: int = 0) -> np.ndarray:
        """Rows of `ids` (padded, int64) -> float32 unit vectors. threads=0: ORT's choice, one per core."""
        session = self._session(threads)
        return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    def query_vector(self, row: list[int]) -> np.ndarray:
        ids = np.asarray([row], dtype=np.int64)
        return self.vectors(ids, np.ones_like(ids), threads=1)[0]

    def _session(self, threads: int) -> Any:
        with self._lock:
            if threads not in self._sessions:
                self._sessions[threads] = _open_session(self.source, threads)
            return self._sessions[threads]


def _open_session(source: Path | bytes, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Waiting workers sleep instead of spinning: OMP_WAIT_POLICY's reason in embedder.py holds here too.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # its warnings are about graph details, not the user's concern
    model = source if isinstance(source, bytes) else str(source)
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


# ---- export -----------------------------------------------------------------------------------------


def model_file(folder: Path, fingerprint: str, precision: str) -> Path:
    """Where the export of the model with `fingerprint` in `precision` is kept: also keyed by the
    torch that exported it and the onnxruntime that optimised it, whose output may change."""
    import hashlib

    versions = f"torch {installed_version('torch')}|onnxruntime {runtime_version()}"
    digest = hashlib.sha256(f"{fingerprint}|{versions}".encode()).hexdigest()[:24]
    return Path(folder) / f"{digest}-{precision}.onnx"


def export_model(inner: Any, rest: list[Any], token_types: bool, precision: str, target: Path) -> OnnxModel:
    """`inner` with its pooling (`rest`) as an ONNX model in `precision` at `target`, exported unless an
    earlier start saved it there. int8 is quantised from the fp32 export beside it (made if missing)."""
    require_runtime(precision)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
            made = Path(tmp) / "model.onnx"
            if precision == "onnx-int8":
                fp32 = export_model(inner, rest, token_types, "onnx-fp32", sibling(target, "onnx-fp32"))
                _quantise(Path(fp32.source), made)
            else:
                plain = Path(tmp) / "plain.onnx"
                _export(inner, rest, token_types, plain)
                _optimise(plain, made, inner)
            os.replace(made, target)  # one rename: a half-written model is never found
    return OnnxModel(target, precision)


def sibling(target: Path, precision: str) -> Path:
    """The file of the same model in another precision (names end in -<precision>.onnx)."""
    stem = target.name.rsplit("-onnx-", 1)[0]
    return target.with_name(f"{stem}-{precision}.onnx")


def _export(inner: Any, rest: list[Any], token_types: bool, out: Path) -> None:
    import torch

    # The optimiser recognises (and fuses) the eager attention pattern, not torch's fused SDPA call.
    previous = getattr(getattr(inner, "config", None), "_attn_implementation", None)
    with contextlib.suppress(Exception):
        inner.set_attn_implementation("eager")
    try:
        module = query_path_class()(inner, rest, token_types).eval()
        example = (torch.full((2, 16), 1000, dtype=torch.int64), torch.ones((2, 16), dtype=torch.int64))
        axes = {
            "input_ids": {0: "rows", 1: "tokens"},
            "attention_mask": {0: "rows", 1: "tokens"},
            "vectors": {0: "rows"},
        }
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and exporter deprecation notes; the checks count
            torch.onnx.export(
                module,
                example,
                str(out),
                input_names=["input_ids", "attention_mask"],
                output_names=["vectors"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
    finally:
        if previous is not None:
            with contextlib.suppress(Exception):
                inner.set_attn_implementation(previous)


def _optimise(source: Path, out: Path, inner: Any) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    config = getattr(inner, "config", None)
    heads = int(getattr(config, "num_attention_heads", 0) or 0)
    hidden = int(getattr(config, "hidden_size", 0) or 0)
    # opt_level 1: fusions saved in the file, portable; layouts for this CPU are ORT's job at load.
    optimised = optimize_model(
        str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=1
    )
    optimised.save_model_to_file(str(out))


def _quantise(source: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # it logs advice to pre-process the model on the root logger
    try:
        # Signed weights: u8 x s8 is what MLAS's AVX2 kernels take (measured fastest of s8, u8 and
        # per-channel); the fused ops have no type for shape inference, hence the default type.
        quantize_dynamic(
            str(source),
            str(out),
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)

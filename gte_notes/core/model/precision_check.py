"""Which precision the model runs in: each faster path checked against fp32, then raced.

A reduced precision (bf16, dynamic int8, an ONNX Runtime export) is kept only if every calibration
sentence stays within MIN_CALIBRATION_COSINE of its fp32 vector. `auto` tries every path this machine
has, races the ones that pass against fp32 (run by ONNX Runtime where it is installed) on a batch shaped
like indexing, and keeps the fastest: which one wins depends on the CPU's kernels (native bf16 ~2.4x
fp32 where it exists; ONNX Runtime int8 from 1.0x (Zen 2) to 2.4x on AVX2-only EPYCs, torch int8 1.4x;
emulated bf16 is slower than fp32, so it is not tried). Dynamic int8 often fails the check on trained
models (outlier activations), hence the check.

The model is reached through callables (make a variant, tokenize, run a forward pass), so this module
holds the decision only; embedder.py owns the model and precision_variants.py builds the variants.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gte_notes.core.model.onnx_model import ONNX_PRECISIONS, runtime_version

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "bf16", "int8", *ONNX_PRECISIONS)
# A reduced precision is kept only if every calibration sentence stays this close to fp32.
MIN_CALIBRATION_COSINE = 0.99
# The race's batch, shaped like an indexing batch of note passages (dendron-site's average 136 tokens).
# 4 rows of 256 tokens, one warm-up and best of three once ranked torch int8 first (1.48x fp32 against
# onnx-int8's 1.31x) on an AVX2 EPYC where over all of dendron-site onnx-int8 ran 1.97x and torch int8
# 1.64x; this batch with the warm-ups and rounds below ranked them as the vault did, twice (1.72x / 1.40x,
# 1.66x / 1.37x).
RACE_ROWS, RACE_TOKENS = 8, 128
RACE_WARMUPS, RACE_ROUNDS = 2, 5  # ORT sizes its buffers over the first runs; best of five rides out load
# From the second round on, a path this much slower than the leader's best stops being timed: load only
# ever makes a pass slower, so after two rounds it is all but out, and the slow paths are the race's cost
# (on an AMX Xeon fp32 runs at less than half bf16's speed; on an AVX2 EPYC the paths stay within 1.2x).
RACE_DROP_RATIO = 1.15

# Short and long, prose, lists, code and markup: roughly what notes contain.
CALIBRATION_SENTENCES = (
    "A man is playing a guitar.",
    "A woman is slicing an onion in the kitchen.",
    "The cat sat quietly on the warm windowsill all afternoon.",
    "Stock markets fell sharply after the central bank raised interest rates.",
    "How do I reset my password if I no longer have access to my email?",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "# Meeting notes\n- decide on the release date\n- review open bugs\n- [[project.roadmap]]",
    "TODO: call the plumber about the leaking pipe under the sink before Friday.",
    "def add(a, b):\n    return a + b  # simple helper used by the tests",
    "The treaty was signed in 1648, ending thirty years of war in central Europe.",
    "Sourdough needs a lively starter, a long cold proof and a very hot oven.",
    "Kubernetes schedules pods onto nodes based on resource requests and affinity rules.",
    "She remembered the smell of rain on dry earth from the summers of her childhood.",
    "Vitamin D deficiency is associated with reduced bone density in older adults.",
    "Use `git rebase -i HEAD~3` to squash the last three commits into one.",
    (
        "The committee reviewed the proposal in detail, weighing the projected costs against the "
        "long-term benefits for the community, and after a lengthy debate it voted to fund a smaller "
        "pilot first, with a full evaluation planned for the following spring."
    ),
)


def cpu_has_native_bf16() -> bool:
    """True if the CPU computes bf16 in hardware (AVX512-BF16 or AMX); emulated bf16 is slower than fp32."""
    flags: set[str] = set()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
        for line in fh:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if flags & {"avx512_bf16", "amx_bf16"}:
        return True
    import torch

    # Private helpers, but the only portable probe off Linux; absent in some builds.
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        fn = getattr(torch.cpu, probe, None)
        with contextlib.suppress(Exception):
            if fn is not None and fn():
                return True
    return False


def int8_supported() -> bool:
    import torch

    return torch.backends.quantized.engine not in (None, "none")


class PrecisionCheck:
    """The check and the race for one loaded model."""

    def __init__(
        self,
        fp32: Any,
        variant: Callable[[str], Any],
        tokenize: Callable[[list[str]], list[list[int]]],
        forward: Callable[[Any, list[list[int]]], np.ndarray],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.fp32 = fp32  # the model as loaded: the reference
        self.variant = variant  # the model in another precision (precision_variants.py)
        self.tokenize = tokenize  # texts -> token id rows, truncated as the model's batches are
        self.forward = forward  # (the model in some precision, token rows) -> unit vectors
        self.clock = clock  # the race's stopwatch

    def calibration_vectors(self, model: Any) -> np.ndarray:
        return self.forward(model, self.tokenize(list(CALIBRATION_SENTENCES)))

    def min_cosine(self, model: Any, reference: np.ndarray) -> float:
        vectors = self.calibration_vectors(model)
        return float(np.min(np.sum(vectors * reference, axis=1)))

    def choose(self, requested: str, reference: np.ndarray) -> tuple[str, str, Any]:
        """(the precision, a note saying why, the model in it) for "auto" or a forced precision;
        `reference`: fp32's calibration vectors."""
        native_bf16 = cpu_has_native_bf16()
        if requested == "fp32":
            return "fp32", "fp32 (forced; the reference precision)", self.fp32
        if requested in PRECISIONS:
            variant = self.variant(requested)
            cosine = self.min_cosine(variant, reference)
            note = f"{requested} (forced; cosine to fp32 {cosine:.4f} on calibration set"
            if cosine < MIN_CALIBRATION_COSINE:
                note += f", below {MIN_CALIBRATION_COSINE}"
            if requested == "bf16" and not native_bf16:
                note += "; this CPU has no native bf16, expect it to be slow"
            return requested, note + ")", variant

        reasons: list[str] = []
        candidates: list[str] = []
        if native_bf16:
            candidates.append("bf16")
        else:
            reasons.append("no native bf16 on this CPU")
        onnx = runtime_version() is not None
        if onnx:
            # ONNX Runtime's int8 beat torch's on every CPU measured (AVX2 EPYC 2.4x against 1.4x fp32,
            # AMX Xeon 2.16x against 1.67x): building and racing torch int8 too only delays a first start.
            reasons.append("torch int8 not tried (ONNX Runtime's int8 is faster)")
        elif int8_supported():
            candidates.append("int8")
        else:
            reasons.append("no int8 kernels in this torch build")
        if onnx:
            candidates.extend(ONNX_PRECISIONS)
        else:
            reasons.append("ONNX Runtime not installed")
        passed: dict[str, Any] = {"fp32": self.fp32}
        cosines: dict[str, float] = {}
        for candidate in candidates:
            try:
                variant = self.variant(candidate)
            except Exception as err:  # noqa: BLE001 - a path that cannot be built is one fewer choice
                reasons.append(f"{candidate} unavailable ({type(err).__name__})")
                log.warning("precision %s unavailable: %r", candidate, err, exc_info=True)
                continue
            cosine = self.min_cosine(variant, reference)
            if cosine >= MIN_CALIBRATION_COSINE:
                passed[candidate], cosines[candidate] = variant, cosine
            else:
                reasons.append(
                    f"{candidate} failed the check, cosine {cosine:.4f} < {MIN_CALIBRATION_COSINE}"
                )
                # The log's, not the terminal's: the precision note (`model info`) says it in full, and a
                # trained model failing int8 is expected, not something the user can act on.
                log.info("precision %s rejected: min cosine to fp32 %.4f", candidate, cosine)
        if "onnx-fp32" in passed:
            # The same fp32 model on ONNX Runtime's fused kernels (1.18x torch on an AVX2 EPYC) stands in
            # for torch fp32 in the race: one slow path fewer to time, and the torch model can be freed.
            del passed["fp32"]
            reasons.append("torch fp32 not raced (the ONNX fp32 export stands for it)")
        reference_name = "fp32" if "fp32" in passed else "onnx-fp32"
        seconds = self.race(passed) if len(passed) > 1 else dict.fromkeys(passed, 1.0)
        best = min(seconds, key=seconds.__getitem__)
        if len(seconds) > 1:
            reasons.append(
                f"speed vs {reference_name} here: "
                + ", ".join(f"{name} {seconds[reference_name] / secs:.2f}x" for name, secs in seconds.items())
            )
        if best != "fp32":
            reasons.append(f"cosine to fp32 {cosines[best]:.4f} on calibration set")
        return best, f"{best} (auto: {'; '.join(reasons)})", passed[best]

    def race(self, variants: dict[str, Any]) -> dict[str, float]:
        """Seconds per pass of each variant over a batch shaped like an indexing batch (RACE_ROWS rows of
        RACE_TOKENS tokens), best of up to RACE_ROUNDS interleaved rounds, so a neighbour's load hits every
        path alike; a path left behind by RACE_DROP_RATIO after two rounds runs no more rounds."""
        text = " ".join(CALIBRATION_SENTENCES * 8)
        rows = [self.tokenize([text])[0][:RACE_TOKENS]] * RACE_ROWS
        best = dict.fromkeys(variants, float("inf"))
        for variant in variants.values():
            for _ in range(RACE_WARMUPS):
                self.forward(variant, rows)  # first passes set up kernels and sessions: not timed
        running = dict(variants)
        for round_no in range(RACE_ROUNDS):
            for name, variant in running.items():
                mark = self.clock()
                self.forward(variant, rows)
                best[name] = min(best[name], self.clock() - mark)
            if round_no >= 1:
                leader = min(best[name] for name in running)
                running = {n: v for n, v in running.items() if best[n] <= leader * RACE_DROP_RATIO}
                if len(running) == 1:
                    break
        return best

"""A TorchScript trace of the transformer for one short query at a time: the search-as-you-type path.

Run eagerly, a 12-layer model spends most of a short query in Python (some 200 module calls, and
int8 dynamic-quantised layers are the worst), holding the GIL the GUI thread also needs. The traced
graph runs the same operations in C++: a 6-token query on the gte-small-shaped int8 model takes
10 ms instead of 31 ms on one core. Tracing records the operations of one example, so the trace is
used only for what it was traced with (one row, no padding, mask all ones) and only after it gave
the same vectors as the eager model for queries of several lengths; otherwise queries stay eager.
"""

from __future__ import annotations

import logging
import warnings

import torch

from gte_notes.core.model.query_path import model_inputs

log = logging.getLogger(__name__)

# Longest query that goes through the trace; the check below covers lengths up to this.
MAX_TRACED_TOKENS = 64
_CHECK_LENGTHS = (1, 2, 7, 16, MAX_TRACED_TOKENS)
_MAX_ABS_DIFF = 1e-4


class _LastHidden(torch.nn.Module):
    def __init__(self, inner: torch.nn.Module, token_types: bool) -> None:
        super().__init__()
        self.inner = inner
        self.token_types = token_types

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.inner(**model_inputs(input_ids, attention_mask, self.token_types)).last_hidden_state


def _example(n: int, vocab: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Fixed ids (not random) so a failed check is reproducible.
    ids = (torch.arange(n, dtype=torch.int64).reshape(1, n) * 7919 + 1000) % max(vocab - 1, 2) + 1
    return ids, torch.ones_like(ids)


def trace_query_graph(inner: torch.nn.Module, token_types: bool) -> torch.jit.ScriptModule | None:
    """The traced single-query graph of `inner`, or None when tracing fails or changes any output."""
    eager = _LastHidden(inner, token_types).eval()
    vocab = int(getattr(getattr(inner, "config", None), "vocab_size", 30000) or 30000)
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            # The tracer warns about every shape-dependent Python branch; the check below is what counts.
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(eager, _example(8, vocab), check_trace=False)
            for n in _CHECK_LENGTHS:
                x = _example(n, vocab)
                diff = (traced(*x).float() - eager(*x).float()).abs().max().item()
                if not diff <= _MAX_ABS_DIFF:  # also catches NaN
                    log.warning(
                        "traced query graph differs from the model at %d tokens (%.2g): not used", n, diff
                    )
                    return None
    except Exception as err:  # noqa: BLE001 - any tracing failure only costs speed: queries stay eager
        log.warning("could not trace the model for queries (%r): queries run eagerly", err, exc_info=True)
        return None
    return traced

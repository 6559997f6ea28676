"""Reading a saved query encoder's parts, and telling a damaged file from a bug in gte-notes.

A damaged or outdated file (cut short by a full disk, written by another version, changed on disk)
costs only the fast start: the caller removes it, loads the model and saves a fresh one. Any other
error is a bug in gte-notes: the file is kept (removing it would hide the bug behind a slow start on
every launch) and the caller logs it as a bug, with its traceback, before going on with the full model.
"""

from __future__ import annotations

import json
from typing import Any

# What every saved encoder's metadata carries (the ONNX one its tokenizer too); missing or null
# values mean a file from another version or a damaged one.
_META_KEYS = ("name", "path", "dim", "max_tokens", "precision", "note", "model_id", "checked_tokens")


def is_damaged_file_error(err: BaseException) -> bool:
    """Whether `err`, raised while reading a saved encoder, means the file is bad: OS errors; bad
    text, JSON or metadata (ValueError, KeyError); torch.jit.load's RuntimeError on a bad archive;
    onnxruntime's own errors (InvalidProtobuf, Fail, ...), which derive from Exception directly.
    TypeError, AttributeError and the like are bugs."""
    if isinstance(err, (OSError, EOFError, ValueError, KeyError, RuntimeError)):
        return not isinstance(err, (NotImplementedError, RecursionError))  # RuntimeErrors that are bugs
    # By module, so that telling needs no import of onnxruntime (a TorchScript start never loads it).
    return type(err).__module__.startswith("onnxruntime.")


def read_meta(text: str, *, tokenizer: bool = False) -> dict[str, Any]:
    """A saved encoder's metadata, or ValueError when it is not a complete one."""
    meta = json.loads(text)
    keys = (*_META_KEYS, "tokenizer") if tokenizer else _META_KEYS
    if not isinstance(meta, dict) or any(meta.get(key) is None for key in keys):
        raise ValueError("the saved query encoder's metadata is incomplete")
    return meta


def tokenizer_from_json(text: str) -> Any:
    """A `tokenizers.Tokenizer` from its JSON, or ValueError when the text is not one."""
    from tokenizers import Tokenizer

    try:
        return Tokenizer.from_str(text)
    except Exception as err:
        # tokenizers reports a bad file as a plain Exception; any subclass (TypeError, ...) is a bug.
        if type(err) is not Exception:
            raise
        raise ValueError(f"the saved tokenizer cannot be read: {err}") from err

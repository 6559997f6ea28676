"""Which encoder serves queries and which serves notes: the one place that decides.

Queries go through the saved query encoder (query_encoder.py) when there is one: a start that embeds
nothing then loads neither torch nor sentence-transformers. Notes go through the full model
(embedder.py), in a process of its own (note_process.py) when `notes_apart`, else in this one. A first
start, with no saved encoder yet, loads the full model once (in the child when `notes_apart`) and saves
the encoder from it for the next start. The modules below take what they need as arguments and never
import this one back.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from gte_notes.core.errors import Cancelled, KnownError
from gte_notes.core.model import embedder as embedder_module  # sets OMP_WAIT_POLICY before torch loads
from gte_notes.core.model.heap import release_freed_memory
from gte_notes.core.model.model_catalog import CodeConsent, check_remote_code
from gte_notes.core.model.model_files import resolve_model_path
from gte_notes.core.model.note_process import NoteProcess
from gte_notes.core.model.query_encoder import QuickEmbedder, load_query_encoder, save_query_encoder

log = logging.getLogger(__name__)


def open_embedder(
    name: str, precision: str, data_dir: Path, consent: CodeConsent | None = None, notes_apart: bool = False
) -> Any:
    """What the app's engine runs on: the saved query encoder when there is one, else the full model
    (then saving its query encoder for the next start). `consent`: see model_catalog.check_remote_code;
    it is asked before a saved encoder too, so a model's code never gets around a refusal that way.
    `notes_apart`: notes are embedded in a process of their own (note_process.py), the first start's
    model load and encoder export too, so this process never holds the full model."""
    try:
        path: Path | None = resolve_model_path(name)
    except KnownError:
        path = None  # load_embedder says what is missing, in the words the GUI expects
    if path is not None:
        check_remote_code(name, path, consent)
        quick = load_query_encoder(name, path, precision, Path(data_dir), consent)
        if quick is not None:
            if notes_apart:
                quick.embed_notes_apart(NoteProcess(name, quick.full_precision, Path(data_dir), consent))
            return quick
        if notes_apart:
            quick = _first_start_apart(name, path, precision, Path(data_dir), consent)
            if quick is not None:
                return quick
    full = embedder_module.load_embedder(name, precision, data_dir, consent=consent)
    if isinstance(full, embedder_module.Embedder) and path is not None:
        saved = remember_query_encoder(full, precision, Path(data_dir))
        quick = load_query_encoder(name, path, precision, Path(data_dir), consent) if saved else None
        if quick is not None:
            # Queries through the graph just checked (the engine need not trace the model again),
            # notes through the model already loaded.
            quick.keep_full(full)
            quick.load_times = full.load_times
            return quick
    return full


def remember_query_encoder(full: embedder_module.Embedder, precision: str, data_dir: Path) -> bool:
    """Save `full`'s query encoder for the next start, unless one is saved; False when it cannot be.
    The CLI's writers call it too, so a search after `gte-notes index` loads no model."""
    mark = time.perf_counter()
    try:
        saved = save_query_encoder(full, precision, data_dir)
    except Exception:  # export and tracing fail in many ways; this start runs on the full model
        log.exception("could not save the query encoder")
        saved = False
    release_freed_memory(cycles=True)  # the export and its checks: ~0.9 GB of a first start's RSS otherwise
    full.load_times["trace, check and save the query encoder (first start)"] = time.perf_counter() - mark
    return saved


def _first_start_apart(
    name: str, path: Path, precision: str, data_dir: Path, consent: CodeConsent | None
) -> QuickEmbedder | None:
    """A first start with notes apart: the child loads the model and saves the query encoder, which
    this process then loads; the child stays, ready to embed the notes. None: load the model here."""
    notes = NoteProcess(name, precision, data_dir, consent)
    started = time.perf_counter()
    try:
        ready = notes.start(save_encoder=True)
    except (KnownError, Cancelled):
        notes.close()
        raise
    except Exception:  # whatever stopped the child (its traceback is logged), this process can load it
        log.exception("the process for the model did not start: loading the model in this one")
        notes.close()
        return None
    quick = load_query_encoder(name, path, precision, data_dir, consent) if ready["saved"] else None
    if quick is None:
        notes.close()
        return None
    quick.embed_notes_apart(notes)
    times = dict(ready["load_times"])
    times["start a process for the model (Python and its imports)"] = max(
        0.0, time.perf_counter() - started - sum(times.values())
    )
    quick.load_times = {**times, **quick.load_times}
    return quick

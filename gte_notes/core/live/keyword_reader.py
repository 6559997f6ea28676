"""Keyword first, then meaning: on a first start the writer reads the notes while the model loads.

The model's load takes tens of seconds on a first start (imports, weights, the precision check, the
query encoder's export), and until now no note was read before it ended. Reading and keyword-indexing
needs only the model's tokenizer (model_tokenizer.py), so the writer runs the keyword pass
(index/keyword_pass.py) on a thread of its own beside the load, with a connection of its own: each
batch it commits is searchable by its words at once. When the model is there the writer stops the
pass (it commits what it has) before its own reconcile, which embeds every note the pass wrote: there
is still one writer of the index at a time.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from gte_notes.core.index.progress import Progress
from gte_notes.core.index.store import Store
from gte_notes.core.live.engine_state import EngineState, Phase

log = logging.getLogger(__name__)

# The writer's state while the pass runs (the model loads meanwhile).
READING_STATE = EngineState(Phase.READING)


@contextlib.contextmanager
def reading_notes(writer: Any) -> Iterator[None]:
    """The keyword pass runs (on a first start) while the block loads the model, and ends with it."""
    reader = KeywordReader.for_first_start(writer)
    if reader is not None:
        reader.start()
    try:
        yield
    finally:
        if reader is not None:
            reader.finish()


class KeywordReader:
    def __init__(self, writer: Any, tokenizer: Any) -> None:
        self.w = writer
        self.tokenizer = tokenizer
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gte-notes keyword pass", daemon=True)

    @classmethod
    def for_first_start(cls, writer: Any) -> KeywordReader | None:
        """A reader when the index has never been completed and the model still has to be loaded; None
        when there is nothing to gain (an embedder given ready) or no tokenizer can be found."""
        store, target = writer.store, writer.changer.target
        if writer.embedder is not None or store is None or target is None or store.get_meta("pipeline"):
            return None
        from gte_notes.core.model.model_tokenizer import open_model_tokenizer

        tokenizer = open_model_tokenizer(target.name, target.passage_tokens)
        return cls(writer, tokenizer) if tokenizer is not None else None

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        """Stop the pass between two notes (what it wrote stays) and wait for it."""
        self._stop.set()
        self._thread.join()

    def _stopping(self) -> bool:
        return self._stop.is_set() or self.w.stopping or self.w.paused

    def _run(self) -> None:
        from gte_notes.core.index.keyword_pass import keyword_pass

        self.w.reports.set_state(READING_STATE)
        store: Store | None = None
        try:
            store = Store(self.w.ws.db_path, check=False)  # the writer checked the file when it opened it
            stats = keyword_pass(
                self.w.ws.folder,
                store,
                self.tokenizer,
                self.w.ws.filter,
                self.w.ws.max_bytes,
                progress=self._progress,
                committed=self._committed,
                stop=self._stopping,
            )
            self.written = stats.written
        except Exception as err:  # noqa: BLE001 - the pass is a head start: the writer's reconcile does it all
            log.warning("the keyword pass stopped: %r", err, exc_info=True)
        finally:
            if store is not None:
                with contextlib.suppress(sqlite3.Error):
                    store.close()
            if not self._stop.is_set() and self.w.state == READING_STATE:
                # Every note read; meaning search follows the model.
                self.w.reports.set_state(EngineState(Phase.LOADING_MODEL))

    def _progress(self, p: Progress) -> None:
        self.w.reports.progress_made(p)

    def _committed(self, paths: list[str]) -> None:
        self.w.reports.indexed(paths)

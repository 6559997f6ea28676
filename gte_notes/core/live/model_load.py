"""Loading a model for the writer on a thread of its own, ready for the first search when it returns; and
stopping the process it embeds notes in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from gte_notes.core.search.caches import IndexCaches


def load_model(embedder: Any, factory: Callable[[], Any], caches: IndexCaches) -> tuple[Any, float]:
    """(the embedder: `embedder`, or `factory()` when None; seconds spent readying it for queries).

    Runs on a thread of its own at the caller's (normal) priority: torch makes its workers per calling
    thread, so the model's load and checks use normal-priority workers that end with that thread, and
    the writer's own, made later for indexing, inherit the writer's lower priority. KnownError (a
    missing model) and anything else the load raises reach the caller."""
    return _on_own_thread(lambda: _load(embedder, factory, caches))


def _load(embedder: Any, factory: Callable[[], Any], caches: IndexCaches) -> tuple[Any, float]:
    embedder = embedder if embedder is not None else factory()
    mark = time.perf_counter()
    prepare = getattr(embedder, "prepare_queries", None)
    if prepare is not None:
        prepare()  # searches typed from now on take the fast path
    caches.dense_scale(
        embedder.model_id, embedder.encode_query
    )  # measured here: the first search does not wait
    return embedder, time.perf_counter() - mark


def _on_own_thread(fn: Callable[[], Any]) -> Any:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread, which reports it
            box["error"] = err

    loader = threading.Thread(target=run, name="gte-notes model load", daemon=True)
    loader.start()
    loader.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def stop_notes_process(embedder: Any) -> None:
    """Stop the process an app embedder embeds notes in (note_process.py); it starts again if needed."""
    close = getattr(embedder, "close", None)
    if close is not None:
        close()

"""A first index's keyword pass: every note read, cut into passages and made searchable by its words
before the model can embed anything.

The model takes tens of seconds to load on a first start; the notes need none of it to be found by
their words. So while it loads, this pass writes each new note with its passages (and their keyword
rows) and the status KEYWORDS_ONLY. The indexer treats such a note as one to look at again: once the
model is there it embeds the passages, writes the note as "indexed" and puts its vectors in the ANN.
Until then searches find it by keywords; hybrid search scores a passage without a vector by its
keyword side alone. Nothing here touches the ANN or the vectors.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gte_notes.core.files.notes import FileRead, NoteFilter, check_folder, read_note
from gte_notes.core.index.folder_scan import FolderScan
from gte_notes.core.index.note_texts import NoteTexts, note_texts
from gte_notes.core.index.progress import Progress
from gte_notes.core.index.store import NoteRow, Store

log = logging.getLogger(__name__)

KEYWORDS_ONLY = "keywords_only"
KEYWORDS_REASON = "found by its words; search by meaning includes it once the model has embedded it"
# Notes per transaction: each commit makes them searchable; small enough that the first results come
# within a second, large enough that commits cost little.
BATCH_NOTES = 24


@dataclass
class KeywordPassStats:
    written: int = 0  # notes made searchable by their words
    seconds: float = 0.0
    stopped: bool = False


def needs_keywords(row: NoteRow | None, st: os.stat_result) -> bool:
    """A note the pass writes: one the index has never seen, or a keyword-only one that changed since."""
    if row is None:
        return True
    return row.status == KEYWORDS_ONLY and (row.size != st.st_size or row.mtime_ns != st.st_mtime_ns)


def keyword_pass(
    root: Path,
    store: Store,
    tokenizer: Any,
    flt: NoteFilter,
    max_bytes: int,
    *,
    progress: Callable[[Progress], None] | None = None,
    committed: Callable[[list[str]], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> KeywordPassStats:
    """Write the notes `needs_keywords` picks with their passages as `tokenizer` cuts them. A note that
    cannot be read or cut is left for the indexer, which writes its status. `stop` is polled between
    notes; what was written stays."""
    started = time.monotonic()
    stats = KeywordPassStats()
    root = check_folder(root)
    known = store.notes()
    on_disk = FolderScan(flt).tree(root, "")
    work = [rel for rel, st in sorted(on_disk.items()) if needs_keywords(known.get(rel), st)]
    batch: list[tuple[str, FileRead, NoteTexts]] = []

    def report(done: int, current: str) -> None:
        if progress is not None:
            progress(Progress(done, len(work), current, None, 0, 0))

    report(0, "")
    for n, rel in enumerate(work, start=1):
        if stop is not None and stop():
            stats.stopped = True
            break
        planned = _plan(root / rel, rel, tokenizer, max_bytes)
        if planned is not None:
            batch.append((rel, *planned))
        if len(batch) >= BATCH_NOTES:
            stats.written += _write(store, batch, committed)
            batch = []
        report(n, rel)
    stats.written += _write(store, batch, committed)
    stats.seconds = time.monotonic() - started
    return stats


def _plan(path: Path, rel: str, tokenizer: Any, max_bytes: int) -> tuple[FileRead, NoteTexts] | None:
    read = read_note(path, max_bytes)
    if read.status != "ok":
        return None
    try:
        planned = note_texts(read.text or "", rel, tokenizer)
    except Exception:  # the indexer cuts it again and records why it failed
        log.exception("keyword pass: could not chunk %s", rel)
        return None
    return (read, planned) if planned.chunks else None


def _write(
    store: Store, batch: list[tuple[str, FileRead, NoteTexts]], committed: Callable[[list[str]], None] | None
) -> int:
    if not batch:
        return 0
    with store.transaction():
        for rel, read, planned in batch:
            note_id = store.upsert_note(
                rel,
                title=planned.title,
                size=read.size,
                mtime_ns=read.mtime_ns,
                content_hash=read.content_hash,
                status=KEYWORDS_ONLY,
                reason=KEYWORDS_REASON,
                warning=read.warning,
                tags=planned.tags,
                links=planned.links,
            )
            store.replace_chunks(note_id, planned.title, planned.chunks)
    if committed is not None:
        committed([rel for rel, _r, _p in batch])
    return len(batch)

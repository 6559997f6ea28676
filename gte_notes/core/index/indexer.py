"""Make the database agree with the notes folder.

`reconcile` looks at the disk (lstat, read, hash), never trusts what it was told: watcher events only
say which paths to look at. Only chunk texts without a vector for the current model are embedded.
Each note is written in one transaction, so a crash leaves it with its old chunks or its new ones.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from gte_notes.core.errors import Cancelled, FolderError
from gte_notes.core.files.notes import (
    FileRead,
    NoteFilter,
    check_folder,
    read_note,
)
from gte_notes.core.index.ann import AnnIndex
from gte_notes.core.index.folder_scan import FolderScan, clean_relpath
from gte_notes.core.index.keyword_pass import KEYWORDS_ONLY
from gte_notes.core.index.note_texts import note_texts
from gte_notes.core.index.progress import Progress, ReconcileStats
from gte_notes.core.index.store import NewChunk, NoteRow, Store
from gte_notes.core.markdown.chunking import passage_target

log = logging.getLogger(__name__)

# A file that could not be read this time is looked at again on the next reconcile even if its
# size and mtime did not change (permissions may have been fixed).
RETRY_STATUSES = {"unreadable", "failed"}
# How many chunk texts are embedded before their notes are written: small enough that progress
# moves and cancel is prompt, large enough for efficient batches.
EMBED_BATCH_CHUNKS = 128
# A note this large (a book, a log, a pasted dump: ~64,000 tokens, 20 s of gte-small on 2 AVX2 cores, and
# a 5 MB one takes minutes) is embedded after every smaller note, in a batch of its own, so it never keeps
# the rest of the folder from being found by meaning. No note in the two shared vaults comes near it
# (their largest are 77 and 114 KB).
LARGE_NOTE_BYTES = 256 * 1024
# Bump when chunking changes what gets embedded: every note is then chunked again (vectors whose
# text did not change are still reused).
CHUNKING_VERSION = 6  # 3: each note gets a title vector of its own; 4: its aliases are stored, thin passages
# join a neighbour and HTML tags are not embedded; 5: CommonMark fences (blocks.py): an unclosed fence in a
# list item ends with the item, a closing fence indented 4+ columns is code, links in code spans that
# cross lines are not links; 6: base64 blobs (a pasted image's data: URI) are folded out of passages


class EmbedderLike(Protocol):
    model_id: str
    dim: int
    max_tokens: int

    def token_offsets(self, text: str) -> list[tuple[int, int]]: ...
    def encode(
        self,
        texts: list[str],
        token_counts: list[int] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> np.ndarray: ...


@dataclass
class _Pending:
    path: str
    read: FileRead
    title: str
    tags: tuple[str, ...]
    links: tuple[str, ...]
    chunks: list[NewChunk]
    texts: dict[str, str]  # text_hash -> embed text, for hashes that still need a vector
    tokens: dict[str, int]
    title_hash: str = ""
    aliases: tuple[str, ...] = ()


class Indexer:
    """The single writer of one notes folder's index."""

    def __init__(
        self,
        root: Path,
        store: Store,
        ann: AnnIndex,
        embedder: EmbedderLike,
        flt: NoteFilter | None = None,
        max_bytes: int = 10 * 1024 * 1024,
    ) -> None:
        self.root = root
        self.store = store
        self.ann = ann
        self.embedder = embedder
        self.filter = flt or NoteFilter()
        self.max_bytes = max_bytes
        self._force = False
        self._scan = FolderScan(self.filter)
        self._committed: Callable[[list[str]], None] | None = None

    def pipeline(self) -> str:
        """What the index's chunks and vectors depend on: every note is looked at again when it changes."""
        pipeline = f"chunking {CHUNKING_VERSION}; {self.embedder.model_id}; max {self.embedder.max_tokens}"
        if getattr(self.embedder, "passage_tokens", None):  # a chosen passage size: re-chunk when it changes
            pipeline += f"; passage {passage_target(self.embedder)}"
        return pipeline

    # ---- entry points -------------------------------------------------------------------------

    def reconcile(
        self,
        paths: Iterable[str] | None = None,
        progress: Callable[[Progress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        committed: Callable[[list[str]], None] | None = None,
    ) -> ReconcileStats:
        """Full scan when `paths` is None, else only those relative paths (files or folders).
        `committed` is told the notes of each batch once they are written and searchable, so a face can
        show them while a long reconcile goes on (the stats list them all again at the end)."""
        started = time.monotonic()
        self._committed = committed
        stats = ReconcileStats()
        self._scan = FolderScan(self.filter)
        self.filter.refresh()  # an edited .gitignore or Obsidian setting counts from this reconcile on
        root = check_folder(self.root)
        known = self.store.notes()
        pipeline = self.pipeline()
        self._force = self.store.get_meta("pipeline") != pipeline
        if self._force:
            paths = None  # a new model or chunker: every note must be looked at again
        if paths is None:
            on_disk = self._scan.tree(root, "")
            if not on_disk and known:
                # An unmounted drive or an emptied sync folder looks like "every note deleted".
                # Never act on that from one look: keep the index and say why.
                raise FolderError(
                    f"The notes folder {root} is empty or unreachable; the index of {len(known)} notes "
                    "is kept until the folder is back."
                )
            gone = [p for p in known if p not in on_disk]
        else:
            on_disk, gone = {}, []
            for rel in {clean_relpath(p) for p in paths}:
                if not rel:
                    continue
                found = self._scan.path(root, rel)
                on_disk.update(found)
                gone += [p for p in self.store.paths_under(rel) if p not in found]
        stats.scanned = len(on_disk)
        if self._scan.unreadable:
            # A folder that cannot be listed has not lost its notes: keep them, and say why in its own row.
            gone = [p for p in gone if not any(p.startswith(f"{d}/") for d in self._scan.unreadable)]
            self._mark_unreadable(known, stats)
        if gone:
            self._remove(gone, stats)
        work = [
            (p, st) for p, st in sorted(on_disk.items()) if self._force or self._needs_look(known.get(p), st)
        ]
        work.sort(key=lambda item: item[1].st_size > LARGE_NOTE_BYTES)  # stable: path order otherwise
        stats.unchanged = len(on_disk) - len(work)
        try:
            self._process(root, work, known, stats, progress, cancel)
        except Cancelled:
            stats.cancelled = True
        if paths is None and not stats.cancelled:
            with self.store.transaction():
                self.store.set_meta("pipeline", pipeline)
                self.store.set_meta("model_id", self.embedder.model_id)
                self.store.set_excluded(self._scan.excluded)
                self.store.vectors.gc(self.embedder.model_id)
        stats.seconds = time.monotonic() - started
        return stats

    # ---- scanning -----------------------------------------------------------------------------

    def _mark_unreadable(self, known: dict[str, NoteRow], stats: ReconcileStats) -> None:
        """One status row per unreadable folder, named "folder/"; it goes once the folder can be read."""
        for rel, why in sorted(self._scan.unreadable.items()):
            path, reason = f"{rel}/", f"folder cannot be read ({why}); the notes in it are not updated"
            old = known.get(path)
            if old is not None and old.reason == reason:
                continue
            with self.store.transaction():
                self.store.upsert_note(path, title=Path(rel).name, status="unreadable", reason=reason)
            stats.failed += 1
            stats.changed.append((path, "unreadable", reason))

    @staticmethod
    def _needs_look(row: NoteRow | None, st: os.stat_result) -> bool:
        if row is None or row.status in RETRY_STATUSES or row.status == KEYWORDS_ONLY:  # no vectors yet
            return True
        return row.size != st.st_size or row.mtime_ns != st.st_mtime_ns

    # ---- writing ------------------------------------------------------------------------------

    def _remove(self, paths: list[str], stats: ReconcileStats) -> None:
        with self.store.transaction():
            removed = self.store.delete_notes(paths)
        self.ann.remove(removed)
        stats.removed += len(paths)
        stats.changed += [(p, "removed", "") for p in paths]
        stats.indexed += paths

    def _process(
        self,
        root: Path,
        work: list[tuple[str, os.stat_result]],
        known: dict[str, NoteRow],
        stats: ReconcileStats,
        progress: Callable[[Progress], None] | None,
        cancel: Callable[[], bool] | None,
    ) -> None:
        total = len(work)
        total_bytes = sum(st.st_size for _, st in work)
        done_bytes = 0
        started = time.monotonic()
        batch: list[_Pending] = []
        need = 0

        def report(done: int, current: str) -> None:
            if progress is None:
                return
            elapsed = time.monotonic() - started
            eta = elapsed / done * (total - done) if done else None
            progress(
                Progress(
                    done,
                    total,
                    current,
                    eta,
                    stats.embedded_chunks,
                    stats.reused_chunks,
                    done_bytes,
                    total_bytes,
                )
            )

        report(0, "")
        for n, (rel, st) in enumerate(work, start=1):
            if cancel is not None and cancel():
                self._flush(batch, stats, cancel)
                raise Cancelled
            if st.st_size > LARGE_NOTE_BYTES and batch:
                self._flush(batch, stats, cancel)  # the notes read so far need not wait for this one
                batch, need = [], 0
            pending = self._prepare(root, rel, known.get(rel), stats)
            if pending is not None:
                batch.append(pending)
                need += len(pending.texts)
            if need >= EMBED_BATCH_CHUNKS or len(batch) >= 256:
                self._flush(batch, stats, cancel)
                batch, need = [], 0
            done_bytes += st.st_size
            report(n, rel)
        self._flush(batch, stats, cancel)
        report(total, "")

    def _prepare(self, root: Path, rel: str, old: NoteRow | None, stats: ReconcileStats) -> _Pending | None:
        """Read and chunk one file; write its status at once when there is nothing to embed."""
        read = read_note(root / rel, self.max_bytes)
        if read.status == "vanished":
            if old is not None:
                self._remove([rel], stats)
            return None
        if (
            read.status == "ok"
            and old is not None
            and old.status == "indexed"
            and old.content_hash == read.content_hash
            and not self._force
        ):
            # Touched but not changed: remember the new mtime so the next scan skips it.
            with self.store.transaction():
                self.store.touch_note(rel, read.size, read.mtime_ns)
            stats.unchanged += 1
            return None
        if read.status != "ok":
            self._write_status(rel, read, old, stats)
            return None
        try:
            planned = note_texts(read.text or "", rel, self.embedder)
        except Exception as err:  # a bug in chunking must cost one file, not the whole index
            log.exception("could not chunk %s", rel)  # a bug: its traceback goes to the log
            self._write_status(
                rel, read, old, stats, status="failed", reason=f"could not be chunked: {err!r}"
            )
            return None
        if not planned.chunks:
            self._write_status(
                rel, read, old, stats, status="empty", reason="no text to index", title=planned.title
            )
            return None
        if planned.warning:  # nothing is cut silently: the note says so in its status
            read = dataclasses.replace(
                read, warning="; ".join(w for w in (read.warning, planned.warning) if w)
            )
        # Only texts without a vector of this model are embedded; the title is looked up with the chunks.
        missing = self.store.vectors.missing(planned.texts, self.embedder.model_id)
        chunk_hashes = {c.text_hash for c in planned.chunks}
        stats.reused_chunks += sum(1 for h in chunk_hashes if h not in missing)
        texts = {h: t for h, t in planned.texts.items() if h in missing}
        tokens = {h: planned.tokens[h] for h in texts}
        return _Pending(
            rel,
            read,
            planned.title,
            planned.tags,
            planned.links,
            planned.chunks,
            texts,
            tokens,
            planned.title_hash,
            planned.aliases,
        )

    def _write_status(
        self,
        rel: str,
        read: FileRead,
        old: NoteRow | None,
        stats: ReconcileStats,
        *,
        status: str | None = None,
        reason: str | None = None,
        title: str = "",
    ) -> None:
        status = status or read.status
        reason = read.reason if reason is None else reason
        with self.store.transaction():
            note_id = self.store.upsert_note(
                rel,
                title=title or Path(rel).stem,
                size=read.size,
                mtime_ns=read.mtime_ns,
                content_hash=read.content_hash,
                status=status,
                reason=reason,
                warning=read.warning,
            )
            removed, _ = self.store.replace_chunks(note_id, "", [])
        self.ann.remove(removed)
        if removed:
            stats.indexed.append(rel)
        if status == "failed" or status == "unreadable":
            stats.failed += 1
        else:
            stats.skipped += 1
        if old is None or old.status != status or old.reason != reason:
            stats.changed.append((rel, status, reason))

    def _flush(self, batch: list[_Pending], stats: ReconcileStats, cancel: Callable[[], bool] | None) -> None:
        if not batch:
            return
        texts: dict[str, str] = {}
        tokens: dict[str, int] = {}
        for p in batch:
            texts.update(p.texts)
            tokens.update(p.tokens)
        hashes = list(texts)
        vectors: dict[str, np.ndarray] = {}
        if hashes:
            mat = self.embedder.encode([texts[h] for h in hashes], [tokens[h] for h in hashes], cancel=cancel)
            vectors = dict(zip(hashes, mat, strict=True))
            chunk_hashes = {c.text_hash for p in batch for c in p.chunks}
            stats.embedded_chunks += sum(1 for h in hashes if h in chunk_hashes)
            stats.embedded_titles += sum(1 for h in hashes if h not in chunk_hashes)
        with self.store.transaction():
            self.store.vectors.put(self.embedder.model_id, vectors.items())
            changes = []
            for p in batch:
                existed = self.store.note(p.path)
                note_id = self.store.upsert_note(
                    p.path,
                    title=p.title,
                    size=p.read.size,
                    mtime_ns=p.read.mtime_ns,
                    content_hash=p.read.content_hash,
                    status="indexed",
                    reason="",
                    warning=p.read.warning,
                    tags=p.tags,
                    links=p.links,
                    title_hash=p.title_hash,
                    aliases=p.aliases,
                )
                removed, added = self.store.replace_chunks(note_id, p.title, p.chunks)
                changes.append((removed, added, [c.text_hash for c in p.chunks]))
                stats.indexed.append(p.path)
                if existed is None:
                    stats.added += 1
                else:
                    stats.updated += 1
                if existed is None or existed.status != "indexed":
                    stats.changed.append((p.path, "indexed", p.read.warning))
        # The ANN follows only after the commit: it may lag the database, never lead it.
        all_hashes = {h for _, _, hs in changes for h in hs}
        have = self.store.vectors.by_hash(self.embedder.model_id, all_hashes - set(vectors))
        have.update(vectors)
        for removed, added, hs in changes:
            self.ann.remove(removed)
            if added:
                self.ann.add(added, np.stack([have[h] for h in hs]).astype(np.float32))
        if self._committed is not None:
            self._committed([p.path for p in batch])

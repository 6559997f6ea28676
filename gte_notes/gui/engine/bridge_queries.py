"""The bridge's queries: search, related notes, a note's preview and where a link points.

Why apart: these are what the user waits for as they type and move through the results, so each kind
has a generation number. A query's answer is delivered only if no newer one of its kind was asked for in
the meantime, and a queued query already stale when its worker gets to it is not run at all, so fast
typing never shows an older query's results over a newer one's. Searches get a thread of their own and
previews another, so neither waits behind related notes or a status.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from gte_notes.core import markdown_for_preview, readable_title
from gte_notes.gui.engine.bridge_jobs import BridgeJobs
from gte_notes.gui.engine.hit_titles import display_hits
from gte_notes.gui.engine.snippet import SnippetCache
from gte_notes.gui.engine.worker_results import newest_first, with_notes_of

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance


class BridgeQueries(BridgeJobs):
    """Part of EngineBridge (bridge.py), which sets these attributes in its __init__."""

    search_generation: int
    sort_by_date: bool
    notes_in_index: int | None
    snippets: SnippetCache
    search_done: SignalInstance
    related_done: SignalInstance
    preview_done: SignalInstance
    link_resolved: SignalInstance
    _search_result: SignalInstance
    _related_result: SignalInstance
    _preview_result: SignalInstance
    _link_result: SignalInstance
    _search_pool: ThreadPoolExecutor
    _read_pool: ThreadPoolExecutor
    _preview_pool: ThreadPoolExecutor
    _related_gen: int
    _preview_gen: int
    _inflight: int

    # ---- searches -----------------------------------------------------------------------------

    def search(self, query: str, limit: int) -> int:
        """Ask for `query`'s results; returns its generation. An empty query only makes older ones stale."""
        self.search_generation += 1
        gen = self.search_generation
        if query.strip() and not self._closed:
            self._inflight += 1
            self._search_pool.submit(self._search_job, gen, query, limit)
        return gen

    def _search_job(self, gen: int, query: str, limit: int) -> None:
        hits: list[Any] = []
        mode = ""
        engine = self.engine
        if gen == self.search_generation and not self._closed and engine is not None:
            # Before the model is loaded the engine answers from the keyword index alone ("keyword");
            # `ready` tells the window those results will be re-ranked once meaning joins.
            found, mode = self._guarded(
                "Search failed", lambda: engine.search_with_mode(query, limit), ([], "")
            )
            if not found and mode == "keyword":  # before the model: has any note been read at all?
                self.notes_in_index = self._guarded("Reading the index failed", engine.note_count, None)
            hits = self._prepare(found)
            if self.sort_by_date:
                hits = newest_first(hits, engine.ws.folder)
            hits = with_notes_of(found, hits)
        self._emit_result(self._search_result, gen, query, hits, mode == "hybrid")

    def _deliver_search(self, gen: int, query: str, hits: list[Any], ready: bool) -> None:
        self._inflight -= 1
        if gen == self.search_generation and not self._closed:
            self.search_done.emit(gen, query, hits, ready)

    # ---- related notes and previews -----------------------------------------------------------

    def related(self, path: str, limit: int) -> None:
        if self._closed:  # the pools are shut down: a late click or timer after quitting asks nothing
            return
        self._related_gen += 1
        self._inflight += 1
        self._read_pool.submit(self._related_job, self._related_gen, path, limit)

    def _related_job(self, gen: int, path: str, limit: int) -> None:
        hits: list[Any] = []
        links: set[str] = set()
        engine = self.engine
        if gen == self._related_gen and not self._closed and engine is not None:
            hits = self._guarded("Related notes failed", lambda: engine.related(path, limit), [])
            hits = self._prepare(hits)
            links = self._guarded("Reading the note's links failed", lambda: engine.note_links(path), set())
        self._emit_result(self._related_result, gen, path, hits, links)

    def _deliver_related(self, gen: int, path: str, hits: list[Any], links: set[str]) -> None:
        self._inflight -= 1
        if gen == self._related_gen and not self._closed:
            self.related_done.emit(path, hits, links)

    def preview(self, path: str) -> None:
        if self._closed:
            return
        self._preview_gen += 1
        self._inflight += 1
        self._preview_pool.submit(self._preview_job, self._preview_gen, path)

    def _preview_job(self, gen: int, path: str) -> None:
        body, text = "", ""
        engine = self.engine
        if gen == self._preview_gen and not self._closed and engine is not None:
            text = self._guarded("Reading the note failed", lambda: engine.note_text(path), "")
            body = markdown_for_preview(text)
        self._emit_result(self._preview_result, gen, path, body, text)

    def _deliver_preview(self, gen: int, path: str, body: str, text: str) -> None:
        self._inflight -= 1
        if gen == self._preview_gen and not self._closed:
            self.preview_done.emit(path, body, text)

    def resolve_link(self, target: str, from_path: str) -> None:
        """Find the note a link in `from_path` points at; `link_resolved` answers ("" if none)."""
        if self._closed:
            return
        self._inflight += 1
        self._read_pool.submit(self._link_job, target, from_path)

    def _link_job(self, target: str, from_path: str) -> None:
        engine = self.engine
        found, title = None, ""
        if engine is not None and not self._closed:
            found = self._guarded(
                "Resolving the link failed", lambda: engine.resolve_link(target, from_path), None
            )
            if found:
                title = self._guarded("Reading the note failed", lambda: engine.note_title(found), "")
                title = readable_title(title or PurePosixPath(found).stem, found)
        self._emit_result(self._link_result, target, found or "", title)

    def _deliver_link(self, target: str, found: str, title: str) -> None:
        self._inflight -= 1
        if not self._closed:
            self.link_resolved.emit(target, found, title)

    def _prepare(self, hits: list[Any]) -> list[Any]:
        """Readable titles (copies: the engine may keep its hits) and the rows' snippets, made here, off
        the GUI thread (kept in `snippets` for the painters)."""
        hits = display_hits(hits)
        for hit in hits:
            self.snippets.get(hit)
        return hits

"""Copy a link to a found or related note: "Copy [[link]]" in the folder's own wikilink style, and
"Copy Markdown link" (core/markdown/link_text.py), on the rows' context menus and as shortcuts.

The wikilink's shortest form depends on every note's name, so the folder's notes are listed (a scan of
names, no file is read) and kept for a while: a link copied right after another costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from gte_notes.core.files.note_filter import NoteFilter
from gte_notes.core.files.notes import scan_folder
from gte_notes.core.markdown.link_text import NoteLinks, note_links
from gte_notes.core.markdown.links import LinkIndex
from gte_notes.core.search.results import Hit

WIKILINK_KEYS = "Ctrl+L"
MARKDOWN_KEYS = "Ctrl+Shift+L"
NAMES_KEPT_S = 30.0  # how long the folder's note names are trusted before they are listed again


class LinkCopier:
    def __init__(self, folder: Callable[[], str | None]) -> None:
        self.folder = folder
        self._names: tuple[str, float, LinkIndex] | None = None

    def _index(self) -> LinkIndex:
        folder = self.folder() or ""
        now = time.monotonic()
        if self._names is None or self._names[0] != folder or now - self._names[1] > NAMES_KEPT_S:
            paths = [rel for rel, _ in scan_folder(Path(folder), NoteFilter())] if folder else []
            self._names = (folder, now, LinkIndex(paths))
        return self._names[2]

    def links(self, hit: Hit, from_rel: str = "") -> NoteLinks:
        # A row found by an alias shows "Title (alias)"; the link is labelled with the title alone.
        title = hit.title.removesuffix(f" ({hit.alias})") if hit.alias else hit.title
        return note_links(self._index(), hit.path, title, from_rel)

    def copy_wikilink(self, hit: Hit | None, from_rel: str = "") -> str:
        return self._copy(hit and self.links(hit, from_rel).wikilink)

    def copy_markdown(self, hit: Hit | None, from_rel: str = "") -> str:
        return self._copy(hit and self.links(hit, from_rel).markdown)

    @staticmethod
    def _copy(text: str | None) -> str:
        if text:
            QGuiApplication.clipboard().setText(text)
        return text or ""

    def add_actions(self, menu: QMenu, hit: Hit, from_rel: str = "") -> None:
        """The two copy actions, their shortcuts shown (the window's actions answer the keys)."""
        wiki = menu.addAction("Copy [[link]]", lambda: self.copy_wikilink(hit, from_rel))
        wiki.setShortcut(QKeySequence(WIKILINK_KEYS))
        md = menu.addAction("Copy Markdown link", lambda: self.copy_markdown(hit, from_rel))
        md.setShortcut(QKeySequence(MARKDOWN_KEYS))

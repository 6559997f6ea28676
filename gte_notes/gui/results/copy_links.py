"""Copy a link to a found or related note: "Copy [[link]]" in the folder's own wikilink style, and
"Copy Markdown link" (core/markdown/link_text.py), on the rows' context menus and as shortcuts.

The wikilink's shortest form depends on every note's name: the engine knows them (its link index, kept
per index generation, the same one that resolves links), so no folder is listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from gte_notes.core import Hit, LinkIndex, NoteLinks, note_links

if TYPE_CHECKING:
    from gte_notes.core import Engine

WIKILINK_KEYS = "Ctrl+L"
MARKDOWN_KEYS = "Ctrl+Shift+L"


class LinkCopier:
    def __init__(self, engine: Callable[[], Engine | None]) -> None:
        self.engine = engine

    def links(self, hit: Hit, from_rel: str = "") -> NoteLinks:
        # A row found by an alias shows "Title (alias)"; the link is labelled with the title alone.
        title = hit.title.removesuffix(f" ({hit.alias})") if hit.alias else hit.title
        engine = self.engine()
        if engine is None:  # no folder open: the note's own name is all there is to go by
            return note_links(LinkIndex([hit.path]), hit.path, title, from_rel)
        return engine.link_text(hit.path, title, from_rel)

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

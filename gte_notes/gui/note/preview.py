"""The selected note, rendered read-only by Qt's own Markdown renderer, scrolled to the passage that matched.

Nothing is loaded while rendering: `loadResource` answers every image or stylesheet request with
nothing, so a note cannot make the app fetch a remote URL (or read the disk on the GUI thread).
Links are not followed inside the preview: [[wikilinks]] and relative links ask the window to show
that note, web links open in the browser only when clicked.
"""

from __future__ import annotations

import html
from urllib.parse import unquote

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPalette,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTextBrowser, QTextEdit, QToolButton, QVBoxLayout, QWidget

from gte_notes.core import NO_WORDS, QueryWords
from gte_notes.gui.desktop.style import mark_background, mix
from gte_notes.gui.note.preview_marks import WordMarker, find_passage

SETTLE_MS = 150  # when the preview checks again that the passage is at the top
MAX_PREVIEW_CHARS = 400_000  # beyond this the preview shows the start; the editor shows the rest


class NotePreview(QTextBrowser):
    note_link = Signal(str, str)  # raw link target, kind ("wiki" or "path")
    back_requested = Signal()  # Alt+Left or the mouse's back button

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._clicked)
        self.document().setDocumentMargin(14)
        self.path: str | None = None
        self._words = WordMarker(self, self._word_format)
        self._scroll_gen = 0
        self._resize_anchor: int | None = None  # where the text at the top was when a resize began
        self._scrolled_to = 0

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.BackButton:
            self.back_requested.emit()
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # QTextBrowser's own Alt+Left walks its own history, which is empty: links are ours to follow.
        if event.key() == Qt.Key.Key_Left and event.modifiers() == Qt.KeyboardModifier.AltModifier:
            self.back_requested.emit()
            return
        super().keyPressEvent(event)

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        # An answer Qt counts as "loaded": returning nothing would make QTextDocument read local files
        # itself. Images become a blank pixel, anything else (style sheets) empty text.
        if int(kind) == QTextDocument.ResourceType.ImageResource.value:
            return _blank_image()
        return ""

    def clear_note(self, message: str = "") -> None:
        self.path = None
        self._words.cancel()
        self.setExtraSelections([])
        pal = self.palette()
        color = mix(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base), 0.45).name()
        self.setHtml(f'<p align="center" style="color: {color}; margin-top: 32px">{html.escape(message)}</p>')

    def show_note(
        self,
        path: str,
        markdown: str,
        passage: str = "",
        words: QueryWords = NO_WORDS,
        scroll: bool = True,
        near: float | None = None,
    ) -> None:
        """Render `markdown` (the note without frontmatter) and mark `passage` and the search's `words`;
        scroll to the passage, or with `scroll` False (a refresh after an edit) stay where the reader is."""
        keep = self.verticalScrollBar().value() if not scroll and path == self.path else None
        self.path = path
        if len(markdown) > MAX_PREVIEW_CHARS:
            markdown = markdown[:MAX_PREVIEW_CHARS] + "\n\n*…the preview shows the start of this long note.*"
        self.document().setMarkdown(markdown, QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
        self._mark(passage, words, scroll=keep is None, near=near)
        if keep is not None:
            self.verticalScrollBar().setValue(keep)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # A narrower or wider view re-wraps the note and the same scroll value shows other text: keep the
        # text that was at the top there (once per burst of resizes while a window edge is dragged).
        if self.path is not None and self._resize_anchor is None and self.verticalScrollBar().value() > 0:
            self._resize_anchor = self.cursorForPosition(QPoint(0, 0)).position()
            QTimer.singleShot(0, self, self._keep_top)
        super().resizeEvent(event)

    def _keep_top(self) -> None:
        anchor, self._resize_anchor = self._resize_anchor, None
        if anchor is None or self.path is None:
            return
        block = self.document().findBlock(anchor)
        if block.isValid():
            rect = self.document().documentLayout().blockBoundingRect(block)
            bar = self.verticalScrollBar()
            bar.setValue(max(0, int(rect.top()) - 6))
            self._scrolled_to = bar.value()

    def show_passage(self, passage: str, words: QueryWords = NO_WORDS, near: float | None = None) -> None:
        self._mark(passage, words, scroll=True, near=near)

    # ---- finding the passage ------------------------------------------------------------------

    def _mark(self, passage: str, words: QueryWords, scroll: bool, near: float | None = None) -> None:
        doc = self.document()
        selections = []
        pal = self.palette()
        found = find_passage(doc, passage, near) if passage else None
        start = None
        if found is not None:
            start, end = found
            cursor = QTextCursor(doc)
            cursor.setPosition(start.block().position())
            end_block = end.block()
            cursor.setPosition(
                end_block.position() + max(end_block.length() - 1, 0), QTextCursor.MoveMode.KeepAnchor
            )
            sel = QTextEdit.ExtraSelection()
            sel.cursor = cursor
            sel.format = QTextCharFormat()
            tint = QColor(pal.color(QPalette.ColorRole.Highlight))
            tint.setAlpha(38)
            sel.format.setBackground(tint)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selections.append(sel)
        self._words.start(words, selections, start.block() if start is not None else None)
        if scroll:
            top = start.block() if start is not None else None
            # The layout may not be finished right after setMarkdown; scroll once it is. The scroll bar's
            # range can lag the layout of a long note (a value past its maximum is clamped), so look
            # again a moment later, unless the reader has scrolled since.
            self._scroll_gen += 1
            gen = self._scroll_gen
            QTimer.singleShot(0, self, lambda: self._scroll_to(top, gen))
            QTimer.singleShot(SETTLE_MS, self, lambda: self._scroll_to(top, gen, again=True))

    @property
    def marked(self) -> bool:
        """The query's words are all marked (marking runs a slice per event-loop pass)."""
        return self._words.done

    def _word_format(self) -> QTextCharFormat:
        pal = self.palette()
        fmt = QTextCharFormat()
        fmt.setBackground(
            mark_background(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base))
        )
        return fmt

    def _scroll_to(self, block: object, gen: int, again: bool = False) -> None:
        bar = self.verticalScrollBar()
        if gen != self._scroll_gen or (again and bar.value() != self._scrolled_to):
            return  # another note or passage since, or the reader moved
        if block is None or self.path is None:
            bar.setValue(0)
        else:
            rect = self.document().documentLayout().blockBoundingRect(block)  # type: ignore[arg-type]
            bar.setValue(max(0, int(rect.top()) - 6))  # the passage at the top, no half-cut line above it
        self._scrolled_to = bar.value()

    # ---- links --------------------------------------------------------------------------------

    def _clicked(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme == "note":
            self.note_link.emit(unquote(url.toString()[len("note:") :]), "wiki")
        elif scheme in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif not scheme and url.path():
            self.note_link.emit(unquote(url.path()), "path")


_blank: list[QImage] = []


def _blank_image() -> QImage:
    if not _blank:  # made once, on first use (a QImage needs the application to exist)
        image = QImage(1, 1, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        _blank.append(image)
    return _blank[0]


class PreviewPane(QWidget):
    """The preview with a header: the note's title, its path, and a button to open it in the editor."""

    open_requested = Signal()
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.where = QLabel("")
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open = QToolButton()
        self.open.setText("Open in editor")
        self.open.setToolTip("Open the note at this passage (Enter, or double-click a result)")
        self.open.hide()
        self.open.clicked.connect(self.open_requested.emit)
        self.back = QToolButton()
        self.back.setText("←")
        self.back.setAccessibleName("Back")
        self.back.setToolTip("Back to the note you followed the link from (Alt+Left)")
        self.back.setAutoRaise(True)
        self.back.hide()
        self.back.clicked.connect(self.back_requested.emit)
        self.view = NotePreview(self)
        self.view.setAccessibleName("Note preview")
        self.view.back_requested.connect(self.back_requested.emit)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.where)
        header = QHBoxLayout()
        header.setContentsMargins(10, 6, 8, 6)
        header.addWidget(self.back, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addLayout(names, 1)
        header.addWidget(self.open, 0, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.view, 1)
        self._recolor()
        self.clear()

    def _recolor(self) -> None:
        pal = self.where.palette()
        own = self.palette()
        dim = mix(own.color(QPalette.ColorRole.WindowText), own.color(QPalette.ColorRole.Window), 0.4)
        pal.setColor(QPalette.ColorRole.WindowText, dim)
        self.where.setPalette(pal)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._recolor()
        super().changeEvent(event)

    def set_back(self, possible: bool) -> None:
        self.back.setVisible(possible)

    def set_header(self, title: str, where: str) -> None:
        self.title.setText(title)
        self.where.setText(where)
        self.open.setVisible(bool(where))

    def clear(self, message: str = "The selected note is shown here, at the passage that matched.") -> None:
        self.set_header("", "")
        self.view.clear_note(message)

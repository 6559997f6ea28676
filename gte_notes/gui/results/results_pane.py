"""The results column: a header (how many notes matched, or "Recently opened"; the order; folder chips
that narrow the search) above the list, and the list's context menu (open, copy path, reveal)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gte_notes.core import Hit, Hits
from gte_notes.gui.desktop.style import quiet
from gte_notes.gui.results.copy_links import LinkCopier
from gte_notes.gui.results.hit_list import HitList
from gte_notes.gui.results.hits_model import copy_hit

SORTS = ("Best match", "Date modified")
MAX_CHIPS = 4
MAX_TAG_CHIPS = 3
HIERARCHY_LEVELS = 3


def group_of(path: str) -> str:
    """What a folder chip narrows to: the note's folder, or in a flat Dendron-style vault the first
    levels of its dotted name ("dendron.topic.publish"); `path:` matches either as a substring."""
    folder, _, name = path.rpartition("/")
    return folder or ".".join(name.split(".")[:-2][:HIERARCHY_LEVELS])


class ChipRow(QObject):
    """A few buttons made once and reused: typing changes their text, never makes widgets."""

    chosen = Signal(str)  # the filter to add, e.g. "path:garden"
    changed = Signal()  # other chips now: fit them again

    def __init__(self, size: int, layout: QHBoxLayout) -> None:
        super().__init__()
        self.buttons: list[QToolButton] = []
        self.filters: list[str] = []
        self.wanted = 0  # chips to show, if they fit (fit_chips)
        for n in range(size):
            button = QToolButton()
            # Whole or not at all: a chip squeezed to "rele… · 7" names nothing (fit_chips hides the rest).
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.hide()
            button.clicked.connect(lambda _=False, n=n: self.chosen.emit(self.filters[n]))
            layout.addWidget(button)
            self.buttons.append(button)

    def show_chips(self, chips: list[tuple[str, str, str]]) -> None:
        """(text, tooltip, filter) for each chip to show."""
        self.filters = [f for _t, _tip, f in chips]
        self.wanted = len(chips)
        for n, button in enumerate(self.buttons):
            if n < len(chips):
                text, tip, _f = chips[n]
                if button.text() != text:
                    button.setText(text)
                    button.setToolTip(tip)
            button.setVisible(n < len(chips))
        self.changed.emit()

    def texts(self) -> list[str]:
        return [b.text() for b in self.buttons if not b.isHidden()]


def search_notice(hits: list[Hit]) -> str:
    """What the list says above its rows (core Hits carry it; a plain list says nothing)."""
    return "\n".join(hits.notices()) if isinstance(hits, Hits) else ""


def count_text(hits: list[Hit]) -> str:
    """The rows as what they are: every match, the best few of more ("20 best of 65"), or, when nothing
    is a close match, the nearest notes (never "19 notes" beside "No close match")."""
    n = len(hits)
    if isinstance(hits, Hits) and n:
        if not hits.close:
            return f"{n} nearest"
        if hits.matching is not None and hits.matching > n:
            return f"{n} best of {hits.matching}"
    return f"{n} note{'s' if n != 1 else ''}"


def _chip_label(group: str, n: int) -> str:
    """A folder's own name, or the last level of a dotted hierarchy ("publish" for dendron.topic.publish)."""
    name = PurePosixPath(group).name
    return f"{name if '/' in group or '.' not in name else name.rsplit('.', 1)[1]} · {n}"


class ResultsPane(QWidget):
    open_hit = Signal(object)  # Hit
    problem = Signal(str)  # something the user asked for could not be done, in words
    add_filter = Signal(str)  # "path:garden" or "tag:recipes": narrow the query
    sort_changed = Signal(str)  # one of SORTS

    def __init__(self, results: HitList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results = results
        self.folder = ""  # the open notes folder, for copying and revealing
        self.copier: LinkCopier | None = None  # copies links to a row's note (the window's)
        self.count = QLabel("")
        self.count.setAccessibleName("Result count")
        # Wide enough for any count: a label that changes width on every keystroke re-lays out the column.
        self.count.setFixedWidth(self.count.fontMetrics().horizontalAdvance("Recently opened") + 8)
        quiet(self.count)
        self.sort = QComboBox()
        self.sort.addItems(SORTS)
        self.sort.setToolTip("Order of the results")
        self.sort.currentTextChanged.connect(self.sort_changed.emit)
        # The chips may be cut at the right rather than widen the column (the splitter decides that).
        chip_row = QWidget()
        chip_row.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(chip_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.chips = ChipRow(MAX_CHIPS, row)  # folders, from the results at once
        self.tag_chips = ChipRow(MAX_TAG_CHIPS, row)  # tags several results share (the hits carry them)
        for chips in (self.chips, self.tag_chips):
            chips.chosen.connect(self.add_filter.emit)
            chips.changed.connect(self.fit_chips)
        self._chip_row = chip_row
        chip_row.installEventFilter(self)
        row.addStretch(1)
        head = QHBoxLayout()
        head.setContentsMargins(2, 0, 0, 2)
        head.addWidget(self.count)
        head.addWidget(chip_row, 1)
        head.addWidget(self.sort)
        # Above the list, when it applies: a corrected spelling, and that nothing matches closely, so
        # the nearest notes are never taken for answers.
        self.notice = QLabel("")
        self.notice.setAccessibleName("Search notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.notice)
        layout.addWidget(results, 1)
        results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        results.customContextMenuRequested.connect(self._menu)

    # ---- the header ---------------------------------------------------------------------------

    def show_results(self, hits: list[Hit], query: str, ready: bool = True) -> None:
        # Before the index is open "0 notes" would be untrue: the list's placeholder says why it is empty.
        self.count.setText(count_text(hits) if query.strip() and (ready or hits) else "")
        self._set_chips(hits, query)
        self._set_tag_chips(hits, query)
        self.show_notice(search_notice(hits) if query.strip() else "")

    def show_notice(self, text: str) -> None:
        if self.notice.text() != text:
            self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _set_tag_chips(self, hits: list[Hit], query: str) -> None:
        """Chips for the tags several results share."""
        counts = Counter(t.lower() for h in hits for t in set(h.tags))
        wanted = [] if "tag:" in query else [(t, n) for t, n in counts.most_common(MAX_TAG_CHIPS) if n >= 2]
        self.tag_chips.show_chips(
            [
                (f"#{t} · {n}", f"Only notes tagged {t} (adds tag:{t} to the search)", f"tag:{t}")
                for t, n in wanted
            ]
        )

    def show_recent(self, recent: list[Hit]) -> None:
        self.count.setText("Recently opened" if recent else "")
        self.show_notice("")
        self._set_tag_chips([], "")
        self._set_chips([], "")

    def _set_chips(self, hits: list[Hit], query: str) -> None:
        self.chips.show_chips(
            [
                (_chip_label(f, n), f"Only notes in {f}/ (adds path:{f} to the search)", f"path:{f}")
                for f, n in self._chip_groups(hits, query)
            ]
        )

    @staticmethod
    def _chip_groups(hits: list[Hit], query: str) -> list[tuple[str, int]]:
        folders = Counter(group_of(h.path) for h in hits)
        folders.pop("", None)
        if len(folders) < 2 or "path:" in query:
            return []  # one folder, or already narrowed: a chip would not narrow anything
        # A chip for one note narrows to what is already in view; the first is kept all the same.
        common = folders.most_common(MAX_CHIPS)
        return common[:1] + [(f, n) for f, n in common[1:] if n >= 2]

    def chip_texts(self) -> list[str]:
        return self.chips.texts() + self.tag_chips.texts()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._chip_row and event.type() == QEvent.Type.Resize:
            self.fit_chips()
        return False

    def fit_chips(self) -> None:
        """Show the chips, folders first, that fit the row whole; the rest wait for a wider column."""
        room = self._chip_row.width()
        spacing = self._chip_row.layout().spacing()
        used, full = 0, False
        for chips in (self.chips, self.tag_chips):
            for n, button in enumerate(chips.buttons):
                width = button.sizeHint().width()
                fits = n < chips.wanted and not full and used + width <= room
                full = full or (n < chips.wanted and not fits)  # in order: none after the first left out
                if fits:
                    used += width + spacing
                if button.isHidden() == fits:
                    button.setVisible(fits)

    # ---- the context menu ---------------------------------------------------------------------

    def _menu(self, pos: QPoint) -> None:
        index = self.results.indexAt(pos)
        hit = self.results.hits.hit(index.row()) if index.isValid() else None
        if hit is None:
            return
        menu = self.menu_for(hit)
        menu.exec(self.results.viewport().mapToGlobal(pos))

    def menu_for(self, hit: Hit) -> QMenu:
        menu = QMenu(self)
        menu.addAction("Open in editor", lambda: self.open_hit.emit(hit))
        menu.addAction("Copy path", lambda: self.copy_path(hit))
        if self.copier is not None:
            self.copier.add_actions(menu, hit)
        menu.addAction("Reveal in file manager", lambda: self.reveal(hit))
        for path in hit.copies:  # folded near-identical notes stay reachable
            menu.addAction(f"Open the copy {path}", lambda p=path: self.open_hit.emit(copy_hit(hit, p)))
        return menu

    def full_path(self, hit: Hit) -> Path:
        return Path(self.folder) / PurePosixPath(hit.path)

    def copy_path(self, hit: Hit) -> None:
        QGuiApplication.clipboard().setText(str(self.full_path(hit)))

    def reveal(self, hit: Hit) -> None:
        # Opening the folder (not the file) is what every desktop's file manager understands.
        folder = self.full_path(hit).parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            QGuiApplication.clipboard().setText(str(folder))
            self.problem.emit(
                f"No file manager is set up to show {folder}; its path was copied to the clipboard."
            )

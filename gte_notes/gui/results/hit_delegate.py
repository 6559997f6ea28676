"""Paints one hit row: title and score, the note's path and heading, and the passage with the query
words marked, cut to a few lines.

Painted with QTextLayout rather than a QLabel or an HTML QTextDocument per row: typing repaints the
whole list on every keystroke, and laying out a few hundred plain characters with format ranges is
far cheaper. Every colour comes from the palette, so light and dark themes both work.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gte_notes.core import Hit
from gte_notes.gui.desktop.style import dimmed, mark_background, mix
from gte_notes.gui.engine.snippet import Snippet, Utf16
from gte_notes.gui.results.hits_model import HIT_ROLE, LINKED_ROLE, SNIPPET_ROLE, copies_label

LINKED_MARK = "↔ linked ·"  # a related note the shown note already links to
PAD_X = 10
LAYOUT_CACHE = 300  # passages kept laid out: a few screens of results and related notes
PAD_Y = 7
GAP = 2

Index = QModelIndex | QPersistentModelIndex


def row_colors(pal: QPalette, group: QPalette.ColorGroup, selected: bool) -> tuple[QColor, QColor, QColor]:
    """A row's text, background and dimmed text (its path and score), selected or not."""
    fg = pal.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
    bg = pal.color(group, QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
    return fg, bg, dimmed(fg, bg)


class HitDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None, passage_lines: int = 2) -> None:
        super().__init__(parent)
        self.passage_lines = passage_lines
        self._layouts: dict[tuple, QTextLayout] = {}  # insertion-ordered: the oldest is dropped first

    # ---- geometry -----------------------------------------------------------------------------

    def _fonts(self, base: QFont) -> tuple[QFont, QFont, QFont]:
        title = QFont(base)
        title.setBold(True)
        title.setPointSizeF(base.pointSizeF() * 1.07 if base.pointSizeF() > 0 else 10.5)
        small = QFont(base)
        if base.pointSizeF() > 0:
            small.setPointSizeF(base.pointSizeF() * 0.9)
        return title, small, QFont(base)

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        title, small, body = self._fonts(option.font)
        height = (
            2 * PAD_Y
            + QFontMetrics(title).height()
            + GAP
            + QFontMetrics(small).height()
            + GAP
            + 2
            + self.passage_lines * QFontMetrics(body).lineSpacing()
        )
        return QSize(max(option.rect.width(), 200), height)

    # ---- painting -----------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        hit: Hit | None = index.data(HIT_ROLE)
        if hit is None:
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        painter.save()
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        group = (
            QPalette.ColorGroup.Active
            if opt.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        fg, bg, dim = row_colors(pal, group, selected)
        title_font, small_font, body_font = self._fonts(opt.font)
        rect = opt.rect.adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)

        # Title line, the score at the right.
        painter.setFont(small_font)
        score = f"{hit.score:.2f}" if hit.score >= 0 else ""  # a recently opened note has no score
        score_w = QFontMetrics(small_font).horizontalAdvance(score)
        tfm = QFontMetrics(title_font)
        painter.setPen(dim)
        painter.drawText(
            QRect(rect.right() - score_w, rect.top(), score_w, tfm.height()),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            score,
        )
        painter.setFont(title_font)
        painter.setPen(fg)
        title = tfm.elidedText(
            hit.title or hit.path, Qt.TextElideMode.ElideRight, rect.width() - score_w - 12
        )
        painter.drawText(
            QRect(rect.left(), rect.top(), rect.width() - score_w - 12, tfm.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            title,
        )
        y = rect.top() + tfm.height() + GAP

        # Where the note is, and under which heading the passage sits.
        sfm = QFontMetrics(small_font)
        where = hit.path + (f"  ›  {hit.heading}" if hit.heading and hit.heading != hit.title else "")
        if hit.copies:  # after the path, so eliding a long path in the middle keeps it
            where = f"{where}  ·  {copies_label(len(hit.copies))}"
        if index.data(LINKED_ROLE):
            where = f"{LINKED_MARK}  {where}"
        painter.setFont(small_font)
        painter.setPen(dim)
        painter.drawText(
            QRect(rect.left(), y, rect.width(), sfm.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            sfm.elidedText(where, Qt.TextElideMode.ElideMiddle, rect.width()),
        )
        y += sfm.height() + GAP + 2

        # The passage, query words marked, cut to a few lines with an ellipsis.
        painter.setPen(mix(fg, bg, 0.12))
        passage = self._passage(index, body_font, pal, group, selected, rect.width())
        passage.draw(painter, QPointF(rect.left(), y))
        painter.restore()

    def _passage(
        self, index: Index, font: QFont, pal: QPalette, group: QPalette.ColorGroup, selected: bool, width: int
    ) -> QTextLayout:
        """The laid-out passage, from a cache: while the user types or the index changes, rows are
        repainted far more often than their text changes, and laying text out is the costly part."""
        snippet: Snippet = index.data(SNIPPET_ROLE)
        key = (snippet, width, selected, group, pal.cacheKey(), font.key(), self.passage_lines)
        layout = self._layouts.get(key)
        if layout is None:
            mark = QTextCharFormat()
            mark.setFontWeight(QFont.Weight.Bold)
            if selected:
                mark.setFontUnderline(True)
            else:
                mark.setBackground(
                    mark_background(
                        pal.color(group, QPalette.ColorRole.Text), pal.color(group, QPalette.ColorRole.Base)
                    )
                )
            layout = elided_layout(snippet, font, mark, width, self.passage_lines)
            if len(self._layouts) >= LAYOUT_CACHE:
                self._layouts.pop(next(iter(self._layouts)))
            self._layouts[key] = layout
        return layout


def _format_ranges(
    marks: tuple[tuple[int, int], ...], fmt: QTextCharFormat, limit: int, units: Utf16
) -> list:
    ranges = []
    for start, length in marks:
        if start >= limit:
            break
        r = QTextLayout.FormatRange()
        a, b = units.to_qt(start), units.to_qt(min(start + length, limit))
        r.start, r.length, r.format = a, b - a, fmt
        ranges.append(r)
    return ranges


def _lay_out(
    text: str, font: QFont, ranges: list, width: int, max_lines: int
) -> tuple[QTextLayout, int, int]:
    """Returns the layout, and where its last line starts and ends (in Qt's UTF-16 units)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.setFormats(ranges)
    layout.beginLayout()
    y = 0.0
    start = end = 0
    for _ in range(max_lines):
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
        start, end = line.textStart(), line.textStart() + line.textLength()
    layout.endLayout()
    return layout, start, end


def elided_layout(
    snippet: Snippet, font: QFont, mark: QTextCharFormat, width: int, max_lines: int
) -> QTextLayout:
    text = snippet.text
    units = Utf16(text)
    ranges = _format_ranges(snippet.marks, mark, len(text), units)
    layout, q_start, q_end = _lay_out(text, font, ranges, width, max_lines)
    last_start, last_end = units.to_py(q_start), units.to_py(q_end)
    if last_end >= len(text.rstrip()):
        return layout
    # More text than lines: cut the last line so that it and an ellipsis fit, marks included.
    bold = QFont(font)
    bold.setBold(True)
    fm = QFontMetrics(bold)
    cut = last_end
    while cut > last_start and fm.horizontalAdvance(text[last_start:cut] + " …") > width:
        cut -= max(1, (cut - last_start) // 20)
    space = text.rfind(" ", last_start, cut)
    if space > last_start + (cut - last_start) // 2:
        cut = space
    clipped = text[:cut].rstrip() + " …"
    ranges = _format_ranges(snippet.marks, mark, cut, Utf16(clipped))
    return _lay_out(clipped, font, ranges, width, max_lines)[0]

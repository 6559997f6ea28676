"""What the preview marks: the matched passage, found at once, and the query's words, found a slice at a time.

Both used to be found on the GUI thread in one go, which on a long note held the event loop for 100 ms
and more (measured by tests/bench/gui_latency.py --diagnose). The passage is now found with one regular
expression over the document's raw text (C speed, no Qt call per line), and the words are marked a few
dozen paragraphs per pass of the event loop, starting at the passage, so typing and scrolling never
wait for them. A newer note or query cancels the marking still under way.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRegularExpression, QTimer
from PySide6.QtGui import QTextBlock, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextEdit

from gte_notes.core import QueryWords, is_japanese, language_of
from gte_notes.gui.engine.snippet import Utf16, clean, worth_marking

MAX_CANDIDATES = 50  # occurrences of a passage's first line weighed against each other
MAX_MARKS = 200  # query words marked in one preview
SLICE_SECONDS = 0.004  # GUI-thread time per pass of the event loop spent looking for them
_WORDS = re.compile(r"\w+")


def _line_needles(passage: str) -> list[re.Pattern[str]]:
    """Patterns for the passage's lines that have enough words to be found unambiguously, in order."""
    needles = []
    for raw in passage.splitlines():
        words = _WORDS.findall(clean(raw).text)
        if len(words) >= 2 or (words and len(words[0]) > 5):
            needles.append(re.compile(r"\W+".join(re.escape(w) for w in words[:8]), re.IGNORECASE))
    return needles


def find_passage(
    doc: QTextDocument, passage: str, near: float | None = None
) -> tuple[QTextCursor, QTextCursor] | None:
    """Where the passage's first and last findable lines are in the rendered document (the last at or
    after the first), or None when no line of it is found.

    The rendered text has no Markdown marks and its own offsets, so the passage is found by its words.
    Its first line may occur more than once (a heading repeated in a table of contents, a list item
    quoted twice): the occurrence followed by most of the passage's other lines wins, and among equals
    the one nearest `near`, where the passage sits in the note (a share of its length).
    Document positions count UTF-16 units and the raw text has one separator per paragraph, so a match in
    the raw text is a document position once converted. The text is read once for both ends.
    """
    needles = _line_needles(passage)
    raw = doc.toRawText()
    lead = next((n for n in needles[:6] if n.search(raw)), None)
    if lead is None:
        return None
    others = needles[needles.index(lead) + 1 :][:6]
    reach = 3 * len(passage) + 200
    expected = near * len(raw) if near is not None else 0.0

    def rank(m: re.Match[str]) -> tuple[int, float]:
        window = raw[m.start() : m.start() + reach]
        return sum(1 for n in others if n.search(window)), -abs(m.start() - expected)

    first = max(itertools.islice(lead.finditer(raw), MAX_CANDIDATES), key=rank)
    last = next((m for m in (n.search(raw, first.start()) for n in needles[::-1][:6]) if m), first)
    if last.start() - first.start() > reach:
        last = first  # a line found far below is another occurrence, not this passage's end
    units = Utf16(raw)
    start, end = QTextCursor(doc), QTextCursor(doc)
    start.setPosition(units.to_qt(first.start()))
    end.setPosition(units.to_qt(last.start()))
    return start, end


class WordMarker(QObject):
    """Marks a query's words in a QTextEdit's document, a slice per event-loop pass, beside fixed marks."""

    def __init__(self, view: QTextEdit, word_format: Callable[[], QTextCharFormat]) -> None:
        super().__init__(view)
        self.view = view
        self._format = word_format
        self._gen = 0
        self.done = True  # no marking under way (tests wait for this)

    def start(self, words: QueryWords, fixed: list, first: QTextBlock | None) -> None:
        """Show `fixed` selections now and `words` (as the search parsed them) as they are found, from
        `first` on."""
        self._gen += 1
        self.view.setExtraSelections(fixed)
        if not words:
            self.done = True
            return
        self.done = False
        doc = self.view.document()
        begin = first if first is not None and first.isValid() else doc.begin()
        state = _Scan(
            words,
            _still_typed(doc, words.typed_last) if words.typed_last else "",
            fixed,
            begin,
            doc.begin(),
            self._format(),
        )
        sample = _sample(begin)
        state.lang = language_of(sample)
        state.japanese = is_japanese(sample)  # a heading without kana is still a Japanese note's
        gen = self._gen
        QTimer.singleShot(0, self, lambda: self._step(gen, state))

    def cancel(self) -> None:
        self._gen += 1
        self.done = True

    def _step(self, gen: int, state: _Scan) -> None:
        if gen != self._gen:
            return
        deadline = time.perf_counter() + SLICE_SECONDS
        found = False
        while len(state.marks) < MAX_MARKS:  # at least one block per pass, however short the slice
            block = state.next_block()
            if block is None:
                break
            found |= state.mark(block)
            if time.perf_counter() >= deadline:
                break
        if found:
            self.view.setExtraSelections(state.fixed + state.marks)
        if state.finished or len(state.marks) >= MAX_MARKS:
            self.done = True
        else:
            QTimer.singleShot(0, self, lambda: self._step(gen, state))


def _still_typed(doc: QTextDocument, word: str) -> str:
    """`word` as a prefix to mark words by, or "" when the note has it as a whole word: then the user most
    likely typed all of it ("plan" marks plan, not planning and planet), as the result rows do."""
    whole = QRegularExpression(
        rf"\b{QRegularExpression.escape(word)}\b", QRegularExpression.PatternOption.CaseInsensitiveOption
    )
    return "" if not doc.find(whole).isNull() else word


def _sample(block: QTextBlock, chars: int = 3000) -> str:
    """Text from `block` on, enough to guess the note's language (the keyword index stemmed it so)."""
    parts: list[str] = []
    size = 0
    while block.isValid() and size < chars:
        parts.append(block.text())
        size += len(parts[-1])
        block = block.next()
    return "\n".join(parts)


class _Scan:
    """Where the word marking is: from the passage's block to the end, then from the top to the passage."""

    def __init__(
        self,
        words: QueryWords,
        prefix: str,
        fixed: list,
        first: QTextBlock,
        top: QTextBlock,
        fmt: QTextCharFormat,
    ) -> None:
        self.words, self.prefix, self.fixed, self.fmt = words, prefix, fixed, fmt
        self.marks: list = []
        self.first_number = first.blockNumber()
        self.block: QTextBlock | None = first
        self.top = top
        self.wrapped = False
        self.finished = False
        self.lang = "en"  # the note's language: words are marked as the index stemmed them
        self.japanese = False  # Han runs are words to mark whole (highlight.py)

    def next_block(self) -> QTextBlock | None:
        block = self.block
        if not self.wrapped:
            if block is not None and block.isValid():
                self.block = block.next()
                return block
            self.wrapped = True
            block = self.top
        if block is not None and block.isValid() and block.blockNumber() < self.first_number:
            self.block = block.next()
            return block
        self.finished = True
        return None

    def mark(self, block: QTextBlock) -> bool:
        text = block.text()
        spans = self.words.spans(text, prefix=self.prefix, lang=self.lang, japanese=self.japanese)
        if not spans:
            return False
        units = Utf16(text)
        added = False
        for a, b in spans:
            if not worth_marking(text[a:b], self.lang):
                continue
            cursor = QTextCursor(block)
            cursor.setPosition(block.position() + units.to_qt(a))
            cursor.setPosition(block.position() + units.to_qt(b), QTextCursor.MoveMode.KeepAnchor)
            sel = QTextEdit.ExtraSelection()
            sel.cursor, sel.format = cursor, self.fmt
            self.marks.append(sel)
            added = True
        return added

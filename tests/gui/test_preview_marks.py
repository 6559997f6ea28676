"""The preview's marks: the passage is found in the rendered note, the query's words are marked a slice at a
time (so a long note never holds the event loop), and a newer query replaces an older one's marks."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from gte_notes.core.search.query import parse_query
from gte_notes.core.search.results import QueryWords
from gte_notes.gui.note import preview_marks
from gte_notes.gui.note.preview import NotePreview

NOTE = (
    "# Bread\n\nIntro line about flour.\n\n"
    + "".join(f"Paragraph {i} talks about water and salt.\n\n" for i in range(400))
    + "## Baking\n\nBake the loaves in a very hot oven until the crust sings.\n\n"
    "Last ovens paragraph. 🍞 oven.\n"
)


def searched(query: str) -> QueryWords:
    """What a search for `query` carries to the preview (the window passes the shown results' words)."""
    return QueryWords.of(parse_query(query))


def marked_words(view: NotePreview) -> list[str]:
    return [
        s.cursor.selectedText()
        for s in view.extraSelections()
        if s.cursor.hasSelection() and not s.format.property(0x06000)
    ]  # FullWidthSelection: the passage tint, not a word


def test_passage_is_found_and_words_are_marked_in_slices(qtbot: QtBot, monkeypatch) -> None:
    monkeypatch.setattr(preview_marks, "SLICE_SECONDS", 0.0)  # one block per pass: many passes
    view = NotePreview()
    qtbot.addWidget(view)
    view.show_note(
        "bread.md",
        NOTE,
        passage="Bake the loaves in a very hot oven until the crust sings.",
        words=searched("hot oven"),
    )
    assert not view.marked  # not all at once
    qtbot.waitUntil(lambda: view.marked, timeout=10_000)
    words = marked_words(view)
    assert sorted(w.lower() for w in words) == ["hot", "oven", "oven", "ovens"]
    tint = [s for s in view.extraSelections() if s.format.property(0x06000)]
    assert len(tint) == 1 and "Bake the loaves" in tint[0].cursor.block().text()


def test_a_newer_query_replaces_the_marks(qtbot: QtBot) -> None:
    view = NotePreview()
    qtbot.addWidget(view)
    view.show_note("bread.md", NOTE, passage="", words=searched("water"))
    view.show_passage("Intro line about flour.", searched("flour"))
    qtbot.waitUntil(lambda: view.marked, timeout=10_000)
    assert [w.lower() for w in marked_words(view)] == ["flour"]


def test_words_after_an_emoji_are_marked_exactly(qtbot: QtBot) -> None:
    view = NotePreview()
    qtbot.addWidget(view)
    view.show_note(
        "e.md", "🍞🍞 fresh oven bread 🍞 oven", passage="fresh oven bread", words=searched("oven")
    )
    qtbot.waitUntil(lambda: view.marked, timeout=10_000)
    assert marked_words(view) == ["oven", "oven"]


def test_a_last_word_the_note_has_whole_is_not_marked_as_a_prefix(qtbot: QtBot) -> None:
    view = NotePreview()
    qtbot.addWidget(view)
    note = "# Plans\n\nA plan for the garden. Planning takes a planet of patience.\n"
    view.show_note(
        "plans.md", note, passage="", words=searched("garden plan")
    )  # typing stopped at a whole word
    qtbot.waitUntil(lambda: view.marked, timeout=10_000)
    assert sorted(w.lower() for w in marked_words(view)) == [
        "garden",
        "plan",
        "planning",
        "plans",
    ]  # no planet
    view.show_note("plans.md", note, passage="", words=searched("garden pla"))  # still typing: a prefix
    qtbot.waitUntil(lambda: view.marked, timeout=10_000)
    assert "planet" in {w.lower() for w in marked_words(view)}


def test_kyoto_is_not_marked_inside_tokyo(qtbot: QtBot) -> None:
    # Search finds 東京都 (Tokyo) for 京都 (Kyoto) by its character pairs; the preview must not mark
    # 京都 inside 東京都, in its heading (no kana of its own) nor in its text, only where Kyoto stands.
    view = NotePreview()
    qtbot.addWidget(view)
    note = "# 東京都\n\n東京都に住んでいます。\n\n来週は京都に行きます。\n"
    view.show_note("ja.md", note, passage="東京都に住んでいます。", words=searched("京都"))
    qtbot.waitUntil(lambda: view.marked, timeout=10_000)
    marks = [
        (s.cursor.block().text(), s.cursor.selectedText())
        for s in view.extraSelections()
        if s.cursor.hasSelection() and not s.format.property(0x06000)
    ]
    assert marks == [("来週は京都に行きます。", "京都")]

"""The preview shows the passage that matched: scrolled into view, with its heading and labels intact,
even after raw HTML, and at the right one of several occurrences of the same line."""

from __future__ import annotations

import base64
import random
from pathlib import Path

from PySide6.QtGui import QTextDocument

from gte_notes.core.markdown.preview_text import markdown_for_preview
from gte_notes.gui.note.preview import NotePreview
from tests.gui.conftest import NOTES, WAIT_MS, type_query, wait_idle, write_notes

FILLER = "".join(f"Paragraph {i} is about something else entirely, like kites.\n\n" for i in range(80))

# As in dendron-site's todos note: an <a> around an <img>, in HTML blocks of their own, then a heading.
TODOS = (
    "# Todos\n\n" + FILLER + '<a href="https://www.loom.com/share/88cf">\n'
    '<img style="" src="https://cdn.loom.com/x.gif">\n</a>\n\n'
    "#### Example of a daily journal note\n\n- fname: `daily.journal.2021.03.5`\n\n"
    "Respond to missed discussions and file tasks from yesterday.\n"
)

# A table of contents names the section before the section itself.
RECIPES = (
    "# Showcase\n\n- Kaan's Recipes: pastry and bread\n- Other things\n\n"
    + FILLER
    + "## Kaan's Recipes: pastry and bread\n\nKneading sourdough pastry and bread at dawn.\n"
)


def visible_text(view: NotePreview) -> str:
    """The text of the blocks that are in the viewport now."""
    top = view.verticalScrollBar().value()
    bottom = top + view.viewport().height()
    layout = view.document().documentLayout()
    block, lines = view.document().begin(), []
    while block.isValid():
        rect = layout.blockBoundingRect(block)
        if rect.bottom() > top and rect.top() < bottom:
            lines.append(block.text())
        block = block.next()
    return "\n".join(lines)


def test_raw_html_does_not_swallow_the_heading_after_it(qapp) -> None:  # fonts need the application
    doc = QTextDocument()
    doc.setMarkdown(markdown_for_preview(TODOS), QTextDocument.MarkdownFeature.MarkdownDialectGitHub)
    text = doc.toPlainText()
    assert "Example of a daily journal note" in text
    assert "fname: daily.journal.2021.03.5" in text
    assert "<img" not in text and "loom.com" not in text


def preview_of(qtbot, make_window, folder: Path, embedder, query: str, expect: str) -> NotePreview:
    """Open the app on `folder`, type `query`, check `expect` is the top result; its preview."""
    window = make_window(folder, embedder=embedder)
    wait_idle(qtbot, window)
    with qtbot.waitSignal(window.preview_shown, timeout=WAIT_MS):
        type_query(qtbot, window, query)
    assert window.selected_hit().path == expect
    return window.preview.view


def test_the_preview_scrolls_to_the_matched_heading(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    folder = write_notes(tmp_path / "notes", {**NOTES, "todos.md": TODOS})
    view = preview_of(
        qtbot, make_window, folder, fake_embedder, "example of a daily journal note", "todos.md"
    )
    qtbot.waitUntil(lambda: "Example of a daily journal note" in visible_text(view), timeout=WAIT_MS)
    assert view.verticalScrollBar().value() > 0
    assert "fname: daily.journal" in visible_text(view)


def test_a_line_repeated_earlier_does_not_pull_the_preview_up(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    folder = write_notes(tmp_path / "notes", {**NOTES, "showcase.md": RECIPES})
    view = preview_of(qtbot, make_window, folder, fake_embedder, "kneading sourdough pastry", "showcase.md")
    qtbot.waitUntil(lambda: "Kneading sourdough" in visible_text(view), timeout=WAIT_MS)
    assert "Other things" not in visible_text(view)


def test_resizing_keeps_the_passage_in_view(qtbot, make_window, tmp_path: Path, fake_embedder) -> None:
    long_filler = "".join(
        f"Paragraph {i} is about something else entirely, like kites and the wind over "
        f"the hills on a long afternoon in the late summer of year {i}.\n\n"
        for i in range(60)
    )
    note = (
        "# Showcase\n\n"
        + long_filler
        + "## Recipes\n\nKneading sourdough pastry and bread at dawn.\n\n"
        + long_filler
    )
    folder = write_notes(tmp_path / "notes", {**NOTES, "showcase.md": note})
    view = preview_of(qtbot, make_window, folder, fake_embedder, "kneading sourdough pastry", "showcase.md")
    window = view.window()
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: "Kneading sourdough" in visible_text(view), timeout=WAIT_MS)
    for width in (700, 1300):  # narrower: the note re-wraps longer; wider: shorter
        before = view.viewport().width()
        window.resize(width, 800)
        qtbot.waitUntil(lambda b=before: view.viewport().width() != b, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "Kneading sourdough" in visible_text(view), timeout=WAIT_MS)


def test_a_pasted_image_does_not_push_the_passage_out_of_the_preview(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    # 1 MB of base64 (a pasted screenshot) used to fill the preview's first 400,000 characters, so the
    # matched passage after it was never shown.
    blob = base64.b64encode(random.Random(5).randbytes(750_000)).decode()
    note = (
        f"# Showcase\n\n![screenshot](data:image/png;base64,{blob})\n\n"
        + FILLER
        + "## Recipes\n\nKneading sourdough pastry and bread at dawn.\n"
    )
    folder = write_notes(tmp_path / "notes", {**NOTES, "showcase.md": note})
    view = preview_of(qtbot, make_window, folder, fake_embedder, "kneading sourdough pastry", "showcase.md")
    qtbot.waitUntil(lambda: "Kneading sourdough" in visible_text(view), timeout=WAIT_MS)
    assert view.document().characterCount() < 20_000

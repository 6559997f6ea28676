"""The selected result: its preview, its related notes, and both following the note when it changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument

from tests.gui.conftest import WAIT_MS, result_paths, type_query


def select(qtbot, window, path: str) -> None:
    row = window.results.hits.row_of(path)
    assert row >= 0, f"{path} not in {result_paths(window)}"
    with qtbot.waitSignals([window.preview_shown, window.related_shown], timeout=WAIT_MS):
        window.results.select_row(row)
    qtbot.waitUntil(lambda: window.related.path == path and window.related.loaded, timeout=WAIT_MS)


def related_paths(window) -> list[str]:
    return [h.path for h in window.related.shown()]


def test_selecting_a_result_fills_preview_and_related(qtbot, window) -> None:
    type_query(qtbot, window, "steady water")
    select(qtbot, window, "garden/watering.md")

    text = window.preview.view.toPlainText()
    assert "Water the garden in the morning" in text
    assert "#" not in text.split("\n")[0]  # rendered Markdown, not source
    assert window.preview.title.text() == "Watering"
    related = related_paths(window)
    assert related and "garden/watering.md" not in related  # never the note itself
    assert set(related) & {"garden/tomatoes.md", "garden/soil.md", "garden/compost.md"}
    # Each related note says which passage of this note it relates to.
    assert all(h.source_passage for h in window.related.shown())


def test_preview_hides_frontmatter_and_loads_nothing(qtbot, window, notes_dir: Path, tmp_path: Path) -> None:
    picture = tmp_path / "pic.png"
    picture.write_bytes(_PNG)
    remote = "https://example.com/x.png"
    (notes_dir / "journal" / "2024-05-01.md").write_text(
        f"---\ntitle: May first\n---\n\nPlanted tomato seedlings. ![a]({remote}) ![b]({picture.as_uri()})\n",
        encoding="utf-8",
    )
    type_query(qtbot, window, "tomato seedlings")
    qtbot.waitUntil(lambda: "journal/2024-05-01.md" in result_paths(window), timeout=WAIT_MS)
    select(qtbot, window, "journal/2024-05-01.md")

    text = window.preview.view.toPlainText()
    assert "Planted tomato seedlings" in text
    assert "title: May first" not in text
    window.preview.view.viewport().grab()  # paint: images are requested when laid out and drawn
    doc = window.preview.view.document()
    for url in (remote, picture.as_uri()):
        image = doc.resource(QTextDocument.ResourceType.ImageResource, QUrl(url))
        assert image is None or image.size().width() <= 1  # a blank stand-in, never the real picture


_PNG = (Path(__file__).resolve().parents[2] / "resources" / "gte-notes.png").read_bytes()  # 256 x 256


def test_unlinked_only_hides_the_notes_it_links_to(qtbot, window) -> None:
    type_query(qtbot, window, "growing tomatoes")
    select(qtbot, window, "garden/tomatoes.md")
    before = related_paths(window)
    assert "garden/watering.md" in before and "garden/soil.md" in before

    window.related.unlinked.setChecked(True)
    after = related_paths(window)
    assert "garden/watering.md" not in after and "garden/soil.md" not in after
    assert "garden/compost.md" in after  # similar but not linked: stays

    window.related.unlinked.setChecked(False)
    window.related.min_score.setValue(0.99)
    assert related_paths(window) == []
    assert "hidden by the filters" in window.related.list.placeholder()


def test_a_note_changed_on_disk_updates_results_and_related(qtbot, window, notes_dir: Path) -> None:
    type_query(qtbot, window, "volcano")
    assert result_paths(window) == [] or "tech/search.md" not in result_paths(window)[:1]

    (notes_dir / "tech" / "search.md").write_text(
        "# Search engines\n\nA volcano erupts; search engines rank volcano reports. Tomatoes too.\n",
        encoding="utf-8",
    )
    qtbot.waitUntil(lambda: result_paths(window)[:1] == ["tech/search.md"], timeout=WAIT_MS)
    select(qtbot, window, "tech/search.md")
    assert "volcano erupts" in window.preview.view.toPlainText()

    # The selected note changes again: preview and related follow without the user doing anything.
    (notes_dir / "tech" / "search.md").write_text(
        "# Search engines\n\nA volcano erupts. Compost feeds the garden soil and tomatoes.\n",
        encoding="utf-8",
    )
    qtbot.waitUntil(lambda: "Compost feeds" in window.preview.view.toPlainText(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "garden/compost.md" in related_paths(window), timeout=WAIT_MS)


def test_wikilinks_in_the_preview_open_the_linked_note(qtbot, window) -> None:
    type_query(qtbot, window, "growing tomatoes")
    select(qtbot, window, "garden/tomatoes.md")
    anchors = [a for a in _anchors(window.preview.view) if a.startswith("note:")]
    assert anchors == ["note:watering", "note:soil"]
    with qtbot.waitSignal(window.preview_shown, timeout=WAIT_MS) as shown:
        window.preview.view.note_link.emit("watering", "wiki")
    assert shown.args == ["garden/watering.md"]
    assert "Water the garden" in window.preview.view.toPlainText()


def _anchors(browser) -> list[str]:
    out = []
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isAnchor():
                out.append(fmt.anchorHref())
            it += 1
        block = block.next()
    return out

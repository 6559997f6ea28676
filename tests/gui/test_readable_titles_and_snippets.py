"""No template markup or vault URLs in what the user reads; bare numeric titles get their context;
repeated titles are told apart by where the notes sit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from gte_notes.core.markdown.wikilinks import parse_wikilink
from gte_notes.core.search.results import Hit
from gte_notes.gui.engine.snippet import SnippetCache, make_snippet
from gte_notes.gui.results.hits_model import SNIPPET_ROLE
from gte_notes.gui.window import main_window
from tests.gui.conftest import WAIT_MS, type_query, wait_idle, write_notes

NOTES = {
    "changelog.release.2020-08-23.md": "---\ntitle: '0.08'\ndesc: Faster lookup and a new publishing "
    "theme\n---\n\n## Summary\n\n{{fm.desc}}\n\nLookup got faster for "
    "zeppelin users.\n",
    "dendron.topic.pod.builtin.airtable.publish.md": "---\ntitle: Publish\n---\n\nPublish zeppelin notes "
    "to Airtable.\n",
    "dendron.topic.pod.builtin.markdown.publish.md": "---\ntitle: Publish\n---\n\nPublish zeppelin notes "
    "as Markdown.\n",
    "tags.scope.publish.md": "---\ntitle: Publish\n---\n\nThe zeppelin publish scope tag.\n",
    "careers.md": "# Careers\n\nWork with our zeppelin community of "
    "[[Dendronites|dendron://dendron.dendron-site/community.concepts#dendronites]] and read "
    "![[dendron.topic.pod.custom#summary,1:#*]].\n",
}


def test_snippets_drop_templates_and_vault_urls() -> None:
    passage = (
        "## Summary\n\n{{fm.desc}}\n\nJoin [[Dendronites|dendron://dendron.dendron-site/community"
        ".concepts#dendronites]] and ![[dendron.topic.pod.custom#summary,1:#*]] <!-- note -->."
    )
    text = make_snippet(passage, []).text
    assert "{{" not in text and "dendron://" not in text and "#summary" not in text and "<!--" not in text
    assert "Join Dendronites and dendron.topic.pod.custom" in text


def test_a_passage_of_markup_alone_never_shows_an_empty_snippet() -> None:
    iframe = (
        '<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/LuoD8ibOazE" '
        'allow="clipboard-write; picture-in-picture" allowfullscreen></iframe>'
    )
    assert make_snippet(f"##  Office hours\n\n{iframe}", []).text == "Office hours"
    assert make_snippet(iframe, []).text == "Embedded iframe (www.youtube-nocookie.com)"
    assert make_snippet("## Setup\n\nRun it.", []).text == "Run it."  # a heading with text: the text


def test_a_snippet_does_not_start_with_what_removed_markup_left() -> None:
    snip = make_snippet(
        "## Summary\n\n{{fm.desc}}.\n\nHaving been a college journalist, questions matter.", [(48, 58)]
    )
    assert snip.text == "Having been a college journalist, questions matter."
    assert snip.text[snip.marks[0][0] : sum(snip.marks[0])] == "journalist"


def test_common_words_are_not_marked() -> None:
    from gte_notes.core.search.highlight import highlight

    passage = "Let us use the tool. You can also put it in a folder."
    spans, _ = highlight(passage, ["use", "can", "also", "in", "folder"])
    snip = make_snippet(passage, spans)
    assert [snip.text[a : a + n] for a, n in snip.marks] == [
        "use",
        "folder",
    ]  # not "us" (use's stem), "can"...


def test_snippets_show_the_label_the_preview_shows() -> None:
    """One wikilink rule (wikilinks.py) for the preview and the result rows."""
    for inner in (
        "target",
        "Target|the label",
        "The label|dendron.topic.note",
        "Alpha|",
        "note.a|note.b",
        "Alpha#Setup",  # the snippet showed "Alpha#Setup", the preview "Alpha"
        "Beta\\|the beta",  # a link in a table row
    ):
        label = parse_wikilink(inner).label
        assert make_snippet(f"See [[{inner}]] here.", []).text == f"See {label} here."


def test_snippets_read_every_line_ending_alike() -> None:
    passage = "## Steps\n- [ ] water the **tomatoes**\n1. feed [[soil|the soil]]\n> mulch well\n"
    shown = {make_snippet(passage.replace("\n", nl), []).text for nl in ("\n", "\r\n", "\r")}
    assert shown == {"water the tomatoes feed the soil mulch well"}


def test_each_bridge_keeps_the_snippets_it_made(make_window, tmp_path: Path, fake_embedder) -> None:
    hit = Hit(
        path="a.md",
        title="A",
        score=1.0,
        passage="Bake the **bread** in a hot oven.",
        line=1,
        start=0,
        end=33,
        highlights=[(11, 16)],
    )
    window = make_window(None, embedder=fake_embedder, start=False)
    made = window.bridge.snippets.get(hit)
    assert made.text == "Bake the bread in a hot oven." and made.marks == ((9, 5),)
    assert window.bridge.snippets.get(hit) is made  # made once, then looked up by the painters
    # The window's lists read the bridge's snippets; a list of its own makes its own.
    assert window.results.hits._made is window.bridge.snippets is window.related.list.hits._made
    other = SnippetCache(size=1)
    assert other.get(hit) is not made and other.get(hit) == made
    other.get(Hit(path="b.md", title="B", score=1.0, passage="Other text.", line=1, start=0, end=11))
    assert len(other._made) == 1  # the oldest goes past its size


def test_rows_show_readable_distinct_titles_and_clean_passages(
    qtbot, make_window, tmp_path: Path, fake_embedder
) -> None:
    window = make_window(write_notes(tmp_path / "notes", NOTES), embedder=fake_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "zeppelin")
    rows = {
        window.results.hits.hit(r).path: window.results.hits.index(r)
        for r in range(window.results.hits.rowCount())
    }
    assert set(rows) == set(NOTES)
    titles = {path: index.data(Qt.ItemDataRole.DisplayRole) for path, index in rows.items()}
    assert titles["changelog.release.2020-08-23.md"] == "Release 0.08"
    publish = [t for p, t in titles.items() if p.endswith("publish.md")]
    assert len(set(publish)) == 3 and all(t.startswith("Publish · ") for t in publish)
    assert "Publish · airtable" in publish
    for index in rows.values():
        text = index.data(SNIPPET_ROLE).text
        assert "{{" not in text and "dendron://" not in text and "#summary" not in text


def test_the_preview_fills_frontmatter_templates(qtbot, make_window, tmp_path: Path, fake_embedder) -> None:
    window = make_window(write_notes(tmp_path / "notes", NOTES), embedder=fake_embedder)
    wait_idle(qtbot, window)
    with qtbot.waitSignal(window.preview_shown, timeout=WAIT_MS):
        type_query(qtbot, window, "lookup got faster")
    text = window.preview.view.document().toPlainText()
    assert "Faster lookup and a new publishing theme" in text and "{{" not in text
    assert window.preview.title.text() == "Release 0.08"


def test_headings_in_rows_lose_their_link_markup() -> None:
    from gte_notes.core.search.results import Hit
    from gte_notes.gui.engine.hit_titles import display_hits

    hit = Hit(
        path="changelog.md",
        title="Changelog",
        score=0.5,
        passage="x",
        line=1,
        start=0,
        end=0,
        heading="Pods > Implement ([[docs|dendron.topic.publish-legacy.selective-publication]])",
    )
    assert display_hits([hit])[0].heading == "Pods > Implement (docs)"


def test_copies_of_a_note_fold_into_one_row(
    qtbot, make_window, tmp_path: Path, fake_embedder, monkeypatch
) -> None:
    # The search folds them (core/search/copies.py); the row says so and reaches each copy.
    copy = "---\ntitle: Taking Notes\n---\n\nCapture zeppelin ideas quickly, then refine them later.\n"
    notes = {
        "tutorial.main.taking-notes.md": copy,
        "tutorial.original.taking-notes.md": copy,
        "journal/taking-notes.md": "---\ntitle: Taking Notes\n---\n\nA zeppelin flew over; I took notes "
        "on its ideas for airships and the crowd below.\n",  # the same title, another note
    }
    window = make_window(write_notes(tmp_path / "notes", notes), embedder=fake_embedder)
    wait_idle(qtbot, window)
    type_query(qtbot, window, "capture zeppelin ideas")
    hits = window.results.hits.hits()
    assert len(hits) == 2  # the two copies are one row; the other note of that title stays its own
    folded = next(h for h in hits if h.copies)
    assert {folded.path, *folded.copies} == {
        "tutorial.main.taking-notes.md",
        "tutorial.original.taking-notes.md",
    }
    tooltip = window.results.hits.index(hits.index(folded)).data(Qt.ItemDataRole.ToolTipRole)
    assert "Copies of this note (1): " + folded.copies[0] in tooltip
    row = window.results.hits.index(hits.index(folded))
    assert ", +1 copy," in row.data(Qt.ItemDataRole.AccessibleTextRole)  # as the row paints it
    monkeypatch.setattr(main_window, "open_note", lambda *a, **k: None)  # no editor in a test
    opened = []
    window.pane.open_hit.connect(opened.append)
    action = next(a for a in window.pane.menu_for(folded).actions() if folded.copies[0] in a.text())
    action.trigger()
    assert [(h.path, h.line) for h in opened] == [(folded.copies[0], 1)]

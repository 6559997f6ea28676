"""The one wikilink rule (core/markdown/wikilinks.py) as links, the preview and code see it."""

from __future__ import annotations

import pytest

from gte_notes.core.markdown.markdown_meta import parse_meta
from gte_notes.core.markdown.preview_text import markdown_for_preview
from gte_notes.core.markdown.wikilinks import WIKILINK, link_target, parse_wikilink


@pytest.mark.parametrize(
    ("written", "target"),
    [
        ("[[careers.mission]]", "careers.mission"),
        ("[[Projects/Alpha]]", "Projects/Alpha"),
        ("[[Alpha|shown text]]", "Alpha|shown text"),  # which side is the note: the folder decides
        (
            "[[Dendronites|dendron://dendron.dendron-site/community.concepts#dendronites]]",
            "community.concepts",
        ),
        ("[[Alpha#Some heading]]", "Alpha"),
        ("[[Alpha^block-id]]", "Alpha"),
        ("[[Alpha#heading|label]]", "Alpha|label"),
        ("[[same|same]]", "same"),
        ("![[careers.what-we-offer]]", "careers.what-we-offer"),  # an embed links to its note too
        ("![[dendron://dendron.dendron-site/careers.mission]]", "careers.mission"),
    ],
)
def test_links_of_every_form_the_vaults_use(written: str, target: str) -> None:
    assert parse_meta(f"Before {written} after.\n", "n").links == (target,)
    m = WIKILINK.search(written)
    assert m is not None and link_target(m.group(2)) == target
    assert bool(m.group(1)) == written.startswith("!")


def test_no_link_inside_code() -> None:
    text = (
        "Real [[one]].\n\n```md\nSee [[not-a-link]] and ![[nor-this]]\n```\n\n"
        "~~~\n[[nor-tilde]]\n~~~\n\nInline `[[not-code-link]]` but [[two]].\n"
    )
    assert parse_meta(text, "n").links == ("one", "two")


@pytest.mark.parametrize(
    ("inner", "shown"),
    [
        ("target", ("target", "target")),
        ("Target|the label", ("the label", "Target")),  # Obsidian: [[target|label]]
        ("The label|dendron.topic.note", ("The label", "dendron.topic.note")),  # Dendron: [[label|target]]
        ("target#Heading", ("target", "target")),
    ],
)
def test_preview_shows_the_label_and_follows_the_target(inner: str, shown: tuple[str, str]) -> None:
    link = parse_wikilink(inner)
    assert (link.label, link.target) == shown


def test_preview_turns_wikilinks_into_note_links_but_not_in_code() -> None:
    out = markdown_for_preview(
        "See [[Target|the label]] and ![[embed.me]].\n\n```\n[[kept as written]]\n```\n"
    )
    assert "[the label](note:Target)" in out
    assert "[embed.me](note:embed.me)" in out
    assert "[[kept as written]]" in out

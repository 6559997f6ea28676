"""The one wikilink rule (core/markdown/wikilinks.py) as links, the preview and code see it."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

import pytest

from gte_notes.core.markdown.links import LinkIndex
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
    # The target as the note's links keep it: the folder's convention picks the side when it is followed.
    assert "[the label](note:Target%7Cthe%20label)" in out
    assert "[embed.me](note:embed.me)" in out
    assert "[[kept as written]]" in out


def test_a_bug_splitting_off_the_frontmatter_still_previews_the_note_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from gte_notes.core.markdown import preview_text

    def bug(_text: str) -> None:
        raise TypeError("a bug in gte-notes")

    monkeypatch.setattr(preview_text, "split_frontmatter", bug)
    with caplog.at_level(logging.ERROR, logger="gte_notes.core.markdown.preview_text"):
        out = markdown_for_preview("---\ntitle: Bread\n---\nSee [[Target|the label]].\n")
    assert "[the label](note:Target%7Cthe%20label)" in out  # the note is still shown
    assert [r.exc_info[0] for r in caplog.records if r.exc_info] == [TypeError]  # the bug is in the log


@pytest.mark.parametrize(
    ("inner", "dendron", "expected"),
    [
        # (target, label, heading, block, other)
        ("Alpha", None, ("Alpha", "Alpha", "", "", "")),
        ("Alpha#Setup", None, ("Alpha", "Alpha", "Setup", "", "")),
        ("Alpha^b1", None, ("Alpha", "Alpha", "", "b1", "")),
        ("Alpha#^b1|see", None, ("Alpha", "see", "", "b1", "see")),
        ("#Setup", None, ("", "Setup", "Setup", "", "")),
        ("Alpha\\|the label", None, ("Alpha", "the label", "", "", "the label")),  # in a table row
        ("a|b", False, ("a", "b", "", "", "b")),  # Obsidian folder
        ("a|b", True, ("b", "a", "", "", "a")),  # Dendron folder
        ("notes.a|notes.b", True, ("notes.b", "notes.a", "", "", "notes.a")),
        ("Label|dendron://vault/notes.b#sec", False, ("notes.b", "Label", "sec", "", "Label")),
        ("Alpha|", None, ("Alpha", "Alpha", "", "", "")),
    ],
)
def test_one_rule_gives_target_label_heading_and_block(
    inner: str, dendron: bool | None, expected: tuple[str, ...]
) -> None:
    link = parse_wikilink(inner, dendron)
    assert (link.target, link.label, link.heading, link.block, link.other) == expected
    assert inner[link.label_span[0] : link.label_span[1]] == link.label


def _followed(note: str, folder: list[str]) -> list[str | None]:
    """The notes the preview's links open in `folder`, by the app's own resolver."""
    index = LinkIndex(folder)
    out = markdown_for_preview(note)
    return [index.resolve(unquote(t), "") for t in re.findall(r"\]\(note:([^)]*)\)", out)]


def test_a_preview_link_opens_the_note_the_index_links() -> None:
    # The preview followed "Alpha#Setup" (no such note) and "Alpha\" (the table row's escape), and in a
    # Dendron folder it guessed the side of [[notes.a|notes.b]] by its own rule, not the folder's.
    obsidian = ["Alpha.md", "Beta.md", "notes.a.md"]
    note = "See [[Alpha#Setup]].\n\n| link | x |\n|---|---|\n| [[Beta\\|the beta]] | 1 |\n"
    assert _followed(note, obsidian) == ["Alpha.md", "Beta.md"]
    assert "[the beta](note:" in markdown_for_preview(note)
    dendron = ["notes.a.md", "notes.b.md", "notes.c.md"]
    note = "Compare [[notes.a|notes.b]].\n"
    assert _followed(note, dendron) == ["notes.b.md"]
    index = LinkIndex(dendron)
    assert [index.resolve(t) for t in parse_meta(note, "n").links] == ["notes.b.md"]

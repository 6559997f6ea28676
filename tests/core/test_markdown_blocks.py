"""The one block scanner (core/markdown/blocks.py): the cases where metadata, chunking and the preview used
to read a note's code differently. Each case is checked through what the user sees: the links and tags a
note has, its sections, and what the preview renders as code."""

from __future__ import annotations

import pytest

from gte_notes.core.markdown.blocks import BLANK, FENCE, HEADING, TEXT, code_ranges, split_lines
from gte_notes.core.markdown.chunking import chunk_note
from gte_notes.core.markdown.markdown_meta import parse_meta
from gte_notes.core.markdown.preview_text import markdown_for_preview
from tests.fakes import FakeEmbedder  # the chunker needs token offsets only, not a model


def _kinds(text: str) -> list[str]:
    return [ln.kind for ln in split_lines(text)]


def test_an_unclosed_fence_in_a_list_item_ends_with_the_item() -> None:
    # dendron-site's lookup.modifiers note: a ```json fence in a list item is never closed; the headings,
    # links and tags after the list used to vanish into code for the rest of the note.
    text = '1. Run this:\n\n    ```json\n    {"a": 1}\n\n## Next step\n\nSee [[other]] and #tagged.\n'
    meta = parse_meta(text, "n")
    assert meta.links == ("other",) and meta.tags == ("tagged",)
    assert _kinds(text) == [TEXT, BLANK, FENCE, FENCE, FENCE, HEADING, BLANK, TEXT]
    chunks = chunk_note(text, meta, FakeEmbedder(max_tokens=16))
    assert chunks[-1].heading == "Next step"
    assert "[other](note:other)" in markdown_for_preview(text)


def test_a_fence_in_a_list_item_indented_four_is_code_in_the_preview_too() -> None:
    # dendron-site's refactoring note: the preview allowed 0-3 spaces only and rendered this code as prose.
    text = "- rename:\n\n    ```md\n    [[foo#two]] says {{fm.name}}\n    ```\n\nThen [[bar]].\n"
    assert parse_meta(text, "n").links == ("bar",)
    out = markdown_for_preview(text)
    assert "    [[foo#two]] says {{fm.name}}\n" in out and "[bar](note:bar)" in out


def test_backticks_in_the_info_string_do_not_open_a_fence() -> None:
    # CommonMark: "```x```" at the start of a line is inline code. The preview opened a fence there and
    # showed the rest of the note as code.
    text = "```npm i```` is the command.\n\nSee [[real]].\n"
    assert _kinds(text) == [TEXT, BLANK, TEXT]
    assert parse_meta(text, "n").links == ("real",)
    assert "[real](note:real)" in markdown_for_preview(text)


def test_a_closing_fence_indented_four_is_code() -> None:
    # Indented 4 columns from its container, a fence line is code, not the end of the block (the old
    # line scanner closed the fence there and read the heading and the link after it as prose).
    text = "```\ncode\n    ```\n# Not a heading\n[[in code]]\n```\n\n[[after]]\n"
    assert _kinds(text) == [FENCE] * 6 + [BLANK, TEXT]
    meta = parse_meta(text, "n")
    assert meta.links == ("after",) and meta.title == "n"
    assert "[[in code]]" in markdown_for_preview(text)


@pytest.mark.parametrize(
    "text",
    [
        "~~~~\n~~~\n[[inside]]\n~~~~~~\n[[after]]\n",  # closed only by a run at least as long
        "```\n~~~\n[[inside]]\n```\n[[after]]\n",  # tildes do not close a backtick fence
        "  ~~~ python `x`\n[[inside]]\n  ~~~\n[[after]]\n",  # tilde info may hold backticks; 2 spaces in
    ],
)
def test_fence_lengths_characters_and_indentation(text: str) -> None:
    assert parse_meta(text, "n").links == ("after",)
    out = markdown_for_preview(text)
    assert "[[inside]]" in out and "[after](note:after)" in out


def test_line_endings_do_not_change_what_is_code() -> None:
    note = (
        "---\ntitle: T\n---\n# Top\n\n```sh\n# comment\n[[in code]]\n```\n\n"
        "See [[x]] and #tag.\n\n## Sub\n\nMore.\n"
    )
    tokenizer = FakeEmbedder(max_tokens=12)
    seen = []
    for newline in ("\n", "\r\n", "\r"):
        text = note.replace("\n", newline)
        meta = parse_meta(text, "n")
        chunks = chunk_note(text, meta, tokenizer)
        preview = markdown_for_preview(text).replace(newline, "\n")
        seen.append((meta.title, meta.links, meta.tags, _kinds(text), [c.heading for c in chunks], preview))
    assert seen[0] == seen[1] == seen[2]
    assert seen[0][:3] == ("T", ("x",), ("tag",)) and "[[in code]]" in seen[0][5]


def test_only_real_line_breaks_end_a_line() -> None:
    # A U+2028 (or a form feed) is not a line break to an editor, so what follows it does not start a
    # line: the preview used str.splitlines, opened a fence here and showed the rest as code.
    text = "A line\u2028``` not a fence\n\nSee [[x]].\n"
    assert parse_meta(text, "n").links == ("x",)
    assert "[x](note:x)" in markdown_for_preview(text)


def test_a_code_span_may_cross_lines_of_a_paragraph() -> None:
    text = "Use ``a code\nspan with [[not-a-link]]`` here, and [[real]].\n"
    assert code_ranges(text, split_lines(text)) == [(4, text.index(" here"))]
    assert parse_meta(text, "n").links == ("real",)
    out = markdown_for_preview(text)
    assert "[[not-a-link]]" in out and "[real](note:real)" in out


def test_a_code_span_does_not_cross_list_items_or_blank_lines() -> None:
    # dendron-site's config templates: "- type: ``" items; pairing those runs across items hid the links.
    text = "- type: ``\n- see [[kept]]\n- default: ``\n\nA `b\n\n[[also]] `.\n"
    assert parse_meta(text, "n").links == ("kept", "also")

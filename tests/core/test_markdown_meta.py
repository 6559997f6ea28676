"""Frontmatter, titles, tags and raw links of a note (fault case 35: frontmatter is not body text)."""

from __future__ import annotations

import pytest

from gte_notes.core.markdown.blocks import BLANK, FENCE, HEADING, TEXT, split_lines
from gte_notes.core.markdown.markdown_meta import parse_meta, split_frontmatter

DENDRON_NOTE = """---
id: 7i0ha2drav4aadk9r2c1ote
title: Developer Advocate
desc: ''
updated: 1645837680118
created: 1645831075594
---


![[dendron://dendron.dendron-site/careers.mission]]

We are looking for a Developer Advocate to help [[Dendronites|dendron://dendron.dendron-site/community.concepts#dendronites]].

## What we offer
![[careers.what-we-offer]]
"""


def test_dendron_frontmatter_gives_title_and_body_start() -> None:
    meta = parse_meta(DENDRON_NOTE, "careers.developer-advocate")
    assert meta.title == "Developer Advocate" and meta.title_is_explicit
    assert DENDRON_NOTE[meta.body_start :].startswith("\n\n![[dendron://")
    assert "id:" not in DENDRON_NOTE[meta.body_start :]
    assert meta.links == ("careers.mission", "community.concepts", "careers.what-we-offer")


def test_leading_h1_is_the_title() -> None:
    meta = parse_meta("\n# My Title #\n\nText.\n\n## Section\n", "file-name")
    assert (meta.title, meta.title_is_explicit, meta.body_start) == ("My Title", True, 0)


def test_single_later_h1_is_the_title_but_several_section_h1s_are_not() -> None:
    assert parse_meta("Intro line.\n\n# Only Heading\n", "stem").title == "Only Heading"
    several = parse_meta("Intro.\n\n# Part one\n\ntext\n\n# Part two\n", "stem")
    assert (several.title, several.title_is_explicit) == ("stem", False)


def test_stem_is_the_title_when_nothing_else_names_the_note() -> None:
    meta = parse_meta("Just text, no heading.\n", "careers.developer-advocate")
    assert (meta.title, meta.title_is_explicit) == ("careers.developer-advocate", False)


def test_h1_inside_code_is_not_a_title() -> None:
    meta = parse_meta("```bash\n# install it\npip install x\n```\n", "setup")
    assert (meta.title, meta.title_is_explicit) == ("setup", False)


def test_frontmatter_title_wins_over_h1_and_may_be_a_number() -> None:
    assert parse_meta("---\ntitle: From YAML\n---\n# From H1\n", "s").title == "From YAML"
    assert parse_meta("---\ntitle: 2024\n---\nbody\n", "s").title == "2024"


def test_malformed_yaml_is_skipped_from_the_body_without_keys() -> None:
    text = "---\ntitle: [unclosed\ntags: : :\n---\nThe body.\n"
    meta = parse_meta(text, "broken")
    assert text[meta.body_start :] == "The body.\n"
    assert (meta.title, meta.title_is_explicit, meta.tags) == ("broken", False, ())


def test_rule_then_plain_text_is_not_frontmatter() -> None:
    text = "---\nA paragraph between two rules.\n---\nMore.\n"
    assert split_frontmatter(text) == ({}, 0)


def test_unclosed_frontmatter_is_body() -> None:
    assert split_frontmatter("---\ntitle: x\nno closing line\n") == ({}, 0)


def test_frontmatter_with_crlf_and_dots_closing() -> None:
    text = "---\r\ntitle: Windows\r\ntags: [a, b]\r\n...\r\nBody\r\n"
    meta = parse_meta(text, "w")
    assert meta.title == "Windows" and meta.tags == ("a", "b")
    assert text[meta.body_start :] == "Body\r\n"


def test_empty_frontmatter_is_skipped() -> None:
    assert split_frontmatter("---\n---\nBody\n") == ({}, len("---\n---\n"))


def test_tags_from_frontmatter_list_or_string_and_inline() -> None:
    text = (
        "---\ntags:\n  - project\n  - '#urgent'\n---\n"
        "# Heading is not a tag\nSome #idea and #area/sub-topic, but not #123 or a#b or url/#frag.\n"
        "`#code-tag` is code.\n\n```\n#fenced-tag\n```\n"
    )
    assert parse_meta(text, "t").tags == ("project", "urgent", "idea", "area/sub-topic")
    assert parse_meta("---\ntags: alpha, beta gamma\n---\n#alpha\n", "t").tags == ("alpha", "beta", "gamma")


def test_wikilinks_in_both_pipe_orders_and_with_headings() -> None:
    text = (
        "[[Plain Note]] and [[Target Note#Some Heading|shown text]] and ![[embedded]]\n"
        "[[alias|dendron.topic.lookup]] [[Digital Communications#^block|PCM]] [[dendron#motivation,1:#*]]\n"
        "[[Same|Same]] [[Plain Note]]\n"
    )
    assert parse_meta(text, "n").links == (
        "Plain Note",
        "Target Note|shown text",  # which side is the note is decided by links.LinkIndex.resolve
        "embedded",
        "alias|dendron.topic.lookup",
        "Digital Communications|PCM",
        "dendron",
        "Same",
    )


def test_markdown_links_local_only_url_decoded() -> None:
    text = (
        "[a](../other/My%20Note.md) [b](<folder/with space.md>) [c](https://example.com/x.md)\n"
        '[d](mailto:x@y.z) [e](#local-anchor) ![img](pic.png) [f](note.md#heading "title")\n'
        "[g](dendron.topic.markdown)\n"
    )
    assert parse_meta(text, "n").links == (
        "../other/My Note.md",
        "folder/with space.md",
        "note.md",
        "dendron.topic.markdown",
    )


def test_links_inside_code_are_ignored() -> None:
    text = (
        "Real [[kept]].\n\n```md\n[[in fence]] [x](in-fence.md)\n```\n\n"
        "Inline `[[in code]]` and ``[[`x`]]``.\n"
    )
    assert parse_meta(text, "n").links == ("kept",)


def test_inline_code_masking_stays_linear_on_a_huge_line_of_backticks() -> None:
    text = "`x " * 100_000 + "[[after]]"
    assert parse_meta(text, "n").links == ("after",)


def test_split_lines_classifies_headings_fences_and_blanks() -> None:
    text = "# H1\n\ntext\n```py\n# not heading\n\n```\n~~~\n```\n~~~\n####### seven\n#tag\r\nlast"
    kinds = [(ln.kind, ln.level, ln.title) for ln in split_lines(text)]
    assert kinds == [
        (HEADING, 1, "H1"),
        (BLANK, 0, ""),
        (TEXT, 0, ""),
        (FENCE, 0, ""),
        (FENCE, 0, ""),
        (FENCE, 0, ""),  # a blank line inside a fence is still code
        (FENCE, 0, ""),
        (FENCE, 0, ""),
        (FENCE, 0, ""),  # ``` does not close a ~~~ fence
        (FENCE, 0, ""),
        (TEXT, 0, ""),
        (TEXT, 0, ""),
        (TEXT, 0, ""),
    ]
    lines = split_lines(text)
    assert text[lines[-2].start : lines[-2].end] == "#tag" and lines[-2].next == lines[-1].start


def test_frontmatter_edge_cases_the_header_rule_handles() -> None:
    # Closed at the very end of the note, no newline after the closing line: all header, no body.
    assert split_frontmatter("---\ntitle: x\n---") == ({"title": "x"}, len("---\ntitle: x\n---"))
    # Spaces after the markers.
    assert split_frontmatter("--- \ntitle: x\n---  \nBody") == (
        {"title": "x"},
        len("--- \ntitle: x\n---  \n"),
    )
    # Keys are case-insensitive.
    assert split_frontmatter("---\nTitle: Big\n---\n")[0] == {"title": "Big"}
    # Only a block that opens on the first line with exactly three dashes is frontmatter.
    assert split_frontmatter("\n---\ntitle: x\n---\nBody") == ({}, 0)
    assert split_frontmatter("----\ntitle: x\n----\nBody") == ({}, 0)
    # A closing line must start at the margin; an indented one is YAML text, so this block never closes.
    assert split_frontmatter("---\ntitle: x\n  ---\nBody\n") == ({}, 0)


# ---- aliases -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "aliases"),
    [
        ("aliases: [Tea ceremony, chanoyu]", ("Tea ceremony", "chanoyu")),
        ("aliases:\n  - Tea ceremony\n  - chanoyu", ("Tea ceremony", "chanoyu")),
        ("aliases: Tea ceremony", ("Tea ceremony",)),
        ("alias: chanoyu", ("chanoyu",)),
        ("aliases: [Matcha, matcha, '', 2024]", ("2024",)),  # the title itself and blanks are no alias
        ("aliases: {a: b}", ()),
        ("tags: [x]", ()),
    ],
)
def test_frontmatter_aliases(front: str, aliases: tuple[str, ...]) -> None:
    meta = parse_meta(f"---\ntitle: Matcha\n{front}\n---\nBody.\n", "matcha")
    assert meta.title == "Matcha"
    assert meta.aliases == aliases

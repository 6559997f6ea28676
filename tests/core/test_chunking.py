"""Cutting notes into passages that fit the model (fault cases 33 and 35)."""

from __future__ import annotations

import re

import pytest

from gte_notes.core.markdown.chunking import DEFAULT_TARGET_TOKENS, Chunk, chunk_note, embeddable
from gte_notes.core.markdown.markdown_meta import parse_meta

_TOKEN = re.compile(r"\w+|[^\w\s]")


class RegexTokenizer:
    """Words and punctuation marks as tokens: additive across whitespace, like WordPiece."""

    def __init__(self, max_tokens: int = 512) -> None:
        self.max_tokens = max_tokens
        self.calls = 0

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        self.calls += 1
        return [m.span() for m in _TOKEN.finditer(text)]

    def count(self, text: str) -> int:
        return len(_TOKEN.findall(text)) + 2


class SeamTokenizer(RegexTokenizer):
    """Not additive: the first word of any text costs an extra token, as some tokenizers do at a seam."""

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        offsets = super().token_offsets(text)
        return offsets[:1] + offsets if offsets else offsets

    def count(self, text: str) -> int:
        return len(self.token_offsets(text)) + 2


def chunks_of(text: str, tok: RegexTokenizer | None = None, stem: str = "note", **kw: int) -> list[Chunk]:
    return chunk_note(text, parse_meta(text, stem), tok or RegexTokenizer(), **kw)


def check_invariants(text: str, chunks: list[Chunk], tok: RegexTokenizer) -> None:
    """What every chunking must satisfy, whatever the note."""
    body_start = parse_meta(text, "note").body_start
    previous_end = body_start
    for n, c in enumerate(chunks):
        assert c.seq == n
        assert c.text == text[c.start : c.end]
        assert c.text and c.text == c.text.rstrip() and not c.text.startswith("\n")
        assert c.start >= previous_end  # in order, never overlapping, never in the frontmatter
        previous_end = c.end
        assert c.embed_text.endswith(embeddable(c.text))
        assert c.n_tokens == tok.count(c.embed_text)
        assert c.n_tokens <= tok.max_tokens
        assert c.line == text.count("\n", 0, c.start) + 1
    # Nothing is lost: every word of the body is in some chunk.
    covered = " ".join(c.text for c in chunks)
    assert _TOKEN.findall(covered) == _TOKEN.findall(text[body_start:])


def test_empty_whitespace_and_frontmatter_only_notes_have_no_chunks() -> None:
    assert chunks_of("") == []
    assert chunks_of("  \n\n\t\n") == []
    assert chunks_of("---\ntitle: Only metadata\ntags: [a]\n---\n\n  \n") == []


def test_short_note_is_one_chunk_with_title_in_context() -> None:
    text = "---\nid: abc123\ntitle: Careers\n---\n\nWe are hiring.\n"
    tok = RegexTokenizer()
    (chunk,) = chunks_of(text, tok)
    assert chunk.text == "We are hiring."
    assert chunk.embed_text == "Careers\n\nWe are hiring."
    assert (chunk.line, chunk.heading) == (6, "")
    check_invariants(text, [chunk], tok)


def test_frontmatter_never_reaches_chunk_text_or_embedding() -> None:
    text = "---\nid: 7i0ha2drav4aadk9r2c1ote\ncreated: 1645831075594\n---\n# Title\n\nBody text.\n"
    for c in chunks_of(text):
        assert "7i0ha2drav4aadk9r2c1ote" not in c.embed_text and "created" not in c.embed_text


def test_only_an_explicit_title_is_embedded_so_renames_keep_vectors() -> None:
    text = "Plain body with no title at all.\n\n## Part\n\nMore text.\n"
    old = [c.embed_text for c in chunks_of(text, stem="old-name")]
    new = [c.embed_text for c in chunks_of(text, stem="new-name")]
    assert old == new and not any("name" in e for e in old)


NESTED = (
    """# Guide

Intro paragraph.

## Install

Run the installer.

### On Linux

Use the package.

## Use

"""
    + "Open the app and search for words. " * 20
    + """

# Appendix

Extra words.
"""
)


def test_heading_paths_line_numbers_and_heading_lines_lead_their_section() -> None:
    tok = RegexTokenizer()
    chunks = chunks_of(NESTED, tok, target_tokens=48)
    check_invariants(NESTED, chunks, tok)
    by_heading = {c.heading: c for c in chunks}
    linux = by_heading["Guide > Install > On Linux"]
    assert linux.text.startswith("### On Linux")
    assert linux.line == NESTED.splitlines().index("### On Linux") + 1
    assert linux.embed_text.startswith("Guide > Install > On Linux\n\n")
    use = [c for c in chunks if c.heading == "Guide > Use"]
    assert use[0].text.startswith("## Use") and len(use) >= 2  # a long section is several chunks
    assert all(c.embed_text.startswith("Guide > Use\n\n") for c in use)
    assert by_heading["Appendix"].text == "# Appendix\n\nExtra words."


def test_tiny_title_section_joins_the_next_section() -> None:
    text = "# Title\n\n## Details\n\nA few words here.\n"
    tok = RegexTokenizer()
    (chunk,) = chunks_of(text, tok)
    assert chunk.text == text.rstrip() and chunk.heading == "Title"
    assert chunk.embed_text == "Title\n\n" + chunk.text  # the title, not repeated as a heading


def test_tiny_sections_join_siblings_but_not_a_section_elsewhere() -> None:
    text = (
        "# A\n\n"
        + "Filler words. " * 25
        + "\n\n## A1\n\nxray film\n\n## A2\n\nyellow axis\n\n# B\n\nzebra stripes\n"
    )
    tok = RegexTokenizer()
    chunks = chunks_of(text, tok, target_tokens=100)
    check_invariants(text, chunks, tok)
    assert [c.heading for c in chunks] == ["A", "A > A1", "B"]
    assert chunks[1].text == "## A1\n\nxray film\n\n## A2\n\nyellow axis"
    assert chunks[1].embed_text.startswith("A\n\n")  # context: what the two sections share
    assert chunks[2].text == "# B\n\nzebra stripes"


def test_tiny_deep_section_does_not_join_a_later_top_level_section() -> None:
    text = "# A\n\n## A1\n\n### Deep\n\nxray film\n\n# B\n\nyellow axis\n"
    chunks = chunks_of(text)
    assert [c.heading for c in chunks] == ["A", "B"]
    assert chunks[0].text == "# A\n\n## A1\n\n### Deep\n\nxray film"  # the title line joins its child


def test_a_heading_never_ends_a_chunk_away_from_its_text() -> None:
    text = "Preamble words. " * 30 + "\n\n## Next\n\n" + "Body words follow here. " * 30 + "\n"
    tok = RegexTokenizer()
    chunks = chunks_of(text, tok, target_tokens=100)
    check_invariants(text, chunks, tok)
    assert not any(c.text.rstrip().endswith("## Next") for c in chunks)
    assert any(c.text.startswith("## Next\n\nBody words") for c in chunks)


def test_fenced_code_is_kept_whole_with_blank_lines_and_hash_comments() -> None:
    code = "```bash\n# not a heading\nmake build\n\n\n# still code\nmake test\n```"
    text = "Before the code. " * 10 + "\n\n" + code + "\n\n" + "After the code. " * 10 + "\n"
    tok = RegexTokenizer()
    chunks = chunks_of(text, tok, target_tokens=60)
    check_invariants(text, chunks, tok)
    assert any(code in c.text for c in chunks)
    assert all(c.heading == "" for c in chunks)


def test_oversized_code_block_is_cut_between_lines() -> None:
    code = "```\n" + "".join(f"line_{i} = compute({i})\n" for i in range(200)) + "```"
    tok = RegexTokenizer()
    chunks = chunks_of(code, tok, target_tokens=80)
    check_invariants(code, chunks, tok)
    assert len(chunks) > 5
    assert all(c.text.endswith((")", "```")) for c in chunks)  # whole lines only


def test_table_is_kept_whole_when_it_fits() -> None:
    table = "| a | b |\n|---|---|\n" + "".join(f"| {i} | {i * i} |\n" for i in range(5))
    text = "Intro.\n\n" + table + "\nAfter.\n"
    assert any(table.rstrip() in c.text for c in chunks_of(text))


def test_ten_thousand_token_note_is_chunked_within_the_limit() -> None:
    paragraphs = [
        f"Paragraph {i} talks about topic {i % 7}. " + "Words and more words. " * 12 for i in range(220)
    ]
    text = "# Big note\n\n" + "\n\n".join(paragraphs) + "\n"
    tok = RegexTokenizer()
    assert tok.count(text) > 10_000
    chunks = chunks_of(text, tok)
    check_invariants(text, chunks, tok)
    assert all(c.n_tokens <= DEFAULT_TARGET_TOKENS for c in chunks)
    assert all(c.text.startswith(("Paragraph", "# Big note")) for c in chunks)  # cut between paragraphs


@pytest.mark.timeout(60)
def test_one_megabyte_single_line_is_chunked_at_sentences_tokenizing_once() -> None:
    sentence = "The quick brown fox jumps over the lazy dog again. "
    text = (sentence * (1_000_000 // len(sentence) + 1))[:1_000_000]
    tok = RegexTokenizer()
    chunks = chunks_of(text, tok)
    check_invariants(text, chunks, tok)
    assert len(chunks) > 800
    assert all(c.text.endswith(".") for c in chunks[:-1])  # sentence boundaries
    assert tok.calls <= 5  # the note is tokenized once, not once per chunk (check_invariants aside)


def test_one_megabyte_line_without_boundaries_still_fits() -> None:
    text = "word" * 250_000  # one token for this tokenizer, like BERT's [UNK] for a long blob
    tok = RegexTokenizer()
    chunks = chunks_of(text, tok)
    assert len(chunks) > 1 and all(len(c.text) <= 8_000 for c in chunks)  # readable passages
    assert "".join(c.text for c in chunks) == text
    assert all(c.n_tokens == tok.count(c.embed_text) <= tok.max_tokens for c in chunks)


def test_long_word_runs_are_cut_between_tokens() -> None:
    text = ",".join(["x"] * 5000)  # no whitespace anywhere
    tok = RegexTokenizer(max_tokens=64)
    chunks = chunks_of(text, tok)
    check_invariants(text, chunks, tok)


def test_huge_heading_path_is_truncated_to_leave_room_for_text() -> None:
    text = "# " + "very long heading " * 200 + "\n\nThe actual text of the section.\n"
    tok = RegexTokenizer(max_tokens=64)
    chunks = chunks_of(text, tok)
    for c in chunks:
        prefix = c.embed_text[: len(c.embed_text) - len(c.text)]
        assert tok.count(prefix) - 2 <= (64 - 2) // 4
    check_invariants(text, chunks, tok)


def test_limit_holds_when_the_tokenizer_does_not_add_up_at_seams() -> None:
    text = "## Section\n\n" + " ".join(f"w{i}" for i in range(3000)) + "\n"
    tok = SeamTokenizer(max_tokens=64)
    chunks = chunks_of(text, tok, target_tokens=64)  # packed right up to the limit
    assert chunks
    for c in chunks:
        assert c.n_tokens == tok.count(c.embed_text) <= 64


def test_small_model_limit_caps_the_target() -> None:
    text = "Sentence number one is here. " * 400
    tok = RegexTokenizer(max_tokens=128)
    chunks = chunks_of(text, tok, target_tokens=1000)
    check_invariants(text, chunks, tok)
    assert max(c.n_tokens for c in chunks) <= 128


def test_crlf_and_html_are_indexed_as_text_with_exact_offsets() -> None:
    text = "# T\r\n\r\n<div class='x'>Some <b>HTML</b></div>\r\n\r\n<!-- a comment -->\r\nEnd.\r\n"
    tok = RegexTokenizer()
    chunks = chunks_of(text, tok)
    check_invariants(text, chunks, tok)
    assert "<b>HTML</b>" in chunks[0].text


def test_cjk_text_without_spaces_is_cut_at_full_stops() -> None:
    text = "これは日本語の文です。" * 400
    tok = RegexTokenizer(max_tokens=64)
    tok_chars = CharTokenizer(max_tokens=64)
    for t in (tok, tok_chars):
        chunks = chunks_of(text, t)
        assert all(c.n_tokens <= 64 for c in chunks)
    chunks = chunks_of(text, tok_chars)
    assert len(chunks) > 10 and all(c.text.endswith("。") for c in chunks)


class CharTokenizer(RegexTokenizer):
    """One token per non-space character, roughly what BERT does with CJK."""

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        self.calls += 1
        return [(i, i + 1) for i, ch in enumerate(text) if not ch.isspace()]

    def count(self, text: str) -> int:
        return len(self.token_offsets(text)) + 2


def test_words_of_their_own_decide_what_is_a_thin_passage() -> None:
    from gte_notes.core.markdown.chunking import readable_words

    assert (
        readable_words('## Video\n\n<iframe src="https://youtube.com/x" allow="clipboard-write"></iframe>')
        == 0
    )
    assert readable_words("## Summary\n\n{{fm.desc}}\n\n![[other.note#part]]\n\n![](/img/a.png)") == 0
    assert (
        readable_words("# Reverse Engineering\n- https://github.com/deut-erium/RNGeesus") > 0
    )  # a link says something
    # A whole paragraph on one "heading" line (SciFact abstracts have these) is text, not a heading alone.
    assert (
        readable_words(
            "### Diabetic retinopathy  Diabetic retinopathy may be the most common microvascular "
            "complication of diabetes and a leading cause of new blindness in adults."
        )
        > 5
    )

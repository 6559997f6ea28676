"""A pasted image (a data: URI) or another base64 blob is not text: it is folded out of a note's passages,
their keyword rows and what is embedded, and everything around it keeps its place in the note.

Chunking runs with the stand-in model's real tokenizer (it decides where a base64 run is cut); the
keyword search uses the fast fake embedder, since only the keyword side is asked.
"""

from __future__ import annotations

import base64
import random
import re
from pathlib import Path

import pytest

from gte_notes.core.markdown.blobs import MARK, fold_blobs
from gte_notes.core.markdown.chunking import Chunk, chunk_note
from gte_notes.core.markdown.markdown_meta import parse_meta
from gte_notes.core.markdown.preview_text import markdown_for_preview
from gte_notes.core.model.model_tokenizer import ModelTokenizer, open_model_tokenizer
from gte_notes.eval.harness import index_folder, write_notes
from tests.fakes import FakeEmbedder

_RUN = re.compile(r"[A-Za-z0-9+/=_-]{40,}")  # longer than any word of the prose below
PROSE = (
    "The harbour was quiet at dawn. Fishing boats rocked against the pier while gulls circled the "
    "market stalls, and the smell of coffee drifted from the bakery on the corner. "
)


def payload(n_chars: int, seed: int = 7) -> str:
    """Base64 of random bytes, `n_chars` long: what a pasted PNG looks like to the indexer."""
    return base64.b64encode(random.Random(seed).randbytes(n_chars * 3 // 4)).decode()


@pytest.fixture(scope="module")
def tok(minilm_path: Path) -> ModelTokenizer:
    tokenizer = open_model_tokenizer(str(minilm_path))
    assert tokenizer is not None
    return tokenizer


def chunks_of(text: str, tok: ModelTokenizer, stem: str = "note") -> list[Chunk]:
    return chunk_note(text, parse_meta(text, stem), tok)


def check_in_note(text: str, chunks: list[Chunk], base64_free: bool = True) -> None:
    """No passage holds base64; each is its place in the note with the blobs folded, at its line."""
    for c in chunks:
        assert not base64_free or not (_RUN.search(c.text) or _RUN.search(c.embed_text)), c.text[:200]
        assert fold_blobs(text[c.start : c.end]).text == c.text
        assert c.line == text.count("\n", 0, c.start) + 1


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def chunk_with(chunks: list[Chunk], needle: str) -> Chunk:
    return next(c for c in chunks if needle in c.text)


def test_a_two_megabyte_pasted_image_is_a_handful_of_passages(tok: ModelTokenizer) -> None:
    text = (
        "# Holiday photos\n\n"
        + PROSE
        + "\n\n![the harbour at dawn](data:image/png;base64,"
        + payload(2_000_000)
        + ")\n\n## Evening\n\n"
        + PROSE * 12
        + "\n\nLanterns were lit along the promenade.\n"
    )
    chunks = chunks_of(text, tok)
    assert 2 <= len(chunks) <= 5  # it was over 4,000 passages of base64
    check_in_note(text, chunks)
    image = chunk_with(chunks, "![the harbour at dawn](data:image/png;base64,…)")
    assert image.start == 0  # the image says nothing of its own: it joined the prose before it
    later = chunk_with(chunks, "## Evening")
    assert later.line == line_of(text, "## Evening")
    assert text[later.start :].startswith("## Evening")
    assert chunks[-1].text.endswith("Lanterns were lit along the promenade.")
    assert chunks[-1].end == len(text.rstrip())


def test_an_html_image_with_a_data_uri_is_folded_too(tok: ModelTokenizer) -> None:
    text = (
        "Sunset notes\n\n"
        + '<p><img src="data:image/jpeg;base64,'
        + payload(300_000)
        + '" alt="sunset over the bay" width="600"></p>\n\n'
        + PROSE
        + "\n"
    )
    chunks = chunks_of(text, tok)
    assert len(chunks) == 1
    check_in_note(text, chunks)
    assert 'src="data:image/jpeg;base64,…"' in chunks[0].text
    assert "data:" not in chunks[0].embed_text and "Fishing boats" in chunks[0].embed_text


def wrapped(n_chars: int, width: int, seed: int) -> str:
    blob = payload(n_chars, seed)
    return "\n".join(blob[i : i + width] for i in range(0, len(blob), width))


def test_wrapped_base64_and_pem_blocks_keep_the_lines_after_them_right(tok: ModelTokenizer) -> None:
    # A mail attachment wrapped at 76 columns (2,600 lines), then a certificate at 64, then prose.
    text = (
        "# Server setup\n\nThe attachment from the vendor:\n\n```\n"
        + wrapped(200_000, 76, 1)
        + "\n```\n\nThe certificate:\n\n-----BEGIN CERTIFICATE-----\n"
        + wrapped(1_800, 64, 2)
        + "\n-----END CERTIFICATE-----\n\n## Renewal\n\n"
        + PROSE * 8
        + "\n\nRenew the certificate before March.\n"
    )
    chunks = chunks_of(text, tok)
    assert len(chunks) <= 4
    check_in_note(text, chunks)
    assert "```\n…\n```" in chunks[0].text
    assert "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----" in chunks[0].text
    renewal = chunk_with(chunks, "## Renewal")
    assert renewal.line == line_of(text, "## Renewal") > 2600
    last = chunk_with(chunks, "Renew the certificate")
    assert last.line == text.count("\n", 0, last.start) + 1


def test_words_hashes_urls_and_lines_of_dashes_are_not_blobs() -> None:
    sha1, sha256 = "9fceb02d0ae598e95dc970b74767f19372d61af8", "ab" * 32
    sha512_b64 = base64.b64encode(random.Random(3).randbytes(64)).decode()  # 88 characters
    slug = "-".join(["Why-do-Hindu-temples-ask-visitors-to-remove-their-shoes-and-Western-clothes"] * 5)
    kept = [
        f"Commit {sha1}, digest {sha256}, integrity sha512-{sha512_b64}.",
        "A hex dump: " + "0123456789abcdef" * 20,  # 320 characters of hex: no upper case
        "| a | b |\n|" + "-" * 300 + "|---|",
        f"See https://www.quora.com/{slug}/answer/R-Singh-298 for more.",
        "\n".join(f"Supercalifragilistic{i}Expialidocious" for i in range(40)),  # one long word a line
        "東京の天気は晴れです。" * 60,
        "Numbers: " + ",".join(str(i * 7919 % 100_000) for i in range(300)),
    ]
    for text in kept:
        assert fold_blobs(text).text == text
    run = payload(300)
    base64url = run.replace("+", "-").replace("/", "_")
    assert fold_blobs(f"key: {run} end").text == f"key: {MARK} end"
    assert fold_blobs(f"token={base64url}.").text == f"token={MARK}."
    # A data: URI's payload goes whatever its length; a percent-encoded = is part of it.
    assert fold_blobs("a ![dot](data:image/gif;base64,R0lGODlhAQABAAAAACw%3D) b").text == (
        f"a ![dot](data:image/gif;base64,{MARK}) b"
    )


def test_positions_after_a_fold_map_back_to_the_note() -> None:
    blob = payload(1_000)
    text = f"Before\n{blob}\nAfter {blob} end"
    folded = fold_blobs(text)
    assert folded.text == f"Before\n{MARK}\nAfter {MARK} end"
    for word in ("Before", "After", "end"):
        assert folded.to_note(folded.text.index(word)) == text.index(word)
    first = folded.text.index(MARK)
    assert (folded.to_note(first), folded.to_note(first + len(MARK))) == (7, 7 + len(blob))


def test_frontmatter_is_never_folded_and_passages_start_after_it(tok: ModelTokenizer) -> None:
    text = f"---\ntitle: Keys\nkey: {payload(400)}\n---\n\n{PROSE}\n\nkey: {payload(400, 9)}\n"
    chunks = chunks_of(text, tok)
    assert len(chunks) == 1 and chunks[0].start == text.index("The harbour")
    check_in_note(text, chunks)


def test_keyword_search_finds_the_prose_but_not_the_base64(tmp_path: Path) -> None:
    blob = payload(300_000)
    notes = {
        "pic.md": f"# Cat\n\nMy cat sleeps on the sofa.\n\n![cat](data:image/png;base64,{blob})\n\n"
        "She likes warm sunny windows.\n",
        "dog.md": "# Dog\n\nThe dog sleeps in the garden shed.\n",
    }
    write_notes(tmp_path / "notes", notes.items())
    # A whole word of the base64 as the keyword side splits it (between its + and / characters).
    piece = max(re.split(r"[+/=]", blob[:4000]), key=len)[:20]
    ix = index_folder(tmp_path / "notes", tmp_path / "data", FakeEmbedder(), quiet=True)
    try:
        assert ix.store.conn.execute("SELECT count(*) FROM chunks").fetchone()[0] <= 3
        (hit,) = [h for h in ix.searcher().search("sunny windows", 10, mode="keyword") if h.path == "pic.md"]
        assert "sunny windows" in hit.passage and not _RUN.search(hit.passage)
        assert "pic.md" not in [h.path for h in ix.searcher().search(piece, 10, mode="keyword")]
        assert "pic.md" not in [h.path for h in ix.searcher().search(f'"{piece}"', 10, mode="keyword")]
    finally:
        ix.close()


def test_the_preview_shows_what_follows_a_five_megabyte_image() -> None:
    text = f"# Cat\n\n![cat](data:image/png;base64,{payload(5_000_000)})\n\nShe likes warm sunny windows.\n"
    md = markdown_for_preview(text)
    assert md == "# Cat\n\n![cat](data:image/png;base64,…)\n\nShe likes warm sunny windows.\n"


def test_a_pasted_image_leaves_the_passages_of_real_notes_as_they_were(
    dendron_vault: Path, tok: ModelTokenizer
) -> None:
    """Real notes with long URLs, hashes and code: folding finds nothing in them, and an image pasted
    at the end changes none of their passages but the last, which it joins."""
    names = [
        "dendron.ref.config.md",  # image URLs of 130 characters
        "dendron.topic.publish.cook.github-action.action-detail.md",  # a cache key with a sha256
        "dendron.topic.doctor.cli.md",
    ]
    image = f"\n\n![screenshot](data:image/png;base64,{payload(50_000)})\n"
    for path in sorted(dendron_vault.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert not fold_blobs(text).changed, path.name
    for name in names:
        text = (dendron_vault / name).read_text(encoding="utf-8")
        plain = chunks_of(text, tok, name)
        pasted = chunks_of(text.rstrip() + image, tok, name)
        assert len(pasted) in (len(plain), len(plain) + 1), name
        assert pasted[: len(plain) - 1] == plain[:-1], name
        assert pasted[len(plain) - 1].text.startswith(plain[-1].text)
        check_in_note(text.rstrip() + image, pasted, base64_free=False)

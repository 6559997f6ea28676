"""Passages with (nearly) nothing to read - a video embed, a heading alone - are not embedded as content.

Seen on dendron-site: "paste a picture from the clipboard" put five passages that were only a YouTube
iframe (its `allow="clipboard-write; picture-in-picture"`) above the Images note, each shown with an empty
snippet. Real dendron-site notes and the real stand-in model: the tokenizer decides where passages end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gte_notes.core.markdown.chunking import chunk_note, readable_words
from gte_notes.core.markdown.markdown_meta import parse_meta
from gte_notes.eval.harness import index_folder
from gte_notes.gui.engine.snippet import make_snippet

pytestmark = pytest.mark.model

IMAGES = "dendron.topic.images.md"


def _embed_notes(vault: Path) -> list[Path]:
    return sorted(p for p in vault.glob("*.md") if "<iframe" in p.read_text(encoding="utf-8"))


def test_an_embed_under_its_own_heading_joins_a_passage_with_text(
    dendron_vault: Path, minilm_embedder
) -> None:
    notes = _embed_notes(dendron_vault)
    assert len(notes) > 30
    for note in notes:
        text = note.read_text(encoding="utf-8")
        chunks = chunk_note(text, parse_meta(text, note.stem), minilm_embedder)
        for c in chunks:
            if len(chunks) > 1 and "<iframe" in c.text:  # a note of more than an embed: never the embed alone
                assert readable_words(c.text) >= 1, (note.name, c.text)
            assert "<iframe" not in c.embed_text and "clipboard-write" not in c.embed_text, note.name
            assert c.n_tokens == len(minilm_embedder.token_offsets(c.embed_text)) + 2
            assert c.n_tokens <= minilm_embedder.max_tokens
        assert any("<iframe" in c.text for c in chunks), note.name  # shown as written, embedded without it


def test_video_embeds_do_not_outrank_the_note_about_images(
    dendron_vault: Path, minilm_embedder, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for path in [
        *_embed_notes(dendron_vault),
        dendron_vault / IMAGES,
        dendron_vault / "tags.feature.images.md",
    ]:
        shutil.copyfile(path, notes / path.name)
    ix = index_folder(notes, tmp_path / "home", minilm_embedder, quiet=True)
    try:
        hits = ix.searcher().search("paste a picture from the clipboard", 10)
    finally:
        ix.close()
    assert hits[0].path == IMAGES, [(h.path, round(h.score, 3)) for h in hits]
    for h in hits:  # every row has something to read
        assert make_snippet(h.passage, h.highlights, getattr(h, "sentence", None)).text.strip(), h.path

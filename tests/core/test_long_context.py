"""Passage size follows the model's limit and the size chosen; nothing is cut without a word.

A long-context model (8192 tokens, as gte-multilingual-base) still gets passage-sized passages by
default; a chosen passage size is capped by the model's limit; text over the limit becomes more
passages; what still cannot be read whole (a path longer than the limit) is said on the note.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gte_notes.core.errors import KnownError
from gte_notes.core.index.status import index_files
from gte_notes.core.live.open_chosen import check_passage_tokens
from gte_notes.core.markdown.chunking import DEFAULT_TARGET_TOKENS, chunk_note, truncation_warning
from gte_notes.core.markdown.markdown_meta import parse_meta
from tests.core.test_indexer import Index
from tests.fakes import FakeEmbedder

LONG = "# Long note\n\n" + "\n\n".join(
    " ".join(f"word{p}x{w}" for w in range(60)) + "." for p in range(150)
)  # about 9,000 tokens, over even an 8192-token limit


def _chunks(embedder: FakeEmbedder, text: str = LONG):
    return chunk_note(text, parse_meta(text, "long"), embedder)


def test_long_context_model_keeps_passages_passage_sized() -> None:
    chunks = _chunks(FakeEmbedder(max_tokens=8192))
    assert len(chunks) > 20
    assert max(c.n_tokens for c in chunks) <= DEFAULT_TARGET_TOKENS
    assert not any(c.truncated for c in chunks)


def test_chosen_passage_size_is_capped_by_the_models_limit() -> None:
    long_model = FakeEmbedder(max_tokens=8192)
    long_model.passage_tokens = 2048
    big = _chunks(long_model)
    assert DEFAULT_TARGET_TOKENS < max(c.n_tokens for c in big) <= 2048
    short_model = FakeEmbedder(max_tokens=128)
    short_model.passage_tokens = 100_000  # asked for more than the model reads: its limit wins
    small = _chunks(short_model)
    assert max(c.n_tokens for c in small) <= 128 and len(small) > len(big)
    # Nothing of the text is dropped: the passages cover every word of the note.
    words = {w for c in small for w in c.text.split()}
    assert {f"word{p}x59." for p in range(150)} <= words


def test_a_path_over_the_limit_is_said_on_the_note(tmp_path: Path) -> None:
    embedder = FakeEmbedder(max_tokens=128)
    folders = [".".join(f"{chr(97 + f)}{w}" for w in range(40)) for f in range(4)]  # ~170 tokens as a title
    deep = tmp_path / "notes" / Path(*folders)
    deep.mkdir(parents=True)
    (deep / "note.md").write_text("# Note\n\nA short note deep down.\n")
    (tmp_path / "notes" / "plain.md").write_text("# Plain\n\nA short note.\n")
    index = Index(tmp_path / "notes", tmp_path / "home", embedder)
    index.reconcile()
    files = {f.path: f for f in index_files(index.store)}
    deep_rel = next(p for p in files if p.endswith("note.md"))
    assert files[deep_rel].status == "indexed"
    assert "longer than the model's 128-token limit" in files[deep_rel].warning
    assert files["plain.md"].warning == ""


def test_a_new_passage_size_re_chunks_every_note(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "long.md").write_text(LONG)
    embedder = FakeEmbedder(max_tokens=512)
    index = Index(tmp_path / "notes", tmp_path / "home", embedder)
    index.reconcile()
    before = index.store.chunk_count()
    embedder.passage_tokens = 64
    stats = index.reconcile()
    assert stats.updated == 1 and index.store.chunk_count() > 3 * before


def test_truncation_warning_words() -> None:
    chunks = _chunks(FakeEmbedder(max_tokens=512))
    assert truncation_warning(chunks, 10, 512) == ""
    cut = [chunks[0].__class__(**{**chunks[0].__dict__, "truncated": True})]
    assert truncation_warning(cut, 10, 512) == "1 passage cut to the model's 512-token limit"


def test_a_passage_size_too_small_is_a_clear_error() -> None:
    assert check_passage_tokens(0) == 0 and check_passage_tokens(1024) == 1024
    with pytest.raises(KnownError, match="at least 32 tokens"):
        check_passage_tokens(10)

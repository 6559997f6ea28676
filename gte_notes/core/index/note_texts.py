"""What one note gives the model to embed: its passages and its title, hashed.

Shared by the indexer (which writes the chunks) and a model change (which embeds the same texts for
the next model before it takes over, writing nothing else), so both cut a note the same way.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gte_notes.core.files.path_text import display
from gte_notes.core.index.store import NewChunk
from gte_notes.core.markdown.chunking import chunk_note, truncation_warning
from gte_notes.core.markdown.markdown_meta import parse_meta


@dataclass
class NoteTexts:
    title: str
    tags: tuple[str, ...]
    links: tuple[str, ...]
    chunks: list[NewChunk]  # empty: nothing to index
    texts: dict[str, str]  # text_hash -> the text the model embeds, chunks first, then the title
    tokens: dict[str, int]  # text_hash -> its token count
    title_hash: str
    warning: str  # what the model's limit cut, "" when nothing
    aliases: tuple[str, ...] = ()  # the note's other names (front matter)


def title_of_path(rel: str) -> str:
    """A note's path read as a title: "dendron.topic.publish.md" -> "dendron › topic › publish",
    "Culture/Food/Tea.md" -> "Culture › Food › Tea". Folders and dotted hierarchies are the
    context a note's author gave it; the explicit title is already embedded with every passage."""
    stem = rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
    return " › ".join(p.strip() for p in re.split(r"[/.]", stem) if p.strip())


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def note_texts(text: str, rel: str, embedder: Any) -> NoteTexts:
    """The note's passages as `embedder` cuts them and its path-title. Chunking errors propagate.

    `rel` is the file's exact name (it may hold surrogate-escaped bytes that are not UTF-8); everything
    made from it here - the fallback title, the path-title - is text a tokenizer, FTS5 and a screen
    take, so the undecodable bytes show as U+FFFD."""
    shown = display(rel)
    meta = parse_meta(text, Path(shown).stem)
    chunks = chunk_note(text, meta, embedder)
    new_chunks: list[NewChunk] = []
    texts: dict[str, str] = {}
    tokens: dict[str, int] = {}
    for c in chunks:
        h = hash_text(c.embed_text)
        new_chunks.append(NewChunk(c.seq, c.start, c.end, c.line, c.heading, c.text, h, c.n_tokens))
        texts[h] = c.embed_text
        tokens[h] = c.n_tokens
    if not chunks:
        return NoteTexts(meta.title, meta.tags, meta.links, [], {}, {}, "", "", meta.aliases)
    # The note's title vector (related notes): its place and name in the folder, one short text.
    title_text = title_of_path(shown)
    title_hash = hash_text(title_text)
    title_tokens = len(embedder.token_offsets(title_text)) + 2
    if title_hash not in texts:
        texts[title_hash] = title_text
        tokens[title_hash] = min(title_tokens, embedder.max_tokens)
    warning = truncation_warning(chunks, title_tokens, embedder.max_tokens)
    return NoteTexts(
        meta.title, meta.tags, meta.links, new_chunks, texts, tokens, title_hash, warning, meta.aliases
    )
